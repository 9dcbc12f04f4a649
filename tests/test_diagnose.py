"""Bias / variance diagnosis on the course's examples, ``diagnose_run`` on a run directory
fabricated here, the ``nndl diagnose`` verb, and the regularization demonstration."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import nndl
from nndl.cli import main
from nndl.diagnose import ADVICE, PROBLEM_NAMES, Diagnosis, diagnose, diagnose_run
from nndl.metrics import confusion_matrix

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------- the numbers
@pytest.mark.parametrize("human, train, dev, bias, variance, dominant", [
    (0.01, 0.08, 0.10, 0.07, 0.02, "avoidable_bias"),     # Course 3: human 1%, train 8%, dev 10%
    (0.075, 0.08, 0.10, 0.005, 0.02, "variance"),        # human 7.5%: the same errors, now variance
    (0.005, 0.01, 0.11, 0.005, 0.10, "variance"),        # train 1%, dev 11%: high variance
    (0.005, 0.15, 0.16, 0.145, 0.01, "avoidable_bias"),  # train 15%, dev 16%: high bias
    (0.007, 0.007, 0.007, 0.0, 0.0, "none"),             # at human level, no gap
])
def test_course_examples(human, train, dev, bias, variance, dominant):
    d = diagnose(train, dev, human_error=human)
    assert d.avoidable_bias == pytest.approx(bias, abs=1e-15)
    assert d.variance == pytest.approx(variance, abs=1e-15)
    assert d.data_mismatch is None and d.dev_overfitting is None
    assert d.dominant == dominant
    assert d.recommendations == ADVICE[dominant]


def test_train_dev_separates_variance_from_data_mismatch():
    # Course 3, week 2: train 1%, train-dev 9%, dev 10% → variance; train-dev 1.5%, dev 10% → mismatch
    v = diagnose(0.01, 0.10, human_error=0.0, train_dev_error=0.09)
    assert (v.variance, v.data_mismatch, v.dominant) == (pytest.approx(0.08), pytest.approx(0.01), "variance")
    m = diagnose(0.01, 0.10, human_error=0.0, train_dev_error=0.015)
    assert m.variance == pytest.approx(0.005) and m.data_mismatch == pytest.approx(0.085)
    assert m.dominant == "data_mismatch"
    assert any("synthesis" in r for r in m.recommendations)
    assert any("error analysis" in r for r in m.recommendations)


def test_overfitting_to_the_dev_set():
    d = diagnose(0.04, 0.05, human_error=0.035, test_error=0.12)
    assert d.dev_overfitting == pytest.approx(0.07)
    assert d.dominant == "dev_overfitting"
    assert d.recommendations == ("get a bigger dev set (the model, or your choices, have overfit the dev set)",)


def test_recommendations_follow_the_course():
    assert any("bigger network" in r for r in ADVICE["avoidable_bias"])
    assert any("optimization algorithm" in r for r in ADVICE["avoidable_bias"])
    assert any("more training data" in r for r in ADVICE["variance"])
    assert any("L2" in r and "dropout" in r and "augmentation" in r for r in ADVICE["variance"])
    assert all(any("architecture" in r for r in ADVICE[p]) for p in ("avoidable_bias", "variance"))


def test_equal_gaps_go_to_bias_first():
    d = diagnose(0.10, 0.15, human_error=0.05)  # 5 points each: fix bias first
    assert d.avoidable_bias == d.variance == 0.05
    assert d.dominant == "avoidable_bias"


def test_without_human_error_bayes_is_taken_as_zero_and_noted():
    d = diagnose(0.15, 0.16)
    assert d.avoidable_bias == pytest.approx(0.15) and d.dominant == "avoidable_bias"
    assert any("Bayes error taken as 0" in n for n in d.notes)


def test_training_error_below_human_level_is_noted():
    d = diagnose(0.02, 0.03, human_error=0.05)
    assert d.avoidable_bias == pytest.approx(-0.03) and d.dominant == "variance"
    assert any("below human-level" in n for n in d.notes)


@pytest.mark.parametrize("kwargs, match", [
    ({"train_error": 8.0, "dev_error": 0.1}, r"train_error must be an error rate in \[0, 1\], got 8.0; .*0.08"),
    ({"train_error": 0.1, "dev_error": -0.01}, r"dev_error must be an error rate in \[0, 1\]"),
    ({"train_error": 0.1, "dev_error": float("nan")}, "dev_error must be an error rate"),
    ({"train_error": "0.1", "dev_error": 0.2}, "train_error must be a number in"),
    ({"train_error": 0.1, "dev_error": 0.2, "human_error": True}, "human_error must be a number"),
    ({"train_error": None, "dev_error": 0.2}, "train_error is required"),
    ({"train_error": 0.1, "dev_error": 0.2, "test_error": 1.5}, "test_error must be an error rate"),
])
def test_errors_are_validated(kwargs, match):
    with pytest.raises(ValueError, match=match):
        diagnose(**kwargs)


def test_report_text_and_dict():
    d = diagnose(0.08, 0.10, human_error=0.01, train_dev_error=0.09, test_error=0.11)
    text = str(d)
    assert "Dominant problem: avoidable bias (7.00 percentage points)" in text
    for s in ("human-level error", "1.00%", "8.00%", "9.00%", "10.00%", "11.00%", "data mismatch",
              "overfitting to the dev set", "bigger network"):
        assert s in text
    assert text.count("<- dominant") == 1
    out = json.loads(json.dumps(d.to_dict()))
    assert out["dominant"] == "avoidable_bias" and out["dominant_name"] == "avoidable bias"
    assert out["avoidable_bias"] == 0.07 and out["variance"] == 0.01 and out["data_mismatch"] == 0.01
    assert set(out["advice"]) == {"avoidable_bias", "variance", "data_mismatch", "dev_overfitting"}


# ---------------------------------------------------------------------- a run directory
def _fabricate_run(run_dir: Path, dataset: str, layers, seed: int = 3, epochs: int = 15) -> dict:
    """What `nndl train` writes: model.safetensors, history.csv, summary.json."""
    from nndl.datasets import load_dataset
    data = load_dataset(dataset, seed=seed)
    output = "sigmoid" if layers[-1] == 1 else "softmax"
    model = nndl.mlp([data.n_x, *layers], output=output, seed=0)
    model.fit(data.X_train, data.Y_train, epochs=epochs, batch_size=32, optimizer="adam", learning_rate=0.01,
              validation_data=(data.X_dev, data.Y_dev), verbose=0)
    run_dir.mkdir(parents=True, exist_ok=True)
    model.save(run_dir / "model.safetensors")
    model.history.write_csv(run_dir / "history.csv")
    summary = {"dataset": dataset, "seed": seed,
               **{f"{s}_accuracy": model.evaluate(getattr(data, f"X_{s}"), getattr(data, f"Y_{s}"))["accuracy"]
                  for s in ("train", "dev", "test")},
               "classes": list(data.classes), "image_shape": list(data.image_shape) if data.image_shape else None}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    return {"model": model, "data": data, "summary": summary}


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("moons_run")
    return run_dir, _fabricate_run(run_dir, "moons", [8, 1])


def test_diagnose_run_reads_the_errors_and_analyses_dev(moons_run):
    run_dir, run = moons_run
    s, data, model = run["summary"], run["data"], run["model"]
    d = diagnose_run(run_dir, human_error=0.02)
    assert d.train_error == pytest.approx(1 - s["train_accuracy"], abs=1e-15)
    assert d.dev_error == pytest.approx(1 - s["dev_accuracy"], abs=1e-15)
    assert d.test_error == pytest.approx(1 - s["test_accuracy"], abs=1e-15)
    assert d.avoidable_bias == pytest.approx(d.train_error - 0.02, abs=1e-12)
    ea = d.error_analysis
    assert ea is not None and ea.split == "dev" and ea.class_names == list(data.classes)
    np.testing.assert_array_equal(ea.confusion_matrix, confusion_matrix(data.Y_dev, model.predict(data.X_dev), 2))
    assert ea.report["accuracy"] == pytest.approx(s["dev_accuracy"])
    conf = [e["confidence"] for e in ea.confident_errors]
    assert conf == sorted(conf, reverse=True) and all(c >= 0.5 for c in conf)
    n_wrong = int(ea.confusion_matrix.sum() - np.trace(ea.confusion_matrix))
    assert len(conf) == min(16, n_wrong)
    assert ea.plots == {}  # no plots_dir, no files
    assert "Error analysis on the dev set" in str(d)


def test_diagnose_run_writes_the_confusion_matrix_png(moons_run, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib (optional, for plots) is not installed")
    run_dir, _ = moons_run
    d = diagnose_run(run_dir, plots_dir=tmp_path)
    assert d.error_analysis.plots == {"confusion_matrix": str(tmp_path / "confusion_matrix.png")}
    assert (tmp_path / "confusion_matrix.png").stat().st_size > 5000
    assert not (tmp_path / "confident_errors.png").exists()  # 2-D points are not images


def test_diagnose_run_on_images_writes_the_confident_errors_grid(tmp_path):
    pytest.importorskip("sklearn", reason="scikit-learn (the digits dataset) is not installed")
    pytest.importorskip("matplotlib", reason="matplotlib (optional, for plots) is not installed")
    _fabricate_run(tmp_path, "digits", [10], epochs=2)
    d = diagnose_run(tmp_path, human_error=0.01, plots_dir=tmp_path, k=6)
    assert len(d.error_analysis.confident_errors) == 6
    assert (tmp_path / "confident_errors.png").stat().st_size > 5000
    assert d.error_analysis.class_names == [str(i) for i in range(10)]


def test_diagnose_run_without_a_loadable_dataset_still_diagnoses(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps(
        {"dataset": "no-such-set", "seed": 1, "train_accuracy": 0.92, "dev_accuracy": 0.90, "test_accuracy": None}))
    nndl.mlp([2, 1], output="sigmoid").save(tmp_path / "model.safetensors")
    d = diagnose_run(tmp_path, human_error=0.01)
    assert isinstance(d, Diagnosis) and d.error_analysis is None and d.test_error is None
    assert d.dominant == "avoidable_bias" and d.avoidable_bias == pytest.approx(0.07)
    assert any("could not be loaded" in n for n in d.notes)


def test_diagnose_run_uses_summary_human_error(tmp_path):
    (tmp_path / "summary.json").write_text(json.dumps({"train_accuracy": 0.92, "dev_accuracy": 0.90,
                                                       "human_error": 0.075}))
    d = diagnose_run(tmp_path)
    assert d.human_error == 0.075 and d.dominant == "variance"
    assert any("does not name the dataset" in n for n in d.notes)


def test_diagnose_run_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="run directory not found"):
        diagnose_run(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="summary.json not found"):
        diagnose_run(tmp_path)
    (tmp_path / "summary.json").write_text(json.dumps({"train_accuracy": 0.9}))
    with pytest.raises(ValueError, match="no 'dev_accuracy'"):
        diagnose_run(tmp_path)
    (tmp_path / "summary.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        diagnose_run(tmp_path)


# ---------------------------------------------------------------------- the CLI verb
def test_cli_diagnose_prints_the_dominant_problem(moons_run, capsys):
    run_dir, _ = moons_run
    assert main(["diagnose", str(run_dir), "--human-error", "0.01", "--no-plots"]) == 0
    out = capsys.readouterr().out
    expected = diagnose_run(run_dir, human_error=0.01)
    assert f"Dominant problem: {PROBLEM_NAMES[expected.dominant]}" in out
    assert "Confusion matrix" in out and "Most confidently wrong dev examples" in out
    assert not (run_dir / "confusion_matrix.png").exists()  # --no-plots


def test_cli_diagnose_json_and_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="matplotlib (optional, for plots) is not installed")
    (tmp_path / "summary.json").write_text(json.dumps({"train_accuracy": 0.92, "dev_accuracy": 0.90,
                                                       "test_accuracy": 0.89}))
    assert main(["diagnose", str(tmp_path), "--human-error", "0.01", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dominant"] == "avoidable_bias" and out["avoidable_bias"] == pytest.approx(0.07)
    assert main(["diagnose", str(tmp_path), "--human-error", "0.075"]) == 0
    assert "Dominant problem: variance" in capsys.readouterr().out


@pytest.mark.parametrize("make, match", [
    (lambda p: p / "missing", "run directory not found"),
    (lambda p: p, "has no summary.json"),
])
def test_cli_diagnose_user_errors_exit_2_with_one_line(tmp_path, capsys, make, match):
    assert main(["diagnose", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_diagnose_bad_human_error_exits_2(tmp_path, capsys):
    (tmp_path / "summary.json").write_text(json.dumps({"train_accuracy": 0.92, "dev_accuracy": 0.90}))
    assert main(["diagnose", str(tmp_path), "--human-error", "5"]) == 2
    assert "looks like a percentage" in capsys.readouterr().err


# ---------------------------------------------------------------------- regularization demo
def _demo():
    spec = importlib.util.spec_from_file_location("regularization_demo", ROOT / "examples" / "regularization_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_regularization_raises_dev_accuracy():
    demo = _demo()
    r = demo.compare(demo.make_data(m_dev=400), dims=(2, 64, 64, 1), epochs=1000)
    none, l2, dropout = r["none"], r["l2"], r["dropout"]
    assert none["train_accuracy"] > 0.95                       # the big network fits the noisy labels
    assert l2["dev_accuracy"] >= none["dev_accuracy"] + 0.02    # and L2 ...
    assert dropout["dev_accuracy"] >= none["dev_accuracy"] + 0.02  # ... and dropout generalize better
    assert l2["train_accuracy"] < none["train_accuracy"] and dropout["train_accuracy"] < none["train_accuracy"]


def test_regularization_demo_writes_outside_the_tracked_docs_by_default():
    demo = _demo()
    assert demo.output_dir(None, False) == Path("runs") / "regularization"
    assert demo.output_dir(Path("x"), False) == Path("x")
    assert demo.output_dir(None, True) == ROOT / "docs"
    with pytest.raises(SystemExit):
        demo.main(["--update-docs", "--out-dir", "x"])


# ---------------------------------------------------------------------- data mismatch (Course 3)
def test_diagnose_measures_the_train_dev_error_from_the_data_and_names_the_mismatch(tmp_path, monkeypatch):
    """A run on clean digits, with dev/test a rotated, noisy copy and a train-dev split held out
    from the training distribution: diagnose computes the train-dev error itself and finds
    data mismatch dominant (the Fashion-MNIST version is `load_dataset("fashion-mnist-shifted")`)."""
    from dataclasses import replace as dc_replace

    import nndl.datasets
    from nndl.datasets.shift import shifted_copy
    clean = nndl.datasets.load_dataset("digits", seed=3)
    m = clean.X_train.shape[1]
    shifted = dc_replace(clean, name="digits",
                         X_train=clean.X_train[:, : m - 200], Y_train=clean.Y_train[:, : m - 200],
                         X_train_dev=clean.X_train[:, m - 200:], Y_train_dev=clean.Y_train[:, m - 200:],
                         X_dev=shifted_copy(clean.X_dev, (8, 8), degrees=45, noise=0.3, rng=1),
                         X_test=shifted_copy(clean.X_test, (8, 8), degrees=45, noise=0.3, rng=2))
    monkeypatch.setattr(nndl.datasets, "load_dataset", lambda *a, **k: shifted)
    model = nndl.mlp([64, 32, 10], seed=0)
    model.fit(shifted.X_train, shifted.Y_train, epochs=30, batch_size=32, optimizer="adam", learning_rate=0.01,
              verbose=0)
    model.save(tmp_path / "model.safetensors")
    summary = {"dataset": "digits", "seed": 3, "classes": list(clean.classes), "image_shape": [8, 8],
               **{f"{s}_accuracy": model.evaluate(getattr(shifted, f"X_{s}"), getattr(shifted, f"Y_{s}"))["accuracy"]
                  for s in ("train", "dev", "test")}}
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    d = diagnose_run(tmp_path, human_error=0.01, k=4)
    expected = 1 - model.evaluate(shifted.X_train_dev, shifted.Y_train_dev)["accuracy"]
    assert d.train_dev_error == pytest.approx(expected)
    assert any("measured on the dataset's train-dev split (200 examples" in n for n in d.notes)
    assert d.dominant == "data_mismatch", str(d)
    # A typed-in train-dev error still wins.
    assert diagnose_run(tmp_path, human_error=0.01, train_dev_error=0.5, k=4).train_dev_error == 0.5


def test_shifted_copy_rotates_each_image_and_adds_noise():
    from nndl.datasets.shift import rotate_images, shifted_copy
    img = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(rotate_images(img.reshape(9, 1), (3, 3), 90).reshape(3, 3), np.rot90(img))
    X = np.random.default_rng(0).random((28 * 28, 6)).astype(np.float32)
    np.testing.assert_array_equal(rotate_images(X, (28, 28), 0), X)
    both = rotate_images(X[:, :2], (28, 28), [90, 180])
    np.testing.assert_array_equal(both[:, 1].reshape(28, 28), np.rot90(X[:, 1].reshape(28, 28), 2))
    S = shifted_copy(X, (28, 28), degrees=0, noise=0.1, rng=0)
    assert S.dtype == np.float32 and S.shape == X.shape and S.T.flags.c_contiguous
    assert S.min() >= 0 and S.max() <= 1 and 0.05 < np.std(S - X) < 0.1   # noise, clipped to [0, 1]
    with pytest.raises(ValueError, match="flattened 28×28"):
        rotate_images(X[:100], (28, 28), 10)
