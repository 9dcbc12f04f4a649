"""A character-level language model of words (first names), as in Course 5 week 1's
dinosaur names: each word is read one character at a time and the model predicts the next.

A word w = c₁…c_n becomes the input ids [⟨s⟩, c₁, …, c_n] and the targets [c₁, …, c_n, ⟨/s⟩]
(``END`` = "\\n" is id 0 and serves as both), padded to T with a 0/1 mask (1 on the n + 1
real steps). The model is ``Embedding → LSTM (return_sequences) → TimeDistributed(Dense(V,
softmax))``; cross-entropy per character is −(1/N)·Σ log p(target) over the N unmasked steps
(nats). The baseline is the add-one-smoothed character bigram
P(b | a) = (count(a b) + 1) / (count(a) + V), measured on the same steps.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .decoding import sample_next

Array = np.ndarray
END = "\n"


def alphabet_of(words: Sequence[str]) -> list[str]:
    """The vocabulary: ``END`` (id 0) then the characters of ``words``, sorted."""
    return [END] + sorted(set("".join(words)) - {END})


def encode_words(words: Sequence[str], alphabet: Sequence[str], T: int | None = None) -> tuple[Array, Array, Array]:
    """(X ids (m, T), Y ids (m, T), mask (m, T)) for next-character prediction; T defaults to
    the longest word + 1. A character outside ``alphabet`` or a word longer than T − 1 is a
    ValueError."""
    index = {c: i for i, c in enumerate(alphabet)}
    longest = max((len(w) for w in words), default=0)
    T = longest + 1 if T is None else int(T)
    if longest + 1 > T:
        raise ValueError(f"a word of {longest} characters needs T >= {longest + 1}, got T = {T}")
    m = len(words)
    X, Y, mask = np.zeros((m, T), np.int64), np.zeros((m, T), np.int64), np.zeros((m, T), np.float32)
    for i, w in enumerate(words):
        try:
            ids = [index[c] for c in w]
        except KeyError as e:
            raise ValueError(f"the character {e.args[0]!r} of {w!r} is not in the alphabet") from None
        n = len(ids)
        X[i, 1:n + 1] = ids
        Y[i, :n] = ids
        mask[i, :n + 1] = 1
    return X, Y, mask


def cross_entropy_per_char(P: Array, Y: Array, mask: Array) -> float:
    """−(1/N)·Σ mask·log P[Y] for probabilities P (V, m, T), targets Y (m, T) and mask (m, T)."""
    m, T = Y.shape
    p = P[Y, np.arange(m)[:, None], np.arange(T)[None, :]]
    p = np.maximum(p.astype(np.float64), np.finfo(np.float64).tiny)
    return float(-(mask * np.log(p)).sum() / mask.sum())


def bigram_cross_entropy(train: Sequence[str], dev: Sequence[str], alphabet: Sequence[str]) -> float:
    """Dev cross-entropy per character (nats) of the add-one-smoothed character bigram fitted
    on ``train``: the same steps as the model's (⟨s⟩ → c₁ … c_n → ⟨/s⟩)."""
    V = len(alphabet)
    Xt, Yt, Mt = encode_words(train, alphabet)
    counts = np.ones((V, V))                                    # add-one
    np.add.at(counts, (Xt[Mt > 0], Yt[Mt > 0]), 1)
    logP = np.log(counts / counts.sum(axis=1, keepdims=True))   # P(next | previous)
    Xd, Yd, Md = encode_words(dev, alphabet)
    return float(-logP[Xd[Md > 0], Yd[Md > 0]].sum() / Md.sum())


def sample_words(model, alphabet: Sequence[str], n: int, rng: np.random.Generator,
                 temperature: float = 1.0, top_k: int | None = None) -> list[str]:
    """``n`` words drawn one character at a time from the model (ids (m, T) → P (V, m, T)),
    each step's distribution rescaled by ``temperature`` and cut to ``top_k``, until ⟨/s⟩ or
    T − 1 characters. The model is causal, so later (still empty) steps do not change step t."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    (T,) = model.input_shape
    X = np.zeros((n, T), np.int64)
    done = np.zeros(n, bool)
    words = [[] for _ in range(n)]
    for t in range(T):
        P = model.predict_proba(X)[:, :, t]                     # (V, n)
        ids = sample_next(P, rng, temperature, top_k)
        if t == T - 1:
            break
        for i in np.flatnonzero(~done):
            if ids[i] == 0:
                done[i] = True
            else:
                words[i].append(alphabet[ids[i]])
        if done.all():
            break
        X[:, t + 1] = np.where(done, 0, ids)
    return ["".join(w) for w in words]
