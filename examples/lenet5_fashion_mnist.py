"""LeNet-5 on Fashion-MNIST with its default recipe (Course 4, week 1–2).

    python examples/lenet5_fashion_mnist.py                    # seed 1, 10 epochs
    python examples/lenet5_fashion_mnist.py --seeds 1 2 3      # the median of three seeds
    python examples/lenet5_fashion_mnist.py --model resnet     # the small ResNet (about an hour)

The recipe is what ``nndl.models.lenet5()`` and ``nndl train --model lenet5`` use: images
kept (m, 28, 28, 1) and scaled to [0, 1]; CONV 5×5 ×6 "same" ReLU → MAX-POOL 2 → CONV 5×5 ×16
ReLU → MAX-POOL 2 → 120 → 84 → 10 softmax; He initialization; Adam (α = 0.001), mini-batches
of 128, 10 epochs; the last 5,000 training images are the dev set, the official 10,000 test
images the test set. Prints each epoch's dev accuracy, then the test accuracy of the final
weights and the wall time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import nndl
from nndl.callbacks import Callback
from nndl.datasets import load_dataset
from nndl.preprocessing import as_model_input


class PrintEpoch(Callback):
    def __init__(self):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs, model):
        print(f"  epoch {epoch + 1:2d}: cost {logs['cost']:.4f}   dev accuracy {logs['val_accuracy']:.2%}"
              f"   {time.perf_counter() - self.start:.0f} s", flush=True)


def run(seed: int, epochs: int, model_name: str, dataset) -> float:
    build = nndl.models.lenet5 if model_name == "lenet5" else nndl.models.resnet
    model = build(input_shape=(28, 28, 1), n_classes=10, seed=seed)
    X_train, X_dev, X_test = (as_model_input(model, X) for X in (dataset.X_train, dataset.X_dev, dataset.X_test))
    print(f"{model_name}, seed {seed}: {model.n_params:,} parameters, {X_train.shape[0]:,} training images")
    model.fit(X_train, dataset.Y_train, epochs=epochs, batch_size=128, optimizer="adam", learning_rate=1e-3,
              validation_data=(X_dev, dataset.Y_dev), callbacks=[PrintEpoch()], verbose=0)
    accuracy = model.evaluate(X_test, dataset.Y_test)["accuracy"]
    print(f"  test accuracy {accuracy:.2%}")
    return accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--model", choices=["lenet5", "resnet"], default="lenet5")
    parser.add_argument("--data-dir", help="folder with the Fashion-MNIST IDX files")
    args = parser.parse_args()
    dataset = load_dataset("fashion-mnist", data_dir=args.data_dir)
    start = time.perf_counter()
    results = [run(seed, args.epochs, args.model, dataset) for seed in args.seeds]
    print(f"test accuracy per seed: {', '.join(f'{a:.2%}' for a in results)}; "
          f"median {statistics.median(results):.2%}; {time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
