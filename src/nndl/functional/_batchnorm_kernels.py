"""Optional kernels for batch normalization on images (``pip install numba``, the ``fast`` extra).

Batch norm over Z2 (N rows, one per example and position; n_C channels) in NumPy takes about
seven passes over the data forward and five backward (sums as BLAS products, then the
elementwise steps, each a pass of its own). These loops do the same in two passes each way:

    forward:   Σ z and Σ z² per channel (float64 sums: σ² = Σz²/N − μ² loses nothing a float32
               input holds); then Ẑ = (Z − μ)·σ̂⁻¹ and Z̃ = γ·Ẑ + β in one pass;
    backward:  dβ = Σ dZ̃ and dγ = Σ dZ̃·Ẑ per channel (float64 sums); then
               dZ = a·dZ̃ − (Ẑ·c₁ + c₂) with a = γ·σ̂⁻¹, c₁ = a·dγ/N, c₂ = a·dβ/N.

A ReLU after the normalization (a residual block's BN → ReLU) goes into the same passes:
A = max(Z̃, 0) forward, dZ̃ = dA·1[A > 0] read on the fly backward.

They release the interpreter lock, so the batch threads run them on their slices of the rows
side by side (sums: one partial sum per slice). ``batchnorm.py`` keeps the NumPy code as the
readable reference; the tests check both agree. Without numba ``AVAILABLE`` is False and
nothing here is used.
"""

from __future__ import annotations

import numpy as np

from ._numba import AVAILABLE, compiled_on_first_use  # noqa: F401  (AVAILABLE: batchnorm.py asks)


def _channel_sums(Z2, sums):  # pragma: no cover - compiled
    """sums[0, c] = Σ_r Z2[r, c], sums[1, c] = Σ_r Z2[r, c]² (float64)."""
    n, C = Z2.shape
    for r in range(n):
        for c in range(C):
            z = np.float64(Z2[r, c])
            sums[0, c] += z
            sums[1, c] += z * z


def _normalize(Z2, mu, inv_std, gamma, beta, Z_hat, out, relu):  # pragma: no cover - compiled
    """Z_hat = (Z2 − μ)·σ̂⁻¹, out = γ·Z_hat + β (then max(out, 0) if ``relu``), row by row
    (all vectors (n_C,))."""
    n, C = Z2.shape
    for r in range(n):
        for c in range(C):
            z_hat = (Z2[r, c] - mu[c]) * inv_std[c]
            Z_hat[r, c] = z_hat
            z_tilde = gamma[c] * z_hat + beta[c]
            out[r, c] = z_tilde if not relu or z_tilde > 0 else 0


def _backward_sums(dZt, Z_hat, sums):  # pragma: no cover - compiled
    """sums[0, c] = Σ_r dZt[r, c] (dβ), sums[1, c] = Σ_r dZt[r, c]·Z_hat[r, c] (dγ), float64."""
    n, C = dZt.shape
    for r in range(n):
        for c in range(C):
            d = np.float64(dZt[r, c])
            sums[0, c] += d
            sums[1, c] += d * Z_hat[r, c]


def _backward_combine(dZt, Z_hat, a, c1, c2, dZ):  # pragma: no cover - compiled
    """dZ = a·dZt − (Z_hat·c1 + c2), row by row (a, c1, c2 (n_C,))."""
    n, C = dZt.shape
    for r in range(n):
        for c in range(C):
            dZ[r, c] = a[c] * dZt[r, c] - (Z_hat[r, c] * c1[c] + c2[c])


def _backward_sums_relu(dA, A, Z_hat, sums):  # pragma: no cover - compiled
    """``_backward_sums`` of dZt = dA·1[A > 0] (the ReLU after the normalization, A its output)."""
    n, C = dA.shape
    for r in range(n):
        for c in range(C):
            if A[r, c] > 0:
                d = np.float64(dA[r, c])
                sums[0, c] += d
                sums[1, c] += d * Z_hat[r, c]


def _backward_combine_relu(dA, A, Z_hat, a, c1, c2, dZ):  # pragma: no cover - compiled
    """``_backward_combine`` of dZt = dA·1[A > 0]."""
    n, C = dA.shape
    for r in range(n):
        for c in range(C):
            d = dA[r, c] if A[r, c] > 0 else 0
            dZ[r, c] = a[c] * d - (Z_hat[r, c] * c1[c] + c2[c])


# compiled by numba on first use (numba is imported only then)
channel_sums = compiled_on_first_use(_channel_sums)
normalize = compiled_on_first_use(_normalize)
backward_sums = compiled_on_first_use(_backward_sums)
backward_combine = compiled_on_first_use(_backward_combine)
backward_sums_relu = compiled_on_first_use(_backward_sums_relu)
backward_combine_relu = compiled_on_first_use(_backward_combine_relu)
