"""The basic RNN: a⟨t⟩ = tanh(Wax·x⟨t⟩ + Waa·a⟨t−1⟩ + ba), and backpropagation through time.

Shapes (the course's): x (n_x, m, T_x), a0 and a⟨t⟩ (n_a, m), a (n_a, m, T_x);
parameters ``Wax (n_a, n_x)``, ``Waa (n_a, n_a)``, ``ba (n_a, 1)``.

The input projection Wax·x⟨t⟩ + ba of all T_x steps is one matrix product before the
loop; each step adds Waa·a⟨t−1⟩ in place into its own slice of the output buffer.

Backward functions take da = ∂J/∂a (whatever normalisation the cost used, e.g. its 1/m)
and return ∂J/∂x, ∂J/∂a0 and ∂J/∂parameters, with the parameters' keys and shapes.
The cell functions are the sequence functions with T_x = 1 (one home for the equation).
"""

from __future__ import annotations

import numpy as np

from . import _input_projection
from ._sequence import check_param, check_sequence, from_rows, initial_state, to_rows, upstream_rows

Array = np.ndarray


def rnn_forward(x: Array, a0: Array | None, params: dict) -> tuple[Array, tuple]:
    """a⟨t⟩ = tanh(Wax·x⟨t⟩ + Waa·a⟨t−1⟩ + ba) for t = 1 … T_x.

    x: (n_x, m, T_x) float; a0: (n_a, m) or None for zeros; params: Wax (n_a, n_x),
    Waa (n_a, n_a), ba (n_a, 1). Returns (a (n_a, m, T_x), cache); a keeps x's dtype.
    """
    x = check_sequence(x)
    n_x, m, T = x.shape
    Waa = np.asarray(params.get("Waa", np.empty((0, 0))))
    n_a = Waa.shape[0]
    Wax = check_param(params, "Wax", (n_a, n_x))
    Waa = check_param(params, "Waa", (n_a, n_a))
    ba = check_param(params, "ba", (n_a, 1))
    dtype = x.dtype
    X = to_rows(x)                                                   # (T, m, n_x)
    A, ids = _input_projection.project(X.reshape(T * m, n_x), Wax.T.astype(dtype, copy=False),
                                       ba[:, 0].astype(dtype, copy=False))
    A = A.reshape(T, m, n_a)                                         # Wax·x⟨t⟩ + ba for all t at once
    a_prev = initial_state(a0, n_a, m, dtype)
    WaaT = Waa.T.astype(dtype, copy=False)
    step = np.empty((m, n_a), dtype=dtype)
    for t in range(T):
        A[t] += np.matmul(a_prev, WaaT, out=step)
        np.tanh(A[t], out=A[t])
        a_prev = A[t]
    a0_rows = initial_state(a0, n_a, m, dtype)
    return from_rows(A), (X, A, a0_rows, Wax, Waa, ids)


def rnn_backward(da: Array, cache: tuple) -> tuple[Array, Array, dict]:
    """Backpropagation through time for ``rnn_forward``.

    dz⟨t⟩ = (da⟨t⟩ + Waaᵀ·dz⟨t+1⟩) ⊙ (1 − a⟨t⟩²);  dWax = Σ_t dz⟨t⟩·x⟨t⟩ᵀ,
    dWaa = Σ_t dz⟨t⟩·a⟨t−1⟩ᵀ, dba = Σ_t Σ_m dz⟨t⟩, dx⟨t⟩ = Waxᵀ·dz⟨t⟩, da0 = Waaᵀ·dz⟨1⟩.

    da: (n_a, m, T_x), ∂J/∂a at every step. Returns (dx (n_x, m, T_x), da0 (n_a, m),
    grads {Wax, Waa, ba}).
    """
    X, A, a0_rows, Wax, Waa, ids = cache
    T, m, n_a = A.shape
    n_x = X.shape[2]
    dZ = upstream_rows(da, (n_a, m, T), A.dtype)                     # (T, m, n_a), a copy we own
    Waa_ = Waa.astype(A.dtype, copy=False)
    da_next = np.zeros((m, n_a), dtype=A.dtype)
    for t in range(T - 1, -1, -1):
        g = dZ[t]
        g += da_next                                                # da⟨t⟩ from the loss and from t+1
        g *= 1 - A[t] * A[t]                                        # through tanh
        da_next = g @ Waa_
    dZ2 = dZ.reshape(T * m, n_a)
    dWax, dba = _input_projection.input_gradients(dZ2, X.reshape(T * m, n_x), ids)
    dWaa = dZ[0].T @ a0_rows
    if T > 1:
        dWaa += dZ[1:].reshape(-1, n_a).T @ A[:-1].reshape(-1, n_a)
    dba = dba[:, None]
    dx = from_rows((dZ2 @ Wax.astype(A.dtype, copy=False)).reshape(T, m, n_x))
    return dx, np.ascontiguousarray(da_next.T), {"Wax": dWax, "Waa": dWaa, "ba": dba}


def rnn_cell_forward(xt: Array, a_prev: Array, params: dict) -> tuple[Array, tuple]:
    """One step a_next = tanh(Wax·xt + Waa·a_prev + ba).  xt (n_x, m), a_prev (n_a, m).

    Returns (a_next (n_a, m), cache)."""
    xt = np.asarray(xt)
    if xt.ndim != 2:
        raise ValueError(f"xt must have shape (n_x, m), got {xt.shape}")
    a, cache = rnn_forward(xt[:, :, None], a_prev, params)
    return a[:, :, 0], cache


def rnn_cell_backward(da_next: Array, cache: tuple) -> tuple[Array, Array, dict]:
    """Gradients of one step from da_next = ∂J/∂a_next (n_a, m).

    Returns (dxt (n_x, m), da_prev (n_a, m), grads {Wax, Waa, ba})."""
    dx, da_prev, grads = rnn_backward(np.asarray(da_next)[:, :, None], cache)
    return dx[:, :, 0], da_prev, grads
