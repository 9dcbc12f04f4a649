"""Triplet loss and the style-transfer costs: the course's hand values, float64 numerical
gradients and PyTorch autograd."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error, to_numpy

from nndl.functional import (
    content_cost, gram_matrix, gram_matrix_backward, layer_style_cost, style_cost, total_cost, triplet_loss, unroll,
)


def test_triplet_loss_course_values():
    # the course's checks, with encodings as columns (the course passes rows)
    def J(a, p, n, alpha):
        return triplet_loss(np.array(a, float).T, np.array(p, float).T, np.array(n, float).T, alpha)[0]
    assert J([[1., 1.]], [[1., 1.]], [[1., 1.]], 5) == 5
    assert J([[1., 1.]], [[1., 1.]], [[0., 0.]], 3) == 1
    assert J([[1., 1.]], [[0., 0.]], [[1., 1.]], 0) == 2
    assert J([[0., 0.]], [[0., 0.]], [[0., 0.]], -2) == 0
    assert J([[1., 0.], [1., 0.]], [[1., 0.], [1., 0.]], [[0., 1.], [0., 1.]], 3) == 2
    assert J([[1., 1.], [2., 0.]], [[0., 3.], [1., 1.]], [[1., 0.], [0., 1.]], 1) == 5


def test_triplet_loss_gradients(rng, torch):
    A, P, N = (rng.standard_normal((5, 8)) for _ in range(3))
    J, (dA, dP, dN) = triplet_loss(A, P, N, alpha=1.0)
    assert 0 < J
    for x, dx in ((A, dA), (P, dP), (N, dN)):
        assert rel_error(dx, central_difference(lambda: triplet_loss(A, P, N, 1.0)[0], x)) < GRAD_TOL
    t = [torch.tensor(x, requires_grad=True) for x in (A, P, N)]
    Jt = torch.clamp(((t[0] - t[1]) ** 2).sum(0) - ((t[0] - t[2]) ** 2).sum(0) + 1.0, min=0).sum()
    Jt.backward()
    assert J == pytest.approx(Jt.item(), rel=1e-12)
    for dx, tx in zip((dA, dP, dN), t):
        np.testing.assert_allclose(dx, to_numpy(tx.grad), rtol=1e-12)
    assert triplet_loss(A.astype(np.float32), P.astype(np.float32), N.astype(np.float32))[1][0].dtype == np.float32
    with pytest.raises(ValueError, match=r"share a shape \(d, m\)"):
        triplet_loss(A, P[:, :3], N)


def test_gram_matrix_hand_values_and_gradient(rng):
    A = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]])
    np.testing.assert_array_equal(gram_matrix(A), [[5, 11, 2], [11, 25, 4], [2, 4, 1]])
    A = rng.standard_normal((3, 5))
    dG = rng.standard_normal((3, 3))
    dA = gram_matrix_backward(dG, A)
    assert rel_error(dA, central_difference(lambda: float(np.sum(dG * gram_matrix(A))), A)) < GRAD_TOL


def test_unroll_lists_each_channel_by_position():
    a = np.arange(12.0).reshape(1, 2, 2, 3)
    np.testing.assert_array_equal(unroll(a), [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]])


def test_content_cost(rng):
    a_C, a_G = rng.standard_normal((1, 4, 4, 3)), rng.standard_normal((1, 4, 4, 3))
    J, da_G = content_cost(a_C, a_G)
    assert J == pytest.approx(np.sum((a_C - a_G) ** 2) / (4 * 4 * 4 * 3))
    assert content_cost(a_C, a_C)[0] == 0  # the course's check
    assert rel_error(da_G, central_difference(lambda: content_cost(a_C, a_G)[0], a_G)) < GRAD_TOL
    with pytest.raises(ValueError, match=r"one image's activations \(1, n_H, n_W, n_C\)"):
        content_cost(a_C[0], a_G[0])


def test_layer_style_cost(rng, torch):
    a_S, a_G = rng.standard_normal((1, 4, 5, 3)), rng.standard_normal((1, 4, 5, 3))
    J, da_G = layer_style_cost(a_S, a_G)
    assert layer_style_cost(a_G, a_G)[0] == 0 and J > 0  # the course's checks
    assert rel_error(da_G, central_difference(lambda: layer_style_cost(a_S, a_G)[0], a_G)) < GRAD_TOL
    tS, tG = torch.tensor(a_S), torch.tensor(a_G, requires_grad=True)
    GS, GG = (x.reshape(-1, 3).T @ x.reshape(-1, 3) for x in (tS, tG))
    Jt = ((GS - GG) ** 2).sum() / (4 * 3 ** 2 * (4 * 5) ** 2)
    Jt.backward()
    assert J == pytest.approx(Jt.item(), rel=1e-12)
    np.testing.assert_allclose(da_G, to_numpy(tG.grad), rtol=1e-10)


def test_style_cost_weights_the_layers(rng):
    a_S = [rng.standard_normal((1, 4, 4, 2)), rng.standard_normal((1, 2, 2, 3))]
    a_G = [rng.standard_normal((1, 4, 4, 2)), rng.standard_normal((1, 2, 2, 3))]
    J, grads = style_cost(a_S, a_G, [0.3, 0.7])
    assert J == pytest.approx(0.3 * layer_style_cost(a_S[0], a_G[0])[0] + 0.7 * layer_style_cost(a_S[1], a_G[1])[0])
    for l in range(2):
        assert rel_error(grads[l], central_difference(lambda: style_cost(a_S, a_G, [0.3, 0.7])[0], a_G[l])) < GRAD_TOL
    with pytest.raises(ValueError, match="as many"):
        style_cost(a_S, a_G, [1.0])


def test_total_cost_course_values():
    assert total_cost(0.2, 0.8) == pytest.approx(34)
    assert total_cost(0.3, 0.5, 3, 8) == pytest.approx(4.9)
