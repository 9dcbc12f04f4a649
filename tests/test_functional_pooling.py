"""Max, average and global average pooling, checked against naive loops (kept only here),
float64 central differences, PyTorch's max_pool2d / avg_pool2d and hand-checked values."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error, to_numpy

from nndl.functional import global_avg_pool_backward, global_avg_pool_forward, pool_backward, pool_forward

# (n_H, n_W, n_C, f, stride): tiling, overlapping (stride < f), skipping (stride > f),
# windows that do not tile the input (odd sizes), f = 1.
CASES = [(4, 4, 2, 2, 2), (7, 9, 3, 3, 2), (6, 7, 2, 3, 1), (9, 8, 2, 2, 3), (5, 5, 1, 2, 2),
         (7, 5, 2, 1, 2), (8, 8, 3, 4, 4)]


def naive_pool(A_prev, f, stride, mode):
    m, H, W, C = A_prev.shape
    n_H, n_W = (H - f) // stride + 1, (W - f) // stride + 1
    A = np.zeros((m, n_H, n_W, C))
    reduce = np.max if mode == "max" else np.mean
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(C):
                    A[i, h, w, c] = reduce(A_prev[i, h * stride:h * stride + f, w * stride:w * stride + f, c])
    return A


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", CASES)
def test_forward_matches_naive_loops(rng, case, mode):
    n_H, n_W, C, f, s = case
    A_prev = rng.standard_normal((2, n_H, n_W, C))
    A, _ = pool_forward(A_prev, f, s, mode)
    np.testing.assert_allclose(A, naive_pool(A_prev, f, s, mode), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", CASES)
def test_backward_matches_numerical_gradient(rng, case, mode):
    n_H, n_W, C, f, s = case
    A_prev = rng.standard_normal((2, n_H, n_W, C))  # distinct values: max is differentiable
    G = rng.standard_normal(pool_forward(A_prev, f, s, mode)[0].shape)

    def J():
        return float(np.sum(G * pool_forward(A_prev, f, s, mode)[0]))

    dA_prev = pool_backward(G, pool_forward(A_prev, f, s, mode)[1])
    assert rel_error(dA_prev, central_difference(J, A_prev)) < GRAD_TOL


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", CASES)
def test_matches_torch(rng, torch, case, mode):
    n_H, n_W, C, f, s = case
    # values rounded to a coarse grid after a ReLU: ties inside windows, as after a real ReLU
    A_prev = np.maximum(np.round(rng.standard_normal((3, n_H, n_W, C)) * 2) / 2, 0)
    At = torch.tensor(A_prev.transpose(0, 3, 1, 2), requires_grad=True)
    pool = torch.nn.functional.max_pool2d if mode == "max" else torch.nn.functional.avg_pool2d
    At_out = pool(At, f, s)
    A, cache = pool_forward(A_prev, f, s, mode)
    np.testing.assert_allclose(A, to_numpy(At_out).transpose(0, 2, 3, 1), rtol=1e-14)
    G = rng.standard_normal(A.shape)
    At_out.backward(torch.tensor(G.transpose(0, 3, 1, 2)))
    # ties: the gradient goes to the first maximum of each window, as in PyTorch
    np.testing.assert_allclose(pool_backward(G, cache), to_numpy(At.grad).transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-15)


def test_hand_checked_values():
    A_prev = np.array([[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 1.0, 5.0], [0.0, 1.0, 7.0, 7.0],
                       [2.0, 3.0, 7.0, 6.0]]).reshape(1, 4, 4, 1)
    A, cache = pool_forward(A_prev, 2)
    assert A[0, :, :, 0].tolist() == [[4.0, 5.0], [3.0, 7.0]]
    dA_prev = pool_backward(np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1), cache)
    # the tie of three 7s sends its gradient to the first one only
    assert dA_prev[0, :, :, 0].tolist() == [[0, 0, 0, 0], [1, 0, 0, 2], [0, 0, 4, 0], [0, 3, 0, 0]]
    avg, cache = pool_forward(A_prev, 2, mode="average")
    assert avg[0, :, :, 0].tolist() == [[2.5, 2.0], [1.5, 6.75]]
    assert pool_backward(np.ones((1, 2, 2, 1)), cache).ravel().tolist() == [0.25] * 16
    # overlapping windows add up: a 3×3 image, 2×2 windows, stride 1
    _, cache = pool_forward(np.ones((1, 3, 3, 1)), 2, 1, "average")
    assert pool_backward(np.ones((1, 2, 2, 1)), cache)[0, :, :, 0].tolist() == [[0.25, 0.5, 0.25],
                                                                                 [0.5, 1.0, 0.5],
                                                                                 [0.25, 0.5, 0.25]]


def test_global_average_pooling(rng, torch):
    A_prev = rng.standard_normal((3, 4, 5, 6))
    A, cache = global_avg_pool_forward(A_prev)
    assert A.shape == (6, 3)
    np.testing.assert_allclose(A, A_prev.mean(axis=(1, 2)).T, rtol=1e-14)
    G = rng.standard_normal((6, 3))

    def J():
        return float(np.sum(G * global_avg_pool_forward(A_prev)[0]))

    dA_prev = global_avg_pool_backward(G, cache)
    assert dA_prev.shape == A_prev.shape
    assert rel_error(dA_prev, central_difference(J, A_prev)) < GRAD_TOL
    At = torch.tensor(A_prev, requires_grad=True)
    At.mean(dim=(1, 2)).T.backward(torch.tensor(G))
    np.testing.assert_allclose(dA_prev, to_numpy(At.grad), rtol=1e-14)
    with pytest.raises(ValueError, match=r"dA must have shape \(6, 3\)"):
        global_avg_pool_backward(G.T, cache)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["max", "average"])
def test_keeps_the_dtype(rng, dtype, mode):
    A_prev = rng.standard_normal((2, 6, 6, 3)).astype(dtype)
    A, cache = pool_forward(A_prev, 2, mode=mode)
    assert A.dtype == dtype and pool_backward(np.ones_like(A), cache).dtype == dtype
    assert global_avg_pool_forward(A_prev)[0].dtype == dtype


def test_errors():
    with pytest.raises(ValueError, match="does not fit"):
        pool_forward(np.ones((1, 3, 3, 1)), 4)
    with pytest.raises(ValueError, match="mode must be one of"):
        pool_forward(np.ones((1, 4, 4, 1)), 2, mode="min")
    with pytest.raises(ValueError, match=r"\(m, n_H, n_W, n_C\)"):
        pool_forward(np.ones((4, 4)), 2)
    _, cache = pool_forward(np.ones((1, 4, 4, 1)), 2)
    with pytest.raises(ValueError, match=r"pooled output's shape \(1, 2, 2, 1\)"):
        pool_backward(np.ones((1, 3, 3, 1)), cache)
