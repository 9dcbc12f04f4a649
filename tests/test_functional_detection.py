"""Detection: box conversions, IoU, YOLO filtering, non-max suppression, anchor targets, the
YOLO loss (numerical gradient and PyTorch) and VOC average precision, with hand-checked values."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error, to_numpy

from nndl.functional.average_precision import average_precision, match_detections, mean_average_precision
from nndl.functional.detection import (
    box_area, centers_to_corners, corners_to_centers, filter_boxes, iou, non_max_suppression,
)
from nndl.functional.yolo import anchor_iou, assign_targets, decode, yolo_loss


def test_box_conversions():
    centres = np.array([[2.0, 3.0, 4.0, 2.0], [0.5, 0.5, 1.0, 1.0]])
    corners = centers_to_corners(centres)
    assert corners.tolist() == [[0.0, 2.0, 4.0, 4.0], [0.0, 0.0, 1.0, 1.0]]
    np.testing.assert_array_equal(corners_to_centers(corners), centres)
    assert box_area(corners).tolist() == [8.0, 1.0]
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\)"):
        centers_to_corners(np.ones((2, 3)))


def test_iou_course_cases_and_naive_pairs(rng):
    # the course's cases: intersecting, disjoint, touching at a vertex, touching at an edge
    assert iou([[2, 1, 4, 3]], [[1, 2, 3, 4]])[0, 0] == pytest.approx(1 / 7)
    assert iou([[1, 2, 3, 4]], [[5, 6, 7, 8]])[0, 0] == 0
    assert iou([[1, 1, 2, 2]], [[2, 2, 3, 3]])[0, 0] == 0
    assert iou([[1, 1, 3, 3]], [[2, 3, 3, 4]])[0, 0] == 0
    assert iou([[0, 0, 0, 0]], [[0, 0, 0, 0]])[0, 0] == 0  # empty boxes: 0, not NaN
    a = centers_to_corners(np.concatenate([rng.uniform(0, 4, (6, 2)), rng.uniform(0.5, 3, (6, 2))], axis=1))
    b = centers_to_corners(np.concatenate([rng.uniform(0, 4, (5, 2)), rng.uniform(0.5, 3, (5, 2))], axis=1))
    M = iou(a, b)
    for i in range(6):
        for j in range(5):
            w = max(0.0, min(a[i, 2], b[j, 2]) - max(a[i, 0], b[j, 0]))
            h = max(0.0, min(a[i, 3], b[j, 3]) - max(a[i, 1], b[j, 1]))
            union = box_area(a[i]) + box_area(b[j]) - w * h
            assert M[i, j] == pytest.approx(w * h / union, rel=1e-12)


def test_filter_boxes():
    conf = np.array([0.9, 0.5, 0.8]).reshape(3, 1)
    probs = np.array([[0.1, 0.9], [0.9, 0.1], [0.7, 0.3]])
    boxes = np.arange(12.0).reshape(3, 4)
    scores, kept, classes = filter_boxes(conf, boxes, probs, threshold=0.55)
    np.testing.assert_allclose(scores, [0.81, 0.56])
    assert classes.tolist() == [1, 0] and kept.tolist() == [boxes[0].tolist(), boxes[2].tolist()]
    with pytest.raises(ValueError, match="same grid"):
        filter_boxes(conf, boxes[:2], probs)


def naive_nms(boxes, scores, max_boxes, threshold):
    order = list(np.argsort(-scores, kind="stable"))
    keep = []
    while order and len(keep) < max_boxes:
        i = order.pop(0)
        keep.append(i)
        order = [j for j in order if iou(boxes[i:i + 1], boxes[j:j + 1])[0, 0] <= threshold]
    return keep


def test_non_max_suppression_hand_and_naive(rng):
    boxes = np.array([[0, 0, 2, 2], [0.1, 0, 2.1, 2], [3, 3, 4, 4], [0, 0, 2, 1.9]], dtype=float)
    scores = np.array([0.9, 0.95, 0.5, 0.3])
    assert non_max_suppression(boxes, scores, iou_threshold=0.5).tolist() == [1, 2]
    assert non_max_suppression(boxes, scores, max_boxes=1).tolist() == [1]
    # with classes, a box only suppresses its own class
    assert non_max_suppression(boxes, scores, classes=[0, 0, 0, 1]).tolist() == [1, 2, 3]
    for _ in range(5):
        b = centers_to_corners(np.concatenate([rng.uniform(0, 5, (30, 2)), rng.uniform(0.5, 2, (30, 2))], axis=1))
        s = rng.random(30)
        assert non_max_suppression(b, s, 10, 0.3).tolist() == naive_nms(b, s, 10, 0.3)


def test_assign_targets_and_decode_round_trip():
    anchors = np.array([[0.2, 0.2], [0.5, 0.25]])
    boxes = np.array([[[0.30, 0.80, 0.5, 0.2], [0.9, 0.1, 0.1, 0.15]],
                      [[0.55, 0.45, 0.25, 0.2], [0.0, 0.0, 0.0, 0.0]]])
    classes = np.array([[2, 0], [1, -1]])
    Y = assign_targets(boxes, classes, grid=4, anchors=anchors, n_classes=3, dtype=np.float64)
    assert Y.shape == (2, 4, 4, 2, 8) and Y[..., 0].sum() == 3
    # the first box: centre (0.30, 0.80) → column 1, row 3; wide → anchor 1
    slot = Y[0, 3, 1, 1]
    np.testing.assert_allclose(slot, [1, 0.2, 0.2, 0.0, np.log(0.8), 0, 0, 1], atol=1e-12)
    assert Y[0, 0, 3, 0, 0] == 1 and Y[0, 0, 3, 0, 5] == 1  # the small box: cell (0, 3), anchor 0, class 0
    assert Y[1, 1, 2, 0, 6] == 1  # the last image's box: cell (1, 2), class 1
    # predictions that hit the targets exactly decode back to the boxes
    P = np.zeros_like(Y)
    P[..., 1:3] = np.log(np.clip(Y[..., 1:3], 1e-12, None) / np.clip(1 - Y[..., 1:3], 1e-12, None))
    P[..., 3:5] = Y[..., 3:5]
    decoded, p_o, _ = decode(P, anchors)
    np.testing.assert_allclose(decoded[0, 3, 1, 1], boxes[0, 0], atol=1e-9)
    np.testing.assert_allclose(decoded[1, 1, 2, 0], boxes[1, 0], atol=1e-9)
    assert p_o.shape == (2, 4, 4, 2, 1)
    np.testing.assert_allclose(anchor_iou([[0.2, 0.2]], anchors), [[1.0, 0.04 / (0.125 + 0.04 - 0.04)]])
    with pytest.raises(ValueError, match="n_classes"):
        assign_targets(boxes, np.array([[3, 0], [1, -1]]), 4, anchors, 3)


def _loss_case(rng, m=2, S=3, A=2, C=3):
    boxes = np.concatenate([rng.uniform(0.05, 0.95, (m, 2, 2)), rng.uniform(0.1, 0.5, (m, 2, 2))], axis=2)
    Y = assign_targets(boxes, rng.integers(0, C, (m, 2)), S, [[0.2, 0.3], [0.4, 0.2]], C, dtype=np.float64)
    return rng.standard_normal(Y.shape), Y


def test_yolo_loss_numerical_gradient(rng):
    P, Y = _loss_case(rng)
    J, dP = yolo_loss(P, Y)
    assert rel_error(dP, central_difference(lambda: yolo_loss(P, Y)[0], P)) < GRAD_TOL
    assert J > 0


def test_yolo_loss_matches_torch(rng, torch):
    P, Y = _loss_case(rng, m=3)
    J, dP = yolo_loss(P, Y, lambda_coord=5.0, lambda_noobj=0.5)
    Pt = torch.tensor(P, requires_grad=True)
    Yt = torch.tensor(Y)
    F = torch.nn.functional
    obj, noobj = Yt[..., 0], 1 - Yt[..., 0]
    coord = (obj * ((torch.sigmoid(Pt[..., 1:3]) - Yt[..., 1:3]) ** 2).sum(-1)).sum() + \
        (obj * ((Pt[..., 3:5] - Yt[..., 3:5]) ** 2).sum(-1)).sum()
    bce = F.binary_cross_entropy_with_logits
    conf = (obj * bce(Pt[..., 0], torch.ones_like(obj), reduction="none")).sum() + \
        0.5 * (noobj * bce(Pt[..., 0], torch.zeros_like(obj), reduction="none")).sum()
    ce = -(obj * (Yt[..., 5:] * F.log_softmax(Pt[..., 5:], dim=-1)).sum(-1)).sum()
    Jt = (5.0 * coord + conf + ce) / 3
    Jt.backward()
    assert J == pytest.approx(Jt.item(), rel=1e-12)
    np.testing.assert_allclose(dP, to_numpy(Pt.grad), rtol=1e-10, atol=1e-14)


def test_yolo_loss_hand_value():
    # one image, one cell, one anchor, 1 class holding an object exactly predicted but for t_o = 0
    Y = np.zeros((1, 1, 1, 1, 6))
    Y[..., :] = [1, 0.5, 0.5, 0.0, 0.0, 1]
    P = np.zeros_like(Y)  # σ(0) = 0.5 matches the offsets; one class: CE = 0
    J, dP = yolo_loss(P, Y)
    assert J == pytest.approx(np.log(2))  # BCE(σ(0), 1) = log 2
    assert dP.ravel().tolist() == [-0.5, 0, 0, 0, 0, 0]


def test_average_precision_hand_values():
    # detections by score: TP, FP, TP for 2 ground truths → AP = 0.5·1 + 0.5·(2/3)
    assert average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3]) == pytest.approx(0.5 + 1 / 3)
    # the envelope: a later rise in precision lifts the earlier recall levels
    assert average_precision([0.25, 0.25, 0.5, 0.75], [1.0, 0.5, 2 / 3, 0.75]) == pytest.approx(0.25 + 0.5 * 0.75)
    assert average_precision([], []) == 0.0


def test_match_and_mean_average_precision():
    gt = {"boxes": np.array([[0, 0, 2, 2], [5, 5, 7, 7], [0, 0, 2, 2]], float),
          "classes": np.array([0, 0, 1]), "images": np.array([0, 0, 1])}
    det = {"boxes": np.array([[0, 0, 2, 2.1], [0, 0, 2, 2], [5, 5, 7, 7], [0, 0, 2, 2], [0, 0, 2, 2]], float),
           "scores": np.array([0.9, 0.8, 0.7, 0.6, 0.95]),
           "classes": np.array([0, 0, 0, 0, 1]), "images": np.array([0, 0, 0, 1, 1])}
    # class 0 by score: TP (first gt), FP (the same gt again), TP (second gt), FP (wrong image)
    tp = match_detections(det["boxes"][:4], det["scores"][:4], det["images"][:4], gt["boxes"][:2], gt["images"][:2])
    assert tp.tolist() == [True, False, True, False]
    mAP, aps = mean_average_precision(det, gt, n_classes=3)
    assert aps == {0: pytest.approx(0.5 + 0.5 * 2 / 3), 1: 1.0}  # class 2 has no ground truth
    assert mAP == pytest.approx((0.5 + 1 / 3 + 1.0) / 2)
    # a detection below IoU 0.5 is a false positive
    far = {**det, "boxes": det["boxes"] + np.array([0, 0, 0, 0])}
    far["boxes"][4] = [1.2, 1.2, 3, 3]
    assert mean_average_precision(far, gt, 3)[1][1] == 0.0
    with pytest.raises(ValueError, match="no boxes"):
        mean_average_precision(det, {"boxes": np.zeros((0, 4)), "classes": np.zeros(0), "images": np.zeros(0)}, 3)
