"""linear_forward / linear_backward: Z = W·A_prev + b; dW = dZ·A_prevᵀ/m, db = Σ dZ/m, dA_prev = Wᵀ·dZ.

Convention: backward takes the per-example dZ (m·∂J/∂Z) and returns dW, db of the MEAN cost
J = (1/m)·Σ G ⊙ Z, and the per-example dA_prev (m·∂J/∂A_prev).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error, to_numpy

from nndl.functional import linear_backward, linear_forward


def test_forward_hand_values():
    W = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = np.array([[0.5], [-1.0]])
    A_prev = np.array([[1.0, 0.0], [1.0, 2.0]])
    Z, cache = linear_forward(A_prev, W, b)
    np.testing.assert_array_equal(Z, [[3.5, 4.5], [6.0, 7.0]])
    assert cache[0] is A_prev and cache[1] is W and cache[2] is b


def test_backward_hand_values():
    W = np.array([[1.0, 2.0]])
    b = np.array([[0.0]])
    A_prev = np.array([[1.0, 3.0], [2.0, 4.0]])
    dZ = np.array([[1.0, -1.0]])
    dA_prev, dW, db = linear_backward(dZ, (A_prev, W, b))
    np.testing.assert_array_equal(dW, [[(1 - 3) / 2, (2 - 4) / 2]])
    np.testing.assert_array_equal(db, [[0.0]])
    np.testing.assert_array_equal(dA_prev, [[1.0, -1.0], [2.0, -2.0]])


def _case(rng, n_prev=4, n=3, m=5, dtype=np.float64):
    A_prev = rng.standard_normal((n_prev, m)).astype(dtype)
    W = rng.standard_normal((n, n_prev)).astype(dtype)
    b = rng.standard_normal((n, 1)).astype(dtype)
    G = rng.standard_normal((n, m)).astype(dtype)
    return A_prev, W, b, G


def test_backward_matches_numerical_gradient(rng):
    A_prev, W, b, G = _case(rng)
    m = A_prev.shape[1]

    def J():
        return float(np.sum(G * linear_forward(A_prev, W, b)[0]) / m)

    dA_prev, dW, db = linear_backward(G, linear_forward(A_prev, W, b)[1])
    assert rel_error(dW, central_difference(J, W)) < GRAD_TOL
    assert rel_error(db, central_difference(J, b)) < GRAD_TOL
    assert rel_error(dA_prev / m, central_difference(J, A_prev)) < GRAD_TOL


def test_matches_torch(rng, torch):
    A_prev, W, b, G = _case(rng, n_prev=6, n=4, m=7)
    m = A_prev.shape[1]
    Z, cache = linear_forward(A_prev, W, b)
    dA_prev, dW, db = linear_backward(G, cache)
    At, Wt, bt = (torch.tensor(x, requires_grad=True) for x in (A_prev, W, b))
    Zt = Wt @ At + bt
    (torch.tensor(G) * Zt).sum().div(m).backward()
    np.testing.assert_allclose(Z, to_numpy(Zt), rtol=1e-13)
    np.testing.assert_allclose(dW, to_numpy(Wt.grad), rtol=1e-13)
    np.testing.assert_allclose(db, to_numpy(bt.grad), rtol=1e-13)
    np.testing.assert_allclose(dA_prev, m * to_numpy(At.grad), rtol=1e-13)


def test_out_buffers_receive_the_results(rng):
    A_prev, W, b, G = _case(rng)
    Z_buf = np.empty((3, 5))
    Z, cache = linear_forward(A_prev, W, b, out=Z_buf)
    assert Z is Z_buf
    np.testing.assert_allclose(Z, W @ A_prev + b, rtol=1e-15)
    dW_buf, db_buf = np.empty_like(W), np.empty_like(b)
    dA_prev, dW, db = linear_backward(G, cache, out=(dW_buf, db_buf), compute_dA_prev=False)
    assert dA_prev is None and dW is dW_buf and db is db_buf
    np.testing.assert_allclose(dW, G @ A_prev.T / 5, rtol=1e-14)
    np.testing.assert_allclose(db, G.sum(axis=1, keepdims=True) / 5, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype, rng):
    A_prev, W, b, G = _case(rng, dtype=dtype)
    Z, cache = linear_forward(A_prev, W, b)
    dA_prev, dW, db = linear_backward(G, cache)
    assert {Z.dtype, dA_prev.dtype, dW.dtype, db.dtype} == {np.dtype(dtype)}
    assert Z.shape == (3, 5) and dA_prev.shape == (4, 5) and dW.shape == (3, 4) and db.shape == (3, 1)
