"""LeNet-5 (or the small ResNet) on Fashion-MNIST with its default recipe (Course 4, weeks 1–2).

    python examples/lenet5_fashion_mnist.py                    # seed 1, 10 epochs
    python examples/lenet5_fashion_mnist.py --seeds 1 2 3      # the median of three seeds (90.57%)
    python examples/lenet5_fashion_mnist.py --model resnet     # the small ResNet (24 epochs, about 75 minutes; 92.75% test)

The recipes are those of ``nndl train --model lenet5`` / ``--model resnet``: images kept
(m, 28, 28, 1) and scaled to [0, 1]; Adam with mini-batches of 128, its α decayed by a cosine
over the run's epochs (α_t = ½ α (1 + cos(π t / epochs)) in epoch t = 0 … epochs − 1):

    lenet5: α = 0.005, 10 epochs, no augmentation (chosen on the dev split, BENCHMARKS.md)
    resnet: α = 0.001, 24 epochs, each training mini-batch augmented at random by horizontal
            flips (probability ½) and shifts of up to 2 pixels

LeNet-5 is CONV 5×5 ×6 "same" ReLU → MAX-POOL 2 → CONV 5×5 ×16 ReLU → MAX-POOL 2 → 120 → 84 →
10 softmax with He initialization. The last 5,000 training images are the dev set, the
official 10,000 test images the test set. Prints each epoch's dev accuracy, then the test
accuracy of the final weights and the wall time; each epoch's line ends with the process's peak
resident memory so far. ``--lr-schedule none``, ``--shift 0`` and
``--no-flip`` with ``--learning-rate 0.001`` give the plain recipe.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import nndl
from nndl.augment import Augment
from nndl.callbacks import Callback
from nndl.datasets import load_dataset
from nndl.preprocessing import as_model_input

RECIPES = {  # the defaults of `nndl train --model …`
    "lenet5": dict(epochs=10, learning_rate=5e-3, lr_schedule="cosine", shift=0, flip=False),
    "resnet": dict(epochs=24, learning_rate=1e-3, lr_schedule="cosine", shift=2, flip=True),
}


class PrintEpoch(Callback):
    def __init__(self):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs, model):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
        print(f"  epoch {epoch + 1:2d}: cost {logs['cost']:.4f}   dev accuracy {logs['val_accuracy']:.2%}"
              f"   {time.perf_counter() - self.start:.0f} s   peak resident memory {peak:,.0f} MB", flush=True)


def run(seed: int, epochs: int, model_name: str, dataset, lr_schedule=None, augment=None,
        learning_rate: float = 1e-3, batch_size: int = 128) -> float:
    build = nndl.models.lenet5 if model_name == "lenet5" else nndl.models.resnet
    model = build(input_shape=(28, 28, 1), n_classes=10, seed=seed)
    X_train, X_dev, X_test = (as_model_input(model, X) for X in (dataset.X_train, dataset.X_dev, dataset.X_test))
    print(f"{model_name}, seed {seed}: {model.n_params:,} parameters, {X_train.shape[0]:,} training images")
    model.fit(X_train, dataset.Y_train, epochs=epochs, batch_size=batch_size, optimizer="adam",
              learning_rate=learning_rate,
              lr_schedule=lr_schedule, augment=augment,
              validation_data=(X_dev, dataset.Y_dev), callbacks=[PrintEpoch()], verbose=0)
    accuracy = model.evaluate(X_test, dataset.Y_test)["accuracy"]
    print(f"  test accuracy {accuracy:.2%}")
    return accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(RECIPES), default="lenet5")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--epochs", type=int, help="default: 10 for lenet5, 24 for resnet")
    parser.add_argument("--lr-schedule", help="default: cosine over the epochs; none: a constant α; "
                                              "or a spec such as step:drop=0.5,every=4")
    parser.add_argument("--shift", type=int, help="augmentation: random shifts of up to this many pixels "
                                                  "(default: 0 for lenet5, 2 for resnet)")
    parser.add_argument("--flip", action=argparse.BooleanOptionalAction, help="augmentation: random "
                        "horizontal flips (default: off for lenet5, on for resnet)")
    parser.add_argument("--learning-rate", type=float, help="Adam's α (default: 0.005 for lenet5, 0.001 for resnet)")
    parser.add_argument("--batch-size", type=int, default=128, help="mini-batch size (default 128)")
    parser.add_argument("--data-dir", help="folder with the Fashion-MNIST IDX files")
    args = parser.parse_args()
    recipe = RECIPES[args.model]
    epochs = recipe["epochs"] if args.epochs is None else args.epochs
    schedule = recipe["lr_schedule"] if args.lr_schedule is None else args.lr_schedule
    schedule = None if schedule == "none" else f"cosine:total_epochs={epochs}" if schedule == "cosine" else schedule
    learning_rate = recipe["learning_rate"] if args.learning_rate is None else args.learning_rate
    shift = recipe["shift"] if args.shift is None else args.shift
    flip = recipe["flip"] if args.flip is None else args.flip
    augment = Augment(shift=shift, flip=flip) if shift or flip else None
    print(f"{args.model}: Adam α = {learning_rate:g}, batch {args.batch_size}, {epochs} epochs, lr_schedule={schedule}, augment={augment}")
    dataset = load_dataset("fashion-mnist", data_dir=args.data_dir)
    start = time.perf_counter()
    results = [run(seed, epochs, args.model, dataset, schedule, augment, learning_rate, args.batch_size) for seed in args.seeds]
    print(f"test accuracy per seed: {', '.join(f'{a:.2%}' for a in results)}; "
          f"median {statistics.median(results):.2%}; {time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
