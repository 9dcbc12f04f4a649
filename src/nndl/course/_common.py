"""Checks and small helpers shared by the course modules (no equations live here)."""

from __future__ import annotations

from typing import Union

import numpy as np

from .. import functional as F
from .. import initializers
from ..optimizers import GradientDescent

Array = np.ndarray
RNG = Union[np.random.Generator, np.random.RandomState, int, None]


def as_rng(rng: RNG, seed: int | None = None):
    """The random source of a course function, drawn from as the notebook draws.

    - None: NumPy's global generator, as the notebooks use it (``np.random.randn``, ``rand``,
      ``permutation``). When the notebook's own function seeds itself (e.g.
      ``np.random.seed(3)`` inside ``initialize_parameters_deep``), ``seed`` is that seed and
      the global generator is seeded with it first, exactly as the notebook does; with
      ``seed=None`` the learner's own ``np.random.seed(…)`` before the call applies.
    - an int: what the notebook's seed means: the draws of ``np.random.seed(rng)`` followed by
      the same calls (a private ``np.random.RandomState(rng)``; the global state is left alone).
    - a ``numpy.random.Generator`` or legacy ``np.random.RandomState``: drawn from as given.

    Returns an object with ``standard_normal(shape)``, ``random(shape)`` and ``permutation(m)``.
    """
    if rng is None:
        if seed is not None:
            np.random.seed(seed)
        return np.random  # the module's functions draw from the global RandomState
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.RandomState(int(rng))
    if isinstance(rng, (np.random.Generator, np.random.RandomState)):
        return rng
    raise TypeError(f"rng must be None, an int seed, a numpy.random.Generator or a np.random.RandomState, "
                    f"got {type(rng).__name__}")


def as_Y(Y) -> Array:
    """Labels as the notebooks pass them, as a row (1, m): a rank-1 ``np.array([1, 1, 0])``
    becomes (1, 3); booleans (``np.random.randn(1, m) > 0``) stay booleans until used."""
    Y = np.asarray(Y)
    return Y.reshape(1, -1) if Y.ndim == 1 else Y


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
    Y = check_2d("Y", as_Y(Y))
    if Y.shape[1] != X.shape[1]:
        hint = "; labels look like rows: pass Y.T" if Y.shape[0] == X.shape[1] else ""
        raise ValueError(f"Y has shape {Y.shape} but X has {X.shape[1]} examples (shape {X.shape}){hint}")
    return X, Y


def as_labels(Y, like: Array) -> Array:
    """Y in the dtype of the activations ``like``, so integer labels do not promote float32 to float64."""
    return as_Y(Y).astype(like.dtype, copy=False)


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
    Y = as_Y(Y)
    if np.shape(A) != np.shape(Y):
        raise ValueError(f"{name} has shape {np.shape(A)} but Y has shape {np.shape(Y)}; expected both (1, m)")
    return F.binary_cross_entropy(A, as_labels(Y, np.asarray(A)))


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


def deep_parameters(layer_dims, init: str, rng, dtype, scale: float | None = None) -> dict:
    """W[l] = initializers.initialize(init, …) (n[l], n[l−1]) and b[l] = 0 for l = 1 … L, drawn from
    ``rng`` in the order W1, W2, … (the notebooks' loop); layer_dims = [n[0], …, n[L]]."""
    dims = check_layer_dims("layer_dims", layer_dims)

    def draw_W(shape, fan_in, fan_out):
        return initializers.initialize(init, shape, fan_in, fan_out, rng, dtype=dtype, scale=scale)
    return layer_parameters(dims, draw_W, dtype)


def gradient_descent_copy(parameters: dict, grads: dict, learning_rate: float) -> dict:
    """θ ← θ − α·dθ on a copy of ``parameters`` (``GradientDescent``); the caller's arrays stay as they are."""
    return GradientDescent(learning_rate).update(copy_parameters(parameters), grads)
