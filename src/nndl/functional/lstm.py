"""The LSTM, as the course writes it, with the four gate products fused into one.

On the stacked input [a⟨t−1⟩; x⟨t⟩] (n_a + n_x, m):

    Γf = σ(Wf·[a⟨t−1⟩; x⟨t⟩] + bf)        forget gate
    Γi = σ(Wi·[a⟨t−1⟩; x⟨t⟩] + bi)        update (input) gate
    c̃  = tanh(Wc·[a⟨t−1⟩; x⟨t⟩] + bc)     candidate
    Γo = σ(Wo·[a⟨t−1⟩; x⟨t⟩] + bo)        output gate
    c⟨t⟩ = Γf ⊙ c⟨t−1⟩ + Γi ⊙ c̃,   a⟨t⟩ = Γo ⊙ tanh(c⟨t⟩)

Parameters: ``Wf, Wi, Wc, Wo (n_a, n_a + n_x)``, ``bf, bi, bc, bo (n_a, 1)``; columns
``[:n_a]`` act on a⟨t−1⟩ and ``[n_a:]`` on x⟨t⟩. Internally the four are stacked into one
(4·n_a, n_a + n_x) matrix in the order f, i, o, c (the three sigmoids side by side): the
x-part of all T_x steps is ONE product before the loop, each step is ONE product
a⟨t−1⟩ᵀ·W_aᵀ into that step's own slice of a preallocated (T_x, m, 4·n_a) buffer, and the
weight gradients are one product each after the backward loop.

With numba installed each loop over time is one compiled call (``_lstm_kernels``), and when
the batch is split over the batch threads (``_batch_threads``) each thread runs the loop for
its own examples, with BLAS on one thread, and adds its share of dW_a step by step.

PyTorch's ``nn.LSTM`` (gate order i, f, g, o; h = a, g = c̃) maps as
``Wf = [weight_hh[n:2n] | weight_ih[n:2n]]``, ``Wi = [weight_hh[0:n] | weight_ih[0:n]]``,
``Wc = [weight_hh[2n:3n] | weight_ih[2n:3n]]``, ``Wo = [weight_hh[3n:4n] | weight_ih[3n:4n]]``
and ``b* = bias_ih[rows] + bias_hh[rows]`` with the same rows (n = n_a).
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np

from . import _input_projection
from ._batch_threads import added, blas_on_one_thread, over_batch, slices
from ._numba import AVAILABLE as _HAS_NUMBA
from ._numba import kernel_float
from ._sequence import (
    check_param, check_sequence, from_rows, initial_state, to_rows, upstream_rows,
)

Array = np.ndarray

GATES = ("f", "i", "o", "c")  # the stacking order inside (the three sigmoid gates first)

# The compiled loops over time (``_lstm_kernels``) of the optional numba extra are used when it
# is installed and NumPy's BLAS can be called from them (set USE_FUSED False to run the NumPy
# reference code below).
USE_FUSED = _HAS_NUMBA


def _compiled_loops(fused: bool | None, dtype) -> tuple | None:
    """(the module of compiled loops, NumPy's gemm entry points) when they are to run, else
    None: ``fused`` None follows USE_FUSED; the loops take float32 and float64 (other floats
    run the NumPy code) and need NumPy's BLAS to be found (see ``_numpy_blas``)."""
    if fused is None:
        fused = USE_FUSED
    if not fused:
        return None
    if not _HAS_NUMBA:
        raise ValueError("fused=True needs numba (pip install numba, or the 'fast' extra)")
    from . import _lstm_kernels, _numpy_blas       # numba is imported with them, on first use
    entry = _numpy_blas.entry_points()
    if entry is None or not kernel_float(dtype):
        return None
    return _lstm_kernels, entry


def _stacked(params: dict, n_x: int, dtype) -> tuple[int, Array, Array]:
    """(n_a, W (4n_a, n_a+n_x), b (4n_a,)) stacked in GATES order, checked."""
    Wf = np.asarray(params.get("Wf", np.empty((0, 0))))
    n_a = Wf.shape[0]
    Ws = [check_param(params, "W" + g, (n_a, n_a + n_x)) for g in GATES]
    bs = [check_param(params, "b" + g, (n_a, 1)) for g in GATES]
    W = np.concatenate(Ws, axis=0).astype(dtype, copy=False)
    b = np.concatenate(bs, axis=0)[:, 0].astype(dtype, copy=False)
    return n_a, W, b


def _halved(W: Array, b: Array, n_a: int) -> tuple[Array, Array]:
    """W, b with the three sigmoid gates' rows halved: σ(z) = ½·tanh(z/2) + ½, so ONE tanh
    over all four gates' pre-activations, then ½·t + ½ on the three sigmoid gates."""
    W, b = W.copy(), b.copy()
    W[:3 * n_a] *= 0.5
    b[:3 * n_a] *= 0.5
    return W, b


def lstm_forward(x: Array, a0: Array | None, params: dict,
                 c0: Array | None = None, fused: bool | None = None) -> tuple[Array, Array, tuple]:
    """The LSTM over all T_x steps (equations in the module docstring).

    x: (n_x, m, T_x) float; a0, c0: (n_a, m) or None for zeros; params: Wf, Wi, Wc, Wo
    (n_a, n_a + n_x), bf, bi, bc, bo (n_a, 1). Returns (a (n_a, m, T_x), c (n_a, m, T_x),
    cache), in x's dtype. ``fused``: run the loop over time as one compiled call (default: when
    numba is installed; see ``_lstm_kernels``).
    """
    x = check_sequence(x)
    n_x, m, T = x.shape
    dtype = x.dtype
    n_a, W, b = _stacked(params, n_x, dtype)
    Wa, Wx = W[:, :n_a], W[:, n_a:]
    Wh, bh = _halved(W, b, n_a)
    X = to_rows(x)                                                  # (T, m, n_x)
    G, ids = _input_projection.project(X.reshape(T * m, n_x), Wh[:, n_a:].T, bh)   # all steps at once
    G = G.reshape(T, m, 4 * n_a)
    C = np.empty((T, m, n_a), dtype=dtype)
    TC = np.empty_like(C)
    A = np.empty_like(C)
    a0_rows = initial_state(a0, n_a, m, dtype)
    c0_rows = initial_state(c0, n_a, m, dtype, name="c0")
    WaT = np.ascontiguousarray(Wh[:, :n_a].T)                       # (n_a, 4n_a)
    compiled = _compiled_loops(fused, dtype)
    if compiled is not None:
        kernels, entry = compiled
        _on_batch_threads(lambda i, j: kernels.forward_loop(entry, G, C, TC, A, a0_rows, c0_rows, WaT, i, j),
                          m, G.size)
    else:
        _forward_steps(G, C, TC, A, a0_rows, c0_rows, WaT)
    cache = (X, G, C, TC, A, a0_rows, c0_rows, Wa, Wx, ids)
    return from_rows(A), from_rows(C), cache


def _forward_steps(G, C, TC, A, a0_rows, c0_rows, WaT):
    """The forward loop over time in NumPy (the reference): activates the gates in G in
    place and fills C, TC = tanh(C) and A, all time-major rows."""
    T, m, n = C.shape
    step = np.empty((m, 4 * n), dtype=G.dtype)
    a_prev, c_prev = a0_rows, c0_rows
    for t in range(T):
        g = G[t]
        g += np.matmul(a_prev, WaT, out=step)
        np.tanh(g, out=g)                                           # c̃, and tanh(z/2) for the gates
        s = g[:, :3 * n]
        s *= 0.5
        s += 0.5                                                    # Γf, Γi, Γo = σ(z)
        f, i, o, cc = g[:, :n], g[:, n:2 * n], g[:, 2 * n:3 * n], g[:, 3 * n:]
        np.multiply(f, c_prev, out=C[t])
        C[t] += np.multiply(i, cc, out=TC[t])                       # TC[t] as scratch
        np.tanh(C[t], out=TC[t])
        np.multiply(o, TC[t], out=A[t])
        a_prev, c_prev = A[t], C[t]


def lstm_backward(da: Array, cache: tuple, dc_last: Array | None = None,
                  compute_dx: bool = True,
                  fused: bool | None = None) -> tuple[Array | None, Array, Array, dict]:
    """Backpropagation through time for ``lstm_forward``.

    Per step (⊙ elementwise), with da⟨t⟩ the loss's gradient plus the one from step t+1:
        dΓo = da⟨t⟩ ⊙ tanh(c⟨t⟩)
        dc⟨t⟩ = dc_next + da⟨t⟩ ⊙ Γo ⊙ (1 − tanh²(c⟨t⟩))
        dΓf = dc⟨t⟩ ⊙ c⟨t−1⟩,  dΓi = dc⟨t⟩ ⊙ c̃,  dc̃ = dc⟨t⟩ ⊙ Γi,  dc_next = dc⟨t⟩ ⊙ Γf
        dz = dΓ ⊙ Γ(1 − Γ) for the gates, dc̃ ⊙ (1 − c̃²) for the candidate
        d[a⟨t−1⟩; x⟨t⟩] = W_stackedᵀ·dz;  dW* = Σ_t dz*·[a⟨t−1⟩; x⟨t⟩]ᵀ,  db* = Σ dz*.

    da: (n_a, m, T_x) = ∂J/∂a; dc_last: (n_a, m) = ∂J/∂c⟨T_x⟩ or None. Returns
    (dx (n_x, m, T_x), da0 (n_a, m), dc0 (n_a, m), grads {Wf, bf, Wi, bi, Wc, bc, Wo, bo});
    a first layer fed with data needs no dx (``compute_dx=False`` returns None for it).
    ``fused``: run the loop over time as one compiled call (default: when numba is installed).
    """
    X, G, C, TC, A, a0_rows, c0_rows, Wa, Wx, ids = cache
    T, m, n = A.shape
    n_x = X.shape[2]
    dtype = A.dtype
    compiled = _compiled_loops(fused, dtype)
    dA = upstream_rows(da, (n, m, T), dtype, copy=compiled is None)   # the compiled loop only reads it
    dG = np.empty_like(G)
    dc = initial_state(dc_last, n, m, dtype, name="dc_last")
    Wa_ = np.ascontiguousarray(Wa)
    if compiled is not None:
        da_next, dWa = _backward_loops(*compiled, G, C, TC, A, a0_rows, c0_rows, dA, dG, dc, Wa_)
    else:
        da_next = _backward_steps(G, C, TC, c0_rows, dA, dG, dc, Wa_)
        dWa = _recurrent_weight_gradient(dG, A, a0_rows)
    dG2 = dG.reshape(T * m, 4 * n)
    dWx, db = _input_projection.input_gradients(dG2, X.reshape(T * m, n_x), ids)
    dx = from_rows((dG2 @ Wx).reshape(T, m, n_x)) if compute_dx else None
    grads = {}
    for k, gate in enumerate(GATES):
        rows = slice(k * n, (k + 1) * n)
        grads["W" + gate] = np.concatenate([dWa[rows], dWx[rows]], axis=1)
        grads["b" + gate] = db[rows][:, None].copy()
    grads = {key: grads[key] for key in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo")}
    return dx, np.ascontiguousarray(da_next.T), np.ascontiguousarray(dc.T), grads


def _backward_loops(kernels, entry, G, C, TC, A, a0_rows, c0_rows, dA, dG, dc, Wa_):
    """The compiled backward loop: returns (∂J/∂a⟨0⟩ rows (m, n), dW_a (4n, n)). With the
    batch split over the threads, each runs the loop for its examples and adds its share of
    dW_a step by step (the shares added in order); on one thread dW_a is one product after."""
    m, n = dc.shape
    if slices(m, G.size) <= 1:
        no_dWa = np.zeros((0, 0), dtype=G.dtype)
        da0 = kernels.backward_loop(entry, G, C, TC, A, a0_rows, c0_rows, dA, dG, dc, Wa_, no_dWa, 0, m)
        return da0, _recurrent_weight_gradient(dG, A, a0_rows)

    def examples(i: int, j: int) -> tuple[Array, Array]:
        dWa = np.zeros((4 * n, n), dtype=G.dtype)
        return kernels.backward_loop(entry, G, C, TC, A, a0_rows, c0_rows, dA, dG, dc, Wa_, dWa, i, j), dWa

    parts = _on_batch_threads(examples, m, G.size)
    return np.concatenate([da0 for da0, _ in parts]), added([dWa for _, dWa in parts])


def _recurrent_weight_gradient(dG: Array, A: Array, a0_rows: Array) -> Array:
    """dW_a = Σ_t dZ⟨t⟩ᵀ·a⟨t−1⟩ (4n, n) as two products, from dG (T, m, 4n), A (T, m, n)."""
    T, _, n = A.shape
    dWa = dG[0].T @ a0_rows
    if T > 1:
        dWa += dG[1:].reshape(-1, 4 * n).T @ A[:-1].reshape(-1, n)
    return dWa


def _on_batch_threads(fn, m: int, size: int) -> list:
    """``over_batch(fn, m, size)``, with BLAS on one thread when the batch is split (each
    thread's loop multiplies on its own core; idle BLAS threads would spin there)."""
    split = slices(m, size) > 1
    with blas_on_one_thread() if split else nullcontext():
        return over_batch(fn, m, size)


def _backward_steps(G, C, TC, c0_rows, dA, dG, dc, Wa_):
    """The backward loop over time in NumPy (the reference): fills dG, updates dc in place,
    returns ∂J/∂a⟨0⟩ as (m, n_a) rows."""
    T, m, n = C.shape
    dtype = C.dtype
    da_next = np.zeros((m, n), dtype=dtype)
    tmp = np.empty((m, n), dtype=dtype)
    tmp3 = np.empty((m, 3 * n), dtype=dtype)
    for t in range(T - 1, -1, -1):
        g, dg = G[t], dG[t]
        f, i, o, cc = g[:, :n], g[:, n:2 * n], g[:, 2 * n:3 * n], g[:, 3 * n:]
        c_prev = C[t - 1] if t > 0 else c0_rows
        da_t = dA[t]
        da_t += da_next
        np.multiply(da_t, TC[t], out=dg[:, 2 * n:3 * n])            # dΓo
        np.multiply(TC[t], TC[t], out=tmp)
        np.subtract(1, tmp, out=tmp)
        tmp *= o
        tmp *= da_t
        dc += tmp                                                   # dc⟨t⟩
        np.multiply(dc, c_prev, out=dg[:, :n])                      # dΓf
        np.multiply(dc, cc, out=dg[:, n:2 * n])                     # dΓi
        np.multiply(dc, i, out=dg[:, 3 * n:])                       # dc̃
        dc *= f                                                     # dc⟨t−1⟩
        s = g[:, :3 * n]
        np.subtract(1, s, out=tmp3)
        tmp3 *= s
        dg[:, :3 * n] *= tmp3                                       # σ' = σ(1 − σ)
        np.multiply(cc, cc, out=tmp)
        np.subtract(1, tmp, out=tmp)
        dg[:, 3 * n:] *= tmp                                        # tanh' = 1 − c̃²
        da_next = dg @ Wa_                                          # (m, n_a)
    return da_next


def lstm_cell_forward(xt: Array, a_prev: Array, c_prev: Array,
                      params: dict) -> tuple[Array, Array, tuple]:
    """One LSTM step. xt (n_x, m), a_prev, c_prev (n_a, m).

    Returns (a_next (n_a, m), c_next (n_a, m), cache)."""
    xt = np.asarray(xt)
    if xt.ndim != 2:
        raise ValueError(f"xt must have shape (n_x, m), got {xt.shape}")
    a, c, cache = lstm_forward(xt[:, :, None], a_prev, params, c0=c_prev)
    return a[:, :, 0], c[:, :, 0], cache


def lstm_cell_backward(da_next: Array, dc_next: Array | None,
                       cache: tuple) -> tuple[Array, Array, Array, dict]:
    """Gradients of one step from ∂J/∂a_next and ∂J/∂c_next (n_a, m each).

    Returns (dxt (n_x, m), da_prev (n_a, m), dc_prev (n_a, m), grads)."""
    dx, da_prev, dc_prev, grads = lstm_backward(np.asarray(da_next)[:, :, None], cache, dc_next)
    return dx[:, :, 0], da_prev, dc_prev, grads


def lstm_gates(cache: tuple) -> dict[str, Array]:
    """The activated gates of a ``lstm_forward`` run, each (n_a, m, T_x):
    ``f`` = Γf, ``i`` = Γi, ``c`` = c̃, ``o`` = Γo (views of the cache)."""
    G, n = cache[1], cache[2].shape[2]
    blocks = {"f": G[:, :, :n], "i": G[:, :, n:2 * n], "o": G[:, :, 2 * n:3 * n], "c": G[:, :, 3 * n:]}
    return {k: from_rows(blocks[k]) for k in ("f", "i", "c", "o")}
