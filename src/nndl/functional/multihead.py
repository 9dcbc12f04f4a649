"""Multi-head attention and the row-wise dense map it is made of.

Rows are positions: inputs (m, T, d_model). Each head h attends with its own slice of the
projections,  head_h = Attention(Q_h, K_h, V_h),  Q = X_q·Wqᵀ + bqᵀ (likewise K, V), and
out = Concat(head_1 … head_H)·Woᵀ + boᵀ.  Parameters: ``Wq, Wk, Wv, Wo (d_model, d_model)``,
``bq, bk, bv, bo (d_model, 1)`` — the course's W (n_out, n_in), b (n_out, 1).

PyTorch's ``nn.MultiheadAttention`` maps as ``in_proj_weight = [Wq; Wk; Wv]``,
``in_proj_bias = [bq; bk; bv]``, ``out_proj.weight = Wo``, ``out_proj.bias = bo``; its masks
are True where *blocked*, so pass it ``mask == 0``.
"""

from __future__ import annotations

import numpy as np

from .attention import scaled_dot_product_attention, scaled_dot_product_attention_backward

Array = np.ndarray


def dense_rows_forward(X: Array, W: Array, b: Array) -> tuple[Array, tuple]:
    """Y = X·Wᵀ + bᵀ on the last axis: X (..., n_in), W (n_out, n_in), b (n_out, 1)."""
    X = np.asarray(X)
    if W.shape[1] != X.shape[-1] or b.shape != (W.shape[0], 1):
        raise ValueError(f"need X (..., n_in), W (n_out, n_in), b (n_out, 1); "
                         f"got X {X.shape}, W {W.shape}, b {b.shape}")
    Y = X.reshape(-1, X.shape[-1]) @ W.T.astype(X.dtype, copy=False)
    Y += b.T.astype(X.dtype, copy=False)
    return Y.reshape(X.shape[:-1] + (W.shape[0],)), (X, W)


def dense_rows_backward(dY: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """dW = Σ_rows dYᵀ·X, db = Σ_rows dYᵀ, dX = dY·W.  Returns (dX, dW, db)."""
    X, W = cache
    dY2 = dY.reshape(-1, W.shape[0])
    X2 = X.reshape(-1, W.shape[1])
    dX = (dY2 @ W.astype(dY.dtype, copy=False)).reshape(X.shape)
    return dX, dY2.T @ X2, dY2.sum(axis=0)[:, None]


def _split_heads(Y: Array, n_heads: int) -> Array:
    m, T, d = Y.shape
    return np.ascontiguousarray(Y.reshape(m, T, n_heads, d // n_heads).transpose(0, 2, 1, 3))


def _merge_heads(Y: Array) -> Array:
    m, h, T, dk = Y.shape
    return np.ascontiguousarray(Y.transpose(0, 2, 1, 3)).reshape(m, T, h * dk)


def multi_head_attention_forward(q_in: Array, k_in: Array, v_in: Array, params: dict,
                                 n_heads: int, mask: Array | None = None) -> tuple[Array, dict]:
    """MultiHead(q_in, k_in, v_in) (module docstring).

    q_in (m, T_q, d), k_in and v_in (m, T_k, d); mask broadcastable to (m, T_q, T_k), 1 =
    attend (e.g. ``padding_mask`` (m, 1, T_k) or ``look_ahead_mask`` (T_q, T_k)). For
    self-attention (one array passed three times) the three projections are one product.
    Returns (out (m, T_q, d), cache); cache["weights"] is (m, n_heads, T_q, T_k).
    """
    q_in = np.asarray(q_in)
    if q_in.ndim != 3:
        raise ValueError(f"attention inputs must have shape (m, T, d_model), got {q_in.shape}")
    d = q_in.shape[-1]
    if d % n_heads:
        raise ValueError(f"d_model = {d} is not divisible by n_heads = {n_heads}")
    self_attention = q_in is k_in and k_in is v_in
    if self_attention:
        W = np.concatenate([params["Wq"], params["Wk"], params["Wv"]])
        b = np.concatenate([params["bq"], params["bk"], params["bv"]])
        QKV, proj = dense_rows_forward(q_in, W, b)
        Q, K, V = QKV[..., :d], QKV[..., d:2 * d], QKV[..., 2 * d:]
        proj_caches = (proj,)
    else:
        Q, cq = dense_rows_forward(q_in, params["Wq"], params["bq"])
        K, ck = dense_rows_forward(k_in, params["Wk"], params["bk"])
        V, cv = dense_rows_forward(v_in, params["Wv"], params["bv"])
        proj_caches = (cq, ck, cv)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.ndim == 3:
            mask = mask[:, None]                         # the same mask for every head
    O, att = scaled_dot_product_attention(_split_heads(Q, n_heads), _split_heads(K, n_heads),
                                          _split_heads(V, n_heads), mask)
    out, co = dense_rows_forward(_merge_heads(O), params["Wo"], params["bo"])
    return out, {"proj": proj_caches, "att": att, "out": co, "n_heads": n_heads,
                 "weights": att["weights"]}


def multi_head_attention_backward(dout: Array, cache: dict) -> tuple[Array, Array | None, Array | None, dict]:
    """Backward of ``multi_head_attention_forward``.

    Returns (dq_in, dk_in, dv_in, grads {Wq, bq, Wk, bk, Wv, bv, Wo, bo}); for
    self-attention dk_in and dv_in are None and dq_in is the whole input gradient.
    """
    dO, dWo, dbo = dense_rows_backward(dout, cache["out"])
    m, T, d = dO.shape
    h = cache["n_heads"]
    dQ, dK, dV = scaled_dot_product_attention_backward(
        np.ascontiguousarray(dO.reshape(m, T, h, d // h).transpose(0, 2, 1, 3)), cache["att"])
    dQ, dK, dV = _merge_heads(dQ), _merge_heads(dK), _merge_heads(dV)
    grads = {}
    if len(cache["proj"]) == 1:
        dx, dW, db = dense_rows_backward(np.concatenate([dQ, dK, dV], axis=-1), cache["proj"][0])
        for k, name in enumerate("qkv"):
            grads["W" + name], grads["b" + name] = dW[k * d:(k + 1) * d], db[k * d:(k + 1) * d]
        dins = (dx, None, None)
    else:
        dins = []
        for name, g, c in zip("qkv", (dQ, dK, dV), cache["proj"]):
            dx, grads["W" + name], grads["b" + name] = dense_rows_backward(g, c)
            dins.append(dx)
    grads["Wo"], grads["bo"] = dWo, dbo
    return dins[0], dins[1], dins[2], grads
