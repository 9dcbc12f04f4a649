"""The playground's web server: every security rule, the session API, exports, the digit network."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
with warnings.catch_warnings():  # newer Starlette suggests another HTTP client for its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

import nndl  # noqa: E402
from nndl.playground import data as D  # noqa: E402
from nndl.playground.app import create_app  # noqa: E402
from nndl.playground.digits import DigitNet  # noqa: E402

TOKEN = "launch-token"
ORIGIN = "http://testserver"
GOOD = {"X-Nndl-Token": TOKEN, "Origin": ORIGIN}
SMALL = {"dataset": "circle", "points": 200, "layers": [4], "activations": ["tanh"], "lr": 0.1, "seed": 3}


@pytest.fixture(scope="module")
def digits():
    return DigitNet("digits")


@pytest.fixture
def client(digits):
    app = create_app(TOKEN, {"testserver"}, max_sessions=2, digits=digits)
    with TestClient(app) as c:
        yield c


def new_session(client, config=SMALL) -> str:
    r = client.post("/api/session", json={"config": config}, headers=GOOD)
    assert r.status_code == 200, r.text
    return r.json()["id"]


# ------------------------------------------------------------------ security
def test_page_and_static_files_come_with_a_strict_policy(client):
    r = client.get("/")
    assert r.status_code == 200 and "nndl playground" in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize("path", ["/static/app.py", "/static/../app.py", "/static/..%2fapp.py",
                                  "/static/%2e%2e/__init__.py", "/static/static/app.js", "/app.py"])
def test_only_the_packaged_static_files_are_served(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "import" not in r.text


@pytest.mark.parametrize("host", ["evil.example:80", "127.0.0.1.evil.example", "localhost", ""])
def test_requests_with_another_host_header_are_refused(client, host):
    for method, path in [("get", "/"), ("get", "/static/app.js"), ("post", "/api/session")]:
        r = getattr(client, method)(path, headers={**GOOD, "Host": host})
        assert r.status_code == 403 and "Host" in r.json()["error"]


def test_api_needs_the_launch_token(client):
    sid = new_session(client)
    for headers in ({"Origin": ORIGIN}, {"Origin": ORIGIN, "X-Nndl-Token": "guess"}):
        assert client.post("/api/session", json={}, headers=headers).status_code == 403
        assert client.post(f"/api/session/{sid}/action", json={"action": "step"}, headers=headers).status_code == 403
        assert client.get(f"/api/session/{sid}/events?limit=1", headers=headers).status_code == 403
        assert client.get(f"/api/session/{sid}/model.nndl", headers=headers).status_code == 403
        assert client.get(f"/api/session/{sid}/train.py", headers=headers).status_code == 403
        assert client.get("/api/digits", headers=headers).status_code == 403
    assert client.get(f"/api/session/{sid}/snapshot?token={TOKEN}").status_code == 200  # the token in the URL


@pytest.mark.parametrize("origin", [None, "http://evil.example", "null", "http://testserver.evil.example"])
def test_state_changing_requests_need_this_servers_origin(client, origin):
    sid = new_session(client)
    headers = {"X-Nndl-Token": TOKEN, **({"Origin": origin} if origin else {})}
    for path, body in [("/api/session", {}), (f"/api/session/{sid}/action", {"action": "step"}),
                       (f"/api/session/{sid}/config", {"config": SMALL}), ("/api/digits/train", {"epochs": 1})]:
        r = client.post(path, json=body, headers=headers)
        assert r.status_code == 403 and "cross-origin" in r.json()["error"]
    assert client.get(f"/api/session/{sid}/snapshot", headers=GOOD).json()["step"] == 0


def test_event_stream_and_exports_refuse_other_origins_and_cross_site_requests(client):
    sid = new_session(client)
    for extra in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}):
        headers = {"X-Nndl-Token": TOKEN, **extra}
        for path in (f"/api/session/{sid}/events?limit=1", f"/api/session/{sid}/model.nndl", f"/api/session/{sid}/train.py"):
            assert client.get(path, headers=headers).status_code == 403


def test_uploads_are_capped_and_parsed_as_numbers_only(client):
    sid = new_session(client)
    url = f"/api/session/{sid}/upload"
    big = "1,2,0\n" * (D.MAX_UPLOAD_BYTES // 6 + 10)
    assert client.post(url, content=big, headers=GOOD).status_code == 413
    rows = "".join(f"{i},{i % 7},{i % 2}\n" for i in range(D.MAX_UPLOAD_ROWS + 1))
    assert len(rows) < D.MAX_UPLOAD_BYTES
    r = client.post(url, content=rows, headers=GOOD)
    assert r.status_code == 400 and "more than" in r.json()["error"]
    r = client.post(url, content="x1,x2,label\n1,2,0\n__import__('os').system('true'),1,1\n", headers=GOOD)
    assert r.status_code == 400 and "line 3" in r.json()["error"]
    r = client.post(url, content="x1,x2,label\n0,0,0\n1,1,1\n0,1,2\n1,0,1\n2,2,0\n", headers=GOOD)
    assert r.status_code == 200
    points = r.json()["points"]
    assert points["config"]["dataset"] == "upload" and points["classes"] == 3 and len(points["train"]) >= 2


@pytest.mark.parametrize("config, field", [
    ({"layers": [D.MAX_NEURONS + 1]}, "layers"), ({"layers": [2] * (D.MAX_HIDDEN_LAYERS + 1)}, "layers"),
    ({"points": D.MAX_POINTS + 1}, "points"), ({"lr": "0.1; rm -rf"}, "learning rate"), ({"lr": 1e9}, "learning rate"),
    ({"dataset": "../../etc/passwd"}, "dataset"), ({"features": []}, "features"), ({"batch": 0}, "batch size"),
    ({"optimizer": "sgd2"}, "optimizer"), ({"evil": 1}, "unknown"), ({"dropout": 0.95}, "dropout"),
])
def test_network_size_and_values_are_limited(client, config, field):
    r = client.post("/api/session", json={"config": {**SMALL, **config}}, headers=GOOD)
    assert r.status_code == 400 and field in r.json()["error"]


def test_non_finite_numbers_are_refused(client):
    body = b'{"config": {"dataset": "circle", "lr": NaN}}'
    r = client.post("/api/session", content=body, headers={**GOOD, "Content-Type": "application/json"})
    assert r.status_code == 400 and "learning rate" in r.json()["error"]


def test_steps_per_request_are_limited_and_bad_bodies_are_refused(client):
    sid = new_session(client)
    url = f"/api/session/{sid}/action"
    for steps in (D.MAX_STEPS_PER_REQUEST + 1, 0, "5", True):
        assert client.post(url, json={"action": "step", "steps": steps}, headers=GOOD).status_code == 400
    assert client.post(url, content=b"{not json", headers=GOOD).status_code == 400
    assert client.post(url, json={"action": "explode"}, headers=GOOD).status_code == 400
    assert client.post(url, content=b"x" * 70000, headers=GOOD).status_code == 413
    assert client.post("/api/session/nope/action", json={"action": "step"}, headers=GOOD).status_code == 404


def test_sessions_are_capped_and_closing_one_makes_room(client):
    first = new_session(client)
    new_session(client)
    r = client.post("/api/session", json={"config": SMALL}, headers=GOOD)
    assert r.status_code == 429 and "close one" in r.json()["error"]
    client.post(f"/api/session/{first}/close", json={}, headers=GOOD)
    new_session(client)


# ------------------------------------------------------------------ training and exports
def test_a_bad_value_keeps_the_running_configuration(client):
    sid = new_session(client)
    client.post(f"/api/session/{sid}/action", json={"action": "step", "steps": 3}, headers=GOOD)
    r = client.post(f"/api/session/{sid}/config", json={"config": {**SMALL, "batch": -4}}, headers=GOOD)
    assert r.status_code == 400 and "batch size" in r.json()["error"]
    snap = client.get(f"/api/session/{sid}/snapshot", headers=GOOD).json()
    assert snap["step"] == 3 and np.isfinite(snap["test_loss"])


def test_training_lowers_the_loss_and_exports_the_real_network(client, tmp_path):
    sid = new_session(client)
    before = client.get(f"/api/session/{sid}/snapshot", headers=GOOD).json()
    r = client.post(f"/api/session/{sid}/action", json={"action": "step", "steps": 30}, headers=GOOD)
    assert r.json()["step"] == 30
    snap = client.get(f"/api/session/{sid}/snapshot", headers=GOOD).json()
    assert snap["test_loss"] < 0.8 * before["test_loss"]
    assert len(snap["output"]["values"]) == 48 * 48 and len(snap["neurons"]) == 3  # inputs, one hidden layer, output
    assert [len(layer) for layer in snap["neurons"]] == [2, 4, 1]
    assert np.shape(snap["weights"][0]) == (4, 2) and np.shape(snap["dweights"][0]) == (4, 2)

    blob = client.get(f"/api/session/{sid}/model.nndl", headers=GOOD)
    assert blob.status_code == 200 and "attachment" in blob.headers["content-disposition"]
    path = tmp_path / "playground.nndl"
    path.write_bytes(blob.content)
    model = nndl.load(path)
    test = np.asarray(_points(client, sid)["test"])
    X = D.features(test[:, :2], ["x1", "x2"])
    cost = model.evaluate(X, test[:, 2:].T.astype(np.int64))["cost"]
    assert cost == pytest.approx(snap["test_loss"], abs=1e-6)

    code = client.get(f"/api/session/{sid}/train.py", headers=GOOD).text
    script = tmp_path / "train.py"
    script.write_text(code)
    out = _run(script)
    assert ast.literal_eval(out.split("test ", 1)[1].strip())["cost"] == pytest.approx(snap["test_loss"], rel=1e-6)


def _points(client, sid) -> dict:
    return client.app.playground.sessions[sid].points()


def _run(script: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(Path(nndl.__file__).parents[1])}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_exported_code_reproduces_multiclass_batchnorm_dropout_adam_runs(client, tmp_path):
    config = {"dataset": "spiral", "classes": 3, "points": 150, "layers": [5, 3], "activations": ["relu", "tanh"],
              "features": ["x1", "x2", "sinx1"], "optimizer": "adam", "lr": 0.01, "batchnorm": True,
              "dropout": 0.2, "l1": 0.001, "l2": 0.01, "batch": 16, "seed": 7}
    sid = new_session(client, config)
    client.post(f"/api/session/{sid}/action", json={"action": "step", "steps": 7}, headers=GOOD)
    snap = client.get(f"/api/session/{sid}/snapshot", headers=GOOD).json()
    assert snap["output"]["kind"] == "classes" and max(snap["output"]["classes"]) <= 2
    script = tmp_path / "train.py"
    script.write_text(client.get(f"/api/session/{sid}/train.py", headers=GOOD).text)
    out = _run(script)
    assert ast.literal_eval(out.split("test ", 1)[1].strip())["cost"] == pytest.approx(snap["test_loss"], rel=1e-6)


def test_play_trains_in_the_background_until_paused(client):
    sid = new_session(client)
    r = client.post(f"/api/session/{sid}/action", json={"action": "play"}, headers=GOOD)
    assert r.json()["playing"] is True
    deadline = time.monotonic() + 20
    while client.get(f"/api/session/{sid}/snapshot", headers=GOOD).json()["step"] < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    client.post(f"/api/session/{sid}/action", json={"action": "pause"}, headers=GOOD)
    time.sleep(0.2)
    step = client.get(f"/api/session/{sid}/snapshot", headers=GOOD).json()["step"]
    assert step >= 5
    time.sleep(0.3)
    assert client.get(f"/api/session/{sid}/snapshot", headers=GOOD).json()["step"] == step  # stays paused
    client.post(f"/api/session/{sid}/action", json={"action": "reset"}, headers=GOOD)
    assert client.get(f"/api/session/{sid}/snapshot", headers=GOOD).json()["step"] == 0


def test_event_stream_sends_points_then_snapshots(client):
    sid = new_session(client)
    r = client.get(f"/api/session/{sid}/events?limit=1", headers={"X-Nndl-Token": TOKEN})
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.text.index("event: points") < r.text.index("event: snapshot")


def test_a_diverging_run_stops_with_a_message_in_the_page(client):
    sid = new_session(client, {**SMALL, "dataset": "plane", "lr": 10.0, "layers": [8, 8], "activations": ["relu"],
                               "features": ["x1", "x2", "x1sq", "x2sq", "x1x2"], "batch": 1})
    r = client.post(f"/api/session/{sid}/action", json={"action": "step", "steps": 50}, headers=GOOD).json()
    assert r["error"] and "learning rate" in r["error"]
    snap = client.get(f"/api/session/{sid}/snapshot", headers=GOOD).json()
    assert snap["error"] == r["error"] and snap["step"] < 50
    model = client.app.playground.sessions[sid].model
    assert np.isfinite(model.params.vector).all()  # the last good weights, not the diverged ones
    assert client.post(f"/api/session/{sid}/config", json={"config": {**SMALL, "lr": 0.01}}, headers=GOOD).status_code == 200
    r = client.post(f"/api/session/{sid}/action", json={"action": "step", "steps": 2}, headers=GOOD).json()
    assert r["error"] is None and r["step"] == 2


# ------------------------------------------------------------------ the digit network
def test_digit_network_trains_predicts_and_explains_its_gradient(client):
    assert client.get("/api/digits", headers=GOOD).json()["side"] == 8
    r = client.post("/api/digits/predict", json={"pixels": [0.0] * 64}, headers=GOOD)
    assert r.status_code == 400 and "not trained" in r.json()["error"]
    state = client.post("/api/digits/train", json={"epochs": 5}, headers=GOOD).json()
    assert state["trained"] and state["history"][-1]["test_accuracy"] > 0.8
    assert np.shape(state["incoming"]) == (16, 64)
    from nndl.datasets.bundled import digits as load
    X, Y = load()
    pixels = X[:, 0].tolist()
    out = client.post("/api/digits/predict", json={"pixels": pixels, "label": 3}, headers=GOOD).json()
    probs = np.array(out["probabilities"])
    assert probs.sum() == pytest.approx(1, abs=1e-4) and [len(a) for a in out["activations"]] == [16, 16, 10]
    Yhot = np.eye(10)[3]
    np.testing.assert_allclose(out["nudge"]["output"], Yhot - probs, atol=2e-5)  # −dZ[3] = Y − A
    np.testing.assert_allclose(out["nudge"]["biases"][2], out["nudge"]["output"], atol=2e-5)  # db = dZ for m = 1
    a2 = np.array(out["activations"][1])
    np.testing.assert_allclose(out["nudge"]["weights"][2], np.outer(out["nudge"]["output"], a2), atol=2e-4)
    batch = out["batch"]
    np.testing.assert_allclose(batch["average"], -np.array(batch["gradient"]), atol=2e-5)
    sample = client.get("/api/digits/sample?index=3", headers=GOOD).json()
    assert len(sample["pixels"]) == 64 and sample["label"] in range(10)
    assert client.get("/api/digits/sample?index=-1", headers=GOOD).status_code == 400
    for bad in ({"pixels": pixels[:10]}, {"pixels": [2.0] * 64}, {"pixels": pixels, "label": 12}):
        assert client.post("/api/digits/predict", json=bad, headers=GOOD).status_code == 400
