"""TimeDistributed takes a recurrent layer's time-major output (a view of (T, m, n) memory)
without copying it, and a dense layer's dA_prev keeps its input's layout: the same numbers as
with contiguous (n, m, T) sequences, checked against each other and numerically."""

from __future__ import annotations

import numpy as np

import nndl
from nndl.functional import linear_backward, linear_forward


def test_dA_prev_keeps_the_layout_of_A_prev(rng):
    W, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 1))
    rows = rng.standard_normal((10, 3))  # ten examples stored one after another
    dZ = rng.standard_normal((4, 10))
    for A_prev in (rows.T, np.ascontiguousarray(rows.T)):
        _, cache = linear_forward(A_prev, W, b)
        dA_prev, dW, db = linear_backward(dZ, cache)
        np.testing.assert_allclose(dA_prev, W.T @ dZ, rtol=1e-13)
        np.testing.assert_allclose(dW, dZ @ rows / 10, rtol=1e-13)
        assert dA_prev.flags.f_contiguous == (not A_prev.flags.c_contiguous)


def test_time_distributed_on_time_major_and_contiguous_sequences_agree(rng):
    n, m, T, V = 3, 4, 5, 6
    rows = rng.standard_normal((T, m, n))
    seq_view = np.transpose(rows, (2, 1, 0))  # (n, m, T), time-major memory, as an LSTM returns
    seq = np.ascontiguousarray(seq_view)
    G = rng.standard_normal((V, m, T))
    results = []
    for X in (seq_view, seq):
        layer = nndl.TimeDistributed(nndl.Dense(V, activation="tanh"))
        layer.build((n, T), np.random.default_rng(0), np.float64, 1)
        A = layer.forward(X, training=True)
        dX = layer.backward(G)
        results.append((A, dX, layer.inner.grads["dW"].copy(), layer.inner.grads["db"].copy(), layer.Z))
    assert results[0][1].flags.c_contiguous is False  # time-major in, time-major gradient out
    assert np.transpose(results[0][1], (2, 1, 0)).flags.c_contiguous
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_lstm_then_time_distributed_gradient_check(rng):
    V, n_a, m, T = 5, 4, 3, 4
    ids = rng.integers(0, V, (m, T + 1))
    X = np.eye(V)[ids[:, :T]].transpose(2, 0, 1)  # (V, m, T) one-hot
    model = nndl.Sequential([nndl.LSTM(n_a, return_sequences=True),
                             nndl.TimeDistributed(nndl.Dense(V, activation="softmax"))], dtype="float64", seed=1)
    model.build((V, T))
    result = nndl.gradcheck(model, X, ids[:, 1:], max_checks_per_param=40)
    assert result.passed, str(result)
