"""BLEU (Papineni et al. 2002; Course 5 week 3): modified n-gram precision with a brevity penalty.

    p_n = Σ_hyp Σ_ngram min(count_hyp, max_ref count_ref) / Σ_hyp Σ_ngram count_hyp
    BP  = 1 if c > r else exp(1 − r/c)        c: hypothesis length, r: the closest reference
    BLEU = BP · exp(Σ_n w_n log p_n),  w_n = 1/N (N = 4)

``corpus_bleu`` sums the clipped counts and lengths over the corpus before dividing (the
standard definition, not the mean of sentence scores). Without smoothing a precision of 0
makes BLEU 0. Tokens are any hashable items (words, characters, ids).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Sequence


def _ngrams(tokens: Sequence, n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _closest_ref_length(refs: Sequence[Sequence], c: int) -> int:
    return min((abs(len(r) - c), len(r)) for r in refs)[1]           # ties: the shorter reference


def corpus_bleu(list_of_references: Sequence[Sequence[Sequence]], hypotheses: Sequence[Sequence],
                max_n: int = 4, weights: Sequence[float] | None = None) -> float:
    """BLEU of a corpus: ``list_of_references[i]`` holds the references of ``hypotheses[i]``.

    Returns a float in [0, 1]."""
    if len(list_of_references) != len(hypotheses):
        raise ValueError(f"need one list of references per hypothesis, got "
                         f"{len(list_of_references)} lists for {len(hypotheses)} hypotheses")
    weights = [1.0 / max_n] * max_n if weights is None else list(weights)
    if len(weights) != max_n:
        raise ValueError(f"need {max_n} weights, got {len(weights)}")
    clipped = [0] * max_n
    total = [0] * max_n
    c = r = 0
    for refs, hyp in zip(list_of_references, hypotheses):
        if not refs:
            raise ValueError("every hypothesis needs at least one reference")
        c += len(hyp)
        r += _closest_ref_length(refs, len(hyp))
        for n in range(1, max_n + 1):
            counts = _ngrams(hyp, n)
            max_ref: Counter = Counter()
            for ref in refs:
                max_ref |= _ngrams(ref, n)                            # elementwise max of counts
            clipped[n - 1] += sum(min(k, max_ref[g]) for g, k in counts.items())
            total[n - 1] += sum(counts.values())
    if c == 0 or any(clipped[n] == 0 for n in range(max_n) if weights[n] > 0):
        return 0.0
    log_p = sum(w * math.log(clipped[n] / total[n]) for n, w in enumerate(weights) if w > 0)
    bp = 1.0 if c > r else math.exp(1 - r / c)
    return bp * math.exp(log_p)


def sentence_bleu(references: Sequence[Sequence], hypothesis: Sequence, max_n: int = 4,
                  weights: Sequence[float] | None = None) -> float:
    """BLEU of one hypothesis against its references (``corpus_bleu`` of a one-item corpus)."""
    return corpus_bleu([references], [hypothesis], max_n=max_n, weights=weights)
