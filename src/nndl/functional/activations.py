"""Activation functions g(Z) and their backward passes, in the course's notation.

Every forward function takes ``Z`` of any shape (``(n[l], m)`` for dense layers) and
returns ``(A, cache)``; the cache is what the backward pass needs. Every backward
function takes ``(dA, cache)`` and returns ``dZ = dA * g'(Z)``, computed from the cached
*output* where the derivative allows it (sigmoid, tanh, relu), so no second
exponential is evaluated. All functions keep the dtype of their input.

``ACTIVATIONS`` maps a name to its ``(forward, backward)`` pair; ``register_activation``
lets a user add one that every layer, model file and the CLI then understand.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._batch_threads import over_batch

Array = np.ndarray


def sigmoid(Z: Array) -> tuple[Array, Array]:
    """A = σ(Z) = 1 / (1 + e^(−Z)), without overflow for any |Z|.

    Computed as e^(min(Z,0)) / (1 + e^(−|Z|)): the exponent is never positive.
    Z: any shape. Returns (A, cache=A), A with Z's shape and dtype.
    """
    Z = np.asarray(Z)
    E = np.exp(-np.abs(Z))
    A = np.where(Z >= 0, 1.0, E) / (1.0 + E)
    A = A.astype(Z.dtype, copy=False) if Z.dtype.kind == "f" else A
    return A, A


def sigmoid_backward(dA: Array, cache: Array, out: Array | None = None) -> Array:
    """dZ = dA · σ(Z)(1 − σ(Z)), from the cached output A = σ(Z).

    ``out``, if given, is an array of dA's shape that receives dZ (no temporaries).
    """
    A = cache
    dZ = np.subtract(1, A, out=out)  # 1 − A
    dZ *= A
    dZ *= dA
    return dZ


def tanh(Z: Array, out: Array | None = None) -> tuple[Array, Array]:
    """A = tanh(Z). Returns (A, cache=A). ``out``, if given, receives A (Z's shape)."""
    A = np.tanh(Z, out=out)
    return A, A


def tanh_backward(dA: Array, cache: Array, out: Array | None = None) -> Array:
    """dZ = dA · (1 − A²), from the cached output A = tanh(Z).

    ``out``, if given, is an array of dA's shape that receives dZ (no temporaries).
    """
    A = cache
    dZ = np.multiply(A, A, out=out)
    np.subtract(1, dZ, out=dZ)  # 1 − A²
    dZ *= dA
    return dZ


def relu(Z: Array, out: Array | None = None) -> tuple[Array, Array]:
    """A = max(0, Z). Returns (A, cache=A). ``out``, if given, receives A (Z's shape)."""
    if not isinstance(Z, np.ndarray) or Z.ndim == 0 or (out is not None and out.shape != Z.shape):
        A = np.maximum(Z, 0, out=out)
        return A, A
    A = np.empty_like(Z) if out is None else out
    over_batch(lambda i, j: np.maximum(Z[i:j], 0, out=A[i:j]), Z.shape[0], Z.size)  # rows split over threads
    return A, A


def relu_backward(dA: Array, cache: Array, out: Array | None = None) -> Array:
    """dZ = dA · 1[Z > 0], from the cached output (A > 0 exactly where Z > 0).

    ``out``, if given, is an array of dA's shape that receives dZ.
    """
    A = cache
    if not isinstance(dA, np.ndarray) or dA.ndim == 0 or dA.shape != np.shape(A) or (
            out is not None and out.shape != dA.shape):
        return np.multiply(dA, A > 0, out=out)
    dZ = np.empty_like(dA) if out is None else out
    over_batch(lambda i, j: np.multiply(dA[i:j], A[i:j] > 0, out=dZ[i:j]), dA.shape[0], dA.size)  # rows split
    return dZ


def leaky_relu(Z: Array, slope: float = 0.01) -> tuple[Array, Array]:
    """A = Z for Z > 0, slope·Z otherwise (default slope 0.01). Returns (A, cache=Z)."""
    Z = np.asarray(Z)
    A = np.where(Z > 0, Z, Z * Z.dtype.type(slope) if Z.dtype.kind == "f" else Z * slope)
    return A, Z


def leaky_relu_backward(dA: Array, cache: Array, slope: float = 0.01) -> Array:
    """dZ = dA · (1 if Z > 0 else slope), from the cached input Z (dA's shape)."""
    Z = cache
    return np.where(Z > 0, dA, dA * dA.dtype.type(slope))


def softmax(Z: Array, out: Array | None = None) -> tuple[Array, Array]:
    """A = e^Z / Σ_rows e^Z over axis 0 (the classes), shifted by the column max.

    Z: (C, m). Returns (A, cache=A); every column of A sums to 1. ``out``, if given, is a
    (C, m) float array that receives A (no temporaries of Z's size).
    """
    Z = np.asarray(Z)
    E = np.exp(np.subtract(Z, Z.max(axis=0, keepdims=True), out=out), out=out)
    E /= E.sum(axis=0, keepdims=True)
    return E, E


def softmax_backward(dA: Array, cache: Array) -> Array:
    """dZ = A ⊙ (dA − Σ_rows(dA ⊙ A)), the Jacobian-vector product of softmax.

    dA and the cached A = softmax(Z): (C, m). Returns dZ (C, m).

    With cross-entropy the model uses the fused dZ = A − Y instead of this.
    """
    A = cache
    return A * (dA - (dA * A).sum(axis=0, keepdims=True))


def identity(Z: Array) -> tuple[Array, Array]:
    """A = Z (the linear output of a regression network). Returns (A, cache=None)."""
    return Z, None


def identity_backward(dA: Array, cache: None) -> Array:
    """dZ = dA."""
    return dA


ActivationPair = tuple[Callable[[Array], tuple[Array, object]], Callable[[Array, object], Array]]

ACTIVATIONS: dict[str, ActivationPair] = {
    "sigmoid": (sigmoid, sigmoid_backward),
    "tanh": (tanh, tanh_backward),
    "relu": (relu, relu_backward),
    "leaky_relu": (leaky_relu, leaky_relu_backward),
    "softmax": (softmax, softmax_backward),
    "linear": (identity, identity_backward),
}


def register_activation(name: str, forward: Callable, backward: Callable) -> None:
    """Add an activation ``name`` → (forward(Z) -> (A, cache), backward(dA, cache) -> dZ)."""
    if not name or not isinstance(name, str):
        raise ValueError(f"activation name must be a non-empty string, got {name!r}")
    ACTIVATIONS[name] = (forward, backward)


def get_activation(name: str) -> ActivationPair:
    """Look up an activation pair by name, with the known names in the error."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        known = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"unknown activation {name!r}; expected one of: {known}") from None
