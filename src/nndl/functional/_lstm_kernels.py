"""The LSTM's loops over time, compiled (``pip install numba``, the ``fast`` extra).

In NumPy each step of ``lstm_forward`` is one BLAS product and about eight elementwise passes
over (m, 4·n_a) and (m, n_a) arrays, and each backward step one product and about fifteen
passes, every one a call from the interpreter of 5–40 µs. Here a whole loop over time is one
call: each step's product goes to NumPy's own BLAS (``_numpy_blas``: the routine, threads and
thread limits of NumPy's ``@``) and its elementwise work is one pass over each example row
(the backward in two passes per row: each reads and writes fewer arrays, which lets the
compiler vectorise both; one pass was 1.5× slower). The equations are those of ``lstm.py``,
which keeps the NumPy code as the readable reference; the tests check both agree.

tanh: float64 uses the C library's; float32 uses a rational approximation (degree 13/6 in
x, the one Eigen uses for float tanh: within 6 units in the last place, 3.4e-7 absolute), which
the compiler turns into 16-wide vector code, where the C library's tanh is one number at a
time. NaN stays NaN; ±∞ gives ±1.

This module imports numba and is imported only when a kernel is first used.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import overload

from ._numpy_blas import gemm


def tanh(x):  # pragma: no cover - replaced by the overload below inside compiled code
    return np.tanh(x)


_LIMIT = np.float32(7.90531110763549805)        # tanh rounds to ±1 in float32 beyond this
_P = [np.float32(c) for c in (-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11,
                              5.12229709037114e-08, 1.48572235717979e-05, 6.37261928875436e-04,
                              4.89352455891786e-03)]
_Q = [np.float32(c) for c in (1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03,
                              4.89352518554385e-03)]
p13, p11, p9, p7, p5, p3, p1 = _P
q6, q4, q2, q0 = _Q


@overload(tanh)
def _tanh_overload(x):
    if x == types.float32:
        def tanh32(x):
            x = _LIMIT if x > _LIMIT else x          # comparisons false for NaN: NaN stays
            x = -_LIMIT if x < -_LIMIT else x
            x2 = x * x
            p = ((((((p13 * x2 + p11) * x2 + p9) * x2 + p7) * x2 + p5) * x2 + p3) * x2 + p1) * x
            q = ((q6 * x2 + q4) * x2 + q2) * x2 + q0
            return p / q
        return tanh32
    return lambda x: np.tanh(x)


@numba.njit(nogil=True, cache=True)
def forward_loop(entry, G, C, TC, A, a0, c0, WaT, r0, r1):
    """Every step t of ``lstm_forward`` for the examples r0 … r1−1 (rows of every array):
    G[t] += a⟨t−1⟩·W_aᵀ (G holds the x-part and bias, the sigmoid gates' rows halved), then
    ``_forward_step``. G (T, m, 4n), C, TC, A (T, m, n), a0, c0 (m, n), WaT (n, 4n);
    ``entry`` from ``_numpy_blas.entry_points``."""
    for t in range(G.shape[0]):
        a_prev = A[t - 1, r0:r1] if t > 0 else a0[r0:r1]
        gemm(entry, a_prev, False, WaT, G[t, r0:r1], 1.0)
        _forward_step(G[t], C[t - 1] if t > 0 else c0, C[t], TC[t], A[t], r0, r1)


@numba.njit(nogil=True, cache=True)
def backward_loop(entry, G, C, TC, A, a0, c0, dA, dG, dc, Wa, dWa, r0, r1):
    """Every step of ``lstm_backward``'s loop, t = T−1 … 0, for the examples r0 … r1−1:
    ``_backward_step``, then dWa += dG[t]ᵀ·a⟨t−1⟩ (these examples' share, added into dWa
    (4n, n); an empty dWa skips it) and da_next = dG[t]·W_a. dc (m, n) holds ∂J/∂c⟨T⟩ and ends as ∂J/∂c⟨0⟩; returns
    ∂J/∂a⟨0⟩ of these examples (r1 − r0, n). G, dG (T, m, 4n), C, TC, A, dA (T, m, n),
    a0, c0 (m, n), Wa (4n, n)."""
    da_next = np.zeros((r1 - r0, dc.shape[1]), G.dtype)
    for t in range(G.shape[0] - 1, -1, -1):
        _backward_step(G[t], TC[t], C[t - 1] if t > 0 else c0, dA[t], da_next, dc, dG[t], r0, r1)
        dg = dG[t, r0:r1]
        if dWa.size:
            gemm(entry, dg, True, A[t - 1, r0:r1] if t > 0 else a0[r0:r1], dWa, 1.0)
        gemm(entry, dg, False, Wa, da_next, 0.0)
    return da_next


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _forward_step(g, c_prev, c_t, tc_t, a_t, r0, r1):
    """One forward step after its product, for rows r0 … r1−1: Γ = ½·tanh(g) + ½ for f, i, o
    and c̃ = tanh(g), written into g (m, 4n); c_t = Γf⊙c⟨t−1⟩ + Γi⊙c̃, tc_t = tanh(c_t),
    a_t = Γo⊙tc_t (m, n each)."""
    n = c_t.shape[1]
    half = g.dtype.type(0.5)
    for r in range(r0, r1):
        gr = g[r]
        gf, gi, go, gc = gr[:n], gr[n:2 * n], gr[2 * n:3 * n], gr[3 * n:]
        cp, c, tc, a = c_prev[r], c_t[r], tc_t[r], a_t[r]
        for j in range(n):
            f = half * tanh(gf[j]) + half
            i = half * tanh(gi[j]) + half
            o = half * tanh(go[j]) + half
            cc = tanh(gc[j])
            gf[j], gi[j], go[j], gc[j] = f, i, o, cc
            c_j = f * cp[j] + i * cc
            tc_j = tanh(c_j)
            c[j], tc[j], a[j] = c_j, tc_j, o * tc_j


@numba.njit(nogil=True, cache=True, error_model="numpy")
def _backward_step(g, tc_t, c_prev, da_t, da_next, dc, dg, r0, r1):
    """One backward step before its products, for rows r0 … r1−1: from da = da_t + da_next
    (da_next: these rows only) and dc (updated in place to dc⟨t−1⟩), the four pre-activation
    gradients into dg (m, 4n; columns f, i, o, c̃ as in ``lstm.py``), with g the step's
    activated gates."""
    n = dc.shape[1]
    one = g.dtype.type(1)
    for r in range(r0, r1):
        gr, dgr = g[r], dg[r]
        gf, gi, go, gc = gr[:n], gr[n:2 * n], gr[2 * n:3 * n], gr[3 * n:]
        df, di, do, dcc = dgr[:n], dgr[n:2 * n], dgr[2 * n:3 * n], dgr[3 * n:]
        cp, tc, d_a_t, dn, dc_r = c_prev[r], tc_t[r], da_t[r], da_next[r - r0], dc[r]
        for j in range(n):
            d_a = d_a_t[j] + dn[j]
            o, t = go[j], tc[j]
            dc_r[j] += d_a * o * (one - t * t)                         # dc⟨t⟩
            do[j] = d_a * t * o * (one - o)
        for j in range(n):
            dcv, f, i, cc = dc_r[j], gf[j], gi[j], gc[j]
            df[j] = dcv * cp[j] * f * (one - f)
            di[j] = dcv * cc * i * (one - i)
            dcc[j] = dcv * i * (one - cc * cc)
            dc_r[j] = dcv * f                                          # dc⟨t−1⟩
