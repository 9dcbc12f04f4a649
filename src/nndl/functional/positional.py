"""Sinusoidal positional encoding (Vaswani et al., as in the course).

    PE[pos, 2i]   = sin(pos / 10000^(2i/d))
    PE[pos, 2i+1] = cos(pos / 10000^(2i/d))

Adding PE to the embeddings has the identity as its backward pass (no parameters).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def positional_angles(pos: Array, k: Array, d: int) -> Array:
    """pos / 10000^(2·⌊k/2⌋/d) for column vector pos (T, 1) and row vector k (1, d)."""
    return np.asarray(pos) / np.power(10000.0, (2 * (np.asarray(k) // 2)) / np.float64(d))


def positional_encoding(T: int, d: int, dtype=np.float32) -> Array:
    """PE (T, d): sines in the even columns, cosines in the odd ones, in ``dtype``."""
    if T < 1 or d < 1:
        raise ValueError(f"positional_encoding needs T ≥ 1 and d ≥ 1, got T={T}, d={d}")
    angles = positional_angles(np.arange(T)[:, None], np.arange(d)[None, :], d)
    angles[:, 0::2] = np.sin(angles[:, 0::2])
    angles[:, 1::2] = np.cos(angles[:, 1::2])
    return angles.astype(dtype)
