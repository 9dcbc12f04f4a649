"""Convolutional layers in a Sequential: shapes, gradient checks of whole models, PyTorch as
oracle for a LeNet-5 step, model files, training, and the lenet5 builder."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import nndl
from nndl.models import lenet5
from nndl.training import _reusing_buffers
from nndl.functional import conv_forward, pool_forward, relu
from nndl.gradcheck import gradcheck
from nndl.layers import AvgPool2D, BatchNorm, Conv2D, Dense, Flatten, GlobalAvgPool2D, MaxPool2D


def _small_cnn(seed=0, dtype=np.float64):
    layers = [Conv2D(3, 3, padding="same"), MaxPool2D(2), Conv2D(4, 2, strides=2, activation="tanh", l2=0.1),
              AvgPool2D(2, 1), Flatten(), Dense(3, "softmax")]
    return nndl.Sequential(layers, seed=seed, dtype=dtype, input_shape=(9, 9, 2))


def test_shapes_and_course_names():
    model = _small_cnn()
    # 9×9 → same conv 9×9 → pool 4×4 → conv f=2 s=2 2×2 → avg pool 2 stride 1: 1×1
    shapes = [layer.output_shape for layer in model.layers]
    assert shapes == [(9, 9, 3), (4, 4, 3), (2, 2, 4), (1, 1, 4), (4,), (3,)]
    assert list(model.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert model.params["W1"].shape == (3, 3, 2, 3) and model.params["b2"].shape == (1, 1, 1, 4)
    text = model.summary(print_fn=None)
    assert "(m, 9, 9, 3)" in text and "(3, m)" in text


def test_layer_forward_is_the_functional_math(rng):
    layer = Conv2D(4, 3, strides=2, padding=1, dilation=1)
    layer.build((7, 7, 3), rng, np.float64)
    X = rng.standard_normal((2, 7, 7, 3))
    expected = relu(conv_forward(X, layer.params["W"], layer.params["b"], 2, 1)[0])[0]
    np.testing.assert_array_equal(layer.forward(X), expected)
    pool = MaxPool2D(3, 2)
    pool.build((7, 7, 3), rng)
    np.testing.assert_array_equal(pool.forward(X), pool_forward(X, 3, 2)[0])


def test_whole_model_gradient_check(rng):
    model = _small_cnn()
    X = rng.standard_normal((4, 9, 9, 2))
    y = np.array([0, 1, 2, 1])
    result = gradcheck(model, X, y, max_checks_per_param=None)
    assert result.difference < 1e-7, result


def test_gradient_check_with_batchnorm_and_global_pooling(rng):
    layers = [Conv2D(3, 3, activation="linear"), BatchNorm(), nndl.layers.Activation("relu"),
              Conv2D(4, 3, padding="same"), GlobalAvgPool2D(), Dense(2, "softmax")]
    model = nndl.Sequential(layers, dtype=np.float64, input_shape=(6, 5, 2))
    result = gradcheck(model, rng.standard_normal((5, 6, 5, 2)), np.array([0, 1, 1, 0, 1]),
                       max_checks_per_param=None)
    assert result.difference < 1e-7, result


def test_lenet5_architecture():
    model = lenet5()
    assert model.input_shape == (28, 28, 1) and model.batch_axis == 0 and model.dtype == np.float32
    assert [layer.output_shape for layer in model.layers] == [
        (28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (400,), (120,), (84,), (10,)]
    assert model.n_params == 61_706
    assert list(model.params)[:4] == ["W1", "b1", "W2", "b2"]


def test_lenet5_gradients_match_torch(rng, torch):
    """One forward/backward of nndl's LeNet-5 against the same network in PyTorch (float64)."""
    model = lenet5(dtype=np.float64)
    X = rng.standard_normal((6, 28, 28, 1))
    y = np.array([0, 3, 9, 1, 1, 7])
    Xm, Y = model.prepare(X, y)
    J, _ = model.compute_cost_and_grads(Xm, Y)
    nn, F = torch.nn, torch.nn.functional
    P = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    h = torch.tensor(X.transpose(0, 3, 1, 2))
    for l, pad in ((1, 2), (2, 0)):
        h = F.max_pool2d(F.relu(F.conv2d(h, P[f"W{l}"].permute(3, 2, 0, 1), P[f"b{l}"].reshape(-1), padding=pad)), 2)
    h = h.permute(0, 2, 3, 1).reshape(6, -1).T  # nndl's Flatten: (h, w, c) per column
    for l in (3, 4, 5):
        h = P[f"W{l}"] @ h + P[f"b{l}"]
        h = F.relu(h) if l < 5 else h
    Jt = nn.functional.cross_entropy(h.T, torch.tensor(y))
    Jt.backward()
    assert J == pytest.approx(Jt.item(), rel=1e-12)
    for k, t in P.items():
        np.testing.assert_allclose(model.grads["d" + k], to_numpy(t.grad), rtol=1e-9, atol=1e-12, err_msg=k)


def test_model_file_round_trip(tmp_path, rng):
    model = _small_cnn(dtype=np.float32)
    X = rng.standard_normal((3, 9, 9, 2)).astype(np.float32)
    path = tmp_path / "cnn.safetensors"
    model.save(path)
    loaded = nndl.io.load(path)
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_fit_lowers_the_cost_and_predicts_classes(rng):
    # two classes told apart by where the bright blob sits: the left or the right half
    m = 64
    X = rng.standard_normal((m, 8, 8, 1)).astype(np.float32) * 0.1
    y = rng.integers(0, 2, m)
    X[y == 0, 2:6, 1:3] += 1.0
    X[y == 1, 2:6, 5:7] += 1.0
    model = nndl.Sequential([Conv2D(4, 3), MaxPool2D(2), Flatten(), Dense(2, "softmax")], input_shape=(8, 8, 1))
    before = model.evaluate(X, y)["cost"]
    model.fit(X, y, epochs=15, batch_size=16, optimizer="adam", learning_rate=1e-2, verbose=0)
    after = model.evaluate(X, y)
    assert after["cost"] < 0.5 * before and after["accuracy"] >= 0.95
    pred = model.predict(X)
    assert pred.shape == (1, m)


def test_backward_without_a_training_forward_is_an_error(rng):
    layer = Conv2D(2, 3)
    layer.build((5, 5, 1), rng)
    layer.forward(rng.standard_normal((1, 5, 5, 1)).astype(np.float32), training=False)
    with pytest.raises(RuntimeError, match="training=True"):
        layer.backward(np.ones((1, 3, 3, 2), np.float32))


@pytest.mark.parametrize("kwargs, match", [({"filters": 0, "kernel_size": 3}, "filters"),
                                           ({"filters": 2, "kernel_size": 3, "padding": "full"}, "padding"),
                                           ({"filters": 2, "kernel_size": 3, "strides": 0}, "strides"),
                                           ({"filters": 2, "kernel_size": 3, "activation": "nope"}, "activation")])
def test_conv_rejects_bad_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Conv2D(**kwargs)


def test_shape_errors_name_what_was_expected(rng):
    with pytest.raises(ValueError, match=r"images \(m, n_H, n_W, n_C\)"):
        Conv2D(2, 3).build((10,), rng)
    with pytest.raises(ValueError, match="does not fit"):
        Conv2D(2, 5).build((3, 3, 1), rng)
    with pytest.raises(ValueError, match="does not fit"):
        MaxPool2D(4).build((3, 3, 1), rng)
    with pytest.raises(ValueError, match=r"\(m, 28, 28, 1\)"):
        lenet5().predict(np.zeros((2, 28, 28, 3), np.float32))


def test_reused_training_buffers_give_the_same_gradients(rng):
    """Inside fit, Conv2D and the pooling layers reuse per-batch arrays; two steps with them
    give the gradients that fresh arrays give."""
    layers = [Conv2D(3, 3, padding="same"), MaxPool2D(2), Conv2D(4, 3, padding=1, strides=2), AvgPool2D(2, 1),
              Flatten(), Dense(3, "softmax")]
    model = nndl.Sequential(layers, dtype=np.float64, input_shape=(8, 7, 2))
    batches = [model.prepare(rng.standard_normal((5, 8, 7, 2)), rng.integers(0, 3, 5)) for _ in range(2)]
    fresh = []
    for X, Y in batches:
        model.compute_cost_and_grads(X, Y)
        fresh.append(model.grads.vector.copy())
    store: dict = {}
    with _reusing_buffers(model, store):
        for (X, Y), expected in zip(batches * 2, fresh * 2):
            model.compute_cost_and_grads(X, Y)
            np.testing.assert_allclose(model.grads.vector, expected, rtol=1e-13, atol=1e-15)
    assert store and all(isinstance(v, dict) for v in store.values())
    functional = [sub for ws in store.values() for key, sub in ws.items() if key[0] == "functional"]
    assert any(key[0] in ("cols", "cols_T") for sub in functional for key in sub)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_step_keeps_the_dtype(rng, dtype):
    model = nndl.Sequential([Conv2D(2, 3, padding="same"), MaxPool2D(2), Conv2D(3, 2), GlobalAvgPool2D(),
                             Dense(2, "softmax")], dtype=dtype, input_shape=(6, 6, 1))
    X, Y = model.prepare(rng.standard_normal((4, 6, 6, 1)).astype(dtype), np.array([0, 1, 1, 0]))
    store: dict = {}
    with _reusing_buffers(model, store):
        model.compute_cost_and_grads(X, Y)
        for layer in model.layers:
            if isinstance(layer, Conv2D):
                conv_cache, activation_cache = layer.cache
                assert conv_cache[0].dtype == dtype and activation_cache.dtype == dtype
    assert model.grads.vector.dtype == dtype
    arrays = [a for ws in store.values() for v in ws.values() for a in (v.values() if isinstance(v, dict) else [v])]
    assert arrays and all(a.dtype in (np.dtype(dtype), np.dtype(bool)) for a in arrays)


def test_dropout_after_a_convolution(rng):
    layers = [Conv2D(3, 3), nndl.layers.Dropout(0.7), Flatten(), Dense(2, "softmax")]
    model = nndl.Sequential(layers, dtype=np.float64, input_shape=(5, 5, 1))
    X = rng.standard_normal((4, 5, 5, 1))
    assert layers[1].batch_axis == 0
    result = gradcheck(model, X, np.array([0, 1, 1, 0]), max_checks_per_param=None)
    assert result.difference < 1e-7, result
    A_train = layers[1].forward(np.ones((4, 3, 3, 3)), training=True)
    assert set(np.unique(A_train)) <= {0.0, 1 / 0.7}
