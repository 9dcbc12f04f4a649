"""The CLI with convolutional networks: train (--model lenet5 / resnet, --augment), evaluate,
predict, diagnose and --resume on a tiny Fashion-MNIST-shaped dataset (images kept (m, 28, 28, 1))."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nndl
from nndl.cli import main


@pytest.fixture
def tiny_fashion(make_tiny_fashion):
    """400 training images (the last 100 are dev) and 50 test images, random pixels."""
    return make_tiny_fashion(400, 100, 50)


def train(run, data, *extra):
    return main(["train", "--dataset", "fashion-mnist", "--data-dir", str(data), "--out", str(run), "--epochs", "1",
                 "--no-progress", *extra])


def test_lenet5_train_evaluate_predict_diagnose_resume(tiny_fashion, tmp_path, capsys):
    run = tmp_path / "lenet"
    assert train(run, tiny_fashion, "--model", "lenet5", "--batch-size", "64") == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["model"] == "lenet5" and summary["epochs"] == 1
    for name in ("conv_filters.png", "feature_maps.png", "cost.png", "model.safetensors"):
        assert (run / name).is_file(), name
    model = nndl.load(run / "model.safetensors")
    assert model.input_shape == (28, 28, 1) and type(model.layers[0]).__name__ == "Conv2D"
    capsys.readouterr()

    assert main(["evaluate", str(run / "model.safetensors"), "--data-dir", str(tiny_fashion), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["m"] == 50 and result["accuracy"] == pytest.approx(summary["test_accuracy"])

    raw = np.random.default_rng(1).integers(0, 256, (3, 784)).astype(np.float64)
    np.save(tmp_path / "three.npy", raw)
    assert main(["predict", str(run / "model.safetensors"), str(tmp_path / "three.npy"), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["predictions"]
    want = model.predict(raw.reshape(3, 28, 28, 1) / 255.0)[0]
    assert [r["class_index"] for r in rows] == list(want)

    assert main(["diagnose", str(run), "--data-dir", str(tiny_fashion), "--json"]) == 0
    capsys.readouterr()
    assert (run / "confident_errors.png").is_file()

    assert main(["train", "--resume", str(run), "--epochs", "2", "--no-progress", "--no-plots"]) == 0
    assert json.loads((run / "summary.json").read_text())["epochs"] == 2


def test_export_a_convolutional_run(tiny_fashion, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    run = tmp_path / "lenet"
    assert train(run, tiny_fashion, "--model", "lenet5", "--no-plots") == 0
    assert main(["export", str(run), str(tmp_path / "lenet.onnx")]) == 0
    model = nndl.load(run / "model.safetensors")
    X = np.random.default_rng(2).random((9, 28, 28, 1), dtype=np.float32)
    got = ort.InferenceSession(str(tmp_path / "lenet.onnx"), providers=["CPUExecutionProvider"]).run(None, {"X": X})[0]
    np.testing.assert_allclose(got, model.predict_proba(X), rtol=1e-4, atol=1e-6)


def test_resnet_with_augmentation_and_resume(tiny_fashion, tmp_path):
    run = tmp_path / "resnet"
    assert train(run, tiny_fashion, "--model", "resnet", "--augment", "shift=2,flip", "--no-plots") == 0
    config = json.loads((run / "config.json").read_text())
    assert config["model"] == "resnet" and config["augment"] == "shift=2,flip"
    model = nndl.load(run / "model.safetensors")
    assert any("identityblock" in name for name in model.params)
    assert main(["train", "--resume", str(run), "--epochs", "2", "--no-progress", "--no-plots"]) == 0
    assert json.loads((run / "summary.json").read_text())["epochs"] == 2


def test_cnn_cli_errors(tiny_fashion, tmp_path, capsys):
    assert train(tmp_path / "a", tiny_fashion, "--model", "lenet5", "--augment", "zoom=2") == 2
    assert "--augment" in capsys.readouterr().err
    for absurd in ("shift=28", "crop=1000000000", "shift=-1"):      # images of 28×28
        assert train(tmp_path / "a", tiny_fashion, "--model", "lenet5", "--augment", absurd) == 2
        assert f"--augment '{absurd}'" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    assert main(["train", "--dataset", "moons", "--model", "lenet5", "--out", str(tmp_path / "b")]) == 2
    assert "needs images" in capsys.readouterr().err
    assert main(["train", "--dataset", "moons", "--augment", "flip", "--out", str(tmp_path / "c")]) == 2
    assert "lenet5 or resnet" in capsys.readouterr().err
    assert train(tmp_path / "d", tiny_fashion, "--model", "lenet5", "--layers", "784,10") == 2


def _readme_recipes() -> dict:
    """The rows of the README's table of `nndl train --model lenet5 / resnet` defaults."""
    from pathlib import Path
    rows = {}
    for line in (Path(__file__).resolve().parents[1] / "README.md").read_text().splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0] in ("lenet5", "resnet"):
            rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.parametrize("family", ["lenet5", "resnet"])
def test_cnn_defaults_are_the_readme_recipe(family):
    from nndl.cli import build_parser
    from nndl.cli.train import _config_from_args
    epochs, batch_size, optimizer, lr_schedule, augment, seed = _readme_recipes()[family]
    cfg = _config_from_args(build_parser().parse_args(["train", "--model", family, "--dataset", "fashion-mnist"]))
    assert (cfg["epochs"], cfg["batch_size"], f"{cfg['optimizer']}, {cfg['lr']:g}") == (int(epochs), int(batch_size), optimizer)
    assert (cfg["lr_schedule"], cfg["augment"] or "none", cfg["seed"]) == (lr_schedule, augment, int(seed))


def test_cnn_default_recipe_in_config_and_turned_off(tiny_fashion, tmp_path):
    run = tmp_path / "lenet"
    assert train(run, tiny_fashion, "--model", "lenet5", "--no-plots") == 0  # --epochs 1: the cosine spans 1 epoch
    config = json.loads((run / "config.json").read_text())
    assert (config["lr_schedule"], config["augment"], config["batch_size"], config["lr"]) == \
        ("cosine", None, 128, 0.005)
    plain = tmp_path / "plain"
    assert train(plain, tiny_fashion, "--model", "lenet5", "--no-plots", "--lr-schedule", "none", "--lr", "0.001") == 0
    config = json.loads((plain / "config.json").read_text())
    assert config["lr_schedule"] is None and config["augment"] is None and config["lr"] == 0.001


def test_cnn_defaults_turned_off_or_replaced():
    from nndl.cli import build_parser
    from nndl.cli.train import _config_from_args

    def config(*options):
        return _config_from_args(build_parser().parse_args(["train", "--dataset", "fashion-mnist", *options]))
    cfg = config("--model", "resnet", "--augment", "none", "--lr-schedule", "none")
    assert cfg["augment"] is None and cfg["lr_schedule"] is None
    cfg = config("--model", "resnet", "--epochs", "20", "--augment", "crop=2")
    assert (cfg["lr_schedule"], cfg["augment"]) == ("cosine", "crop=2")
    cfg = config("--model", "lenet5", "--lr-schedule", "step:drop=0.5,every=2", "--augment", "flip")
    assert (cfg["lr_schedule"], cfg["augment"], cfg["lr"]) == ("step:drop=0.5,every=2", "flip", 0.005)
    cfg = config("--model", "mlp")  # the dense network keeps its plain recipe
    assert (cfg["lr_schedule"], cfg["augment"], cfg["batch_size"]) == (None, None, 64)


@pytest.mark.parametrize("written_as", ["cosine", "cosine:total_epochs=2"])  # (the second: earlier versions)
def test_a_resumed_cosine_run_spans_its_new_epochs(tiny_fashion, tmp_path, written_as):
    """A cosine over the run's 2 epochs, resumed to 4: epochs 2 and 3 follow the cosine over 4
    (α₀/2, then α₀(1 + cos(3π/4))/2), not α = 0."""
    run = tmp_path / "cos"
    assert train(run, tiny_fashion, "--model", "lenet5", "--no-plots", "--epochs", "2") == 0
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "lr_schedule": written_as}))
    assert main(["train", "--resume", str(run), "--epochs", "4", "--no-progress", "--json", "--no-plots"]) == 0
    lr = [float(row.split(",")[-1]) for row in (run / "history.csv").read_text().splitlines()[1:]]
    assert lr[:2] == pytest.approx([0.005, 0.0025])
    assert lr[2:] == pytest.approx([0.0025, 0.005 * (1 + np.cos(3 * np.pi / 4)) / 2])
    assert json.loads((run / "config.json").read_text())["lr_schedule"] == "cosine"
