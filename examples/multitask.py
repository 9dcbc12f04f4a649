"""Multi-task learning with missing labels, as Course 3's autonomous-driving example.

Each example gets four yes/no answers at once (four sigmoid outputs, Y of shape (4, m)), and
nobody labelled every answer: tasks 0–2 are labelled for 60% of the examples, task 3 for only
15%; the rest are NaN. The answers are linear rules on the inputs (known, so the test set is
fully labelled). ``missing_mask`` turns the NaN into a mask; the loss then sums only the
labelled entries (cost, gradient, accuracy), as the lecture's J = (1/m) Σ_i Σ_j L(ŷ_j, y_j)
over the entries that have a label. For comparison, the same network trained with the
missing labels filled with 0 — what a pipeline that ignores the "?" does.

    python examples/multitask.py        # about a second; fixed seeds, so it repeats exactly
"""

from __future__ import annotations

import numpy as np

from nndl import Dense, Sequential
from nndl.multitask import missing_mask, task_accuracies, task_metrics

LABELLED = np.array([[0.6], [0.6], [0.6], [0.15]])   # the fraction of examples labelled, per task


def make_data(m: int, rng: np.random.Generator, W_true: np.ndarray):
    X = rng.standard_normal((W_true.shape[1], m))
    return X, (W_true @ X > 0).astype(float)


def main() -> None:
    rng = np.random.default_rng(0)
    W_true = rng.standard_normal((4, 6))
    X, Y = make_data(2000, rng, W_true)
    Y_missing = np.where(rng.random(Y.shape) < LABELLED, Y, np.nan)
    X_test, Y_test = make_data(1000, rng, W_true)
    print(f"labelled entries per task: {np.isfinite(Y_missing).sum(axis=1).tolist()} of {Y.shape[1]}")

    Y_filled, mask = missing_mask(Y_missing)
    model = Sequential([Dense(16, "tanh"), Dense(4, "sigmoid")], seed=0, metrics=task_metrics(4))
    model.fit(X, Y_filled, mask=mask, epochs=30, batch_size=64, optimizer="adam", learning_rate=0.01, verbose=0)
    scores = model.evaluate(X_test, Y_test)
    print("masked loss, test accuracy per task: "
          + "  ".join(f"{scores[f'accuracy_task{k}']:.1%}" for k in range(4)))

    naive = Sequential([Dense(16, "tanh"), Dense(4, "sigmoid")], seed=0)
    naive.fit(X, Y_filled, epochs=30, batch_size=64, optimizer="adam", learning_rate=0.01, verbose=0)
    acc = task_accuracies(naive, X_test, Y_test)
    print("missing labels as 0, test accuracy:  " + "  ".join(f"{acc[f'task{k}']:.1%}" for k in range(4)))


if __name__ == "__main__":
    main()
