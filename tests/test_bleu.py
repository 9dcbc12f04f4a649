"""BLEU against hand computations and, where installed, nltk's implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nndl.bleu import corpus_bleu, sentence_bleu

REF = "the cat is on the mat".split()


def test_modified_unigram_precision_clips_counts():
    # Papineni et al.'s example: 7 × "the", "the" occurs at most twice in the reference → 2/7
    hyp = ["the"] * 7
    assert sentence_bleu([REF], hyp, max_n=1) == pytest.approx(2 / 7)


def test_hand_computed_bigram_bleu():
    # unigrams 5/6 (sat is new), bigrams 3/5 (the cat, on the, the mat); c = r = 6 → BP = 1
    hyp = "the cat sat on the mat".split()
    assert sentence_bleu([REF], hyp, max_n=2) == pytest.approx(math.sqrt(5 / 6 * 3 / 5))


def test_brevity_penalty_and_closest_reference():
    hyp = "the cat".split()
    assert sentence_bleu([REF], hyp, max_n=2) == pytest.approx(math.exp(1 - 6 / 2))
    # the closer reference (length 3) sets r: BP = exp(1 − 3/2)
    assert sentence_bleu([REF, "the cat sat".split()], hyp, max_n=2) == pytest.approx(math.exp(1 - 3 / 2))
    assert sentence_bleu([REF], REF) == 1.0
    assert sentence_bleu([REF], "dogs bark loudly here".split()) == 0.0


def test_corpus_bleu_pools_counts_not_scores():
    hyps = ["the cat sat on the mat".split(), ["the"] * 7]
    refs = [[REF], [REF]]
    # unigrams (5 + 2)/(6 + 7); c = 13 > r = 12 → BP = 1
    assert corpus_bleu(refs, hyps, max_n=1) == pytest.approx(7 / 13)
    with pytest.raises(ValueError, match="one list of references per hypothesis"):
        corpus_bleu(refs, hyps[:1])


def test_matches_nltk_on_random_sentences():
    nltk_bleu = pytest.importorskip("nltk.translate.bleu_score", reason="nltk is not installed")
    rng = np.random.default_rng(0)
    vocab = list("abc")
    refs, hyps = [], []
    for _ in range(30):
        refs.append([list(rng.choice(vocab, rng.integers(5, 12))) for _ in range(rng.integers(1, 4))])
        hyps.append(list(rng.choice(vocab, rng.integers(4, 12))))
    ours = corpus_bleu(refs, hyps)
    assert ours > 0.05
    assert ours == pytest.approx(nltk_bleu.corpus_bleu(refs, hyps), rel=1e-12)
    for r, h in zip(refs[:10], hyps[:10]):
        ours = sentence_bleu(r, h, max_n=2)
        assert ours > 0
        theirs = nltk_bleu.sentence_bleu(r, h, weights=(0.5, 0.5))
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-300)
