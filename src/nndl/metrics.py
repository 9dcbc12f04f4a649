"""Classification metrics and the course's single-number evaluation (Course 3, "ML strategy").

- ``confusion_matrix``: cm[i, j] = number of examples of true class i predicted as j.
- ``precision_recall_f1``: per class, P = TP / (TP + FP), R = TP / (TP + FN),
  F1 = 2PR / (P + R) (the harmonic mean), and their unweighted (macro) averages.
- ``most_confident_errors``: the wrong predictions the model was surest of — the first
  examples to look at in error analysis.
- ``satisficing_select`` / ``evaluate_with_constraints``: one *optimizing* metric
  (maximize accuracy) subject to *satisficing* ones (latency ≤ 100 ms, size ≤ N params).

Labels are integer classes (m,) or (1, m), or one-hot (C, m); they are converted once here.
Per-class results are arrays of shape (C,), indexed by class.
"""

from __future__ import annotations

import math
import operator
import time
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np

Array = np.ndarray

COMPARISONS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt, "==": operator.eq}


def to_labels(y, name: str = "y") -> Array:
    """Integer class labels (m,) from (m,), (1, m) integer labels or (C, m) one-hot columns."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold class labels (numbers), got dtype {y.dtype}")
    if y.ndim == 2 and y.shape[0] > 1:
        return y.argmax(axis=0)
    if y.ndim == 2 and y.shape[0] == 1:
        y = y[0]
    if y.ndim != 1:
        raise ValueError(f"{name} has shape {y.shape}; expected labels (m,) or (1, m), or one-hot (C, m)")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError(f"{name} must hold integer class labels, got non-integer values")
    return y.astype(np.int64, copy=False)


def predictions_from_proba(A: Array) -> Array:
    """Predicted classes (m,) from the output A: argmax over rows of (C, m), or A > 0.5 for (1, m)."""
    A = np.asarray(A)
    if A.ndim != 2:
        raise ValueError(f"A has shape {A.shape}; expected output probabilities (C, m) or (1, m)")
    return (A[0] > 0.5).astype(np.int64) if A.shape[0] == 1 else A.argmax(axis=0)


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> Array:
    """cm (C, C) with cm[i, j] = #{examples of true class i predicted as class j}.

    Rows are true classes, columns predicted classes; the diagonal holds the correct
    predictions. One ``np.bincount`` over the flat index C·y_true + y_pred.
    y_true, y_pred: (m,), (1, m) or one-hot (C, m). n_classes: C (default: 1 + largest label).
    """
    t, p = _paired_labels(y_true, y_pred)
    lo, hi = min(int(t.min()), int(p.min())), max(int(t.max()), int(p.max()))
    C = hi + 1 if n_classes is None else int(n_classes)
    if lo < 0 or hi >= C:
        raise ValueError(f"labels must be in [0, {C - 1}] for n_classes={C}, got values from {lo} to {hi}")
    return np.bincount(C * t + p, minlength=C * C).reshape(C, C)


def _paired_labels(y_true, y_pred) -> tuple[Array, Array]:
    """(t, p): both as integer labels (m,), checked to describe the same m ≥ 1 examples."""
    t, p = to_labels(y_true, "y_true"), to_labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}; they must describe the same examples")
    if t.size == 0:
        raise ValueError("y_true is empty; expected at least one example")
    return t, p


def _check_cm(cm) -> Array:
    """cm as an array, checked to be a square confusion matrix (C, C) with C ≥ 1."""
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
        raise ValueError(f"cm has shape {cm.shape}; expected a square confusion matrix (C, C)")
    return cm


def format_confusion_matrix(cm, class_names=None) -> str:
    """The (C, C) matrix (rows: true class, columns: predicted) as right-aligned text rows.

    With ``class_names`` (C names) the table gets a header row of predicted classes and a
    label before each row (the true class), names shortened to 10 characters:

        true \\ predicted   cat   dog
        cat                 12     0
        dog                  3    85
    """
    cm = _check_cm(cm)
    width = max(5, len(str(cm.max())) + 1)
    if class_names is None:
        return "\n".join("".join(f"{v:>{width}}" for v in row) for row in cm)
    names = [str(c)[:10] for c in class_names]
    if len(names) != cm.shape[0]:
        raise ValueError(f"got {len(names)} class names for a {cm.shape[0]}×{cm.shape[0]} confusion matrix")
    width = max(width, max(len(n) for n in names) + 2)
    corner = "true \\ predicted"
    row_width = max(len(corner), max(len(n) for n in names)) + 1
    lines = [f"{corner:<{row_width}}" + "".join(f"{n:>{width}}" for n in names)]
    lines += [f"{name:<{row_width}}" + "".join(f"{v:>{width}}" for v in row) for name, row in zip(names, cm)]
    return "\n".join(lines)


def _safe_divide(num: Array, den: Array) -> Array:
    """num / den, with 0 where den == 0 (a class never predicted has precision 0)."""
    out = np.zeros(np.shape(num), dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


class PrecisionRecallF1(NamedTuple):
    """Per-class (C,) arrays, then the unweighted (macro) means and the accuracy."""
    precision: Array
    recall: Array
    f1: Array
    support: Array
    macro_precision: float
    macro_recall: float
    macro_f1: float
    accuracy: float


def precision_recall_f1(cm: Array) -> PrecisionRecallF1:
    """Per-class precision, recall, F1 and support from a confusion matrix, plus macro averages.

    TP = diag(cm), predicted = column sums, support (actual) = row sums:
    P = TP / predicted, R = TP / support, F1 = 2·P·R / (P + R) (0 where undefined).
    cm: (C, C), rows true classes. Returns a named tuple: precision, recall, f1, support
    as (C,) arrays, then macro_precision, macro_recall, macro_f1 (unweighted means over the
    classes) and accuracy = ΣTP / m; ``precision, recall, f1 = precision_recall_f1(cm)[:3]``.
    """
    cm = _check_cm(cm)
    tp = np.diag(cm).astype(np.float64)
    predicted, support = cm.sum(axis=0), cm.sum(axis=1)
    precision, recall = _safe_divide(tp, predicted), _safe_divide(tp, support)
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    m = cm.sum()
    return PrecisionRecallF1(precision, recall, f1, support.astype(np.int64), float(precision.mean()),
                             float(recall.mean()), float(f1.mean()), float(tp.sum() / m) if m else 0.0)


def accuracy(y_true, y_pred) -> float:
    """Fraction of examples whose predicted class equals the true class: #{i: y_true[i] = y_pred[i]} / m.

    y_true, y_pred: (m,), (1, m) or one-hot (C, m), m ≥ 1.
    """
    t, p = _paired_labels(y_true, y_pred)
    return float(np.count_nonzero(t == p) / t.size)


def classification_report(y_true, y_pred, class_names: Sequence[str] | None = None,
                          n_classes: int | None = None, digits: int = 3) -> tuple[dict[str, Any], str]:
    """Per-class precision / recall / F1 / support, as a dict and as a text table.

    y_true, y_pred: (m,), (1, m) or one-hot (C, m); the numbers come from
    ``precision_recall_f1(confusion_matrix(y_true, y_pred, n_classes))``, and n_classes
    defaults to len(class_names) when names are given.
    Returns (report, text): report = {"classes": {name: {"precision", "recall", "f1",
    "support"}}, "macro avg": {...}, "accuracy": float, "confusion_matrix": list of lists}.
    """
    if class_names is not None and n_classes is None:
        n_classes = len(class_names)
    return _report_from_cm(confusion_matrix(y_true, y_pred, n_classes), class_names, digits)


def _report_from_cm(cm: Array, class_names: Sequence[str] | None = None, digits: int = 3) -> tuple[dict[str, Any], str]:
    """``classification_report`` of a confusion matrix cm (C, C) that is already counted."""
    C = cm.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(C))]
    if len(names) != C:
        raise ValueError(f"class_names has {len(names)} names but there are {C} classes")
    s = precision_recall_f1(cm)
    m = int(cm.sum())
    classes = {n: {"precision": float(s.precision[i]), "recall": float(s.recall[i]),
                   "f1": float(s.f1[i]), "support": int(s.support[i])} for i, n in enumerate(names)}
    macro = {"precision": s.macro_precision, "recall": s.macro_recall, "f1": s.macro_f1, "support": m}
    report = {"classes": classes, "macro avg": macro, "accuracy": s.accuracy, "confusion_matrix": cm.tolist()}
    width = max(12, *(len(n) for n in names))
    head = f"{'':>{width}}  {'precision':>9}  {'recall':>9}  {'f1':>9}  {'support':>8}"
    row = lambda n, r: (f"{n:>{width}}  {r['precision']:>9.{digits}f}  {r['recall']:>9.{digits}f}  "
                        f"{r['f1']:>9.{digits}f}  {r['support']:>8d}")
    lines = [head, ""] + [row(n, r) for n, r in classes.items()] + ["", row("macro avg", macro),
             f"{'accuracy':>{width}}  {'':>9}  {'':>9}  {s.accuracy:>9.{digits}f}  {m:>8d}"]
    return report, "\n".join(lines)


class ConfidentErrors(NamedTuple):
    """The k most confidently wrong examples, most confident first; each field has shape (k,)."""
    indices: Array      # column index of the example in X / A
    predicted: Array    # the class the model chose
    true: Array         # the class it should have chosen
    confidence: Array   # the probability the model gave its (wrong) choice


def most_confident_errors(A: Array, y_true, k: int = 16) -> ConfidentErrors:
    """The k wrong predictions with the highest confidence, sorted most confident first.

    A: output probabilities (C, m) (softmax) or (1, m) (sigmoid, P(y=1)). y_true: (m,),
    (1, m) or one-hot (C, m). Confidence of an example = the probability of its predicted
    class: max over rows of A, or max(a, 1 − a) for a sigmoid output. Fewer than k are
    returned when the model makes fewer than k errors.
    """
    A = np.asarray(A)
    t = to_labels(y_true, "y_true")
    if A.ndim != 2 or A.shape[1] != t.size:
        raise ValueError(f"A has shape {A.shape}; expected probabilities (C, {t.size}) for {t.size} labels")
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    pred = predictions_from_proba(A)
    conf = np.maximum(A[0], 1 - A[0]) if A.shape[0] == 1 else A.max(axis=0)
    wrong = np.flatnonzero(pred != t)
    order = wrong[np.argsort(-conf[wrong], kind="stable")][:k]
    return ConfidentErrors(order, pred[order], t[order], conf[order])


# ---------------------------------------------------------------------- optimizing & satisficing
def _check_constraints(constraints: Mapping[str, tuple[str, float]]) -> None:
    for name, spec in constraints.items():
        if not (isinstance(spec, (tuple, list)) and len(spec) == 2 and spec[0] in COMPARISONS):
            raise ValueError(f"constraint {name!r} must be (op, threshold) with op one of "
                             f"{', '.join(COMPARISONS)}, got {spec!r}")


def _meets(value, op: str, threshold: float) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) \
        and bool(COMPARISONS[op](value, threshold))


def satisficing_select(candidates: Sequence[Mapping[str, Any]], optimizing: str = "accuracy",
                       constraints: Mapping[str, tuple[str, float]] | None = None,
                       maximize: bool = True) -> Mapping[str, Any] | None:
    """The best candidate by the optimizing metric among those meeting every satisficing constraint.

    candidates: dicts of metrics, e.g. {"name": "B", "accuracy": 0.95, "latency_ms": 80}.
    constraints: {metric: (op, threshold)}, op in <=, <, >=, >, ==; a candidate missing a
    constrained metric does not meet it. maximize: False for an error or cost.
    Returns the chosen candidate (the first one on ties), or None when none is feasible.
    """
    constraints = dict(constraints or {})
    _check_constraints(constraints)
    best, best_value = None, None
    for i, c in enumerate(candidates):
        if optimizing not in c:
            raise KeyError(f"candidate {i} has no optimizing metric {optimizing!r}; it has {', '.join(map(str, c))}")
        if not all(_meets(c.get(name), op, th) for name, (op, th) in constraints.items()):
            continue
        v = float(c[optimizing])
        if best is None or (v > best_value if maximize else v < best_value):
            best, best_value = c, v
    return best


def evaluate_with_constraints(model, X, Y, optimizing: str = "accuracy",
                              satisficing: Mapping[str, tuple[str, float]] | None = None,
                              repeats: int = 3) -> dict[str, Any]:
    """Evaluate ``model`` on (X, Y): the optimizing metric and whether each satisficing one is met.

    X: the model's input layout ((n_x, m) for dense models); Y: labels (m,) / (1, m) or
    one-hot (C, m). Measured metrics: "accuracy", "error" (1 − accuracy), "cost", "macro_precision",
    "macro_recall", "macro_f1", "latency_ms" (prediction time per example, the best of
    ``repeats`` timed ``predict_proba`` passes with time.perf_counter), "n_params" and
    "size_mb" (parameters × bytes per value). satisficing: {metric: (op, threshold)}.
    Returns {"optimizing": name, "value": float, "metrics": {...},
    "constraints": {name: {"op", "threshold", "value", "met"}}, "all_met": bool}.
    """
    satisficing = dict(satisficing or {})
    _check_constraints(satisficing)
    X = np.asarray(X)
    m = X.shape[model.batch_axis] if X.ndim > 1 else 0
    if m == 0:
        raise ValueError(f"X has shape {X.shape}; expected (n_x, m) with at least one example")
    best = math.inf
    for _ in range(max(1, int(repeats))):
        t0 = time.perf_counter()
        A = model.predict_proba(X, batch_size=m)
        best = min(best, time.perf_counter() - t0)
    metrics: dict[str, float] = {"latency_ms": 1000.0 * best / m, "n_params": int(model.n_params),
                                 "size_mb": model.n_params * model.dtype.itemsize / 2**20}
    metrics.update(model.evaluate(X, Y))
    if model.loss != "mse":
        n_classes = max(A.shape[0], 2)
        cm = confusion_matrix(Y, predictions_from_proba(A), n_classes)
        s = precision_recall_f1(cm)
        metrics.update({"accuracy": s.accuracy, "error": 1 - s.accuracy, "macro_precision": s.macro_precision,
                        "macro_recall": s.macro_recall, "macro_f1": s.macro_f1})
    if optimizing not in metrics:
        raise KeyError(f"unknown optimizing metric {optimizing!r}; measured: {', '.join(metrics)}")
    for name in satisficing:
        if name not in metrics:
            raise KeyError(f"unknown satisficing metric {name!r}; measured: {', '.join(metrics)}")
    checks = {name: {"op": op, "threshold": th, "value": metrics[name], "met": _meets(metrics[name], op, th)}
              for name, (op, th) in satisficing.items()}
    return {"optimizing": optimizing, "value": float(metrics[optimizing]), "metrics": metrics,
            "constraints": checks, "all_met": all(c["met"] for c in checks.values())}
