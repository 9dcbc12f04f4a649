"""The GRU, as the course writes it, and the ``reset_after`` variant of PyTorch and cuDNN.

Course form (the relevance gate applied to c⟨t−1⟩ before the product), c⟨t⟩ = a⟨t⟩:

    Γu = σ(Wu·[c⟨t−1⟩; x⟨t⟩] + bu)            update gate
    Γr = σ(Wr·[c⟨t−1⟩; x⟨t⟩] + br)            relevance gate
    c̃  = tanh(Wc·[Γr ⊙ c⟨t−1⟩; x⟨t⟩] + bc)
    c⟨t⟩ = Γu ⊙ c̃ + (1 − Γu) ⊙ c⟨t−1⟩

``reset_after=True`` applies the relevance gate after the recurrent product, with its own
recurrent bias ``bch (n_a, 1)``:  c̃ = tanh(Wc_x·x⟨t⟩ + bc + Γr ⊙ (Wc_c·c⟨t−1⟩ + bch)),
so each step needs one recurrent product instead of two.

Parameters: ``Wu, Wr, Wc (n_a, n_a + n_x)`` (columns ``[:n_a]`` on c⟨t−1⟩, ``[n_a:]`` on
x⟨t⟩), ``bu, br, bc (n_a, 1)`` and, with reset_after, ``bch (n_a, 1)``.

PyTorch's ``nn.GRU`` (gate order r, z, n; h⟨t⟩ = (1 − z) ⊙ n + z ⊙ h⟨t−1⟩, so z = 1 − Γu)
is the reset_after form with, for n = n_a:
``Wr = [weight_hh[0:n] | weight_ih[0:n]]``, ``br = bias_ih[0:n] + bias_hh[0:n]``,
``Wu = −[weight_hh[n:2n] | weight_ih[n:2n]]``, ``bu = −(bias_ih[n:2n] + bias_hh[n:2n])``
(σ(−z) = 1 − σ(z)), ``Wc = [weight_hh[2n:3n] | weight_ih[2n:3n]]``, ``bc = bias_ih[2n:3n]``,
``bch = bias_hh[2n:3n]``.
"""

from __future__ import annotations

import numpy as np

from . import _input_projection
from ._sequence import (
    check_param, check_sequence, from_rows, initial_state, sigmoid_, to_rows, upstream_rows,
)

Array = np.ndarray


def _stacked(params: dict, n_x: int, dtype, reset_after: bool):
    Wu = np.asarray(params.get("Wu", np.empty((0, 0))))
    n_a = Wu.shape[0]
    W = np.concatenate([check_param(params, k, (n_a, n_a + n_x)) for k in ("Wu", "Wr", "Wc")])
    b = np.concatenate([check_param(params, k, (n_a, 1)) for k in ("bu", "br", "bc")])[:, 0]
    bch = check_param(params, "bch", (n_a, 1))[:, 0].astype(dtype) if reset_after else None
    return n_a, W.astype(dtype, copy=False), b.astype(dtype, copy=False), bch


def gru_forward(x: Array, a0: Array | None, params: dict,
                reset_after: bool = False) -> tuple[Array, tuple]:
    """The GRU over all T_x steps (equations in the module docstring).

    x: (n_x, m, T_x) float; a0: (n_a, m) or None for zeros; params as in the module
    docstring. Returns (a (n_a, m, T_x), cache), in x's dtype.
    """
    x = check_sequence(x)
    n_x, m, T = x.shape
    dtype = x.dtype
    n, W, b, bch = _stacked(params, n_x, dtype, reset_after)
    Wa, Wx = W[:, :n], W[:, n:]
    X = to_rows(x)
    G, ids = _input_projection.project(X.reshape(T * m, n_x), Wx.T, b)   # x-parts of all steps at once
    G = G.reshape(T, m, 3 * n)
    A = np.empty((T, m, n), dtype=dtype)
    R = np.empty_like(A)          # course: Γr ⊙ c⟨t−1⟩;  reset_after: Wc_c·c⟨t−1⟩ + bch
    a_prev = a0_rows = initial_state(a0, n, m, dtype)
    WurT = np.ascontiguousarray(Wa[:2 * n].T)
    WccT = np.ascontiguousarray(Wa[2 * n:].T)
    WaT = np.ascontiguousarray(Wa.T)
    step = np.empty((m, 3 * n), dtype=dtype)
    for t in range(T):
        g = G[t]
        if reset_after:
            np.matmul(a_prev, WaT, out=step)
            g[:, :2 * n] += step[:, :2 * n]
            sigmoid_(g[:, :2 * n])
            np.add(step[:, 2 * n:], bch, out=R[t])
            g[:, 2 * n:] += g[:, n:2 * n] * R[t]
        else:
            g[:, :2 * n] += np.matmul(a_prev, WurT, out=step[:, :2 * n])
            sigmoid_(g[:, :2 * n])
            np.multiply(g[:, n:2 * n], a_prev, out=R[t])
            g[:, 2 * n:] += np.matmul(R[t], WccT, out=step[:, 2 * n:])
        cc = np.tanh(g[:, 2 * n:], out=g[:, 2 * n:])
        u = g[:, :n]
        np.subtract(cc, a_prev, out=A[t])                           # c⟨t⟩ = c⟨t−1⟩ + Γu(c̃ − c⟨t−1⟩)
        A[t] *= u
        A[t] += a_prev
        a_prev = A[t]
    return from_rows(A), (X, G, A, R, a0_rows, Wa, Wx, reset_after, ids)


def gru_backward(da: Array, cache: tuple) -> tuple[Array, Array, dict]:
    """Backpropagation through time for ``gru_forward``.

    With dc = ∂J/∂c⟨t⟩ (the loss's plus step t+1's):
        dΓu = dc ⊙ (c̃ − c⟨t−1⟩),  dc̃ = dc ⊙ Γu,  dz_c = dc̃ ⊙ (1 − c̃²),
        course:      d(Γr ⊙ c⟨t−1⟩) = Wc_cᵀ·dz_c,  dΓr = that ⊙ c⟨t−1⟩
        reset_after: dΓr = dz_c ⊙ (Wc_c·c⟨t−1⟩ + bch),  d(Wc_c·c⟨t−1⟩) = dz_c ⊙ Γr
        dz_u, dz_r through σ;  dc⟨t−1⟩ = (1 − Γu) ⊙ dc + (terms through every product).

    da: (n_a, m, T_x). Returns (dx (n_x, m, T_x), da0 (n_a, m), grads with the params' keys).
    """
    X, G, A, R, a0_rows, Wa, Wx, reset_after, ids = cache
    T, m, n = A.shape
    n_x = X.shape[2]
    dtype = A.dtype
    dA = upstream_rows(da, (n, m, T), dtype)
    dG = np.empty_like(G)                     # ∂J/∂(pre-activations), the x-side products
    dH = np.empty_like(G) if reset_after else None   # reset_after: ∂J/∂(Wa·c⟨t−1⟩ [+ bch])
    Wur, Wcc = np.ascontiguousarray(Wa[:2 * n]), np.ascontiguousarray(Wa[2 * n:])
    Wa_ = np.ascontiguousarray(Wa)
    da_next = np.zeros((m, n), dtype=dtype)
    for t in range(T - 1, -1, -1):
        g, dg = G[t], dG[t]
        u, r, cc = g[:, :n], g[:, n:2 * n], g[:, 2 * n:]
        a_prev = A[t - 1] if t > 0 else a0_rows
        dc = dA[t]
        dc += da_next
        np.subtract(cc, a_prev, out=dg[:, :n])
        dg[:, :n] *= dc                                             # dΓu
        np.multiply(dc, u, out=dg[:, 2 * n:])                       # dc̃
        dg[:, 2 * n:] *= 1 - cc * cc                                # dz_c
        da_prev = dc * (1 - u)
        if reset_after:
            np.multiply(dg[:, 2 * n:], R[t], out=dg[:, n:2 * n])    # dΓr
            dg[:, :2 * n] *= g[:, :2 * n] * (1 - g[:, :2 * n])
            dh = dH[t]
            dh[:, :2 * n] = dg[:, :2 * n]
            np.multiply(dg[:, 2 * n:], r, out=dh[:, 2 * n:])
            da_prev += dh @ Wa_
        else:
            dRc = dg[:, 2 * n:] @ Wcc                               # ∂J/∂(Γr ⊙ c⟨t−1⟩)
            np.multiply(dRc, a_prev, out=dg[:, n:2 * n])            # dΓr
            dRc *= r
            da_prev += dRc
            dg[:, :2 * n] *= g[:, :2 * n] * (1 - g[:, :2 * n])
            da_prev += dg[:, :2 * n] @ Wur
        da_next = da_prev
    dG2 = dG.reshape(T * m, 3 * n)
    P = np.concatenate([a0_rows[None], A[:-1]]).reshape(T * m, n)    # c⟨t−1⟩ for every step
    if reset_after:
        dH2 = dH.reshape(T * m, 3 * n)
        dWa = dH2.T @ P
        dbch = dH2[:, 2 * n:].sum(axis=0)[:, None]
    else:
        dWa = np.concatenate([dG2[:, :2 * n].T @ P,
                              dG2[:, 2 * n:].T @ R.reshape(T * m, n)])
    dWx, db = _input_projection.input_gradients(dG2, X.reshape(T * m, n_x), ids)
    dx = from_rows((dG2 @ Wx).reshape(T, m, n_x))
    grads = {}
    for k, name in enumerate("urc"):
        rows = slice(k * n, (k + 1) * n)
        grads["W" + name] = np.concatenate([dWa[rows], dWx[rows]], axis=1)
        grads["b" + name] = db[rows][:, None].copy()
    if reset_after:
        grads["bch"] = dbch
    return dx, np.ascontiguousarray(da_next.T), grads
