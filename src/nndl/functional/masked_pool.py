"""Masked mean pooling over time (text classification over padded sequences).

    w⁽ⁱ⁾⟨t⟩ = mask⁽ⁱ⁾⟨t⟩ / max(Σ_t mask⁽ⁱ⁾⟨t⟩, 1)
    p⁽ⁱ⁾ = Σ_t w⁽ⁱ⁾⟨t⟩ · h⁽ⁱ⁾⟨t⟩                       h (n, m, T) → p (n, m)
    dh⁽ⁱ⁾⟨t⟩ = w⁽ⁱ⁾⟨t⟩ · dp⁽ⁱ⁾

mask (m, T): 1 = a real token, 0 = padding; None: a plain mean over the T steps.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def masked_mean_pool_forward(h: Array, mask: Array | None = None) -> tuple[Array, Array]:
    """p (n, m) = mean of h (n, m, T) over each example's unmasked steps; cache = w (m, T)."""
    if h.ndim != 3:
        raise ValueError(f"masked_mean_pool_forward expects h of shape (n, m, T), got {h.shape}")
    _, m, T = h.shape
    if mask is None:
        w = np.full((m, T), 1.0 / T, dtype=h.dtype)
    else:
        mask = np.asarray(mask)
        if mask.shape != (m, T):
            raise ValueError(f"mask must have shape (m, T) = {(m, T)}, got {mask.shape}")
        mask = mask.astype(h.dtype, copy=False)
        w = mask / np.maximum(mask.sum(axis=1, keepdims=True), 1)
    return np.einsum("nmt,mt->nm", h, w), w


def masked_mean_pool_backward(dp: Array, cache: Array) -> Array:
    """dh (n, m, T) = w[None] · dp[:, :, None] (zero at padded steps)."""
    return dp[:, :, None] * cache[None, :, :]
