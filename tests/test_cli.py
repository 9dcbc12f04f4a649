"""The ``nndl`` command line: train, evaluate, predict, gradcheck, resume, and bad input."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from nndl.cli import main


def train(tmp_path, *extra, name="run"):
    out = tmp_path / name
    code = main(["train", "--out", str(out), "--no-progress", "--no-plots", *extra])
    return code, out


def read_history(run_dir):
    with open(run_dir / "history.csv") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("digits")
    code, out = train(tmp, "--epochs", "30")
    assert code == 0
    return out


def test_train_writes_a_complete_run_directory(digits_run):
    for name in ("config.json", "checkpoint.safetensors", "model.safetensors", "history.csv", "summary.json"):
        assert (digits_run / name).is_file(), name
    summary = json.loads((digits_run / "summary.json").read_text())
    assert summary["dataset"] == "digits"
    assert summary["layers"] == [64, 16, 16, 10]
    assert summary["epochs"] == 30
    assert summary["test_accuracy"] > 0.85
    assert len(read_history(digits_run)) == 30


def test_train_json_prints_one_summary_line(tmp_path, capsys):
    code, _ = train(tmp_path, "--dataset", "moons", "--epochs", "5", "--json")
    assert code == 0
    lines = [l for l in capsys.readouterr().out.splitlines() if l.strip()]
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert summary["dataset"] == "moons" and summary["epochs"] == 5
    assert 0.0 <= summary["test_accuracy"] <= 1.0


def test_evaluate_reports_metrics_and_confusion_matrix(digits_run, capsys):
    code = main(["evaluate", str(digits_run / "model.safetensors"), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    summary = json.loads((digits_run / "summary.json").read_text())
    assert report["accuracy"] == pytest.approx(summary["test_accuracy"])
    cm = np.array(report["confusion_matrix"])
    assert cm.shape == (10, 10) and cm.sum() == report["m"]
    assert np.trace(cm) / cm.sum() == pytest.approx(report["accuracy"])
    assert set(report["per_class"]) == {str(d) for d in range(10)}


def test_predict_reads_npy_and_csv_rows_of_raw_pixels(digits_run, tmp_path, capsys):
    from nndl.datasets import digits
    X, Y = digits()
    raw_rows = (X[:, :5].T * 16).round()           # the dataset's own units, one example per row
    np.save(tmp_path / "x.npy", raw_rows)
    np.savetxt(tmp_path / "x.csv", raw_rows, delimiter=",")
    outputs = []
    for name in ("x.npy", "x.csv"):
        assert main(["predict", str(digits_run / "model.safetensors"), str(tmp_path / name), "--json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out)["predictions"])
    assert outputs[0] == outputs[1]
    model = __import__("nndl").load(digits_run / "model.safetensors")
    expected = model.predict(X[:, :5])[0]
    assert [p["class_index"] for p in outputs[0]] == expected.tolist()
    assert all(abs(sum(p["probabilities"].values()) - 1) < 0.5 for p in outputs[0])


def test_predict_reads_an_image_for_a_digit_model(digits_run, tmp_path, capsys):
    Image = pytest.importorskip("PIL.Image")
    from nndl.datasets import digits
    X, Y = digits()
    i = int(np.flatnonzero(Y[0] == 0)[0])
    pixels = (255 - X[:, i].reshape(8, 8) * 255).astype(np.uint8)   # dark digit on white paper
    Image.fromarray(pixels).resize((64, 64), Image.NEAREST).save(tmp_path / "zero.png")
    assert main(["predict", str(digits_run / "model.safetensors"), str(tmp_path / "zero.png")]) == 0
    assert capsys.readouterr().out.startswith("0: ")


@pytest.mark.parametrize("argv, message", [
    (["train", "--dataset", "nope"], "unknown dataset"),
    (["train", "--dataset", "digits", "--layers", "10,5,10"], "64 features"),
    (["train", "--dataset", "digits", "--layers", "64,5,3"], "10 classes"),
    (["train", "--epochs", "0"], "--epochs"),
    (["evaluate", "missing.safetensors"], "not found"),
    (["predict", "missing.safetensors", "x.npy"], "not found"),
    (["train", "--resume", "no-such-run"], "not a run directory"),
])
def test_bad_input_exits_2_with_one_clear_line(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv + (["--out", "o"] if argv[0] == "train" and "--resume" not in argv else [])) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]


def test_predict_rejects_wrong_shape_and_nan(digits_run, tmp_path, capsys):
    model = str(digits_run / "model.safetensors")
    np.save(tmp_path / "bad.npy", np.zeros((3, 7)))
    assert main(["predict", model, str(tmp_path / "bad.npy")]) == 2
    assert "(m, 64)" in capsys.readouterr().err
    X = np.zeros((2, 64))
    X[1, 3] = np.nan
    np.save(tmp_path / "nan.npy", X)
    assert main(["predict", model, str(tmp_path / "nan.npy")]) == 2
    assert "NaN" in capsys.readouterr().err


def test_corrupt_model_file_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    assert main(["evaluate", str(bad), "--dataset", "digits"]) == 2
    assert "not an nndl model file" in capsys.readouterr().err


def test_resume_reproduces_an_uninterrupted_run(tmp_path):
    common = ["--dataset", "moons", "--optimizer", "adam", "--keep-prob", "0.8", "--seed", "3",
              "--lr-schedule", "exponential:decay_rate=0.9"]
    code, full = train(tmp_path, *common, "--epochs", "6", name="full")
    assert code == 0
    code, part = train(tmp_path, *common, "--epochs", "3", name="part")
    assert code == 0
    assert main(["train", "--resume", str(part), "--epochs", "6", "--no-progress", "--no-plots"]) == 0
    a, b = read_history(full), read_history(part)
    assert len(a) == len(b) == 6
    assert a == b
    assert json.loads((full / "summary.json").read_text())["test_accuracy"] == \
        json.loads((part / "summary.json").read_text())["test_accuracy"]


def test_divergence_stops_with_epoch_step_and_cause_and_keeps_checkpoint(tmp_path, capsys):
    code, out = train(tmp_path, "--dataset", "moons", "--optimizer", "gd", "--lr", "1e30", "--epochs", "5")
    assert code == 2
    err = capsys.readouterr().err
    assert "diverged" in err and "epoch" in err and "step" in err and "learning rate" in err


def test_gradcheck_verb_passes_and_names_worst_parameter(capsys):
    assert main(["gradcheck", "--layers", "3,4,3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["passed"] and result["difference"] < 1e-7
    assert result["worst_parameter"] in {"W1", "b1", "W2", "b2"}


def test_gradcheck_verb_with_dropout_and_batch_norm(capsys):
    assert main(["gradcheck", "--layers", "3,5,4,2", "--keep-prob", "0.7", "--batch-norm", "--lambd", "0.1"]) == 0
    assert "passed" in capsys.readouterr().out


def test_python_dash_m_and_help_for_every_verb():
    from nndl.cli import VERBS
    for verb in VERBS:
        r = subprocess.run([sys.executable, "-m", "nndl", verb, "--help"], capture_output=True, text=True)
        assert r.returncode == 0, (verb, r.stderr)
        assert "usage: nndl " + verb in r.stdout


def test_resume_says_which_options_it_ignored_and_where_it_resumed(tmp_path, capsys):
    code, part = train(tmp_path, "--dataset", "moons", "--epochs", "3", "--lr", "0.01", name="part")
    assert code == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(part), "--epochs", "5", "--lr", "0.1", "--no-progress",
                 "--no-plots"]) == 0
    out, err = capsys.readouterr()
    assert "ignored: --lr 0.1 (the run's: 0.01)" in err
    assert "resuming" in out and "at epoch 3" in out
    assert "epochs 4–5 (resumed at epoch 3)" in out
    assert json.loads((part / "config.json").read_text())["lr"] == 0.01


def test_help_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "0.003 for digits" in text and "0.01 for flower" in text            # --lr per dataset
    assert "32 for digits" in text and "(default 1, as nndl tune's)" in text  # --batch-size, --seed
    with pytest.raises(SystemExit):
        main(["gradcheck", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default 1e-7)" in text and "(default 0)" in text and "(default softmax)" in text


def test_predict_warns_when_the_input_is_on_another_scale(digits_run, tmp_path, capsys):
    from nndl.datasets import digits
    X, _ = digits()                                                    # pixels / 16, in [0, 1]
    model = str(digits_run / "model.safetensors")
    np.save(tmp_path / "raw.npy", (X[:, :6].T * 16).round())           # raw pixels 0–16
    assert main(["predict", model, str(tmp_path / "raw.npy")]) == 0
    assert "unscaled" not in capsys.readouterr().err
    np.save(tmp_path / "scaled.npy", X[:, :6].T)                       # already in [0, 1]
    assert main(["predict", model, str(tmp_path / "scaled.npy")]) == 0
    err = capsys.readouterr().err
    assert "trained on raw features in [0, 16]" in err and "pass raw, unscaled features" in err
    np.save(tmp_path / "one.npy", X[:, 0])                             # a single scaled example too
    assert main(["predict", model, str(tmp_path / "one.npy")]) == 0
    assert "pass raw, unscaled features" in capsys.readouterr().err
