"""Object detection (Course 4, week 3): boxes, IoU, YOLO filtering, non-max suppression.

Boxes are rows of 4 numbers, either corners (x1, y1, x2, y2) with x1 ≤ x2, y1 ≤ y2, or
centre and size (x, y, w, h). Arrays of boxes have shape (..., 4).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def _boxes(name: str, boxes) -> Array:
    boxes = np.asarray(boxes)
    if boxes.ndim < 1 or boxes.shape[-1] != 4:
        raise ValueError(f"{name} must have shape (..., 4), got {boxes.shape}")
    return boxes if boxes.dtype.kind == "f" else boxes.astype(np.float64)


def centers_to_corners(boxes) -> Array:
    """(x, y, w, h) → (x − w/2, y − h/2, x + w/2, y + h/2). boxes: (..., 4)."""
    boxes = _boxes("boxes", boxes)
    half = boxes[..., 2:] / 2
    return np.concatenate([boxes[..., :2] - half, boxes[..., :2] + half], axis=-1)


def corners_to_centers(boxes) -> Array:
    """(x1, y1, x2, y2) → ((x1 + x2)/2, (y1 + y2)/2, x2 − x1, y2 − y1). boxes: (..., 4)."""
    boxes = _boxes("boxes", boxes)
    return np.concatenate([(boxes[..., :2] + boxes[..., 2:]) / 2, boxes[..., 2:] - boxes[..., :2]], axis=-1)


def box_area(boxes) -> Array:
    """(x2 − x1)·(y2 − y1) for corner boxes (..., 4) → (...)."""
    boxes = _boxes("boxes", boxes)
    return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])


def iou(boxes_a, boxes_b) -> Array:
    """Intersection over union of every pair: IoU = |A ∩ B| / (|A| + |B| − |A ∩ B|).

    boxes_a: (N, 4), boxes_b: (M, 4), corners. Returns (N, M). Boxes that only touch
    (at an edge or a corner) have IoU 0; two empty boxes have IoU 0, never NaN.
    """
    a, b = _boxes("boxes_a", boxes_a), _boxes("boxes_b", boxes_b)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"iou takes boxes of shape (N, 4) and (M, 4), got {a.shape} and {b.shape}")
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    wh = np.clip(hi - lo, 0, None)
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def filter_boxes(box_confidence, boxes, box_class_probs, threshold: float = 0.6):
    """Keep the boxes whose best class score p_c·c_i reaches ``threshold``.

    box_confidence: (..., 1); boxes: (..., 4); box_class_probs: (..., C) (e.g. (S, S, A, ·)
    for an S×S grid with A anchors). Score of class i: box_confidence·box_class_probs[i].
    Returns (scores (k,), boxes (k, 4), classes (k,) int) of the k kept boxes, in grid order.
    """
    box_confidence, boxes, box_class_probs = (np.asarray(a) for a in (box_confidence, boxes, box_class_probs))
    if box_confidence.shape[-1] != 1 or boxes.shape[-1] != 4 or not (
            box_confidence.shape[:-1] == boxes.shape[:-1] == box_class_probs.shape[:-1]):
        raise ValueError(f"expected box_confidence (..., 1), boxes (..., 4) and box_class_probs (..., C) over "
                         f"the same grid, got {box_confidence.shape}, {boxes.shape}, {box_class_probs.shape}")
    box_scores = box_confidence * box_class_probs
    classes = box_scores.argmax(axis=-1)
    scores = box_scores.max(axis=-1)
    keep = scores >= threshold
    return scores[keep], boxes[keep], classes[keep]


def non_max_suppression(boxes, scores, max_boxes: int = 10, iou_threshold: float = 0.5,
                        classes=None) -> Array:
    """Greedy non-max suppression: take the highest score, drop every remaining box whose IoU
    with it exceeds ``iou_threshold``, repeat (at most ``max_boxes`` times).

    boxes: (N, 4) corners; scores: (N,). With ``classes`` (N,), boxes only suppress boxes of
    their own class. The IoU of all pairs is computed once (one vectorized N×N product); the
    loop runs once per box kept. Returns the indices of the kept boxes, best first.
    """
    boxes, scores = _boxes("boxes", boxes), np.asarray(scores)
    if boxes.ndim != 2 or scores.shape != boxes.shape[:1]:
        raise ValueError(f"expected boxes (N, 4) and scores (N,), got {boxes.shape} and {scores.shape}")
    order = np.argsort(-scores, kind="stable")
    overlaps = iou(boxes[order], boxes[order]) > iou_threshold
    if classes is not None:
        classes = np.asarray(classes)[order]
        overlaps &= classes[:, None] == classes[None, :]
    alive = np.ones(len(order), dtype=bool)
    keep = []
    while len(keep) < max_boxes:
        remaining = np.flatnonzero(alive)
        if remaining.size == 0:
            break
        i = remaining[0]
        keep.append(order[i])
        alive &= ~overlaps[i]
        alive[i] = False
    return np.asarray(keep, dtype=np.int64)
