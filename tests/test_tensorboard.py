"""TensorBoard event files written with tensorboardX and read back with tensorboard's own
event reader; the HTML summary and the live learning curve."""

from __future__ import annotations

import re

import numpy as np
import pytest

import nndl
from nndl.cli import main
from nndl.notebook import LiveLearningCurve, in_notebook, summary_html
from nndl.tensorboard import TensorBoard, first_layer_image

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def read_events(log_dir):
    acc = event_accumulator.EventAccumulator(str(log_dir), size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0, event_accumulator.IMAGES: 0})
    acc.Reload()
    return acc


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 120)).astype(np.float32)  # n_x = 16: 4×4 "images"
    Y = (X[:3].sum(axis=0, keepdims=True) > 0).astype(np.float32)
    return X, Y


def test_scalars_histograms_and_images_read_back(tmp_path, data):
    X, Y = data
    model = nndl.mlp([16, 6, 1], output="sigmoid", seed=3)
    history = model.fit(X, Y, epochs=4, batch_size=32, optimizer="adam", learning_rate=0.01,
                        validation_data=(X[:, :40], Y[:, :40]), verbose=0,
                        callbacks=[TensorBoard(tmp_path, histogram_freq=2)])
    acc = read_events(tmp_path)
    tags = acc.Tags()
    assert {"cost/train", "cost/dev", "accuracy/train", "accuracy/dev", "learning_rate"} <= set(tags["scalars"])
    costs = acc.Scalars("cost/train")
    assert [e.step for e in costs] == [1, 2, 3, 4]
    np.testing.assert_allclose([e.value for e in costs], history["cost"], rtol=1e-6)
    np.testing.assert_allclose([e.value for e in acc.Scalars("cost/dev")], history["val_cost"], rtol=1e-6)
    assert set(tags["histograms"]) == {"weights/W1", "weights/b1", "weights/W2", "weights/b2",
                                       "gradients/dW1", "gradients/db1", "gradients/dW2", "gradients/db2"}
    w1 = acc.Histograms("weights/W1")
    assert [e.step for e in w1] == [2, 4]  # every histogram_freq epochs
    last = w1[-1].histogram_value
    W1 = model.params["W1"].astype(np.float64)
    assert last.num == W1.size
    assert last.sum == pytest.approx(W1.sum(), rel=1e-5, abs=1e-6)
    assert (last.min, last.max) == pytest.approx((W1.min(), W1.max()), rel=1e-6)
    assert acc.Histograms("gradients/dW1")[-1].histogram_value.num == W1.size
    images = acc.Images("weights/first_layer")
    assert [e.step for e in images] == [2, 4]
    # 6 units of 4×4 on a 3×2 grid with a 1-pixel border
    assert (images[-1].height, images[-1].width) == (2 * 5 + 1, 3 * 5 + 1)


def test_first_layer_image_tiles_dense_rows_and_conv_filters():
    model = nndl.mlp([64, 5, 2], seed=0)
    img = first_layer_image(model, image_shape=(8, 8))
    assert img.shape == (2 * 9 + 1, 3 * 9 + 1, 3) and img.min() >= 0 and img.max() <= 1
    W = model.params["W1"][0].reshape(8, 8)
    tile = img[1:9, 1:9, 0]
    np.testing.assert_allclose(tile, 0.5 + 0.5 * W / np.abs(W).max(), rtol=1e-6)  # unit 1, scaled, 0 → grey
    assert first_layer_image(nndl.mlp([7, 3, 2])) is None  # 7 inputs are not an image

    class Conv:  # any model whose first weights are filters (f, f, n_C_prev, n_C)
        params = {"W1": np.random.default_rng(0).standard_normal((3, 3, 3, 4))}
    img = first_layer_image(Conv())
    assert img.shape == (2 * 4 + 1, 2 * 4 + 1, 3)


def test_nndl_train_tensorboard(tmp_path):
    out, tb = tmp_path / "run", tmp_path / "tb"
    assert main(["train", "--epochs", "3", "--out", str(out), "--no-progress", "--no-plots",
                 "--tensorboard", str(tb)]) == 0
    acc = read_events(tb)
    assert [e.step for e in acc.Scalars("accuracy/dev")] == [1, 2, 3]
    image = acc.Images("weights/first_layer")[-1]
    assert (image.height, image.width) == (4 * 9 + 1, 4 * 9 + 1)  # digits: 16 units of 8×8


def test_repr_html_is_the_summary_as_a_table():
    model = nndl.mlp([4, 3, 2], batch_norm=True)
    html = model._repr_html_()
    assert html == summary_html(model)
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td[^>]*>(.*?)</td></tr>", html)
    assert [r[1] for r in rows] == ["(3, m)", "(3, m)", "(3, m)", "(2, m)"]
    assert [int(r[2]) for r in rows] == [15, 6, 0, 8]
    assert "Total params: 29" in html and "&#x27;relu&#x27;" in html  # config quotes escaped


def test_live_learning_curve_prints_outside_jupyter(capsys, data):
    X, Y = data
    assert not in_notebook()
    curve = LiveLearningCurve(every=2)
    nndl.mlp([16, 4, 1], output="sigmoid").fit(X, Y, epochs=4, verbose=0, validation_data=(X, Y), callbacks=[curve])
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 2", "epoch 4"]
    assert "dev cost" in lines[0]
    assert curve.history["epoch"] == [1, 2, 3, 4] and len(curve.history["val_cost"]) == 4
    assert curve.png().startswith(b"\x89PNG")
    quiet = LiveLearningCurve(quiet=True)
    nndl.mlp([16, 4, 1], output="sigmoid").fit(X, Y, epochs=2, verbose=0, callbacks=[quiet])
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="every"):
        LiveLearningCurve(every=0)
