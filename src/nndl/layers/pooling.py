"""Pooling layers (Course 4, week 1): max, average and global average pooling of images."""

from __future__ import annotations

import numpy as np

from ..functional.pooling import global_avg_pool_backward, global_avg_pool_forward, pool_backward, pool_forward
from .base import Array, Layer, register_layer
from .conv import functional_workspace


class _Pool2D(Layer):
    """f×f windows moved by ``strides`` (default f); (m, n_H_prev, n_W_prev, n_C) →
    (m, ⌊(n_H_prev − f)/s⌋ + 1, ⌊(n_W_prev − f)/s⌋ + 1, n_C). No parameters."""

    batch_axis = 0
    mode = "max"
    splits_batch = True
    workspace: dict | None = None  # the contract's per-batch arrays, reused while a model trains

    def __init__(self, pool_size: int = 2, strides: int | None = None, name: str | None = None):
        super().__init__(name)
        for label, v in (("pool_size", pool_size), ("strides", pool_size if strides is None else strides)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{type(self).__name__} {label} must be a positive integer, got {v!r}")
        self.pool_size = int(pool_size)
        self.strides = None if strides is None else int(strides)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__} expects images (m, n_H, n_W, n_C), "
                             f"got examples of shape {input_shape}")
        n_H, n_W, n_C = input_shape
        f, s = self.pool_size, self.strides or self.pool_size
        if f > n_H or f > n_W:
            raise ValueError(f"{type(self).__name__}: a {f}×{f} window does not fit images of shape {input_shape}")
        return (n_H - f) // s + 1, (n_W - f) // s + 1, n_C

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        A, cache = pool_forward(A_prev, self.pool_size, self.strides, self.mode,
                                workspace=functional_workspace(self, A_prev, training))
        self.cache = cache if training else None
        return A

    def backward(self, dA: Array) -> Array:
        if self.cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward needs a forward pass with training=True first")
        return pool_backward(dA, self.cache, workspace=functional_workspace(self, dA, True))

    def get_config(self):
        return {"pool_size": self.pool_size, "strides": self.strides, "name": self.name}


@register_layer
class MaxPool2D(_Pool2D):
    """Max pooling: each output is the largest value of its window."""

    mode = "max"


@register_layer
class AvgPool2D(_Pool2D):
    """Average pooling: each output is the mean of its window."""

    mode = "average"


@register_layer
class GlobalAvgPool2D(Layer):
    """(m, n_H, n_W, n_C) → (n_C, m): each channel's mean over the image, one column per
    example, ready for a Dense layer (no Flatten needed)."""

    batch_axis = 0
    output_batch_axis = -1

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"GlobalAvgPool2D expects images (m, n_H, n_W, n_C), got examples of shape {input_shape}")
        return (input_shape[2],)

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        A, self.cache = global_avg_pool_forward(A_prev)
        return A

    def backward(self, dA: Array) -> Array:
        return global_avg_pool_backward(dA, self.cache)
