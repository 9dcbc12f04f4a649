"""Bias / variance diagnosis and error analysis, as Course 3 ("Structuring ML projects") teaches.

With human-level error as a proxy for Bayes error, the gaps between the errors on each
distribution say what to work on next:

    human-level ─┐ avoidable bias   = train − human
    train ───────┤ variance         = train-dev − train   (dev − train without a train-dev set)
    train-dev ───┤ data mismatch    = dev − train-dev
    dev ─────────┤ overfitting to dev = test − dev
    test ────────┘

The largest gap is the dominant problem. ``diagnose_run`` reads a run directory written by
``nndl train`` and adds error analysis on the dev set: the confusion matrix, per-class
precision / recall / F1 and the examples the model got wrong most confidently.
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .metrics import _report_from_cm, confusion_matrix, format_confusion_matrix, most_confident_errors, predictions_from_proba, to_labels

Array = np.ndarray

PROBLEMS = ("avoidable_bias", "variance", "data_mismatch", "dev_overfitting")  # ties go to the first

PROBLEM_NAMES = {
    "avoidable_bias": "avoidable bias",
    "variance": "variance",
    "data_mismatch": "data mismatch",
    "dev_overfitting": "overfitting to the dev set",
    "none": "none",
}

ADVICE: dict[str, tuple[str, ...]] = {
    "avoidable_bias": (
        "train a bigger network (more hidden units or layers)",
        "train longer, or use a better optimization algorithm (momentum, RMSprop, Adam)",
        "try a different architecture / hyperparameter search",
    ),
    "variance": (
        "get more training data",
        "regularize: L2 (lambd), dropout (keep_prob), data augmentation",
        "try a different architecture / hyperparameter search",
    ),
    "data_mismatch": (
        "carry out manual error analysis to understand how the training data differs from dev/test",
        "make the training data more similar to dev/test, or collect more data like dev/test",
        "artificial data synthesis (beware of synthesizing from a tiny subset of all possible examples)",
    ),
    "dev_overfitting": (
        "get a bigger dev set (the model, or your choices, have overfit the dev set)",
    ),
    "none": (
        "the errors are at human level with no gap left: to improve further, find a better proxy "
        "for Bayes error (expert human performance) or redefine the metric",
    ),
}


def _check_error(name: str, value, required: bool = False) -> float | None:
    """A classification error rate as a float in [0, 1] (None allowed when optional)."""
    if value is None:
        if required:
            raise ValueError(f"{name} is required (a fraction in [0, 1])")
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r} ({type(value).__name__})")
    v = float(value)
    if math.isnan(v) or not 0.0 <= v <= 1.0:
        hint = f"; it looks like a percentage: pass {v:g}% as {v / 100:g}" if 1.0 < v <= 100.0 else ""
        raise ValueError(f"{name} must be an error rate in [0, 1], got {value!r}{hint}")
    return v


@dataclass(frozen=True)
class ErrorAnalysis:
    """Error analysis of a model on one split: confusion matrix, per-class report, worst errors.

    confusion_matrix: (C, C), rows true classes. report: see ``classification_report``.
    confident_errors: dicts {index, true, predicted, confidence}, most confident first.
    plots: {"confusion_matrix": path, "confident_errors": path} for the PNGs written.
    """
    split: str
    class_names: list[str]
    confusion_matrix: Array
    report: dict[str, Any]
    report_text: str
    confident_errors: list[dict[str, Any]]
    plots: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"split": self.split, "class_names": list(self.class_names),
                "confusion_matrix": np.asarray(self.confusion_matrix).tolist(), "report": self.report,
                "confident_errors": list(self.confident_errors), "plots": dict(self.plots),
                "notes": list(self.notes)}

    def __str__(self) -> str:
        cm = np.asarray(self.confusion_matrix)
        lines = [f"Error analysis on the {self.split} set ({int(cm.sum())} examples)", "",
                 self.report_text, "", "Confusion matrix (rows: true class, columns: predicted):",
                 format_confusion_matrix(cm, self.class_names if len(self.class_names) == len(cm) else None)]
        if self.confident_errors:
            lines += ["", f"Most confidently wrong {self.split} examples (look at these first):"]
            lines += [f"  #{e['index']:<7} true {e['true']:<14} predicted {e['predicted']:<14} "
                      f"confidence {e['confidence']:.3f}" for e in self.confident_errors]
        else:
            lines += ["", f"No errors on the {self.split} set."]
        lines += [f"Wrote {path}" for path in self.plots.values()]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True)
class Diagnosis:
    """The errors, the gaps between them, the dominant problem and what to try next.

    Gaps are in error-rate units (0.02 = 2 percentage points); a gap that cannot be measured
    from the errors given is None. ``dominant`` is a key of ``PROBLEMS`` or "none".
    """
    train_error: float
    dev_error: float
    human_error: float | None
    train_dev_error: float | None
    test_error: float | None
    avoidable_bias: float
    variance: float
    data_mismatch: float | None
    dev_overfitting: float | None
    dominant: str
    notes: tuple[str, ...] = ()
    error_analysis: ErrorAnalysis | None = None

    @property
    def gaps(self) -> dict[str, float]:
        """The measured gaps, by problem key."""
        return {p: getattr(self, p) for p in PROBLEMS if getattr(self, p) is not None}

    @property
    def recommendations(self) -> tuple[str, ...]:
        """What the course suggests trying next for the dominant problem."""
        return ADVICE[self.dominant]

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in ("train_error", "dev_error", "human_error", "train_dev_error",
                                              "test_error", *PROBLEMS, "dominant")}
        out["dominant_name"] = PROBLEM_NAMES[self.dominant]
        out["recommendations"] = list(self.recommendations)
        out["advice"] = {p: list(ADVICE[p]) for p, g in self.gaps.items() if g > 0}
        out["notes"] = list(self.notes)
        if self.error_analysis is not None:
            out["error_analysis"] = self.error_analysis.to_dict()
        return out

    def __str__(self) -> str:
        pct = lambda v: "       —" if v is None else f"{v:8.2%}"
        rungs = [("human-level error", self.human_error, None),
                 ("training error", self.train_error, "avoidable_bias"),
                 ("train-dev error", self.train_dev_error, "variance"),
                 ("dev error", self.dev_error, "data_mismatch" if self.train_dev_error is not None else "variance"),
                 ("test error", self.test_error, "dev_overfitting")]
        lines = ["Bias / variance diagnosis (human-level error as a proxy for Bayes error)"]
        for label, value, gap in rungs:
            if gap is not None and getattr(self, gap) is not None and value is not None:
                mark = "   <- dominant" if gap == self.dominant else ""
                lines.append(f"{'':<24}{PROBLEM_NAMES[gap]:<28}{pct(getattr(self, gap))}{mark}")
            if value is not None or label == "human-level error":
                lines.append(f"  {label:<20}{pct(value)}")
        if self.dominant == "none":
            lines.append("Dominant problem: none (no gap above zero)")
        else:
            lines.append(f"Dominant problem: {PROBLEM_NAMES[self.dominant]} "
                         f"({100 * getattr(self, self.dominant):.2f} percentage points)")
        lines.append("What to try next:")
        lines += [f"  - {r}" for r in self.recommendations]
        lines += [f"Note: {n}" for n in self.notes]
        if self.error_analysis is not None:
            lines += ["", str(self.error_analysis)]
        return "\n".join(lines)


def diagnose(train_error: float, dev_error: float, human_error: float | None = None,
             train_dev_error: float | None = None, test_error: float | None = None) -> Diagnosis:
    """Bias / variance / data-mismatch diagnosis from error rates in [0, 1].

    avoidable bias = train − human (human-level error as a proxy for Bayes error; taken
    as 0 when not given); variance = train-dev − train when a train-dev error is given
    (data from the training distribution the model did not train on), else dev − train;
    data mismatch = dev − train-dev; overfitting to dev = test − dev. The dominant problem is
    the largest gap (ties: the earlier one in that list), or "none" if no gap is positive.
    """
    train = _check_error("train_error", train_error, required=True)
    dev = _check_error("dev_error", dev_error, required=True)
    human = _check_error("human_error", human_error)
    train_dev = _check_error("train_dev_error", train_dev_error)
    test = _check_error("test_error", test_error)
    notes = []
    bayes = 0.0 if human is None else human
    if human is None:
        notes.append("no human-level error given: Bayes error taken as 0, so avoidable bias = training error "
                     "(pass human_error, e.g. 0.01, for a fairer split between bias and variance)")
    avoidable_bias = train - bayes
    if avoidable_bias < 0:
        notes.append("training error is below human-level error: the proxy for Bayes error is too high "
                     "(use the best human/expert performance) and further progress is harder to judge")
    if train_dev is None:
        variance, data_mismatch = dev - train, None
    else:
        variance, data_mismatch = train_dev - train, dev - train_dev
    dev_overfitting = None if test is None else test - dev
    gaps = {"avoidable_bias": avoidable_bias, "variance": variance,
            "data_mismatch": data_mismatch, "dev_overfitting": dev_overfitting}
    # 12 decimals: 0.10 - 0.095 is 0.005, not 0.0050000000000000044, so equal gaps tie
    gaps = {p: None if g is None else round(g, 12) for p, g in gaps.items()}
    measured = [(g, p) for p, g in gaps.items() if g is not None]
    best_gap, best = max(measured, key=lambda gp: gp[0])  # max keeps the first of equal gaps
    return Diagnosis(train, dev, human, train_dev, test, **gaps, dominant=best if best_gap > 0 else "none",
                     notes=tuple(notes))


# ---------------------------------------------------------------------- error analysis
def error_analysis(model, X, Y, class_names: Sequence[str] | None = None,
                   image_shape: Sequence[int] | None = None, k: int = 16, split: str = "dev",
                   plots_dir: str | Path | None = None) -> ErrorAnalysis:
    """Confusion matrix, per-class P/R/F1 and the k most confidently wrong examples of ``model``.

    X: the model's input layout ((n_x, m) for dense models); Y: labels (1, m) / (m,) or
    one-hot (C, m). image_shape: (h, w) or (h, w, c) to show the wrong examples as images.
    plots_dir: where to write confusion_matrix.png (and confident_errors.png for images);
    skipped with a note when matplotlib is not installed.
    """
    A = model.predict_proba(X)
    y = to_labels(Y, "Y")
    pred = predictions_from_proba(A)
    names = [str(c) for c in (class_names or range(max(A.shape[0], 2)))]
    cm = confusion_matrix(y, pred, len(names))
    report, text = _report_from_cm(cm, names)
    worst = most_confident_errors(A, y, k)
    errors = [{"index": int(i), "true": names[t], "predicted": names[p], "confidence": float(c)}
              for i, p, t, c in zip(*worst)]
    plots, notes = {}, []
    if plots_dir is not None:
        try:
            from . import plots as P
            out = Path(plots_dir)
            P.plot_confusion_matrix(cm, names, path=out / "confusion_matrix.png")
            plots["confusion_matrix"] = str(out / "confusion_matrix.png")
            if image_shape and len(worst.indices):
                Xa = np.asarray(X)
                axis = model.batch_axis % Xa.ndim
                images = np.moveaxis(np.take(Xa, worst.indices, axis=axis), axis, 0)
                images = images.reshape(len(worst.indices), *image_shape)
                titles = [f"true {e['true']}\npred {e['predicted']} ({e['confidence']:.2f})" for e in errors]
                P.plot_image_grid(images, titles, path=out / "confident_errors.png")
                plots["confident_errors"] = str(out / "confident_errors.png")
        except ImportError as e:
            notes.append(f"plots skipped: {e}")
    return ErrorAnalysis(split, names, cm, report, text, errors, plots, tuple(notes))


def read_summary(run_dir: str | Path) -> dict[str, Any]:
    """The summary.json of a run directory written by ``nndl train``, with clear errors."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory not found: {run_dir}")
    path = run_dir / "summary.json"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} has no summary.json ({path} not found): "
                                "is it a run directory written by `nndl train`?")
    try:
        summary = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{path} is not valid JSON: {e}") from None
    if not isinstance(summary, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(summary).__name__}")
    for key in ("train_accuracy", "dev_accuracy"):
        if summary.get(key) is None:
            raise ValueError(f"{path} has no {key!r}; expected train_accuracy and dev_accuracy (fractions in [0, 1])")
    return summary


def _error_from(summary: dict[str, Any], split: str) -> float | None:
    acc = summary.get(f"{split}_accuracy")
    if acc is None:
        return None
    if isinstance(acc, bool) or not isinstance(acc, numbers.Real) or not 0.0 <= acc <= 1.0:
        raise ValueError(f"summary.json: {split}_accuracy must be a fraction in [0, 1], got {acc!r}")
    return 1.0 - float(acc)


def diagnose_run(run_dir: str | Path, human_error: float | None = None, train_dev_error: float | None = None,
                 data_dir: str | Path | None = None, plots_dir: str | Path | None = None,
                 k: int = 16) -> Diagnosis:
    """Diagnose a run directory of ``nndl train`` (model.safetensors, history.csv, summary.json).

    Errors are 1 − accuracy from summary.json (train, dev and, when present, test).
    human_error: the human-level error (default: summary.json's "human_error", if any).
    When the model file is there and the dataset can be loaded (same name and seed, so the
    same normalized splits), adds error analysis on the dev set; plots_dir: where to write
    its PNGs. train_dev_error: when not given, it is computed from the data: the model is
    evaluated on the dataset's train-dev split (held out from the training distribution, e.g.
    ``fashion-mnist-shifted``), or summary.json's "train_dev_accuracy" is used. Anything that
    prevents the error analysis is reported in the notes.
    """
    run_dir = Path(run_dir)
    summary = read_summary(run_dir)
    if human_error is None:
        human_error = summary.get("human_error")
    analysis, note, measured = _run_error_analysis(run_dir, summary, data_dir, plots_dir, k,
                                                   measure_train_dev=train_dev_error is None)
    notes: tuple[str, ...] = ()
    if train_dev_error is None and measured is not None:
        train_dev_error, m = measured
        notes += (f"train-dev error {train_dev_error:.2%} measured on the dataset's train-dev split "
                  f"({m} examples from the training distribution, not trained on)",)
    elif train_dev_error is None and "train_dev_accuracy" in summary:
        train_dev_error = _error_from(summary, "train_dev")
    base = diagnose(_error_from(summary, "train"), _error_from(summary, "dev"), human_error,
                    train_dev_error, _error_from(summary, "test"))
    notes = base.notes + notes + ((note,) if note else ())
    return replace(base, notes=notes, error_analysis=analysis)


def _run_error_analysis(run_dir: Path, summary: dict[str, Any], data_dir, plots_dir, k: int,
                        measure_train_dev: bool = False):
    """(error analysis or None, a note or None, (train-dev error, m) measured from the data or None)."""
    name = summary.get("dataset")
    if not name:
        return None, "no error analysis: summary.json does not name the dataset", None
    model_path = run_dir / "model.safetensors"
    if not model_path.is_file():
        return None, f"no error analysis: {model_path} not found", None
    from .io import ModelFileError, load
    try:
        model = load(model_path)
    except ModelFileError as e:
        return None, f"no error analysis: {e}", None
    try:
        from .datasets import load_dataset
        dataset = load_dataset(name, seed=int(summary.get("seed", 1)), data_dir=data_dir)
    except (ImportError, OSError, ValueError, KeyError, RuntimeError) as e:
        return None, f"no error analysis: dataset {name!r} could not be loaded ({e})", None
    measured = None
    if measure_train_dev and getattr(dataset, "X_train_dev", None) is not None:
        try:
            acc = model.evaluate(dataset.X_train_dev, dataset.Y_train_dev)["accuracy"]
            measured = (1.0 - float(acc), int(dataset.X_train_dev.shape[1]))
        except ValueError:
            measured = None
    classes = summary.get("classes") or list(getattr(dataset, "classes", []) or [])
    image_shape = summary.get("image_shape") or getattr(dataset, "image_shape", None)
    try:
        analysis = error_analysis(model, dataset.X_dev, dataset.Y_dev, classes or None, image_shape,
                                  k=k, split="dev", plots_dir=plots_dir)
    except ValueError as e:  # the model does not fit this dataset's inputs or labels
        return None, f"no error analysis: {e}", measured
    return analysis, None, measured
