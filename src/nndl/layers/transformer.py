"""Transformer encoder and decoder layers (post-norm, as the course), composites of
MultiHeadAttention, LayerNorm and a position-wise feed-forward network of two
``TimeDistributed(Dense)`` layers. Sequences (d_model, m, T), examples on axis 1.

Encoder:  y1 = LayerNorm₁(x + MHA(x, x, x)),  y = LayerNorm₂(y1 + W₂·relu(W₁·y1 + b₁) + b₂)
Decoder:  y1 = LayerNorm₁(x + MHA_causal(x, x, x)),
          y2 = LayerNorm₂(y1 + MHA(y1, memory, memory)),
          y  = LayerNorm₃(y2 + FFN(y2))
where ``memory`` (d_model, m, T_x) is the encoder's output. The decoder takes its input as
the pair ``(x, memory)`` and its backward returns ``(dx, dmemory)``; given a plain array it
uses the memory set by ``set_memory`` and leaves its gradient in ``d_memory``. A padding mask
of the source (m, T_x) goes to ``set_mask`` (the encoder's self-attention, the decoder's
cross-attention); the target's causal mask is built in.
"""

from __future__ import annotations

import numpy as np

from .attention import LayerNorm, MultiHeadAttention
from .base import Array, Layer, register_layer
from .dense import Dense
from .wrappers import TimeDistributed


def _check(d_model, n_heads, d_ff, owner):
    for what, v in (("d_model", d_model), ("n_heads", n_heads), ("d_ff", d_ff)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{owner} {what} must be a positive integer, got {v!r}")
    if d_model % n_heads:
        raise ValueError(f"{owner}: d_model = {d_model} is not divisible by n_heads = {n_heads}")


class _Block(Layer):
    batch_axis = 1

    def __init__(self, d_model: int, n_heads: int, d_ff: int, eps: float = 1e-5, name: str | None = None):
        super().__init__(name)
        _check(d_model, n_heads, d_ff, type(self).__name__)
        self.d_model, self.n_heads, self.d_ff, self.eps = int(d_model), int(n_heads), int(d_ff), float(eps)
        self.ffn1 = TimeDistributed(Dense(self.d_ff, activation="relu"))
        self.ffn2 = TimeDistributed(Dense(self.d_model, activation="linear"))

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2 or input_shape[0] != self.d_model:
            raise ValueError(f"{type(self).__name__} expects sequences (d_model, m, T) with d_model = "
                             f"{self.d_model}, got examples of shape {input_shape}")
        return input_shape

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        T = input_shape[1]
        for child in self.sublayers().values():
            child.build((self.d_ff, T) if child is self.ffn2 else input_shape, rng, dtype, 1)
        return out

    def _ffn_forward(self, y, training):
        return self.ffn2.forward(self.ffn1.forward(y, training), training)

    def _ffn_backward(self, d):
        return self.ffn1.backward(self.ffn2.backward(d))

    def set_mask(self, mask: Array | None) -> None:
        """Padding mask of the source (m, T_x), 1 = a real token (None: no padding)."""
        self._source_attention().set_mask(mask)

    def get_config(self):
        return {"d_model": self.d_model, "n_heads": self.n_heads, "d_ff": self.d_ff,
                "eps": self.eps, "name": self.name}


@register_layer
class TransformerEncoderLayer(_Block):
    """One encoder layer: self-attention and feed-forward, each with a residual and LayerNorm."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, eps: float = 1e-5, name: str | None = None):
        super().__init__(d_model, n_heads, d_ff, eps, name)
        self.attention = MultiHeadAttention(self.n_heads)
        self.norm1, self.norm2 = LayerNorm(self.eps), LayerNorm(self.eps)

    def sublayers(self):
        return {"attention": self.attention, "norm1": self.norm1, "ffn1": self.ffn1,
                "ffn2": self.ffn2, "norm2": self.norm2}

    def _source_attention(self):
        return self.attention

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        y1 = self.norm1.forward(A_prev + self.attention.forward(A_prev, training), training)
        return self.norm2.forward(y1 + self._ffn_forward(y1, training), training)

    def backward(self, dA: Array) -> Array:
        d2 = self.norm2.backward(dA)
        d1 = self.norm1.backward(d2 + self._ffn_backward(d2))
        return d1 + self.attention.backward(d1)


@register_layer
class TransformerDecoderLayer(_Block):
    """One decoder layer: causal self-attention, cross-attention over the encoder's output
    (``memory``) and feed-forward, each with a residual and LayerNorm."""

    def __init__(self, d_model: int, n_heads: int, d_ff: int, eps: float = 1e-5, name: str | None = None):
        super().__init__(d_model, n_heads, d_ff, eps, name)
        self.self_attention = MultiHeadAttention(self.n_heads, causal=True)
        self.cross_attention = MultiHeadAttention(self.n_heads)
        self.norm1, self.norm2, self.norm3 = LayerNorm(self.eps), LayerNorm(self.eps), LayerNorm(self.eps)
        self.memory: Array | None = None
        self.d_memory: Array | None = None

    def sublayers(self):
        return {"self_attention": self.self_attention, "norm1": self.norm1,
                "cross_attention": self.cross_attention, "norm2": self.norm2,
                "ffn1": self.ffn1, "ffn2": self.ffn2, "norm3": self.norm3}

    def _source_attention(self):
        return self.cross_attention

    def set_memory(self, memory: Array | None) -> None:
        """The encoder output (d_model, m, T_x) attended to when forward gets a plain array."""
        self.memory = memory

    def forward(self, A_prev, training: bool = False):
        self._pair = isinstance(A_prev, tuple)
        x, memory = A_prev if self._pair else (A_prev, self.memory)
        if memory is None:
            raise ValueError("TransformerDecoderLayer needs the encoder output: pass (x, memory) or call set_memory")
        self.check_input(x)
        y1 = self.norm1.forward(x + self.self_attention.forward(x, training), training)
        y2 = self.norm2.forward(y1 + self.cross_attention.attend(y1, memory, training), training)
        return self.norm3.forward(y2 + self._ffn_forward(y2, training), training)

    def backward(self, dA: Array):
        d3 = self.norm3.backward(dA)
        d2 = self.norm2.backward(d3 + self._ffn_backward(d3))
        dq, dmemory = self.cross_attention.backward(d2)
        d1 = self.norm1.backward(d2 + dq)
        dx = d1 + self.self_attention.backward(d1)
        self.d_memory = dmemory
        return (dx, dmemory) if self._pair else dx
