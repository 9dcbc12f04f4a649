"""Layer objects: the config round trip for every registered layer, and each layer's behaviour."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error

import nndl
from nndl.functional import batchnorm_forward, dropout_forward, linear_forward, relu, softmax
from nndl.layers import LAYERS, Activation, BatchNorm, Dense, Dropout, Flatten

# A non-default configuration and one example's input shape for each layer. A new layer
# whose constructor needs arguments gets an entry here (the round trip test says so).
EXAMPLES = {
    "Dense": ({"units": 3, "activation": "tanh", "init": "xavier", "l2": 0.1, "name": "hidden"}, (4,)),
    "Dropout": ({"keep_prob": 0.7}, (4,)),
    "BatchNorm": ({"momentum": 0.8, "eps": 1e-3}, (4,)),
    "Flatten": ({}, (2, 3, 2)),
    "Activation": ({"activation": "leaky_relu"}, (4,)),
    "Conv2D": ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "tanh",
                "l2": 0.1}, (7, 6, 2)),
    "MaxPool2D": ({"pool_size": 3, "strides": 2}, (7, 6, 2)),
    "AvgPool2D": ({"pool_size": 2}, (5, 6, 2)),
    "GlobalAvgPool2D": ({}, (4, 5, 3)),

    # sequence layers (one example is (n_x, T_x)); Embedding takes integer ids, so no float batch
    "SimpleRNN": ({"units": 3, "return_sequences": False}, (2, 4)),
    "GRU": ({"units": 3, "reset_after": True}, (2, 4)),
    "LSTM": ({"units": 3}, (2, 4)),
    "Embedding": ({"vocab_size": 7, "n_e": 3, "trainable": False}, None),
    "MultiHeadAttention": ({"n_heads": 2, "causal": True}, (4, 5)),
}


def _example(name):
    cls = LAYERS[name]
    if name in EXAMPLES:
        kwargs, shape = EXAMPLES[name]
        return cls(**kwargs), shape
    required = [p.name for p in inspect.signature(cls.__init__).parameters.values()
                if p.default is inspect.Parameter.empty and p.name != "self"
                and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if required:
        pytest.fail(f"layer {name} needs {required}: add an example config to EXAMPLES in tests/test_layers.py")
    return cls(), None


def _batch(layer, shape, m, rng):
    """A batch of m examples of ``shape`` on the layer's batch axis."""
    X = rng.standard_normal((m, *shape))
    return np.ascontiguousarray(np.moveaxis(X, 0, layer.batch_axis))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_config_round_trip(name, rng):
    layer, shape = _example(name)
    config = layer.get_config()
    assert json.loads(json.dumps(config)) == config  # model files store it as JSON
    clone = type(layer).from_config(config)
    assert type(clone) is type(layer) and clone.get_config() == config
    assert repr(clone) == repr(layer)
    if shape is None:
        return
    out_a = layer.build(shape, np.random.default_rng(5), np.float64)
    out_b = clone.build(shape, np.random.default_rng(5), np.float64)
    assert out_a == out_b
    for k in layer.params:
        np.testing.assert_array_equal(layer.params[k], clone.params[k])
    X = _batch(layer, shape, 6, rng)
    np.testing.assert_array_equal(layer.forward(X, training=False), clone.forward(X, training=False))


def test_every_builtin_layer_is_registered():
    assert {"Dense", "Dropout", "BatchNorm", "Flatten", "Activation"} <= set(LAYERS)
    assert nndl.layers.register_layer(type("Custom", (nndl.Layer,), {})) is LAYERS.pop("Custom")


# ------------------------------------------------------------------ Dense
def test_dense_shapes_and_forward(rng):
    layer = Dense(3, "relu")
    assert layer.build((4,), rng, np.float64) == (3,)
    assert layer.params["W"].shape == (3, 4) and layer.params["b"].shape == (3, 1)
    assert layer.grads["dW"].shape == (3, 4) and layer.grads["db"].shape == (3, 1)
    assert not layer.params["b"].any() and layer.n_params == 15
    layer.params["b"][...] = rng.standard_normal((3, 1))
    X = rng.standard_normal((4, 5))
    expected = relu(linear_forward(X, layer.params["W"], layer.params["b"])[0])[0]
    np.testing.assert_array_equal(layer.forward(X), expected)


@pytest.mark.parametrize("activation, init, std", [("relu", None, np.sqrt(2 / 400)), ("tanh", None, np.sqrt(1 / 400)),
                                                   ("relu", "random", 0.01), ("sigmoid", "xavier", np.sqrt(1 / 400))])
def test_dense_initialization(activation, init, std):
    layer = Dense(200, activation, init=init)
    layer.build((400,), np.random.default_rng(0), np.float32)
    W = layer.params["W"]
    assert W.dtype == np.float32
    assert abs(W.std() / std - 1) < 0.02 and abs(W.mean()) < 0.1 * std  # 80 000 draws


def test_dense_zeros_init_warns_about_symmetry(rng):
    with pytest.warns(UserWarning, match="symmetry"):
        Dense(3, init="zeros").build((2,), rng)
    with pytest.raises(ValueError, match="unknown initializer 'gauss'"):
        Dense(3, init="gauss").build((2,), rng)


def test_dense_backward_matches_numerical_gradient_with_l2(rng):
    layer = Dense(3, "tanh", l2=0.3)
    layer.build((4,), rng, np.float64)
    layer.params["b"][...] = rng.standard_normal((3, 1))
    X = rng.standard_normal((4, 5))
    G = rng.standard_normal((3, 5))
    m = 5

    def J():  # the mean cost (1/m)·Σ G ⊙ A plus the layer's L2 term
        return float(np.sum(G * layer.forward(X)) / m) + layer.regularization_cost(m)

    layer.forward(X)
    dW_view, db_view = layer.grads["dW"], layer.grads["db"]
    dX = layer.backward(G)
    assert layer.grads["dW"] is dW_view and layer.grads["db"] is db_view  # written in place
    dW, db = dW_view.copy(), db_view.copy()
    assert rel_error(dW, central_difference(J, layer.params["W"])) < GRAD_TOL
    assert rel_error(db, central_difference(J, layer.params["b"])) < GRAD_TOL
    assert rel_error(dX / m, central_difference(J, X)) < GRAD_TOL
    assert layer.regularization_cost(m) == pytest.approx(0.3 / (2 * m) * np.sum(layer.params["W"] ** 2), rel=1e-14)


def test_dense_backward_matches_numerical_gradient_with_l1_and_l2(rng):
    layer = Dense(3, "tanh", l2=0.2, l1=0.3)
    layer.build((4,), rng, np.float64)
    X, G, m = rng.standard_normal((4, 5)), rng.standard_normal((3, 5)), 5

    def J():
        return float(np.sum(G * layer.forward(X)) / m) + layer.regularization_cost(m)

    layer.forward(X)
    layer.backward(G)
    assert rel_error(layer.grads["dW"].copy(), central_difference(J, layer.params["W"])) < GRAD_TOL
    W = layer.params["W"]
    assert layer.regularization_cost(m) == pytest.approx(0.2 / (2 * m) * np.sum(W ** 2) + 0.3 / m * np.sum(np.abs(W)),
                                                         rel=1e-14)


def test_mlp_l1_reaches_fit_and_sparsifies(rng):
    import nndl
    X = rng.standard_normal((6, 200))
    Y = (X[:1] > 0).astype(float)  # only x1 matters
    plain = nndl.mlp([6, 1], output="sigmoid", seed=0, dtype=np.float64)
    sparse = nndl.mlp([6, 1], output="sigmoid", seed=0, dtype=np.float64, l1=5.0)
    assert sparse.layers[0].l1 == 5.0 and sparse.layers[0].get_config()["l1"] == 5.0
    for model in (plain, sparse):
        model.fit(X, Y, epochs=300, batch_size=None, learning_rate=0.5, verbose=0)
    irrelevant = lambda model: np.abs(model.params["W1"][0, 1:]).sum()
    assert irrelevant(sparse) < 0.2 * irrelevant(plain)


def test_dense_first_layer_skips_input_gradient(rng):
    layer = Dense(2)
    layer.build((3,), rng, np.float64)
    layer.needs_input_grad = False
    layer.forward(rng.standard_normal((3, 4)))
    assert layer.backward(np.ones((2, 4))) is None
    assert layer.grads["db"][0, 0] != 0 or layer.grads["dW"].any()


@pytest.mark.parametrize("kwargs, match", [
    ({"units": 0}, "positive integer"), ({"units": 2.5}, "positive integer"), ({"units": True}, "positive integer"),
    ({"units": 3, "activation": "nope"}, "unknown activation"), ({"units": 3, "l2": -1.0}, "l2"),
    ({"units": 3, "l1": -1.0}, "l1"),
])
def test_dense_rejects_bad_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Dense(**kwargs)


def test_dense_on_images_asks_for_flatten(rng):
    with pytest.raises(ValueError, match="add a Flatten layer"):
        Dense(3).build((4, 4, 1), rng)


def test_forward_overwrites_the_cache(rng):
    layer = Dense(2, "sigmoid")
    layer.build((3,), rng, np.float64)
    layer.forward(rng.standard_normal((3, 4)))
    first = layer.cache
    X = rng.standard_normal((3, 7))
    layer.forward(X)
    assert len(layer.cache) == len(first) and layer.cache[0][0] is X


# ------------------------------------------------------------------ Dropout
def test_dropout_only_active_in_training(rng):
    layer = Dropout(0.5)
    layer.build((4,), np.random.default_rng(0), np.float64)
    X = rng.standard_normal((4, 10))
    assert layer.forward(X, training=False) is X
    assert layer.backward(X) is X  # no mask from an inference pass
    out = layer.forward(X, training=True)
    D = layer.cache
    assert set(np.unique(D)) == {0.0, 1.0}
    np.testing.assert_array_equal(out, X * D * 2)
    np.testing.assert_array_equal(layer.backward(np.ones_like(X)), D * 2)
    keep_all = Dropout(1.0)
    keep_all.build((4,), rng)
    assert keep_all.forward(X, training=True) is X


def test_dropout_inverted_scaling_keeps_the_mean():
    layer = Dropout(0.75)
    layer.build((200,), np.random.default_rng(1), np.float32)
    out = layer.forward(np.ones((200, 500), np.float32), training=True)
    assert out.dtype == np.float32
    assert abs(out.mean() - 1.0) < 0.01  # 1e5 draws: standard error ≈ 0.0018


def test_dropout_mask_from_the_generator_and_frozen(rng):
    X = np.ones((4, 6))
    a, b = Dropout(0.5), Dropout(0.5)
    a.build((4,), np.random.default_rng(3))
    b.build((4,), np.random.default_rng(3))
    np.testing.assert_array_equal(a.forward(X, True), b.forward(X, True))
    expected, _ = dropout_forward(X, 0.5, np.random.default_rng(3))
    np.testing.assert_array_equal(b.cache * 2, expected)
    first = a.cache.copy()
    a.freeze_mask = True
    np.testing.assert_array_equal(a.forward(X, True), first * 2)
    a.freeze_mask = False
    assert not np.array_equal(a.forward(X, True), first * 2)


@pytest.mark.parametrize("keep_prob", [0.0, 1.2, -0.5])
def test_dropout_rejects_bad_keep_prob(keep_prob):
    with pytest.raises(ValueError, match="keep_prob"):
        Dropout(keep_prob)


# ------------------------------------------------------------------ BatchNorm
def test_batchnorm_running_averages_and_inference(rng):
    layer = BatchNorm(momentum=0.9)
    layer.build((3,), rng, np.float64)
    assert layer.params["gamma"].shape == (3, 1) and layer.state["running_var"].shape == (3, 1)
    Z1, Z2 = rng.standard_normal((3, 8)) + 2, rng.standard_normal((3, 8)) * 3
    out = layer.forward(Z1, training=True)
    np.testing.assert_allclose(out, batchnorm_forward(Z1, np.ones((3, 1)), np.zeros((3, 1)))[0], rtol=1e-15)
    layer.forward(Z2, training=True)
    mean = 0.9 * (0.1 * Z1.mean(axis=1, keepdims=True)) + 0.1 * Z2.mean(axis=1, keepdims=True)
    var = 0.9 * (0.9 * 1 + 0.1 * Z1.var(axis=1, keepdims=True)) + 0.1 * Z2.var(axis=1, keepdims=True)
    np.testing.assert_allclose(layer.state["running_mean"], mean, rtol=1e-14)
    np.testing.assert_allclose(layer.state["running_var"], var, rtol=1e-14)
    layer.params["gamma"][...] = 2.0
    X = rng.standard_normal((3, 5))
    out = layer.forward(X, training=False)
    np.testing.assert_allclose(out, 2.0 * (X - mean) / np.sqrt(var + 1e-5), rtol=1e-14)
    np.testing.assert_allclose(layer.state["running_mean"], mean, rtol=1e-14)  # inference does not update
    with pytest.raises(RuntimeError, match="without a training forward pass"):
        layer.backward(np.ones((3, 5)))


@pytest.mark.parametrize("shape", [(3,), (2, 3, 2)])
def test_batchnorm_layer_gradients(shape, rng):
    """dγ, dβ of the mean cost (1/m)·Σ G ⊙ Z̃, for dense (n, m) and image (m, H, W, C) input."""
    layer = BatchNorm()
    layer.build(shape, rng, np.float64)
    layer.params["gamma"][...] = rng.uniform(0.5, 2, layer.params["gamma"].shape)
    layer.params["beta"][...] = rng.standard_normal(layer.params["beta"].shape)
    m = 5
    X = _batch(layer, shape, m, rng)
    G = rng.standard_normal(X.shape)

    def J():
        return float(np.sum(G * layer.forward(X, training=True)) / m)

    layer.forward(X, training=True)
    dX = layer.backward(G)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    assert rel_error(grads["dgamma"], central_difference(J, layer.params["gamma"])) < GRAD_TOL
    assert rel_error(grads["dbeta"], central_difference(J, layer.params["beta"])) < GRAD_TOL
    assert rel_error(dX / m, central_difference(J, X)) < GRAD_TOL


@pytest.mark.parametrize("kwargs", [{"momentum": 1.0}, {"momentum": -0.1}, {"eps": 0.0}])
def test_batchnorm_rejects_bad_config(kwargs):
    with pytest.raises(ValueError, match="BatchNorm"):
        BatchNorm(**kwargs)


# ------------------------------------------------------------------ Flatten, Activation
def test_flatten_shapes(rng):
    layer = Flatten()
    assert layer.build((2, 3, 4), rng) == (24,)
    assert layer.batch_axis == 0 and layer.output_batch_axis == -1
    X = rng.standard_normal((5, 2, 3, 4))
    A = layer.forward(X)
    assert A.shape == (24, 5)
    np.testing.assert_array_equal(A[:, 3], X[3].ravel())  # example i is column i
    dX = layer.backward(A * 2)
    assert dX.shape == X.shape
    np.testing.assert_array_equal(dX, X * 2)


def test_activation_layer_matches_functional(rng):
    layer = Activation("softmax")
    layer.build((4,), rng)
    Z = rng.standard_normal((4, 3))
    A = layer.forward(Z)
    np.testing.assert_array_equal(A, softmax(Z)[0])
    G = rng.standard_normal((4, 3))
    numeric = central_difference(lambda: float(np.sum(G * layer.forward(Z))), Z)
    layer.forward(Z)
    assert rel_error(layer.backward(G), numeric) < GRAD_TOL
    with pytest.raises(ValueError, match="unknown activation"):
        Activation("nope")
