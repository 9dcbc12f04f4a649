"""Regularization: L2 weight decay, L1 (sparsity), inverted dropout, gradient clipping."""

from __future__ import annotations

from typing import Iterable

import numpy as np

Array = np.ndarray


def l2_cost(weights: Iterable[Array], lambd: float, m: int) -> float:
    """The L2 term added to the cost: (λ / 2m) · Σ_l ‖W[l]‖²_F."""
    return float(lambd / (2 * m) * sum(float(np.sum(np.square(W))) for W in weights))


def l2_grad(W: Array, lambd: float, m: int) -> Array:
    """Its gradient with respect to one W[l]: (λ / m) · W[l], added to dW[l] (W's shape and dtype)."""
    return W * W.dtype.type(lambd / m)


def l1_cost(weights: Iterable[Array], lambd1: float, m: int) -> float:
    """The L1 term added to the cost: (λ₁ / m) · Σ_l Σ_ij |W[l]_ij|  (pushes weights to exactly 0)."""
    return float(lambd1 / m * sum(float(np.sum(np.abs(W))) for W in weights))


def l1_grad(W: Array, lambd1: float, m: int) -> Array:
    """Its (sub)gradient with respect to one W[l]: (λ₁ / m) · sign(W[l]) (0 where W = 0),
    added to dW[l] (W's shape and dtype)."""
    return np.sign(W) * W.dtype.type(lambd1 / m)


def dropout_forward(A: Array, keep_prob: float, rng: np.random.Generator | None = None,
                    D: Array | None = None) -> tuple[Array, Array]:
    """Inverted dropout: D = (U < keep_prob), A = A ⊙ D / keep_prob.

    A: any shape. Draws U from ``rng`` (a Generator, or a legacy RandomState) unless the mask
    ``D`` (0/1, A's shape) is given.
    Returns (A_dropped, cache=D), D in A's dtype.
    """
    if not 0.0 < keep_prob <= 1.0:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}")
    if D is None:
        if rng is None:
            raise ValueError("dropout_forward needs an rng or a mask D")
        if isinstance(rng, np.random.Generator):
            U = rng.random(A.shape, dtype=np.float64 if A.dtype == np.float64 else np.float32)
        else:  # a legacy np.random.RandomState (or the np.random module), as the course draws
            U = rng.random_sample(A.shape)
        D = U < keep_prob
    D = np.asarray(D).astype(A.dtype, copy=False)
    if D.shape != A.shape:
        raise ValueError(f"dropout mask has shape {D.shape}, expected A's shape {A.shape}")
    scale = A.dtype.type(1.0 / keep_prob)
    return A * D * scale, D


def dropout_backward(dA: Array, cache: Array, keep_prob: float) -> Array:
    """dA_prev = dA ⊙ D / keep_prob (the same neurons are shut down as in forward).

    dA and the cached mask D: one shape (any). Returns dA_prev of that shape and dA's dtype.
    """
    D = cache
    return dA * D * dA.dtype.type(1.0 / keep_prob)


def clip_by_value(grads: dict[str, Array], clip_value: float) -> dict[str, Array]:
    """Clip every gradient element to [−clip_value, clip_value], in place. Returns grads."""
    if clip_value <= 0:
        raise ValueError(f"clip_value must be positive, got {clip_value}")
    for g in grads.values():
        np.clip(g, -clip_value, clip_value, out=g)
    return grads


def global_norm(grads: dict[str, Array]) -> float:
    """‖g‖ = sqrt(Σ over all gradients of Σ g²)."""
    return float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))


def clip_by_global_norm(grads: dict[str, Array], max_norm: float) -> float:
    """If ‖g‖ > max_norm, scale every gradient by max_norm / ‖g‖, in place.

    Returns the norm before clipping.
    """
    if max_norm <= 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    norm = global_norm(grads)
    if norm > max_norm:
        for g in grads.values():
            g *= g.dtype.type(max_norm / norm)
    return norm
