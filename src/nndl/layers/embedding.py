"""Embedding layer: token ids (m, T_x) → vectors (n_e, m, T_x), a column of E per token."""

from __future__ import annotations

import numpy as np

from ..functional.embedding import embedding_backward, embedding_forward
from .base import Array, Layer, register_layer


@register_layer
class Embedding(Layer):
    """E (n_e, V), drawn N(0, 1)·0.01 (or given as ``weights``); ``trainable=False`` freezes it.

    Input: integer ids (m, T_x) (examples on axis 0); output (n_e, m, T_x) (examples on axis 1).
    """

    batch_axis = 0

    def __init__(self, vocab_size: int, n_e: int, trainable: bool = True,
                 weights: Array | None = None, name: str | None = None):
        super().__init__(name)
        if vocab_size < 1 or n_e < 1:
            raise ValueError(f"vocab_size and n_e must be positive, got {vocab_size} and {n_e}")
        if weights is not None and np.shape(weights) != (n_e, vocab_size):
            raise ValueError(f"weights must have shape (n_e, V) = {(n_e, vocab_size)}, got {np.shape(weights)}")
        self.vocab_size, self.n_e, self.trainable = int(vocab_size), int(n_e), bool(trainable)
        self._weights = weights

    @property
    def output_batch_axis(self) -> int:
        return 1

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(f"Embedding expects token ids (m, T_x), got examples of shape {input_shape}")
        return (self.n_e, input_shape[0])

    def build(self, input_shape, rng, dtype=np.float32):
        out = super().build(input_shape, rng, dtype)
        E = (np.asarray(self._weights, dtype=dtype).copy() if self._weights is not None
             else (0.01 * rng.standard_normal((self.n_e, self.vocab_size))).astype(dtype))
        self.params = {"E": E}
        self._zero_grads()
        return out

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        e, self.cache = embedding_forward(A_prev, self.params["E"])
        return e

    def backward(self, dA: Array) -> None:
        """dE = scatter-add of dA / m (zero when frozen); ids have no gradient (returns None)."""
        m = dA.shape[1]
        if self.trainable:
            np.multiply(embedding_backward(dA, self.cache), 1.0 / m, out=self.grads["dE"])
        else:
            self.grads["dE"][...] = 0
        return None

    def get_config(self):
        return {"vocab_size": self.vocab_size, "n_e": self.n_e, "trainable": self.trainable,
                "name": self.name}
