"""Course 4, week 4: face recognition (triplet loss) and neural style transfer (costs).

    triplet_loss:             Σ_i max(‖f(A_i) − f(P_i)‖² − ‖f(A_i) − f(N_i)‖² + α, 0)
    compute_content_cost:     1/(4·n_H·n_W·n_C) · Σ (a_C − a_G)²
    gram_matrix:              G = A·Aᵀ for an unrolled layer A (n_C, n_H·n_W)
    compute_layer_style_cost: 1/(4·n_C²·(n_H·n_W)²) · Σ (G_S − G_G)²
    compute_style_cost:       Σ_l λ[l]·J_style[l] over STYLE_LAYERS
    total_cost:               α·J_content + β·J_style

The assignment's signatures and values, with NumPy arrays where it passes tensors: encodings
as rows (m, 128), activations (1, n_H, n_W, n_C), model outputs as lists of activations (the
content layer last). The math, with gradients, is ``nndl.functional.triplet`` and ``.style``.
"""

from __future__ import annotations

import numpy as np

from ..functional import style as S
from ..functional.triplet import triplet_loss as _triplet_loss
from ._common import as_float

Array = np.ndarray

STYLE_LAYERS = [("block1_conv1", 0.2), ("block2_conv1", 0.2), ("block3_conv1", 0.2),
                ("block4_conv1", 0.2), ("block5_conv1", 0.2)]


def triplet_loss(y_true, y_pred, alpha: float = 0.2) -> float:
    """y_pred = (anchor, positive, negative), encodings as rows (m, 128) (or one encoding (128,));
    y_true is not used. Returns the loss summed over the m triplets."""
    anchor, positive, negative = (np.atleast_2d(as_float(np.asarray(x, dtype=float))).T for x in y_pred)
    return _triplet_loss(anchor, positive, negative, alpha)[0]


def _last(output) -> Array:
    """The content layer's activations: the output itself (1, n_H, n_W, n_C), or the last of a
    list of layer outputs."""
    a = np.asarray(output) if not isinstance(output, (list, tuple)) else None
    if a is not None and a.ndim == 4:
        return as_float(a)
    return as_float(np.asarray(output[-1]))


def compute_content_cost(content_output, generated_output) -> float:
    """J_content for the content and generated images' activations (the last layer of each
    output list, or the activations (1, n_H, n_W, n_C) themselves)."""
    return S.content_cost(_last(content_output), _last(generated_output))[0]


def gram_matrix(A: Array) -> Array:
    """G_A = A·Aᵀ for A (n_C, n_H·n_W). Returns (n_C, n_C)."""
    return S.gram_matrix(as_float(A))


def compute_layer_style_cost(a_S: Array, a_G: Array) -> float:
    """J_style[l] for the style and generated images' activations (1, n_H, n_W, n_C)."""
    return S.layer_style_cost(as_float(a_S), as_float(a_G))[0]


def compute_style_cost(style_image_output, generated_image_output, STYLE_LAYERS=STYLE_LAYERS) -> float:
    """Σ_l λ[l]·J_style[l] over the style layers: the outputs are lists of activations whose
    last element (the content layer) is left out, as in the assignment."""
    a_S = [as_float(np.asarray(a)) for a in list(style_image_output)[:-1]]
    a_G = [as_float(np.asarray(a)) for a in list(generated_image_output)[:-1]]
    n = min(len(a_S), len(STYLE_LAYERS))  # the assignment zips the two
    return S.style_cost(a_S[:n], a_G[:n], [coeff for _, coeff in STYLE_LAYERS][:n])[0]


def total_cost(J_content: float, J_style: float, alpha: float = 10, beta: float = 40) -> float:
    """J = α·J_content + β·J_style."""
    return S.total_cost(J_content, J_style, alpha, beta)
