"""Costs J(A, Y) averaged over the m examples, and the fused output gradient.

A and Y share a shape: binary (1, m), multi-class one-hot (C, m), regression (n_y, m).
Costs computed from probabilities clip them to [eps, 1 − eps] (eps from the dtype), so
probabilities of exactly 0 and 1 give a finite cost. The ``*_from_logits`` forms take Z
instead of A and never form log(σ(Z)) or log(softmax(Z)) explicitly, so they stay exact
for any |Z|.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _eps(A: Array) -> float:
    return float(np.finfo(A.dtype).eps) if A.dtype.kind == "f" else 1e-12


def binary_cross_entropy(A: Array, Y: Array) -> float:
    """J = −(1/m) Σ [Y·log(A) + (1 − Y)·log(1 − A)].  A, Y: (1, m)."""
    m = Y.shape[-1]
    eps = _eps(A)
    A = np.clip(A, eps, 1 - eps)
    return float(-(Y * np.log(A) + (1 - Y) * np.log1p(-A)).sum() / m)


def binary_cross_entropy_backward(A: Array, Y: Array, clip: bool = True) -> Array:
    """dA = −(Y/A − (1 − Y)/(1 − A)), the course's dAL.

    Per example: the 1/m is applied in linear_backward. With ``clip`` (the default) A is first
    clipped to [eps, 1 − eps] so that a saturated sigmoid gives a finite gradient; with
    ``clip=False`` the formula is applied to A as given, as the course writes it (for any A,
    also outside (0, 1)).
    """
    if clip:
        eps = _eps(A)
        A = np.clip(A, eps, 1 - eps)
    return -(Y / A - (1 - Y) / (1 - A))


def binary_cross_entropy_from_logits(Z: Array, Y: Array) -> float:
    """J for A = σ(Z): (1/m) Σ [max(Z, 0) − Z·Y + log(1 + e^(−|Z|))].  Z, Y: (1, m)."""
    m = Y.shape[-1]
    return float((np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))).sum() / m)


def categorical_cross_entropy(A: Array, Y: Array) -> float:
    """J = −(1/m) Σ_examples Σ_classes Y·log(A).  A, Y: (C, m), Y one-hot."""
    m = Y.shape[-1]
    A = np.clip(A, _eps(A), 1.0)
    return float(-(Y * np.log(A)).sum() / m)


def categorical_cross_entropy_backward(A: Array, Y: Array) -> Array:
    """dA = −Y / A (per example; the 1/m is applied in linear_backward)."""
    return -Y / np.clip(A, _eps(A), 1.0)


def categorical_cross_entropy_from_logits(Z: Array, Y: Array) -> float:
    """J for A = softmax(Z): (1/m) Σ_examples [logsumexp(Z) − Σ_classes Y·Z].  Z, Y: (C, m)."""
    m = Y.shape[-1]
    zmax = Z.max(axis=0, keepdims=True)
    lse = np.log(np.exp(Z - zmax).sum(axis=0, keepdims=True)) + zmax
    return float((lse.sum() - (Y * Z).sum()) / m)


def mean_squared_error(A: Array, Y: Array) -> float:
    """J = (1/2m) Σ (A − Y)², the ½ making dJ/dA = (A − Y)/m."""
    m = Y.shape[-1]
    D = A - Y
    return float((D * D).sum() / (2 * m))


def mean_squared_error_backward(A: Array, Y: Array) -> Array:
    """dA = A − Y (per example; the 1/m is applied in linear_backward)."""
    return A - Y


def output_delta(A: Array, Y: Array, out: Array | None = None) -> Array:
    """dZ = A − Y: the fused gradient of sigmoid+binary CE, softmax+categorical CE and
    linear+MSE with respect to the output layer's Z (per example, before the 1/m).
    ``out``, if given, is an array of A's shape that receives dZ."""
    return np.subtract(A, Y, out=out)


LOSSES = {
    "binary_crossentropy": (binary_cross_entropy, binary_cross_entropy_backward),
    "categorical_crossentropy": (categorical_cross_entropy, categorical_cross_entropy_backward),
    "mse": (mean_squared_error, mean_squared_error_backward),
}

FROM_LOGITS = {
    "binary_crossentropy": binary_cross_entropy_from_logits,
    "categorical_crossentropy": categorical_cross_entropy_from_logits,
}

# Output activation whose pairing with the loss gives dZ = A − Y.
FUSED_ACTIVATION = {
    "binary_crossentropy": "sigmoid",
    "categorical_crossentropy": "softmax",
    "mse": "linear",
}
