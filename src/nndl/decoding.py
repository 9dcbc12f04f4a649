"""Generating sequences from a model's next-token distribution.

* ``sample_next``: draw the next token from probabilities, sharpened or flattened by a
  temperature and optionally cut to the k most likely tokens.
* ``greedy_decode``: take the most likely token at every step.
* ``beam_search``: keep the ``beam_width`` best partial sequences; score finished ones by the
  course's length-normalised log-likelihood (1/T_y^α)·Σ_t log P(y⟨t⟩ | x, y⟨<t⟩).

A *step function* ``step(tokens, state) -> (log_probs, state)`` runs the model one step:
tokens (B,) integers (the previous output of each sequence), log_probs (V, B) — columns are
sequences, as everywhere in nndl — and the state whatever the model carries (hidden states,
encoder outputs). Beam search reorders the state with ``reorder(state, index)``; by default
the state is an array or a tuple/list of arrays with the sequences on the last axis (the
course's (n_a, m)), or None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

Array = np.ndarray
StepFn = Callable[[Array, Any], tuple[Array, Any]]


def sample_next(probs: Array, rng: np.random.Generator, temperature: float = 1.0,
                top_k: int | None = None) -> Array:
    """Draw one token per column of ``probs`` (V, m).

    Temperature τ rescales the distribution as p^(1/τ) / Σ p^(1/τ) (= softmax(logits/τ)):
    τ < 1 sharpens it, τ > 1 flattens it. ``top_k`` keeps the k most likely tokens of each
    column and renormalises. Returns the drawn ids (m,) int64.
    """
    P = np.asarray(probs, dtype=np.float64)
    if P.ndim != 2:
        raise ValueError(f"probs must have shape (V, m) (one column per sequence), got {P.shape}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if np.any(P < 0) or not np.all(np.isfinite(P)):
        raise ValueError("probs must be finite and non-negative")
    V, m = P.shape
    logp = np.log(np.maximum(P, np.finfo(np.float64).tiny)) / temperature
    logp[P == 0] = -np.inf
    if top_k is not None:
        if not 1 <= top_k <= V:
            raise ValueError(f"top_k must be in [1, {V}], got {top_k}")
        kth = np.partition(logp, V - top_k, axis=0)[V - top_k]       # k-th largest per column
        logp[logp < kth] = -np.inf
    logp -= logp.max(axis=0, keepdims=True)
    Q = np.exp(logp)
    Q /= Q.sum(axis=0, keepdims=True)
    cdf = np.cumsum(Q, axis=0)
    u = rng.random(m) * cdf[-1]
    ids = (cdf < u).sum(axis=0)                                      # inverse-CDF draw per column
    return np.minimum(ids, V - 1).astype(np.int64)


def greedy_decode(step: StepFn, state: Any, start_tokens: Array, max_len: int,
                  end_token: int | None = None) -> Array:
    """y⟨t⟩ = argmax_v log P(v | y⟨<t⟩) for t = 1 … max_len, for m sequences at once.

    start_tokens: (m,) ints. Returns (m, T) ids; after ``end_token`` a sequence repeats it.
    """
    tokens = np.asarray(start_tokens, dtype=np.int64).reshape(-1)
    out = np.empty((tokens.size, max_len), dtype=np.int64)
    done = np.zeros(tokens.size, dtype=bool)
    for t in range(max_len):
        log_probs, state = step(tokens, state)
        tokens = np.asarray(log_probs).argmax(axis=0)
        if end_token is not None:
            tokens = np.where(done, end_token, tokens)
            done |= tokens == end_token
        out[:, t] = tokens
        if end_token is not None and done.all():
            return out[:, :t + 1]
    return out


def _take(state: Any, index: Array) -> Any:
    if state is None:
        return None
    if isinstance(state, np.ndarray):
        return state[..., index]
    if isinstance(state, (tuple, list)):
        return type(state)(_take(s, index) for s in state)
    raise ValueError("beam_search cannot reorder this state: pass reorder(state, index)")


@dataclass
class Hypothesis:
    """A finished beam: its tokens (without the start token), Σ log P and normalised score."""

    tokens: list[int]
    log_prob: float
    score: float


def beam_search(step: StepFn, state: Any, start_token: int, end_token: int | None,
                beam_width: int = 3, max_len: int = 20, alpha: float = 0.7,
                reorder: Callable[[Any, Array], Any] | None = None) -> list[Hypothesis]:
    """Beam search for one input sequence (the B beams run as a batch of B).

    At each step every beam is extended by every token, the ``beam_width`` best of the
    B·V candidates (by Σ log P) are kept, and a beam that emits ``end_token`` (or reaches
    ``max_len``) is finished and scored by Σ log P / T_y^α (α = 0: no normalisation, α = 1:
    the mean; the course uses α ≈ 0.7). ``state`` is the model state for ONE sequence
    (batch of 1). Returns the finished hypotheses, best score first.
    """
    if beam_width < 1 or max_len < 1:
        raise ValueError(f"beam_width and max_len must be ≥ 1, got {beam_width} and {max_len}")
    reorder = reorder or _take
    tokens = np.array([start_token], dtype=np.int64)
    sums = np.zeros(1)
    seqs: list[list[int]] = [[]]
    finished: list[Hypothesis] = []
    for t in range(1, max_len + 1):
        log_probs, state = step(tokens, state)
        log_probs = np.asarray(log_probs, dtype=np.float64)
        V, B = log_probs.shape
        total = (sums[None, :] + log_probs).ravel(order="F")          # candidate (beam b, token v) at b·V + v
        k = min(beam_width, total.size)
        best = np.argpartition(-total, k - 1)[:k]
        best = best[np.argsort(-total[best], kind="stable")]
        beam, token = best // V, best % V
        keep = []
        for b, v, s in zip(beam, token, total[best]):
            seq = seqs[b] + [int(v)]
            if (end_token is not None and v == end_token) or t == max_len:
                finished.append(Hypothesis(seq, float(s), float(s) / len(seq) ** alpha))
            else:
                keep.append((b, v, s, seq))
        if not keep or len(finished) >= beam_width:
            break
        index = np.array([b for b, _, _, _ in keep])
        tokens = np.array([v for _, v, _, _ in keep], dtype=np.int64)
        sums = np.array([s for _, _, s, _ in keep])
        seqs = [seq for _, _, _, seq in keep]
        state = reorder(state, index)
    return sorted(finished, key=lambda h: -h.score)
