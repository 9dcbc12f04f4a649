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

from .functional.average_precision import mean_average_precision
from .metrics import confusion_matrix, precision_recall_f1

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


class TaskAccuracy(Metric):
    """Multi-task accuracy of one task (row ``task`` of (n_y, m) sigmoid outputs): correct
    decisions over labelled entries of that row (mask 1), so missing labels count neither
    way. Named ``accuracy_task<k>``; ``nndl.multitask.task_metrics(n_y)`` lists them all.
    The result is NaN only when the task had no labelled entry at all."""

    prefix = "accuracy_task"

    def __init__(self, task: int):
        if isinstance(task, bool) or not isinstance(task, (int, np.integer)) or task < 0:
            raise ValueError(f"task must be a row index >= 0, got {task!r}")
        self.task = int(task)
        self.name = f"{self.prefix}{self.task}"
        super().__init__()

    def update(self, loss, A, Y, m, mask=None):
        if A.ndim != 2 or self.task >= A.shape[0]:
            raise ValueError(f"{self.name} needs (n_y, m) outputs with n_y > {self.task}, got {A.shape}")
        hits = loss.decide(A[self.task]) == loss.decide(Y[self.task])
        if mask is None:
            self.total += float(np.count_nonzero(hits))
            self.count += float(hits.size)
            return
        weight = np.broadcast_to(np.asarray(mask, dtype=np.float64), A.shape)[self.task]
        self.total += float(weight[hits].sum())
        self.count += float(weight.sum())

    @classmethod
    def from_name(cls, name) -> "TaskAccuracy | None":
        """The metric named ``accuracy_task<k>`` (None for another name)."""
        if isinstance(name, str) and name.startswith(cls.prefix) and name[len(cls.prefix):].isdigit():
            return cls(int(name[len(cls.prefix):]))
        return None




class MeanAveragePrecision(Metric):
    """mAP@``iou_threshold`` of a detector: VOC's all-point interpolated AP per class (see
    ``nndl.functional.average_precision``), averaged over the classes that have ground truth.

    Works with a loss that turns outputs into detections (``loss.detections(A, score_threshold,
    per_class=…)``: boxes, scores, classes, images) and targets into ground truth
    (``loss.ground_truth(Y)``), as ``nndl.detection_model.YoloLoss`` does; images are numbered
    on across batches. ``per_class`` (default): a box is a detection of every class whose
    score reaches ``score_threshold``, as VOC's detectors report; False: of its best class only."""

    name = "mAP"

    def __init__(self, iou_threshold: float = 0.5, score_threshold: float = 0.01, per_class: bool = True):
        self.iou_threshold, self.score_threshold = float(iou_threshold), float(score_threshold)
        self.per_class = bool(per_class)
        super().__init__()

    def reset(self) -> None:
        self.detections, self.truth, self.n_images, self.n_classes = [], [], 0, None

    def update(self, loss, A, Y, m, mask=None):
        det = loss.detections(A, score_threshold=self.score_threshold, per_class=self.per_class)
        gt = loss.ground_truth(Y)
        det["images"] = det["images"] + self.n_images
        gt["images"] = gt["images"] + self.n_images
        self.detections.append(det)
        self.truth.append(gt)
        self.n_images += int(m)
        self.n_classes = loss.n_classes

    def result(self) -> float:
        if not self.truth:
            return float("nan")
        join = lambda parts: {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}  # noqa: E731
        truth = join(self.truth)
        if len(truth["classes"]) == 0:
            return float("nan")
        return mean_average_precision(join(self.detections), truth, self.n_classes, self.iou_threshold)[0]


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
class MacroF1(Metric):
    """Macro-averaged F1 of a classifier over the epoch (or evaluation): the confusion matrix
    of the loss's decisions accumulates over the batches, then F1_c = 2·P_c·R_c / (P_c + R_c)
    per class c, averaged over the classes (``nndl.metrics.precision_recall_f1``), so every
    class counts the same however few examples it has. Outputs (C, m) of C ≥ 2 classes."""

    name = "macro_f1"

    def reset(self) -> None:
        self.cm = None

    def update(self, loss, A, Y, m, mask=None):
        if A.ndim != 2 or A.shape[0] < 2 or A.shape != Y.shape:
            raise ValueError(f"macro_f1 takes class outputs A and one-hot targets Y (C, m), C ≥ 2, of one shape, "
                             f"got {A.shape} and {Y.shape}")
        C = A.shape[0]
        cm = confusion_matrix(Y.argmax(axis=0), A.argmax(axis=0), C)
        self.cm = cm if self.cm is None else self.cm + cm

    def result(self) -> float:
        return float("nan") if self.cm is None else float(precision_recall_f1(self.cm).macro_f1)


METRICS: dict[str, type[Metric]] = {c.name: c for c in (Accuracy, TokenCrossEntropy, MeanAveragePrecision,
                                                         ExactMatch, MacroF1)}


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
        elif TaskAccuracy.from_name(mt) is not None:
            out.append(TaskAccuracy.from_name(mt))
        else:
            raise ValueError(f"unknown metric {mt!r}; expected one of: {', '.join(METRICS)}, "
                             f"{TaskAccuracy.prefix}<k>")
    return out
