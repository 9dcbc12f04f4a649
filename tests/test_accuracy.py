"""The accuracy the README promises, with its fixed seeds: the defaults of ``nndl train``."""

from __future__ import annotations

import json
import os

import pytest

from nndl.cli import main


def train_summary(tmp_path, *argv):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--no-progress", "--no-plots", *argv]) == 0
    return json.loads((out / "summary.json").read_text())


@pytest.mark.slow
def test_digit_network_reaches_95_percent_on_the_embedded_digits(tmp_path):
    summary = train_summary(tmp_path)                      # 64-16-16-10, the 3Blue1Brown network
    assert summary["layers"] == [64, 16, 16, 10]
    assert summary["test_accuracy"] >= 0.95


@pytest.mark.slow
def test_flower_reaches_88_percent(tmp_path):
    summary = train_summary(tmp_path, "--dataset", "flower")
    assert summary["test_accuracy"] >= 0.88


@pytest.mark.slow
def test_course_l_layer_model_trains_on_the_flower():
    from nndl.course import c1w4, planar_utils
    X, Y = planar_utils.load_planar_dataset()                    # the README's snippet
    parameters, costs = c1w4.L_layer_model(X, Y, [2, 10, 5, 1], learning_rate=0.3, num_iterations=3000)
    assert costs[-1] < costs[0] / 2
    accuracy = float((c1w4.predict(X, Y, parameters) == Y).mean())
    assert accuracy == pytest.approx(0.8825)                     # "Accuracy: 0.8824999999999998"


FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir(FASHION), reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_784_256_128_10_with_the_default_optimizer_reaches_87_percent(tmp_path):
    summary = train_summary(tmp_path, "--dataset", "fashion-mnist", "--layers", "784,256,128,10", "--epochs", "10")
    assert summary["test_accuracy"] >= 0.87


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir(FASHION), reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_with_adam_and_dropout_reaches_89_5_percent_in_20_epochs(tmp_path):
    summary = train_summary(tmp_path, "--dataset", "fashion-mnist", "--layers", "784,256,128,10", "--epochs", "20",
                            "--optimizer", "adam", "--keep-prob", "0.85", "--lr-schedule", "cosine:total_epochs=20")
    assert summary["test_accuracy"] >= 0.895
