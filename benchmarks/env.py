"""The machine a benchmark ran on: BLAS kernels and threads, load, and the matrix-product peak."""

from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Callable

import numpy as np


def limit_threads(threads: int):
    """Pin every pool to ``threads`` threads: NumPy's OpenBLAS, PyTorch's, and the threads over
    which nndl splits a batch's memory-bound passes (``nndl.functional.set_batch_threads``).

    Returns the threadpoolctl limiter (keep a reference), or None without threadpoolctl.
    """
    try:
        import torch
        torch.set_num_threads(threads)
    except ImportError:
        pass
    try:
        from nndl.functional import set_batch_threads
        set_batch_threads(threads)
    except ImportError:  # an nndl from before the batch split (comparing versions)
        pass
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=threads)


def start_against_torch(threads: int, out: Callable[[str], None] = print):
    """The start of a run that compares with PyTorch: its pools and nndl's limited to
    ``threads``, the environment printed through ``out``. Returns the limiter (keep a reference),
    or False, with a message, when PyTorch is not installed."""
    try:
        import torch  # noqa: F401  (imported first so its thread pool is listed and limited)
    except ImportError:
        out("PyTorch is not installed (pip install torch): nothing to compare against")
        return False
    limiter = limit_threads(threads)
    out("== environment")
    for line in header_lines(threads) + blas_lines():
        out(line)
    return limiter


def clock_named(name: str) -> Callable[[], float]:
    """``--clock``: "cpu" → the CPU time of this process, "wall" → elapsed time."""
    return time.process_time if name == "cpu" else time.perf_counter


def blas_lines() -> list[str]:
    """One line per thread pool loaded in this process (threadpoolctl), plus PyTorch's threads."""
    lines = []
    try:
        from threadpoolctl import threadpool_info
        for info in threadpool_info():
            lines.append(f"threadpoolctl: {info.get('user_api')} internal_api={info.get('internal_api')} "
                         f"architecture={info.get('architecture', '-')} num_threads={info.get('num_threads')} "
                         f"version={info.get('version')} ({os.path.basename(info.get('filepath', ''))})")
    except ImportError:
        lines.append("threadpoolctl: not installed (pip install threadpoolctl) — BLAS kernel unknown")
    try:
        import torch
        lines.append(f"torch {torch.__version__}: get_num_threads()={torch.get_num_threads()} "
                     f"mkldnn={torch.backends.mkldnn.is_available()} mkl={torch.backends.mkl.is_available()}")
    except ImportError:
        pass
    return lines


def header_lines(threads: int) -> list[str]:
    """Python, NumPy, CPU count, load average and the OpenBLAS environment of this run."""
    overrides = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                                            "OMP_NUM_THREADS") if k in os.environ}
    lines = [f"python {platform.python_version()}  numpy {np.__version__}  cpus={os.cpu_count()}  "
             f"threads={threads}  {platform.machine()} {platform.processor() or ''}".rstrip(),
             f"load average at start: {load_average()}",
             f"OpenBLAS/OpenMP environment: {overrides or 'none set'}"]
    if "OPENBLAS_CORETYPE" in overrides:
        lines.append("note: OPENBLAS_CORETYPE forces an older kernel; for benchmark runs use "
                     "`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks ...`")
    return lines


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def median_time(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` calls after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def matmul_peak(n: int = 2048, repeats: int = 7, dtype=np.float32) -> float:
    """The machine's matrix-product peak in GFLOP/s: 2n³ / median time of an n×n float32 A·B."""
    rng = np.random.default_rng(0)
    A, B = rng.random((n, n), dtype=dtype), rng.random((n, n), dtype=dtype)
    C = np.empty((n, n), dtype)
    t = median_time(lambda: np.matmul(A, B, out=C), repeats)
    return 2 * n ** 3 / t / 1e9
