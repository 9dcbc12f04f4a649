"""``nndl demo vectorization``: the course's first speed lesson, measured on this machine
(``nndl demo graph``, the computation graph, lives in graph_demo.py).

Course 1, week 2: c = Σᵢ aᵢ·bᵢ for two vectors of 1,000,000 numbers, once with a Python
``for`` loop over the elements and once with ``np.dot(a, b)``, which hands the whole product
to compiled, SIMD code. The demo prints both times and their ratio.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from . import CLIError
from .common import emit

DEMOS = ("vectorization", "graph")


def add_parser(sub) -> None:
    """Register the ``demo`` verb on the subparsers ``sub``."""
    p = sub.add_parser("demo", help="small live demonstrations from the course (vectorization, graph)",
                       description="Live demonstrations from the course. vectorization: time a Python "
                                   "for loop against np.dot on the same two vectors (Course 1, week 2). graph: the "
                                   "computation graph of an expression, forward values and backward "
                                   "derivatives, drawn as SVG (Course 1, week 2).")
    p.add_argument("name", choices=DEMOS, help="which demonstration to run")
    p.add_argument("graph_args", nargs="*", metavar="EXPR NAME=VALUE",
                   help='graph: an expression and its inputs, e.g. "3*(a + b*c)" a=5 b=3 c=2')
    p.add_argument("--out", help="graph: where to write the SVG (default: graph.svg)")
    p.add_argument("--size", type=int, default=1_000_000, help="length of the vectors (default 1,000,000)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs of each version; the median is shown "
                                                          "(default 3)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random vectors (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    p.set_defaults(handler=run)


def loop_dot(a: np.ndarray, b: np.ndarray) -> float:
    """c = Σᵢ aᵢ·bᵢ with an explicit Python loop, as in the course's non-vectorized version."""
    c = 0.0
    for i in range(a.shape[0]):
        c += a[i] * b[i]
    return float(c)


def vectorization(size: int = 1_000_000, repeats: int = 3, seed: int = 0) -> dict[str, float]:
    """Median times of ``loop_dot(a, b)`` and ``np.dot(a, b)`` for a, b ~ U[0, 1) of ``size``
    float64 values, their ratio, and both results (they agree to rounding)."""
    if size < 1:
        raise CLIError(f"--size must be a positive number of elements, got {size}")
    if repeats < 1:
        raise CLIError(f"--repeats must be at least 1, got {repeats}")
    rng = np.random.default_rng(seed)
    a, b = rng.random(size), rng.random(size)
    np.dot(a, b)  # warm-up: first call loads and starts the BLAS
    loop_times, dot_times = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        c_loop = loop_dot(a, b)
        t1 = time.perf_counter()
        c_dot = float(np.dot(a, b))
        t2 = time.perf_counter()
        loop_times.append(t1 - t0)
        dot_times.append(t2 - t1)
    loop_s, dot_s = statistics.median(loop_times), statistics.median(dot_times)
    return {"size": size, "repeats": repeats, "loop_seconds": loop_s, "vectorized_seconds": dot_s,
            "speedup": loop_s / max(dot_s, 1e-12), "loop_result": c_loop, "vectorized_result": c_dot}


def run(args) -> int:
    """Run the demonstration ``args.name`` and print its timings (text, or JSON with --json)."""
    if args.name == "graph":
        from .graph_demo import run_graph
        return run_graph(args)
    if args.graph_args or args.out:
        raise CLIError(f"demo {args.name} takes no expression, inputs or --out (those are for demo graph)")
    r = vectorization(args.size, args.repeats, args.seed)
    text = "\n".join([
        f"Vectorization (Course 1, week 2): c = a·b for two random vectors of {r['size']:,} float64 values,",
        f"median of {r['repeats']} run(s) on this machine:",
        f"  for loop (Python):   {_ms(r['loop_seconds'])}",
        f"  vectorized (np.dot): {_ms(r['vectorized_seconds'])}",
        f"  ratio: the vectorized version is {r['speedup']:,.0f}x faster "
        f"(results {r['loop_result']:.6f} and {r['vectorized_result']:.6f})",
    ])
    emit(args, text, r)
    return 0


def _ms(seconds: float) -> str:
    return f"{1e3 * seconds:10.3f} ms"
