"""Batch normalization: Ẑ = (Z − μ)/√(σ² + ε), Z̃ = γẐ + β, over the examples (biased σ²).

batchnorm_backward(G, cache) returns the vector-Jacobian product of Σ G ⊙ Z̃ (sums, not means).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error, to_numpy

from nndl.functional import batchnorm_backward, batchnorm_forward, batchnorm_inference


def _dense_case(rng, n=3, m=6, dtype=np.float64):
    Z = (rng.standard_normal((n, m)) * 2 + 1).astype(dtype)
    gamma = rng.uniform(0.5, 2.0, (n, 1)).astype(dtype)
    beta = rng.standard_normal((n, 1)).astype(dtype)
    G = rng.standard_normal((n, m)).astype(dtype)
    return Z, gamma, beta, G


def test_forward_hand_values():
    Z = np.array([[1.0, 2.0, 3.0]])
    out, cache, mu, var = batchnorm_forward(Z, np.array([[2.0]]), np.array([[0.5]]), eps=0.0)
    assert mu[0, 0] == 2.0 and var[0, 0] == pytest.approx(2 / 3, rel=1e-15)  # biased variance
    s = np.sqrt(1.5)
    np.testing.assert_allclose(out, [[0.5 - 2 * s, 0.5, 0.5 + 2 * s]], rtol=1e-15)
    out_eps, *_ = batchnorm_forward(Z, np.array([[1.0]]), np.array([[0.0]]), eps=1e-5)
    np.testing.assert_allclose(out_eps, [[-1, 0, 1]] / np.sqrt(2 / 3 + 1e-5), rtol=1e-15)


def test_each_unit_is_normalized_over_the_examples(rng):
    Z, gamma, beta, _ = _dense_case(rng, n=4, m=50)
    out, *_ = batchnorm_forward(Z, np.ones_like(gamma), np.zeros_like(beta))
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-14)
    np.testing.assert_allclose(out.var(axis=1), 1, rtol=1e-4)  # ε = 1e-5 keeps it just below 1


def test_backward_matches_numerical_gradient(rng):
    Z, gamma, beta, G = _dense_case(rng)

    def J():
        return float(np.sum(G * batchnorm_forward(Z, gamma, beta)[0]))

    dZ, dgamma, dbeta = batchnorm_backward(G, batchnorm_forward(Z, gamma, beta)[1])
    assert rel_error(dZ, central_difference(J, Z)) < GRAD_TOL
    assert rel_error(dgamma, central_difference(J, gamma)) < GRAD_TOL
    assert rel_error(dbeta, central_difference(J, beta)) < GRAD_TOL


def test_dense_matches_torch_training_mode(rng, torch):
    Z, gamma, beta, G = _dense_case(rng, n=4, m=9)
    out, cache, mu, var = batchnorm_forward(Z, gamma, beta, eps=1e-5)
    dZ, dgamma, dbeta = batchnorm_backward(G, cache)
    Zt = torch.tensor(Z.T.copy(), requires_grad=True)  # torch: (N, C)
    gt = torch.tensor(gamma.ravel(), requires_grad=True)
    bt = torch.tensor(beta.ravel(), requires_grad=True)
    outt = torch.nn.functional.batch_norm(Zt, None, None, gt, bt, training=True, eps=1e-5)
    outt.backward(torch.tensor(G.T.copy()))
    np.testing.assert_allclose(out, to_numpy(outt).T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dZ, to_numpy(Zt.grad).T, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dgamma.ravel(), to_numpy(gt.grad), rtol=1e-12)
    np.testing.assert_allclose(dbeta.ravel(), to_numpy(bt.grad), rtol=1e-12)
    np.testing.assert_allclose(mu.ravel(), Z.mean(axis=1), rtol=1e-14)
    np.testing.assert_allclose(var.ravel(), Z.var(axis=1), rtol=1e-13)


def test_images_match_torch_per_channel(rng, torch):
    """Images (m, n_H, n_W, n_C): statistics per channel over examples and positions."""
    Z = rng.standard_normal((3, 4, 5, 2)) * 1.5 + 0.5
    gamma = rng.uniform(0.5, 2.0, (1, 1, 1, 2))
    beta = rng.standard_normal((1, 1, 1, 2))
    G = rng.standard_normal(Z.shape)
    out, cache, mu, var = batchnorm_forward(Z, gamma, beta, axis=(0, 1, 2))
    dZ, dgamma, dbeta = batchnorm_backward(G, cache)
    assert out.shape == Z.shape and mu.shape == var.shape == dgamma.shape == dbeta.shape == (1, 1, 1, 2)
    Zt = torch.tensor(Z.transpose(0, 3, 1, 2).copy(), requires_grad=True)  # NCHW
    gt = torch.tensor(gamma.ravel(), requires_grad=True)
    bt = torch.tensor(beta.ravel(), requires_grad=True)
    outt = torch.nn.functional.batch_norm(Zt, None, None, gt, bt, training=True, eps=1e-5)
    outt.backward(torch.tensor(G.transpose(0, 3, 1, 2).copy()))
    np.testing.assert_allclose(out, to_numpy(outt).transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dZ, to_numpy(Zt.grad).transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dgamma.ravel(), to_numpy(gt.grad), rtol=1e-12)
    np.testing.assert_allclose(dbeta.ravel(), to_numpy(bt.grad), rtol=1e-12)


def test_inference_uses_the_given_statistics(rng):
    Z, gamma, beta, _ = _dense_case(rng)
    out_train, _, mu, var = batchnorm_forward(Z, gamma, beta)
    # with the batch's own statistics, inference reproduces training
    np.testing.assert_allclose(batchnorm_inference(Z, gamma, beta, mu, var), out_train, rtol=1e-13)
    rm, rv = np.array([[1.0], [0.0], [-1.0]]), np.array([[4.0], [1.0], [0.25]])
    expected = gamma * (Z - rm) / np.sqrt(rv + 1e-5) + beta
    np.testing.assert_allclose(batchnorm_inference(Z, gamma, beta, rm, rv), expected, rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(dtype, rng):
    Z, gamma, beta, G = _dense_case(rng, dtype=dtype)
    out, cache, mu, var = batchnorm_forward(Z, gamma, beta)
    dZ, dgamma, dbeta = batchnorm_backward(G, cache)
    inf = batchnorm_inference(Z, gamma, beta, mu, var)
    assert {a.dtype for a in (out, mu, var, dZ, dgamma, dbeta, inf)} == {np.dtype(dtype)}


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_images_fast_path_equals_the_general_equations(rng, dtype, tol):
    """Contiguous channels-last images take the BLAS-sum path (with reused arrays when given a
    workspace); a non-contiguous batch takes the plain broadcasting code: the same numbers."""
    Z = (rng.standard_normal((4, 6, 5, 3)) * 2 + 1).astype(dtype)
    gamma = rng.uniform(0.5, 2.0, (1, 1, 1, 3)).astype(dtype)
    beta = rng.standard_normal((1, 1, 1, 3)).astype(dtype)
    G = rng.standard_normal(Z.shape).astype(dtype)
    Z_strided = np.asfortranarray(Z)  # same values, not C-contiguous: the general code
    assert not Z_strided.flags.c_contiguous
    ref_out, ref_cache, ref_mu, ref_var = batchnorm_forward(Z_strided, gamma, beta, axis=(0, 1, 2))
    ref = batchnorm_backward(np.asfortranarray(G), ref_cache)
    work: dict = {}
    for _ in range(2):  # the second call reuses the workspace's arrays
        out, cache, mu, var = batchnorm_forward(Z, gamma, beta, axis=(0, 1, 2), workspace=work)
        dZ, dgamma, dbeta = batchnorm_backward(G, cache, workspace=work)
        assert out.dtype == dZ.dtype == dgamma.dtype == dtype and mu.shape == var.shape == (1, 1, 1, 3)
        for got, want in ((out, ref_out), (mu, ref_mu), (var, ref_var), (dZ, ref[0]), (dgamma, ref[1]),
                          (dbeta, ref[2])):
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    assert any(key[0] == "bn_dZ" for key in work)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_image_kernels_agree_with_the_numpy_reference(monkeypatch, dtype):
    """The two-pass kernels for images (numba, the optional 'fast' extra) give the NumPy
    code's output, statistics and gradients, on odd sizes and one channel too."""
    pytest.importorskip("numba", reason="numba (the optional 'fast' extra) is not installed")
    from nndl.functional import batchnorm as B
    rng = np.random.default_rng(11)
    tol = 2e-5 if dtype == np.float32 else 1e-11
    for shape in [(3, 5, 7, 4), (2, 3, 3, 1), (5, 4, 6, 33)]:
        Z = (rng.standard_normal(shape) * 3 + 2).astype(dtype)
        gamma = rng.uniform(0.5, 2, (1, 1, 1, shape[3])).astype(dtype)
        beta = rng.standard_normal((1, 1, 1, shape[3])).astype(dtype)
        G = rng.standard_normal(shape).astype(dtype)
        results = {}
        for use in (False, True):
            monkeypatch.setattr(B, "USE_KERNELS", use)
            out, cache, mu, var = batchnorm_forward(Z, gamma, beta, axis=(0, 1, 2))
            results[use] = [out.copy(), mu, var, *(g.copy() for g in batchnorm_backward(G, cache))]
        for reference, kernel in zip(results[False], results[True]):
            assert kernel.dtype == reference.dtype == dtype
            np.testing.assert_allclose(kernel, reference, rtol=tol, atol=tol * max(1.0, np.abs(reference).max()))


@pytest.mark.parametrize("kernels", [False, True])
@pytest.mark.parametrize("shape, axis", [((4, 5, 6, 3), (0, 1, 2)), ((3, 7), 1)])
def test_fused_relu_is_relu_after_batch_norm_and_before_its_backward(monkeypatch, shape, axis, kernels):
    """batchnorm_forward(relu=True) is max(Z̃, 0); its backward from dA is the backward of
    dZ̃ = dA·1[A > 0] — for images (channels last, with the NumPy code and the kernels) and dense layers."""
    from nndl.functional import batchnorm as B
    if kernels:
        pytest.importorskip("numba", reason="numba (the optional 'fast' extra) is not installed")
    monkeypatch.setattr(B, "USE_KERNELS", kernels)
    rng = np.random.default_rng(5)
    Z = rng.standard_normal(shape)
    p_shape = (1, 1, 1, shape[-1]) if len(shape) == 4 else (shape[0], 1)
    gamma, beta = rng.uniform(0.5, 2, p_shape), rng.standard_normal(p_shape)
    out, cache, mu, var = batchnorm_forward(Z, gamma, beta, axis=axis)
    out = out.copy()
    A, fused_cache, mu_f, var_f = batchnorm_forward(Z, gamma, beta, axis=axis, relu=True)
    np.testing.assert_array_equal(A, np.maximum(out, 0))
    np.testing.assert_array_equal(mu_f, mu)
    dA = rng.standard_normal(shape)
    expected = [g.copy() for g in batchnorm_backward(dA * (A > 0), cache)]
    for e, fused in zip(expected, batchnorm_backward(dA, fused_cache)):
        np.testing.assert_allclose(fused, e, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernels", [False, True])
@pytest.mark.parametrize("dtype", [np.float16, np.int64])
def test_images_of_other_dtypes_take_the_general_code(monkeypatch, dtype, kernels):
    """Integer or float16 images are normalized like float64 ones (the general code), not
    truncated into an integer array or refused by the kernels."""
    from nndl.functional import batchnorm as B
    monkeypatch.setattr(B, "USE_KERNELS", kernels)
    rng = np.random.default_rng(2)
    Z = (rng.standard_normal((2, 4, 4, 3)) * 3).astype(dtype)
    gamma, beta = rng.uniform(0.5, 2, (1, 1, 1, 3)), rng.standard_normal((1, 1, 1, 3))
    out, cache, _, _ = batchnorm_forward(Z, gamma, beta, axis=(0, 1, 2))
    expected, expected_cache, _, _ = batchnorm_forward(Z.astype(np.float64), gamma, beta, axis=(0, 1, 2))
    tol = 1e-2 if dtype == np.float16 else 1e-12
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)
    G = rng.standard_normal(Z.shape)
    for got, want in zip(batchnorm_backward(G, cache), batchnorm_backward(G, expected_cache)):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * 10)
