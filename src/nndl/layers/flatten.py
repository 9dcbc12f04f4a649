"""Flatten images (m, n_H, n_W, n_C) into columns (n_H·n_W·n_C, m) for dense layers."""

from __future__ import annotations

import numpy as np

from .base import Array, Layer, register_layer


@register_layer
class Flatten(Layer):
    """(m, n_H, n_W, n_C) → (n_H·n_W·n_C, m): each example becomes one column."""

    batch_axis = 0
    output_batch_axis = -1

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        self.cache = A_prev.shape
        return A_prev.reshape(A_prev.shape[0], -1).T

    def backward(self, dA: Array) -> Array:
        return dA.T.reshape(self.cache)
