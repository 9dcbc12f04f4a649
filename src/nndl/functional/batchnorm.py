"""Batch normalization over the examples of a mini-batch (Course 2, week 3)."""

from __future__ import annotations

import numpy as np

from . import _batchnorm_kernels
from ._batch_threads import added, over_batch, splitting
from ._numba import kernel_float
from .conv import buffer, row_group, sum_channels

Array = np.ndarray


def batchnorm_forward(Z: Array, gamma: Array, beta: Array, eps: float = 1e-5,
                      axis: int | tuple[int, ...] = 1, workspace: dict | None = None, relu: bool = False
                      ) -> tuple[Array, tuple, Array, Array]:
    """μ = mean(Z), σ² = var(Z) over the examples; Ẑ = (Z − μ)/√(σ² + ε); Z̃ = γ·Ẑ + β.

    Z: (n[l], m) for dense layers (``axis=1``); gamma, beta: (n[l], 1); images
    (m, n_H, n_W, n_C) per channel: ``axis=(0, 1, 2)``, gamma, beta (1, 1, 1, n_C).
    Returns (Z_tilde, cache, mu, var); mu and var feed the running averages.
    workspace: as for ``conv_forward`` (images only: Z̃ and Ẑ are then reused arrays).
    relu: return A = max(Z̃, 0) instead (a ReLU after the normalization, in its last pass);
    ``batchnorm_backward`` then takes dA and applies the ReLU's backward first.
    """
    if _channels_last(Z, axis):
        return _forward_channels_last(Z, gamma, beta, eps, axis, workspace, relu)
    mu = Z.mean(axis=axis, keepdims=True)
    Zc = Z - mu
    var = (Zc * Zc).mean(axis=axis, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + var.dtype.type(eps))  # var's float dtype: an integer Z would make ε 0
    Z_hat = Zc * inv_std
    out = gamma * Z_hat + beta
    if relu:
        np.maximum(out, 0, out=out)
    return out, (Z_hat, inv_std, gamma, axis) + ((out,) if relu else ()), mu, var


def batchnorm_inference(Z: Array, gamma: Array, beta: Array, running_mean: Array,
                        running_var: Array, eps: float = 1e-5) -> Array:
    """Z̃ = γ·(Z − μ_running)/√(σ²_running + ε) + β, used at test time.

    Z: (n[l], m); gamma, beta, running_mean, running_var: (n[l], 1) (or shapes that
    broadcast against Z the same way, e.g. (1, 1, 1, n_C) for images). Returns Z̃ (Z's shape).
    """
    eps = np.result_type(Z.dtype, running_var.dtype, np.float32).type(eps)  # a float ε, even for integer Z
    return gamma * (Z - running_mean) / np.sqrt(running_var + eps) + beta


def batchnorm_backward(dZ_tilde: Array, cache: tuple, workspace: dict | None = None) -> tuple[Array, Array, Array]:
    """Gradients of batch norm, with N the number of examples normalized together:

    dβ = Σ dZ̃, dγ = Σ dZ̃·Ẑ, dZ = (γ/σ̂)/N · (N·dZ̃ − dβ − Ẑ·dγ).
    These are sums, not means: the 1/m of the cost lives in dZ̃ (layers pass the
    per-example gradient, so the layer scales dγ, dβ by 1/m like linear_backward).
    dZ_tilde: Z's shape. Returns (dZ (Z's shape), dgamma, dbeta (gamma's shape)).
    workspace: as for ``batchnorm_forward`` (dZ is then a reused array).
    After ``batchnorm_forward(..., relu=True)`` the first argument is dA, the gradient of the
    ReLU's output A, and dZ̃ = dA·1[A > 0].
    """
    Z_hat, inv_std, gamma, axis, *relu_out = cache
    if _channels_last(Z_hat, axis) and dZ_tilde.shape == Z_hat.shape:
        return _backward_channels_last(dZ_tilde, cache, workspace)
    if relu_out:
        dZ_tilde = dZ_tilde * (relu_out[0] > 0)
    N = Z_hat.size // gamma.size
    dbeta = dZ_tilde.sum(axis=axis, keepdims=True)
    dgamma = (dZ_tilde * Z_hat).sum(axis=axis, keepdims=True)
    dZ = (gamma * inv_std / N) * (N * dZ_tilde - dbeta - Z_hat * dgamma)
    return dZ, dgamma, dbeta


# ---------------------------------------------------------------- images, channels last
# The same equations for Z (m, n_H, n_W, n_C) normalized per channel, written for speed: Z is
# seen as a matrix Z2 (N = m·n_H·n_W rows, n_C columns); the sums over the rows are BLAS
# products 1ᵀ·Z2 (``sum_channels``); the elementwise passes run over wide rows (k rows of n_C
# side by side, against the per-channel vectors repeated k times) into reused arrays.

# Images use the two-pass kernels of the optional numba extra when it is installed (set False
# to run the NumPy code below, the reference the tests check the kernels against).
USE_KERNELS = _batchnorm_kernels.AVAILABLE


def _channels_last(Z: Array, axis) -> bool:
    """Whether Z takes the fast path for images: float32/float64, statistics over every axis
    but the last, C-contiguous. Any other Z (integers, float16, …) takes the general code
    above, which computes in a float dtype."""
    return (Z.ndim > 2 and axis == tuple(range(Z.ndim - 1)) and Z.flags.c_contiguous
            and kernel_float(Z.dtype))


@splitting
def _forward_channels_last(Z, gamma, beta, eps, axis, workspace, relu):
    if USE_KERNELS:
        return _forward_kernels(Z, gamma, beta, eps, axis, workspace, relu)
    n_C = Z.shape[-1]
    Z2 = Z.reshape(-1, n_C)
    N = Z2.shape[0]
    k = row_group(N, n_C)
    wide = (N // k, k * n_C)
    rows = wide[0]
    inv_N = Z.dtype.type(1.0 / N)
    # the sums over rows as partial sums, one per slice of the rows (see _batch_threads)
    mu = added(over_batch(lambda i, j: sum_channels(Z2[i * k:j * k]), rows, Z.size)) * inv_N
    Z_hat = buffer(workspace, "bn_Z_hat", Z.shape, Z.dtype).reshape(wide)
    out = buffer(workspace, "bn_out", Z.shape, Z.dtype).reshape(wide)
    Zw, mu_w = Z2.reshape(wide), np.tile(mu, k)

    def center(i: int, j: int) -> Array:  # Z − μ, and the sum of its square for the variance
        np.subtract(Zw[i:j], mu_w, out=Z_hat[i:j])
        np.square(Z_hat[i:j], out=out[i:j])
        return sum_channels(out[i:j].reshape(-1, n_C))

    var = added(over_batch(center, rows, Z.size)) * inv_N
    inv_std = 1.0 / np.sqrt(var + Z.dtype.type(eps))
    inv_std_w, gamma_w, beta_w = np.tile(inv_std, k), np.tile(gamma.ravel(), k), np.tile(beta.ravel(), k)

    def scale(i: int, j: int) -> None:  # Ẑ, then γ·Ẑ + β (and the ReLU)
        Z_hat[i:j] *= inv_std_w
        np.multiply(Z_hat[i:j], gamma_w, out=out[i:j])
        out[i:j] += beta_w
        if relu:
            np.maximum(out[i:j], 0, out=out[i:j])

    over_batch(scale, rows, Z.size)
    shape, A = gamma.shape, out.reshape(Z.shape)
    return (A, (Z_hat.reshape(Z.shape), inv_std.reshape(shape), gamma, axis) + ((A,) if relu else ()),
            mu.reshape(shape), var.reshape(shape))


@splitting
def _backward_channels_last(dZ_tilde, cache, workspace):
    if USE_KERNELS:
        return _backward_kernels(dZ_tilde, cache, workspace)
    Z_hat, inv_std, gamma, _, *relu_out = cache
    n_C = Z_hat.shape[-1]
    dZt2 = np.ascontiguousarray(dZ_tilde).reshape(-1, n_C)
    N = dZt2.shape[0]
    k = row_group(N, n_C)
    wide = (N // k, k * n_C)
    rows = wide[0]
    tmp = buffer(workspace, "bn_tmp", Z_hat.shape, Z_hat.dtype).reshape(wide)
    Z_hat_w = Z_hat.reshape(wide)
    if relu_out:  # dZ̃ = dA·1[A > 0], slice by slice below
        dA_w, A_w = dZt2.reshape(wide), relu_out[0].reshape(wide)
        dZt2 = buffer(workspace, "bn_dZ_tilde", dZt2.shape, dZt2.dtype)
    dZt_w = dZt2.reshape(wide)

    def sums(i: int, j: int) -> tuple[Array, Array]:  # this slice's shares of dβ and dγ
        if relu_out:
            np.multiply(dA_w[i:j], A_w[i:j] > 0, out=dZt_w[i:j])
        np.multiply(dZt_w[i:j], Z_hat_w[i:j], out=tmp[i:j])
        return sum_channels(dZt2[i * k:j * k]), sum_channels(tmp[i:j].reshape(-1, n_C))

    parts = over_batch(sums, rows, Z_hat.size)
    dbeta, dgamma = added([db for db, _ in parts]), added([dg for _, dg in parts])
    # dZ = (γ/σ̂)/N · (N·dZ̃ − dβ − Ẑ·dγ) = a·dZ̃ − (Ẑ·a·dγ/N + a·dβ/N), a = γ/σ̂
    a = gamma.ravel() * inv_std.ravel()
    inv_N = Z_hat.dtype.type(1.0 / N)
    c1, c2, a_w = np.tile(a * dgamma * inv_N, k), np.tile(a * dbeta * inv_N, k), np.tile(a, k)
    dZ = buffer(workspace, "bn_dZ", Z_hat.shape, Z_hat.dtype).reshape(wide)

    def combine(i: int, j: int) -> None:
        np.multiply(Z_hat_w[i:j], c1, out=tmp[i:j])
        tmp[i:j] += c2
        np.multiply(dZt_w[i:j], a_w, out=dZ[i:j])
        dZ[i:j] -= tmp[i:j]

    over_batch(combine, rows, Z_hat.size)  # the rows split over threads
    return dZ.reshape(Z_hat.shape), dgamma.reshape(gamma.shape), dbeta.reshape(gamma.shape)


# ---------------------------------------------------------------- images, with the kernels

def _forward_kernels(Z, gamma, beta, eps, axis, workspace, relu):
    """``_forward_channels_last`` in two passes (see ``_batchnorm_kernels``)."""
    n_C, dtype = Z.shape[-1], Z.dtype
    Z2 = Z.reshape(-1, n_C)
    N = Z2.shape[0]

    def sums(i: int, j: int) -> Array:  # this slice's Σz and Σz² per channel
        partial = np.zeros((2, n_C))
        _batchnorm_kernels.channel_sums(Z2[i:j], partial)
        return partial

    total = added(over_batch(sums, N, Z.size))
    mu64 = total[0] / N
    var64 = np.maximum(total[1] / N - mu64 * mu64, 0.0)
    mu, var = mu64.astype(dtype), var64.astype(dtype)
    inv_std = (1.0 / np.sqrt(var + dtype.type(eps))).astype(dtype)
    Z_hat = buffer(workspace, "bn_Z_hat", Z.shape, dtype)
    out = buffer(workspace, "bn_out", Z.shape, dtype)
    Z_hat2, out2, g, b = Z_hat.reshape(-1, n_C), out.reshape(-1, n_C), gamma.ravel(), beta.ravel()
    over_batch(lambda i, j: _batchnorm_kernels.normalize(Z2[i:j], mu, inv_std, g, b, Z_hat2[i:j], out2[i:j],
                                                         relu), N, Z.size)
    shape = gamma.shape
    cache = (Z_hat, inv_std.reshape(shape), gamma, axis) + ((out,) if relu else ())
    return out, cache, mu.reshape(shape), var.reshape(shape)


def _backward_kernels(dZ_tilde, cache, workspace):
    """``_backward_channels_last`` in two passes (see ``_batchnorm_kernels``)."""
    Z_hat, inv_std, gamma, _, *relu_out = cache
    n_C, dtype = Z_hat.shape[-1], Z_hat.dtype
    dZt2 = np.ascontiguousarray(dZ_tilde).reshape(-1, n_C)
    Z_hat2 = Z_hat.reshape(-1, n_C)
    N = dZt2.shape[0]
    A2 = relu_out[0].reshape(-1, n_C) if relu_out else None  # then dZt2 is dA, masked on the fly

    def sums(i: int, j: int) -> Array:  # this slice's dβ and dγ
        partial = np.zeros((2, n_C))
        if A2 is None:
            _batchnorm_kernels.backward_sums(dZt2[i:j], Z_hat2[i:j], partial)
        else:
            _batchnorm_kernels.backward_sums_relu(dZt2[i:j], A2[i:j], Z_hat2[i:j], partial)
        return partial

    total = added(over_batch(sums, N, Z_hat.size))
    dbeta, dgamma = total[0].astype(dtype), total[1].astype(dtype)
    a = (gamma.ravel() * inv_std.ravel()).astype(dtype)
    inv_N = dtype.type(1.0 / N)
    c1, c2 = a * dgamma * inv_N, a * dbeta * inv_N
    dZ = buffer(workspace, "bn_dZ", Z_hat.shape, dtype)
    dZ2 = dZ.reshape(-1, n_C)

    def combine(i: int, j: int) -> None:
        if A2 is None:
            _batchnorm_kernels.backward_combine(dZt2[i:j], Z_hat2[i:j], a, c1, c2, dZ2[i:j])
        else:
            _batchnorm_kernels.backward_combine_relu(dZt2[i:j], A2[i:j], Z_hat2[i:j], a, c1, c2, dZ2[i:j])

    over_batch(combine, N, Z_hat.size)
    return dZ, dgamma.reshape(gamma.shape), dbeta.reshape(gamma.shape)
