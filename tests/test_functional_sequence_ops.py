"""Embedding lookup, per-step softmax cross-entropy with a padding mask, and the deep and
bidirectional wrappers: numerical gradients (float64), PyTorch as the oracle, hand values."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error

from nndl.functional import (
    bidirectional_backward, bidirectional_forward, deep_rnn_backward, deep_rnn_forward,
    embedding_backward, embedding_forward, lstm_forward, sequence_softmax_cross_entropy,
    sequence_softmax_cross_entropy_backward,
)


def test_embedding_hand_values_and_scatter_add():
    E = np.arange(6.0).reshape(2, 3)          # columns: word 0 → (0, 3), 1 → (1, 4), 2 → (2, 5)
    ids = np.array([[2, 0, 2]])
    e, cache = embedding_forward(ids, E)
    assert e.shape == (2, 1, 3)
    np.testing.assert_array_equal(e[:, 0, :], [[2, 0, 2], [5, 3, 5]])
    dE = embedding_backward(np.ones((2, 1, 3)), cache)
    np.testing.assert_array_equal(dE, [[1, 0, 2], [1, 0, 2]])   # word 2 used twice, word 1 never


def test_embedding_gradient_and_errors(rng):
    E = rng.standard_normal((3, 5))
    ids = rng.integers(0, 5, size=(4, 6))
    G = rng.standard_normal((3, 4, 6))

    def J():
        return float(np.sum(G * embedding_forward(ids, E)[0]))

    dE = embedding_backward(G, embedding_forward(ids, E)[1])
    assert rel_error(dE, central_difference(J, E)) < GRAD_TOL
    assert embedding_forward(ids, E.astype(np.float32))[0].dtype == np.float32
    with pytest.raises(ValueError, match=r"\[0, 5\).*\[0, 7\]"):
        embedding_forward(np.array([[0, 7]]), E)
    with pytest.raises(ValueError, match="integers"):
        embedding_forward(np.array([[0.0, 1.0]]), E)


def test_embedding_matches_torch(rng, torch):
    E = rng.standard_normal((3, 7))
    ids = rng.integers(0, 7, size=(4, 5))
    emb = torch.nn.Embedding(7, 3, dtype=torch.float64)
    with torch.no_grad():
        emb.weight.copy_(torch.tensor(E.T))
    out = emb(torch.tensor(ids))                       # (m, T, n_e)
    G = rng.standard_normal((3, 4, 5))
    out.backward(torch.tensor(G.transpose(1, 2, 0)))
    e, cache = embedding_forward(ids, E)
    np.testing.assert_array_equal(e, out.detach().numpy().transpose(2, 0, 1))
    np.testing.assert_allclose(embedding_backward(G, cache), emb.weight.grad.numpy().T, rtol=1e-12)


def test_sequence_loss_hand_values():
    # two classes, logits (0, 0) → p = ½ at every step; the second step is padding
    Z = np.zeros((2, 1, 2))
    J, cache = sequence_softmax_cross_entropy(Z, np.array([[1, 0]]), np.array([[1, 0]]))
    assert J == pytest.approx(np.log(2.0))
    dZ = sequence_softmax_cross_entropy_backward(cache)
    np.testing.assert_allclose(dZ[:, 0, 0], [0.5, -0.5])
    np.testing.assert_array_equal(dZ[:, 0, 1], 0.0)


def test_sequence_loss_gradient_with_mask(rng):
    Z = rng.standard_normal((4, 3, 5))
    Y = rng.integers(0, 4, size=(3, 5))
    mask = (rng.random((3, 5)) > 0.3).astype(float)
    mask[0, 0] = 1
    Y[mask == 0] = 99                                  # padded targets are never read

    def J():
        return sequence_softmax_cross_entropy(Z, Y, mask)[0]

    dZ = sequence_softmax_cross_entropy_backward(sequence_softmax_cross_entropy(Z, Y, mask)[1])
    assert rel_error(dZ, central_difference(J, Z)) < GRAD_TOL


def test_sequence_loss_matches_torch(rng, torch):
    Z = rng.standard_normal((5, 3, 4))
    Y = rng.integers(0, 5, size=(3, 4))
    mask = np.ones((3, 4))
    mask[2, 2:] = 0
    ref = torch.nn.functional.cross_entropy(torch.tensor(Z.transpose(1, 0, 2)),
                                            torch.tensor(np.where(mask > 0, Y, -100)))
    assert sequence_softmax_cross_entropy(Z, Y, mask)[0] == pytest.approx(float(ref), rel=1e-12)


def test_sequence_loss_errors():
    with pytest.raises(ValueError, match=r"Y must be integer targets of shape \(m, T_y\) = \(1, 2\)"):
        sequence_softmax_cross_entropy(np.zeros((2, 1, 2)), np.zeros((2, 1), dtype=int))
    with pytest.raises(ValueError, match="keeps no position"):
        sequence_softmax_cross_entropy(np.zeros((2, 1, 2)), np.zeros((1, 2), dtype=int), np.zeros((1, 2)))


def _lstm_params(rng, n_x, n_a):
    return {f"W{g}": 0.5 * rng.standard_normal((n_a, n_a + n_x)) for g in "fico"} | \
           {f"b{g}": 0.5 * rng.standard_normal((n_a, 1)) for g in "fico"}


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_bidirectional_gradients_both_directions(rng, kind):
    n_x, n_a, m, T = 2, 3, 2, 4
    if kind == "lstm":
        pf, pb = _lstm_params(rng, n_x, n_a), _lstm_params(rng, n_x, n_a)
    elif kind == "gru":
        mk = lambda: {f"W{g}": 0.5 * rng.standard_normal((n_a, n_a + n_x)) for g in "urc"} | \
            {f"b{g}": 0.5 * rng.standard_normal((n_a, 1)) for g in "urc"}  # noqa: E731
        pf, pb = mk(), mk()
    else:
        mk = lambda: {"Wax": rng.standard_normal((n_a, n_x)), "Waa": 0.5 * rng.standard_normal((n_a, n_a)),  # noqa: E731
                      "ba": rng.standard_normal((n_a, 1))}
        pf, pb = mk(), mk()
    x = rng.standard_normal((n_x, m, T))
    G = rng.standard_normal((2 * n_a, m, T))

    def J():
        return float(np.sum(G * bidirectional_forward(x, pf, pb, kind)[0]))

    a, cache = bidirectional_forward(x, pf, pb, kind)
    dx, gf, gb = bidirectional_backward(G, cache)
    assert rel_error(dx, central_difference(J, x)) < GRAD_TOL
    for p, g in ((pf, gf), (pb, gb)):
        for k in p:
            assert rel_error(g[k], central_difference(J, p[k])) < GRAD_TOL, k


def test_bidirectional_backward_direction_reads_the_future(rng):
    pf, pb = _lstm_params(rng, 2, 3), _lstm_params(rng, 2, 3)
    x = rng.standard_normal((2, 1, 5))
    a, _ = bidirectional_forward(x, pf, pb)
    a_rev, _, _ = lstm_forward(x[:, :, ::-1], None, pb)
    np.testing.assert_allclose(a[3:, :, 0], a_rev[:, :, -1])     # a←⟨1⟩ has read the whole sequence
    np.testing.assert_allclose(a[:3], lstm_forward(x, None, pf)[0])


def test_bidirectional_matches_torch(rng, torch):
    n_x, n, m, T = 3, 4, 2, 5
    net = torch.nn.LSTM(n_x, n, bidirectional=True, num_layers=2, dtype=torch.float64)
    sd = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    rows = {"i": slice(0, n), "f": slice(n, 2 * n), "c": slice(2 * n, 3 * n), "o": slice(3 * n, 4 * n)}

    def params(suffix):
        return {k: v for g, r in rows.items() for k, v in (
            ("W" + g, np.hstack([sd["weight_hh_" + suffix][r], sd["weight_ih_" + suffix][r]])),
            ("b" + g, (sd["bias_ih_" + suffix] + sd["bias_hh_" + suffix])[r, None]))}

    x = rng.standard_normal((n_x, m, T))
    a1, _ = bidirectional_forward(x, params("l0"), params("l0_reverse"))
    a2, _ = bidirectional_forward(a1, params("l1"), params("l1_reverse"))
    ref, _ = net(torch.tensor(np.ascontiguousarray(x.transpose(2, 1, 0))))
    np.testing.assert_allclose(a2, ref.detach().numpy().transpose(2, 1, 0), rtol=1e-10, atol=1e-12)


def test_deep_gradients(rng):
    layers = [_lstm_params(rng, 2, 3), _lstm_params(rng, 3, 4)]
    x = rng.standard_normal((2, 2, 3))
    G = rng.standard_normal((4, 2, 3))

    def J():
        return float(np.sum(G * deep_rnn_forward(x, layers)[0]))

    a, cache = deep_rnn_forward(x, layers)
    dx, grads = deep_rnn_backward(G, cache)
    assert rel_error(dx, central_difference(J, x)) < GRAD_TOL
    for p, g in zip(layers, grads):
        for k in ("Wf", "bo"):
            assert rel_error(g[k], central_difference(J, p[k])) < GRAD_TOL
    with pytest.raises(ValueError, match="unknown recurrent kind"):
        deep_rnn_forward(x, layers, kind="transformer")
