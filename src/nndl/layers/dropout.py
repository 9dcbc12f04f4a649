"""Inverted dropout as a layer: active only while training."""

from __future__ import annotations

import numpy as np

from ..functional.regularization import dropout_backward, dropout_forward
from .base import Array, Layer, register_layer


@register_layer
class Dropout(Layer):
    """Keeps each unit with probability ``keep_prob`` and scales by 1/keep_prob (training only).

    Any input shape. The mask is drawn from the model's Generator, so a seeded run repeats.
    ``freeze_mask = True`` reuses the last mask (gradient checking with dropout).
    """

    batch_axis = None  # any layout

    def __init__(self, keep_prob: float = 0.5, name: str | None = None):
        super().__init__(name)
        if not 0.0 < float(keep_prob) <= 1.0:
            raise ValueError(f"Dropout keep_prob must be in (0, 1], got {keep_prob}")
        self.keep_prob = float(keep_prob)
        self.rng: np.random.Generator | None = None
        self.freeze_mask = False

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        self.rng = rng
        return super().build(input_shape, rng, dtype, batch_axis)

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        if not training or self.keep_prob == 1.0:
            self.cache = None
            return A_prev
        D = self.cache if self.freeze_mask and self.cache is not None and self.cache.shape == A_prev.shape else None
        A, self.cache = dropout_forward(A_prev, self.keep_prob, self.rng, D=D)
        return A

    def backward(self, dA: Array) -> Array:
        if self.cache is None:
            return dA
        return dropout_backward(dA, self.cache, self.keep_prob)

    def get_config(self):
        return {"keep_prob": self.keep_prob, "name": self.name}
