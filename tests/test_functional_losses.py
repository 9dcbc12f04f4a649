"""Costs: hand values, finiteness at 0 and 1, numerical gradients, PyTorch, the fused delta.

Backward functions return the per-example dA (m·∂J/∂A); the 1/m is applied in linear_backward.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error, to_numpy

from nndl.functional import (
    binary_cross_entropy, binary_cross_entropy_backward, binary_cross_entropy_from_logits,
    categorical_cross_entropy, categorical_cross_entropy_backward,
    categorical_cross_entropy_from_logits, mean_squared_error, mean_squared_error_backward,
    output_delta, sigmoid, sigmoid_backward, softmax, softmax_backward,
)


def one_hot(labels, C):
    Y = np.zeros((C, len(labels)))
    Y[labels, np.arange(len(labels))] = 1.0
    return Y


@pytest.fixture
def binary(rng):
    Z = rng.standard_normal((1, 8)) * 2
    Y = np.array([[1, 0, 1, 1, 0, 0, 1, 0]], dtype=np.float64)
    return Z, Y


@pytest.fixture
def multiclass(rng):
    Z = rng.standard_normal((4, 6)) * 2
    Y = one_hot([0, 3, 1, 1, 2, 3], 4)
    return Z, Y


# ------------------------------------------------------------------ hand-checked values
def test_hand_values():
    A, Y = np.array([[0.8, 0.4]]), np.array([[1.0, 0.0]])
    assert binary_cross_entropy(A, Y) == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2, rel=1e-15)
    A = np.array([[0.7, 0.2], [0.3, 0.8]])
    assert categorical_cross_entropy(A, np.eye(2)) == pytest.approx(-(math.log(0.7) + math.log(0.8)) / 2, rel=1e-15)
    assert mean_squared_error(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]])) == 1.25  # (1 + 4) / (2·2)
    np.testing.assert_allclose(binary_cross_entropy_backward(np.array([[0.8, 0.4]]), np.array([[1.0, 0.0]])),
                               [[-1 / 0.8, 1 / 0.6]], rtol=1e-15)
    np.testing.assert_array_equal(mean_squared_error_backward(np.array([[1.0, 2.0]]), np.array([[0.0, 3.0]])),
                                  [[1.0, -1.0]])


def test_logistic_regression_course_cost():
    """The course's first cost: w = [[1], [2]], b = 2, X = [[1, 2, -1], [3, 4, -3.2]], Y = [[1, 0, 1]]."""
    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1.0, 0.0, 1.0]])
    Z = w.T @ X + b
    assert binary_cross_entropy(sigmoid(Z)[0], Y) == pytest.approx(5.801545319394553, rel=1e-12)
    assert binary_cross_entropy_from_logits(Z, Y) == pytest.approx(5.801545319394553, rel=1e-12)


def test_course_l2_cost_example():
    """compute_cost_with_regularization: cross-entropy + (λ/2m)·Σ‖W‖² = 1.78648594516."""
    from nndl.functional import l2_cost
    r = np.random.RandomState(1)  # the course's test case draws its weights this way
    Y = np.array([[1, 1, 0, 1, 0]])
    W1, _, W2, _, W3, _ = r.randn(2, 3), r.randn(2, 1), r.randn(3, 2), r.randn(3, 1), r.randn(1, 3), r.randn(1, 1)
    a3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    cost = binary_cross_entropy(a3, Y) + l2_cost([W1, W2, W3], 0.1, 5)
    assert cost == pytest.approx(1.78648594516, abs=1e-11)


# ------------------------------------------------------------------ probabilities 0 and 1
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_finite_at_exact_zero_and_one(dtype):
    A = np.array([[0.0, 1.0, 0.0, 1.0]], dtype=dtype)
    Y = np.array([[0.0, 1.0, 1.0, 0.0]], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(divide="raise", invalid="raise", over="raise"):
        warnings.simplefilter("error")
        J = binary_cross_entropy(A, Y)
        dA = binary_cross_entropy_backward(A, Y)
        A2 = np.array([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)
        Y2 = np.array([[1.0, 1.0], [0.0, 0.0]], dtype=dtype)
        J2 = categorical_cross_entropy(A2, Y2)
        dA2 = categorical_cross_entropy_backward(A2, Y2)
    assert math.isfinite(J) and np.isfinite(dA).all()
    assert math.isfinite(J2) and np.isfinite(dA2).all()
    # the confident right answers cost (almost) nothing, the confident wrong ones a lot
    assert binary_cross_entropy(A[:, :2], Y[:, :2]) < 1e-6
    assert J > 5 and J2 > 5  # −log(eps) per confident mistake, averaged over m


def test_from_logits_is_exact_where_probabilities_saturate():
    Z = np.array([[1000.0, -1000.0]])
    Y = np.array([[0.0, 1.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert binary_cross_entropy_from_logits(Z, Y) == pytest.approx(1000.0, rel=1e-15)
        Zc = np.array([[1000.0], [0.0]])
        assert categorical_cross_entropy_from_logits(Zc, np.array([[0.0], [1.0]])) == pytest.approx(1000.0, rel=1e-15)


def test_from_logits_equals_probability_form(binary, multiclass):
    Z, Y = binary
    assert binary_cross_entropy_from_logits(Z, Y) == pytest.approx(binary_cross_entropy(sigmoid(Z)[0], Y), rel=1e-13)
    Z, Y = multiclass
    assert categorical_cross_entropy_from_logits(Z, Y) == pytest.approx(
        categorical_cross_entropy(softmax(Z)[0], Y), rel=1e-13)


# ------------------------------------------------------------------ numerical gradients
@pytest.mark.parametrize("loss", ["bce", "cce", "mse"])
def test_backward_matches_numerical_gradient(loss, binary, multiclass, rng):
    cost, backward = {
        "bce": (binary_cross_entropy, binary_cross_entropy_backward),
        "cce": (categorical_cross_entropy, categorical_cross_entropy_backward),
        "mse": (mean_squared_error, mean_squared_error_backward),
    }[loss]
    if loss == "bce":
        A, Y = sigmoid(binary[0])[0], binary[1]
    elif loss == "cce":
        A, Y = softmax(multiclass[0])[0], multiclass[1]
    else:
        A, Y = rng.standard_normal((2, 6)), rng.standard_normal((2, 6))
    A = A.copy()
    m = Y.shape[1]
    numeric = central_difference(lambda: cost(A, Y), A)
    assert rel_error(backward(A, Y) / m, numeric) < GRAD_TOL


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_from_logits_gradient_is_the_fused_delta(kind, binary, multiclass):
    """∂J/∂Z = (A − Y)/m for σ + binary CE and softmax + categorical CE, computed from logits."""
    Z, Y = binary if kind == "binary" else multiclass
    Z = Z.copy()
    cost, act = ((binary_cross_entropy_from_logits, sigmoid) if kind == "binary"
                 else (categorical_cross_entropy_from_logits, softmax))
    numeric = central_difference(lambda: cost(Z, Y), Z)
    assert rel_error(output_delta(act(Z)[0], Y) / Y.shape[1], numeric) < GRAD_TOL


def test_chain_rule_equals_fused_delta(binary, multiclass):
    """softmax_backward(CCE_backward) == A − Y and sigmoid_backward(BCE_backward) == A − Y."""
    Z, Y = multiclass
    A, cache = softmax(Z)
    np.testing.assert_allclose(softmax_backward(categorical_cross_entropy_backward(A, Y), cache),
                               output_delta(A, Y), rtol=1e-12, atol=1e-15)
    Z, Y = binary
    A, cache = sigmoid(Z)
    np.testing.assert_allclose(sigmoid_backward(binary_cross_entropy_backward(A, Y), cache),
                               A - Y, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ PyTorch oracle
def test_binary_matches_torch(binary, torch):
    F = torch.nn.functional
    Z, Y = binary
    A = sigmoid(Z)[0]
    At = torch.tensor(A, requires_grad=True)
    Jt = F.binary_cross_entropy(At, torch.tensor(Y))
    Jt.backward()
    assert binary_cross_entropy(A, Y) == pytest.approx(Jt.item(), rel=1e-13)
    np.testing.assert_allclose(binary_cross_entropy_backward(A, Y) / Y.shape[1], to_numpy(At.grad), rtol=1e-12)
    Zt = torch.tensor(Z, requires_grad=True)
    Jt = F.binary_cross_entropy_with_logits(Zt, torch.tensor(Y))
    Jt.backward()
    assert binary_cross_entropy_from_logits(Z, Y) == pytest.approx(Jt.item(), rel=1e-13)
    np.testing.assert_allclose(output_delta(A, Y) / Y.shape[1], to_numpy(Zt.grad), rtol=1e-12)


def test_categorical_matches_torch(multiclass, torch):
    F = torch.nn.functional
    Z, Y = multiclass
    A = softmax(Z)[0]
    labels = torch.tensor(Y.argmax(axis=0))
    At = torch.tensor(A, requires_grad=True)
    Jt = F.nll_loss(torch.log(At).T, labels)  # mean over the m examples
    Jt.backward()
    assert categorical_cross_entropy(A, Y) == pytest.approx(Jt.item(), rel=1e-13)
    np.testing.assert_allclose(categorical_cross_entropy_backward(A, Y) / Y.shape[1], to_numpy(At.grad), rtol=1e-12)
    Zt = torch.tensor(Z, requires_grad=True)
    Jt = F.cross_entropy(Zt.T, labels)
    Jt.backward()
    assert categorical_cross_entropy_from_logits(Z, Y) == pytest.approx(Jt.item(), rel=1e-13)
    np.testing.assert_allclose(output_delta(A, Y) / Y.shape[1], to_numpy(Zt.grad), rtol=1e-12, atol=1e-16)


def test_mse_matches_torch(rng, torch):
    """Our MSE is (1/2m)·Σ(A − Y)², i.e. torch's summed squared error / 2m."""
    A, Y = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    At = torch.tensor(A, requires_grad=True)
    Jt = torch.nn.functional.mse_loss(At, torch.tensor(Y), reduction="sum") / (2 * 5)
    Jt.backward()
    assert mean_squared_error(A, Y) == pytest.approx(Jt.item(), rel=1e-14)
    np.testing.assert_allclose(mean_squared_error_backward(A, Y) / 5, to_numpy(At.grad), rtol=1e-14)


# ------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype, multiclass, binary):
    Zc, Yc = (x.astype(dtype) for x in multiclass)
    Ac = softmax(Zc)[0]
    Zb, Yb = (x.astype(dtype) for x in binary)
    Ab = sigmoid(Zb)[0]
    for dA in (categorical_cross_entropy_backward(Ac, Yc), mean_squared_error_backward(Ac, Yc),
               output_delta(Ac, Yc), binary_cross_entropy_backward(Ab, Yb)):
        assert dA.dtype == dtype
    for J in (categorical_cross_entropy(Ac, Yc), categorical_cross_entropy_from_logits(Zc, Yc),
              binary_cross_entropy(Ab, Yb), binary_cross_entropy_from_logits(Zb, Yb), mean_squared_error(Ac, Yc)):
        assert isinstance(J, float) and math.isfinite(J)
