"""Course 4, week 1: convolution and pooling, step by step.

    zero_pad:         (m, n_H, n_W, n_C) → (m, n_H + 2p, n_W + 2p, n_C), zeros around
    conv_single_step: Z = Σ a_slice_prev ⊙ W + b, one window and one filter
    conv_forward:     Z[i, h, w, c] = Σ A_pad[i, h·s : h·s + f, w·s : w·s + f, :] ⊙ W[…, c] + b[c]
    pool_forward:     A[i, h, w, c] = max (or mean) of A_prev[i, h·s : h·s + f, w·s : w·s + f, c]
    conv_backward:    dA_prev, dW, db (sums over the examples, as the assignment computes them)
    pool_backward:    dA to the window's maximum (create_mask_from_window) or spread evenly
                      over the window (distribute_value)

The assignment's signatures, ``hparameters`` dicts ({"stride", "pad"} for convolutions,
{"stride", "f"} for pooling), caches and return values; the math is ``nndl.functional.conv``
and ``nndl.functional.pooling`` (im2col and one matrix product instead of the assignment's
four loops).
"""

from __future__ import annotations

import numpy as np

from ..functional import conv as C
from ..functional import pooling as P
from ._common import as_float

Array = np.ndarray


def zero_pad(X: Array, pad: int) -> Array:
    """Pad the height and width of every image of X (m, n_H, n_W, n_C) with ``pad`` zeros."""
    return C.zero_pad(as_float(X), pad)


def conv_single_step(a_slice_prev: Array, W: Array, b: Array) -> float:
    """Z = Σ a_slice_prev ⊙ W + b: one filter on one window. a_slice_prev, W: (f, f, n_C_prev);
    b: (1, 1, 1). Returns a scalar of the inputs' float type."""
    a_slice_prev, W, b = as_float(a_slice_prev), as_float(W), as_float(b)
    if a_slice_prev.shape != W.shape or a_slice_prev.ndim != 3:
        raise ValueError(f"a_slice_prev and W must share a shape (f, f, n_C_prev), got {a_slice_prev.shape} and {W.shape}")
    Z, _ = C.conv_forward(a_slice_prev[None], W[..., None], b.reshape(1, 1, 1, 1))
    return Z.dtype.type(Z[0, 0, 0, 0])


def _hparams(hparameters: dict, keys: tuple[str, str]) -> tuple[int, int]:
    missing = [k for k in keys if k not in hparameters]
    if missing:
        raise ValueError(f"hparameters must hold {keys}, missing {missing}")
    return int(hparameters[keys[0]]), int(hparameters[keys[1]])


def conv_forward(A_prev: Array, W: Array, b: Array, hparameters: dict) -> tuple[Array, tuple]:
    """Z for A_prev (m, n_H_prev, n_W_prev, n_C_prev), W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C)
    and hparameters {"stride", "pad"}; n_H = ⌊(n_H_prev − f + 2·pad)/stride⌋ + 1.
    Returns (Z (m, n_H, n_W, n_C), cache = (A_prev, W, b, hparameters))."""
    A_prev, W, b = as_float(A_prev), as_float(W), as_float(b)
    stride, pad = _hparams(hparameters, ("stride", "pad"))
    Z, _ = C.conv_forward(A_prev, W, b, stride, pad)
    return Z, (A_prev, W, b, hparameters)


def conv_backward(dZ: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """dA_prev (m, n_H_prev, n_W_prev, n_C_prev), dW (f, f, n_C_prev, n_C), db (1, 1, 1, n_C)
    from dZ (m, n_H, n_W, n_C) and conv_forward's cache."""
    A_prev, W, b, hparameters = cache
    stride, pad = _hparams(hparameters, ("stride", "pad"))
    _, conv_cache = C.conv_forward(A_prev, W, b, stride, pad)
    return C.conv_backward(as_float(dZ), conv_cache)


def _mode(mode: str) -> str:
    if mode in ("average", "avg"):
        return "average"
    if mode == "max":
        return "max"
    raise ValueError(f"mode must be 'max' or 'average', got {mode!r}")


def pool_forward(A_prev: Array, hparameters: dict, mode: str = "max") -> tuple[Array, tuple]:
    """A (m, n_H, n_W, n_C), n_H = ⌊(n_H_prev − f)/stride⌋ + 1, for hparameters {"stride", "f"}
    and mode "max" or "average". Returns (A, cache = (A_prev, hparameters))."""
    A_prev = as_float(A_prev)
    stride, f = _hparams(hparameters, ("stride", "f"))
    A, _ = P.pool_forward(A_prev, f, stride, _mode(mode))
    return A, (A_prev, hparameters)


def create_mask_from_window(x: Array) -> Array:
    """mask = (x == max(x)): True where the window x (f, f) holds its maximum."""
    x = np.asarray(x)
    return x == np.max(x)


def distribute_value(dz: float, shape: tuple[int, int]) -> Array:
    """dz spread evenly over a window of ``shape`` (n_H, n_W): every entry dz / (n_H·n_W)."""
    n_H, n_W = shape
    return np.full((n_H, n_W), dz / (n_H * n_W))


def pool_backward(dA: Array, cache: tuple, mode: str = "max") -> Array:
    """dA_prev (A_prev's shape) from dA (m, n_H, n_W, n_C) and pool_forward's cache: max
    pooling sends each gradient to its window's maximum, average pooling spreads it evenly."""
    A_prev, hparameters = cache
    stride, f = _hparams(hparameters, ("stride", "f"))
    _, pool_cache = P.pool_forward(A_prev, f, stride, _mode(mode))
    return P.pool_backward(as_float(dA), pool_cache)
