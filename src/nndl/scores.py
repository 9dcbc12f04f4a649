"""Metric objects that ``fit`` logs to the history each epoch and ``evaluate`` reports.

A metric accumulates over the mini-batches of an epoch (or the chunks of an evaluation):
``reset()``, then ``update(loss, A, Y, m, mask)`` per batch, then ``result()``. Each has a
``name``, the key in the logs (``accuracy``; with validation data also ``val_accuracy``).
A model picks its metrics (``Sequential(..., metrics=[...])``); by default a classifier
reports accuracy, and a model with sequence outputs also the cross-entropy per token.
Further metrics (mAP, exact match, BLEU) are subclasses with the same four methods.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


class Metric:
    """Base: a ratio Σ numerator / Σ denominator accumulated over batches."""

    name = "metric"

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        """Start a new epoch (or evaluation): nothing accumulated."""
        self.total, self.count = 0.0, 0.0

    def update(self, loss, A: Array, Y: Array, m: int, mask: Array | None = None) -> None:
        """Add one batch: outputs A and targets Y of m examples (the loss's shapes), the
        loss object (its decision rule and cost) and the optional mask."""
        raise NotImplementedError

    def result(self) -> float:
        """Σ numerator / Σ denominator over the batches so far."""
        return self.total / self.count if self.count else float("nan")


class Accuracy(Metric):
    """The fraction of correct decisions (the loss's decision rule): correct examples over m
    for (n_y, m) outputs; correct unmasked steps over unmasked steps for sequences."""

    name = "accuracy"

    def update(self, loss, A, Y, m, mask=None):
        correct, count = loss.n_correct(A, Y, mask)
        self.total += correct
        self.count += count


class TokenCrossEntropy(Metric):
    """Cross-entropy per token: Σ_unmasked L(A, Y) / (number of unmasked steps), the number
    reported beside a sequence cost (which is divided by m, not by the number of tokens)."""

    name = "token_cost"

    def update(self, loss, A, Y, m, mask=None):
        self.total += loss.cost(A, Y, 1, mask)
        steps = Y.size // Y.shape[0]
        self.count += steps if mask is None else float(np.broadcast_to(mask, Y.shape[1:]).sum())


class ExactMatch(Metric):
    """The fraction of sequences whose every (unmasked) step is right: for outputs A and
    one-hot targets Y (C, m, T_y), example i counts when argmax_c A[:, i, t] = argmax_c Y[:, i, t]
    for all t (a translated date is right only if all ten characters are)."""

    name = "exact_match"

    def update(self, loss, A, Y, m, mask=None):
        if A.ndim != 3 or A.shape != Y.shape:
            raise ValueError(f"exact match takes sequence outputs A and targets Y (C, m, T_y) of one shape, "
                             f"got {A.shape} and {Y.shape}")
        right = A.argmax(axis=0) == Y.argmax(axis=0)                  # (m, T_y)
        if mask is not None:
            right |= np.broadcast_to(np.asarray(mask), right.shape) == 0
        self.total += float(right.all(axis=1).sum())
        self.count += A.shape[1]


METRICS: dict[str, type[Metric]] = {c.name: c for c in (Accuracy, TokenCrossEntropy, ExactMatch)}


def get_metrics(metrics, loss, output_ndim: int) -> list[Metric]:
    """Metric objects from names/objects; None: the defaults for this loss and output rank."""
    if metrics is None:
        metrics = []
        if loss.classifier:
            metrics.append("accuracy")
        if output_ndim > 1 and loss.classifier:
            metrics.append("token_cost")
    out = []
    for mt in metrics:
        if isinstance(mt, Metric):
            out.append(mt)
        elif mt in METRICS:
            out.append(METRICS[mt]())
        else:
            raise ValueError(f"unknown metric {mt!r}; expected one of: {', '.join(METRICS)}")
    return out
