"""``python -m benchmarks mlp``: nndl against PyTorch and scikit-learn on an MLP.

Cases (same data, architecture, initial weights for PyTorch, optimizer, batch size, thread
count and number of epochs for every framework, in one process):

1. Fashion-MNIST 784-256-128-10 (ReLU, softmax), Adam α = 1e-3, at each batch size: median
   epoch time, the ratios nndl/PyTorch and nndl/scikit-learn, test accuracy after the same
   number of epochs, and nndl's achieved GFLOP/s against the 2048³ float32 matrix-product
   peak measured in the same run;
2. inference latency: ``predict_proba`` for one example and for a batch of 1,000;
3. the 3Blue1Brown digit network, 64-16-16-10 with sigmoid hidden units, on the 8×8 digits;
4. peak memory while training (one subprocess per framework, see ``benchmarks/memory.py``).

Epochs are interleaved across frameworks (the order rotates every round), so load on a shared
machine hits all of them alike; compare the ratios, which are measured side by side.
"""

from __future__ import annotations

import gc
import json
import statistics
import time

import numpy as np

from . import data as datasets
from .env import blas_lines, header_lines, limit_threads, load_average, matmul_peak, median_time
from .frameworks import MODULES, available, make_runner
from .memory import measure as measure_memory

FRAMEWORKS = tuple(MODULES)
DIGITS_DIMS = [64, 16, 16, 10]
MB = 1024 * 1024


def add_parser(sub) -> None:
    p = sub.add_parser("mlp", help="MLP training and inference: nndl vs PyTorch vs scikit-learn",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="a tiny version that runs in seconds (3,000 examples, batch 128, 1 timed epoch, "
                        "no memory probe): a smoke test, not a measurement")
    p.add_argument("--epochs", type=int, default=None, help="timed epochs per case (default 3; --quick: 1)")
    p.add_argument("--batch-sizes", default=None, help="comma-separated (default 32,128,512; --quick: 128)")
    p.add_argument("--threads", type=int, default=2, help="BLAS/PyTorch threads for every framework (default 2)")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="comma-separated subset of nndl,torch,sklearn")
    p.add_argument("--data", default="fashion-mnist", choices=datasets.NAMES)
    p.add_argument("--subset", type=int, default=None, help="use the first N training examples (default: all)")
    p.add_argument("--digits-epochs", type=int, default=None, help="epochs of the digits network (default 20)")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    p.add_argument("--json", default=None, metavar="PATH", help="also write every number to PATH as JSON")
    p.set_defaults(handler=run)


def flops_per_epoch(dims: list[int], m: int) -> dict[str, float]:
    """Floating-point operations of one epoch of the matrix products the network executes.

    Per example and layer l (n[l] × n[l−1] weights): forward Z = W·A 2·n[l]·n[l−1]; backward
    dW = dZ·Aᵀ 2·n[l]·n[l−1]; dA_prev = Wᵀ·dZ 2·n[l]·n[l−1] for l ≥ 2 only (nobody needs dX).
    "nominal" is the usual 6 × weights × examples, which counts the first layer's dA_prev too.
    """
    weights = [dims[l] * dims[l - 1] for l in range(1, len(dims))]
    executed = m * (4 * sum(weights) + 2 * sum(weights[1:]))
    return {"executed": float(executed), "nominal": float(6 * sum(weights) * m)}


def _rounds(runners: dict, epochs: int) -> tuple[dict[str, list[float]], dict[str, float], int]:
    """Time ``epochs`` epochs of every runner, interleaved, rotating the order each round.

    A round in which another process took the cores can make an epoch several times slower
    (two BLAS threads on two busy cores); while some framework's epochs differ by more than
    1.5×, up to ``epochs`` extra rounds are run, and the medians are taken over all of them.
    Returns (times per framework, each framework's last epoch's mean mini-batch cost, number of
    extra rounds).
    """
    names = list(runners)
    times: dict[str, list[float]] = {n: [] for n in names}
    costs: dict[str, float] = {}

    def one_round(r):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            gc.collect()  # as timeit does: no collector pause lands in one framework's epoch
            gc.disable()
            try:
                t0 = time.perf_counter()
                costs[name] = runners[name].epoch()
                times[name].append(time.perf_counter() - t0)
            finally:
                gc.enable()

    for r in range(epochs):
        one_round(r)
    extra = 0
    while extra < epochs and any(max(t) > 1.5 * min(t) for t in times.values()):
        one_round(epochs + extra)
        extra += 1
    return times, costs, extra


def _train_case(names, dims, hidden, lr, batch_size, data, epochs, warmup=1) -> tuple[dict, dict]:
    # nndl's runner first, whatever the order of ``names``: PyTorch copies its initial weights
    # and replays its order of the examples.
    first = make_runner("nndl", dims, hidden, lr, batch_size, 0, data)
    init, order = first.initial_weights(), first.permutation
    runners = {name: first if name == "nndl" else
               make_runner(name, dims, hidden, lr, batch_size, 0, data, init=init, order=order) for name in names}
    for runner in runners.values():  # warm-up epoch (counts for accuracy, not timed)
        for _ in range(warmup):
            runner.epoch()
    times, costs, extra = _rounds(runners, epochs)
    result = {}
    for name, runner in runners.items():
        result[name] = {"epoch_times": times[name], "median": statistics.median(times[name]),
                        "test_accuracy": runner.accuracy(data.X_test, data.y_test), "train_cost": costs[name],
                        "epochs_trained": warmup + epochs + extra, "extra_rounds": extra}
        if name == "nndl":
            loop = runner.loop_times[warmup:]
            result[name]["loop_times"] = loop
            result[name]["loop_median"] = statistics.median(loop)
            result[name]["fit_overhead_median"] = statistics.median(t - l for t, l in zip(times[name], loop))
    return result, runners


def _ratio(results: dict, a: str, b: str) -> float | None:
    if a in results and b in results:
        return results[a]["median"] / results[b]["median"]
    return None


def _fmt_ratio(r: float | None) -> str:
    return "—" if r is None else f"{r:.2f}×"


def run(args) -> int:
    quick = args.quick
    epochs = args.epochs or (1 if quick else 3)
    batch_sizes = [int(b) for b in (args.batch_sizes or ("128" if quick else "32,128,512")).split(",")]
    subset = args.subset if args.subset is not None else (3000 if quick else 0)
    digits_epochs = args.digits_epochs or (2 if quick else 20)
    if epochs < 1 or digits_epochs < 2:
        print(f"--epochs must be >= 1 and --digits-epochs >= 2 (one warm-up, then timed), "
              f"got {epochs} and {digits_epochs}")
        return 2
    # imports each framework first, so that its thread pools are listed and limited
    names, skipped = available([n.strip() for n in args.frameworks.split(",") if n.strip()])
    if "nndl" not in names:
        print("nndl is not importable: run from the repository root after `pip install -e .`")
        return 2
    limiter = limit_threads(args.threads)  # noqa: F841 (kept alive for the whole run)
    report: dict = {"command": "python -m benchmarks mlp", "quick": quick, "threads": args.threads,
                    "epochs": epochs, "batch_sizes": batch_sizes}
    out = _Printer()
    out("== environment")
    for line in header_lines(args.threads) + blas_lines():
        out(line)
    for line in skipped:
        out(line)
    n_peak = 512 if quick else 2048
    peak = matmul_peak(n=n_peak, repeats=3 if quick else 7)
    report["matmul_peak_gflops"] = peak
    out(f"matrix-product peak: {peak:.1f} GFLOP/s (median of {n_peak}³ float32 A·B, {args.threads} threads)")

    data, note = datasets.load(args.data)
    if note:
        out("note: " + note)
    data = data.subset(subset)
    report["data"] = {"name": data.name, "m_train": len(data.y_train), "m_test": len(data.y_test)}
    dims = datasets.network_dims(data)
    flops = flops_per_epoch(dims, len(data.y_train))
    out(f"\n== training {data.name}: {len(data.y_train):,} train / {len(data.y_test):,} test, "
        f"{'-'.join(map(str, dims))} ReLU/softmax, Adam α=1e-3, {epochs} timed epoch(s) after 1 warm-up")
    out(f"one epoch = {flops['executed'] / 1e9:.1f} GFLOP of matrix products executed "
        f"({flops['nominal'] / 1e9:.1f} nominal 6·weights·m)")
    notes = ["PyTorch starts from nndl's initial weights and replays its mini-batch order"] if "torch" in names else []
    notes += ["scikit-learn uses its own initialization and shuffling"] if "sklearn" in names else []
    out("; ".join(notes + ["the garbage collector is paused during timed epochs"]))
    report["training"] = {}
    last_runners = None
    for B in batch_sizes:
        results, last_runners = _train_case(names, dims, "relu", 1e-3, B, data, epochs)
        n = results["nndl"]
        n["gflops"] = flops["executed"] / n["median"] / 1e9
        n["fraction_of_peak"] = n["gflops"] / peak
        n["loop_gflops"] = flops["executed"] / n["loop_median"] / 1e9
        n["nominal_gflops"] = flops["nominal"] / n["median"] / 1e9
        ratios = {f"nndl/{x}": _ratio(results, "nndl", x) for x in names if x != "nndl"}
        report["training"][B] = {"results": results, "ratios": ratios}
        out(f"\nbatch {B}:")
        out(f"  {'framework':<9} {'epoch s (median)':>16} {'all epochs':>32} {'train cost':>11} {'test acc':>9}")
        for name, r in results.items():
            out(f"  {name:<9} {r['median']:>16.3f} {' '.join(f'{t:.3f}' for t in r['epoch_times']):>32} "
                f"{r['train_cost']:>11.5f} {100 * r['test_accuracy']:>8.2f}%")
        out(f"  nndl: {n['gflops']:.0f} GFLOP/s executed = {100 * n['fraction_of_peak']:.0f}% of the measured peak "
            f"(epoch loop alone {n['loop_median']:.3f} s: {n['loop_gflops']:.0f} GFLOP/s, "
            f"{100 * n['loop_gflops'] / peak:.0f}%; counted as 6·weights·m: {n['nominal_gflops']:.0f} GFLOP/s, "
            f"{100 * n['nominal_gflops'] / peak:.0f}%)")
        out("  ratios: " + "  ".join(f"{k} = {_fmt_ratio(v)}" for k, v in ratios.items()))
        out(f"  nndl's fit call spends a median {1e3 * n['fit_overhead_median']:.0f} ms per call outside the epoch "
            "loop (input checks, one-hot labels)")
        if n["extra_rounds"]:
            out(f"  ({n['extra_rounds']} extra round(s): epoch times varied by more than 1.5×, "
                f"load average now {load_average()})")

    report["inference"] = _inference(out, last_runners, data, quick)
    report["digits"] = _digits(out, names, digits_epochs)
    if not args.no_memory and not quick:
        report["memory"] = _memory(out, names, batch_sizes, args, subset)
    _targets(out, report)
    out(f"\nload average at end: {load_average()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1, default=float)
    return 0


def _inference(out, runners, data, quick) -> dict:
    out("\n== inference latency (predict_proba, median)")
    one, batch = data.X_test[:1].copy(), np.ascontiguousarray(data.X_test[:1000])
    res = {}
    for name, runner in runners.items():
        t1 = median_time(lambda: runner.predict_proba(one), 20 if quick else 300, warmup=5)
        tb = median_time(lambda: runner.predict_proba(batch), 5 if quick else 50, warmup=2)
        res[name] = {"one_example_s": t1, "batch_1000_s": tb, "batch": len(batch)}
    for name, r in res.items():
        rel = ""
        if name != "nndl":
            rel = (f"   nndl/{name}: {res['nndl']['one_example_s'] / r['one_example_s']:.2f}× (one), "
                   f"{res['nndl']['batch_1000_s'] / r['batch_1000_s']:.2f}× ({len(batch):,})")
        out(f"  {name:<9} one example {1e6 * r['one_example_s']:8.1f} µs   batch of {len(batch):,} "
            f"{1e3 * r['batch_1000_s']:7.2f} ms{rel}")
    return res


def _digits(out, names, epochs) -> dict:
    data = datasets.digits()
    out(f"\n== 3Blue1Brown digit network: {'-'.join(map(str, DIGITS_DIMS))} sigmoid/softmax on the 8×8 digits "
        f"({len(data.y_train):,} train / {len(data.y_test):,} test), Adam α=1e-2, batch 32")
    results, _ = _train_case(names, DIGITS_DIMS, "sigmoid", 1e-2, 32, data, epochs - 1)
    for name, r in results.items():
        rel = "" if name == "nndl" else f"   nndl/{name} = {_fmt_ratio(_ratio(results, 'nndl', name))}"
        out(f"  {name:<9} epoch {1e3 * r['median']:7.2f} ms   test acc {100 * r['test_accuracy']:6.2f}% "
            f"after {r['epochs_trained']} epochs{rel}")
    return results


def _memory(out, names, batch_sizes, args, subset) -> dict:
    B = 128 if 128 in batch_sizes else batch_sizes[0]
    out(f"\n== peak memory while training (batch {B}, 1 epoch, one subprocess per framework; "
        "see benchmarks/memory.py)")
    res = {}
    for name in names:
        try:
            r = measure_memory(name, B, 1, args.threads, args.data, subset)
        except RuntimeError as e:
            out(f"  {name}: {e}")
            continue
        res[name] = r
        imports, data_mb, peak = r["rss_imports"] / MB, r["rss_data"] / MB, r["peak"] / MB
        out(f"  {name:<9} after imports {imports:7.0f} MB   + data {data_mb - imports:5.0f} MB"
            f"   training peak {peak:7.0f} MB   peak − imports {peak - imports:6.0f} MB"
            f"   peak − data {peak - data_mb:5.0f} MB   [{r['method']}]")
    if res:
        first = next(iter(res.values()))
        out(f"  float32 dataset (train + test images): {first['float32_dataset_bytes'] / MB:.0f} MB")
    return res


def _targets(out, report) -> None:
    out("\n== targets (medians from this run)")
    training = report["training"]

    def line(ok, text):
        out(f"  [{'met' if ok else 'MISSED'}] {text}")

    def ratio(B, other):
        return training.get(B, {}).get("ratios", {}).get(f"nndl/{other}")

    for B, limit, other in ((128, 0.6, "torch"), (128, 0.4, "sklearn"), (32, 0.8, "torch"), (512, 0.8, "torch")):
        r = ratio(B, other)
        if r is not None:
            line(r <= limit, f"batch {B}: nndl/{other} = {r:.2f}× (target ≤ {limit}×)")
    if 512 in training:
        f = training[512]["results"]["nndl"]["fraction_of_peak"]
        nominal = training[512]["results"]["nndl"]["nominal_gflops"] / report["matmul_peak_gflops"]
        line(f >= 0.7, f"batch 512: nndl at {100 * f:.0f}% of the matrix-product peak in executed FLOPs "
                       f"({100 * nominal:.0f}% counted as 6·weights·m) (target ≥ 70%)")
    for B, case in training.items():
        res = case["results"]
        if "torch" in res:
            d = round(100 * (res["nndl"]["test_accuracy"] - res["torch"]["test_accuracy"]), 6)
            line(abs(d) <= 0.5 or d > 0, f"batch {B}: test accuracy nndl − torch = {d:+.2f} points "
                                         f"after {res['nndl']['epochs_trained']} epochs (target within 0.5)")
    mem = report.get("memory", {}).get("nndl")
    if mem:
        used = mem["peak"] - mem["rss_imports"]
        limit = mem["float32_dataset_bytes"] + 300 * MB
        line(used <= limit, f"nndl peak memory − imports = {used / MB:.0f} MB (target ≤ float32 dataset "
                            f"{mem['float32_dataset_bytes'] / MB:.0f} MB + 300 MB = {limit / MB:.0f} MB)")


class _Printer:
    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
