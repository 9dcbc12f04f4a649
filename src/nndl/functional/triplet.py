"""Triplet loss for face verification (Course 4, week 4, FaceNet).

Encodings are columns, as dense activations are in nndl: A (anchor), P (positive, same
identity), N (negative, another identity), each (d, m).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def triplet_loss(A: Array, P: Array, N: Array, alpha: float = 0.2) -> tuple[float, tuple[Array, Array, Array]]:
    """J = Σ_i max(‖A_i − P_i‖² − ‖A_i − N_i‖² + α, 0), summed over the m triplets (columns).

    Gradients, where the hinge is active (1_i = [‖A_i − P_i‖² − ‖A_i − N_i‖² + α > 0]):
    ∂J/∂A_i = 2(N_i − P_i)·1_i, ∂J/∂P_i = −2(A_i − P_i)·1_i, ∂J/∂N_i = 2(A_i − N_i)·1_i.
    A, P, N: (d, m). Returns (J, (dA, dP, dN)), each gradient (d, m).
    """
    A, P, N = (np.asarray(x) for x in (A, P, N))
    if A.ndim != 2 or A.shape != P.shape or A.shape != N.shape:
        raise ValueError(f"anchor, positive and negative must share a shape (d, m), got {A.shape}, {P.shape}, {N.shape}")
    AP, AN = A - P, A - N
    basic = np.sum(AP * AP, axis=0) - np.sum(AN * AN, axis=0) + alpha
    active = (basic > 0).astype(A.dtype if A.dtype.kind == "f" else np.float64)
    J = float(np.sum(basic * active))
    two = 2 * active
    return J, ((N - P) * two, -AP * two, AN * two)


def l2_normalize_forward(Z: Array) -> tuple[Array, tuple[Array, Array]]:
    """a = z / ‖z‖ for each column z of Z (d, m) (‖z‖ floored at 1e-12). Returns (A, cache)."""
    norm = np.sqrt(np.sum(Z * Z, axis=0, keepdims=True))
    norm = np.maximum(norm, np.asarray(1e-12, Z.dtype))
    A = Z / norm
    return A, (A, norm)


def l2_normalize_backward(dA: Array, cache) -> Array:
    """dz = (dA − a·(aᵀdA)) / ‖z‖ per column: the gradient through a = z/‖z‖."""
    A, norm = cache
    return (dA - A * np.sum(A * dA, axis=0, keepdims=True)) / norm
