"""Transfer learning, as Course 3 describes it, measured on Fashion-MNIST.

A network is pretrained on a task with plenty of labels (task A); its first layers are kept,
frozen, under a new softmax head, and only a few labelled examples of task B train the head
and then, unfrozen at a 10× smaller learning rate, fine-tune everything (``nndl.transfer``:
``transfer``, then ``freeze_layers(model, 0)``, as ``fine_tune`` does in one call).
The same network trained from scratch on the same few examples is the baseline.

Two task pairs:

- ``shift``: A = clean Fashion-MNIST (20,000 training images, all 10 classes); B = the same
  classes in the rotated (±20°), noisy copy of ``fashion-mnist-shifted`` (labelled examples
  from its dev split, accuracy on its test split) — lots of data from one distribution,
  little from the one that matters, the course's case for transfer;
- ``classes``: A = classes 0–4 (T-shirt … coat, 20,000 images); B = classes 5–9 (sandal,
  shirt, sneaker, bag, ankle boot) — new classes, several of them (the shoes) unlike any of A's.

    python examples/transfer_learning.py                       # both pairs, 5 and 20 labels per class, seeds 0-2
    python examples/transfer_learning.py --pair shift --per-class 5 --seeds 1

Every number comes from fixed seeds, so a run repeats exactly.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nndl
from nndl.datasets.registry import load_dataset
from nndl.transfer import freeze_layers, transfer

DIMS = [784, 128, 64]          # hidden layers of the pretrained network (the head is new)
KEEP = 2                       # layers kept from it: both hidden layers
SOURCE_EXAMPLES, SOURCE_EPOCHS = 20_000, 5
HEAD_EPOCHS, TUNE_EPOCHS, LR = 100, 50, 0.01


def task_pair(name: str, data) -> tuple:
    """(X_A, Y_A, X_B pool, Y_B pool, X_B test, Y_B test, n_classes of B); labels (m,)."""
    if name == "shift":
        return (data.X_train[:, :SOURCE_EXAMPLES], data.Y_train[0, :SOURCE_EXAMPLES],
                data.X_dev, data.Y_dev[0], data.X_test, data.Y_test[0], 10)
    Y = data.Y_train[0]
    a = np.flatnonzero(Y < 5)[:SOURCE_EXAMPLES]
    b = np.flatnonzero(Y >= 5)
    test = data.Y_test[0] >= 5
    return (data.X_train[:, a], Y[a], data.X_train[:, b], Y[b] - 5, data.X_test[:, test],
            data.Y_test[0][test] - 5, 5)


def run_pair(name: str, data, per_class: list[int], seeds: list[int]) -> None:
    X_A, Y_A, X_pool, Y_pool, X_test, Y_test, C = task_pair(name, data)
    t0 = time.perf_counter()
    source = nndl.mlp(DIMS + [10 if name == "shift" else 5], seed=1)
    source.fit(X_A, Y_A, epochs=SOURCE_EPOCHS, batch_size=64, optimizer="adam", learning_rate=0.001, verbose=0)
    line = f"\n{name}: source network {'-'.join(map(str, DIMS))} trained on {X_A.shape[1]} images " \
           f"in {time.perf_counter() - t0:.0f} s"
    if name == "shift":
        line += f"; used as is on the shifted test set: {source.evaluate(X_test, Y_test)['accuracy']:.1%}"
    print(line)
    print(f"{'labels/class':>12}  {'seed':>4}  {'head only':>9}  {'fine-tuned':>10}  {'scratch':>8}")
    for per in per_class:
        rows = []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            few = np.concatenate([rng.choice(np.flatnonzero(Y_pool == c), per, replace=False) for c in range(C)])
            X, Y = X_pool[:, few], Y_pool[few]
            model = transfer(source, KEEP, C, seed=seed)
            model.fit(X, Y, epochs=HEAD_EPOCHS, batch_size=None, optimizer="adam", learning_rate=LR, verbose=0)
            head = model.evaluate(X_test, Y_test)["accuracy"]
            # the same model, unfrozen: fine_tune's second phase (a fresh Adam at α / 10)
            freeze_layers(model, 0)
            model.fit(X, Y, epochs=TUNE_EPOCHS, batch_size=None, optimizer="adam", learning_rate=LR / 10, verbose=0)
            tuned = model.evaluate(X_test, Y_test)["accuracy"]
            scratch = nndl.mlp(DIMS + [C], seed=seed)
            scratch.fit(X, Y, epochs=HEAD_EPOCHS + TUNE_EPOCHS, batch_size=None, optimizer="adam",
                        learning_rate=LR, verbose=0)
            rows.append((head, tuned, scratch.evaluate(X_test, Y_test)["accuracy"]))
            print(f"{per:>12}  {seed:>4}  {head:>9.1%}  {tuned:>10.1%}  {rows[-1][2]:>8.1%}")
        mean = np.mean(rows, axis=0)
        print(f"{per:>12}  {'mean':>4}  {mean[0]:>9.1%}  {mean[1]:>10.1%}  {mean[2]:>8.1%}")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pair", choices=("shift", "classes", "both"), default="both")
    p.add_argument("--per-class", type=int, nargs="+", default=[5, 20], help="labelled examples per class of B")
    p.add_argument("--seeds", type=int, default=3, help="seeds 0 … N−1 pick the examples and the head's weights")
    args = p.parse_args(argv)
    for name in (("shift", "classes") if args.pair == "both" else (args.pair,)):
        # shift: clean train, shifted dev and test; classes: clean Fashion-MNIST throughout
        data = load_dataset("fashion-mnist-shifted" if name == "shift" else "fashion-mnist")
        run_pair(name, data, args.per_class, list(range(args.seeds)))


if __name__ == "__main__":
    main()
