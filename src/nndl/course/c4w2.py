"""Course 4, week 2: the two blocks of a residual network (ResNet-50), in NumPy.

    identity block:       X → [CONV 1×1 → BN → ReLU] → [CONV f×f "same" → BN → ReLU] →
                          [CONV 1×1 → BN] → + X → ReLU
    convolutional block:  the same main path with its first convolution of stride s, and the
                          shortcut CONV 1×1 (stride s) → BN, so that the shapes match at the sum

As in the assignment: ``filters`` = [F1, F2, F3]; ``training`` selects batch statistics (True)
or the batch-norm layers' moving averages, which for freshly created layers are μ = 0, σ² = 1
(False); batch norm uses Keras's ε = 1e-3, γ = 1, β = 0; every convolution has a zero bias and
a kernel drawn by ``initializer(shape)`` — a callable that returns an array of the kernel's shape
(f, f, n_C_prev, n_C), where the assignment passes a Keras initializer. The defaults draw from
NumPy's global generator as Keras's RandomUniform(−0.05, 0.05) (identity block) and
GlorotUniform (convolutional block) do. The math is ``nndl.functional`` (conv_forward,
batchnorm_forward / batchnorm_inference, relu).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import functional as F
from ._common import as_float

Array = np.ndarray
BN_EPSILON = 1e-3  # Keras's BatchNormalization default


def random_uniform(shape) -> Array:
    """U(−0.05, 0.05), Keras's RandomUniform default, from np.random."""
    return np.random.uniform(-0.05, 0.05, size=shape)


def glorot_uniform(shape) -> Array:
    """U(−r, r), r = √(6 / (fan_in + fan_out)), fan = f·f·channels, from np.random."""
    f1, f2, n_in, n_out = shape
    r = np.sqrt(6.0 / (f1 * f2 * (n_in + n_out)))
    return np.random.uniform(-r, r, size=shape)


def _conv_bn(X: Array, f: int, n_C: int, stride: int, padding: str, training: bool,
             initializer: Callable) -> Array:
    """CONV (zero bias, kernel from the initializer) → batch norm over (m, n_H, n_W) per channel."""
    W = np.asarray(initializer((f, f, X.shape[3], n_C)), dtype=X.dtype)
    if W.shape != (f, f, X.shape[3], n_C):
        raise ValueError(f"initializer returned a kernel of shape {W.shape}, expected {(f, f, X.shape[3], n_C)}")
    Z, _ = F.conv_forward(X, W, np.zeros((1, 1, 1, n_C), X.dtype), stride, padding)
    gamma, beta = np.ones((1, 1, 1, n_C), X.dtype), np.zeros((1, 1, 1, n_C), X.dtype)
    if training:
        return F.batchnorm_forward(Z, gamma, beta, BN_EPSILON, axis=(0, 1, 2))[0]
    return F.batchnorm_inference(Z, gamma, beta, np.zeros_like(gamma), np.ones_like(gamma), BN_EPSILON)


def _check(X, filters) -> tuple[Array, int, int, int]:
    X = as_float(X)
    if X.ndim != 4:
        raise ValueError(f"X must be images (m, n_H, n_W, n_C), got shape {X.shape}")
    if len(filters) != 3:
        raise ValueError(f"filters must be [F1, F2, F3], got {filters!r}")
    return (X, *(int(n) for n in filters))


def identity_block(X: Array, f: int, filters, training: bool = True,
                   initializer: Callable = random_uniform) -> Array:
    """The identity block: X (m, n_H, n_W, n_C) → (m, n_H, n_W, F3); F3 must equal n_C."""
    X, F1, F2, F3 = _check(X, filters)
    if F3 != X.shape[3]:
        raise ValueError(f"the identity block adds X to the main path: F3 must be n_C = {X.shape[3]}, got {F3}")
    Z = F.relu(_conv_bn(X, 1, F1, 1, "valid", training, initializer))[0]
    Z = F.relu(_conv_bn(Z, f, F2, 1, "same", training, initializer))[0]
    Z = _conv_bn(Z, 1, F3, 1, "valid", training, initializer)
    return F.relu(Z + X)[0]


def convolutional_block(X: Array, f: int, filters, s: int = 2, training: bool = True,
                        initializer: Callable = glorot_uniform) -> Array:
    """The convolutional block: X (m, n_H, n_W, n_C) → (m, ⌊(n_H − 1)/s⌋ + 1, ⌊(n_W − 1)/s⌋ + 1, F3)."""
    X, F1, F2, F3 = _check(X, filters)
    Z = F.relu(_conv_bn(X, 1, F1, s, "valid", training, initializer))[0]
    Z = F.relu(_conv_bn(Z, f, F2, 1, "same", training, initializer))[0]
    Z = _conv_bn(Z, 1, F3, 1, "valid", training, initializer)
    shortcut = _conv_bn(X, 1, F3, s, "valid", training, initializer)
    return F.relu(Z + shortcut)[0]
