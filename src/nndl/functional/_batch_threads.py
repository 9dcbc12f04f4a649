"""The memory-bound work of a convolutional step split over the examples, on several cores.

The matrix products of ``conv.py`` run on every BLAS thread; the copies and additions around
them (im2col's gather, col2im's scatter-add, pooling forward and backward) are NumPy passes on
one core. NumPy releases the interpreter lock inside such passes, so the same code run on
slices of the batch, [0, m/2) on this thread and [m/2, m) on another, uses two cores; every
element sees the very same operations, so the result is bitwise the one-thread result.

``set_threads(n)`` chooses the number of threads (1: everything on the calling thread, as
before; the default follows the BLAS thread limit of the environment, see ``default_threads``);
arrays under ``MIN_SIZE`` numbers always stay on one thread, where handing work to another
costs more than it saves.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable


def default_threads(environ=os.environ) -> int:
    """The cores (at most 8), or fewer when the BLAS/OpenMP thread count is limited in the
    environment (``OPENBLAS_NUM_THREADS=1 python …`` keeps these passes on one thread too)."""
    n = max(1, min(os.cpu_count() or 1, 8))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        try:
            n = min(n, max(1, int(environ.get(name, ""))))
        except ValueError:
            pass
    return n


THREADS = default_threads()
MIN_SIZE = 1 << 18  # 262,144 numbers (1 MB of float32): below, a pass takes ~0.1 ms and a hand-off ~0.02 ms
_pool: ThreadPoolExecutor | None = None


def _forget_pool() -> None:
    """A forked child has none of its parent's threads: it starts its own pool when needed."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def set_threads(n: int) -> None:
    """Split the batch over n threads from now on (n ≥ 1)."""
    global THREADS, _pool
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"threads must be a positive integer, got {n!r}")
    if _pool is not None and n != THREADS:
        _pool.shutdown()
        _pool = None
    THREADS = n


def over_batch(fn: Callable[[int, int], None], m: int, size: int) -> None:
    """fn(start, stop) for consecutive slices [start, stop) covering the m examples: the first
    slice on this thread, the others at the same time on the pool's threads. ``size``, the
    number of elements the call touches, decides whether splitting pays off."""
    n = min(THREADS, m) if size >= MIN_SIZE else 1
    if n <= 1:
        fn(0, m)
        return
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(THREADS - 1, thread_name_prefix="nndl-batch")
    bounds = [m * j // n for j in range(n + 1)]
    futures = [_pool.submit(fn, bounds[j], bounds[j + 1]) for j in range(1, n)]
    try:
        fn(bounds[0], bounds[1])
    finally:
        for future in futures:
            future.result()
