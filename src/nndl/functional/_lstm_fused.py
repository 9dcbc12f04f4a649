"""An optional fused kernel for the LSTM's backward step (``pip install numba``, the ``fast`` extra).

Each step of ``lstm_backward`` is one BLAS product plus about fifteen elementwise NumPy
passes over (m, n_a) and (m, 4·n_a) arrays; this kernel does the elementwise part in one pass
(it needs no transcendental function: the gates and tanh(c) are cached by the forward pass).
The forward step stays in NumPy, whose vectorised tanh beats a scalar one. The NumPy code in
``lstm.py`` is the readable reference; the tests check both paths agree. Without numba
``AVAILABLE`` is False and nothing here is used.
"""

from __future__ import annotations

from ._numba import AVAILABLE, compiled_on_first_use  # noqa: F401  (AVAILABLE: lstm.py asks)


def _backward_step(g, tc, c_prev, da_t, da_next, dc, dg):  # pragma: no cover - compiled
    """From da = da_t + da_next and dc (updated in place to dc⟨t−1⟩), write the four
    pre-activation gradients of this step into dg (columns f, i, o, c̃ as in lstm.py)."""
    m, n = dc.shape
    for r in range(m):
        for j in range(n):
            f, i, o, cc = g[r, j], g[r, n + j], g[r, 2 * n + j], g[r, 3 * n + j]
            d_a = da_t[r, j] + da_next[r, j]
            t = tc[r, j]
            dcv = dc[r, j] + d_a * o * (1 - t * t)
            dg[r, j] = dcv * c_prev[r, j] * f * (1 - f)
            dg[r, n + j] = dcv * cc * i * (1 - i)
            dg[r, 2 * n + j] = d_a * t * o * (1 - o)
            dg[r, 3 * n + j] = dcv * i * (1 - cc * cc)
            dc[r, j] = dcv * f


# ``_backward_step`` compiled by numba on first use (numba is imported only then)
backward_step = compiled_on_first_use(_backward_step)
