"""2-D convolution of images (Course 4, week 1) as im2col plus one matrix product.

Images are examples-first, channels-last: A_prev (m, n_H_prev, n_W_prev, n_C_prev); filters
W (f, f, n_C_prev, n_C); bias b (1, 1, 1, n_C). For output position (h, w) and filter c,

    Z[i, h, w, c] = Σ_{p, q, k} A_pad[i, h·s + p·d, w·s + q·d, k] · W[p, q, k, c] + b[c]

with stride s and dilation d. ``im2col`` gathers every window as one row of a matrix
(a strided view of the padded input; the only copy is the gather itself), so the whole
convolution is one product (m·n_H·n_W, f·f·n_C_prev) @ (f·f·n_C_prev, n_C). Channels-last
keeps both operands contiguous for BLAS and the result is already (m, n_H, n_W, n_C).

The examples are split over the batch threads (``_batch_threads``): each thread pads, gathers
and multiplies its own, with BLAS on one thread, and takes its share of the backward pass. When
an example's im2col rows are large (``RECOMPUTE_BYTES``) the matrix is not kept between the
passes: both gather a few examples at a time into an array that stays in the core's cache.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _conv_kernels
from ._batch_threads import added, over_batch, splitting
from ._numba import kernel_float
from ._workspace import reused

Array = np.ndarray
Pads = tuple[tuple[int, int], tuple[int, int]]
Slices = Callable[[int, int], None]  # fn(i, j): the work of examples i … j−1
# An example whose im2col rows take more than RECOMPUTE_BYTES is not kept between the passes:
# the forward pass gathers BLOCK_BYTES of rows at a time into a small array that stays in the
# core's cache while it is multiplied, and the backward pass gathers them again (a 3×3
# convolution over 28×28×16 images: 451 KB of rows per example, 29 MB for 64 images).
RECOMPUTE_BYTES = 256 << 10
BLOCK_BYTES = 2 << 20
# col2im by the compiled loop of the optional numba extra when it is installed (set False to
# run the NumPy reference code below); dcols then always comes from one plain product.
USE_KERNELS = _conv_kernels.AVAILABLE


class _Windows(NamedTuple):
    """In a convolution's cache in place of the im2col matrix: the padded input, whose windows
    the backward pass gathers again, block by block (without padding, the input itself: like a
    1×1 convolution's cache, it must not change before the backward pass)."""
    A_pad: Array


def buffer(workspace: dict | None, name: str, shape, dtype, zeros: bool = False) -> Array:
    """A work array for a hot path: ``np.empty`` (or ``np.zeros``) without a workspace; with one
    (a dict a layer keeps between training steps), the array stored under (name, dtype),
    created on first use and reused afterwards, so a step touches no fresh memory; a request of
    another shape (the smaller last mini-batch of an epoch) replaces it, so a workspace never
    holds two sizes of one array. A reused ``zeros`` array keeps whatever its owner left in it:
    only ask for one whose zeros are never overwritten (the border of a padded image) or that
    the caller clears."""
    shape = tuple(int(n) for n in shape)
    if workspace is None:
        return np.zeros(shape, dtype) if zeros else np.empty(shape, dtype)
    return reused(workspace, (name, np.dtype(dtype).str), shape, lambda s: np.zeros(s, dtype))


def zero_pad(X: Array, pad, workspace: dict | None = None) -> Array:
    """Pad the height and width of a batch of images with zeros.

    X: (m, n_H, n_W, n_C); pad: an int p (p rows/columns on every side) or
    ((top, bottom), (left, right)). Returns (m, n_H + top + bottom, n_W + left + right, n_C).
    """
    _check_images("X", X)
    A_pad, fill = _padded(X, _pairs(pad), workspace)
    over_batch(fill, X.shape[0], A_pad.size)
    return A_pad


def _padded(X: Array, pads: Pads, workspace: dict | None) -> tuple[Array, Slices]:
    """(A_pad, fill): the zero-bordered array for X and fill(i, j), which copies examples
    i … j−1 into its interior (X itself and a no-op without padding)."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return X, _nothing
    m, n_H, n_W, n_C = X.shape
    out = buffer(workspace, "A_pad", (m, n_H + top + bottom, n_W + left + right, n_C), X.dtype, zeros=True)

    def fill(i: int, j: int) -> None:  # the border is never written: it stays zero
        out[i:j, top:top + n_H, left:left + n_W, :] = X[i:j]

    return out, fill


def _nothing(i: int, j: int) -> None:
    return None


def resolve_padding(padding, n_H: int, n_W: int, f: int, stride: int = 1, dilation: int = 1) -> Pads:
    """((top, bottom), (left, right)) for ``padding``:

    - "valid": no padding;
    - "same": the output is ceil(n / s) long; the total padding (n_out − 1)·s + f_eff − n is
      split as Keras and TensorFlow do (the extra row/column, if odd, at the bottom/right);
    - an int p, or a pair ((top, bottom), (left, right)): as given.
    f_eff = d·(f − 1) + 1 is the extent of a dilated filter.
    """
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "same":
            f_eff = dilation * (f - 1) + 1
            pads = []
            for n in (n_H, n_W):
                total = max((-(-n // stride) - 1) * stride + f_eff - n, 0)
                pads.append((total // 2, total - total // 2))
            return pads[0], pads[1]
        raise ValueError(f"padding must be 'valid', 'same', an int or ((top, bottom), (left, right)), got {padding!r}")
    return _pairs(padding)


def output_size(n: int, f: int, stride: int, pads: tuple[int, int], dilation: int = 1) -> int:
    """⌊(n + pad_before + pad_after − f_eff) / s⌋ + 1, f_eff = d·(f − 1) + 1."""
    return (n + pads[0] + pads[1] - (dilation * (f - 1) + 1)) // stride + 1


def window_view(A_pad: Array, f: int, stride: int, n_H: int, n_W: int, dilation: int = 1) -> Array:
    """The f×f windows of A_pad as a strided view (m, n_H, n_W, f, f, n_C): no copy.

    view[i, h, w, p, q, k] = A_pad[i, h·s + p·d, w·s + q·d, k].
    """
    sm, sh, sw, sc = A_pad.strides
    m, _, _, n_C = A_pad.shape
    return as_strided(A_pad, (m, n_H, n_W, f, f, n_C),
                      (sm, sh * stride, sw * stride, sh * dilation, sw * dilation, sc), writeable=False)


def im2col(A_pad: Array, f: int, stride: int, n_H: int, n_W: int, dilation: int = 1,
           workspace: dict | None = None) -> Array:
    """Every window of A_pad as a row: cols (m·n_H·n_W, f·f·n_C), columns ordered (p, q, k)
    like W.reshape(f·f·n_C_prev, n_C).

    The gather is the only copy. It is stored row-major when a window row (f·n_C numbers,
    contiguous in A_pad) is longer than an output row (n_W), else column-major (cols is then
    the transposed view of a (f·f·n_C, m·n_H·n_W) array): either way the copy runs over the
    longer contiguous stretches, and BLAS takes both layouts without another copy.
    A 1×1 filter with stride 1 needs no copy at all.
    """
    cols, gather = _im2col_layout(A_pad, f, stride, n_H, n_W, dilation, workspace)
    over_batch(gather, A_pad.shape[0], cols.size)
    return cols


def _im2col_layout(A_pad: Array, f: int, stride: int, n_H: int, n_W: int, dilation: int,
                   workspace: dict | None) -> tuple[Array, Slices]:
    """(cols, gather): im2col's matrix (see ``im2col``), not yet filled, and gather(i, j), which
    copies the windows of examples i … j−1 into its rows (i·n_H·n_W … j·n_H·n_W − 1)."""
    m, n_C = A_pad.shape[0], A_pad.shape[3]
    if f == 1 and stride == 1 and A_pad.flags.c_contiguous:
        return A_pad.reshape(m * n_H * n_W, n_C), _nothing
    windows = window_view(A_pad, f, stride, n_H, n_W, dilation)  # (m, n_H, n_W, f, f, n_C)
    if (f * n_C if dilation == 1 else n_C) >= n_W:
        rows = buffer(workspace, "cols", (m, n_H, n_W, f, f, n_C), A_pad.dtype)
        return rows.reshape(m * n_H * n_W, f * f * n_C), lambda i, j: np.copyto(rows[i:j], windows[i:j])
    order = (3, 4, 5, 0, 1, 2)  # (f, f, n_C, m, n_H, n_W) in memory
    columns = buffer(workspace, "cols_T", [windows.shape[i] for i in order], A_pad.dtype)
    windows_T = windows.transpose(order)
    return (columns.reshape(f * f * n_C, m * n_H * n_W).T,
            lambda i, j: np.copyto(columns[:, :, :, i:j], windows_T[:, :, :, i:j]))


def backward_columns(dZ2: Array, W: Array, workspace: dict | None = None) -> Array:
    """dcols = dZ·Wᵀ, the gradient of im2col's matrix, as a (m·n_H·n_W, f, f, n_C_prev) view.

    dZ2: (m·n_H·n_W, n_C); W: (f, f, n_C_prev, n_C). With few input channels and col2im in
    NumPy, the product is taken per kernel offset in one batched call, so that each offset's
    block (m·n_H·n_W, n_C_prev) is contiguous and col2im adds long runs; with many, or with the
    compiled col2im (``USE_KERNELS``), one plain product.
    """
    dcols, multiply = _dcols_layout(W, dZ2.shape[0], dZ2.dtype, workspace)
    multiply(slice(None), dZ2)
    return dcols


def _dcols_layout(W: Array, M: int, dtype, workspace: dict | None) -> tuple[Array, Callable]:
    """(dcols, multiply): ``backward_columns``'s (M, f, f, n_C_prev) array, not yet filled, and
    multiply(rows, dZ2_rows), which writes dZ2_rows·Wᵀ into its rows ``rows`` (a slice)."""
    f, _, n_C_prev, n_C = W.shape
    if n_C_prev >= 32 or f == 1 or _compiled_col2im(dtype):
        plain = buffer(workspace, "dcols", (M, f * f * n_C_prev), dtype)
        W_T = W.reshape(-1, n_C).T
        return (plain.reshape(-1, f, f, n_C_prev),
                lambda rows, dZ2_rows: np.matmul(dZ2_rows, W_T, out=plain[rows]))
    per_offset = buffer(workspace, "dcols_per_offset", (f * f, M, n_C_prev), dtype)
    W_offsets = W.reshape(f * f, n_C_prev, n_C).transpose(0, 2, 1)
    return (per_offset.reshape(f, f, -1, n_C_prev).transpose(2, 0, 1, 3),
            lambda rows, dZ2_rows: np.matmul(dZ2_rows, W_offsets, out=per_offset[:, rows]))


def col2im(dcols: Array, padded_shape: tuple[int, ...], f: int, stride: int, n_H: int, n_W: int,
           dilation: int = 1, workspace: dict | None = None) -> Array:
    """The adjoint of ``im2col``: scatter-add every row back onto the window it came from.

    dcols: (m·n_H·n_W, f·f·n_C) or (m·n_H·n_W, f, f, n_C), any memory layout. Returns dA_pad of
    ``padded_shape``, where dA_pad[i, h·s + p·d, w·s + q·d, k] += dcols[(i, h, w), (p, q, k)]:
    one strided add per kernel offset (p, q), each over all examples and positions at once.
    """
    dA_pad, scatter_add = _col2im_layout(dcols, padded_shape, f, stride, n_H, n_W, dilation, workspace)
    over_batch(scatter_add, padded_shape[0], dcols.size)  # the examples split over the cores
    return dA_pad


def _col2im_layout(dcols: Array, padded_shape: tuple[int, ...], f: int, stride: int, n_H: int, n_W: int,
                   dilation: int, workspace: dict | None, out: Array | None = None) -> tuple[Array, Slices]:
    """(dA_pad, scatter_add): ``col2im``'s result, not yet filled, and scatter_add(i, j), which
    fills examples i … j−1 of it from dcols (which they alone read). out: the array to fill
    (``padded_shape``; not for a 1×1 filter with stride 1, whose dcols is dA_pad itself)."""
    m, _, _, n_C = padded_shape
    d6 = dcols.reshape(m, n_H, n_W, f, f, n_C)
    if f == 1 and stride == 1 and padded_shape[1:3] == (n_H, n_W) and out is None:
        return d6.reshape(padded_shape), _nothing
    dA_pad = buffer(workspace, "dA_pad", padded_shape, dcols.dtype) if out is None else out
    if _compiled_col2im(dcols.dtype) and d6.flags.c_contiguous and dA_pad.flags.c_contiguous:
        return dA_pad, lambda i, j: _conv_kernels.col2im_rows(d6, dA_pad, stride, dilation, i, j)
    h_end, w_end = stride * (n_H - 1) + 1, stride * (n_W - 1) + 1

    def scatter_add(i: int, j: int) -> None:  # examples i..j−1
        dA_pad[i:j].fill(0)
        for p in range(f):
            for q in range(f):
                h0, w0 = p * dilation, q * dilation
                dA_pad[i:j, h0:h0 + h_end:stride, w0:w0 + w_end:stride, :] += d6[i:j, :, :, p, q, :]

    return dA_pad, scatter_add


def _compiled_col2im(dtype) -> bool:
    """Whether col2im runs the compiled loop (numba installed, float32 or float64)."""
    return USE_KERNELS and kernel_float(dtype)


@splitting
def conv_forward(A_prev: Array, W: Array, b: Array, stride: int = 1, padding="valid",
                 dilation: int = 1, workspace: dict | None = None, relu: bool = False) -> tuple[Array, tuple]:
    """Z = conv(A_prev, W) + b as im2col(A_pad) @ W.reshape(f·f·n_C_prev, n_C) + b.

    A_prev: (m, n_H_prev, n_W_prev, n_C_prev); W: (f, f, n_C_prev, n_C); b: (1, 1, 1, n_C).
    padding: "valid", "same", an int or ((top, bottom), (left, right)).
    Returns (Z (m, n_H, n_W, n_C), cache) with n_H = ⌊(n_H_prev + pads − f_eff)/s⌋ + 1.
    workspace: a dict kept between training steps (see ``buffer``); the padded input, the
    im2col matrix and Z are then reused arrays, valid until the next call with it.
    relu: return A = max(Z, 0) instead, written over Z while each slice is in cache (a ReLU
    after the convolution; ``conv_backward``'s ``relu_A`` is its backward).
    The examples are split over the batch threads: each pads, gathers and multiplies its own.
    """
    Z, cache, run = _forward_plan(A_prev, W, b, stride, padding, dilation, workspace, relu=relu)
    im2col_size = Z.size // W.shape[3] * W.shape[0] * W.shape[1] * W.shape[2]
    over_batch(run, A_prev.shape[0], im2col_size)
    return Z, cache


def _forward_plan(A_prev: Array, W: Array, b: Array, stride, padding, dilation, workspace: dict | None,
                  Z: Array | None = None, relu: bool = False) -> tuple[Array, tuple, Slices]:
    """(Z, cache, run): ``conv_forward``'s output and cache, not yet computed, and run(i, j),
    which computes examples i … j−1 of Z (pad, gather, one product, bias, the ReLU if ``relu``).
    Z: where to write the output (m, n_H, n_W, n_C), or None for a new (or workspace) array."""
    _check_images("A_prev", A_prev)
    _check_floats(A_prev, W)
    f, n_C = _check_filters(W, A_prev.shape[3], b)
    stride, dilation = _positive("stride", stride), _positive("dilation", dilation)
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    pads = resolve_padding(padding, n_H_prev, n_W_prev, f, stride, dilation)
    n_H = output_size(n_H_prev, f, stride, pads[0], dilation)
    n_W = output_size(n_W_prev, f, stride, pads[1], dilation)
    if n_H < 1 or n_W < 1:
        raise ValueError(f"a {f}×{f} filter (dilation {dilation}) does not fit input {A_prev.shape} "
                         f"with padding {pads}: the output would be {n_H}×{n_W}")
    A_pad, pad = _padded(A_prev, pads, workspace)
    if Z is None:
        Z = buffer(workspace, "Z", (m, n_H, n_W, n_C), A_prev.dtype)
    Z2, W2, P = Z.reshape(-1, n_C), W.reshape(-1, n_C), n_H * n_W
    geometry = (A_prev.shape, A_pad.shape, pads, f, stride, dilation, n_H, n_W)
    per_example = P * f * f * A_prev.shape[3] * A_prev.dtype.itemsize
    if f > 1 and per_example > RECOMPUTE_BYTES:
        def run_blocks(i: int, j: int) -> None:
            for lo, hi, cols_block, _ in _gathered_blocks(A_pad, geometry, i, j, per_example, workspace,
                                                          "forward", pad):
                rows = slice(lo * P, hi * P)
                np.matmul(cols_block, W2, out=Z2[rows])
                _add_bias(Z2[rows], b, relu)

        return Z, (_Windows(A_pad), W, b, geometry), run_blocks
    cols, gather = _im2col_layout(A_pad, f, stride, n_H, n_W, dilation, workspace)

    def run(i: int, j: int) -> None:
        pad(i, j)
        gather(i, j)
        rows = slice(i * P, j * P)
        np.matmul(cols[rows], W2, out=Z2[rows])
        _add_bias(Z2[rows], b, relu)

    return Z, (cols, W, b, geometry), run


def _gathered_blocks(A_pad: Array, geometry: tuple, i: int, j: int, per_example: int, workspace: dict | None,
                     pass_name: str, pad: Slices = _nothing):
    """(lo, hi, cols, work) for consecutive blocks of examples lo … hi−1 covering i … j−1, each
    block's windows gathered (after pad(lo, hi)) into an im2col matrix of about BLOCK_BYTES
    that the next block reuses; ``work``, the workspace's dict for this slice, pass and block
    length (None without a workspace), holds it and the block's other work arrays, so a
    training step allocates none."""
    _, _, _, f, stride, dilation, n_H, n_W = geometry
    block = max(1, BLOCK_BYTES // per_example)
    for lo in range(i, j, block):
        hi = min(j, lo + block)
        work = None if workspace is None else workspace.setdefault((pass_name, i, hi - lo), {})
        pad(lo, hi)
        cols, gather = _im2col_layout(A_pad[lo:hi], f, stride, n_H, n_W, dilation, work)
        gather(0, hi - lo)
        yield lo, hi, cols, work


@splitting
def conv_inference(A_prev: Array, W: Array, b: Array, stride: int = 1, padding="valid", dilation: int = 1,
                   block_bytes: int = 4 << 20, relu: bool = False) -> Array:
    """Z = conv(A_prev, W) + b as ``conv_forward`` computes it, without a cache (no backward
    pass follows), over blocks of examples: each block's im2col matrix (at most about
    ``block_bytes``) is reused by the next block while it is still in the CPU's cache, instead
    of one matrix for the whole batch streaming through memory. The examples are split over
    the batch threads, each going through its own examples block by block.
    relu: as for ``conv_forward``. Returns Z (m, n_H, n_W, n_C)."""
    _check_images("A_prev", A_prev)
    _check_floats(A_prev, W)
    f, n_C = _check_filters(W, A_prev.shape[3], b)
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    pads = resolve_padding(padding, n_H_prev, n_W_prev, f, _positive("stride", stride),
                           _positive("dilation", dilation))
    n_H = output_size(n_H_prev, f, stride, pads[0], dilation)
    n_W = output_size(n_W_prev, f, stride, pads[1], dilation)
    if n_H < 1 or n_W < 1:
        return conv_forward(A_prev, W, b, stride, padding, dilation, relu=relu)[0]  # raises the error
    per_example = max(1, n_H * n_W * f * f * n_C_prev * A_prev.dtype.itemsize)
    block = max(1, min(m, block_bytes // per_example))
    Z = np.empty((m, n_H, n_W, n_C), A_prev.dtype)

    def blocks(i: int, j: int) -> None:
        work: dict = {}  # this thread's padded block and im2col matrix, reused block after block
        for lo in range(i, j, block):
            hi = min(j, lo + block)
            run = _forward_plan(A_prev[lo:hi], W, b, stride, padding, dilation, work, Z=Z[lo:hi], relu=relu)[2]
            run(0, hi - lo)

    over_batch(blocks, m, m * per_example // A_prev.dtype.itemsize)
    return Z


@splitting
def conv_backward(dZ: Array, cache: tuple, compute_dA_prev: bool = True,
                  workspace: dict | None = None, relu_A: Array | None = None) -> tuple[Array | None, Array, Array]:
    """Gradients of the convolution (sums over the examples, as the course computes them):

    dW = colsᵀ @ dZ (reshaped to (f, f, n_C_prev, n_C)); db = Σ_{i,h,w} dZ;
    dA_prev = col2im(dZ @ Wᵀ) (see ``backward_columns``), cropped to A_prev's shape.
    dZ: (m, n_H, n_W, n_C). Returns (dA_prev (A_prev's shape) or None, dW (W's shape), db (b's shape)).
    workspace: as for conv_forward (dA_prev is then a view of a reused array).
    relu_A: the output of ``conv_forward(..., relu=True)``; the first argument is then dA and
    dZ = dA·1[A > 0] is computed slice by slice (the ReLU's backward).
    The examples are split over the batch threads: each thread takes its examples' share of
    dW and db (added afterwards, slice by slice) and their dcols and col2im.
    """
    cols, W, b, (in_shape, pad_shape, pads, f, stride, dilation, n_H, n_W) = cache
    n_C = W.shape[3]
    if dZ.shape != (in_shape[0], n_H, n_W, n_C):
        raise ValueError(f"dZ must have the output's shape {(in_shape[0], n_H, n_W, n_C)}, got {dZ.shape}")
    if relu_A is None:
        dZ2, relu_rows = np.ascontiguousarray(dZ).reshape(-1, n_C), _nothing
    else:
        dZ2, relu_rows = _relu_backward_rows(dZ, relu_A, n_H * n_W, workspace)
    if isinstance(cols, _Windows):
        dA_pad, dW, db = _backward_blocks(dZ2, cols.A_pad, cache, compute_dA_prev, workspace, relu_rows)
        return _cropped(dA_pad, pads, in_shape), dW, db
    P = n_H * n_W
    if compute_dA_prev:
        dcols, multiply = _dcols_layout(W, dZ2.shape[0], dZ2.dtype, workspace)
        dA_pad, scatter_add = _col2im_layout(dcols, pad_shape, f, stride, n_H, n_W, dilation, workspace)

    def shares(i: int, j: int) -> tuple[Array, Array]:
        relu_rows(i, j)
        rows = slice(i * P, j * P)
        dZ2_rows = dZ2[rows]
        dW = _weight_gradient(dZ2_rows, cols[rows])
        if compute_dA_prev:
            multiply(rows, dZ2_rows)
            scatter_add(i, j)
        return dW, sum_channels(dZ2_rows)

    parts = over_batch(shares, in_shape[0], cols.size)
    dW = added([dW for dW, _ in parts]).reshape(W.shape)
    db = added([db for _, db in parts]).reshape(b.shape)
    return (_cropped(dA_pad, pads, in_shape) if compute_dA_prev else None), dW, db


def _cropped(dA_pad: Array | None, pads: Pads, in_shape: tuple[int, ...]) -> Array | None:
    """dA_prev: dA_pad without its padding (None stays None)."""
    if dA_pad is None:
        return None
    (top, _), (left, _) = pads
    return dA_pad[:, top:top + in_shape[1], left:left + in_shape[2], :]


def _relu_backward_rows(dA: Array, A: Array, P: int, workspace: dict | None) -> tuple[Array, Slices]:
    """(dZ2, fill): the array dZ = dA·1[A > 0] as rows (m·n_H·n_W, n_C), and fill(i, j), which
    computes examples i … j−1 of it (each P rows)."""
    if A.shape != dA.shape:
        raise ValueError(f"relu_A must have dA's shape {dA.shape}, got {A.shape}")
    n_C = dA.shape[-1]
    dA2, A2 = dA.reshape(-1, n_C), A.reshape(-1, n_C)
    dZ2 = buffer(workspace, "dZ", dA2.shape, dA.dtype)
    return dZ2, lambda i, j: np.multiply(dA2[i * P:j * P], A2[i * P:j * P] > 0, out=dZ2[i * P:j * P])


def _backward_blocks(dZ2: Array, A_pad: Array, cache: tuple, compute_dA_prev: bool,
                     workspace: dict | None, relu_rows: Slices = _nothing) -> tuple[Array | None, Array, Array]:
    """``conv_backward`` for a cache without its im2col matrix (see RECOMPUTE_BYTES): each
    thread gathers its examples' windows again, block by block, and takes from each block its
    share of dW and db, its dcols and its col2im, while the block is in the core's cache."""
    _, W, b, geometry = cache
    in_shape, pad_shape, _, f, stride, dilation, n_H, n_W = geometry
    P, n_C = n_H * n_W, W.shape[3]
    per_example = P * f * f * in_shape[3] * A_pad.dtype.itemsize
    dA_pad = buffer(workspace, "dA_pad", pad_shape, dZ2.dtype) if compute_dA_prev else None

    def shares(i: int, j: int) -> tuple[Array, Array]:
        relu_rows(i, j)
        dW, db = np.zeros((f * f * in_shape[3], n_C), dZ2.dtype), np.zeros(n_C, dZ2.dtype)  # stay 0 for no examples
        for lo, hi, cols, work in _gathered_blocks(A_pad, geometry, i, j, per_example, workspace, "backward"):
            dZ2_rows = dZ2[lo * P:hi * P]
            dW += _weight_gradient(dZ2_rows, cols)
            db += sum_channels(dZ2_rows)
            if compute_dA_prev:
                dcols, multiply = _dcols_layout(W, dZ2_rows.shape[0], dZ2.dtype, work)
                multiply(slice(None), dZ2_rows)
                _col2im_layout(dcols, (hi - lo, *pad_shape[1:]), f, stride, n_H, n_W, dilation, None,
                               out=dA_pad[lo:hi])[1](0, hi - lo)
        return dW, db

    parts = over_batch(shares, in_shape[0], in_shape[0] * per_example // A_pad.dtype.itemsize)
    return dA_pad, added([dW for dW, _ in parts]).reshape(W.shape), added([db for _, db in parts]).reshape(b.shape)


def _weight_gradient(dZ2_rows: Array, cols_rows: Array) -> Array:
    """A slice's share of dW = colsᵀ·dZ, (f·f·n_C_prev, n_C). With cols stored row by row,
    (dZᵀ·cols)ᵀ (a wide result) suits BLAS better than colsᵀ·dZ."""
    if cols_rows.flags.c_contiguous:
        return _long_product(dZ2_rows.T, cols_rows).T
    return _long_product(cols_rows.T, dZ2_rows)


def _long_product(A: Array, B: Array, block: int = 2048) -> Array:
    """A·B for a long shared dimension (A (r, K), B (K, c), K ≫ r, c), as the sum of the
    products of blocks of ``block`` along K, all taken in ONE batched matmul call. OpenBLAS takes
    a long K with a small result slowly, and two such calls at once from two threads no faster
    than one after the other; blocks run side by side — if they are one call: a loop of calls
    releases the interpreter lock between them for less time than the other thread needs to
    wake up and take it, so that thread waits for the whole loop. Two threads, each on half of
    100,352 rows: 25 × K by K × 6 (LeNet-5's first convolution's dW) 0.64 ms, against 1.18 ms
    for a loop over the blocks; 16 × K by K × 16 (a 1×1 convolution's) 0.66 against 1.40 ms.
    A larger result (16 × 144: a 3×3 convolution's, 16 channels) gains nothing from the blocks:
    it is one product."""
    r, K = A.shape
    c = B.shape[1]
    if r * c > 1024 or K < 2 * block:
        return A @ B
    n_blocks = K // block
    n = n_blocks * block
    out = np.matmul(A[:, :n].reshape(r, n_blocks, block).transpose(1, 0, 2),
                    B[:n].reshape(n_blocks, block, c)).sum(axis=0)
    if n < K:
        out += A[:, n:] @ B[n:]
    return out


def add_channel_bias(Z2: Array, b: Array) -> Array:
    """Z2 += b in place, for Z2 (M, n_C) C-contiguous and b holding n_C numbers.

    With few channels a row is short, so the add runs over rows of k·n_C numbers against
    b repeated k times (same result, longer inner loops). Returns Z2.
    """
    over_batch(lambda i, j: _add_bias(Z2[i:j], b), Z2.shape[0], Z2.size)  # the rows split over threads
    return Z2


def _add_bias(Z2: Array, b: Array, relu: bool = False) -> None:
    """Z2 += b on the calling thread (``add_channel_bias``'s work on a slice of rows), then
    max(Z2, 0) if ``relu``."""
    M, n_C = Z2.shape
    k = row_group(M, n_C)
    rows = Z2.reshape(M // k, k * n_C)
    rows += np.tile(b.reshape(1, n_C), (1, k))
    if relu:
        np.maximum(rows, 0, out=rows)


def row_group(M: int, n_C: int) -> int:
    """k: how many rows of n_C numbers to treat as one row of k·n_C (k divides M, k·n_C ≤ 256
    or so): an elementwise pass against per-channel vectors repeated k times gets longer inner
    loops than one over rows of a few channels."""
    k = max(1, 256 // n_C)
    while M % k:
        k -= 1
    return k


def sum_channels(dZ2: Array) -> Array:
    """Σ over rows of dZ2 (M, n_C) → (n_C,), as the product 1ᵀ·dZ2 (a BLAS matrix-vector
    product, far faster than a column sum of a narrow matrix)."""
    return np.ones(dZ2.shape[0], dtype=dZ2.dtype) @ dZ2


def _pairs(pad) -> Pads:
    if isinstance(pad, (int, np.integer)) and not isinstance(pad, bool):
        p = int(pad)
        if p < 0:
            raise ValueError(f"pad must be >= 0, got {p}")
        return (p, p), (p, p)
    try:
        (t, bo), (le, r) = pad
        pads = ((int(t), int(bo)), (int(le), int(r)))
    except (TypeError, ValueError):
        raise ValueError(f"pad must be an int or ((top, bottom), (left, right)), got {pad!r}") from None
    if min(t for pair in pads for t in pair) < 0:
        raise ValueError(f"padding must be >= 0, got {pad!r}")
    return pads


def _positive(name: str, value) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_images(name: str, A: Array) -> None:
    if getattr(A, "ndim", 0) != 4:
        raise ValueError(f"{name} must be images of shape (m, n_H, n_W, n_C), got shape {np.shape(A)}")


def _check_floats(A_prev: Array, W: Array) -> None:
    """The convolution writes its products into arrays of A_prev's dtype: both must be floats."""
    for name, A in (("A_prev", A_prev), ("W", W)):
        if np.asarray(A).dtype.kind != "f":
            raise ValueError(f"{name} must hold floating-point numbers, got {np.asarray(A).dtype}")


def _check_filters(W: Array, n_C_prev: int, b: Array) -> tuple[int, int]:
    if W.ndim != 4 or W.shape[0] != W.shape[1]:
        raise ValueError(f"W must have shape (f, f, n_C_prev, n_C), got {W.shape}")
    if W.shape[2] != n_C_prev:
        raise ValueError(f"W has shape {W.shape}: expected {n_C_prev} input channels (A_prev's n_C), "
                         f"got {W.shape[2]}")
    if b.shape != (1, 1, 1, W.shape[3]):
        raise ValueError(f"b must have shape {(1, 1, 1, W.shape[3])}, got {b.shape}")
    return W.shape[0], W.shape[3]
