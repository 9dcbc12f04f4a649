"""``nndl train --model yolo-tiny --dataset fashion-boxes`` on a few dozen generated canvases."""

from __future__ import annotations

import json

from nndl.cli import main


def test_train_resume_and_summary(small_boxes, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["train", "--model", "yolo-tiny", "--dataset", "fashion-boxes", "--epochs", "1", "--batch-size", "16",
            "--out", str(out), "--no-progress", "--json", "--no-plots"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["epochs"] == 1 and 0.0 <= summary["test_mAP"] <= 1.0 and 0.0 <= summary["test_mAP_flip_averaged"] <= 1.0
    assert {"config.json", "checkpoint.safetensors", "model.safetensors", "history.csv"} <= {p.name for p in out.iterdir()}
    header = (out / "history.csv").read_text().splitlines()[0]
    assert "mAP" in header and "val_mAP" in header
    assert main(["train", "--resume", str(out), "--epochs", "2", "--no-progress", "--json", "--no-plots"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["epochs"] == 2
    costs = [float(r.split(",")[1]) for r in (out / "history.csv").read_text().splitlines()[1:]]
    assert len(costs) == 2 and costs[1] < costs[0]


def test_wrong_dataset_and_options_are_refused(small_boxes, tmp_path, capsys):
    assert main(["train", "--model", "yolo-tiny", "--dataset", "digits", "--out", str(tmp_path / "a")]) == 2
    assert "fashion-boxes" in capsys.readouterr().err
    assert main(["train", "--model", "yolo-tiny", "--dataset", "fashion-boxes", "--layers", "1,2",
                 "--out", str(tmp_path / "b")]) == 2
    assert "--layers" in capsys.readouterr().err
    for option, value, named in (("--augment", "crop=3", "shift=N, flip"), ("--augment", "shift=-2", "non-negative"),
                                 ("--augment", "shift=two", "'shift=two'"), ("--lr-schedule", "sideways", "--lr-schedule")):
        assert main(["train", "--model", "yolo-tiny", "--dataset", "fashion-boxes", option, value,
                     "--out", str(tmp_path / "c")]) == 2
        assert named in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_recipe_is_recorded_and_augmentation_can_be_turned_off(small_boxes, tmp_path, capsys):
    base = ["train", "--model", "yolo-tiny", "--dataset", "fashion-boxes", "--epochs", "1", "--batch-size", "16",
            "--no-progress", "--json", "--no-plots"]
    assert main([*base, "--out", str(tmp_path / "a")]) == 0
    config = json.loads((tmp_path / "a" / "config.json").read_text())
    assert (config["augment"], config["lr_schedule"], config["lr"]) == ("shift=8,flip", "cosine", 0.002)
    assert main([*base, "--augment", "none", "--out", str(tmp_path / "b")]) == 0
    assert json.loads((tmp_path / "b" / "config.json").read_text())["augment"] == "none"
    assert main([*base, "--augment", "flip", "--out", str(tmp_path / "c")]) == 0
    costs = [json.loads((tmp_path / d / "summary.json").read_text())["dev_cost"] for d in "abc"]
    assert len(set(costs)) == 3                                     # each augmentation changed the training
