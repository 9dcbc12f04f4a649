"""The core contract for composite layers, hand-written models of several inputs, integer
inputs, shared layers and frozen parameters (stand-ins in ``_core_standins``)."""

from __future__ import annotations

import numpy as np
import pytest
from _core_standins import registered, BagOfEmbeddings, Residual, SiameseNet, TwoInputNet
from conftest import GRAD_TOL

import nndl
from nndl import Dense, ModelCheckpoint
from nndl.io import load_checkpoint
from nndl.training import _reusing_buffers



@pytest.fixture(autouse=True)
def _standins_registered():
    with registered():
        yield

def _residual_model(seed=0, dtype=np.float32):
    return nndl.Sequential([Dense(4, "tanh"), Residual([Dense(5, "tanh"), Dense(4, "linear")]),
                            Dense(3, "softmax")], seed=seed, dtype=dtype, input_shape=(6,))


def _two_input_data(rng, m=24):
    return (rng.standard_normal((5, m)), rng.integers(0, 7, (m, 3))), rng.integers(0, 3, m)


def _assert_bound(model):
    """Every array of every layer, sub-layers included, is a view of the model's flat buffers."""
    n = 0
    for layer in model.all_layers():
        for k, p in layer.params.items():
            assert np.shares_memory(p, model.params.vector), (layer, k)
            assert np.shares_memory(layer.grads["d" + k], model.grads.vector), (layer, k)
            n += p.size
    assert n == model.params.vector.size


def test_composite_names_are_dotted_paths_beside_course_names():
    model = _residual_model()
    assert list(model.params) == ["W1", "b1", "residual1.f0.W", "residual1.f0.b", "residual1.f1.W",
                                  "residual1.f1.b", "W2", "b2"]
    assert list(model.grads)[2] == "dresidual1.f0.W"
    text = model.summary(print_fn=None)
    assert "residual1.f0.W" in text and "W2" in text
    _assert_bound(model)


def test_residual_block_trains_saves_loads_and_passes_gradcheck(rng, tmp_path):
    X, y = rng.standard_normal((6, 40)), rng.integers(0, 3, 40)
    model = _residual_model()
    inner_before = model.params["residual1.f0.W"].copy()
    sub = model.layers[1].inner[0]
    history = model.fit(X, y, epochs=15, batch_size=8, optimizer="adam", learning_rate=0.02, verbose=0)
    assert history["cost"][-1] < history["cost"][0]
    assert not np.array_equal(sub.params["W"], inner_before)  # the sub-layer trained
    np.testing.assert_array_equal(sub.params["W"], model.params["residual1.f0.W"])
    _assert_bound(model)
    path = tmp_path / "res.safetensors"
    model.save(path)
    loaded = nndl.load(path)
    assert isinstance(loaded.layers[1], Residual) and len(loaded.layers[1].inner) == 2
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    _assert_bound(loaded)
    result = nndl.gradcheck(model, X[:, :10], y[:10], max_checks_per_param=None)
    assert result.passed and result.difference < GRAD_TOL, str(result)


def test_a_broken_sub_layer_gradient_is_caught(rng):
    model = _residual_model(dtype=np.float64)
    inner = model.layers[1].inner[0]
    original = inner.backward_linear

    def wrong(dZ):
        dA = original(dZ)
        inner.grads["dW"][...] *= 1.01
        return dA

    inner.backward_linear = wrong
    X, y = rng.standard_normal((6, 10)), rng.integers(0, 3, 10)
    # gradcheck rebuilds the model from its config, so check the live model directly
    model.compute_cost_and_grads(X, nndl.validation.one_hot(y, 3, np.float64))
    g = model.grads["dresidual1.f0.W"].copy()
    inner.backward_linear = original
    model.compute_cost_and_grads(X, nndl.validation.one_hot(y, 3, np.float64))
    assert not np.allclose(g, model.grads["dresidual1.f0.W"], rtol=1e-4)


def test_two_input_model_trains_saves_loads_and_passes_gradcheck(rng, tmp_path):
    (Xa, ids), y = _two_input_data(rng)
    model = TwoInputNet(seed=0)
    BagOfEmbeddings.seen_dtypes.clear()
    history = model.fit((Xa, ids), y, epochs=20, batch_size=8, optimizer="adam", learning_rate=0.05, verbose=0)
    assert history["cost"][-1] < history["cost"][0] and "accuracy" in history.history
    # the integer-input layer got integers through fit (gathered in their own dtype)
    assert BagOfEmbeddings.seen_dtypes and all(d.kind == "i" for d in BagOfEmbeddings.seen_dtypes)
    assert list(model.params) == ["dense_a.W", "dense_a.b", "bag.E", "head.W", "head.b"]
    _assert_bound(model)
    path = tmp_path / "two.safetensors"
    model.save(path)
    loaded = nndl.load(path)
    assert type(loaded) is TwoInputNet and loaded.input_shapes == [(5,), (3,)]
    np.testing.assert_array_equal(loaded.predict_proba((Xa, ids)), model.predict_proba((Xa, ids)))
    assert loaded.evaluate((Xa, ids), y) == model.evaluate((Xa, ids), y)
    result = nndl.gradcheck(model, (Xa[:, :8], ids[:8]), y[:8], max_checks_per_param=None)
    assert result.passed and result.difference < GRAD_TOL, str(result)


def test_two_input_model_rejects_bad_inputs(rng):
    (Xa, ids), y = _two_input_data(rng)
    model = TwoInputNet(seed=0)
    with pytest.raises(ValueError, match="tuple of 2 inputs"):
        model.fit(Xa, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="expected integers"):
        model.fit((Xa, ids.astype(float)), y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="disagree on the number of examples"):
        model.fit((Xa, ids[:5]), y, epochs=1, verbose=0)
    model.build((5,), (3,))
    with pytest.raises(ValueError, match=r"expected input of shape \(m, 3\), got \(24, 4\)"):
        model.bag.forward(np.zeros((24, 4), int))


def test_resuming_a_two_input_model_equals_an_uninterrupted_run(rng, tmp_path):
    (Xa, ids), y = _two_input_data(rng, 30)
    kwargs = dict(batch_size=8, optimizer="adam", learning_rate=0.02, seed=3, verbose=0,
                  validation_data=((Xa[:, :9], ids[:9]), y[:9]))
    full = TwoInputNet(seed=1)
    full.fit((Xa, ids), y, epochs=4, **kwargs)
    path = tmp_path / "ckpt.safetensors"
    first = TwoInputNet(seed=1)
    first.fit((Xa, ids), y, epochs=2, callbacks=[ModelCheckpoint(path)], **kwargs)
    resumed = load_checkpoint(path)
    assert type(resumed) is TwoInputNet and resumed.epochs_done == 2
    resumed.fit((Xa, ids), y, epochs=2, batch_size=8, verbose=0, validation_data=((Xa[:, :9], ids[:9]), y[:9]))
    assert resumed.history.history == full.history.history
    np.testing.assert_array_equal(resumed.params.vector, full.params.vector)


def test_a_layer_called_twice_gets_the_summed_gradient(rng):
    X1, X2 = rng.standard_normal((4, 12)), rng.standard_normal((4, 12))
    y = rng.integers(0, 2, (1, 12))
    model = SiameseNet(seed=0, dtype=np.float64)
    model.build((4,), (4,))
    Y = y.astype(np.float64)
    model.compute_cost_and_grads((X1, X2), Y)
    dW = model.grads["dencoder.W"].copy()
    # by hand: the encoder's gradient from each call with the other call's output held fixed
    enc, head = model.encoder, model.head
    h1, h2 = np.tanh(enc.params["W"] @ X1 + enc.params["b"]), np.tanh(enc.params["W"] @ X2 + enc.params["b"])
    A = 1 / (1 + np.exp(-(head.params["W"] @ (h1 * h2) + head.params["b"])))
    dH = head.params["W"].T @ (A - Y)
    by_hand = ((dH * h2 * (1 - h1 ** 2)) @ X1.T + (dH * h1 * (1 - h2 ** 2)) @ X2.T) / 12
    np.testing.assert_allclose(dW, by_hand, rtol=1e-12)
    result = nndl.gradcheck(model, (X1, X2), y, max_checks_per_param=None)
    assert result.passed and result.difference < GRAD_TOL, str(result)
    # the reused per-batch buffers of fit keep one set per call: same gradients inside them
    with _reusing_buffers(model, {}):
        model.compute_cost_and_grads((X1, X2), Y)
        np.testing.assert_array_equal(model.grads["dencoder.W"], dW)
        model.compute_cost_and_grads((X1, X2), Y)  # a second step on the same buffers
        np.testing.assert_array_equal(model.grads["dencoder.W"], dW)


def test_a_frozen_layer_is_saved_not_trained_and_trains_after_unfreezing(rng, tmp_path):
    X, y = rng.standard_normal((6, 40)), rng.integers(0, 3, 40)
    model = nndl.mlp([6, 5, 3], seed=0)
    model.layers[0].freeze()
    W1, b1, W2 = model.params["W1"].copy(), model.params["b1"].copy(), model.params["W2"].copy()
    model.fit(X, y, epochs=3, batch_size=8, optimizer="adam", verbose=0)
    np.testing.assert_array_equal(model.params["W1"], W1)
    np.testing.assert_array_equal(model.params["b1"], b1)
    assert not np.array_equal(model.params["W2"], W2)
    assert "W1*" in model.summary(print_fn=None)
    path = tmp_path / "frozen.safetensors"
    model.save(path)
    loaded = nndl.load(path)
    assert loaded.layers[0].is_frozen("W") and not loaded.layers[1].is_frozen("W")
    np.testing.assert_array_equal(loaded.params["W1"], W1)
    model.layers[0].unfreeze()  # fine-tuning: no rebuild, the optimizer and its state go on
    model.fit(X, y, epochs=2, batch_size=8, verbose=0)
    assert not np.array_equal(model.params["W1"], W1)


def test_freezing_one_parameter_by_name_and_frozen_sub_layers(rng):
    X, y = rng.standard_normal((6, 30)), rng.integers(0, 3, 30)
    model = _residual_model()
    model.layers[1].freeze()          # the whole block, sub-layers included
    model.layers[2].freeze("b")
    before = model.get_weights()
    model.fit(X, y, epochs=2, batch_size=10, optimizer="momentum", learning_rate=0.1, verbose=0)
    after = model.get_weights()
    for name in ("residual1.f0.W", "residual1.f1.b", "b2"):
        np.testing.assert_array_equal(after[name], before[name])
    for name in ("W1", "W2"):
        assert not np.array_equal(after[name], before[name])
    with pytest.raises(KeyError, match="no parameter 'gamma'"):
        model.layers[0].freeze("gamma")


def test_every_layer_checks_its_input_in_forward(rng):
    model = nndl.Sequential([Dense(4, "tanh"), nndl.BatchNorm(), nndl.Dropout(0.9), Dense(3, "softmax")],
                            input_shape=(6,))
    X = rng.standard_normal((6, 5)).astype(np.float32)
    for i, layer in enumerate(model.layers):
        good = X if i == 0 else np.zeros((4, 5), np.float32)
        layer.forward(good, training=True)
        n = good.shape[0]
        with pytest.raises(ValueError, match=rf"expected input of shape \({n}, m\), got \({n + 1}, 5\)"):
            layer.forward(np.zeros((n + 1, 5), np.float32))
