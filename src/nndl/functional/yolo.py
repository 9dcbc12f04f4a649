"""YOLO on an S×S grid with A anchor boxes (Course 4, week 3): targets, decoding, the loss.

Each grid cell and anchor predicts 5 + C numbers t = (t_o, t_x, t_y, t_w, t_h, t_1 … t_C):

    p_o = σ(t_o)                        the probability that an object's centre is in the cell
    x = (col + σ(t_x)) / S, y = (row + σ(t_y)) / S      the box centre, image fractions in [0, 1]
    w = a_w·e^(t_w),  h = a_h·e^(t_h)   the size, relative to the anchor (a_w, a_h)
    p(class i) = softmax(t_1 … t_C)_i

Predictions and targets have shape (m, S, S, A, 5 + C). Boxes given to and returned by these
functions are centre/size (x, y, w, h) in fractions of the image.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _sigmoid(Z: Array) -> Array:
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0, E) / (1.0 + E)


def anchor_iou(wh, anchors) -> Array:
    """IoU of boxes and anchors that share a centre: min(w, a_w)·min(h, a_h) / union.

    wh: (N, 2) sizes; anchors: (A, 2). Returns (N, A)."""
    wh, anchors = np.asarray(wh, dtype=np.float64), np.asarray(anchors, dtype=np.float64)
    inter = np.minimum(wh[:, None, 0], anchors[None, :, 0]) * np.minimum(wh[:, None, 1], anchors[None, :, 1])
    union = (wh[:, 0] * wh[:, 1])[:, None] + (anchors[:, 0] * anchors[:, 1])[None, :] - inter
    return inter / union


def assign_targets(boxes, classes, grid: int, anchors, n_classes: int, dtype=np.float32) -> Array:
    """The training targets Y (m, S, S, A, 5 + C) of a batch of images.

    boxes: (m, K, 4) centre/size boxes in image fractions; classes: (m, K) ints, −1 for the
    padding rows of images with fewer than K objects. Each object goes to the cell that holds
    its centre and to the anchor whose shape matches it best (largest ``anchor_iou``):
    Y[…, 0] = 1, Y[…, 1:3] = the centre's offset in the cell (in [0, 1)), Y[…, 3:5] =
    log(w/a_w), log(h/a_h), Y[…, 5:] = the one-hot class. Two objects that fall on the same
    cell and anchor share one slot (one of them is kept). Every other slot is all zeros.
    """
    boxes, classes, anchors = np.asarray(boxes), np.asarray(classes), np.asarray(anchors, dtype=np.float64)
    if boxes.ndim != 3 or boxes.shape[2] != 4 or classes.shape != boxes.shape[:2]:
        raise ValueError(f"expected boxes (m, K, 4) and classes (m, K), got {boxes.shape} and {classes.shape}")
    if anchors.ndim != 2 or anchors.shape[1] != 2:
        raise ValueError(f"anchors must have shape (A, 2), got {anchors.shape}")
    if classes.max(initial=-1) >= n_classes:
        raise ValueError(f"classes must be < n_classes = {n_classes}, got {int(classes.max())}")
    m = boxes.shape[0]
    Y = np.zeros((m, grid, grid, len(anchors), 5 + n_classes), dtype=dtype)
    img, k = np.nonzero(classes >= 0)
    b = boxes[img, k].astype(np.float64)
    if np.any(b[:, 2:] <= 0):
        raise ValueError("boxes must have positive width and height")
    col = np.clip(np.floor(b[:, 0] * grid), 0, grid - 1).astype(np.int64)
    row = np.clip(np.floor(b[:, 1] * grid), 0, grid - 1).astype(np.int64)
    a = anchor_iou(b[:, 2:], anchors).argmax(axis=1)
    target = np.zeros((len(img), 5 + n_classes))
    target[:, 0] = 1.0
    target[:, 1] = b[:, 0] * grid - col
    target[:, 2] = b[:, 1] * grid - row
    target[:, 3:5] = np.log(b[:, 2:] / anchors[a])
    target[np.arange(len(img)), 5 + classes[img, k]] = 1.0
    Y[img, row, col, a] = target
    return Y


def decode(P: Array, anchors) -> tuple[Array, Array, Array]:
    """Boxes, objectness and class probabilities from predictions P (m, S, S, A, 5 + C).

    Returns (boxes (m, S, S, A, 4) centre/size in image fractions, p_o (m, S, S, A, 1),
    class probabilities (m, S, S, A, C))."""
    _, S, S2, A, _ = P.shape
    anchors = np.asarray(anchors, dtype=P.dtype)
    cols = np.arange(S2, dtype=P.dtype)[None, None, :, None]
    rows = np.arange(S, dtype=P.dtype)[None, :, None, None]
    x = (cols + _sigmoid(P[..., 1])) / S2
    y = (rows + _sigmoid(P[..., 2])) / S
    w = anchors[:, 0] * np.exp(P[..., 3])
    h = anchors[:, 1] * np.exp(P[..., 4])
    logits = P[..., 5:]
    E = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return np.stack([x, y, w, h], axis=-1), _sigmoid(P[..., :1]), E / E.sum(axis=-1, keepdims=True)


def yolo_loss(P: Array, Y: Array, lambda_coord: float = 5.0, lambda_noobj: float = 0.5) -> tuple[float, Array]:
    """The YOLO cost over m images and its gradient with respect to the predictions.

    With 1_obj = Y[…, 0] (1 where a slot holds an object) and 1_noobj = 1 − 1_obj:

        J = (1/m) Σ [ λ_coord·1_obj·((σ(t_x) − x̂)² + (σ(t_y) − ŷ)² + (t_w − ŵ)² + (t_h − ĥ)²)
                     + 1_obj·BCE(σ(t_o), 1) + λ_noobj·1_noobj·BCE(σ(t_o), 0)
                     + 1_obj·CE(softmax(t_1…t_C), one-hot class) ]

    BCE and CE are computed from the logits (no log of 0). P, Y: (m, S, S, A, 5 + C).
    Returns (J, dP = ∂J/∂P (P's shape)); the layers' per-example gradient is m·dP.
    """
    if P.shape != Y.shape or P.ndim != 5 or P.shape[-1] < 6:
        raise ValueError(f"P and Y must share a shape (m, S, S, A, 5 + C), got {P.shape} and {Y.shape}")
    m = P.shape[0]
    obj = Y[..., 0]
    noobj = 1 - obj
    s_xy = _sigmoid(P[..., 1:3])
    d_xy = s_xy - Y[..., 1:3]
    d_wh = P[..., 3:5] - Y[..., 3:5]
    coord = np.sum(obj * (np.sum(d_xy ** 2, axis=-1) + np.sum(d_wh ** 2, axis=-1)))
    t_o = P[..., 0]
    confidence = np.sum(obj * np.logaddexp(0, -t_o)) + lambda_noobj * np.sum(noobj * np.logaddexp(0, t_o))
    logits = P[..., 5:]
    zmax = logits.max(axis=-1, keepdims=True)
    E = np.exp(logits - zmax)
    lse = np.log(E.sum(axis=-1, keepdims=True)) + zmax
    classification = np.sum(obj * (lse[..., 0] - np.sum(Y[..., 5:] * logits, axis=-1)))
    J = (lambda_coord * coord + confidence + classification) / m

    dP = np.empty_like(P)
    p_o = _sigmoid(t_o)
    dP[..., 0] = obj * (p_o - 1) + lambda_noobj * noobj * p_o
    dP[..., 1:3] = (2 * lambda_coord) * obj[..., None] * d_xy * s_xy * (1 - s_xy)
    dP[..., 3:5] = (2 * lambda_coord) * obj[..., None] * d_wh
    dP[..., 5:] = obj[..., None] * (E / E.sum(axis=-1, keepdims=True) - Y[..., 5:])
    dP /= m
    return float(J), dP
