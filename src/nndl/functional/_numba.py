"""The optional numba kernels' plumbing (``pip install numba``, the ``fast`` extra).

``AVAILABLE`` says whether numba is installed; ``compiled_on_first_use(fn)`` returns a
callable that compiles ``fn`` with numba the first time it is called (numba is imported only
then, so importing nndl stays fast) and runs the compiled kernel from then on;
``kernel_float(dtype)`` says whether arrays of that dtype take the kernels (float32 and
float64; other dtypes run the NumPy code).
"""

from __future__ import annotations

import functools
import importlib.util
from typing import Callable

import numpy as np

AVAILABLE = importlib.util.find_spec("numba") is not None
KERNEL_FLOATS = (np.float32, np.float64)  # the dtypes the kernels are compiled for


def kernel_float(dtype) -> bool:
    """Whether arrays of ``dtype`` take the compiled kernels (float32 or float64)."""
    return np.dtype(dtype).type in KERNEL_FLOATS


def compiled_on_first_use(fn: Callable) -> Callable:
    """``fn`` compiled by ``numba.njit(cache=True, nogil=True)`` on its first call."""
    kernel = None

    @functools.wraps(fn)
    def call(*args):
        nonlocal kernel
        if kernel is None:
            import numba
            kernel = numba.njit(cache=True, nogil=True)(fn)
        return kernel(*args)

    return call
