"""Scaled dot-product attention with masks (1 = may attend, 0 = blocked).

    Attention(Q, K, V) = softmax(Q·Kᵀ/√d_k + blocked·(−1e9)) · V

Rows are positions (the layout of the equation): Q (..., T_q, d_k), K (..., T_k, d_k),
V (..., T_k, d_v) with any leading batch axes (examples, heads); the mask broadcasts to
(..., T_q, T_k). The softmax runs over the keys (the last axis).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

BLOCKED = -1e9  # added to a blocked score: e^(−1e9 − max) is exactly 0 in float32 and float64


def padding_mask(ids: Array, pad_id: int = 0) -> Array:
    """1 where a token is real, 0 where it is padding: ids (m, T_k) → (m, 1, T_k) float,
    broadcasting over the query positions."""
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise ValueError(f"ids must have shape (m, T_k), got {ids.shape}")
    return (ids != pad_id).astype(np.float32)[:, None, :]


def look_ahead_mask(T: int) -> Array:
    """(T, T) lower-triangular ones: position t may attend to positions 1 … t only."""
    if T < 1:
        raise ValueError(f"look_ahead_mask needs T ≥ 1, got {T}")
    return np.tril(np.ones((T, T), dtype=np.float32))


def _softmax_last(S: Array) -> Array:
    S = S - S.max(axis=-1, keepdims=True)
    np.exp(S, out=S)
    S /= S.sum(axis=-1, keepdims=True)
    return S


def scaled_dot_product_attention(Q: Array, K: Array, V: Array,
                                 mask: Array | None = None) -> tuple[Array, dict]:
    """out = softmax(Q·Kᵀ/√d_k, blocked positions −1e9) · V.

    Q (..., T_q, d_k), K (..., T_k, d_k), V (..., T_k, d_v); mask broadcastable to
    (..., T_q, T_k) with 1 = attend. Returns (out (..., T_q, d_v), cache); cache["weights"]
    holds the attention weights (..., T_q, T_k), each row summing to 1.
    """
    Q, K, V = np.asarray(Q), np.asarray(K), np.asarray(V)
    if Q.shape[-1] != K.shape[-1] or K.shape[-2] != V.shape[-2]:
        raise ValueError(f"need Q (..., T_q, d_k), K (..., T_k, d_k), V (..., T_k, d_v); "
                         f"got Q {Q.shape}, K {K.shape}, V {V.shape}")
    scale = Q.dtype.type(1.0 / np.sqrt(Q.shape[-1]))
    S = Q @ np.swapaxes(K, -1, -2)
    S *= scale
    if mask is not None:
        mask = np.asarray(mask)
        try:
            np.broadcast_shapes(mask.shape, S.shape)
        except ValueError:
            raise ValueError(f"mask {mask.shape} does not broadcast to the scores "
                             f"(..., T_q, T_k) = {S.shape}") from None
        S = np.where(mask > 0, S, S.dtype.type(BLOCKED))        # broadcasts, as the mask may add axes
    P = _softmax_last(S)
    return P @ V, {"Q": Q, "K": K, "V": V, "weights": P, "scale": scale}


def scaled_dot_product_attention_backward(dout: Array, cache: dict) -> tuple[Array, Array, Array]:
    """dV = Pᵀ·dout, dP = dout·Vᵀ, dS = P ⊙ (dP − Σ_keys dP ⊙ P), dQ = dS·K/√d_k,
    dK = dSᵀ·Q/√d_k (blocked positions have P = 0, so no gradient reaches them).

    Returns (dQ, dK, dV) with the shapes of Q, K, V (broadcast batch axes summed back)."""
    Q, K, V, P, scale = cache["Q"], cache["K"], cache["V"], cache["weights"], cache["scale"]
    dV = np.swapaxes(P, -1, -2) @ dout
    dP = dout @ np.swapaxes(V, -1, -2)
    dS = dP - (dP * P).sum(axis=-1, keepdims=True)
    dS *= P
    dS *= scale
    dQ = dS @ K
    dK = np.swapaxes(dS, -1, -2) @ Q
    return (_sum_to(dQ, Q.shape), _sum_to(dK, K.shape), _sum_to(dV, V.shape))


def _sum_to(g: Array, shape: tuple) -> Array:
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    axes = tuple(k for k, (a, b) in enumerate(zip(g.shape, shape)) if b == 1 and a != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g
