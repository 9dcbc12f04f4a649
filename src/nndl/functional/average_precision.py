"""Average precision of a detector (Course 4, week 3), as the PASCAL VOC benchmark measures it.

A detection is a true positive when its IoU with a ground-truth box of its class in its image
is at least the threshold (0.5 for mAP@0.5) and that box was not already taken by a
higher-scoring detection; otherwise it is a false positive. Sweeping the score threshold
gives the precision-recall curve; AP is the area under its upper envelope (all points).
"""

from __future__ import annotations

import numpy as np

from .detection import iou

Array = np.ndarray


def average_precision(recall: Array, precision: Array) -> float:
    """VOC's all-point interpolated AP: Σ (r_{k+1} − r_k)·max_{r ≥ r_{k+1}} precision(r).

    recall, precision: (n,) over the detections sorted by decreasing score (recall rising)."""
    r = np.concatenate([[0.0], np.asarray(recall, dtype=np.float64), [1.0]])
    p = np.concatenate([[0.0], np.asarray(precision, dtype=np.float64), [0.0]])
    p = np.maximum.accumulate(p[::-1])[::-1]  # the envelope: best precision at any higher recall
    step = np.flatnonzero(r[1:] != r[:-1])
    return float(np.sum((r[step + 1] - r[step]) * p[step + 1]))


def match_detections(det_boxes, det_scores, det_images, gt_boxes, gt_images, iou_threshold: float = 0.5) -> Array:
    """True-positive flags (n,) for one class's detections, in the given order.

    det_boxes (n, 4) / gt_boxes (g, 4): corners; det_images (n,) / gt_images (g,): image ids.
    Detections are matched in decreasing score order to the ground truth of their image with
    the largest IoU; a ground truth counts once."""
    order = np.argsort(-np.asarray(det_scores), kind="stable")
    overlaps = iou(np.asarray(det_boxes)[order], gt_boxes)
    overlaps[np.asarray(det_images)[order][:, None] != np.asarray(gt_images)[None, :]] = -1.0
    taken = np.zeros(len(gt_boxes), dtype=bool)
    tp_sorted = np.zeros(len(order), dtype=bool)
    if len(gt_boxes):
        best = overlaps.argmax(axis=1)
        best_iou = overlaps[np.arange(len(order)), best]
        for d in np.flatnonzero(best_iou >= iou_threshold):  # sequential: one match per ground truth
            if not taken[best[d]]:
                taken[best[d]] = tp_sorted[d] = True
    tp = np.zeros(len(order), dtype=bool)
    tp[order] = tp_sorted
    return tp


def mean_average_precision(detections: dict, ground_truth: dict, n_classes: int,
                           iou_threshold: float = 0.5) -> tuple[float, dict[int, float]]:
    """mAP: the mean over classes of the AP at ``iou_threshold``.

    detections: {"boxes" (n, 4) corners, "scores" (n,), "classes" (n,), "images" (n,)};
    ground_truth: {"boxes" (g, 4), "classes" (g,), "images" (g,)}. Classes without any
    ground-truth box have no AP and are left out of the mean. Returns (mAP, {class: AP}).
    """
    det_classes, gt_classes = np.asarray(detections["classes"]), np.asarray(ground_truth["classes"])
    aps = {}
    for c in range(n_classes):
        g = gt_classes == c
        if not g.any():
            continue
        d = det_classes == c
        scores = np.asarray(detections["scores"])[d]
        tp = match_detections(np.asarray(detections["boxes"])[d], scores, np.asarray(detections["images"])[d],
                              np.asarray(ground_truth["boxes"])[g], np.asarray(ground_truth["images"])[g],
                              iou_threshold)
        tp = tp[np.argsort(-scores, kind="stable")]
        cum_tp = np.cumsum(tp)
        recall = cum_tp / g.sum()
        precision = cum_tp / np.arange(1, len(tp) + 1)
        aps[c] = average_precision(recall, precision)
    if not aps:
        raise ValueError("the ground truth holds no boxes: mAP is undefined")
    return float(np.mean(list(aps.values()))), aps
