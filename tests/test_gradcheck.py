"""Gradient checking: the helpers, whole models passing in float64, and injected bugs caught."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL

import nndl
from nndl.gradcheck import GradcheckResult, numerical_gradient, relative_difference
from nndl.layers import Activation, BatchNorm, Dense, Dropout, Flatten


def test_relative_difference():
    assert relative_difference(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_difference(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    assert relative_difference(np.array([3.0, 4.0]), np.array([0.0, 0.0])) == 1.0
    # ‖(1, 0) − (0, 1)‖ / (1 + 1) = √2 / 2
    assert relative_difference(np.array([[1.0, 0.0]]), np.array([0.0, 1.0])) == pytest.approx(np.sqrt(2) / 2, rel=1e-15)


def test_numerical_gradient_of_a_known_function(rng):
    theta = rng.standard_normal((3, 4))
    approx = numerical_gradient(lambda: float(np.sum(theta ** 3)), theta)
    assert approx.shape == theta.shape
    assert relative_difference(3 * theta ** 2, approx) < GRAD_TOL
    before = theta.copy()
    partial = numerical_gradient(lambda: float(np.sum(theta ** 3)), theta, indices=[0, 5])
    np.testing.assert_array_equal(theta, before)  # perturbations are undone
    assert np.count_nonzero(partial) == 2
    np.testing.assert_allclose(partial.ravel()[[0, 5]], 3 * theta.ravel()[[0, 5]] ** 2, rtol=1e-7)
    with pytest.raises(ValueError, match="perturbable in place"):
        numerical_gradient(lambda: 0.0, theta.T)


def _data(rng, n_x=4, m=12, C=3):
    X = rng.standard_normal((n_x, m))
    if C == 1:
        return X, (X[0:1] > 0).astype(np.int64)
    return X, np.arange(m) % C


def _with_biases(model, value=0.1):
    """Non-zero biases: no Z sits exactly on a ReLU kink."""
    for k in model.params:
        if k.startswith("b") and not k.startswith("beta"):
            model.params[k] = np.full(model.params[k].shape, value)
    return model


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "leaky_relu", "relu"])
@pytest.mark.parametrize("output, C", [("softmax", 3), ("sigmoid", 1), ("linear", 2)])
def test_mlp_passes(hidden, output, C, rng):
    X, Y = _data(rng, C=C)
    if output == "linear":
        Y = rng.standard_normal((2, 12))
    model = _with_biases(nndl.mlp([4, 5, 3, C], hidden=hidden, output=output, seed=1))
    result = nndl.gradcheck(model, X, Y)
    assert isinstance(result, GradcheckResult)
    assert result.passed and result.difference < GRAD_TOL, str(result)
    assert set(result.per_parameter) == set(model.params)


@pytest.mark.parametrize("kwargs", [{"keep_prob": 0.7}, {"batch_norm": True}, {"lambd": 0.7},
                                    {"batch_norm": True, "keep_prob": 0.8, "lambd": 0.3}])
def test_mlp_with_regularization_and_batch_norm_passes(kwargs, rng):
    X, Y = _data(rng)
    model = _with_biases(nndl.mlp([4, 6, 5, 3], hidden="relu", seed=2, **kwargs))
    result = nndl.gradcheck(model, X, Y, max_checks_per_param=None)
    assert result.passed and result.difference < GRAD_TOL, str(result)
    # b1 before batch norm has a true gradient of 0: its share is noise, not a failure
    assert max(result.per_parameter.values()) <= result.difference


def test_dropout_masks_are_frozen_and_active(rng):
    """With dropout the checked cost differs from the no-dropout cost: the masks are used."""
    X, Y = _data(rng)
    with_dropout = nndl.gradcheck(nndl.mlp([4, 6, 3], keep_prob=0.5, seed=0), X, Y)
    without = nndl.gradcheck(nndl.mlp([4, 6, 3], seed=0), X, Y)
    assert with_dropout.passed and without.passed
    assert with_dropout.per_parameter != without.per_parameter


def test_unfused_outputs_pass(rng):
    """softmax as its own layer (chain rule through softmax_backward), sigmoid + MSE."""
    X, y = _data(rng)
    model = nndl.Sequential([Dense(5, "tanh"), Dense(3, "linear"), Activation("softmax")], seed=0)
    assert model.loss == "categorical_crossentropy"
    result = nndl.gradcheck(model, X, y)
    assert result.passed, str(result)
    model = nndl.Sequential([Dense(4, "tanh"), Dense(2, "sigmoid")], loss="mse", seed=0, input_shape=(4,))
    result = nndl.gradcheck(model, X, rng.uniform(size=(2, 12)))
    assert result.passed, str(result)


def test_images_with_batch_norm_and_flatten_pass(rng):
    X = rng.standard_normal((6, 2, 3, 2))  # (m, n_H, n_W, n_C)
    y = np.arange(6) % 2
    model = nndl.Sequential([BatchNorm(), Flatten(), Dense(4, "tanh"), Dropout(0.8), Dense(2, "softmax")],
                            seed=0, input_shape=(2, 3, 2))
    assert list(model.params)[:2] == ["gamma0", "beta0"]  # numbered before the first Dense
    model.params["gamma0"] = np.array([[[[1.5, 0.7]]]])
    result = nndl.gradcheck(model, X, y, max_checks_per_param=None)
    assert result.passed and result.difference < GRAD_TOL, str(result)


def test_gradcheck_leaves_the_model_alone(rng):
    X, Y = _data(rng)
    model = nndl.mlp([4, 5, 3], batch_norm=True, seed=0)
    before = model.get_weights()
    nndl.gradcheck(model, X, Y)
    assert model.params.vector.dtype == np.float32
    for k, v in model.get_weights().items():
        np.testing.assert_array_equal(v, before[k])


def test_unbuilt_model_is_built_from_the_data(rng):
    X, Y = _data(rng)
    model = nndl.Sequential([Dense(3, "tanh"), Dense(3, "softmax")], seed=0)
    assert nndl.gradcheck(model, X, Y).passed


def test_an_injected_bug_fails_and_is_named(rng, monkeypatch):
    """db of one layer scaled by 2: the check fails and blames b2 in that layer."""
    original = Dense.backward_linear

    def buggy(self, dZ):
        dA_prev = original(self, dZ)
        if self.name == "buggy":
            self.grads["db"] *= 2
        return dA_prev

    monkeypatch.setattr(Dense, "backward_linear", buggy)
    X, Y = _data(rng)
    model = nndl.Sequential([Dense(5, "tanh"), Dense(4, "tanh", name="buggy"), Dense(3, "softmax")],
                            seed=0, input_shape=(4,))
    result = nndl.gradcheck(model, X, Y)
    assert not result.passed and result.difference > 1e-3
    assert result.worst_parameter == "b2" and result.worst_layer.startswith("layer l = 2 Dense(units=4")
    assert result.per_parameter["b2"] > 1e-3 and result.per_parameter["W3"] < GRAD_TOL
    assert "FAILED" in str(result) and "b2" in str(result)


def test_an_injected_batch_norm_bug_is_named(rng, monkeypatch):
    original = BatchNorm.backward

    def buggy(self, dA):
        dZ = original(self, dA)
        self.grads["dgamma"] *= 1.01
        return dZ

    monkeypatch.setattr(BatchNorm, "backward", buggy)
    X, Y = _data(rng)
    result = nndl.gradcheck(nndl.mlp([4, 5, 3], batch_norm=True, seed=0), X, Y)
    assert not result.passed and result.worst_parameter == "gamma1" and "BatchNorm" in result.worst_layer
    assert result.worst_layer.startswith("layer l = 1 ")   # the course's l, not a 0-based position
