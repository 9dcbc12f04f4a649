"""Max and average pooling of images (Course 4, week 1), and global average pooling.

A_prev: (m, n_H_prev, n_W_prev, n_C); windows f×f moved by ``stride`` (they may overlap,
stride < f, or skip pixels, stride > f); n_H = ⌊(n_H_prev − f)/s⌋ + 1, so rows and
columns that do not fill a last window are left out, as the course and PyTorch do.

Both directions loop over the f·f kernel offsets (p, q), never over positions: the slice
A_prev[:, p::s, q::s, :] (n_H × n_W of it) holds offset (p, q) of every window at once.
"""

from __future__ import annotations

import numpy as np

from ._batch_threads import over_batch
from .conv import _check_images, _positive, buffer

Array = np.ndarray
POOL_MODES = ("max", "average")


def _offset(A: Array, p: int, q: int, stride: int, n_H: int, n_W: int) -> Array:
    """A[:, p + h·s, q + w·s, :] for all h < n_H, w < n_W: offset (p, q) of every window."""
    return A[:, p:p + stride * (n_H - 1) + 1:stride, q:q + stride * (n_W - 1) + 1:stride, :]


def pool_output_shape(shape: tuple[int, ...], f: int, stride: int) -> tuple[int, int, int, int]:
    """(m, ⌊(n_H_prev − f)/s⌋ + 1, ⌊(n_W_prev − f)/s⌋ + 1, n_C), or a ValueError if f does not fit."""
    m, n_H_prev, n_W_prev, n_C = shape
    if f > n_H_prev or f > n_W_prev:
        raise ValueError(f"a {f}×{f} pooling window does not fit images of shape {tuple(shape)}")
    return m, (n_H_prev - f) // stride + 1, (n_W_prev - f) // stride + 1, n_C


def pool_forward(A_prev: Array, f: int, stride: int | None = None, mode: str = "max",
                 workspace: dict | None = None) -> tuple[Array, tuple]:
    """A[i, h, w, c] = max (or mean) of A_prev[i, h·s : h·s + f, w·s : w·s + f, c].

    A_prev: (m, n_H_prev, n_W_prev, n_C); stride defaults to f. mode: "max" or "average".
    Returns (A (m, n_H, n_W, n_C), cache). workspace: as for ``conv_forward`` (A is then reused).
    """
    _check_images("A_prev", A_prev)
    f = _positive("f", f)
    stride = f if stride is None else _positive("stride", stride)
    if mode not in POOL_MODES:
        raise ValueError(f"mode must be one of {POOL_MODES}, got {mode!r}")
    out_shape = pool_output_shape(A_prev.shape, f, stride)
    _, n_H, n_W, _ = out_shape
    A = buffer(workspace, "A", out_shape, A_prev.dtype)
    combine = np.maximum if mode == "max" else np.add

    def pool(i: int, j: int) -> None:  # examples i..j−1
        A_i, X_i = A[i:j], A_prev[i:j]
        np.copyto(A_i, _offset(X_i, 0, 0, stride, n_H, n_W))
        for p in range(f):
            for q in range(f):
                if p or q:
                    combine(A_i, _offset(X_i, p, q, stride, n_H, n_W), out=A_i)
        if mode == "average":
            A_i *= A.dtype.type(1.0 / (f * f))

    over_batch(pool, A.shape[0], A_prev.size)  # the examples split over the cores (see _batch_threads)
    return A, (A_prev, A, f, stride, mode)


def pool_backward(dA: Array, cache: tuple, workspace: dict | None = None) -> Array:
    """dA_prev: each output's gradient sent back to its window.

    max: to the position of the window's maximum (the first one in row-major order when
    several are equal, as PyTorch does); average: dA/(f·f) to every position of the window.
    Overlapping windows add their contributions. dA: (m, n_H, n_W, n_C); returns A_prev's shape.
    workspace: as for ``conv_forward`` (dA_prev is then reused).
    """
    A_prev, A, f, stride, mode = cache
    if dA.shape != A.shape:
        raise ValueError(f"dA must have the pooled output's shape {A.shape}, got {dA.shape}")
    _, n_H, n_W, _ = A.shape
    disjoint = stride >= f  # every input position lies in at most one window
    tiles = stride == f and A_prev.shape[1] == n_H * f and A_prev.shape[2] == n_W * f
    # windows that tile the input write every position once; otherwise start from zeros
    dA_prev = buffer(workspace, "dA_prev", A_prev.shape, dA.dtype)
    hit_all = buffer(workspace, "hit", A.shape, bool) if mode == "max" else None
    pending_all = buffer(workspace, "pending", A.shape, bool) if mode == "max" else None

    def route(i: int, j: int) -> None:  # examples i..j−1
        dA_i, dA_prev_i, X_i = dA[i:j], dA_prev[i:j], A_prev[i:j]
        if not tiles:
            dA_prev_i.fill(0)
        if mode == "average":
            share = dA_i * dA.dtype.type(1.0 / (f * f))
            for p in range(f):
                for q in range(f):
                    target = _offset(dA_prev_i, p, q, stride, n_H, n_W)
                    if disjoint:
                        np.copyto(target, share)
                    else:
                        target += share
            return
        # Offsets are visited in row-major order; ``pending`` marks the windows whose maximum
        # has not been met yet, so each window's gradient goes to its first maximum only.
        hit, pending, last = hit_all[i:j], None, f * f - 1
        for k in range(f * f):
            p, q = divmod(k, f)
            if k == last:  # whatever is still pending has its maximum here
                hit = pending if pending is not None else np.ones(dA_i.shape, dtype=bool)
            else:
                np.equal(_offset(X_i, p, q, stride, n_H, n_W), A[i:j], out=hit)
                if pending is None:
                    pending = np.logical_not(hit, out=pending_all[i:j])
                else:
                    hit &= pending
                    pending ^= hit
            target = _offset(dA_prev_i, p, q, stride, n_H, n_W)
            if disjoint:
                np.multiply(dA_i, hit, out=target)  # writes the whole offset: dA where the maximum is, else 0
            else:
                target += dA_i * hit

    over_batch(route, A.shape[0], A_prev.size)  # the examples split over the cores (see _batch_threads)
    return dA_prev


def global_avg_pool_forward(A_prev: Array) -> tuple[Array, tuple]:
    """a[c, i] = mean over h, w of A_prev[i, h, w, c]: one number per channel and example.

    A_prev: (m, n_H, n_W, n_C). Returns (A (n_C, m), cache): columns are examples, ready for
    a dense layer, as Flatten's output is.
    """
    _check_images("A_prev", A_prev)
    return A_prev.mean(axis=(1, 2)).T, A_prev.shape


def global_avg_pool_backward(dA: Array, cache: tuple) -> Array:
    """dA_prev[i, h, w, c] = dA[c, i] / (n_H·n_W). dA: (n_C, m); returns (m, n_H, n_W, n_C)."""
    m, n_H, n_W, n_C = cache
    if dA.shape != (n_C, m):
        raise ValueError(f"dA must have shape {(n_C, m)}, got {dA.shape}")
    share = dA.T * dA.dtype.type(1.0 / (n_H * n_W))
    return np.broadcast_to(share[:, None, None, :], cache).copy()
