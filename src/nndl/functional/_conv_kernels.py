"""An optional compiled col2im for the convolution (``pip install numba``, the ``fast`` extra).

col2im adds every row of dcols = dZ·Wᵀ (m·n_H·n_W rows of f·f·n_C_prev numbers) back onto
the window it came from. In NumPy that is one strided add per kernel offset (p, q), and those
adds are fast only when each offset's block is contiguous, which forces dcols into a layout of
its own: f·f products of dZ (n_C columns) by one offset's filters (n_C_prev columns), narrow
products that OpenBLAS takes slowly (LeNet-5's second convolution: 2.1 ms for the 25 of them,
0.8 ms for the one plain product). This loop takes the plain product's rows as they are: for
an output position (h, w) and a kernel row p, the f·n_C_prev numbers of dcols[(i, h, w), (p, ·, ·)]
land on one contiguous run of dA_pad's row h·s + p (without dilation), so each is one short
vectorised add. ``conv.py`` keeps the NumPy code as the readable reference; the tests check
both agree. Without numba ``AVAILABLE`` is False and nothing here is used.
"""

from __future__ import annotations

import numpy as np

from ._numba import AVAILABLE, compiled_on_first_use  # noqa: F401  (AVAILABLE: conv.py asks)


def _col2im_rows(d6, dA_pad, stride, dilation, i, j):  # pragma: no cover - compiled
    """dA_pad[e] = 0, then dA_pad[e, h·s + p·d, w·s + q·d, c] += d6[e, h, w, p, q, c] for the
    examples e = i … j−1; d6 (m, n_H, n_W, f, f, n_C) and dA_pad (m, H_pad, W_pad, n_C) are
    C-contiguous. Offsets are unsigned so that the compiler needs no check for negative ones."""
    n_H, n_W, f = d6.shape[1], d6.shape[2], d6.shape[3]
    H_pad, W_pad, C = dA_pad.shape[1], dA_pad.shape[2], dA_pad.shape[3]
    run = f * C                                  # one kernel row of one window
    src = d6.reshape(d6.size)
    dst = dA_pad.reshape(dA_pad.size)
    per_example = H_pad * W_pad * C
    for e in range(i, j):
        for k in range(e * per_example, (e + 1) * per_example):
            dst[k] = 0
        for h in range(n_H):
            for w in range(n_W):
                for p in range(f):
                    s = np.uint64((((e * n_H + h) * n_W + w) * f + p) * run)
                    t = np.uint64(((e * H_pad + h * stride + p * dilation) * W_pad + w * stride) * C)
                    if dilation == 1:
                        for k in range(np.uint64(run)):
                            dst[t + k] += src[s + k]
                    else:
                        for q in range(f):
                            for c in range(C):
                                dst[t + np.uint64(q * dilation * C + c)] += src[s + np.uint64(q * C + c)]


# ``_col2im_rows`` compiled by numba on first use (numba is imported only then)
col2im_rows = compiled_on_first_use(_col2im_rows)
