"""Course 5, week 4: the Transformer's building blocks in the notebook's (m, T, d) layout.

    angle(pos, i) = pos / 10000^(2⌊i/2⌋/d);  PE[pos, 2i] = sin, PE[pos, 2i+1] = cos
    Attention(Q, K, V) = softmax(QKᵀ/√d_k + (1 − mask)·(−1e9)) V

Masks follow the current notebook and nndl: 1 where a position may be attended, 0 where it
is padding (``create_padding_mask``) or in the future (``create_look_ahead_mask``). The
equations are in ``nndl.functional`` (``positional_encoding``, ``scaled_dot_product_attention``).
"""

from __future__ import annotations

import numpy as np

from .. import functional as F

Array = np.ndarray


def get_angles(pos: Array, k: Array, d: int) -> Array:
    """pos / 10000^(2·(k // 2)/d) for a column of positions (T, 1) and a row of dims (1, d)."""
    return F.positional_angles(pos, k, d)


def positional_encoding(positions: int, d: int) -> Array:
    """The (1, positions, d) float32 matrix of sines (even columns) and cosines (odd)."""
    return F.positional_encoding(positions, d, dtype=np.float32)[None]


def create_padding_mask(decoder_token_ids: Array) -> Array:
    """(m, 1, T) float32: 1 for a real token, 0 for the padding id 0."""
    return F.padding_mask(decoder_token_ids, pad_id=0)


def create_look_ahead_mask(sequence_length: int) -> Array:
    """(1, T, T) float32 lower-triangular ones: step t sees steps 1 … t."""
    return F.look_ahead_mask(sequence_length)[None]


def scaled_dot_product_attention(q: Array, k: Array, v: Array, mask: Array | None):
    """q (..., T_q, d_k), k (..., T_k, d_k), v (..., T_k, d_v); mask broadcastable to
    (..., T_q, T_k), 1 = attend. Returns (output (..., T_q, d_v), attention_weights)."""
    output, cache = F.scaled_dot_product_attention(q, k, v, mask)
    return output, cache["weights"]
