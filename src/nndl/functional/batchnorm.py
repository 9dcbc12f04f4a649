"""Batch normalization over the examples of a mini-batch (Course 2, week 3)."""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def batchnorm_forward(Z: Array, gamma: Array, beta: Array, eps: float = 1e-5,
                      axis: int | tuple[int, ...] = 1) -> tuple[Array, tuple, Array, Array]:
    """μ = mean(Z), σ² = var(Z) over the examples; Ẑ = (Z − μ)/√(σ² + ε); Z̃ = γ·Ẑ + β.

    Z: (n[l], m) for dense layers (``axis=1``); gamma, beta: (n[l], 1).
    Returns (Z_tilde, cache, mu, var); mu and var feed the running averages.
    """
    mu = Z.mean(axis=axis, keepdims=True)
    Zc = Z - mu
    var = (Zc * Zc).mean(axis=axis, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + Z.dtype.type(eps))
    Z_hat = Zc * inv_std
    return gamma * Z_hat + beta, (Z_hat, inv_std, gamma, axis), mu, var


def batchnorm_inference(Z: Array, gamma: Array, beta: Array, running_mean: Array,
                        running_var: Array, eps: float = 1e-5) -> Array:
    """Z̃ = γ·(Z − μ_running)/√(σ²_running + ε) + β, used at test time.

    Z: (n[l], m); gamma, beta, running_mean, running_var: (n[l], 1) (or shapes that
    broadcast against Z the same way, e.g. (1, 1, 1, n_C) for images). Returns Z̃ (Z's shape).
    """
    return gamma * (Z - running_mean) / np.sqrt(running_var + Z.dtype.type(eps)) + beta


def batchnorm_backward(dZ_tilde: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """Gradients of batch norm, with N the number of examples normalized together:

    dβ = Σ dZ̃, dγ = Σ dZ̃·Ẑ, dZ = (γ/σ̂)/N · (N·dZ̃ − dβ − Ẑ·dγ).
    These are sums, not means: the 1/m of the cost lives in dZ̃ (layers pass the
    per-example gradient, so the layer scales dγ, dβ by 1/m like linear_backward).
    dZ_tilde: Z's shape. Returns (dZ (Z's shape), dgamma, dbeta (gamma's shape)).
    """
    Z_hat, inv_std, gamma, axis = cache
    N = Z_hat.size // gamma.size
    dbeta = dZ_tilde.sum(axis=axis, keepdims=True)
    dgamma = (dZ_tilde * Z_hat).sum(axis=axis, keepdims=True)
    dZ = (gamma * inv_std / N) * (N * dZ_tilde - dbeta - Z_hat * dgamma)
    return dZ, dgamma, dbeta
