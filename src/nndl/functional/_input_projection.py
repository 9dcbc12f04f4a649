"""The input projection of a recurrent layer, and its weight gradient, for any input and
faster for one-hot input.

A recurrent layer projects the inputs of all T_x steps at once, G = X·Wxᵀ with X the
(T_x·m, n_x) rows, and after backpropagation through time its input weights get
dWx = dGᵀ·X. When every row of X is one-hot (a character model fed ``to_categorical``
sequences), row r of X·Wxᵀ is the column ``ids[r]`` of Wx, so the product is a gather
(the same numbers: each output is one weight times 1 plus zeros), and dWx's column v is the
sum of the rows of dG whose id is v (a segment sum: about a twentieth of the product's work,
with the optional numba kernel; without numba the product is kept). The bias gradient
db = Σ_rows dG is then the sum of those n_x segment sums, since every row has one id.
"""

from __future__ import annotations

import numpy as np

from ._numba import AVAILABLE as _HAS_NUMBA
from ._numba import compiled_on_first_use, kernel_float

Array = np.ndarray


def one_hot_ids(X: Array) -> Array | None:
    """The column of the single 1 in each row of X (rows, n_x), or None when some row is
    not one-hot (any other value, two nonzeros, none, NaN)."""
    rows = X.shape[0]
    if rows == 0:
        return None
    if _HAS_NUMBA and X.flags.c_contiguous and kernel_float(X.dtype):  # one pass, not three
        ids = np.empty(rows, dtype=np.intp)
        return ids if _one_hot_rows(X, ids) else None
    if np.count_nonzero(X) != rows:                           # dense inputs fail here, cheaply
        return None
    ids = X.argmax(axis=1)
    # rows nonzeros in all and each row's largest entry is 1: every row holds exactly one 1
    if not np.all(X[np.arange(rows), ids] == 1):
        return None
    return ids


def project(X: Array, WxT: Array, b: Array) -> tuple[Array, Array | None]:
    """(X·Wxᵀ + b (rows, k), ids or None) for X (rows, n_x), WxT = Wxᵀ (n_x, k) and b (k,);
    with one-hot rows it is the gather (Wxᵀ + b)[ids] (the bias added to n_x rows, not to
    every input row)."""
    ids = one_hot_ids(X)
    if ids is None:
        G = X @ WxT
        G += b
        return G, None
    table = np.ascontiguousarray(WxT + b)     # (n_x, k) rows: WxT is often a transposed view
    return np.take(table, ids, axis=0), ids   # gathering rows of a column-major table was 7× slower


def input_gradients(dG: Array, X: Array, ids: Array | None) -> tuple[Array, Array]:
    """(dWx = dGᵀ·X (k, n_x), db = Σ_rows dG (k,)) for dG (rows, k) and X (rows, n_x), with
    ``ids`` from ``project``: when they are known and numba is here, the segment sums S
    (n_x, k) of dG's rows by id give both, dWx = Sᵀ and db = Σ_v S[v]."""
    if ids is None or not _HAS_NUMBA:
        return dG.T @ X, dG.sum(axis=0)
    sums = np.zeros((X.shape[1], dG.shape[1]), dtype=np.result_type(dG, X))
    _segment_sum(np.ascontiguousarray(dG), ids, sums)
    return sums.T, sums.sum(axis=0)


def _segment_sum_loop(dG, ids, out):  # pragma: no cover - compiled
    """out[ids[r]] += dG[r] for every row r."""
    for r in range(dG.shape[0]):
        v = ids[r]
        for j in range(dG.shape[1]):
            out[v, j] += dG[r, j]


# ``_segment_sum_loop`` compiled by numba on first use (numba is imported only then)
_segment_sum = compiled_on_first_use(_segment_sum_loop)


def _one_hot_rows_loop(X, ids):  # pragma: no cover - compiled
    """ids[r] = the column of row r's single 1; False as soon as a row is not one-hot.
    Counts rather than branches, so each row is one vectorised pass."""
    for r in range(X.shape[0]):
        x = X[r]
        nonzeros, ones, at = 0, 0, 0
        for j in range(x.shape[0]):
            v = x[j]
            nonzeros += v != 0                      # NaN counts here and not as a 1
            ones += v == 1
            at += j * (v == 1)
        if nonzeros != 1 or ones != 1:
            return False
        ids[r] = at
    return True


# ``_one_hot_rows_loop`` compiled by numba on first use
_one_hot_rows = compiled_on_first_use(_one_hot_rows_loop)
