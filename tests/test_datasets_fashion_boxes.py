"""fashion-boxes: generated canvases checked on fake source images (small counts), plus the
registry entry on the real files when they are installed."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import fake_items

from nndl.datasets import fashion_boxes, load_dataset
from nndl.datasets.fashion_boxes import (
    CANVAS, MAX_IOU, MAX_SIZE, MIN_SIZE, DetectionDataset, make_canvases, mnist, resize_matrix,
)
from nndl.functional import iou


def test_canvases_follow_the_specification(rng):
    images, labels = fake_items(rng)
    X, boxes, classes = make_canvases(images, labels, 300, np.random.default_rng(3))
    assert X.shape == (300, CANVAS, CANVAS, 1) and X.dtype == np.float32
    assert boxes.shape == (300, 4, 4) and classes.shape == (300, 4)
    present = classes >= 0
    counts = present.sum(axis=1)
    assert counts.min() >= 1 and counts.max() <= 4 and len(np.unique(counts)) == 4
    b = boxes[present]
    assert b.min() >= 0 and b[:, 2:].max() <= CANVAS
    assert np.all(b[:, 2] > b[:, 0]) and np.all(b[:, 3] > b[:, 1])
    for i in range(300):
        M = iou(boxes[i][present[i]], boxes[i][present[i]])
        np.fill_diagonal(M, 0)
        assert M.max(initial=0) <= MAX_IOU + 1e-6
        # every nonzero pixel lies in some box, and each box's border rows/columns hold pixels
        inside = np.zeros((CANVAS, CANVAS), bool)
        for x1, y1, x2, y2 in boxes[i][present[i]].astype(int):
            inside[y1:y2, x1:x2] = True
        assert not (X[i, ..., 0] > 0)[~inside].any()
    assert set(classes[present]) <= set(labels.tolist())


def test_item_sizes_and_tight_boxes(rng):
    # a full 28×28 square item: its box is the whole resized item, 16–40 pixels wide
    images, labels = np.ones((5, 28, 28), np.float32), np.arange(5)
    _, boxes, classes = make_canvases(images, labels, 200, np.random.default_rng(0))
    b = boxes[classes >= 0]
    w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    np.testing.assert_array_equal(w, h)
    assert w.min() >= MIN_SIZE and w.max() <= MAX_SIZE and len(np.unique(w)) > 15


def test_seeded():
    images, labels = fake_items(np.random.default_rng(1))
    a = make_canvases(images, labels, 50, np.random.default_rng(7))
    b = make_canvases(images, labels, 50, np.random.default_rng(7))
    c = make_canvases(images, labels, 50, np.random.default_rng(8))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[1], c[1])


def test_resize_matrix():
    R = resize_matrix(56, 28)
    np.testing.assert_allclose(R.sum(axis=1), 1)  # interpolation weights
    np.testing.assert_allclose(R @ np.arange(28.0), np.clip((np.arange(56) + 0.5) / 2 - 0.5, 0, 27))
    np.testing.assert_array_equal(resize_matrix(28, 28), np.eye(28))


def test_bad_source_images():
    with pytest.raises(ValueError, match="expected images"):
        make_canvases(np.zeros((3, 28)), np.arange(3), 5, np.random.default_rng(0))


def test_registry_loads_the_generated_set(monkeypatch, rng):
    images, labels = fake_items(rng, 60)
    X = images.reshape(60, -1).T
    fake = (np.tile(X, 1000)[:, :60_000], np.tile(labels, 1000)[None, :60_000], X, labels[None])
    monkeypatch.setattr(mnist, "load_mnist", lambda *a, **k: fake)
    small = functools.partial(fashion_boxes.load_fashion_boxes, n_train=30, n_dev=5, n_test=5)
    monkeypatch.setattr(fashion_boxes, "load_fashion_boxes", small)
    data = load_dataset("fashion-boxes")
    assert isinstance(data, DetectionDataset) and data.n_classes == 10
    assert (len(data.X_train), len(data.X_dev), len(data.X_test)) == (30, 5, 5)
    assert "fashion-boxes" in data.summary()
