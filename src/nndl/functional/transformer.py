"""A Transformer encoder layer (post-norm, as the course and the original paper):

    h = LayerNorm₁(x + MultiHead(x, x, x, mask))
    y = LayerNorm₂(h + FFN(h)),   FFN(h) = ReLU(h·W1ᵀ + b1ᵀ)·W2ᵀ + b2ᵀ

x: (m, T, d_model) rows; parameters: the multi-head keys ``Wq, bq, Wk, bk, Wv, bv, Wo, bo``,
``gamma1, beta1, gamma2, beta2 (d_model, 1)``, ``W1 (d_ff, d_model), b1 (d_ff, 1),
W2 (d_model, d_ff), b2 (d_model, 1)``. No dropout (add it around the two sub-layers).
"""

from __future__ import annotations

import numpy as np

from .layernorm import layer_norm_backward, layer_norm_forward
from .multihead import (
    dense_rows_backward, dense_rows_forward, multi_head_attention_backward,
    multi_head_attention_forward,
)

Array = np.ndarray


def encoder_layer_forward(x: Array, params: dict, n_heads: int, mask: Array | None = None,
                          eps: float = 1e-5) -> tuple[Array, tuple]:
    """y = encoder layer(x) (module docstring). Returns (y (m, T, d_model), cache)."""
    att, c_att = multi_head_attention_forward(x, x, x, params, n_heads, mask)
    h, c_ln1 = layer_norm_forward(x + att, params["gamma1"], params["beta1"], axis=-1, eps=eps)
    f, c_f1 = dense_rows_forward(h, params["W1"], params["b1"])
    np.maximum(f, 0, out=f)
    g, c_f2 = dense_rows_forward(f, params["W2"], params["b2"])
    y, c_ln2 = layer_norm_forward(h + g, params["gamma2"], params["beta2"], axis=-1, eps=eps)
    return y, (c_att, c_ln1, c_f1, f, c_f2, c_ln2)


def encoder_layer_backward(dy: Array, cache: tuple) -> tuple[Array, dict]:
    """Backward of ``encoder_layer_forward``. Returns (dx (m, T, d_model), grads)."""
    c_att, c_ln1, c_f1, f, c_f2, c_ln2 = cache
    grads = {}
    ds, grads["gamma2"], grads["beta2"] = layer_norm_backward(dy, c_ln2)
    df, grads["W2"], grads["b2"] = dense_rows_backward(ds, c_f2)
    df *= f > 0
    dh, grads["W1"], grads["b1"] = dense_rows_backward(df, c_f1)
    dh += ds                                           # the residual path
    dr, grads["gamma1"], grads["beta1"] = layer_norm_backward(dh, c_ln1)
    dx, _, _, g_att = multi_head_attention_backward(dr, c_att)
    dx += dr
    grads.update(g_att)
    return dx, grads
