"""Softmax cross-entropy at every time step, with a padding mask (1 = counted, 0 = padding).

Logits Z: (n_y, m, T_y); integer targets Y: (m, T_y) in [0, n_y); mask: (m, T_y) of 0/1 or
None (all counted). The cost is the mean over the counted positions

    J = −(1/N) Σ_{i,t} mask[i,t] · log softmax(Z[:, i, t])[Y[i,t]],   N = Σ mask,

so dZ = mask ⊙ (softmax(Z) − onehot(Y)) / N, the course's A − Y per position.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _checked(Z: Array, Y: Array, mask: Array | None):
    Z = np.asarray(Z)
    if Z.ndim != 3:
        raise ValueError(f"Z must have shape (n_y, m, T_y), got {Z.shape}")
    n_y, m, T = Z.shape
    Y = np.asarray(Y)
    if Y.shape != (m, T):
        raise ValueError(f"Y must be integer targets of shape (m, T_y) = {(m, T)}, got {Y.shape}")
    if Y.dtype.kind not in "iu":
        raise ValueError(f"Y must hold integer class ids, got dtype {Y.dtype}")
    M = np.ones((m, T), dtype=Z.dtype) if mask is None else np.asarray(mask).astype(Z.dtype)
    if M.shape != (m, T):
        raise ValueError(f"mask must have shape (m, T_y) = {(m, T)}, got {M.shape}")
    kept = M > 0
    if Y.size and kept.any() and (Y[kept].min() < 0 or Y[kept].max() >= n_y):
        raise ValueError(f"targets must lie in [0, {n_y}), got values in "
                         f"[{Y[kept].min()}, {Y[kept].max()}]")
    N = M.sum()
    if N <= 0:
        raise ValueError("the mask keeps no position: the cost would be 0/0")
    return Z, np.where(kept, Y, 0), M, N


def sequence_softmax_cross_entropy(Z: Array, Y: Array,
                                   mask: Array | None = None) -> tuple[float, tuple]:
    """J (see module docstring) from logits, shifted by the max (exact for any |Z|).

    Returns (J as a float, cache for the backward pass)."""
    Z, Y, M, N = _checked(Z, Y, mask)
    A = Z - Z.max(axis=0, keepdims=True)                       # shifted logits, then softmax in place
    m_idx, t_idx = np.indices(Y.shape)
    log_p = A[Y, m_idx, t_idx]                                 # the targets' shifted logits (m, T_y)
    np.exp(A, out=A)
    S = A.sum(axis=0)
    A /= S
    log_p -= np.log(S)
    J = float(-(log_p.sum() if mask is None else (M * log_p).sum()) / N)
    return J, (A, Y, M, N)


def sequence_softmax_cross_entropy_backward(cache: tuple) -> Array:
    """dZ = mask ⊙ (softmax(Z) − onehot(Y)) / N, shape (n_y, m, T_y)."""
    A, Y, M, N = cache
    dZ = A.copy()
    m_idx, t_idx = np.indices(Y.shape)
    dZ[Y, m_idx, t_idx] -= 1
    dZ *= M / N
    return dZ
