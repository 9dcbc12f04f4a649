"""Word embeddings: look up a column of E per token id, and the scatter-add gradient.

E: (n_e, V), one column per word of the vocabulary (the course's e_w = E·o_w for a one-hot
o_w, computed as a column gather instead of the product). ids: (m, T_x) integers in [0, V).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _check_ids(ids: Array, V: int) -> Array:
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise ValueError(f"token ids must be integers, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= V):
        raise ValueError(f"token ids must lie in [0, {V}) for a vocabulary of {V}, "
                         f"got values in [{ids.min()}, {ids.max()}]")
    return ids


def embedding_forward(ids: Array, E: Array) -> tuple[Array, tuple]:
    """e⟨t⟩ = E[:, id⟨t⟩] for every example and step.

    ids: (m, T_x) int; E: (n_e, V). Returns (e (n_e, m, T_x) in E's dtype, cache). The output
    is a view of an (T_x, m, n_e) gather, the storage the recurrent functions read for free.
    """
    E = np.asarray(E)
    if E.ndim != 2:
        raise ValueError(f"E must have shape (n_e, V), got {E.shape}")
    ids = _check_ids(ids, E.shape[1])
    rows = E.T[ids.T]                        # (T_x, m, n_e): a row gather from Eᵀ
    return np.transpose(rows, (2, 1, 0)), (ids, E.shape)


def embedding_backward(de: Array, cache: tuple) -> Array:
    """dE[:, v] = Σ over the positions where id = v of de[:, i, t] (a scatter-add).

    de: (n_e, m, T_x). Returns dE (n_e, V) in de's dtype."""
    ids, (n_e, V) = cache
    de = np.asarray(de)
    if de.shape != (n_e,) + ids.shape:
        raise ValueError(f"de must have shape {(n_e,) + ids.shape}, got {de.shape}")
    return scatter_add_columns(ids.reshape(-1), de.reshape(n_e, -1).T, V)


def scatter_add_columns(ids: Array, rows: Array, V: int, out: Array | None = None) -> Array:
    """dE[:, v] = Σ_{j : ids[j] = v} rows[j]: the scatter-add of an embedding gradient.

    ids (N,) ints in [0, V), rows (N, n_e). Returns dE (n_e, V) in rows' dtype (written into
    ``out`` if given). The rows are sorted by id and summed per id with one ``reduceat``,
    several times faster than ``np.add.at`` for repeated ids."""
    ids, rows = np.asarray(ids).reshape(-1), np.asarray(rows)
    if rows.ndim != 2 or rows.shape[0] != ids.size:
        raise ValueError(f"rows must have shape ({ids.size}, n_e) for {ids.size} ids, got {rows.shape}")
    n_e = rows.shape[1]
    if out is None:
        out = np.zeros((n_e, V), dtype=rows.dtype)
    else:
        if out.shape != (n_e, V):
            raise ValueError(f"out must have shape {(n_e, V)}, got {out.shape}")
        out.fill(0)
    if ids.size == 0:
        return out
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_ids[1:] != sorted_ids[:-1])))
    out[:, sorted_ids[starts]] = np.add.reduceat(rows[order], starts, axis=0).T
    return out
