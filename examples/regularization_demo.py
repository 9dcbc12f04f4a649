"""Regularization, as Course 2 week 1 shows it: the same large network trained three ways.

A small, noisy training set (100 "moons" points, each label flipped with probability 0.15)
lets a large ReLU network memorize the noise: training accuracy near 100%, a decision
boundary that wraps around mislabelled points, and a worse dev accuracy. L2 regularization
(J + λ/2m·Σ‖W‖²) and inverted dropout (keep each hidden unit with probability keep_prob)
both smooth the boundary: training accuracy goes down, dev accuracy goes up.

    python examples/regularization_demo.py                 # writes runs/regularization/regularization.md and .png
    python examples/regularization_demo.py --update-docs   # regenerates the tracked docs/regularization.md and .png

Every run uses fixed seeds (data, initialization and dropout masks), so it repeats exactly.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

import nndl
from nndl.datasets import moons

DOCS = Path(__file__).resolve().parent.parent / "docs"
OUT = Path("runs") / "regularization"

DIMS, LEARNING_RATE = (2, 128, 128, 1), 0.003   # a network large for 100 points; full-batch Adam's α
VARIANTS = ("none", "l2", "dropout")
TITLES = {"none": "no regularization", "l2": "L2 regularization", "dropout": "dropout"}


def make_data(m_train: int = 100, m_dev: int = 1000, noise: float = 0.2, flip: float = 0.15,
              seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train (2, m_train), Y_train (1, m_train), X_dev (2, m_dev), Y_dev (1, m_dev)).

    Both sets are moons with Gaussian noise ``noise``; each training label is flipped with
    probability ``flip`` (mislabelled examples), the dev labels are left clean.
    """
    X_train, Y_train = moons(m_train, noise, seed=seed)
    flipped = np.random.default_rng(seed).random((1, m_train)) < flip
    Y_train = np.where(flipped, 1 - Y_train, Y_train)
    X_dev, Y_dev = moons(m_dev, noise, seed=seed + 100)
    return X_train, Y_train, X_dev, Y_dev


def compare(data=None, dims: Sequence[int] = DIMS, epochs: int = 1000, learning_rate: float = LEARNING_RATE,
            lambd: float = 0.7, keep_prob: float = 0.4, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Train ``nndl.mlp(dims)`` without regularization, with L2 (lambd) and with dropout (keep_prob).

    Full-batch Adam, the same initialization seed for all three. data: the output of
    ``make_data`` (default: ``make_data()``). Returns {variant: {"model", "train_accuracy",
    "dev_accuracy", "seconds", "options"}} for the variants "none", "l2", "dropout".
    """
    X_train, Y_train, X_dev, Y_dev = make_data() if data is None else data
    options = {"none": {}, "l2": {"lambd": lambd}, "dropout": {"keep_prob": keep_prob}}
    results = {}
    for name in VARIANTS:
        model = nndl.mlp(list(dims), hidden="relu", output="sigmoid", seed=seed, **options[name])
        t0 = time.perf_counter()
        model.fit(X_train, Y_train, epochs=epochs, batch_size=None, optimizer="adam",
                  learning_rate=learning_rate, verbose=0)
        results[name] = {"model": model, "seconds": time.perf_counter() - t0, "options": options[name],
                         "train_accuracy": model.evaluate(X_train, Y_train)["accuracy"],
                         "dev_accuracy": model.evaluate(X_dev, Y_dev)["accuracy"]}
    return results


def plot_boundaries(results, data, path: Path):
    """One row of three decision boundaries, the (noisy) training points on top."""
    import matplotlib
    matplotlib.use("Agg")  # this script only writes a file
    import matplotlib.pyplot as plt
    from nndl.plots import plot_decision_boundary
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), layout="constrained")
    X_train, Y_train = data[0], data[1]
    for ax, name in zip(axes, VARIANTS):
        r = results[name]
        title = f"{TITLES[name]}: train {r['train_accuracy']:.1%}, dev {r['dev_accuracy']:.1%}"
        plot_decision_boundary(r["model"], X_train, Y_train, ax=ax, title=title)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return fig


def report(results, data, dims, epochs, learning_rate, png_name: str) -> str:
    """The Markdown page: what was done, the accuracy table, the picture."""
    m_train, m_dev = data[0].shape[1], data[2].shape[1]
    rows = "\n".join(
        f"| {TITLES[n]} | {', '.join(f'{k}={v}' for k, v in results[n]['options'].items()) or '—'} "
        f"| {results[n]['train_accuracy']:.1%} | {results[n]['dev_accuracy']:.1%} |" for n in VARIANTS)
    return f"""# Regularization: L2 and dropout against over-fitting

Course 2, week 1 ("Practical aspects of deep learning"): a network that is large for its
data fits the noise in the training set. Its training error is low, its dev error is high:
**high variance**. The fixes the course teaches for variance are more data and
**regularization**.

- **L2 regularization** adds λ/2m · Σₗ ‖W[l]‖²_F to the cost, so every gradient step also
  shrinks the weights (dW[l] += λ/m · W[l], "weight decay"). Smaller weights keep Z[l] in
  the nearly linear part of the activations, and the function the network computes is
  simpler. In nndl: `nndl.mlp(dims, lambd=0.7)`.
- **Inverted dropout** keeps each hidden unit with probability keep_prob during training
  (D = (U < keep_prob), A = A ⊙ D / keep_prob) and uses the whole network at test time.
  No unit can rely on any one input, so the weights spread out, as with L2. In nndl:
  `nndl.mlp(dims, keep_prob=0.4)` (a `Dropout` layer after each hidden layer).

## The experiment

The same network `nndl.mlp({list(dims)}, hidden="relu", output="sigmoid")` is trained three
times on {m_train} "moons" points, each label flipped with probability 0.15, with full-batch Adam
(α = {learning_rate}) for {epochs} epochs and the same initialization seed; the dev set is
{m_dev} clean points from the same two moons.

| regularization | setting | train accuracy | dev accuracy |
|---|---|---|---|
{rows}

Without regularization the network reaches the highest training accuracy by carving small
islands around mislabelled points: it has learned the noise, and dev accuracy suffers.
With L2 or dropout the training accuracy goes down (it no longer fits the wrong labels) and
the dev accuracy goes up: the boundary follows the two moons.

![Decision boundaries without regularization, with L2 and with dropout]({png_name})

Reproduce with `python examples/regularization_demo.py --update-docs` (fixed seeds; a run takes a few
seconds on a CPU; the last digits can differ with the BLAS library and its thread count,
which change the order of float32 sums, but the ranking does not).

`nndl diagnose RUN_DIR --human-error E` tells whether a training run suffers from bias or
variance in the first place.
"""


def output_dir(out_dir: Path | None, update_docs: bool) -> Path:
    """Where the page goes: the tracked docs/ only when asked (--update-docs), else --out-dir or
    runs/regularization, so running the demo never rewrites files under version control."""
    return DOCS if update_docs else (out_dir or OUT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the same large network with no regularization, "
                                                 "with L2 and with dropout; write a Markdown page and a PNG.")
    parser.add_argument("--out-dir", type=Path, default=None,
                        help=f"where to write regularization.md and .png (default: {OUT}/)")
    parser.add_argument("--update-docs", action="store_true",
                        help="write them into the repository's tracked docs/ folder instead (regenerates the page)")
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--lambd", type=float, default=0.7)
    parser.add_argument("--keep-prob", type=float, default=0.4)
    args = parser.parse_args(argv)
    if args.update_docs and args.out_dir is not None:
        parser.error("--update-docs writes to docs/; leave out --out-dir")
    args.out_dir = output_dir(args.out_dir, args.update_docs)
    data = make_data()
    results = compare(data, DIMS, args.epochs, LEARNING_RATE, args.lambd, args.keep_prob)
    for name in VARIANTS:
        r = results[name]
        print(f"{TITLES[name]:<20} train {r['train_accuracy']:.1%}   dev {r['dev_accuracy']:.1%}   "
              f"({r['seconds']:.2f} s)")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    plot_boundaries(results, data, args.out_dir / "regularization.png")
    (args.out_dir / "regularization.md").write_text(report(results, data, DIMS, args.epochs, LEARNING_RATE,
                                                           "regularization.png"))
    print(f"wrote {args.out_dir / 'regularization.md'} and {args.out_dir / 'regularization.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
