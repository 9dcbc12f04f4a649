"""Shared plumbing for the recurrent functions: shape checks and the time-major storage.

The public shapes are the course's: sequences ``x (n_x, m, T_x)``, hidden states
``a (n_a, m, T_x)``, one step ``(n, m)``. Internally every recurrent function keeps its
per-step arrays *time-major with examples as rows*, ``(T_x, m, n)``, so that

* the input projection of all time steps is one matrix product ``(T_x·m, n_x) @ (n_x, k)``,
* each step's slice ``[t]`` is a contiguous ``(m, n)`` block handed to BLAS,
* the weight gradients after the loop are one product each.

The ``(n, m, T)`` arrays returned are views of that storage (``rows.transpose(2, 1, 0)``);
handing such a view to the next recurrent function costs no copy.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def to_rows(x: Array) -> Array:
    """(n, m, T) → contiguous (T, m, n) (free when ``x`` is a view made by ``from_rows``)."""
    return np.ascontiguousarray(np.transpose(x, (2, 1, 0)))


def from_rows(rows: Array) -> Array:
    """(T, m, n) → the (n, m, T) view of it."""
    return np.transpose(rows, (2, 1, 0))


def check_sequence(x: Array, name: str = "x", n: int | None = None) -> Array:
    """Check ``x`` is a float (n_x, m, T_x) array and return it as an ndarray."""
    x = np.asarray(x)
    if x.ndim != 3:
        hint = " (one step (n_x, m)? add a time axis: x[:, :, None])" if x.ndim == 2 else ""
        raise ValueError(f"{name} must be a sequence of shape (n_x, m, T_x), got {x.shape}{hint}")
    if x.dtype.kind != "f":
        raise ValueError(f"{name} must be a float array, got dtype {x.dtype}"
                         " (token ids go through embedding_forward first)")
    if x.shape[2] == 0:
        raise ValueError(f"{name} must hold at least one time step (T_x ≥ 1), got shape {x.shape}")
    if n is not None and x.shape[0] != n:
        raise ValueError(f"{name} must have {n} features on axis 0 to match the weights, "
                         f"got shape {x.shape}")
    return x


def check_param(params: dict, key: str, shape: tuple) -> Array:
    """params[key] with the expected shape, or a ValueError naming both shapes."""
    if key not in params:
        raise ValueError(f"missing parameter {key!r}; expected keys {sorted(params)}")
    W = np.asarray(params[key])
    if W.shape != shape:
        raise ValueError(f"parameter {key} must have shape {shape}, got {W.shape}")
    return W


def initial_state(a0: Array | None, n_a: int, m: int, dtype, name: str = "a0") -> Array:
    """The initial state as contiguous (m, n_a) rows; zeros when ``a0`` is None."""
    if a0 is None:
        return np.zeros((m, n_a), dtype=dtype)
    a0 = np.asarray(a0)
    if a0.shape != (n_a, m):
        raise ValueError(f"{name} must have shape (n_a, m) = {(n_a, m)}, got {a0.shape}")
    return np.array(a0.T, dtype=dtype, order="C")  # a copy: callers may write into it


def sigmoid_(Z: Array) -> Array:
    """σ(Z) in place as ½·tanh(Z/2) + ½ (no overflow for any |Z|); returns Z."""
    Z *= 0.5
    np.tanh(Z, out=Z)
    Z *= 0.5
    Z += 0.5
    return Z


def upstream_rows(da: Array, shape: tuple, dtype, copy: bool = True) -> Array:
    """The upstream gradient da (n_a, m, T) as contiguous (T, m, n_a) rows, checked against
    ``shape``: a fresh copy that the backward pass may write into, never the caller's array;
    with ``copy=False`` (a backward pass that only reads it) no copy when da already is a
    view of such rows in ``dtype``."""
    da = np.asarray(da)
    if da.shape != shape:
        raise ValueError(f"da must have the forward output's shape {shape}, got {da.shape}")
    rows = np.transpose(da, (2, 1, 0))
    if copy:
        return np.array(rows, dtype=dtype, order="C")
    return np.ascontiguousarray(rows, dtype=dtype)
