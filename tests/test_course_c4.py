"""nndl.course, Course 4: the assignments' own checks, with their np.random draws reproduced.
Expected values come from the course's published notebooks and public tests."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

from nndl.course import c4w1, c4w2, c4w3, c4w4

# ------------------------------------------------------------------ week 1


def test_zero_pad():
    np.random.seed(1)
    x = np.random.randn(4, 3, 3, 2)
    x_pad = c4w1.zero_pad(x, 3)
    assert x_pad.shape == (4, 9, 9, 2)
    np.testing.assert_array_equal(x_pad[:, 3:6, 3:6, :], x)
    assert not x_pad[:, :3].any() and not x_pad[:, :, 6:].any()


def test_conv_single_step():
    np.random.seed(1)
    a_slice_prev = np.random.randn(4, 4, 3)
    W = np.random.randn(4, 4, 3)
    b = np.random.randn(1, 1, 1)
    Z = c4w1.conv_single_step(a_slice_prev, W, b)
    assert type(Z) == np.float64 and Z == pytest.approx(-6.999089450680221, rel=1e-12)


def test_conv_forward():
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 7, 4)
    W = np.random.randn(3, 3, 4, 8)
    b = np.random.randn(1, 1, 1, 8)
    hparameters = {"pad": 1, "stride": 2}
    Z, cache_conv = c4w1.conv_forward(A_prev, W, b, hparameters)
    assert Z.shape == (2, 3, 4, 8)
    assert np.mean(Z) == pytest.approx(0.5511276474566768, rel=1e-10)
    np.testing.assert_allclose(Z[0, 2, 1], [-2.17796037, 8.07171329, -0.5772704, 3.36286738, 4.48113645,
                                            -2.89198428, 10.99288867, 3.03171932], rtol=1e-7)
    np.testing.assert_allclose(cache_conv[0][1][2][3], [-1.1191154, 1.9560789, -0.3264995, -1.34267579], rtol=1e-7)
    assert cache_conv[1] is W and cache_conv[2] is b and cache_conv[3] is hparameters
    # the shape checks of the public tests (pad 3 / stride 1, pad 0 / stride 2, a 5×5 filter with pad 6)
    np.random.seed(3)
    A_prev = np.random.randn(2, 5, 7, 4)
    W = np.random.randn(3, 3, 4, 8)
    b = np.random.randn(1, 1, 1, 8)
    assert c4w1.conv_forward(A_prev, W, b, {"pad": 3, "stride": 1})[0].shape == (2, 9, 11, 8)
    assert c4w1.conv_forward(A_prev, W, b, {"pad": 0, "stride": 2})[0].shape == (2, 2, 3, 8)
    W = np.random.randn(5, 5, 4, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, _ = c4w1.conv_forward(A_prev, W, b, {"pad": 6, "stride": 1})
    assert Z.shape == (2, 13, 15, 8) and np.mean(Z) == pytest.approx(-0.5384027772160062, rel=1e-10)


def test_pool_forward():
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 5, 3)
    A, cache = c4w1.pool_forward(A_prev, {"stride": 1, "f": 2}, mode="max")
    np.testing.assert_allclose(A[1, 1], [[1.19891788, 0.74055645, 0.07734007], [0.31515939, 0.84616065, 0.07734007],
                                         [0.69803203, 0.84616065, 1.2245077], [0.69803203, 1.12141771, 1.2245077]],
                               rtol=1e-7)
    assert cache[0] is A_prev
    A, _ = c4w1.pool_forward(A_prev, {"stride": 1, "f": 2}, mode="average")
    np.testing.assert_allclose(A[1, 1], [[0.11583785, 0.34545544, -0.6561907], [-0.2334108, 0.3364666, -0.69382351],
                                         [0.25497093, -0.21741362, -0.07342615], [-0.04092568, -0.01110394, 0.12495022]],
                               rtol=1e-6)
    A, _ = c4w1.pool_forward(A_prev, {"stride": 2, "f": 3}, mode="max")
    np.testing.assert_allclose(A[0], [[[1.74481176, 0.90159072, 1.65980218], [1.74481176, 1.6924546, 1.65980218]],
                                      [[1.13162939, 1.51981682, 2.18557541], [1.13162939, 1.6924546, 2.18557541]]],
                               rtol=1e-7)
    A, _ = c4w1.pool_forward(A_prev, {"stride": 2, "f": 3}, mode="avg")
    np.testing.assert_allclose(A[1], [[[-0.17313416, 0.32377198, -0.34317572], [0.02030094, 0.14141479, -0.01231585]],
                                      [[0.42944926, 0.08446996, -0.27290905], [0.15077452, 0.28911175, 0.00123239]]],
                               rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="mode must be"):
        c4w1.pool_forward(A_prev, {"stride": 2, "f": 3}, mode="min")
    with pytest.raises(ValueError, match="missing"):
        c4w1.pool_forward(A_prev, {"stride": 2})


def test_conv_backward():
    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W = np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, cache_conv = c4w1.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    dA, dW, db = c4w1.conv_backward(Z, cache_conv)
    assert dA.shape == (10, 4, 4, 3) and dW.shape == (2, 2, 3, 8) and db.shape == (1, 1, 1, 8)
    assert np.mean(dA) == pytest.approx(1.4524377775388075, rel=1e-7)
    assert np.mean(dW) == pytest.approx(1.7269914583139097, rel=1e-7)
    assert np.mean(db) == pytest.approx(7.839232564616838, rel=1e-7)


def test_mask_and_distribute_value():
    x = np.array([[-1, 2, 3], [2, -3, 2], [1, 5, -2]])
    mask = c4w1.create_mask_from_window(x)
    assert mask.tolist() == [[False, False, False], [False, False, False], [False, True, False]]
    a = c4w1.distribute_value(2, (2, 2))
    assert a.shape == (2, 2) and a.tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert c4w1.distribute_value(100, (10, 10)).sum() == 100


def test_pool_backward():
    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    hparameters = {"stride": 1, "f": 2}
    A, cache = c4w1.pool_forward(A_prev, hparameters)
    dA = np.random.randn(5, 4, 2, 2)
    dA_prev1 = c4w1.pool_backward(dA, cache, mode="max")
    assert dA_prev1.shape == (5, 5, 3, 2)
    np.testing.assert_allclose(dA_prev1[1, 1], [[0, 0], [5.05844394, -1.68282702], [0, 0]], rtol=1e-7)
    dA_prev2 = c4w1.pool_backward(dA, cache, mode="average")
    np.testing.assert_allclose(dA_prev2[1, 1], [[0.08485462, 0.2787552], [1.26461098, -0.25749373],
                                                [1.17975636, -0.53624893]], rtol=1e-6)


# ------------------------------------------------------------------ week 2

def _ones(shape):
    return np.ones(shape)


def _course_X():
    return np.concatenate([np.ones((1, 4, 4, 3)) * -1, np.ones((1, 4, 4, 3)), np.ones((1, 4, 4, 3)) * 3]).astype(np.float32)


def test_identity_block_course_values():
    X = _course_X()
    np.random.seed(1)
    A3 = c4w2.identity_block(X, f=2, filters=[4, 4, 3], initializer=_ones, training=False)
    assert A3.shape == (3, 4, 4, 3) and A3.dtype == np.float32 and np.all(A3 >= 0)
    resume = A3[:, (0, -1), :, :].mean(axis=3)
    np.testing.assert_allclose(resume, [[[0, 0, 0, 0], [0, 0, 0, 0]],
                                        [[192.71236, 192.71236, 192.71236, 96.85619],
                                         [96.85619, 96.85619, 96.85619, 48.9281]],
                                        [[578.1371, 578.1371, 578.1371, 290.56854],
                                         [290.56854, 290.56854, 290.56854, 146.78427]]], atol=1e-3, rtol=1e-6)
    np.random.seed(1)
    A4 = c4w2.identity_block(X, f=3, filters=[3, 3, 3], initializer=_ones, training=True)
    resume = A4[:, (0, -1), :, :].mean(axis=3)
    np.testing.assert_allclose(resume, [[[0, 0, 0, 0], [0, 0, 0, 0]],
                                        [[0.37394285] * 4, [0.37394285] * 4],
                                        [[3.2379014, 4.1394243, 4.1394243, 3.2379014],
                                         [3.2379014, 4.1394243, 4.1394243, 3.2379014]]], atol=1e-5)


def test_convolutional_block_against_torch(torch):
    X = _course_X().astype(np.float64)
    rng = np.random.default_rng(0)
    kernels = []

    def init(shape):
        kernels.append(rng.uniform(-0.5, 0.5, shape))
        return kernels[-1]

    nn = torch.nn.functional
    for training in (False, True):
        kernels.clear()
        A = c4w2.convolutional_block(X, f=2, filters=[2, 4, 6], training=training, initializer=init)
        assert A.shape == (3, 2, 2, 6)  # the public test's shape

        def conv_bn(h, W, stride, pad):
            Wt = torch.tensor(W.transpose(3, 2, 0, 1))
            h = nn.conv2d(nn.pad(h, pad), Wt, stride=stride)
            n = h.shape[1]
            return nn.batch_norm(h, torch.zeros(n, dtype=h.dtype), torch.ones(n, dtype=h.dtype),
                                 training=training, eps=1e-3)

        x = torch.tensor(X.transpose(0, 3, 1, 2))
        h = torch.relu(conv_bn(x, kernels[0], 2, (0, 0, 0, 0)))
        h = torch.relu(conv_bn(h, kernels[1], 1, (0, 1, 0, 1)))  # "same" for f = 2: the extra row/column last
        h = conv_bn(h, kernels[2], 1, (0, 0, 0, 0))
        out = torch.relu(h + conv_bn(x, kernels[3], 2, (0, 0, 0, 0)))
        np.testing.assert_allclose(A, to_numpy(out).transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-12)


def test_block_errors():
    with pytest.raises(ValueError, match="F3 must be n_C = 3"):
        c4w2.identity_block(_course_X(), 2, [4, 4, 5])
    with pytest.raises(ValueError, match=r"\[F1, F2, F3\]"):
        c4w2.convolutional_block(_course_X(), 2, [4, 4])


# ------------------------------------------------------------------ week 3

def test_iou_course_cases():
    assert c4w3.iou((2, 1, 4, 3), (1, 2, 3, 4)) == pytest.approx(0.14285714)
    assert c4w3.iou((1, 2, 3, 4), (5, 6, 7, 8)) == 0
    assert c4w3.iou((1, 1, 2, 2), (2, 2, 3, 3)) == 0
    assert c4w3.iou((1, 1, 3, 3), (2, 3, 3, 4)) == 0


def test_yolo_boxes_to_corners():
    corners = c4w3.yolo_boxes_to_corners(np.array([[0.5, 0.25]]), np.array([[0.2, 0.1]]))
    np.testing.assert_allclose(corners, [[0.2, 0.4, 0.3, 0.6]])  # (y_min, x_min, y_max, x_max)


def test_yolo_filter_boxes_and_nms():
    np.random.seed(1)
    box_confidence = np.random.uniform(0, 1, (19, 19, 5, 1))
    boxes = np.random.normal(1, 4, (19, 19, 5, 4))
    box_class_probs = np.random.dirichlet(np.full(80, 0.05), (19, 19, 5))
    scores, kept, classes = c4w3.yolo_filter_boxes(boxes, box_confidence, box_class_probs, threshold=0.1)
    all_scores = box_confidence * box_class_probs
    keep = all_scores.max(axis=-1) >= 0.1
    assert scores.shape == (keep.sum(),) and kept.shape == (keep.sum(), 4)
    np.testing.assert_array_equal(scores, all_scores.max(axis=-1)[keep])
    np.testing.assert_array_equal(classes, all_scores.argmax(axis=-1)[keep])
    s, b, c = c4w3.yolo_non_max_suppression(scores, kept, classes, max_boxes=10, iou_threshold=0.5)
    assert s.shape == (10,) and b.shape == (10, 4) and c.shape == (10,)
    assert s[0] == scores.max() and np.all(np.diff(s) <= 0)
    # two boxes given with their corners swapped still overlap (as in TensorFlow)
    s, b, _ = c4w3.yolo_non_max_suppression(np.array([0.9, 0.8]), np.array([[0, 0, 2, 2], [2, 2, 0, 0.1]]),
                                            np.array([1, 2]))
    assert s.tolist() == [0.9]


# ------------------------------------------------------------------ week 4

def test_triplet_loss_course_checks():
    y_true = (None, None, None)
    assert c4w4.triplet_loss(y_true, ([1., 1.], [1., 1.], [1., 1.]), 5) == 5
    assert c4w4.triplet_loss(y_true, ([1., 1.], [1., 1.], [0., 0.]), 3) == 1
    assert c4w4.triplet_loss(y_true, ([1., 1.], [0., 0.], [1., 1.]), 0) == 2
    assert c4w4.triplet_loss(y_true, ([0., 0.], [0., 0.], [0., 0.]), -2) == 0
    assert c4w4.triplet_loss(y_true, ([[1., 0.], [1., 0.]], [[1., 0.], [1., 0.]], [[0., 1.], [0., 1.]]), 3) == 2
    loss = c4w4.triplet_loss(y_true, ([[1., 1.], [2., 0.]], [[0., 3.], [1., 1.]], [[1., 0.], [0., 1.]]), 1)
    assert loss == 5  # 4 would mean the distances were summed over the wrong axis


def test_style_costs_course_checks():
    np.random.seed(1)
    a_C = np.random.randn(1, 1, 4, 4, 3)
    a_G = np.random.randn(1, 1, 4, 4, 3)
    assert c4w4.compute_content_cost(a_C, a_C) == 0
    assert c4w4.compute_content_cost(a_C, a_G) == pytest.approx(np.sum((a_C - a_G) ** 2) / (4 * 4 * 4 * 3))
    assert c4w4.compute_content_cost(a_C[-1], a_G[-1]) == c4w4.compute_content_cost(a_C, a_G)
    A = np.random.randn(3, 2)
    np.testing.assert_allclose(c4w4.gram_matrix(A), A @ A.T)
    a_S, a_G = np.random.randn(1, 4, 4, 3), np.random.randn(1, 4, 4, 3)
    assert c4w4.compute_layer_style_cost(a_G, a_G) == 0 and c4w4.compute_layer_style_cost(a_S, a_G) > 0
    outs_S = [np.random.randn(1, 4, 4, 3) for _ in range(6)]
    outs_G = [np.random.randn(1, 4, 4, 3) for _ in range(6)]
    expected = sum(0.2 * c4w4.compute_layer_style_cost(s, g) for s, g in zip(outs_S[:5], outs_G[:5]))
    assert c4w4.compute_style_cost(outs_S, outs_G) == pytest.approx(expected)
    assert c4w4.total_cost(0.2, 0.8) == pytest.approx(34)
    assert c4w4.total_cost(0.3, 0.5, 3, 8) == pytest.approx(4.9)
