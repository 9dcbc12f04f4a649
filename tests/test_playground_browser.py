"""The playground in a real browser (Playwright driving Debian's Chromium): train, watch the loss
and the boundary change, edit the network, export the model and the code and check that they
are the page's network, draw a digit. Screenshots go to tmp/artifacts (or $NNDL_ARTIFACTS)."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

import nndl  # noqa: E402
from nndl.playground import data as D  # noqa: E402
from nndl.playground.app import create_app  # noqa: E402
from nndl.playground.digits import DigitNet  # noqa: E402

CHROMIUM = os.environ.get("NNDL_CHROMIUM", "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
TOKEN = "browser-test-token"
ARTIFACTS = Path(os.environ.get("NNDL_ARTIFACTS", "tmp/artifacts"))


@pytest.fixture(scope="module")
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(TOKEN, {f"127.0.0.1:{port}", f"localhost:{port}"}, digits=DigitNet("digits"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the playground server did not start"
    yield app, f"http://127.0.0.1:{port}/?token={TOKEN}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.set_default_timeout(20000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_for(page, js: str) -> None:
    page.wait_for_function(f"() => {js}")  # functions, not strings: the page's policy forbids eval


def value(page, selector: str) -> float:
    return float(page.get_attribute(selector, "data-value"))


def test_train_export_and_check_the_page_shows_the_real_network(server, page, tmp_path):
    app, url = server
    page.goto(url + "#points=300&layers=6,4&activations=tanh,tanh&lr=0.1")
    wait_for(page, "window.nndlPlayground.snap !== null")
    page.select_option("#dataset", "xor")
    wait_for(page, "window.nndlPlayground.points.config.dataset === 'xor' && "
                   "window.nndlPlayground.snap.data_version === window.nndlPlayground.points.data_version")
    page.check("#show-test")
    first_loss = value(page, "#test-loss")
    boundary_before = page.locator("#boundary").screenshot()
    shot(page, "playground-before")

    page.fill("#step-size", "200")
    page.click("#step")
    wait_for(page, "window.nndlPlayground.snap.step === 200")
    page.wait_for_function("() => document.getElementById('step-count').value === '200'")
    assert value(page, "#test-loss") < 0.6 * first_loss
    assert page.locator("#boundary").screenshot() != boundary_before
    assert "dataset=xor" in page.evaluate("() => location.hash")
    shot(page, "playground-trained")

    # hovering a neuron shows its bias and gradient
    page.hover("#neuron-1-1")
    assert "∂J/∂b" in page.text_content("#tooltip")

    # the exported model is the page's network: its cost on the page's test points is the page's
    with page.expect_download() as download:
        page.click("#export-model")
    model_path = tmp_path / "playground.nndl"
    download.value.save_as(model_path)
    model = nndl.load(model_path)
    test = np.asarray(page.evaluate("() => window.nndlPlayground.points.test"), dtype=np.float64)
    X_test = D.features(test[:, :2], page.evaluate("() => window.nndlPlayground.config.features"))
    cost = model.evaluate(X_test, test[:, 2].astype(np.int64).reshape(1, -1))["cost"]
    assert cost == pytest.approx(value(page, "#test-loss"), abs=1e-4)

    # the exported script trains the same network from scratch
    with page.expect_download() as download:
        page.click("#export-code")
    script = tmp_path / "train.py"
    download.value.save_as(script)
    env = {**os.environ, "PYTHONPATH": str(Path(nndl.__file__).parents[1])}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    printed = ast.literal_eval(done.stdout.split("test ", 1)[1].strip())
    assert printed["cost"] == pytest.approx(value(page, "#test-loss"), abs=1e-4)
    assert page.errors == []


def test_architecture_editor_bad_values_and_a_second_tab(server, page, browser):
    app, url = server
    page.goto(url + "#dataset=spiral&classes=3&layers=3&activations=relu")
    wait_for(page, "window.nndlPlayground.snap !== null && window.nndlPlayground.snap.weights.length === 2")
    page.click("#add-layer")
    wait_for(page, "window.nndlPlayground.snap.weights.length === 3")
    page.click("button[aria-label='Add a neuron to hidden layer 1']")
    wait_for(page, "window.nndlPlayground.snap.weights[0].length === 4")
    page.select_option("#activation-2", "sigmoid")
    page.click("#feature-x1x2")
    wait_for(page, "window.nndlPlayground.config.activations[1] === 'sigmoid' && "
                   "window.nndlPlayground.snap.weights[0][0].length === 3")
    assert page.locator("#output-3").count() == 1 and page.locator("#neuron-2-2").count() == 1
    shape = page.evaluate("() => window.nndlPlayground.snap.weights.map(W => [W.length, W[0].length])")
    assert shape == [[4, 3], [2, 4], [3, 2]]  # (n[l], n[l−1]): x1, x2, x1·x2 → 4 → 2 → 3 classes

    # a bad value: a message in the page, the running configuration kept, training still fine
    page.fill("#batch", "-3")
    page.press("#batch", "Tab")
    page.wait_for_selector("#message:not([hidden])")
    assert "batch size must be a whole number from 1" in page.text_content("#message").lower()
    assert page.input_value("#batch") == "10"
    page.click("#step")
    wait_for(page, "window.nndlPlayground.snap.step === 1")

    # switching to a two-class set and back keeps working (the class count follows the set)
    page.select_option("#dataset", "circle")
    wait_for(page, "window.nndlPlayground.config.dataset === 'circle' && window.nndlPlayground.config.classes === 2")
    page.select_option("#dataset", "spiral")
    wait_for(page, "window.nndlPlayground.config.dataset === 'spiral'")
    page.fill("#classes", "3")
    page.press("#classes", "Tab")
    wait_for(page, "window.nndlPlayground.config.classes === 3")
    assert page.is_hidden("#message")

    # the URL carries the whole state: a second tab opened with it shows the same network
    shared = page.url
    second = browser.new_page()
    second.goto(shared)
    second.wait_for_function("() => window.nndlPlayground.snap !== null")
    assert second.evaluate("() => window.nndlPlayground.config.layers") == [4, 2]
    assert second.evaluate("() => window.nndlPlayground.config.features") == ["x1", "x2", "x1x2"]
    sessions = len(app.playground.sessions)
    second.goto("about:blank")  # a closed tab ends its session
    deadline = time.monotonic() + 5
    while len(app.playground.sessions) >= sessions and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(app.playground.sessions) == sessions - 1
    second.close()
    page.click("#step")
    wait_for(page, "window.nndlPlayground.snap.step === 1")
    shot(page, "playground-architecture")

    # your own CSV: five classes, read as numbers
    rows = "x1,x2,label\n" + "".join(f"{np.cos(a):.4f},{np.sin(a):.4f},{int(a) % 5}\n" for a in np.linspace(0, 9.9, 200))
    page.set_input_files("#csv", files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": rows.encode()}])
    wait_for(page, "window.nndlPlayground.config.dataset === 'upload' && window.nndlPlayground.points.classes === 5")
    wait_for(page, "window.nndlPlayground.snap.weights.at(-1).length === 5")
    assert page.locator("#output-5").count() == 1
    page.click("#step")
    wait_for(page, "window.nndlPlayground.snap.step === 1")
    shot(page, "playground-upload")
    assert page.errors == []


def test_play_pause_with_the_keyboard(server, page):
    app, url = server
    page.goto(url + "#dataset=gaussian&points=200")
    wait_for(page, "window.nndlPlayground.snap !== null")
    page.click("#regenerate")
    wait_for(page, "window.nndlPlayground.config.seed === 2")
    page.focus("#play")
    page.keyboard.press("Enter")
    wait_for(page, "window.nndlPlayground.snap.step >= 3")
    assert page.get_attribute("#play", "aria-pressed") == "true"
    page.keyboard.press("Enter")
    wait_for(page, "window.nndlPlayground.snap.playing === false")
    assert page.text_content("#play") == "Play"
    assert page.errors == []


def test_draw_a_digit_and_see_the_network_think(server, page):
    app, url = server
    page.goto(url)
    wait_for(page, "window.nndlPlayground.snap !== null")
    page.click("#tab-digits")
    page.wait_for_selector("#digits-status:has-text('not trained')")
    page.click("#digits-train")
    page.wait_for_selector("#digits-status:has-text('test accuracy')")
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 140, box["y"] + 40)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(box["x"] + 140, box["y"] + 40 + 10 * i)
    page.mouse.up()
    page.wait_for_function("() => /^[0-9]$/.test(document.getElementById('digits-prediction').value)")
    assert page.locator("#digits-probs .bar-row").count() == 10
    assert page.locator("#digits-weights canvas").count() == 16
    page.select_option("#desired", "7")
    page.wait_for_selector("#batch-step .nudge-row")
    assert page.locator("#nudges .nudge-row").count() == 6
    shot(page, "digits")
    page.focus("#digits-sample")  # a test image, from the keyboard
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.nndlDigits.lastSample !== undefined")
    assert page.input_value("#desired") == str(page.evaluate("() => window.nndlDigits.lastSample.label"))
    page.wait_for_function("() => /^[0-9]$/.test(document.getElementById('digits-prediction').value)")
    assert page.errors == []
