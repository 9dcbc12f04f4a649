"""Peak memory while training, measured in a fresh subprocess per framework.

tracemalloc sees only Python's allocator: NumPy's buffers partly and BLAS's and PyTorch's
own allocations not at all. What the operating system counts is the resident set, so each
framework trains in its own ``python -m benchmarks memory`` process, which records

- ``rss_imports``: VmRSS after importing NumPy and the framework (the interpreter and the
  libraries: not the framework's training cost);
- ``rss_data``: VmRSS once the data set is loaded;
- ``peak``: the peak resident set (VmHWM) during model construction and training. Before
  training, the peak is reset (``/proc/self/clear_refs`` ← 5, Linux ≥ 4.0) so that the
  transient of decompressing the data does not hide it; where that is not allowed, the
  process's lifetime peak ``ru_maxrss`` is used, which can only overstate training's peak.

The parent reports ``peak − rss_imports`` (data plus everything training adds) against the
data set's float32 size, and ``peak − rss_data`` (what training adds on top of the data).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from .data import NAMES
from .frameworks import MODULES


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _max_rss_bytes() -> int:
    """The process's lifetime peak resident set (``ru_maxrss`` is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss_bytes() -> int:
    kb = _status_kb("VmRSS")
    return kb * 1024 if kb is not None else _max_rss_bytes()


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status_kb("VmHWM") is not None
    except OSError:
        return False


def _peak_bytes(reset_ok: bool) -> int:
    return _status_kb("VmHWM") * 1024 if reset_ok else _max_rss_bytes()


def add_parser(sub) -> None:
    p = sub.add_parser("memory", help="(internal) peak memory of one framework, run in a subprocess",
                       description="Train one framework and print its memory use as JSON.")
    p.add_argument("--framework", required=True, choices=tuple(MODULES))
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", default="fashion-mnist", choices=NAMES)
    p.add_argument("--subset", type=int, default=0)
    p.set_defaults(handler=run)


def run(args) -> int:
    from . import data as datasets
    from .env import limit_threads
    from .frameworks import make_runner
    __import__(MODULES[args.framework])
    limiter = limit_threads(args.threads)  # noqa: F841 (kept alive)
    rss_imports = _rss_bytes()
    data, _ = datasets.load(args.data)
    data = data.subset(args.subset)
    rss_data = _rss_bytes()
    reset_ok = _reset_peak()
    runner = make_runner(args.framework, datasets.network_dims(data), "relu", 1e-3, args.batch_size, 0, data)
    for _ in range(args.epochs):
        runner.epoch()
    peak = _peak_bytes(reset_ok)
    print(json.dumps({"framework": args.framework, "rss_imports": rss_imports, "rss_data": rss_data,
                      "peak": peak, "data_bytes": data.nbytes,
                      "float32_dataset_bytes": data.X_train.nbytes + data.X_test.nbytes,
                      "method": "VmHWM after clear_refs" if reset_ok else "ru_maxrss (lifetime peak)"}))
    return 0


def measure(framework: str, batch_size: int, epochs: int, threads: int, data: str, subset: int) -> dict:
    """Run ``python -m benchmarks memory`` for one framework and return its JSON report."""
    root = Path(__file__).resolve().parent.parent
    cmd = [sys.executable, "-m", "benchmarks", "memory", "--framework", framework, "--batch-size",
           str(batch_size), "--epochs", str(epochs), "--threads", str(threads), "--data", data,
           "--subset", str(subset)]
    out = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=os.environ.copy())
    if out.returncode != 0:
        raise RuntimeError(f"memory probe for {framework} failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
