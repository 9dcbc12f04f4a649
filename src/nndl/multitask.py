"""Multi-task learning (Course 3): one network, several yes/no questions per example.

The course's autonomous-driving example asks of every image four questions at once
(pedestrian? car? stop sign? traffic light?): the output layer has n_y sigmoid units,
Y is (n_y, m) of 0/1, and the cost sums the logistic loss over the tasks,

    J = (1/m) Σ_i Σ_j mask_ji · L(ŷ_ji, y_ji),   L(ŷ, y) = −y·log ŷ − (1 − y)·log(1 − ŷ)

where mask_ji = 0 for the entries nobody labelled ("?" in the lecture): they add nothing to
the cost, nothing to the gradient (dZ = (A − Y)·mask) and nothing to the accuracy. m stays
the number of examples, as in the lecture's formula. The loss objects already take such a
mask (``nndl.losses``); this module is the convenience around them:

    Y, mask = missing_mask(Y_with_nan)          # NaN = not labelled
    model = Sequential([Dense(64, "relu"), Dense(4, "sigmoid")], metrics=task_metrics(4))
    model.fit(X, Y, mask=mask, validation_data=(X_dev, Y_dev, mask_dev))
    model.evaluate(X_test, Y_test, mask=mask_test)  # accuracy, accuracy_task0 … accuracy_task3

The mask is explicit: a NaN label given to ``fit`` is still refused (its message points
here), so missing data is never skipped silently.
"""

from __future__ import annotations

import numpy as np

from .validation import as_real_array

Array = np.ndarray


def missing_mask(Y) -> tuple[Array, Array]:
    """Split labels with missing entries into (Y, mask), both (n_y, m).

    Y: (n_y, m) of 0/1 with NaN where an entry is not labelled. Returns Y with the NaN
    replaced by 0 (a placeholder the mask removes) and mask = 1 where labelled, 0 where not,
    in Y's float dtype (float64 for integer input). Inf, values other than 0/1, a rank other
    than 2 and a Y without any label raise ValueError.
    """
    Y = as_real_array("Y", Y)
    if Y.ndim != 2:
        raise ValueError(f"multi-task labels must be (n_y, m), got shape {Y.shape}")
    Y = Y.astype(Y.dtype if Y.dtype.kind == "f" else np.float64)
    missing = np.isnan(Y)
    if np.isinf(Y).any():
        raise ValueError("Y contains Inf; multi-task labels are 0, 1 or NaN (missing)")
    labelled = Y[~missing]
    if labelled.size == 0:
        raise ValueError(f"Y (shape {Y.shape}) has no labelled entry: every value is NaN")
    if not np.isin(labelled, (0, 1)).all():
        raise ValueError(f"multi-task labels must be 0, 1 or NaN, got values {np.unique(labelled)[:5].tolist()}")
    mask = (~missing).astype(Y.dtype)
    return np.where(missing, 0, Y).astype(Y.dtype), mask


def task_metrics(n_tasks: int) -> list[str]:
    """The metric names for a model of ``n_tasks`` sigmoid outputs: the accuracy over all
    labelled entries and one accuracy per task (``accuracy_task0`` …), for ``metrics=``."""
    if isinstance(n_tasks, bool) or not isinstance(n_tasks, (int, np.integer)) or n_tasks < 1:
        raise ValueError(f"n_tasks must be a positive integer, got {n_tasks!r}")
    return ["accuracy"] + [f"accuracy_task{k}" for k in range(int(n_tasks))]


def task_accuracies(model, X, Y, mask=None, names=None) -> dict[str, float]:
    """{task name: accuracy over that task's labelled entries} of a model with (n_y, m)
    sigmoid outputs, whatever metrics it logs. Y may hold NaN for missing labels (then no
    mask may be given) or come with a 0/1 ``mask``. names: one per task (default "task0", …).
    A task without any labelled entry is left out rather than reported as NaN."""
    Y = as_real_array("Y", Y)
    if mask is None and Y.dtype.kind == "f" and np.isnan(Y).any():
        Y, mask = missing_mask(Y)
    A = model.predict_proba(X)
    if A.ndim != 2 or model.loss != "binary_crossentropy":
        raise ValueError(f"task accuracies need (n_y, m) sigmoid outputs, got {A.shape} with loss {model.loss}")
    if Y.shape != A.shape:
        raise ValueError(f"Y has shape {Y.shape}, expected {A.shape}")
    names = [f"task{k}" for k in range(A.shape[0])] if names is None else list(names)
    if len(names) != A.shape[0]:
        raise ValueError(f"{len(names)} task names for {A.shape[0]} outputs")
    weight = np.ones(A.shape) if mask is None else np.broadcast_to(np.asarray(mask, dtype=np.float64), A.shape)
    hits = (A > 0.5) == (Y > 0.5)
    out = {}
    for k, name in enumerate(names):
        if weight[k].sum() > 0:
            out[name] = float(weight[k][hits[k]].sum() / weight[k].sum())
    return out
