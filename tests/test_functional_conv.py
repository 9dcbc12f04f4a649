"""2-D convolution: im2col + one product, checked against a naive loop convolution (kept only
here), float64 central differences, PyTorch's conv2d, and small hand-checked values."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error, to_numpy

from nndl.functional import conv_backward, conv_forward, resolve_padding, zero_pad
from nndl.functional.conv import add_channel_bias, im2col, sum_channels

# (m, n_H, n_W, n_C_prev, n_C, f, stride, padding, dilation): odd sizes, stride > f,
# windows that do not tile the input, "same" with even and odd filters, dilation, 1×1.
CASES = [
    (2, 5, 7, 3, 4, 3, 1, "valid", 1),
    (2, 7, 6, 2, 3, 3, 2, 1, 1),
    (1, 8, 8, 3, 2, 2, 3, 0, 1),           # stride > f: pixels skipped
    (2, 9, 7, 2, 3, 3, 2, "same", 1),      # "same" with stride: ceil(n / s), asymmetric pads
    (2, 6, 6, 2, 2, 4, 1, "same", 1),      # even filter: the extra padding at the bottom/right
    (2, 9, 8, 2, 3, 3, 1, "same", 2),      # dilation
    (1, 10, 9, 2, 2, 3, 2, 2, 3),          # dilation and stride
    (2, 5, 5, 4, 3, 1, 1, "valid", 1),     # 1×1: a plain product
    (2, 6, 5, 3, 2, 1, 2, 0, 1),           # 1×1 with stride
    (3, 4, 30, 1, 2, 3, 1, "same", 1),     # wide images, one channel: the column-major gather
    (1, 6, 6, 40, 3, 3, 1, 1, 1),          # 40 channels: dcols per kernel offset
    (1, 5, 5, 130, 2, 3, 1, 1, 1),         # many channels: one plain product for dcols
]


def naive_conv(A_prev, W, b, stride, pads, dilation):
    """The course's four loops over examples, rows, columns and filters."""
    A = zero_pad(A_prev, pads)
    f, n_C = W.shape[0], W.shape[3]
    f_eff = dilation * (f - 1) + 1
    m, H, Wd, _ = A.shape
    n_H, n_W = (H - f_eff) // stride + 1, (Wd - f_eff) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                window = A[i, h * stride:h * stride + f_eff:dilation, w * stride:w * stride + f_eff:dilation, :]
                for c in range(n_C):
                    Z[i, h, w, c] = np.sum(window * W[..., c]) + b[0, 0, 0, c]
    return Z


def _case(rng, m, n_H, n_W, n_C_prev, n_C, f, dtype=np.float64):
    A = rng.standard_normal((m, n_H, n_W, n_C_prev)).astype(dtype)
    W = rng.standard_normal((f, f, n_C_prev, n_C)).astype(dtype)
    b = rng.standard_normal((1, 1, 1, n_C)).astype(dtype)
    return A, W, b


@pytest.mark.parametrize("case", CASES)
def test_forward_matches_naive_loops(rng, case):
    m, n_H, n_W, n_C_prev, n_C, f, s, padding, d = case
    A, W, b = _case(rng, m, n_H, n_W, n_C_prev, n_C, f)
    Z, _ = conv_forward(A, W, b, s, padding, d)
    expected = naive_conv(A, W, b, s, resolve_padding(padding, n_H, n_W, f, s, d), d)
    assert Z.shape == expected.shape
    np.testing.assert_allclose(Z, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_backward_matches_numerical_gradient(rng, case):
    m, n_H, n_W, n_C_prev, n_C, f, s, padding, d = case
    if n_H * n_W * n_C_prev > 500:
        n_W = 9  # keep the central differences cheap
    A, W, b = _case(rng, m, n_H, n_W, n_C_prev, n_C, f)
    G = rng.standard_normal(conv_forward(A, W, b, s, padding, d)[0].shape)

    def J():
        return float(np.sum(G * conv_forward(A, W, b, s, padding, d)[0]))

    dA, dW, db = conv_backward(G, conv_forward(A, W, b, s, padding, d)[1])
    assert dA.shape == A.shape and dW.shape == W.shape and db.shape == b.shape
    assert rel_error(dA, central_difference(J, A)) < GRAD_TOL
    assert rel_error(dW, central_difference(J, W)) < GRAD_TOL
    assert rel_error(db, central_difference(J, b)) < GRAD_TOL


@pytest.mark.parametrize("case", CASES)
def test_matches_torch_conv2d(rng, torch, case):
    m, n_H, n_W, n_C_prev, n_C, f, s, padding, d = case
    A, W, b = _case(rng, m, n_H, n_W, n_C_prev, n_C, f)
    (top, bottom), (left, right) = resolve_padding(padding, n_H, n_W, f, s, d)
    At = torch.tensor(A.transpose(0, 3, 1, 2), requires_grad=True)
    Wt = torch.tensor(W.transpose(3, 2, 0, 1), requires_grad=True)  # (n_C, n_C_prev, f, f)
    bt = torch.tensor(b.ravel(), requires_grad=True)
    Zt = torch.nn.functional.conv2d(torch.nn.functional.pad(At, (left, right, top, bottom)), Wt, bt,
                                    stride=s, dilation=d)
    Z, cache = conv_forward(A, W, b, s, padding, d)
    np.testing.assert_allclose(Z, to_numpy(Zt).transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-12)
    G = rng.standard_normal(Z.shape)
    Zt.backward(torch.tensor(G.transpose(0, 3, 1, 2)))
    dA, dW, db = conv_backward(G, cache)
    np.testing.assert_allclose(dA, to_numpy(At.grad).transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dW, to_numpy(Wt.grad).transpose(2, 3, 1, 0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(db.ravel(), to_numpy(bt.grad), rtol=1e-10, atol=1e-12)


def test_hand_checked_values():
    # a 3×3 image of 1..9, a 2×2 filter [[1, 0], [0, −1]] (top-left minus bottom-right), b = 0.5
    A = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    W = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
    b = np.full((1, 1, 1, 1), 0.5)
    Z, cache = conv_forward(A, W, b)
    np.testing.assert_array_equal(Z[0, :, :, 0], [[-3.5, -3.5], [-3.5, -3.5]])
    dA, dW, db = conv_backward(np.ones_like(Z), cache)
    np.testing.assert_array_equal(dA[0, :, :, 0], [[1, 1, 0], [1, 0, -1], [0, -1, -1]])
    np.testing.assert_array_equal(dW[:, :, 0, 0], [[1 + 2 + 4 + 5, 2 + 3 + 5 + 6], [4 + 5 + 7 + 8, 5 + 6 + 8 + 9]])
    assert db.ravel().tolist() == [4.0]
    # "same" keeps 3×3; with stride 2 it gives ceil(3/2) = 2
    assert conv_forward(A, W, b, padding="same")[0].shape == (1, 3, 3, 1)
    assert conv_forward(A, W, b, stride=2, padding="same")[0].shape == (1, 2, 2, 1)


def test_zero_pad():
    X = np.ones((2, 3, 4, 5))
    P = zero_pad(X, 2)
    assert P.shape == (2, 7, 8, 5) and P.sum() == X.sum() and P[:, :2].sum() == 0 and P[:, :, -2:].sum() == 0
    Q = zero_pad(X, ((0, 1), (2, 0)))
    assert Q.shape == (2, 4, 6, 5) and Q[:, 3].sum() == 0 and Q[:, :, :2].sum() == 0 and Q[:, :3, 2:].all()
    with pytest.raises(ValueError, match=r"\(m, n_H, n_W, n_C\)"):
        zero_pad(np.ones((3, 4)), 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_keeps_the_dtype(rng, dtype):
    A, W, b = _case(rng, 2, 6, 6, 3, 4, 3, dtype)
    Z, cache = conv_forward(A, W, b, 1, "same")
    dA, dW, db = conv_backward(np.ones_like(Z), cache)
    assert {Z.dtype, dA.dtype, dW.dtype, db.dtype} == {np.dtype(dtype)}


def test_im2col_layouts_hold_the_same_matrix(rng):
    # one channel and wide rows: column-major gather; many channels: row-major
    for shape in ((2, 7, 20, 1), (2, 7, 6, 8)):
        A = rng.standard_normal(shape)
        cols = im2col(A, 3, 1, 5, shape[2] - 2)
        rows = np.array([A[i, h:h + 3, w:w + 3, :].ravel()
                         for i in range(shape[0]) for h in range(5) for w in range(shape[2] - 2)])
        np.testing.assert_array_equal(cols, rows)


def test_bias_and_channel_sum_helpers(rng):
    for M, n in ((12, 3), (10, 7), (600, 6)):  # M not divisible by the preferred row length too
        Z, b = rng.standard_normal((M, n)), rng.standard_normal((1, 1, 1, n))
        np.testing.assert_allclose(add_channel_bias(Z.copy(), b), Z + b.reshape(1, n), rtol=1e-15)
        np.testing.assert_allclose(sum_channels(Z), Z.sum(axis=0), rtol=1e-12)


def test_errors_name_the_shapes(rng):
    A, W, b = _case(rng, 2, 5, 5, 3, 4, 3)
    with pytest.raises(ValueError, match=r"expected 3 input channels.*got 2"):
        conv_forward(A, W[:, :, :2], b)
    with pytest.raises(ValueError, match=r"b must have shape \(1, 1, 1, 4\), got \(4, 1\)"):
        conv_forward(A, W, b.reshape(4, 1))
    with pytest.raises(ValueError, match="does not fit"):
        conv_forward(A, rng.standard_normal((7, 7, 3, 4)), b)
    with pytest.raises(ValueError, match="padding must be"):
        conv_forward(A, W, b, padding="full")
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        conv_forward(A, W, b, stride=0)
    with pytest.raises(ValueError, match=r"dZ must have the output's shape \(2, 3, 3, 4\)"):
        conv_backward(np.ones((2, 3, 3, 5)), conv_forward(A, W, b)[1])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("block_bytes", [1, 3000, 1 << 30])
def test_inference_over_blocks_of_examples_equals_the_forward_pass(rng, dtype, block_bytes):
    """conv_inference computes Z block by block (one example per block when block_bytes is
    tiny, the whole batch when it is huge): the same Z as conv_forward and the naive loops."""
    from nndl.functional import conv_inference
    for shape, W_shape, stride, padding, dilation in [((7, 9, 8, 2), (3, 3, 2, 4), 1, "same", 1),
                                                      ((5, 11, 10, 3), (2, 2, 3, 5), 2, 1, 2)]:
        A = rng.standard_normal(shape).astype(dtype)
        W = rng.standard_normal(W_shape).astype(dtype)
        b = rng.standard_normal((1, 1, 1, W_shape[3])).astype(dtype)
        Z = conv_inference(A, W, b, stride, padding, dilation, block_bytes=block_bytes)
        Z_ref, _ = conv_forward(A, W, b, stride, padding, dilation)
        assert Z.dtype == dtype and Z.shape == Z_ref.shape
        np.testing.assert_allclose(Z, Z_ref, rtol=1e-5 if dtype == np.float32 else 1e-13, atol=1e-5 if dtype == np.float32 else 1e-13)
        pads = resolve_padding(padding, shape[1], shape[2], W_shape[0], stride, dilation)
        if dtype == np.float64:
            np.testing.assert_allclose(Z, naive_conv(A, W, b, stride, pads, dilation), rtol=1e-12, atol=1e-12)


def test_dW_over_more_rows_than_one_block(rng):
    """dW over more rows than one block of 2,048 is summed block by block: it equals colsᵀ·dZ
    taken in one product, with the im2col matrix stored column by column (5×5 filters, one
    input channel), row by row (1×1, six channels) and with a larger result (one product)."""
    from nndl.functional.conv import _long_product
    for shape, n_C, f, padding in (((6, 28, 28, 1), 3, 5, "same"), ((24, 14, 14, 6), 4, 1, "valid"),
                                   ((24, 14, 14, 6), 16, 5, "valid")):
        A, W, b = _case(rng, *shape, n_C, f)
        Z, cache = conv_forward(A, W, b, 1, padding)
        cols = cache[0]
        assert cols.shape[0] > 2048
        G = rng.standard_normal(Z.shape)
        _, dW, _ = conv_backward(G, cache)
        np.testing.assert_allclose(dW.reshape(-1, n_C), cols.T @ G.reshape(-1, n_C), rtol=1e-12, atol=1e-12)
    M = rng.standard_normal((3, 10_000))
    N = rng.standard_normal((10_000, 2))
    np.testing.assert_allclose(_long_product(M, N, block=4096), M @ N, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_long_product(M[:, :100], N[:100], block=4096), M[:, :100] @ N[:100], rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gathering_the_windows_again_in_the_backward_pass_gives_the_same_results(rng, monkeypatch, dtype):
    """With im2col rows too large to keep (RECOMPUTE_BYTES), the forward pass gathers and
    multiplies block by block and the backward pass gathers again: Z, dA_prev, dW and db are
    those of the kept im2col matrix, with and without a workspace reused between calls."""
    from nndl.functional import conv as C
    for case in CASES:
        m, n_H, n_W, n_C_prev, n_C, f, s, padding, d = case
        if f == 1:
            continue  # a 1×1 filter has no windows to gather again
        A, W, b = _case(rng, m + 3, n_H, n_W, n_C_prev, n_C, f, dtype)
        Z, cache = conv_forward(A, W, b, s, padding, d)
        G = rng.standard_normal(Z.shape).astype(dtype)
        expected = [Z.copy(), *(x.copy() for x in conv_backward(G, cache))]
        monkeypatch.setattr(C, "RECOMPUTE_BYTES", 0)
        monkeypatch.setattr(C, "BLOCK_BYTES", 1)  # one example per block
        tol = dict(rtol=1e-5, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
        workspace = {}
        for _ in range(2):
            Z2, cache2 = conv_forward(A, W, b, s, padding, d, workspace=workspace)
            assert isinstance(cache2[0], C._Windows)
            got = [Z2.copy(), *(x.copy() for x in conv_backward(G, cache2, workspace=workspace))]
            for e, g in zip(expected, got):
                np.testing.assert_allclose(g, e, **tol)
        none, dW, db = conv_backward(G, cache2, compute_dA_prev=False)
        assert none is None
        np.testing.assert_allclose(dW, expected[2], **tol)
        np.testing.assert_allclose(db, expected[3], **tol)
        monkeypatch.undo()


@pytest.mark.parametrize("recompute", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_col2im_equals_the_numpy_reference(rng, monkeypatch, dtype, recompute):
    """col2im by the numba loop (dcols from one plain product) gives the NumPy code's dA_prev
    (dcols per kernel offset, strided adds) for every case: strides, dilation, padding, 1×1,
    few and many channels, with the im2col matrix kept and gathered again."""
    pytest.importorskip("numba", reason="numba (the optional 'fast' extra) is not installed")
    from nndl.functional import conv as C
    if recompute:
        monkeypatch.setattr(C, "RECOMPUTE_BYTES", 0)
        monkeypatch.setattr(C, "BLOCK_BYTES", 1)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for m, n_H, n_W, n_C_prev, n_C, f, s, padding, d in CASES + [(3, 28, 28, 1, 6, 5, 1, "same", 1),
                                                                 (2, 14, 14, 6, 16, 5, 1, "valid", 1)]:
        A, W, b = _case(rng, m, n_H, n_W, n_C_prev, n_C, f, dtype)
        Z, cache = conv_forward(A, W, b, s, padding, d)
        G = rng.standard_normal(Z.shape).astype(dtype)
        results = []
        for kernels in (False, True):
            monkeypatch.setattr(C, "USE_KERNELS", kernels)
            assert C._compiled_col2im(dtype) == kernels
            results.append([x.copy() for x in conv_backward(G, cache, workspace={})])
        for reference, compiled in zip(*results):
            np.testing.assert_allclose(compiled, reference, **tol)
            assert compiled.dtype == dtype


@pytest.mark.parametrize("recompute", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_in_the_convolutions_slices_is_relu_after_it(rng, monkeypatch, dtype, recompute):
    """conv_forward(relu=True) is max(Z, 0); conv_backward(dA, relu_A=A) is the backward of
    dZ = dA·1[A > 0]; conv_inference(relu=True) the same forward — with the im2col matrix kept
    and with the windows gathered again."""
    from nndl.functional import conv as C
    from nndl.functional import conv_inference
    if recompute:
        monkeypatch.setattr(C, "RECOMPUTE_BYTES", 0)
    A_prev = rng.standard_normal((5, 9, 8, 3)).astype(dtype)
    W = rng.standard_normal((3, 3, 3, 4)).astype(dtype)
    b = rng.standard_normal((1, 1, 1, 4)).astype(dtype)
    Z, cache = conv_forward(A_prev, W, b, 2, "same")
    Z = Z.copy()
    A, relu_cache = conv_forward(A_prev, W, b, 2, "same", relu=True)
    np.testing.assert_array_equal(A, np.maximum(Z, 0))
    np.testing.assert_array_equal(conv_inference(A_prev, W, b, 2, "same", block_bytes=1, relu=True), A)
    dA = rng.standard_normal(A.shape).astype(dtype)
    expected = [x.copy() for x in conv_backward(dA * (A > 0), cache)]
    for e, got in zip(expected, conv_backward(dA, relu_cache, relu_A=A)):
        np.testing.assert_array_equal(got, e)
    with pytest.raises(ValueError, match="relu_A must have dA's shape"):
        conv_backward(dA, relu_cache, relu_A=A[:2])


def test_integer_inputs_and_empty_batches(rng, monkeypatch):
    """Integer images or filters get one clear error (the products are written in A_prev's
    dtype); a batch of no examples gives zero gradients, the windows kept or gathered again."""
    from nndl.functional import conv as C
    from nndl.functional import conv_inference
    W = rng.standard_normal((3, 3, 2, 4))
    b = np.zeros((1, 1, 1, 4))
    with pytest.raises(ValueError, match="A_prev must hold floating-point numbers, got int64"):
        conv_forward(np.ones((2, 6, 6, 2), dtype=np.int64), W, b)
    with pytest.raises(ValueError, match="W must hold floating-point numbers, got int64"):
        conv_inference(np.ones((2, 6, 6, 2)), W.astype(np.int64), b)
    for recompute in (1 << 40, 0):
        monkeypatch.setattr(C, "RECOMPUTE_BYTES", recompute)
        Z, cache = conv_forward(np.zeros((0, 6, 6, 2)), W, b, 1, "same", relu=True)
        dA, dW, db = conv_backward(np.zeros_like(Z), cache, relu_A=Z)
        assert Z.shape == (0, 6, 6, 4) and dA.shape == (0, 6, 6, 2)
        assert not dW.any() and dW.shape == W.shape and not db.any() and db.shape == b.shape
