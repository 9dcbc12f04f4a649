"""Trained word vectors: nearest neighbours, analogies, debiasing, and their files.

``WordVectors(E, words)`` holds E (n_e, V), column v the vector of ``words[v]``. The geometry
is ``nndl.functional.word_vectors`` (Course 5 week 2):

    nearest(w, k):       the k words v ≠ w with the largest cos(e_v, e_w)
    analogy(a, b, c, k): a : b :: c : ?, the k words w ∉ {a, b, c} with the largest
                         cos(e_w, ê_b − ê_a + ê_c), ê = e/‖e‖ (3CosAdd, word2vec's rule), or
                         with ``method="course"`` cos(e_b − e_a, e_w − e_c) (the score of the
                         course's ``complete_analogy``)
    debias(g, neutral, pairs): neutralize every word of ``neutral`` (e − (e·g/‖g‖²)·g) and
                         equalize every pair about g

A ``WordVectors`` unpacks as the pair ``(E, words)``, so ``nndl.course.c5w2`` takes it as
``word_to_vec_map``. Files: ``save(folder)`` writes ``vectors.safetensors`` (E, the words in
its metadata) and ``vectors.txt`` in word2vec's text format (a line "V n_e", then one line
per word: the word and its n_e numbers); ``WordVectors.load`` reads either.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from . import functional as F
from .files import atomic_write

Array = np.ndarray


class WordVectors:
    """Word vectors E (n_e, V) with their words (V,); words starting with "<" (the
    vocabulary's <pad>, <unk>, …) are never returned as neighbours or answers."""

    def __init__(self, E: Array, words: Sequence[str]):
        E = np.asarray(E)
        words = list(words)
        if E.ndim != 2 or E.shape[1] != len(words):
            raise ValueError(f"E must have shape (n_e, V) with V = {len(words)} words, got {E.shape}")
        if len(set(words)) != len(words):
            raise ValueError("the words must be distinct")
        self.E, self.words = E, words
        self.index = {w: i for i, w in enumerate(words)}
        self._hidden = np.array([w.startswith("<") for w in words])

    def __iter__(self):
        return iter((self.E, self.words))

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> Array:
        return self.E[:, self._id(word)]

    def _id(self, word: str) -> int:
        if word not in self.index:
            raise KeyError(f"{word!r} is not in the vocabulary of {len(self.words)} words")
        return self.index[word]

    def _top(self, scores: Array, exclude: Iterable[str], k: int) -> list[tuple[str, float]]:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        scores = scores.copy()
        scores[self._hidden] = -np.inf
        scores[[self._id(w) for w in exclude]] = -np.inf
        k = min(k, int(np.isfinite(scores).sum()))
        top = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(scores.size)
        top = top[np.argsort(-scores[top], kind="stable")][:k]
        return [(self.words[i], float(scores[i])) for i in top]

    def similarity(self, w1: str, w2: str) -> float:
        """cos(e_w1, e_w2)."""
        return F.cosine_similarity(self[w1], self[w2])

    def nearest(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The k nearest words by cosine similarity, [(word, cos), …] best first."""
        return self._top(F.cosine_similarities(self.E, self[word]), [word], k)

    def analogy(self, a: str, b: str, c: str, k: int = 5, method: str = "3cosadd") -> list[tuple[str, float]]:
        """a : b :: c : ?, the k best words w ∉ {a, b, c}: by cos(e_w, ê_b − ê_a + ê_c)
        (``method="3cosadd"``, word2vec's rule) or by cos(e_b − e_a, e_w − e_c) (``"course"``,
        the score of ``nndl.course.c5w2.complete_analogy``)."""
        score = {"3cosadd": F.analogy_scores_3cosadd, "course": F.analogy_scores}.get(method)
        if score is None:
            raise ValueError(f"method must be '3cosadd' or 'course', got {method!r}")
        return self._top(score(self.E, self[a], self[b], self[c]), [a, b, c], k)

    def direction(self, pairs: Sequence[tuple[str, str]]) -> Array:
        """The mean of e_b − e_a over the pairs: a bias axis g such as he→she, man→woman."""
        if not pairs:
            raise ValueError("direction needs at least one pair of words")
        return np.mean([np.asarray(self[b], np.float64) - self[a] for a, b in pairs], axis=0)

    def debias(self, g: Array, neutral: Sequence[str] = (), pairs: Sequence[tuple[str, str]] = ()) -> "WordVectors":
        """New vectors (float64) with every word of ``neutral`` neutralized along g and every
        pair equalized about g (Course 5 week 2); the others unchanged."""
        g = np.asarray(g, dtype=np.float64).ravel()
        if g.shape != (self.E.shape[0],) or not np.any(g):
            raise ValueError(f"the bias direction g must be a non-zero vector of {self.E.shape[0]} numbers, "
                             f"got shape {g.shape}")
        E = self.E.astype(np.float64)
        for w in neutral:
            E[:, self._id(w)] = F.neutralize(E[:, self._id(w)], g)
        for w1, w2 in pairs:
            E[:, self._id(w1)], E[:, self._id(w2)] = F.equalize(E[:, self._id(w1)], E[:, self._id(w2)], g)
        return WordVectors(E, self.words)

    # ---------------------------------------------------------------- files
    def save(self, folder: str | os.PathLike) -> tuple[Path, Path]:
        """Write ``vectors.safetensors`` and ``vectors.txt`` (word2vec text) into ``folder``."""
        from safetensors.numpy import save
        folder = Path(folder)
        st = folder / "vectors.safetensors"
        txt = folder / "vectors.txt"
        atomic_write(st, save({"E": np.ascontiguousarray(self.E)}, metadata={"words": json.dumps(self.words)}))
        lines = [f"{len(self.words)} {self.E.shape[0]}"]
        lines += [w + " " + " ".join(f"{x:.6g}" for x in self.E[:, i]) for i, w in enumerate(self.words)]
        atomic_write(txt, "\n".join(lines) + "\n")
        return st, txt

    @classmethod
    def load(cls, path: str | os.PathLike) -> "WordVectors":
        """Vectors from a ``vectors.safetensors`` or a word2vec text file."""
        path = Path(path)
        if path.suffix == ".safetensors":
            from safetensors import safe_open
            with safe_open(str(path), framework="numpy") as f:
                meta = f.metadata() or {}
                if "words" not in meta or "E" not in f.keys():
                    raise ValueError(f"{path} holds no word vectors (expected a tensor E and words in its metadata)")
                return cls(f.get_tensor("E"), json.loads(meta["words"]))
        return cls.read_text(path)

    @classmethod
    def read_text(cls, path: str | os.PathLike) -> "WordVectors":
        """Vectors from word2vec's text format ("V n_e", then "word x1 … x_n_e" per line)."""
        with open(path, encoding="utf-8") as f:
            head = f.readline().split()
            if len(head) != 2 or not all(s.isdigit() for s in head):
                raise ValueError(f"{path}: the first line must be 'V n_e', got {' '.join(head)!r}")
            V, n_e = map(int, head)
            words, rows = [], []
            for line_no, line in enumerate(f, start=2):
                parts = line.rstrip("\n").split(" ")
                if len(parts) != n_e + 1:
                    raise ValueError(f"{path}:{line_no}: expected a word and {n_e} numbers, got {len(parts) - 1}")
                words.append(parts[0])
                rows.append(np.array(parts[1:], dtype=np.float32))
        if len(words) != V:
            raise ValueError(f"{path}: the header announces {V} words, the file holds {len(words)}")
        return cls(np.stack(rows, axis=1) if rows else np.zeros((n_e, 0), np.float32), words)


# Ten analogies the King James Bible's vocabulary can answer: gender, number, tense.
KJV_ANALOGIES = (("man", "woman", "king", "queen"), ("father", "mother", "son", "daughter"),
                 ("brother", "sister", "son", "daughter"), ("he", "she", "him", "her"),
                 ("son", "sons", "daughter", "daughters"), ("king", "kings", "priest", "priests"),
                 ("city", "cities", "nation", "nations"), ("day", "days", "year", "years"),
                 ("go", "went", "come", "came"), ("say", "said", "speak", "spake"))


def evaluate_analogies(wv: WordVectors, analogies: Sequence[tuple[str, str, str, str]] = KJV_ANALOGIES,
                       k: int = 5, method: str = "3cosadd") -> list[dict]:
    """For each a : b :: c : d, the top k answers of ``wv.analogy(a, b, c, k, method)`` and
    whether d is among them; a question with a word outside the vocabulary counts as unsolved."""
    out = []
    for a, b, c, d in analogies:
        try:
            top = [w for w, _ in wv.analogy(a, b, c, k, method)]
        except KeyError:
            top = []
        out.append({"question": f"{a}:{b}::{c}:{d}", "top": top, "solved": d in top})
    return out
