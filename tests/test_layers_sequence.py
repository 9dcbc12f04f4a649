"""Sequence layers standalone (not yet wired into fit): forward equals the functional code,
backward checked by numerical gradients at layer level (per-example dA, mean-cost grads),
config round trips and shape errors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error

from nndl.functional import lstm_forward, positional_encoding
from nndl.layers import (
    GRU, LSTM, Embedding, LayerNorm, MultiHeadAttention, PositionalEncoding, SimpleRNN,
)


def _built(layer, example_shape, seed=0):
    layer.build(example_shape, np.random.default_rng(seed), dtype=np.float64)
    for k in layer.params:                 # non-zero biases so their gradients are tested
        layer.params[k] += 0.1 * np.random.default_rng(seed + 1).standard_normal(layer.params[k].shape)
    return layer


def _check_layer(layer, x, input_grad=True):
    """J = (1/m) Σ G ⊙ A: grads must equal ∂J/∂θ, the returned dA_prev must equal m·∂J/∂x."""
    rng = np.random.default_rng(3)
    out = layer.forward(x, training=True)
    G = rng.standard_normal(out.shape)
    m = out.shape[layer.output_batch_axis]

    def J():
        return float(np.sum(G * layer.forward(x, training=True)) / m)

    layer.forward(x, training=True)
    dx = layer.backward(G)
    for k, p in layer.params.items():
        if k == "bk":  # softmax ignores a shift shared by all keys: ∂J/∂bk is exactly 0
            assert np.abs(layer.grads["dbk"]).max() < 1e-12
            continue
        assert rel_error(layer.grads["d" + k], central_difference(J, p)) < GRAD_TOL, k
    if input_grad:
        assert rel_error(dx / m, central_difference(J, x)) < GRAD_TOL


@pytest.mark.parametrize("make", [lambda: SimpleRNN(3), lambda: GRU(3), lambda: GRU(3, reset_after=True),
                                  lambda: LSTM(3), lambda: LSTM(3, return_sequences=False)])
def test_recurrent_layers_gradcheck(make):
    layer = _built(make(), (2, 4))
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    _check_layer(layer, x)


def test_lstm_layer_is_the_functional_lstm():
    layer = _built(LSTM(3), (2, 4))
    x = np.random.default_rng(1).standard_normal((2, 5, 4))
    np.testing.assert_array_equal(layer.forward(x), lstm_forward(x, None, layer.params)[0])
    assert set(layer.params) == {"Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo"}
    assert layer.params["Wf"].shape == (3, 5)
    last = LSTM(3, return_sequences=False)
    last.build((2, 4), np.random.default_rng(0))
    assert last.forward(x.astype(np.float32)).shape == (3, 5) and last.output_batch_axis == -1


def test_embedding_layer_gradient_and_frozen():
    layer = _built(Embedding(6, 3), (4,))
    ids = np.random.default_rng(2).integers(0, 6, size=(5, 4))
    out = layer.forward(ids)
    assert out.shape == (3, 5, 4)
    _check_layer(layer, ids, input_grad=False)
    frozen = Embedding(6, 3, trainable=False, weights=np.ones((3, 6)))
    frozen.build((4,), np.random.default_rng(0))
    frozen.forward(ids)
    frozen.backward(np.ones((3, 5, 4), dtype=np.float32))
    assert not frozen.grads["dE"].any()
    with pytest.raises(ValueError, match=r"weights must have shape \(n_e, V\) = \(3, 6\)"):
        Embedding(6, 3, weights=np.ones((6, 3)))


def test_layer_norm_and_attention_layers_gradcheck():
    x = np.random.default_rng(1).standard_normal((4, 3, 5))
    _check_layer(_built(LayerNorm(), (4, 5)), x)
    _check_layer(_built(MultiHeadAttention(2), (4, 5)), x)
    causal = _built(MultiHeadAttention(2, causal=True), (4, 5))
    out = causal.forward(x)
    x2 = x.copy()
    x2[:, :, -1] += 1.0                                   # the future cannot change the past
    np.testing.assert_allclose(causal.forward(x2)[:, :, :-1], out[:, :, :-1], atol=1e-12)
    _check_layer(causal, x)


def test_attention_layer_padding_mask():
    layer = _built(MultiHeadAttention(2), (4, 5))
    x = np.random.default_rng(1).standard_normal((4, 2, 5))
    layer.set_mask(np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]))
    out = layer.forward(x)
    x2 = x.copy()
    x2[:, 0, 3:] += 5.0                                    # padding of example 0 is ignored
    np.testing.assert_allclose(layer.forward(x2)[:, 0, :3], out[:, 0, :3], atol=1e-12)


def test_positional_encoding_layer():
    layer = PositionalEncoding()
    layer.build((4, 6), np.random.default_rng(0))
    x = np.zeros((4, 2, 6), dtype=np.float32)
    out = layer.forward(x)
    np.testing.assert_allclose(out[:, 1, :], positional_encoding(6, 4).T)
    assert layer.backward(np.ones_like(out)) is not None


@pytest.mark.parametrize("layer", [SimpleRNN(4, return_sequences=False), GRU(2, reset_after=True), LSTM(5),
                                   Embedding(10, 3, trainable=False), LayerNorm(1e-6),
                                   MultiHeadAttention(2, causal=True)])
def test_config_round_trip(layer):
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_recurrent_errors():
    with pytest.raises(ValueError, match="positive integer"):
        LSTM(0)
    layer = LSTM(3)
    with pytest.raises(ValueError, match=r"sequences \(n_x, m, T_x\)"):
        layer.build((5,), np.random.default_rng(0))
    layer.build((2, 4), np.random.default_rng(0))
    with pytest.raises(ValueError, match="expected input of shape"):
        layer.forward(np.zeros((3, 2, 4), dtype=np.float32))
