"""Word-vector geometry (Course 5 week 2): cosine similarity, analogies and debiasing.

Vectors are 1-D arrays of n_e numbers (one word); a vocabulary is a matrix E (n_e, V)
whose column v is the vector of word v.

    cos(u, v)   = u·v / (‖u‖‖v‖)                    (0 when a norm is 0, 1 when u = v)
    neutralize: e − (e·g / ‖g‖²)·g                    (remove the component along g)
    equalize:   the pair moved symmetrically about the axis g, both of norm 1, with the
                same component orthogonal to g (Bolukbasi et al. 2016)
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def cosine_similarity(u: Array, v: Array) -> float:
    """cos θ = u·v / (‖u‖‖v‖); 1 when u equals v exactly, 0 when either norm is 0."""
    u, v = np.asarray(u, dtype=np.float64).ravel(), np.asarray(v, dtype=np.float64).ravel()
    if u.shape != v.shape:
        raise ValueError(f"u and v must have the same length, got {u.shape} and {v.shape}")
    if np.array_equal(u, v):
        return 1.0
    norms = np.linalg.norm(u) * np.linalg.norm(v)
    if np.isclose(norms, 0, atol=1e-32):
        return 0.0
    return float(u @ v / norms)


def cosine_similarities(E: Array, u: Array) -> Array:
    """cos(E[:, v], u) for every column v of E (n_e, V) at once (same rules as
    ``cosine_similarity``). Returns (V,) float64."""
    E = np.asarray(E, dtype=np.float64)
    u = np.asarray(u, dtype=np.float64).ravel()
    if E.ndim != 2 or E.shape[0] != u.size:
        raise ValueError(f"E must have shape (n_e, V) with n_e = {u.size}, got {E.shape}")
    norms = np.linalg.norm(E, axis=0) * np.linalg.norm(u)
    dots = u @ E
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.where(np.isclose(norms, 0, atol=1e-32), 0.0, dots / norms)
    cos[(E == u[:, None]).all(axis=0)] = 1.0
    return cos


def analogy_scores(E: Array, e_a: Array, e_b: Array, e_c: Array) -> Array:
    """a : b :: c : w  scored as cos(e_b − e_a, e_w − e_c) for every column w of E (V,)."""
    e_a, e_b, e_c = (np.asarray(e, dtype=np.float64).ravel() for e in (e_a, e_b, e_c))
    return cosine_similarities(np.asarray(E, dtype=np.float64) - e_c[:, None], e_b - e_a)


def neutralize(e: Array, g: Array) -> Array:
    """e − (e·g / ‖g‖²)·g: e with its component along the bias axis g removed."""
    e, g = np.asarray(e), np.asarray(g)
    if e.shape != g.shape:
        raise ValueError(f"e and g must have the same shape, got {e.shape} and {g.shape}")
    return e - (e @ g) / (g @ g) * g


def equalize(e_w1: Array, e_w2: Array, g: Array) -> tuple[Array, Array]:
    """Equalize a pair about the bias axis g (the course's equations):

        μ = (e_w1 + e_w2)/2,  μ_B = (μ·g/‖g‖²)·g,  μ_⊥ = μ − μ_B
        e_wiB = (e_wi·g/‖g‖²)·g
        e_wiB' = √|1 − ‖μ_⊥‖²| · (e_wiB − μ_B) / ‖e_wi − μ_⊥ − μ_B‖
        e_i = e_wiB' + μ_⊥

    Returns (e_1, e_2)."""
    e_w1, e_w2, g = (np.asarray(x, dtype=np.float64) for x in (e_w1, e_w2, g))
    gg = g @ g
    mu = (e_w1 + e_w2) / 2
    mu_B = (mu @ g) / gg * g
    mu_orth = mu - mu_B
    scale = np.sqrt(np.abs(1 - mu_orth @ mu_orth))
    out = []
    for e in (e_w1, e_w2):
        e_B = (e @ g) / gg * g
        out.append(scale * (e_B - mu_B) / np.linalg.norm(e - mu_orth - mu_B) + mu_orth)
    return out[0], out[1]
