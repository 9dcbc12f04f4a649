"""NumPy's own BLAS matrix product, callable from compiled (numba) code.

A loop over time compiled as one call still does one matrix product per step. numba's
``np.dot`` would call SciPy's BLAS: a second OpenBLAS with a thread pool of its own, whose
idle threads spin on the cores that NumPy's BLAS threads need next (every NumPy product after
such a loop ran slower). So the loops call the gemm of the library NumPy itself loaded,
through its Fortran interface (every argument a pointer): the same routine, the same threads
and the same thread limits (``blas_on_one_thread``, threadpoolctl) as NumPy's ``@``.

``entry_points()`` finds that routine (the library threadpoolctl lists inside NumPy's folder,
or the only BLAS loaded), checks it on a small product against ``@`` for both float types, and
returns its addresses, or None (the callers then run their NumPy code). Integers go in as
64-bit numbers: an LP64 library reads the low half of each, which on a little-endian machine
is the same number, so one layout serves both integer sizes.

This module imports numba and is imported only when a kernel is first used.
"""

from __future__ import annotations

import ctypes
import os
import sys

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ._numba import KERNEL_FLOATS

# Fortran gemm names: NumPy's wheels (ILP64, with or without the scipy_ prefix), then LP64
_NAMES = ("scipy_{}gemm_64_", "{}gemm_64_", "scipy_{}gemm_", "{}gemm_")


@intrinsic
def _call_fortran_gemm(typingctx, address, transa, transb, m, n, k, alpha, a, lda, b, ldb,
                       beta, c, ldc):
    """Call the gemm at ``address`` (an integer) with its 13 pointer arguments."""
    sig = types.void(types.intp, *([types.voidptr] * 13))

    def codegen(context, builder, signature, args):
        pointer = ir.IntType(8).as_pointer()
        function = builder.inttoptr(args[0], ir.FunctionType(ir.VoidType(), [pointer] * 13).as_pointer())
        builder.call(function, list(args[1:]))
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(nogil=True, cache=True)
def gemm(entry, A, transpose_A, B, C, beta):
    """C ← op(A)·B + β·C for 2-D float32 or float64 arrays whose rows are contiguous (views
    of larger arrays included), op(A) = Aᵀ when ``transpose_A``; ``entry`` = the (sgemm,
    dgemm) addresses from ``entry_points``. Row-major C = op(A)·B is column-major
    Cᵀ = Bᵀ·op(A)ᵀ, so BLAS gets B first."""
    m, n = C.shape
    k = A.shape[0] if transpose_A else A.shape[1]
    if m == 0 or n == 0:
        return
    if k == 0:                       # C = β·C (OpenBLAS returns early, leaving C as it was)
        for i in range(m):
            for j in range(n):
                C[i, j] = beta * C[i, j] if beta != 0 else 0
        return
    size = C.itemsize
    ints = np.empty(6, np.int64)
    ints[0], ints[1], ints[2] = n, m, k
    ints[3] = max(1, B.strides[0] // size)
    ints[4] = max(1, A.strides[0] // size)
    ints[5] = max(1, C.strides[0] // size)
    coef = np.empty(2, C.dtype)
    coef[0], coef[1] = 1, beta
    flags = np.empty(2, np.uint8)
    flags[0], flags[1] = ord("N"), ord("T")
    _call_fortran_gemm(entry[0] if size == 4 else entry[1],
                       flags.ctypes, flags[1:].ctypes if transpose_A else flags.ctypes,
                       ints.ctypes, ints[1:].ctypes, ints[2:].ctypes, coef.ctypes,
                       B.ctypes, ints[3:].ctypes, A.ctypes, ints[4:].ctypes,
                       coef[1:].ctypes, C.ctypes, ints[5:].ctypes)


def _numpy_blas_path() -> str | None:
    """The file of the BLAS library NumPy loaded, or None when it cannot be told."""
    try:
        from threadpoolctl import ThreadpoolController
        libraries = ThreadpoolController().select(user_api="blas").lib_controllers
    except Exception:
        return None
    numpy_dir = os.path.dirname(os.path.realpath(np.__file__))
    places = (numpy_dir + ".libs" + os.sep, numpy_dir + os.sep)   # wheels: numpy.libs/, numpy/.dylibs/
    inside = [lib.filepath for lib in libraries if os.path.realpath(lib.filepath).startswith(places)]
    if len(inside) == 1:
        return inside[0]
    return libraries[0].filepath if len(libraries) == 1 and not inside else None


def _found_entry_points() -> np.ndarray | None:
    if sys.byteorder != "little":
        return None
    path = _numpy_blas_path()
    if path is None:
        return None
    try:
        library = ctypes.CDLL(path)
    except OSError:
        return None
    for name in _NAMES:
        try:
            s, d = getattr(library, name.format("s")), getattr(library, name.format("d"))
        except AttributeError:
            continue
        return np.array([ctypes.cast(s, ctypes.c_void_p).value, ctypes.cast(d, ctypes.c_void_p).value],
                        dtype=np.int64)
    return None


def _agrees_with_numpy(entry: np.ndarray) -> bool:
    """The found gemm against ``@`` on a small product with strided views, both float types."""
    rng = np.random.default_rng(0)
    for dtype in KERNEL_FLOATS:
        A = rng.standard_normal((5, 7)).astype(dtype)
        B = rng.standard_normal((9, 6)).astype(dtype)[:, 1:4]       # rows 6 apart, 3 columns
        C = np.ones((7, 5), dtype=dtype)[:, :3]
        expected = A.T @ B[:5] + 0.5 * C
        gemm(entry, A, True, B[:5], C, 0.5)
        if not np.allclose(C, expected, rtol=1e-4, atol=1e-5):
            return False
    return True


_entry: np.ndarray | None = None
_looked = False


def entry_points() -> np.ndarray | None:
    """(sgemm, dgemm) addresses of NumPy's BLAS as an int64 array, checked; None when not found."""
    global _entry, _looked
    if not _looked:
        entry = _found_entry_points()
        _entry = entry if entry is not None and _agrees_with_numpy(entry) else None
        _looked = True
    return _entry
