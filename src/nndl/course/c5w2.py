"""Course 5, week 2: operations on word vectors — similarity, analogies, debiasing.

``word_to_vec_map`` is what the notebook passes (a dict word → 1-D vector) or, for a whole
vocabulary at BLAS speed, a pair ``(E, words)`` with E (n_e, V) and ``words`` the V words
in column order (e.g. the vectors of a trained embedding). The geometry lives in
``nndl.functional.word_vectors``.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F

Array = np.ndarray


def _matrix(word_to_vec_map) -> tuple[Array, list[str]]:
    if isinstance(word_to_vec_map, dict):
        words = list(word_to_vec_map)
        if not words:
            raise ValueError("word_to_vec_map is empty")
        return np.stack([np.asarray(word_to_vec_map[w], dtype=np.float64) for w in words], axis=1), words
    try:
        E, words = word_to_vec_map
    except (TypeError, ValueError):
        raise ValueError("word_to_vec_map must be a dict word → vector or a pair (E (n_e, V), words)") from None
    E = np.asarray(E)
    if E.ndim != 2 or E.shape[1] != len(words):
        raise ValueError(f"E must have shape (n_e, V) with V = {len(words)} words, got {E.shape}")
    return E, list(words)


def _vector(word: str, word_to_vec_map) -> Array:
    if isinstance(word_to_vec_map, dict):
        if word not in word_to_vec_map:
            raise KeyError(f"{word!r} is not in the vocabulary")
        return np.asarray(word_to_vec_map[word], dtype=np.float64)
    E, words = _matrix(word_to_vec_map)
    try:
        return np.asarray(E[:, words.index(word)], dtype=np.float64)
    except ValueError:
        raise KeyError(f"{word!r} is not in the vocabulary") from None


def cosine_similarity(u: Array, v: Array) -> float:
    """u·v / (‖u‖‖v‖): 1 for the same direction, 0 for orthogonal vectors, −1 for opposite."""
    return F.cosine_similarity(u, v)


def complete_analogy(word_a: str, word_b: str, word_c: str, word_to_vec_map) -> str:
    """a is to b as c is to the word w ≠ c maximising cos(e_b − e_a, e_w − e_c). As in the
    current notebook only word_c is skipped, and ties go to the first word in the
    vocabulary's order."""
    e_a, e_b, e_c = (_vector(w, word_to_vec_map) for w in (word_a, word_b, word_c))
    E, words = _matrix(word_to_vec_map)
    scores = F.analogy_scores(E, e_a, e_b, e_c)
    scores[words.index(word_c)] = -np.inf
    if not np.isfinite(scores).any():
        raise ValueError("the vocabulary holds no word besides word_c")
    return words[int(np.argmax(scores))]


def neutralize(word: str, g: Array, word_to_vec_map) -> Array:
    """e_word with its projection on the bias axis g removed: e − (e·g/‖g‖²)·g."""
    return F.neutralize(_vector(word, word_to_vec_map), np.asarray(g, dtype=np.float64))


def equalize(pair: tuple[str, str], bias_axis: Array, word_to_vec_map) -> tuple[Array, Array]:
    """Equalize a gender-specific pair (e.g. ("man", "woman")) about ``bias_axis``:
    both words end up at the same distance from every neutralized word. Returns (e1, e2)."""
    w1, w2 = pair
    return F.equalize(_vector(w1, word_to_vec_map), _vector(w2, word_to_vec_map), bias_axis)
