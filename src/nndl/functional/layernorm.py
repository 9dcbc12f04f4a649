"""Layer normalization: normalise each position over its features, then scale and shift.

    μ = mean_features(x),  σ² = mean_features((x − μ)²),  x̂ = (x − μ)/√(σ² + ε),
    y = γ ⊙ x̂ + β

x: any shape with the d features on ``axis`` (0 for the course's (d, m, T_x) sequences, −1
for the (m, T, d) rows of attention); γ, β: (d, 1). Unlike batch norm nothing is averaged
over examples, so training and inference are the same computation.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _broadcast(p: Array, x: Array, axis: int, name: str) -> Array:
    d = x.shape[axis]
    p = np.asarray(p)
    if p.shape != (d, 1):
        raise ValueError(f"{name} must have shape (d, 1) = {(d, 1)} for {d} features on axis "
                         f"{axis} of x {x.shape}, got {p.shape}")
    shape = [1] * x.ndim
    shape[axis] = d
    return p.reshape(shape).astype(x.dtype, copy=False)


def layer_norm_forward(x: Array, gamma: Array, beta: Array, axis: int = 0,
                       eps: float = 1e-5) -> tuple[Array, tuple]:
    """y = γ ⊙ (x − μ)/√(σ² + ε) + β over the features on ``axis``.

    Returns (y with x's shape and dtype, cache)."""
    x = np.asarray(x)
    g = _broadcast(gamma, x, axis, "gamma")
    b = _broadcast(beta, x, axis, "beta")
    mu = x.mean(axis=axis, keepdims=True)
    xc = x - mu
    var = np.mean(xc * xc, axis=axis, keepdims=True)
    inv = 1.0 / np.sqrt(var + x.dtype.type(eps))
    xhat = xc * inv
    return g * xhat + b, (xhat, inv, g, axis)


def layer_norm_backward(dy: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """dx = (1/√(σ² + ε))·(dx̂ − mean(dx̂) − x̂·mean(dx̂ ⊙ x̂)), dx̂ = γ ⊙ dy;
    dγ = Σ_positions dy ⊙ x̂, dβ = Σ_positions dy.

    Returns (dx (x's shape), dgamma (d, 1), dbeta (d, 1))."""
    xhat, inv, g, axis = cache
    others = tuple(k for k in range(xhat.ndim) if k != axis % xhat.ndim)
    dgamma = (dy * xhat).sum(axis=others).reshape(-1, 1)
    dbeta = dy.sum(axis=others).reshape(-1, 1)
    dxhat = dy * g
    dx = dxhat - dxhat.mean(axis=axis, keepdims=True)
    dx -= xhat * (dxhat * xhat).mean(axis=axis, keepdims=True)
    dx *= inv
    return dx, dgamma, dbeta
