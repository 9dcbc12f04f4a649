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
    dET = np.zeros((V, n_e), dtype=de.dtype)
    np.add.at(dET, ids.reshape(-1), de.reshape(n_e, -1).T)
    return dET.T.copy()
