"""Masked mean pooling over time: sequences (n, m, T) → one vector per example (n, m).

    p⁽ⁱ⁾ = Σ_t mask⁽ⁱ⁾⟨t⟩ · h⁽ⁱ⁾⟨t⟩ / Σ_t mask⁽ⁱ⁾⟨t⟩

``mask`` (m, T), 1 = a real token, 0 = padding (``Vocabulary.pad``'s mask, ``ids != 0``), is
set before each forward with ``set_mask``; the math is ``nndl.functional.masked_pool`` (None: every position counts, a plain mean over
time). Padded positions get no weight in the output and a zero gradient; an example with no
real token pools to zeros. Backward: dh⁽ⁱ⁾⟨t⟩ = mask⁽ⁱ⁾⟨t⟩ · dp⁽ⁱ⁾ / Σ_t mask⁽ⁱ⁾⟨t⟩.
"""

from __future__ import annotations

import numpy as np

from ..functional.masked_pool import masked_mean_pool_backward, masked_mean_pool_forward
from .base import Array, Layer, register_layer


@register_layer
class MaskedMeanPool(Layer):
    """Mean of a sequence's states over its non-padded positions (no parameters).

    Input (n, m, T), examples on axis 1; output (n, m), examples on axis −1 (what a Dense
    layer takes)."""

    batch_axis = 1

    def __init__(self, name: str | None = None):
        super().__init__(name)
        self.mask: Array | None = None

    @property
    def output_batch_axis(self) -> int:
        return -1

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"MaskedMeanPool expects sequences (n, m, T), got examples of shape {input_shape}")
        return (input_shape[0],)

    def set_mask(self, mask: Array | None) -> None:
        """Padding mask (m, T), 1 = a real token, for the next forward (None: no padding)."""
        self.mask = None if mask is None else np.asarray(mask)

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        p, self.cache = masked_mean_pool_forward(A_prev, self.mask)
        return p

    def backward(self, dA: Array) -> Array:
        return masked_mean_pool_backward(dA, self.cache)
