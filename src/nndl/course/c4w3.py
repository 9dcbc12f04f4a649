"""Course 4, week 3: car detection with YOLO — the post-processing of YOLO's output.

    yolo_boxes_to_corners:    (x, y) centre and (w, h) → (y_min, x_min, y_max, x_max)
    yolo_filter_boxes:        score = box confidence × class probability; keep the best class
                              of each box when its score ≥ threshold
    iou:                      intersection over union of two corner boxes (x1, y1, x2, y2)
    yolo_non_max_suppression: greedy non-max suppression, at most max_boxes boxes

The assignment's signatures and return values (NumPy arrays where it returns tensors); the
math is ``nndl.functional.detection``.
"""

from __future__ import annotations

import numpy as np

from ..functional import detection as D
from ._common import as_float

Array = np.ndarray


def yolo_boxes_to_corners(box_xy: Array, box_wh: Array) -> Array:
    """Corners (..., 4) ordered (y_min, x_min, y_max, x_max), as the assignment's boxes are,
    from centres box_xy (..., 2) = (x, y) and sizes box_wh (..., 2) = (w, h)."""
    corners = D.centers_to_corners(np.concatenate([as_float(box_xy), as_float(box_wh)], axis=-1))
    return corners[..., [1, 0, 3, 2]]


def yolo_filter_boxes(boxes: Array, box_confidence: Array, box_class_probs: Array,
                      threshold: float = 0.6) -> tuple[Array, Array, Array]:
    """boxes (19, 19, 5, 4), box_confidence (19, 19, 5, 1), box_class_probs (19, 19, 5, 80) →
    (scores (k,), boxes (k, 4), classes (k,)) of the boxes whose best class score ≥ threshold."""
    return D.filter_boxes(as_float(box_confidence), as_float(boxes), as_float(box_class_probs), threshold)


def iou(box1, box2) -> float:
    """IoU of two boxes given as (x1, y1, x2, y2) (upper-left and lower-right corners)."""
    return float(D.iou(np.asarray([box1], dtype=np.float64), np.asarray([box2], dtype=np.float64))[0, 0])


def yolo_non_max_suppression(scores: Array, boxes: Array, classes: Array, max_boxes: int = 10,
                             iou_threshold: float = 0.5) -> tuple[Array, Array, Array]:
    """Keep at most max_boxes boxes, best score first, dropping any box whose IoU with a kept
    box exceeds iou_threshold (all classes together, as the assignment does). scores (n,),
    boxes (n, 4) corners (y1, x1, y2, x2), classes (n,). Returns the kept (scores, boxes, classes).
    Like TensorFlow's non_max_suppression, a box's corners may come in either order."""
    scores, boxes, classes = as_float(scores), as_float(boxes), np.asarray(classes)
    corners = np.concatenate([np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])], axis=1)
    keep = D.non_max_suppression(corners, scores, max_boxes, iou_threshold)
    return scores[keep], boxes[keep], classes[keep]
