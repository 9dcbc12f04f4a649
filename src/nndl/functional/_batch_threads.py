"""The work of a convolutional step split over the examples, on several cores.

A convolution, pooling, ReLU and batch norm on images run the same code on slices of the
batch, [0, m/2) on this thread and [m/2, m) on another: NumPy and BLAS release the interpreter
lock inside their loops, so the slices run at the same time. Every example's numbers see the
very same operations as on one thread; a sum over the examples (dW, db, batch norm's
statistics) is the slices' partial sums added in slice order.

``set_threads(n)`` chooses the number of threads (1: everything on the calling thread, as
before; the default follows the BLAS thread limit of the environment, see ``default_threads``);
arrays under ``MIN_SIZE`` numbers always stay on one thread, where handing work to another
costs more than it saves.

The matrix products go into the slices too: each thread multiplies its own examples, with BLAS
on one thread (``blas_on_one_thread``). The two kinds of threads must not share the cores: an
OpenBLAS worker spins for a long while after each multi-threaded product, waiting for the next,
and a split pass that runs meanwhile is slower than the same pass on one thread (on two cores:
230 µs split against 345 µs whole with BLAS on one thread, 375–390 µs split with BLAS on two).
So while nndl splits a batch, these threads are the only ones: a model with such layers holds
BLAS on one thread for a whole training step or inference pass, and each splitting operation
for its own call.
"""

from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator


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


def slices(m: int, size: int) -> int:
    """How many slices ``over_batch`` cuts m examples into for a call touching ``size`` numbers."""
    return max(1, min(THREADS, m)) if size >= MIN_SIZE else 1


def over_batch(fn: Callable[[int, int], object], m: int, size: int) -> list:
    """fn(start, stop) for consecutive slices [start, stop) covering the m examples: the first
    slice on this thread, the others at the same time on the pool's threads. ``size``, the
    number of elements the call touches, decides whether splitting pays off. Returns what each
    slice's call returned, in the order of the slices (partial sums are added in that order,
    so a result depends on the number of slices, never on which thread finished first).
    ``fn`` must not call ``over_batch`` itself."""
    n = slices(m, size)
    if n <= 1:
        return [fn(0, m)]
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(THREADS - 1, thread_name_prefix="nndl-batch")
    bounds = [m * j // n for j in range(n + 1)]
    futures = [_pool.submit(fn, bounds[j], bounds[j + 1]) for j in range(1, n)]
    try:
        first = fn(bounds[0], bounds[1])
    finally:
        results = [future.result() for future in futures]
    return [first] + results


def added(parts: list):
    """The per-slice partial sums that ``over_batch`` returned, added in slice order."""
    return functools.reduce(lambda a, b: a + b, parts)


# ---------------------------------------------------------------- BLAS on one thread

_blas_lock = threading.Lock()
_blas_depth = 0
_blas_saved: list = []
_blas_controllers: list | None = None


def _blas_libraries() -> list:
    """threadpoolctl's controllers of the BLAS libraries loaded in this process (found once)."""
    global _blas_controllers
    if _blas_controllers is None:
        try:
            from threadpoolctl import ThreadpoolController
            _blas_controllers = list(ThreadpoolController().select(user_api="blas").lib_controllers)
        except Exception:  # threadpoolctl missing or a library it cannot drive: products then stay as they are
            _blas_controllers = []
    return _blas_controllers


@contextmanager
def blas_on_one_thread() -> Iterator[None]:
    """While nndl splits batches over several threads (``THREADS`` > 1), BLAS runs on one
    thread: every BLAS library's thread count is set to 1 on entering and restored on leaving
    the outermost such block (nested blocks and blocks entered from several threads at once
    share one setting). With ``THREADS`` = 1 nothing changes. The setting is the process's:
    BLAS called meanwhile from another thread runs on one thread too."""
    global _blas_depth, _blas_saved
    if THREADS <= 1:
        yield
        return
    with _blas_lock:
        if _blas_depth == 0:
            _blas_saved = [(lib, lib.num_threads) for lib in _blas_libraries()]
            for lib, n in _blas_saved:
                if n != 1:
                    lib.set_num_threads(1)
        _blas_depth += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_depth -= 1
            if _blas_depth == 0:
                for lib, n in _blas_saved:
                    if n != 1:
                        lib.set_num_threads(n)
                _blas_saved = []


def splitting(fn: Callable) -> Callable:
    """Decorator: ``fn`` runs inside ``blas_on_one_thread()`` (an operation whose products go
    into the batch's slices)."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        with blas_on_one_thread():
            return fn(*args, **kwargs)
    return call
