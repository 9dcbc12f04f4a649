"""Weight initialization, always from an explicit numpy.random.Generator.

Each initializer takes (shape, fan_in, fan_out, rng, dtype) and returns an array:
- ``zeros``: W = 0. Every unit of a layer then computes the same function and gets the
  same gradient, so the units stay identical forever (the symmetry problem).
- ``random``: W = N(0, 1) · scale (the course's ×0.01).
- ``xavier`` (Glorot): W = N(0, 1) · √(1 / n[l−1]), the course's choice for tanh.
- ``glorot_uniform``: W = U(−r, r), r = √(6 / (n[l−1] + n[l])).
- ``he``: W = N(0, 1) · √(2 / n[l−1]), for ReLU.
Biases start at zero.
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

Array = np.ndarray


def zeros(shape, fan_in, fan_out, rng, dtype=np.float32, scale: float | None = None) -> Array:
    """W = 0 (symmetric: every unit in the layer learns the same thing)."""
    return np.zeros(shape, dtype=dtype)


def random(shape, fan_in, fan_out, rng, dtype=np.float32, scale: float | None = None) -> Array:
    """W = N(0, 1) · scale, scale = 0.01 unless given."""
    return (rng.standard_normal(shape) * (0.01 if scale is None else scale)).astype(dtype)


def xavier(shape, fan_in, fan_out, rng, dtype=np.float32, scale: float | None = None) -> Array:
    """W = N(0, 1) · √(1 / fan_in)."""
    return (rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)).astype(dtype)


def glorot_uniform(shape, fan_in, fan_out, rng, dtype=np.float32, scale: float | None = None) -> Array:
    """W = U(−r, r), r = √(6 / (fan_in + fan_out))."""
    r = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-r, r, size=shape).astype(dtype)


def he(shape, fan_in, fan_out, rng, dtype=np.float32, scale: float | None = None) -> Array:
    """W = N(0, 1) · √(2 / fan_in)."""
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


INITIALIZERS: dict[str, Callable[..., Array]] = {
    "zeros": zeros,
    "random": random,
    "xavier": xavier,
    "glorot": xavier,
    "glorot_uniform": glorot_uniform,
    "he": he,
}

# The course's default for each hidden activation.
DEFAULT_INIT = {"relu": "he", "leaky_relu": "he", "tanh": "xavier", "sigmoid": "xavier",
                "softmax": "xavier", "linear": "xavier"}

SYMMETRY_WARNING = (
    "init='zeros' makes every unit of a layer compute the same output and receive the "
    "same gradient, so they never become different (the symmetry problem); "
    "use 'he' for ReLU or 'xavier' for tanh"
)


def initialize(name: str, shape, fan_in: int, fan_out: int, rng: np.random.Generator,
               dtype=np.float32, scale: float | None = None) -> Array:
    """Draw a weight array with the named initializer.

    Warns on 'zeros' for a layer of more than one unit (one unit, as in logistic
    regression, has no symmetry to break).
    """
    try:
        init = INITIALIZERS[name]
    except KeyError:
        known = ", ".join(sorted(INITIALIZERS))
        raise ValueError(f"unknown initializer {name!r}; expected one of: {known}") from None
    if name == "zeros" and fan_out > 1:
        warnings.warn(SYMMETRY_WARNING, stacklevel=3)
    return init(shape, fan_in, fan_out, rng, dtype=dtype, scale=scale)
