"""Face verification (Course 4, week 4) on Fashion-MNIST: a triplet-loss embedding.

An encoder (two convolutions, two dense layers, unit-length 32-number embeddings) is trained
with the triplet loss on 8 of the 10 classes (anchor, positive and negative through one
shared encoder, fresh seeded triplets every epoch). "Same identity" here means "same class":
two images are declared the same when the squared distance of their embeddings is below a
threshold chosen on balanced dev pairs. Reported on balanced test pairs (half same class,
half different) as accuracy and ROC AUC, for the 8 classes seen in training and for the 2
held out (pairs whose first image is of a held-out class).

    python examples/verification_fashion_mnist.py                  # the full run (seen classes: 90.3%)
    python examples/verification_fashion_mnist.py --triplets 2000 --epochs 1   # a quick look
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import nndl
from nndl.datasets import load_dataset
from nndl.verification import TripletNetwork, sample_triplets, verify

HELD_OUT = (8, 9)  # bag, ankle boot


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--triplets", type=int, default=20_000, help="triplets drawn per epoch")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--pairs", type=int, default=4_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", default=None, help="write the trained model to this .safetensors file")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    data = load_dataset("fashion-mnist")
    images = lambda X: np.ascontiguousarray(X.T).reshape(-1, 28, 28, 1)  # noqa: E731 (n_x, m) → (m, 28, 28, 1)
    X_train, X_dev, X_test = images(data.X_train), images(data.X_dev), images(data.X_test)
    y_train, y_dev, y_test = data.Y_train.ravel(), data.Y_dev.ravel(), data.Y_test.ravel()
    seen = ~np.isin(y_train, HELD_OUT)
    X_seen, y_seen = X_train[seen], y_train[seen]
    model = TripletNetwork(embedding_dim=32, alpha=0.2, input_shape=(28, 28, 1), seed=args.seed)
    rng = np.random.default_rng(args.seed)
    for epoch in range(args.epochs):
        a, p, n = sample_triplets(y_seen, args.triplets, rng)
        history = model.fit((X_seen[a], X_seen[p], X_seen[n]), np.zeros(len(a)), epochs=1,
                            batch_size=args.batch_size, optimizer="adam" if epoch == 0 else None,
                            learning_rate=args.learning_rate if epoch == 0 else None, verbose=0)
        print(f"epoch {epoch + 1}: triplet cost {history.history['cost'][-1]:.4f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    dev_seen, test_seen = ~np.isin(y_dev, HELD_OUT), ~np.isin(y_test, HELD_OUT)
    seen_scores = verify(model, X_dev[dev_seen], y_dev[dev_seen], X_test[test_seen], y_test[test_seen],
                         n_pairs=args.pairs, seed=args.seed)
    held_scores = verify(model, X_dev, y_dev, X_test, y_test, n_pairs=args.pairs, seed=args.seed,
                         anchor_classes=HELD_OUT)
    elapsed = time.perf_counter() - start
    print(f"seen classes:     accuracy {seen_scores['accuracy']:.4f}, ROC AUC {seen_scores['auc']:.4f}")
    print(f"held-out classes: accuracy {held_scores['accuracy']:.4f}, ROC AUC {held_scores['auc']:.4f}")
    print(f"total {elapsed:.0f} s")
    if args.save:
        model.save(args.save)
    return {"seen": seen_scores, "held_out": held_scores, "seconds": elapsed}


if __name__ == "__main__":
    main()
