"""Checks and small helpers shared by the course modules (no equations live here)."""

from __future__ import annotations

from typing import Union

import numpy as np

from .. import functional as F
from .. import initializers
from ..optimizers import GradientDescent

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
    """num_iterations as an int ≥ 1, or a ValueError saying what was received."""
    if int(num_iterations) < 1:
        raise ValueError(f"num_iterations must be at least 1, got {num_iterations}")
    return int(num_iterations)


def binary_cost(name: str, A, Y) -> float:
    """J = −(1/m) Σ [Y·log A + (1 − Y)·log(1 − A)] by ``nndl.functional``, after checking that
    the output A (named ``name``, e.g. "AL") and Y have the same shape, (1, m)."""
    if np.shape(A) != np.shape(Y):
        raise ValueError(f"{name} has shape {np.shape(A)} but Y has shape {np.shape(Y)}; expected both (1, m)")
    return F.binary_cross_entropy(A, Y)


def check_layer_dims(name: str, layer_dims) -> list[int]:
    """[n[0], …, n[L]] as ints: at least 2 sizes, each ≥ 1 (``name`` is the argument's name)."""
    dims = [int(n) for n in layer_dims]
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"{name} must list at least 2 positive sizes [n_x, …, n_y], got {dims}")
    return dims


def layer_parameters(dims: list[int], draw_W, dtype) -> dict:
    """W[l] = draw_W((n[l], n[l−1]), n[l−1], n[l]) and b[l] = 0 (n[l], 1) for l = 1 … L, in the
    order W1, b1, W2, b2, …; dims from ``check_layer_dims``."""
    parameters = {}
    for l in range(1, len(dims)):
        n, n_prev = dims[l], dims[l - 1]
        parameters["W" + str(l)] = draw_W((n, n_prev), n_prev, n)
        parameters["b" + str(l)] = np.zeros((n, 1), dtype=dtype)
    return parameters


def small_random_parameters(n_x: int, n_h: int, n_y: int, rng, dtype) -> dict:
    """The 2-layer network of Course 1: W1 = N(0, 1)·0.01 (n_h, n_x), b1 = 0 (n_h, 1),
    W2 = N(0, 1)·0.01 (n_y, n_h), b2 = 0 (n_y, 1), drawn from ``rng`` in that order."""
    def draw_W(shape, fan_in, fan_out):
        return initializers.random(shape, fan_in, fan_out, rng, dtype=dtype, scale=0.01)
    return layer_parameters([n_x, n_h, n_y], draw_W, dtype)


def gradient_descent_copy(parameters: dict, grads: dict, learning_rate: float) -> dict:
    """θ ← θ − α·dθ on a copy of ``parameters`` (``GradientDescent``); the caller's arrays stay as they are."""
    return GradientDescent(learning_rate).update(copy_parameters(parameters), grads)
