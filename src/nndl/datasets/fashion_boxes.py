"""fashion-boxes: a generated detection dataset of Fashion-MNIST items on 64×64 canvases.

Each canvas holds 1–4 items (the number drawn uniformly). Each item is a Fashion-MNIST image
resized (bilinearly) to s×s pixels, s drawn uniformly from 16–40, and placed at a uniformly
drawn position such that the IoU of its box with every box already on the canvas is at most
0.3 (positions are redrawn up to 100 times; an item that still does not fit is left out, so a
canvas may hold fewer items than drawn, never none). An item's box is the tight box around
its nonzero pixels; where items overlap, a pixel keeps the brighter value.

Splits: 20,000 training canvases from the first 50,000 Fashion-MNIST training images, 2,000
dev canvases from the other 10,000, and 2,000 test canvases from the test images. Everything
is drawn from one seed, so the same seed gives the same canvases.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from . import mnist

Array = np.ndarray

CANVAS, MAX_ITEMS, MIN_SIZE, MAX_SIZE, MAX_IOU, TRIES = 64, 4, 16, 40, 0.3, 100
DESCRIPTION = ("1–4 Fashion-MNIST items (16–40 px, IoU ≤ 0.3) on 64×64 canvases with their boxes: "
               "20,000 train / 2,000 dev / 2,000 test, 10 classes")


@dataclass(repr=False, eq=False)
class DetectionDataset:
    """Images with boxes, split into train / dev / test.

    X_*: (m, 64, 64, 1) float32 in [0, 1]; boxes_*: (m, 4, 4) float32 corners (x1, y1, x2, y2)
    in pixels (x2, y2 exclusive: a box of one pixel at (0, 0) is (0, 0, 1, 1)); classes_*:
    (m, 4) int64, −1 in the rows of canvases with fewer than 4 items.
    """
    name: str
    description: str
    X_train: Array
    boxes_train: Array
    classes_train: Array
    X_dev: Array
    boxes_dev: Array
    classes_dev: Array
    X_test: Array
    boxes_test: Array
    classes_test: Array
    classes: list[str] = field(default_factory=list)
    image_shape: tuple[int, ...] = (CANVAS, CANVAS, 1)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def summary(self) -> str:
        n = [len(a) for a in (self.X_train, self.X_dev, self.X_test)]
        items = int((self.classes_train >= 0).sum())
        return (f"{self.name}: {'×'.join(map(str, self.image_shape))} images, {self.n_classes} classes, "
                f"train {n[0]} ({items} boxes) / dev {n[1]} / test {n[2]}")

    def __repr__(self) -> str:
        return f"DetectionDataset({self.summary()})"


def resize_matrix(n_out: int, n_in: int = 28) -> Array:
    """R (n_out, n_in) such that R·x resamples a length-n_in signal to n_out samples by linear
    interpolation between pixel centres (x_out = (i + ½)·n_in/n_out − ½, clamped at the edges)."""
    pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = pos - lo
    R = np.zeros((n_out, n_in))
    R[np.arange(n_out), lo] += 1 - frac
    R[np.arange(n_out), hi] += frac
    return R


def make_canvases(images: Array, labels: Array, n: int, rng: np.random.Generator) -> tuple[Array, Array, Array]:
    """n canvases from source images (N, 28, 28) in [0, 1] and their labels (N,).

    Returns (X (n, 64, 64, 1) float32, boxes (n, 4, 4) float32 corners, classes (n, 4) int64).
    Items are drawn and placed for all canvases at once, slot by slot (at most 4 slots).
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3 or images.shape[0] != len(labels) or len(labels) == 0:
        raise ValueError(f"expected images (N, H, W) with N labels, got {images.shape} and {np.shape(labels)}")
    canvases = np.zeros((n, CANVAS, CANVAS), np.float32)
    boxes = np.zeros((n, MAX_ITEMS, 4), np.float32)
    classes = np.full((n, MAX_ITEMS), -1, np.int64)
    wanted = rng.integers(1, MAX_ITEMS + 1, n)
    for slot in range(MAX_ITEMS):
        idx = np.flatnonzero(wanted > slot)
        source = rng.integers(0, len(labels), len(idx))
        sizes = rng.integers(MIN_SIZE, MAX_SIZE + 1, len(idx))
        for s in np.unique(sizes):
            group = sizes == s
            canvas_ids, items = idx[group], _resize(images[source[group]], int(s))
            tight = _tight_boxes(items)  # in the s×s patch
            x0, y0, ok = _place(tight, boxes[canvas_ids, :slot], classes[canvas_ids, :slot] >= 0, int(s), rng)
            canvas_ids, items, tight, x0, y0 = canvas_ids[ok], items[ok], tight[ok], x0[ok], y0[ok]
            rows = y0[:, None, None] + np.arange(s)[None, :, None]
            cols = x0[:, None, None] + np.arange(s)[None, None, :]
            region = canvases[canvas_ids[:, None, None], rows, cols]
            canvases[canvas_ids[:, None, None], rows, cols] = np.maximum(region, items)
            boxes[canvas_ids, slot] = tight + np.stack([x0, y0, x0, y0], axis=1)
            classes[canvas_ids, slot] = labels[source[group]][ok]
    return canvases[..., None], boxes, classes


def _resize(items: Array, s: int) -> Array:
    R = resize_matrix(s, items.shape[1]).astype(np.float32)
    C = resize_matrix(s, items.shape[2]).astype(np.float32)
    return np.clip(np.matmul(np.matmul(R, items), C.T), 0, 1)


def _tight_boxes(items: Array) -> Array:
    """(x1, y1, x2, y2) of the nonzero pixels of each item (k, s, s); x2, y2 exclusive."""
    rows, cols = items.max(axis=2) > 0, items.max(axis=1) > 0
    s = items.shape[1]
    y1, y2 = rows.argmax(axis=1), s - rows[:, ::-1].argmax(axis=1)
    x1, x2 = cols.argmax(axis=1), s - cols[:, ::-1].argmax(axis=1)
    return np.stack([x1, y1, x2, y2], axis=1).astype(np.float32)


def _place(tight: Array, placed: Array, present: Array, s: int, rng) -> tuple[Array, Array, Array]:
    """Top-left corners for k items of size s whose boxes overlap the ``placed`` boxes (k, slot, 4)
    by at most MAX_IOU; ok (k,) is False for an item that found no place (or has no pixels)."""
    k = len(tight)
    x0, y0 = np.zeros(k, np.int64), np.zeros(k, np.int64)
    todo = np.flatnonzero((tight[:, 2] > tight[:, 0]) & (tight[:, 3] > tight[:, 1]))
    ok = np.zeros(k, dtype=bool)
    for _ in range(TRIES):
        if todo.size == 0:
            break
        x0[todo] = rng.integers(0, CANVAS - s + 1, todo.size)
        y0[todo] = rng.integers(0, CANVAS - s + 1, todo.size)
        box = tight[todo] + np.stack([x0[todo], y0[todo], x0[todo], y0[todo]], axis=1)
        fits = ~np.any((_pair_iou(box, placed[todo]) > MAX_IOU) & present[todo], axis=1)
        ok[todo[fits]] = True
        todo = todo[~fits]
    return x0, y0, ok


def _pair_iou(box: Array, others: Array) -> Array:
    """IoU of box[i] (k, 4) with each of others[i] (k, j, 4) → (k, j)."""
    lo = np.maximum(box[:, None, :2], others[..., :2])
    hi = np.minimum(box[:, None, 2:], others[..., 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=-1)
    area = np.prod(box[:, 2:] - box[:, :2], axis=-1)[:, None]
    union = area + np.prod(others[..., 2:] - others[..., :2], axis=-1) - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def load_fashion_boxes(data_dir: str | os.PathLike | None = None, download: bool = True, seed: int = 0,
                       n_train: int = 20_000, n_dev: int = 2_000, n_test: int = 2_000) -> DetectionDataset:
    """Generate fashion-boxes (see the module docstring) from the Fashion-MNIST files.

    data_dir, download: passed to ``load_mnist``. The three splits use three generators
    spawned from ``seed``, so changing n_dev leaves the training canvases as they were.
    """
    X, Y, X_test, Y_test = mnist.load_mnist("fashion-mnist", data_dir=data_dir, download=download)
    images = np.asarray(X.T).reshape(-1, 28, 28)
    test_images = np.asarray(X_test.T).reshape(-1, 28, 28)
    labels, test_labels = Y.ravel(), Y_test.ravel()
    train_rng, dev_rng, test_rng = np.random.default_rng(seed).spawn(3)
    splits = (make_canvases(images[:50_000], labels[:50_000], n_train, train_rng),
              make_canvases(images[50_000:], labels[50_000:], n_dev, dev_rng),
              make_canvases(test_images, test_labels, n_test, test_rng))
    return DetectionDataset("fashion-boxes", DESCRIPTION, *splits[0], *splits[1], *splits[2],
                            classes=list(mnist.FASHION_CLASSES))
