"""L2 weight decay, inverted dropout, gradient clipping."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error, to_numpy

from nndl.functional import (
    clip_by_global_norm, clip_by_value, dropout_backward, dropout_forward, global_norm, l1_cost,
    l1_grad, l2_cost, l2_grad,
)


# ------------------------------------------------------------------ L2
def test_l2_hand_values():
    W1, W2 = np.array([[1.0, 2.0]]), np.array([[3.0], [-1.0]])
    # (λ / 2m)·(1 + 4 + 9 + 1) with λ = 0.7, m = 5
    assert l2_cost([W1, W2], 0.7, 5) == pytest.approx(0.7 / 10 * 15, rel=1e-15)
    np.testing.assert_allclose(l2_grad(W2, 0.7, 5), [[0.42], [-0.14]], rtol=1e-15)
    assert l2_cost([W1], 0.0, 5) == 0.0


def test_l2_grad_matches_numerical_gradient(rng):
    W = rng.standard_normal((3, 4))
    numeric = central_difference(lambda: l2_cost([W], 0.3, 7), W)
    assert rel_error(l2_grad(W, 0.3, 7), numeric) < GRAD_TOL


def test_l2_matches_torch(rng, torch):
    Ws = [rng.standard_normal((3, 4)), rng.standard_normal((2, 3))]
    Wt = [torch.tensor(W, requires_grad=True) for W in Ws]
    Jt = 0.3 / (2 * 7) * sum((W ** 2).sum() for W in Wt)
    Jt.backward()
    assert l2_cost(Ws, 0.3, 7) == pytest.approx(Jt.item(), rel=1e-14)
    for W, t in zip(Ws, Wt):
        np.testing.assert_allclose(l2_grad(W, 0.3, 7), to_numpy(t.grad), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_l2_grad_keeps_dtype(dtype):
    assert l2_grad(np.ones((2, 2), dtype), 0.1, 3).dtype == dtype


# ------------------------------------------------------------------ L1
def test_l1_hand_values():
    W1, W2 = np.array([[1.0, -2.0]]), np.array([[3.0], [0.0]])
    # (λ₁ / m)·(1 + 2 + 3 + 0) with λ₁ = 0.7, m = 5
    assert l1_cost([W1, W2], 0.7, 5) == pytest.approx(0.7 / 5 * 6, rel=1e-15)
    np.testing.assert_allclose(l1_grad(W1, 0.7, 5), [[0.14, -0.14]], rtol=1e-15)
    np.testing.assert_allclose(l1_grad(W2, 0.7, 5), [[0.14], [0.0]], rtol=1e-15)
    assert l1_grad(W2, 0.7, 5)[1, 0] == 0.0  # the subgradient 0 at W = 0
    assert l1_cost([W1], 0.0, 5) == 0.0


def test_l1_grad_matches_numerical_gradient(rng):
    W = rng.standard_normal((3, 4))
    W[np.abs(W) < 0.1] = 0.5  # |W| away from the kink at 0, where the cost is not differentiable
    numeric = central_difference(lambda: l1_cost([W], 0.3, 7), W)
    assert rel_error(l1_grad(W, 0.3, 7), numeric) < GRAD_TOL


def test_l1_matches_torch(rng, torch):
    Ws = [rng.standard_normal((3, 4)), rng.standard_normal((2, 3))]
    Wt = [torch.tensor(W, requires_grad=True) for W in Ws]
    Jt = 0.3 / 7 * sum(W.abs().sum() for W in Wt)
    Jt.backward()
    assert l1_cost(Ws, 0.3, 7) == pytest.approx(Jt.item(), rel=1e-14)
    for W, t in zip(Ws, Wt):
        np.testing.assert_allclose(l1_grad(W, 0.3, 7), to_numpy(t.grad), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_l1_grad_keeps_dtype(dtype):
    assert l1_grad(np.ones((2, 2), dtype), 0.1, 3).dtype == dtype


# ------------------------------------------------------------------ dropout
def test_dropout_with_fixed_mask_hand_values():
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    D = np.array([[1, 0], [0, 1]])
    out, cache = dropout_forward(A, 0.5, D=D)
    np.testing.assert_array_equal(out, [[2.0, 0.0], [0.0, 8.0]])
    np.testing.assert_array_equal(cache, D)
    np.testing.assert_array_equal(dropout_backward(np.ones_like(A), cache, 0.5), [[2.0, 0.0], [0.0, 2.0]])


def test_dropout_backward_matches_numerical_gradient_and_torch(rng, torch):
    A = rng.standard_normal((4, 6))
    G = rng.standard_normal((4, 6))
    D = (rng.random((4, 6)) < 0.7).astype(np.float64)
    out, cache = dropout_forward(A, 0.7, D=D)
    dA = dropout_backward(G, cache, 0.7)
    numeric = central_difference(lambda: float(np.sum(G * dropout_forward(A, 0.7, D=D)[0])), A)
    assert rel_error(dA, numeric) < GRAD_TOL
    At = torch.tensor(A, requires_grad=True)
    outt = At * torch.tensor(D) / 0.7  # torch's dropout with this mask
    outt.backward(torch.tensor(G))
    np.testing.assert_allclose(out, to_numpy(outt), rtol=1e-15)
    np.testing.assert_allclose(dA, to_numpy(At.grad), rtol=1e-15)


def test_dropout_keeps_the_expected_value():
    A = np.ones((100, 1000))
    out, D = dropout_forward(A, 0.8, np.random.default_rng(3))
    # mean of 1e5 scaled Bernoulli(0.8) draws: standard error 0.5/316 ≈ 0.0016
    assert abs(out.mean() - 1.0) < 0.01
    assert abs(D.mean() - 0.8) < 0.01
    assert set(np.unique(out)) == {0.0, 1.25}


def test_dropout_same_seed_same_mask():
    A = np.ones((5, 7), np.float32)
    a, _ = dropout_forward(A, 0.5, np.random.default_rng(1))
    b, _ = dropout_forward(A, 0.5, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_keeps_dtype(dtype):
    A = np.ones((3, 4), dtype)
    out, D = dropout_forward(A, 0.5, np.random.default_rng(0))
    assert out.dtype == dtype and D.dtype == dtype
    assert dropout_backward(A, D, 0.5).dtype == dtype


def test_dropout_errors():
    A = np.ones((2, 3))
    for keep_prob in (0.0, 1.5, -0.1):
        with pytest.raises(ValueError, match=r"keep_prob must be in \(0, 1\]"):
            dropout_forward(A, keep_prob, np.random.default_rng(0))
    with pytest.raises(ValueError, match="needs an rng or a mask"):
        dropout_forward(A, 0.5)
    with pytest.raises(ValueError, match=r"mask has shape \(3, 2\), expected A's shape \(2, 3\)"):
        dropout_forward(A, 0.5, D=np.ones((3, 2)))


# ------------------------------------------------------------------ clipping
def test_clip_by_value_in_place():
    grads = {"dW1": np.array([[-3.0, 0.5]]), "db1": np.array([[2.0]])}
    arr = grads["dW1"]
    assert clip_by_value(grads, 1.0) is grads
    assert grads["dW1"] is arr
    np.testing.assert_array_equal(arr, [[-1.0, 0.5]])
    np.testing.assert_array_equal(grads["db1"], [[1.0]])
    with pytest.raises(ValueError, match="clip_value must be positive"):
        clip_by_value(grads, 0.0)


def test_clip_by_global_norm():
    grads = {"dW1": np.array([[3.0]]), "db1": np.array([[4.0]])}
    assert global_norm(grads) == 5.0
    assert clip_by_global_norm(grads, 10.0) == 5.0  # under the limit: unchanged
    np.testing.assert_array_equal(grads["dW1"], [[3.0]])
    assert clip_by_global_norm(grads, 1.0) == 5.0
    np.testing.assert_allclose([grads["dW1"][0, 0], grads["db1"][0, 0]], [0.6, 0.8], rtol=1e-15)
    g32 = {"dW": np.full((2, 2), 10.0, np.float32)}
    clip_by_global_norm(g32, 1.0)
    assert g32["dW"].dtype == np.float32 and global_norm(g32) == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(ValueError, match="max_norm must be positive"):
        clip_by_global_norm(grads, -1.0)


def test_dropout_forward_takes_a_legacy_random_state():
    A = np.ones((3, 4))
    out, D = dropout_forward(A, 0.5, rng=np.random.RandomState(1))
    np.testing.assert_array_equal(D, np.random.RandomState(1).random_sample((3, 4)) < 0.5)
    np.testing.assert_array_equal(out, D * 2.0)


def test_clip_by_global_norm_just_above_the_limit():
    """A norm between max_norm and 2·max_norm is clipped too (a doubled threshold would not)."""
    grads = {"dW1": np.array([[3.0, 0.0]]), "db1": np.array([[4.0]])}   # ‖g‖ = 5
    assert clip_by_global_norm(grads, 4.0) == 5.0
    assert global_norm(grads) == pytest.approx(4.0, rel=1e-12)
    np.testing.assert_allclose(grads["dW1"], [[2.4, 0.0]], rtol=1e-12)
    grads = {"dW1": np.array([[3.0, 0.0]]), "db1": np.array([[4.0]])}
    clip_by_global_norm(grads, 4.999)
    assert global_norm(grads) == pytest.approx(4.999, rel=1e-12)
    grads = {"dW1": np.array([[3.0, 0.0]]), "db1": np.array([[4.0]])}
    clip_by_global_norm(grads, 5.0)                                     # exactly at the limit: unchanged
    np.testing.assert_array_equal(grads["db1"], [[4.0]])
