"""Checks at the API boundary: inputs X and targets Y, converted once to the course's shapes.

Every error names what was expected and what was received, and the likely fix.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def check_finite(name: str, A: Array) -> None:
    """Raise ValueError if A holds NaN or Inf, saying how many and where the first one is."""
    if A.dtype.kind in "fc" and not _all_finite(A):
        bad = ~np.isfinite(A)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name} contains {int(bad.sum())} NaN/Inf value(s), the first at index {first}; "
                         "clean or impute the data before training")


def _all_finite(A: Array) -> bool:
    """No NaN/Inf in A. A finite sum proves it in one pass without a boolean array of A's size
    (any NaN or Inf makes the sum NaN or Inf); only a sum that overflows needs the full test."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(A.sum()):
            return True
    return bool(np.isfinite(A).all())


def check_X(X, example_shape: tuple[int, ...] | None, batch_axis: int) -> Array:
    """X as a numeric array with examples on ``batch_axis``; NaN/Inf and bad shapes rejected.

    example_shape: the shape of one example the model expects (None before it is built).
    """
    X = as_real_array("X", X)
    if X.ndim == 0 or X.size == 0:
        if X.ndim > 0 and X.shape[batch_axis % X.ndim] > 0:
            raise ValueError(f"X has shape {X.shape}: axis {X.shape.index(0)} has length 0, so each example "
                             "holds no numbers (a sequence needs at least one time step)")
        raise ValueError(f"X is empty (shape {X.shape}); expected at least one example")
    if X.ndim == 1:
        raise ValueError(f"X has shape {X.shape}, a rank-1 array; expected (n_x, m): "
                         "for one example use X.reshape(-1, 1), for m single features X.reshape(1, -1)")
    if example_shape is not None and one_example_shape(X.shape, batch_axis) != tuple(example_shape):
        hint = ""
        if X.ndim == 2 and X.shape[batch_axis % 2] == example_shape[0]:
            hint = ": examples look like rows; pass X.T"
        raise ValueError(f"X has shape {X.shape}, expected {batch_shape(example_shape, batch_axis)}{hint}")
    check_finite("X", X)
    return X


def as_real_array(name: str, A) -> Array:
    """A as a NumPy array of real numbers. Masked arrays with masked entries (the mask would
    be dropped), complex numbers (the imaginary part would be dropped), strings and objects
    are refused with a ValueError saying so."""
    if isinstance(A, np.ma.MaskedArray):
        if np.ma.getmaskarray(A).any():
            raise ValueError(f"{name} is a masked array with {int(np.ma.getmaskarray(A).sum())} masked "
                             "value(s); fill or drop them first (e.g. A.filled(value))")
        A = A.filled()
    try:
        A = np.asarray(A)
    except Exception as e:  # ragged lists and the like
        raise ValueError(f"{name} could not be read as an array: {e}") from None
    if A.dtype.kind == "c":
        raise ValueError(f"{name} holds complex numbers (dtype {A.dtype}); expected real numbers")
    if A.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got dtype {A.dtype}")
    return A


def check_representable(name: str, X: Array, dtype) -> None:
    """ValueError if finite values of X overflow to Inf in the model's ``dtype`` (1e39 in float32)."""
    dtype = np.dtype(dtype)
    if X.dtype.kind == "f" and X.dtype.itemsize > dtype.itemsize:
        biggest = max(float(X.max()), -float(X.min()))  # two passes, no |X| copy
        if biggest > float(np.finfo(dtype).max):
            raise ValueError(f"{name} holds values up to {biggest:g}, beyond the range of the model's "
                             f"{dtype.name} (±{np.finfo(dtype).max:.3g}); scale the data first")


def check_one_hot(Y: Array) -> None:
    """ValueError unless every column of Y (C, m) is a one-hot vector: 0/1 entries, one 1."""
    if not np.isin(Y, (0, 1)).all():
        raise ValueError(f"one-hot Y must hold only 0 and 1, got values {np.unique(Y)[:5].tolist()}…; "
                         "pass integer class labels (m,) instead")
    sums = Y.sum(axis=0)
    if not (sums == 1).all():
        j = int(np.flatnonzero(sums != 1)[0])
        raise ValueError(f"one-hot Y must have exactly one 1 per column, column {j} has {sums[j]:g}")


def check_outputs(A: Array, layer=None, batch_axis: int = -1, first: int = 0) -> Array:
    """A (the model's output) unchanged, or a ValueError if it (or the output layer's logits
    Z) holds NaN/Inf: an overflow inside the network, never a result to report. The message
    counts the examples hit along ``batch_axis`` and numbers them from ``first`` (the chunk's
    first example)."""
    Z = getattr(layer, "Z", None) if layer is not None else None
    for arr in (A, Z):
        if isinstance(arr, np.ndarray) and arr.dtype.kind == "f" and not _all_finite(arr):
            axis = batch_axis if arr.ndim == np.ndim(A) else -1
            rows = np.moveaxis(np.isfinite(arr), axis, 0)
            bad = ~rows.reshape(rows.shape[0], -1).all(axis=1)
            raise ValueError(f"the model's output overflowed to NaN/Inf for {int(bad.sum())} of {bad.size} "
                             f"example(s) (the first is example {first + int(np.argmax(bad))}): the inputs are far "
                             "outside the range the model was trained on, or its weights are too large")
    return A


def n_examples(X: Array, batch_axis: int) -> int:
    """m, the length of X's batch axis."""
    return X.shape[batch_axis]


def one_example_shape(shape: tuple[int, ...], batch_axis: int) -> tuple[int, ...]:
    """The shape of one example: ``shape`` without its batch axis ((n_x, m) → (n_x,);
    (m, n_H, n_W, n_C) with batch_axis 0 → (n_H, n_W, n_C))."""
    axis = batch_axis % len(shape)
    return tuple(int(n) for i, n in enumerate(shape) if i != axis)


def batch_shape(example_shape: tuple[int, ...], batch_axis: int) -> str:
    """The batch shape as text, "m" on the batch axis: (784,) and −1 → "(784, m)"."""
    dims = [str(n) for n in example_shape]
    dims.insert(batch_axis % (len(dims) + 1), "m")
    return f"({', '.join(dims)})"


def to_targets(Y, n_out: int, m: int, loss: str, dtype=np.float32) -> Array:
    """Convert labels once to the shape the output layer produces.

    - categorical: one-hot (C, m) as given, or integer classes (m,) / (1, m) → one-hot;
    - binary: (1, m) or (m,) of 0/1;
    - mse: (n_y, m), or (m,) when n_y = 1.
    Labels out of range, non-integers for classes, NaN, and shapes that do not fit raise
    ValueError naming the expected and received values.
    """
    Y = as_real_array("Y", Y)
    try:
        check_finite("Y", Y)
    except ValueError as e:
        if loss == "binary_crossentropy" and np.isnan(Y).any() and not np.isinf(Y).any():
            raise ValueError(f"{e}. If NaN marks missing labels of a multi-task output, pass "
                             "Y, mask = nndl.multitask.missing_mask(Y) and fit(X, Y, mask=mask)") from None
        raise
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    if Y.ndim != 2:
        raise ValueError(f"Y has shape {Y.shape}; expected (n_y, m) or integer labels (m,)")
    if Y.shape[1] != m:
        hint = "; labels look like rows: pass Y.T" if Y.shape[0] == m else ""
        raise ValueError(f"Y has {Y.shape[1]} examples (shape {Y.shape}) but X has {m}{hint}")
    if loss == "categorical_crossentropy":
        if Y.shape[0] == 1:
            labels = Y[0]
            if not np.all(labels == np.round(labels)):
                raise ValueError("class labels must be integers, got non-integer values in Y")
            lo, hi = labels.min(), labels.max()
            if lo < 0 or hi >= n_out:
                raise ValueError(f"class labels must be in [0, {n_out - 1}] for {n_out} output units, "
                                 f"got values from {lo:g} to {hi:g}")
            return one_hot(labels.astype(np.int64), n_out, dtype)
        if Y.shape[0] != n_out:
            raise ValueError(f"one-hot Y has {Y.shape[0]} rows, but the output layer has {n_out} units")
        check_one_hot(Y)
        return Y.astype(dtype, copy=False)
    if loss == "binary_crossentropy":
        if Y.shape[0] != n_out:
            raise ValueError(f"Y has shape {Y.shape}, expected ({n_out}, {m}) of 0/1 labels")
        if not np.isin(Y, (0, 1)).all():
            raise ValueError(f"binary labels must be 0 or 1, got values {np.unique(Y)[:5].tolist()}…")
        return Y.astype(dtype, copy=False)
    if Y.shape[0] != n_out:
        raise ValueError(f"Y has shape {Y.shape}, expected ({n_out}, {m})")
    return Y.astype(dtype, copy=False)


def one_hot(labels: Array, C: int, dtype=np.float32) -> Array:
    """Integer labels (m,) → one-hot (C, m): Y[labels[i], i] = 1."""
    labels = np.asarray(labels).reshape(-1)
    Y = np.zeros((C, labels.size), dtype=dtype)
    Y[labels, np.arange(labels.size)] = 1
    return Y
