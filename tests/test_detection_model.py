"""The YOLO detector: targets round-trip, the loss object's gradient, detections and mAP,
training on a few dozen generated canvases, model files."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fake_items

import nndl
from nndl.datasets.fashion_boxes import make_canvases
from nndl.detection_model import YoloLoss, detect, yolo_tiny
from nndl.functional import yolo_loss
from nndl.scores import MeanAveragePrecision


def _logits_of_targets(Yg):
    """Targets written as predictions that decode to the target boxes: σ⁻¹ of the offsets."""
    P = np.array(Yg, dtype=np.float64)
    xy = np.clip(P[..., 1:3], 1e-9, 1 - 1e-9)
    P[..., 1:3] = np.log(xy / (1 - xy))
    return P


@pytest.fixture(scope="module")
def canvases():
    rng = np.random.default_rng(0)
    images, labels = fake_items(rng)
    return make_canvases(images, labels, 48, np.random.default_rng(1))


def test_targets_decode_to_the_boxes(canvases):
    _, boxes, classes = canvases
    loss = YoloLoss()
    Y = loss.encode(boxes, classes, 64)
    assert Y.shape == (48, 8, 8, 45)
    gt = loss.ground_truth(Y)
    n_objects = int((classes >= 0).sum())
    assert len(gt["classes"]) <= n_objects and len(gt["classes"]) >= n_objects - 2  # rare shared slots
    # every decoded box is one of its image's boxes, with its class
    for box, c, img in zip(gt["boxes"] * 64, gt["classes"], gt["images"]):
        d = np.abs(boxes[img] - box).max(axis=1)
        k = d.argmin()
        assert d[k] < 1e-3 and classes[img, k] == c


def test_perfect_predictions_have_map_one_and_shifted_ones_less(canvases):
    _, boxes, classes = canvases
    loss = YoloLoss()
    Y = loss.encode(boxes, classes, 64)
    P = _logits_of_targets(loss.grid(Y))
    P[..., 0] = np.where(loss.grid(Y)[..., 0] > 0, 8.0, -8.0)
    P[..., 5:] *= 10
    metric = MeanAveragePrecision()
    metric.update(loss, P.reshape(Y.shape), Y, 48)
    assert metric.result() == pytest.approx(1.0)
    shifted = P.copy()
    shifted[..., 3:5] += np.log(2.0)  # boxes twice as wide and tall: IoU 0.25 < 0.5
    metric.reset()
    metric.update(loss, shifted.reshape(Y.shape), Y, 48)
    assert metric.result() < 0.05


def test_detect_suppresses_duplicates_per_image_and_class():
    loss = YoloLoss(anchors=((0.25, 0.25),), n_classes=2)
    P = np.full((2, 2, 2, 1, 7), -8.0)
    P[:, :, :, 0, 1:5] = 0.0
    # image 0: two neighbouring slots predict the same big object of class 0
    P[0, 0, 0, 0, [0, 3, 4, 5]] = [4.0, np.log(4), np.log(4), 8.0]
    P[0, 0, 1, 0, [0, 3, 4, 5]] = [3.0, np.log(4), np.log(4), 8.0]
    # image 1: the same two slots, classes differ: both kept
    P[1, 0, 0, 0, [0, 3, 4, 5]] = [4.0, np.log(4), np.log(4), 8.0]
    P[1, 0, 1, 0, [0, 3, 4, 6]] = [3.0, np.log(4), np.log(4), 8.0]
    out = detect(P, loss.anchors, score_threshold=0.5, iou_threshold=0.3)
    assert sorted(out["images"].tolist()) == [0, 1, 1]
    assert out["scores"][out["images"] == 0] == pytest.approx(1 / (1 + np.exp(-4.0)), rel=1e-3)


def test_per_class_detections_keep_the_runner_up_class_and_raise_its_ap():
    """One object of class 1 whose slot gives class 0 probability 0.6 and class 1 0.4: as its
    best class only, class 1 is never found (AP 0) and class 0 gets a false positive; as
    per-class hypotheses it is found as class 1 too, with score p_o·0.4."""
    loss = YoloLoss(anchors=((0.25, 0.25),), n_classes=2)
    Y = loss.encode(np.array([[[16.0, 16.0, 48.0, 48.0]]]), np.array([[1]]), 64, grid=2)
    P = _logits_of_targets(loss.grid(Y))
    P[..., 0] = np.where(loss.grid(Y)[..., 0] > 0, 6.0, -8.0)
    P[..., 5:7] = np.log([0.6, 0.4])
    p_o = 1 / (1 + np.exp(-6.0))
    best = detect(P, loss.anchors, score_threshold=0.1)
    assert best["classes"].tolist() == [0]
    both = detect(P, loss.anchors, score_threshold=0.1, per_class=True)
    assert both["classes"].tolist() == [0, 1]
    np.testing.assert_allclose(both["scores"], [0.6 * p_o, 0.4 * p_o], rtol=1e-6)
    np.testing.assert_array_equal(both["boxes"][0], both["boxes"][1])
    for per_class, expected in ((False, 0.0), (True, 1.0)):
        metric = MeanAveragePrecision(per_class=per_class)
        metric.update(loss, P.reshape(Y.shape), Y, 1)
        assert metric.result() == pytest.approx(expected)


def test_box_augment_mirrors_images_and_their_encoded_targets(canvases):
    from nndl.detection_model import BoxAugment
    X, boxes, classes = canvases
    loss = YoloLoss()
    Y = loss.encode(boxes, classes, 64)
    mirrored = boxes.copy()
    mirrored[..., [0, 2]] = 64 - boxes[..., [2, 0]]
    Xf, Yf = BoxAugment(loss, flip=1.0)(X, np.random.default_rng(0), Y)
    np.testing.assert_array_equal(Xf, X[:, :, ::-1])
    # images whose encoding kept every object (two on one cell and anchor keep one: the mirror
    # of what is kept is all a flip can know)
    whole = loss.grid(Y)[..., 0].sum(axis=(1, 2, 3)) == (classes >= 0).sum(axis=1)
    assert whole.mean() > 0.8
    np.testing.assert_allclose(Yf[whole], loss.encode(mirrored, classes, 64)[whole], atol=1e-5)
    Xn, Yn = BoxAugment(loss, flip=0.0)(X, np.random.default_rng(0), Y)
    np.testing.assert_array_equal(Xn, X)
    np.testing.assert_allclose(Yn, Y, atol=1e-6)
    Xh, Yh = BoxAugment(loss)(X, np.random.default_rng(1), Y)      # about half, image and targets together
    flipped = np.array([not np.array_equal(a, b) for a, b in zip(Xh, X)])
    assert 0 < flipped.sum() < len(X)
    np.testing.assert_array_equal(Yh[flipped], Yf[flipped])
    np.testing.assert_allclose(Yh[~flipped], Y[~flipped], atol=1e-6)


def _moved(image, dy, dx):
    """image (n_H, n_W, n_C) moved down dy and right dx pixels, zeros coming in (by slices)."""
    out = np.zeros_like(image)
    n_H, n_W = image.shape[:2]
    out[max(dy, 0):n_H + min(dy, 0), max(dx, 0):n_W + min(dx, 0)] = \
        image[max(-dy, 0):n_H - max(dy, 0), max(-dx, 0):n_W - max(dx, 0)]
    return out


def test_box_augment_moves_images_and_boxes_without_cutting_an_object(canvases):
    from nndl.detection_model import BoxAugment
    X, boxes, classes = canvases
    loss = YoloLoss()
    Y = loss.encode(boxes, classes, 64)
    whole = loss.grid(Y)[..., 0].sum(axis=(1, 2, 3)) == (classes >= 0).sum(axis=1)
    shift = 8
    X_out, Y_out = BoxAugment(loss, flip=0.5, shift=shift)(X, np.random.default_rng(3), Y)
    moves, checked = [], 0
    for i in range(len(X)):
        # the draw, recovered by search: the mirror and the move that give the output image
        (flip, dy, dx), = [(f, dy, dx) for f in (False, True) for dy in range(-shift, shift + 1)
                           for dx in range(-shift, shift + 1)
                           if np.array_equal(_moved(X[i, :, ::-1] if f else X[i], dy, dx), X_out[i])][:1]
        assert np.count_nonzero(X_out[i]) == np.count_nonzero(X[i])            # nothing left the canvas
        moves.append((dy, dx))
        expected = boxes[i:i + 1].copy()
        if flip:
            expected[..., [0, 2]] = 64 - boxes[i:i + 1, :, [2, 0]]
        expected[..., [0, 2]] += dx
        expected[..., [1, 3]] += dy
        Y_expected = loss.encode(expected, classes[i:i + 1], 64)
        kept = loss.grid(Y_expected)[..., 0].sum() == (classes[i] >= 0).sum()
        if whole[i] and kept:                             # (two objects on one slot keep either)
            np.testing.assert_allclose(Y_out[i:i + 1], Y_expected, atol=1e-5)
            checked += 1
    assert checked > 0.8 * len(X)
    assert len(set(moves)) > len(X) // 3                  # the moves vary from image to image
    with pytest.raises(ValueError, match="shift"):
        BoxAugment(loss, shift=-1)
    with pytest.raises(ValueError, match="flip"):
        BoxAugment(loss, flip=2.0)


def test_fit_moves_targets_with_an_augment_that_transforms_them(canvases):
    from nndl.detection_model import BoxAugment
    X, boxes, classes = canvases
    model = yolo_tiny(widths=(4, 4, 4, 4), convs=(1, 1, 1, 1), batch_norm=False, seed=0)
    Y = model.loss_fn.encode(boxes, classes, 64)
    seen = []

    class Spy(BoxAugment):
        def __call__(self, X, rng, Y):
            Xo, Yo = super().__call__(X, rng, Y)
            seen.append((Xo, Yo))
            return Xo, Yo

    model.fit(X[:8], Y[:8], epochs=1, batch_size=8, optimizer="adam", augment=Spy(model.loss_fn, flip=1.0, shift=4), verbose=0)
    (Xo, Yo), = seen
    assert Xo.shape == X[:8].shape and Yo.shape == Y[:8].shape
    with pytest.raises(ValueError, match=r"\(X, Y\)"):
        bad = type("Bad", (), {"transforms_targets": True, "__call__": lambda self, X, rng, Y: X})()
        model.fit(X[:8], Y[:8], epochs=1, batch_size=8, augment=bad, verbose=0)


def test_loss_object_gradient_is_m_times_yolo_loss_gradient(canvases):
    _, boxes, classes = canvases
    loss = YoloLoss()
    Y = loss.encode(boxes[:4], classes[:4], 64).astype(np.float64)
    A = np.random.default_rng(2).normal(size=Y.shape)
    J, dP = yolo_loss(loss.grid(A), loss.grid(Y))
    assert loss.cost(A, Y, 4) == pytest.approx(J)
    np.testing.assert_allclose(loss.gradient(A, Y), 4 * dP.reshape(A.shape))
    with pytest.raises(ValueError, match=r"\(m, S, S, 45\)"):
        loss.cost(A[..., :40], Y[..., :40])


def test_gradcheck_of_a_tiny_detector(canvases):
    _, boxes, classes = canvases
    # ReLU units and max pooling have kinks (dead units tie at 0 in a window) where a
    # numerical gradient is one-sided: this seed and input keep every unit away from them
    model = yolo_tiny(input_shape=(16, 16, 1), widths=(2, 2, 2, 3), seed=2)
    Y = model.loss_fn.encode(boxes[:2] / 4, classes[:2], 16, grid=2)
    X = np.random.default_rng(4).uniform(0.1, 1.0, (2, 16, 16, 1))
    result = nndl.gradcheck(model, X, Y, max_checks_per_param=20)
    assert result.difference < 1e-7


def test_training_lowers_the_cost_and_logs_map(canvases):
    X, boxes, classes = canvases
    model = yolo_tiny(widths=(8, 8, 16, 16), convs=(1, 1, 1, 1), batch_norm=False, seed=0)
    Y = model.loss_fn.encode(boxes, classes, 64)
    before = model.evaluate(X, Y)["cost"]
    history = model.fit(X, Y, epochs=2, batch_size=16, optimizer="adam", learning_rate=3e-3, verbose=0)
    after = model.evaluate(X, Y)
    assert after["cost"] < 0.9 * before and history.history["cost"][1] < history.history["cost"][0]
    assert 0.0 <= history.history["mAP"][-1] <= 1.0 and 0.0 <= after["mAP"] <= 1.0


def test_default_detector_has_batch_norm_stages_and_trains(canvases):
    X, boxes, classes = canvases
    model = yolo_tiny(widths=(4, 4, 8, 8), seed=0)             # the default convs (1, 1, 2, 2), batch norm
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds.count("Conv2D") == 7 and kinds.count("BatchNorm") == 6 and kinds.count("MaxPool2D") == 3
    assert model.predict_proba(X[:2]).shape == (2, 8, 8, model.loss_fn.depth)
    Y = model.loss_fn.encode(boxes, classes, 64)
    history = model.fit(X, Y, epochs=3, batch_size=16, optimizer="adam", learning_rate=3e-3, verbose=0)
    assert history.history["cost"][2] < 0.9 * history.history["cost"][0]
    with pytest.raises(ValueError, match="convs"):
        yolo_tiny(convs=(1, 1, 0, 2))


def test_model_file_round_trip(tmp_path, canvases):
    X, boxes, classes = canvases
    model = yolo_tiny(widths=(4, 4, 4, 4), seed=3)
    path = tmp_path / "yolo.safetensors"
    model.save(path)
    loaded = nndl.load(path)
    assert loaded.loss == "yolo" and [m.name for m in loaded.metrics] == ["mAP"]
    np.testing.assert_array_equal(loaded.predict_proba(X[:3]), model.predict_proba(X[:3]))


def test_targets_of_a_wrong_shape_are_refused(canvases):
    X, boxes, classes = canvases
    model = yolo_tiny(widths=(4, 4, 4, 4))
    with pytest.raises(ValueError, match="loss.encode"):
        model.fit(X[:4], np.zeros((4, 8, 8, 40)), epochs=1, verbose=0)


def test_plot_of_predicted_boxes(tmp_path, canvases):
    pytest.importorskip("matplotlib")
    from matplotlib.patches import Rectangle
    from nndl.plots import plot_detections
    X, boxes, classes = canvases
    loss = YoloLoss()
    Y = loss.encode(boxes[:4], classes[:4], 64)
    P = _logits_of_targets(loss.grid(Y))
    P[..., 0] = np.where(loss.grid(Y)[..., 0] > 0, 8.0, -8.0)
    P[..., 5:] *= 10
    det, gt = loss.detections(P.reshape(Y.shape)), loss.ground_truth(Y)
    fig = plot_detections(X[:4], det, gt, path=tmp_path / "boxes.png")
    drawn = sum(isinstance(p, Rectangle) for a in fig.axes for p in a.patches)
    assert drawn == 2 * len(gt["images"])  # each object: its prediction and its ground truth
    assert (tmp_path / "boxes.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="boxes \\(n, 4\\)"):
        plot_detections(X[:4], {"boxes": np.zeros((2, 3)), "images": [0, 1], "scores": [1, 1], "classes": [0, 0]})


def test_detect_groups_images_by_candidates_and_gives_the_same_boxes(monkeypatch):
    """With every slot and class a candidate (threshold 0) the suppression calls take fewer
    images at a time; the detections are those of one image per call."""
    import nndl.detection_model as dm
    rng = np.random.default_rng(3)
    loss = YoloLoss()
    P = rng.standard_normal((6, 8, 8, 3, 15))
    one_by_one = detect(P, loss.anchors, score_threshold=0.0, per_class=True, group=1)
    sizes = []
    real = dm.non_max_suppression
    monkeypatch.setattr(dm, "non_max_suppression", lambda boxes, *a, **k: sizes.append(len(boxes)) or real(boxes, *a, **k))
    grouped = detect(P, loss.anchors, score_threshold=0.0, per_class=True)
    assert max(sizes) <= dm.MAX_CANDIDATES and len(sizes) == 6      # 1,920 candidates per image
    for k in one_by_one:
        np.testing.assert_array_equal(grouped[k], one_by_one[k])


def test_flip_averaged_outputs_are_symmetric_and_average_two_passes(canvases):
    from nndl.detection_model import flip_averaged_outputs
    X, _, _ = canvases
    model = yolo_tiny(widths=(4, 4, 8, 8), seed=1)
    P = flip_averaged_outputs(model, X[:6])
    Q = model.loss_fn.grid(flip_averaged_outputs(model, X[:6, :, ::-1]))[:, :, ::-1].copy()
    Q[..., 1] *= -1                                     # mirrored input, mirrored back: the same average
    np.testing.assert_allclose(model.loss_fn.grid(P), Q, rtol=1e-5, atol=1e-5)
    plain = model.loss_fn.grid(model.predict_proba(X[:6]))
    mirrored = model.loss_fn.grid(model.predict_proba(X[:6, :, ::-1]))[:, :, ::-1]
    np.testing.assert_allclose(model.loss_fn.grid(P)[..., 0], (plain[..., 0] + mirrored[..., 0]) / 2, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(model.loss_fn.grid(P)[..., 1], (plain[..., 1] - mirrored[..., 1]) / 2, rtol=1e-5,
                               atol=1e-6)


def test_detector_scores_match_evaluate_and_the_metrics_taken_one_by_one(canvases):
    from nndl.detection_model import detector_scores, flip_averaged_outputs
    X, boxes, classes = canvases
    model = yolo_tiny(widths=(4, 4, 8, 8), seed=1)
    Y = model.loss_fn.encode(boxes, classes, 64)
    model.fit(X, Y, epochs=24, batch_size=16, optimizer="adam", learning_rate=5e-3, verbose=0)
    scores = detector_scores(model, X, Y, batch_size=20)
    assert len({scores["mAP"], scores["mAP_best_class"], scores["mAP_flip_averaged"]}) == 3 and scores["mAP"] > 0
    evaluated = model.evaluate(X, Y)
    assert scores["cost"] == pytest.approx(evaluated["cost"], rel=1e-5)
    assert scores["mAP"] == pytest.approx(evaluated["mAP"])
    for key, per_class, outputs in (("mAP_best_class", False, model.predict_proba(X)),
                                    ("mAP_flip_averaged", True, flip_averaged_outputs(model, X))):
        metric = MeanAveragePrecision(per_class=per_class)
        metric.update(model.loss_fn, outputs, Y, len(X))
        assert scores[key] == pytest.approx(metric.result())


def test_box_augment_takes_an_absurd_shift_as_the_longest_move(canvases):
    from nndl.detection_model import BoxAugment
    X, boxes, classes = canvases
    loss = YoloLoss()
    Y = loss.encode(boxes[:4], classes[:4], 64)
    far, near = BoxAugment(loss, shift=10**9), BoxAugment(loss, shift=63)   # no array of 2·10⁹ columns
    for a, b in zip(far(X[:4], np.random.default_rng(5), Y), near(X[:4], np.random.default_rng(5), Y)):
        np.testing.assert_array_equal(a, b)
