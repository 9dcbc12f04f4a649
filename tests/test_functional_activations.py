"""Activations: hand-checked values, numerical gradients, PyTorch, dtypes, the registry."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error, to_numpy

import nndl
from nndl.functional import (
    ACTIVATIONS, get_activation, leaky_relu, leaky_relu_backward, register_activation, relu,
    relu_backward, sigmoid, sigmoid_backward, softmax, tanh, tanh_backward,
)

BUILTIN = ["sigmoid", "tanh", "relu", "leaky_relu", "softmax", "linear"]


def away_from_kinks(rng, shape):
    """Z with |Z| in [0.2, 2]: relu and leaky_relu are differentiable there."""
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


# ------------------------------------------------------------------ hand-checked values
def test_sigmoid_values():
    A, cache = sigmoid(np.array([[0.0]]))
    assert A[0, 0] == 0.5 and cache is A
    A, _ = sigmoid(np.array([[-1.0, 1.0]]))
    np.testing.assert_allclose(A, [[0.2689414213699951, 0.7310585786300049]], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_large_inputs_do_not_overflow(dtype):
    # Underflow of e^(−|Z|) to 0 is the exact answer; overflow, 0/0 and 1/0 must not happen.
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        A, _ = sigmoid(np.array([[-1e4, 1e4, -800.0, 800.0]], dtype=dtype))
    assert A.dtype == dtype
    np.testing.assert_array_equal(A, [[0.0, 1.0, 0.0, 1.0]])


def test_tanh_relu_leaky_relu_values():
    Z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(tanh(Z)[0], [[np.tanh(-2.0), 0.0, np.tanh(3.0)]], rtol=1e-15)
    np.testing.assert_array_equal(relu(Z)[0], [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(leaky_relu(Z)[0], [[-0.02, 0.0, 3.0]], rtol=1e-15)
    np.testing.assert_allclose(leaky_relu(Z, slope=0.2)[0], [[-0.4, 0.0, 3.0]], rtol=1e-15)


def test_backward_values():
    dA = np.array([[1.0, 1.0, 2.0]])
    Z = np.array([[-2.0, 0.0, 3.0]])
    assert sigmoid_backward(np.array([[1.0]]), sigmoid(np.array([[0.0]]))[1])[0, 0] == 0.25
    assert tanh_backward(np.array([[3.0]]), tanh(np.array([[0.0]]))[1])[0, 0] == 3.0
    np.testing.assert_array_equal(relu_backward(dA, relu(Z)[1]), [[0.0, 0.0, 2.0]])
    np.testing.assert_allclose(leaky_relu_backward(dA, leaky_relu(Z)[1]), [[0.01, 0.01, 2.0]], rtol=1e-15)
    np.testing.assert_allclose(leaky_relu_backward(dA, leaky_relu(Z, 0.3)[1], 0.3), [[0.3, 0.3, 2.0]], rtol=1e-15)


def test_softmax_values():
    A, _ = softmax(np.array([[1.0], [2.0], [3.0]]))
    np.testing.assert_allclose(A, [[0.09003057317038046], [0.24472847105479767], [0.6652409557748219]], rtol=1e-14)
    assert A.shape == (3, 1)


def test_softmax_is_shifted_by_the_column_max():
    Z = np.array([[1000.0, -1000.0], [1001.0, -999.0], [1002.0, -998.0]])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        A, _ = softmax(Z)
    expected = softmax(np.array([[1.0], [2.0], [3.0]]))[0]
    np.testing.assert_allclose(A, np.hstack([expected, expected]), rtol=1e-14)
    np.testing.assert_allclose(A.sum(axis=0), [1.0, 1.0], rtol=1e-15)


def test_linear_is_identity():
    Z = np.array([[-1.5, 2.0]])
    forward, backward = get_activation("linear")
    A, cache = forward(Z)
    np.testing.assert_array_equal(A, Z)
    dA = np.array([[3.0, 4.0]])
    np.testing.assert_array_equal(backward(dA, cache), dA)


# ------------------------------------------------------------------ numerical gradients
@pytest.mark.parametrize("name", BUILTIN)
def test_backward_matches_numerical_gradient(name, rng):
    """backward(G, cache) is the vector-Jacobian product: d(Σ G ⊙ g(Z))/dZ."""
    forward, backward = get_activation(name)
    Z = away_from_kinks(rng, (4, 5))
    G = rng.standard_normal((4, 5))
    dZ = backward(G, forward(Z)[1])
    numeric = central_difference(lambda: float(np.sum(G * forward(Z)[0])), Z)
    assert rel_error(dZ, numeric) < GRAD_TOL


# ------------------------------------------------------------------ PyTorch oracle
def _torch_fn(torch, name):
    F = torch.nn.functional
    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, negative_slope=0.01),
        "softmax": lambda z: torch.softmax(z, dim=0),
        "linear": lambda z: z,
    }[name]


@pytest.mark.parametrize("name", BUILTIN)
def test_forward_and_vjp_match_torch(name, rng, torch):
    forward, backward = get_activation(name)
    Z = rng.standard_normal((5, 7)) * 3
    G = rng.standard_normal((5, 7))
    A, cache = forward(Z)
    dZ = backward(G, cache)
    Zt = torch.tensor(Z, dtype=torch.float64, requires_grad=True)
    At = _torch_fn(torch, name)(Zt)
    At.backward(torch.tensor(G, dtype=torch.float64))
    np.testing.assert_allclose(A, to_numpy(At), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(dZ, to_numpy(Zt.grad), rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("name", BUILTIN)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(name, dtype, rng):
    forward, backward = get_activation(name)
    Z = rng.standard_normal((3, 4)).astype(dtype)
    A, cache = forward(Z)
    dZ = backward(np.ones_like(A), cache)
    assert A.dtype == dtype and dZ.dtype == dtype
    assert A.shape == Z.shape and dZ.shape == Z.shape


def test_leaky_relu_slope_keeps_float32():
    Z = np.array([[-1.0, 2.0]], dtype=np.float32)
    A, cache = leaky_relu(Z, slope=0.3)
    assert A.dtype == np.float32
    assert leaky_relu_backward(np.ones_like(Z), cache, 0.3).dtype == np.float32


# ------------------------------------------------------------------ the registry
def test_unknown_activation_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown activation 'swishy'.*relu.*sigmoid"):
        get_activation("swishy")
    with pytest.raises(ValueError, match="unknown activation"):
        nndl.Dense(3, "swishy")


@pytest.mark.parametrize("bad", ["", None, 3])
def test_register_activation_rejects_bad_names(bad):
    with pytest.raises(ValueError, match="non-empty string"):
        register_activation(bad, sigmoid, sigmoid_backward)


def softplus(Z):
    """A = log(1 + e^Z), stable; cache = Z."""
    return np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z))), Z


def softplus_backward(dA, cache):
    """dZ = dA · σ(Z)."""
    return dA * sigmoid(cache)[0]


@pytest.fixture
def softplus_registered():
    register_activation("softplus", softplus, softplus_backward)
    yield "softplus"
    ACTIVATIONS.pop("softplus", None)


def test_registered_activation_works_in_a_dense_layer(softplus_registered, rng):
    layer = nndl.Dense(3, "softplus")
    assert layer.activation == "softplus"
    model = nndl.Sequential([layer, nndl.Dense(1, "sigmoid")], seed=1, dtype=np.float64, input_shape=(4,))
    X = rng.standard_normal((4, 12))
    Y = (X[0:1] + X[1:2] > 0).astype(np.int64)
    A = model.forward(X)
    np.testing.assert_allclose(layer.cache[1], layer.Z)  # the custom cache is kept
    assert A.shape == (1, 12)
    result = nndl.gradcheck(model, X, Y)
    assert result.passed and result.difference < GRAD_TOL, str(result)
    history = model.fit(X, Y, epochs=30, batch_size=None, learning_rate=0.5, verbose=0)
    assert history["cost"][-1] < history["cost"][0]
    clone = nndl.Sequential.from_config(model.get_config())  # the name round-trips
    assert clone.layers[0].activation == "softplus"
