"""Neural style transfer costs (Course 4, week 4, Gatys et al.), each with its gradient.

Activations of one layer for one image: a (1, n_H, n_W, n_C). "Unrolled", the layer is the
matrix A (n_C, n_H·n_W) whose row c lists channel c at every position; its Gram matrix
G = A·Aᵀ (n_C, n_C) holds how strongly each pair of channels fires together (the style).
Gradients are with respect to the generated image's activations a_G.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _one_image(name: str, a: Array) -> Array:
    a = np.asarray(a)
    if a.ndim != 4 or a.shape[0] != 1:
        raise ValueError(f"{name} must be one image's activations (1, n_H, n_W, n_C), got shape {a.shape}")
    return a


def unroll(a: Array) -> Array:
    """(1, n_H, n_W, n_C) → A (n_C, n_H·n_W): row c is channel c at every position (row-major)."""
    return _one_image("a", a).reshape(-1, a.shape[-1]).T


def gram_matrix(A: Array) -> Array:
    """G = A·Aᵀ. A: (n_C, n_H·n_W). Returns G (n_C, n_C)."""
    A = np.asarray(A)
    if A.ndim != 2:
        raise ValueError(f"gram_matrix takes an unrolled layer (n_C, n_H·n_W), got shape {A.shape}")
    return A @ A.T


def gram_matrix_backward(dG: Array, A: Array) -> Array:
    """dA = (dG + dGᵀ)·A, the gradient of Σ dG ⊙ (A·Aᵀ). dG: (n_C, n_C); A: (n_C, n_H·n_W)."""
    return (dG + dG.T) @ A


def content_cost(a_C: Array, a_G: Array) -> tuple[float, Array]:
    """J_content = 1/(4·n_H·n_W·n_C) · Σ (a_C − a_G)², and ∂J/∂a_G = (a_G − a_C)/(2·n_H·n_W·n_C).

    a_C, a_G: (1, n_H, n_W, n_C), the content and generated images' activations."""
    a_C, a_G = _one_image("a_C", a_C), _one_image("a_G", a_G)
    if a_C.shape != a_G.shape:
        raise ValueError(f"a_C and a_G must share a shape, got {a_C.shape} and {a_G.shape}")
    _, n_H, n_W, n_C = a_G.shape
    D = a_G - a_C
    return float(np.sum(D * D) / (4 * n_H * n_W * n_C)), D / (2 * n_H * n_W * n_C)


def layer_style_cost(a_S: Array, a_G: Array) -> tuple[float, Array]:
    """J_style[l] = 1/(4·n_C²·(n_H·n_W)²) · Σ (G_S − G_G)², G = gram_matrix(unroll(a)).

    ∂J/∂G_G = (G_G − G_S)/(2·n_C²·(n_H·n_W)²), taken back through the Gram matrix and the
    unrolling. a_S, a_G: (1, n_H, n_W, n_C). Returns (J, ∂J/∂a_G (1, n_H, n_W, n_C)).
    """
    a_S, a_G = _one_image("a_S", a_S), _one_image("a_G", a_G)
    if a_S.shape != a_G.shape:
        raise ValueError(f"a_S and a_G must share a shape, got {a_S.shape} and {a_G.shape}")
    _, n_H, n_W, n_C = a_G.shape
    A_G = unroll(a_G)
    diff = gram_matrix(A_G) - gram_matrix(unroll(a_S))
    scale = 4 * n_C ** 2 * (n_H * n_W) ** 2
    dA_G = gram_matrix_backward(2 * diff / scale, A_G)
    return float(np.sum(diff * diff) / scale), dA_G.T.reshape(a_G.shape)


def style_cost(a_S_layers, a_G_layers, weights) -> tuple[float, list[Array]]:
    """J_style = Σ_l λ[l]·J_style[l] over the chosen layers.

    a_S_layers, a_G_layers: lists of (1, n_H, n_W, n_C) activations, one per layer; weights:
    the λ[l] (same length). Returns (J, [∂J/∂a_G[l] for each layer])."""
    a_S_layers, a_G_layers, weights = list(a_S_layers), list(a_G_layers), list(weights)
    if not len(a_S_layers) == len(a_G_layers) == len(weights):
        raise ValueError(f"expected as many style and generated activations as weights, got "
                         f"{len(a_S_layers)}, {len(a_G_layers)} and {len(weights)}")
    J, grads = 0.0, []
    for a_S, a_G, lam in zip(a_S_layers, a_G_layers, weights):
        J_l, dG = layer_style_cost(a_S, a_G)
        J += lam * J_l
        grads.append(lam * dG)
    return J, grads


def total_cost(J_content: float, J_style: float, alpha: float = 10, beta: float = 40) -> float:
    """J(G) = α·J_content(C, G) + β·J_style(S, G); its gradient is α·∂J_content + β·∂J_style."""
    return alpha * J_content + beta * J_style
