"""Checks and small helpers shared by the course modules (no equations live here)."""

from __future__ import annotations

from typing import Union

import numpy as np

Array = np.ndarray
RNG = Union[np.random.Generator, np.random.RandomState, int, None]


def as_rng(rng: RNG, seed: int):
    """A random generator: ``rng`` as given, a Generator seeded with it if it is an int,
    or one seeded with the course's ``seed`` for this function if it is None."""
    if rng is None:
        return np.random.default_rng(seed)
    if isinstance(rng, (int, np.integer)):
        return np.random.default_rng(int(rng))
    if not hasattr(rng, "standard_normal"):
        raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")
    return rng


def as_float(A) -> Array:
    """A as an array; integer and boolean arrays become float64, float arrays keep their dtype."""
    A = np.asarray(A)
    return A if A.dtype.kind == "f" else A.astype(np.float64)


def check_2d(name: str, A, rows: int | None = None, cols: int | None = None) -> Array:
    """A as an array of rank 2 (with the given rows/cols), or a ValueError saying what was received."""
    A = np.asarray(A)
    if A.ndim != 2:
        hint = f"; pass {name}.reshape(1, -1) for a row or {name}.reshape(-1, 1) for a column" if A.ndim == 1 else ""
        raise ValueError(f"{name} must have rank 2, got shape {A.shape}{hint}")
    if (rows is not None and A.shape[0] != rows) or (cols is not None and A.shape[1] != cols):
        want = f"({'n' if rows is None else rows}, {'m' if cols is None else cols})"
        hint = "; examples look like rows: pass the transpose" if rows is not None and A.shape[1] == rows else ""
        raise ValueError(f"{name} has shape {A.shape}, expected {want}{hint}")
    return A


def check_XY(X, Y, n_x: int | None = None) -> tuple[Array, Array]:
    """X (n_x, m) and Y (n_y, m) with the same number of examples m."""
    X = check_2d("X", X, rows=n_x)
    Y = check_2d("Y", Y)
    if Y.shape[1] != X.shape[1]:
        hint = "; labels look like rows: pass Y.T" if Y.shape[0] == X.shape[1] else ""
        raise ValueError(f"Y has shape {Y.shape} but X has {X.shape[1]} examples (shape {X.shape}){hint}")
    return X, Y


def as_labels(Y, like: Array) -> Array:
    """Y in the dtype of the activations ``like``, so integer labels do not promote float32 to float64."""
    return np.asarray(Y).astype(like.dtype, copy=False)


def check_linear(A_prev, W, b) -> None:
    """A_prev (n[l-1], m), W (n[l], n[l-1]), b (n[l], 1)."""
    check_2d("W", W)
    check_2d("A_prev", A_prev, rows=W.shape[1])
    check_2d("b", b, rows=W.shape[0], cols=1)


def num_layers(parameters: dict) -> int:
    """L for a dict holding W1, b1, …, WL, bL (a clear KeyError if one is missing)."""
    L = sum(1 for k in parameters if k[:1] == "W" and k[1:].isdigit())
    for l in range(1, L + 1):
        for k in (f"W{l}", f"b{l}"):
            if k not in parameters:
                raise KeyError(f"parameters has no {k!r}; expected W1, b1, …, W{L}, b{L}, got {list(parameters)}")
    return L


def check_grads(parameters: dict, grads: dict) -> None:
    """Every parameter k has a gradient "d"+k of its shape."""
    for k, W in parameters.items():
        if "d" + k not in grads:
            raise KeyError(f"grads has no 'd{k}' for parameter {k!r}")
        if np.shape(grads["d" + k]) != np.shape(W):
            raise ValueError(f"d{k} has shape {np.shape(grads['d' + k])}, but {k} has shape {np.shape(W)}")


def copy_parameters(parameters: dict) -> dict:
    """An independent copy (the course's ``copy.deepcopy(params)``), float arrays kept as they are."""
    return {k: as_float(np.array(v, copy=True)) for k, v in parameters.items()}


def check_iterations(num_iterations: int) -> int:
    if int(num_iterations) < 1:
        raise ValueError(f"num_iterations must be at least 1, got {num_iterations}")
    return int(num_iterations)
