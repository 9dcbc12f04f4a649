"""Data augmentation for images (m, n_H, n_W, n_C): random shifts, crops and horizontal flips,
drawn per example, per mini-batch, from the model's Generator.

``fit(X, y, augment=Augment(shift=2, flip=True))`` calls ``augment(X{t}, model.rng)`` on every
training mini-batch (never on dev data or at prediction); any callable ``fn(X, rng) -> X`` of
the same shape works there too. Each example i gets its own draw:

    shift s:  A[i, h, w] = X[i, h + dy_i, w + dx_i] (zero outside), dy_i, dx_i uniform in −s … s
    crop k:   a random (n_H − k) × (n_W − k) window of X[i] scaled back to n_H × n_W (nearest pixel)
    flip:     A[i, h, w] = X[i, h, n_W − 1 − w] with probability 1/2

All three are one gather of the (padded) batch through per-example row and column indices:
no loop over examples or pixels.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


class Augment:
    """Random shifts (``shift`` pixels at most), crops (``crop`` rows and columns cut, then
    scaled back) and horizontal flips (``flip``) of images (m, n_H, n_W, n_C)."""

    def __init__(self, shift: int = 0, crop: int = 0, flip: bool = False):
        for label, v in (("shift", shift), ("crop", crop)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
                raise ValueError(f"Augment {label} must be a non-negative integer, got {v!r}")
        self.shift, self.crop, self.flip = int(shift), int(crop), bool(flip)

    def __call__(self, X: Array, rng: np.random.Generator) -> Array:
        self.check_images(X.shape)
        m, n_H, n_W, _ = X.shape
        s, k = self.shift, self.crop
        # rows[i, h], cols[i, w]: where output pixel (h, w) of example i comes from, in X padded by s
        rows = np.broadcast_to(np.arange(n_H), (m, n_H))
        cols = np.broadcast_to(np.arange(n_W), (m, n_W))
        if k:
            rows = rng.integers(0, k + 1, (m, 1)) + (np.arange(n_H) * (n_H - k)) // n_H
            cols = rng.integers(0, k + 1, (m, 1)) + (np.arange(n_W) * (n_W - k)) // n_W
        if self.flip:
            flipped = rng.random(m) < 0.5
            cols = np.where(flipped[:, None], cols[:, ::-1], cols)
        if s:
            rows = rows + rng.integers(0, 2 * s + 1, (m, 1))
            cols = cols + rng.integers(0, 2 * s + 1, (m, 1))
            X = np.pad(X, ((0, 0), (s, s), (s, s), (0, 0)))
        return X[np.arange(m)[:, None, None], rows[:, :, None], cols[:, None, :]]

    def check_images(self, shape: tuple) -> None:
        """A ValueError unless images of ``shape`` (m, n_H, n_W, n_C) can take this augmentation."""
        if len(shape) != 4:
            raise ValueError(f"Augment takes images (m, n_H, n_W, n_C), got an array of shape {tuple(shape)}")
        n_H, n_W = shape[1:3]
        if self.crop >= min(n_H, n_W):
            raise ValueError(f"Augment crop={self.crop} leaves nothing of {n_H}×{n_W} images")
        if self.shift >= min(n_H, n_W):
            raise ValueError(f"Augment shift={self.shift} can move {n_H}×{n_W} images off entirely; "
                             f"expected a shift below {min(n_H, n_W)}")

    def get_config(self) -> dict:
        return {"shift": self.shift, "crop": self.crop, "flip": self.flip}

    def __repr__(self) -> str:
        return f"Augment(shift={self.shift}, crop={self.crop}, flip={self.flip})"
