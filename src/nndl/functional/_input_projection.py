"""The input projection of a recurrent layer, and its weight gradient, for any input and
faster for one-hot input.

A recurrent layer projects the inputs of all T_x steps at once, G = X·Wxᵀ with X the
(T_x·m, n_x) rows, and after backpropagation through time its input weights get
dWx = dGᵀ·X. When every row of X is one-hot (a character model fed ``to_categorical``
sequences), row r of X·Wxᵀ is the column ``ids[r]`` of Wx, so the product is a gather
(the same numbers: each output is one weight times 1 plus zeros), and dWx's column v is the
sum of the rows of dG whose id is v (a segment sum: about a twentieth of the product's work,
with the optional numba kernel; without numba the product is kept).
"""

from __future__ import annotations

import numpy as np

from ._numba import AVAILABLE as _HAS_NUMBA
from ._numba import compiled_on_first_use

Array = np.ndarray


def one_hot_ids(X: Array) -> Array | None:
    """The column of the single 1 in each row of X (rows, n_x), or None when some row is
    not one-hot (any other value, two nonzeros, none, NaN)."""
    rows = X.shape[0]
    if rows == 0 or np.count_nonzero(X) != rows:              # dense inputs fail here, cheaply
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


def weight_gradient(dG: Array, X: Array, ids: Array | None) -> Array:
    """dWx = dGᵀ·X (k, n_x) for dG (rows, k) and X (rows, n_x), with ``ids`` from
    ``project`` (a segment sum of dG's rows by id when they are known and numba is here)."""
    if ids is None or not _HAS_NUMBA:
        return dG.T @ X
    out = np.zeros((X.shape[1], dG.shape[1]), dtype=np.result_type(dG, X))
    _segment_sum(np.ascontiguousarray(dG), ids, out)
    return out.T


def _segment_sum_loop(dG, ids, out):  # pragma: no cover - compiled
    """out[ids[r]] += dG[r] for every row r."""
    for r in range(dG.shape[0]):
        v = ids[r]
        for j in range(dG.shape[1]):
            out[v, j] += dG[r, j]


# ``_segment_sum_loop`` compiled by numba on first use (numba is imported only then)
_segment_sum = compiled_on_first_use(_segment_sum_loop)
