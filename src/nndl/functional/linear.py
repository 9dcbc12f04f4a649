"""The linear part of a dense layer: Z = W·A_prev + b and its gradients."""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def linear_forward(A_prev: Array, W: Array, b: Array, out: Array | None = None) -> tuple[Array, tuple]:
    """Z = W·A_prev + b.

    A_prev: (n[l-1], m); W: (n[l], n[l-1]); b: (n[l], 1). Returns (Z (n[l], m),
    cache=(A_prev, W, b)). ``out``, if given, is an (n[l], m) buffer that receives Z.
    """
    Z = np.matmul(W, A_prev, out=out)
    Z += b
    return Z, (A_prev, W, b)


def linear_backward(dZ: Array, cache: tuple, out: tuple[Array, Array] | None = None,
                    compute_dA_prev: bool = True) -> tuple[Array | None, Array, Array]:
    """dW = dZ·A_prevᵀ / m, db = Σ_columns dZ / m, dA_prev = Wᵀ·dZ.

    dZ: (n[l], m); cache: (A_prev (n[l-1], m), W (n[l], n[l-1]), b (n[l], 1)).
    Returns (dA_prev (n[l-1], m), dW (n[l], n[l-1]), db (n[l], 1)). ``out``, if given,
    is a (dW, db) pair of buffers that receive the parameter gradients. The first layer
    of a network needs no dA_prev (``compute_dA_prev=False`` returns None for it).
    """
    A_prev, W, _ = cache
    m = A_prev.shape[1]
    dW_out, db_out = out if out is not None else (None, None)
    if dZ.size < W.size:  # the 1/m goes on the smaller of dZ and dW (small batches)
        dZ_m = dZ * dZ.dtype.type(1.0 / m)
        dW = np.matmul(dZ_m, A_prev.T, out=dW_out)
        db = dZ_m.sum(axis=1, keepdims=True, out=db_out)
    else:
        dW = np.matmul(dZ, A_prev.T, out=dW_out)
        dW *= dW.dtype.type(1.0 / m)
        db = dZ.sum(axis=1, keepdims=True, out=db_out)
        db *= db.dtype.type(1.0 / m)
    if not compute_dA_prev:
        return None, dW, db
    if A_prev.flags.f_contiguous and not A_prev.flags.c_contiguous:
        # A_prev is stored example by example (a view of (m, n[l-1]) rows, as a recurrent
        # layer's time-major output): dA_prev gets the same layout, (dZᵀ·W)ᵀ
        return (dZ.T @ W).T, dW, db
    return W.T @ dZ, dW, db
