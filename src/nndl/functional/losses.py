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


def binary_cross_entropy(A: Array, Y: Array, m: int | None = None, mask: Array | None = None) -> float:
    """J = −(1/m) Σ [Y·log(A) + (1 − Y)·log(1 − A)].  A, Y: (1, m) (or any shape with m given).

    m: the number of examples (default Y.shape[-1]); mask: 0/1 broadcasting against Y,
    entries with mask 0 add nothing."""
    m = Y.shape[-1] if m is None else m
    eps = _eps(A)
    A = np.clip(A, eps, 1 - eps)
    return float(-_masked(Y * np.log(A) + (1 - Y) * np.log1p(-A), mask).sum() / m)


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


def binary_cross_entropy_from_logits(Z: Array, Y: Array, m: int | None = None, mask: Array | None = None) -> float:
    """J for A = σ(Z): (1/m) Σ [max(Z, 0) − Z·Y + log(1 + e^(−|Z|))].  Z, Y: (1, m);
    m and mask as in ``binary_cross_entropy``."""
    m = Y.shape[-1] if m is None else m
    return float(_masked(np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z))), mask).sum() / m)


def categorical_cross_entropy(A: Array, Y: Array, m: int | None = None, mask: Array | None = None) -> float:
    """J = −(1/m) Σ_examples Σ_classes Y·log(A).  A, Y: (C, m), Y one-hot; for sequences
    (C, m, T_y) with m given, the sum runs over the time steps too (the course's cost).
    mask: 0/1 broadcasting against Y ((m, T_y) for padded steps); masked entries add nothing."""
    m = Y.shape[-1] if m is None else m
    A = np.clip(A, _eps(A), 1.0)
    return float(-_masked(Y * np.log(A), mask).sum() / m)


def categorical_cross_entropy_backward(A: Array, Y: Array) -> Array:
    """dA = −Y / A (per example; the 1/m is applied in linear_backward)."""
    return -Y / np.clip(A, _eps(A), 1.0)


def categorical_cross_entropy_from_logits(Z: Array, Y: Array, m: int | None = None,
                                          mask: Array | None = None) -> float:
    """J for A = softmax(Z) over axis 0: (1/m) Σ_examples [logsumexp(Z) − Σ_classes Y·Z].
    Z, Y: (C, m) or (C, m, T_y); m and mask as in ``categorical_cross_entropy``."""
    m = Y.shape[-1] if m is None else m
    zmax = Z.max(axis=0, keepdims=True)
    lse = np.log(np.exp(Z - zmax).sum(axis=0, keepdims=True)) + zmax
    if mask is None:
        return float((lse.sum() - (Y * Z).sum()) / m)
    return float(_masked(lse - (Y * Z).sum(axis=0, keepdims=True), mask).sum() / m)


def mean_squared_error(A: Array, Y: Array, m: int | None = None, mask: Array | None = None) -> float:
    """J = (1/2m) Σ (A − Y)², the ½ making dJ/dA = (A − Y)/m; m and mask as above."""
    m = Y.shape[-1] if m is None else m
    D = A - Y
    return float(_masked(D * D, mask).sum() / (2 * m))


def mean_squared_error_backward(A: Array, Y: Array) -> Array:
    """dA = A − Y (per example; the 1/m is applied in linear_backward)."""
    return A - Y


def output_delta(A: Array, Y: Array, out: Array | None = None, mask: Array | None = None) -> Array:
    """dZ = A − Y: the fused gradient of sigmoid+binary CE, softmax+categorical CE and
    linear+MSE with respect to the output layer's Z (per example, before the 1/m).
    ``out``, if given, is an array of A's shape that receives dZ; with a 0/1 ``mask``
    (broadcasting against Y) dZ = (A − Y)·mask: masked entries get no gradient."""
    dZ = np.subtract(A, Y, out=out)
    if mask is not None:
        np.multiply(dZ, np.asarray(mask, dtype=dZ.dtype), out=dZ)
    return dZ


def _masked(L: Array, mask: Array | None) -> Array:
    """L with masked entries (mask 0) set to 0; L itself without a mask."""
    return L if mask is None else L * np.asarray(mask, dtype=L.dtype)


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
