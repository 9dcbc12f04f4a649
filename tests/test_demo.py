"""``nndl demo vectorization`` and the benchmark suite's smoke run (no timing assertions)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nndl.cli import main
from nndl.cli.demo import loop_dot, vectorization

ROOT = Path(__file__).resolve().parent.parent


def test_loop_dot_is_the_dot_product():
    assert loop_dot(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])) == 32.0
    rng = np.random.default_rng(1)
    a, b = rng.random(1000), rng.random(1000)
    assert loop_dot(a, b) == pytest.approx(float(np.dot(a, b)), rel=1e-12)


def test_vectorization_demo_prints_both_timings_and_the_ratio(capsys):
    assert main(["demo", "vectorization", "--size", "5000", "--repeats", "1"]) == 0
    text = capsys.readouterr().out
    assert "5,000" in text
    loop = re.search(r"for loop \(Python\):\s+([\d.]+) ms", text)
    vec = re.search(r"vectorized \(np\.dot\):\s+([\d.]+) ms", text)
    ratio = re.search(r"ratio: the vectorized version is ([\d,]+)x faster", text)
    assert loop and vec and ratio, text
    assert float(loop.group(1)) > 0


def test_vectorization_demo_json(capsys):
    assert main(["demo", "vectorization", "--size", "3000", "--repeats", "2", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["size"] == 3000 and r["repeats"] == 2
    assert r["loop_seconds"] > 0 and r["vectorized_seconds"] > 0
    assert r["speedup"] == pytest.approx(r["loop_seconds"] / r["vectorized_seconds"], rel=1e-9)
    assert r["loop_result"] == pytest.approx(r["vectorized_result"], rel=1e-12)


def test_vectorization_uses_the_seed():
    a = vectorization(size=100, repeats=1, seed=3)
    b = vectorization(size=100, repeats=1, seed=3)
    c = vectorization(size=100, repeats=1, seed=4)
    assert a["vectorized_result"] == b["vectorized_result"] != c["vectorized_result"]


@pytest.mark.parametrize("argv, message", [
    (["--size", "0"], "--size must be a positive number of elements, got 0"),
    (["--repeats", "0"], "--repeats must be at least 1, got 0"),
])
def test_bad_options_are_one_line_errors(argv, message, capsys):
    assert main(["demo", "vectorization", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_unknown_demo_is_rejected(capsys):
    with pytest.raises(SystemExit) as e:
        main(["demo", "nope"])
    assert e.value.code == 2
    assert "vectorization" in capsys.readouterr().err


def test_benchmark_flop_count_by_hand(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))  # benchmarks/ is a package of the repository, not installed
    from benchmarks.mlp import flops_per_epoch
    # 784-256-128-10: weights 200,704 + 32,768 + 1,280 = 234,752; layers 2 and 3 have 34,048
    f = flops_per_epoch([784, 256, 128, 10], 1)
    assert f["executed"] == 4 * 234_752 + 2 * 34_048
    assert f["nominal"] == 6 * 234_752
    assert flops_per_epoch([784, 256, 128, 10], 60_000)["executed"] == 60_000 * f["executed"]


def test_benchmark_quick_run_prints_ratios():
    pytest.importorskip("sklearn", reason="scikit-learn (the benchmark's second framework) is not installed")
    cmd = [sys.executable, "-m", "benchmarks", "mlp", "--quick", "--data", "synthetic", "--subset", "600",
           "--frameworks", "nndl,sklearn", "--digits-epochs", "2"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "threadpoolctl:" in text or "threadpoolctl: not installed" in text
    assert re.search(r"matrix-product peak: [\d.]+ GFLOP/s", text)
    assert re.search(r"ratios: nndl/sklearn = [\d.]+×", text), text
    assert re.search(r"nndl\s+one example\s+[\d.]+ µs", text)
    assert "3Blue1Brown digit network" in text and "== targets" in text
