"""Skip-gram with negative sampling (word2vec, Mikolov et al. 2013): scores, loss, sampling laws.

Two matrices of word vectors, one column per word of a vocabulary of V words:
E (n_e, V) the centre (input) vectors e_c — the word vectors kept — and θ (n_e, V) the
context (output) vectors θ_t, the course's p(t | c) = softmax(θ_tᵀ e_c) made binary. For
m examples, a centre id c (m,), its context id o (m,) and K negative ids (m, K):

    targets  T = [o, n_1 … n_K]   (m, 1 + K);   logits  Z[k, i] = θ_{T[i,k]} · e_{c[i]}   (1 + K, m)
    J = (1/m) Σ_i [ −log σ(Z[0, i]) − Σ_{k≥1} log σ(−Z[k, i]) ]

which is the binary cross-entropy of σ(Z) against Y = [1, 0 … 0] summed over the 1 + K rows.
With dZ = σ(Z) − Y the gradients are scatter-adds of embedding gradients:

    dθ[:, T[i,k]] += dZ[k, i] · e_{c[i]}      dE[:, c[i]] += Σ_k dZ[k, i] · θ_{T[i,k]}

The sampling laws: negatives from the unigram counts raised to 3/4, P(w) ∝ count(w)^0.75;
a frequent word is kept with probability min(1, √(t / f(w))), f its relative frequency
(subsampling of frequent words, the paper's formula).
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid
from .embedding import embedding_forward, scatter_add_columns

Array = np.ndarray


def skipgram_scores(centers: Array, targets: Array, E: Array, theta: Array) -> tuple[Array, tuple]:
    """Z[k, i] = θ[:, targets[i, k]] · E[:, centers[i]].

    centers (m,) int, targets (m, 1 + K) int (column 0 the context, then the negatives),
    E and θ (n_e, V). Returns (Z (1 + K, m) in E's dtype, cache). The vectors are gathered
    as rows (the embedding lookup of ``embedding_forward``, kept in its (…, n_e) storage) and
    the m·(1 + K) dot products are one batched matrix product."""
    centers, targets = np.asarray(centers), np.asarray(targets)
    E, theta = np.asarray(E), np.asarray(theta)
    if E.ndim != 2 or theta.shape != E.shape:
        raise ValueError(f"E and theta must both have shape (n_e, V), got {E.shape} and {theta.shape}")
    if centers.ndim != 1 or targets.ndim != 2 or targets.shape[0] != centers.shape[0]:
        raise ValueError(f"centers must have shape (m,) and targets (m, 1 + K), got {centers.shape} "
                         f"and {targets.shape}")
    e, _ = embedding_forward(centers[None, :], E)             # (n_e, 1, m), stored (m, 1, n_e)
    t, _ = embedding_forward(targets.T, theta)                # (n_e, 1 + K, m), stored (m, 1 + K, n_e)
    rows_e = np.transpose(e, (2, 1, 0))                       # (m, 1, n_e) contiguous
    rows_t = np.transpose(t, (2, 1, 0))                       # (m, 1 + K, n_e) contiguous
    Z = np.matmul(rows_t, rows_e.transpose(0, 2, 1))[:, :, 0].T   # (1 + K, m)
    return Z, (centers, targets, rows_e, rows_t, E.shape[1])


def skipgram_scores_backward(dZ: Array, cache: tuple, out: tuple[Array, Array] | None = None) -> tuple[Array, Array]:
    """dE and dθ (n_e, V) from dZ (1 + K, m), summed over the examples (no 1/m), by the
    embedding scatter-add (``scatter_add_columns``); written into ``out = (dE, dθ)`` if given."""
    centers, targets, rows_e, rows_t, V = cache
    dZ = np.asarray(dZ)
    if dZ.shape != targets.shape[::-1]:
        raise ValueError(f"dZ must have shape {targets.shape[::-1]}, got {dZ.shape}")
    dZt = np.ascontiguousarray(dZ.T)[:, None, :]               # (m, 1, 1 + K)
    rows_de = np.matmul(dZt, rows_t)[:, 0, :]                  # Σ_k dZ[k,i]·θ_{T[i,k]}   (m, n_e)
    rows_dt = dZt.transpose(0, 2, 1) * rows_e                  # dZ[k,i]·e_{c[i]}   (m, 1 + K, n_e)
    dE_out, dth_out = out if out is not None else (None, None)
    dE = scatter_add_columns(centers, rows_de, V, out=dE_out)
    dtheta = scatter_add_columns(targets.reshape(-1), rows_dt.reshape(-1, rows_dt.shape[2]), V, out=dth_out)
    return dE, dtheta


def log_sigmoid(Z: Array) -> Array:
    """log σ(Z) = −log(1 + e^(−Z)), exact for any |Z|."""
    return -np.logaddexp(0, -np.asarray(Z))


def skipgram_loss(centers: Array, contexts: Array, negatives: Array, E: Array,
                  theta: Array) -> tuple[float, Array, Array]:
    """J = (1/m) Σ_i [−log σ(θ_o·e_c) − Σ_k log σ(−θ_{n_k}·e_c)] and its gradients.

    centers, contexts (m,) int; negatives (m, K) int; E, θ (n_e, V). Returns (J, dE, dθ),
    the gradients in E's dtype."""
    contexts, negatives = np.asarray(contexts), np.asarray(negatives)
    if contexts.ndim != 1 or negatives.ndim != 2 or negatives.shape[0] != contexts.shape[0]:
        raise ValueError(f"contexts must have shape (m,) and negatives (m, K), got {contexts.shape} "
                         f"and {negatives.shape}")
    Z, cache = skipgram_scores(centers, np.concatenate([contexts[:, None], negatives], axis=1), E, theta)
    m = Z.shape[1]
    sign = np.ones((Z.shape[0], 1), Z.dtype)
    sign[1:] = -1                                              # +z for the context, −z for negatives
    J = float(-log_sigmoid(sign * Z).sum() / m)
    Y = np.zeros_like(Z)
    Y[0] = 1
    dZ = (sigmoid(Z)[0] - Y) / m                               # ∂J/∂Z = (σ(Z) − Y)/m
    dE, dtheta = skipgram_scores_backward(dZ, cache)
    return J, dE, dtheta


def negative_sampling_distribution(counts: Array, power: float = 0.75) -> Array:
    """P(w) = count(w)^power / Σ_v count(v)^power (V,) float64; words never seen get 0."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or (counts < 0).any() or counts.sum() <= 0:
        raise ValueError(f"counts must be a (V,) vector of non-negative counts with a positive sum, "
                         f"got shape {counts.shape}")
    weights = counts ** power
    return weights / weights.sum()


def subsampling_keep_probability(counts: Array, t: float = 1e-4) -> Array:
    """min(1, √(t / f(w))) with f(w) = count(w) / Σ counts (V,) float64: the chance that an
    occurrence of w is kept (1 for words rarer than t, about √(t/f) for frequent ones)."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or (counts < 0).any() or counts.sum() <= 0:
        raise ValueError(f"counts must be a (V,) vector of non-negative counts with a positive sum, "
                         f"got shape {counts.shape}")
    if not t > 0:
        raise ValueError(f"the subsampling threshold t must be positive, got {t}")
    f = counts / counts.sum()
    with np.errstate(divide="ignore"):
        return np.minimum(1.0, np.sqrt(t / f))
