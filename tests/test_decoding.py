"""Sampling with temperature and top-k, greedy decoding and beam search on a hand-built
Markov 'model' whose best sequences are known by enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nndl.decoding import beam_search, greedy_decode, sample_next

# token 0 = start, 3 = end; row = previous token, column = next token
P = np.array([[0.0, 0.5, 0.4, 0.1],
              [0.0, 0.35, 0.35, 0.3],
              [0.0, 0.05, 0.05, 0.9],
              [0.0, 0.0, 0.0, 1.0]])
LOGP = np.log(np.maximum(P, 1e-300))


def markov_step(tokens, state):
    return LOGP[tokens].T, state          # (V, B): one column per sequence


def test_sample_frequencies_temperature_and_top_k():
    rng = np.random.default_rng(0)
    probs = np.array([[0.1], [0.2], [0.7], [0.0]])
    draws = np.concatenate([sample_next(np.repeat(probs, 1000, axis=1), rng) for _ in range(20)])
    freq = np.bincount(draws, minlength=4) / draws.size
    np.testing.assert_allclose(freq, probs[:, 0], atol=0.01)          # 20,000 draws: σ ≈ 0.003
    assert freq[3] == 0.0
    hot = sample_next(np.repeat(probs, 2000, axis=1), rng, temperature=0.5)
    expected = probs[:, 0] ** 2 / (probs[:, 0] ** 2).sum()            # p^(1/τ), renormalised
    np.testing.assert_allclose(np.bincount(hot, minlength=4) / hot.size, expected, atol=0.02)
    top2 = sample_next(np.repeat(probs, 2000, axis=1), rng, top_k=2)
    assert set(np.unique(top2)) == {1, 2}
    np.testing.assert_allclose(np.mean(top2 == 2), 0.7 / 0.9, atol=0.03)
    assert (sample_next(np.repeat(probs, 50, axis=1), rng, top_k=1) == 2).all()


def test_sample_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"\(V, m\)"):
        sample_next(np.ones(3) / 3, rng)
    with pytest.raises(ValueError, match="temperature"):
        sample_next(np.ones((3, 1)) / 3, rng, temperature=0)
    with pytest.raises(ValueError, match="top_k"):
        sample_next(np.ones((3, 1)) / 3, rng, top_k=4)


def test_greedy_follows_the_argmax():
    out = greedy_decode(markov_step, None, np.array([0, 2]), max_len=5, end_token=3)
    # from 0: 1 (0.5), then 1 (0.35, the first of a tie), ...; from 2: 3 at once
    np.testing.assert_array_equal(out[1], [3, 3, 3, 3, 3][:out.shape[1]])
    assert out[0, 0] == 1 and out[0, 1] == 1


def _exhaustive(max_len, alpha):
    best = []
    for T in range(1, max_len + 1):
        for seq in itertools.product([1, 2, 3], repeat=T):
            if 3 in seq[:-1] or (seq[-1] != 3 and T < max_len):
                continue
            lp = sum(LOGP[a, b] for a, b in zip((0,) + seq[:-1], seq))
            best.append((lp / T ** alpha, list(seq)))
    return max(best)


@pytest.mark.parametrize("alpha", [0.0, 0.7, 1.0])
def test_wide_beam_finds_the_exhaustive_best(alpha):
    hyps = beam_search(markov_step, None, 0, 3, beam_width=30, max_len=4, alpha=alpha)
    score, seq = _exhaustive(4, alpha)
    assert hyps[0].tokens == seq
    assert hyps[0].score == pytest.approx(score)


def test_beam_beats_greedy_and_reorders_state():
    # greedy takes 1 (0.5) first; the best sequence is 2, 3 (0.4 · 0.9 = 0.36)
    seen = []

    def step(tokens, state):
        seen.append(state.copy())
        assert state.shape == (1, tokens.size)
        return LOGP[tokens].T, tokens[None, :].astype(float)   # state: last token per beam

    hyps = beam_search(step, np.zeros((1, 1)), 0, 3, beam_width=2, max_len=5, alpha=0.0)
    assert hyps[0].tokens == [2, 3]
    assert hyps[0].log_prob == pytest.approx(np.log(0.36))
    assert greedy_decode(markov_step, None, np.array([0]), 1)[0, 0] == 1
