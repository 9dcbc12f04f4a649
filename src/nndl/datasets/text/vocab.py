"""A vocabulary: tokens ↔ integer ids, with padding and the special tokens of sequence models.

id 0 is ``<pad>`` (so a padding mask is ``ids != 0``, 1 = kept), then ``<unk>``, ``<s>``
(start) and ``</s>`` (end), then the tokens by decreasing count (ties alphabetically), so
the same corpus always gives the same ids.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

import numpy as np

PAD, UNK, START, END = "<pad>", "<unk>", "<s>", "</s>"
SPECIALS = (PAD, UNK, START, END)


class Vocabulary:
    """Tokens ↔ ids. Build with ``Vocabulary.build(sequences, min_count=1, max_size=None)``."""

    def __init__(self, tokens: Sequence[str]):
        tokens = list(tokens)
        if tokens[:len(SPECIALS)] != list(SPECIALS):
            tokens = list(SPECIALS) + [t for t in tokens if t not in SPECIALS]
        if len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary's tokens must be distinct")
        self.itos = tokens
        self.stoi = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(cls, sequences: Iterable[Sequence[str]], min_count: int = 1,
              max_size: int | None = None) -> "Vocabulary":
        """The tokens of ``sequences`` seen at least ``min_count`` times, most frequent first
        (at most ``max_size`` besides the specials)."""
        counts = Counter(t for seq in sequences for t in seq)
        kept = sorted((t for t, c in counts.items() if c >= min_count and t not in SPECIALS),
                      key=lambda t: (-counts[t], t))
        return cls(list(SPECIALS) + kept[:max_size])

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def encode(self, tokens: Sequence[str], add_start: bool = False, add_end: bool = False) -> list[int]:
        """Ids of ``tokens`` (unknown ones → ``<unk>``), optionally framed by <s> … </s>."""
        unk = self.stoi[UNK]
        ids = [self.stoi.get(t, unk) for t in tokens]
        return ([self.stoi[START]] if add_start else []) + ids + ([self.stoi[END]] if add_end else [])

    def decode(self, ids: Iterable[int], strip_specials: bool = True) -> list[str]:
        """Tokens of ``ids``; stops at </s> and drops <pad>/<s> when ``strip_specials``."""
        out = []
        for i in ids:
            t = self.itos[int(i)]
            if strip_specials:
                if t == END:
                    break
                if t in (PAD, START):
                    continue
            out.append(t)
        return out

    def pad(self, sequences: Sequence[Sequence[int]], max_len: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Id sequences → (ids (m, T) int64 right-padded with 0, mask (m, T) float32, 1 = token)."""
        T = max_len if max_len is not None else max((len(s) for s in sequences), default=0)
        ids = np.zeros((len(sequences), T), dtype=np.int64)
        for i, s in enumerate(sequences):
            s = list(s)[:T]
            ids[i, :len(s)] = s
        return ids, (ids != 0).astype(np.float32)
