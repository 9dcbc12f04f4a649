"""``TensorBoard``: a callback that writes TensorBoard event files while a model trains.

Per epoch: the logs as scalars (``cost/train``, ``cost/dev``, ``accuracy/train``,
``accuracy/dev``, ``learning_rate``); every ``histogram_freq`` epochs a histogram of every
parameter (``weights/W1`` …) and of its gradient from the epoch's last mini-batch
(``gradients/dW1`` …); with ``write_images``, the first layer's weights as one image of
tiles, each hidden unit's row of W1 reshaped to the input image (``image_shape``, or a
square when n_x is a perfect square) — "what each neuron looks for" — or, for
convolutional filters (f, f, n_C_prev, n_C), each filter.

    model.fit(X, Y, callbacks=[TensorBoard("runs/tb")])      # then: tensorboard --logdir runs/tb

Writes with tensorboardX (``pip install nndl[tensorboard]``); any model with ``params``,
``grads`` and the ``Callback`` hooks works, whatever its layers.
"""

from __future__ import annotations

import math
import os
from typing import Sequence

import numpy as np

from .callbacks import Callback

SCALAR_TAGS = {"cost": "cost/train", "val_cost": "cost/dev", "accuracy": "accuracy/train",
               "val_accuracy": "accuracy/dev", "lr": "learning_rate"}


class TensorBoard(Callback):
    """Write scalars, histograms and first-layer weight images to ``log_dir``.

    histogram_freq: histograms every this many epochs (0: none). write_images: the first
    layer's weights as an image every ``histogram_freq`` epochs (or every epoch when
    histogram_freq is 0). image_shape: (h, w) or (h, w, c) of one input image, for dense
    first layers on flattened images. Steps are epoch numbers (1, 2, …).
    """

    def __init__(self, log_dir: str | os.PathLike, histogram_freq: int = 1, write_images: bool = True,
                 image_shape: Sequence[int] | None = None, max_units: int = 64):
        if histogram_freq < 0:
            raise ValueError(f"histogram_freq must be >= 0, got {histogram_freq}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_images = bool(write_images)
        self.image_shape = tuple(int(s) for s in image_shape) if image_shape else None
        self.max_units = int(max_units)
        self.writer = None

    def on_train_begin(self, model) -> None:
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            raise ImportError("the TensorBoard callback needs tensorboardX: pip install tensorboardX "
                              "(or pip install nndl[tensorboard])") from None
        self.writer = SummaryWriter(self.log_dir)

    def on_epoch_end(self, epoch, logs, model) -> None:
        step = epoch + 1
        for key, value in logs.items():
            if math.isfinite(value):
                self.writer.add_scalar(SCALAR_TAGS.get(key, key), float(value), step)
        every = self.histogram_freq
        if every and step % every == 0:
            for name, W in model.params.items():
                self.writer.add_histogram(f"weights/{name}", np.asarray(W, np.float64), step)
            for name, dW in model.grads.items():
                self.writer.add_histogram(f"gradients/{name}", np.asarray(dW, np.float64), step)
        if self.write_images and step % (every or 1) == 0:
            image = first_layer_image(model, self.image_shape, self.max_units)
            if image is not None:
                self.writer.add_image("weights/first_layer", image, step, dataformats="HWC")
        self.writer.flush()

    def on_train_end(self, model) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def first_layer_image(model, image_shape: Sequence[int] | None = None, max_units: int = 64) -> np.ndarray | None:
    """The first weight array as one (H, W, 3) float image in [0, 1], tiles on a grid.

    Dense W1 (n[1], n_x): unit i's row reshaped to ``image_shape`` (or √n_x × √n_x);
    conv filters (f, f, n_C_prev, n_C): filter c as an f×f tile (RGB when n_C_prev is 3).
    Each tile is scaled by its own max |w|, 0 mapping to grey. None when the weights cannot
    be shown as images (a dense input that is not an image).
    """
    first = next((W for name, W in model.params.items() if name.startswith("W")), None)
    if first is None:
        return None
    W = np.asarray(first, np.float64)
    if W.ndim == 2:
        shape = tuple(image_shape) if image_shape else _square(W.shape[1])
        if shape is None or int(np.prod(shape)) != W.shape[1]:
            return None
        tiles = W.reshape(W.shape[0], *shape)
    elif W.ndim == 4:
        tiles = np.moveaxis(W, -1, 0)  # (n_C, f, f, n_C_prev)
    else:
        return None
    tiles = tiles[:max_units]
    if tiles.ndim == 4 and tiles.shape[-1] not in (1, 3):
        tiles = tiles[..., 0]
    if tiles.ndim == 3:
        tiles = np.repeat(tiles[..., None], 3, axis=-1)
    elif tiles.shape[-1] == 1:
        tiles = np.repeat(tiles, 3, axis=-1)
    scale = np.abs(tiles).max(axis=(1, 2, 3), keepdims=True)
    tiles = 0.5 + 0.5 * np.divide(tiles, scale, out=np.zeros_like(tiles), where=scale > 0)
    k, h, w, _ = tiles.shape
    cols = math.ceil(math.sqrt(k))
    rows = math.ceil(k / cols)
    grid = np.ones((rows * (h + 1) + 1, cols * (w + 1) + 1, 3))
    for i in range(k):
        r, c = divmod(i, cols)
        grid[1 + r * (h + 1):1 + r * (h + 1) + h, 1 + c * (w + 1):1 + c * (w + 1) + w] = tiles[i]
    return grid.astype(np.float32)


def _square(n: int) -> tuple[int, int] | None:
    side = math.isqrt(n)
    return (side, side) if side * side == n and side > 1 else None
