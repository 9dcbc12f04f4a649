"""Layers for Transformers over sequences (d, m, T): LayerNorm, MultiHeadAttention,
PositionalEncoding. Examples sit on axis 1 (``batch_axis = 1``); attention runs on the
(m, T, d) rows view."""

from __future__ import annotations

import numpy as np

from ..functional.layernorm import layer_norm_backward, layer_norm_forward
from ..functional.multihead import multi_head_attention_backward, multi_head_attention_forward
from ..functional.positional import positional_encoding
from ..initializers import initialize
from ..limits import check_allocation
from .base import Array, Layer, register_layer


def _rows(x: Array) -> Array:
    return np.transpose(x, (1, 2, 0))          # (d, m, T) → (m, T, d) view


def _cols(x: Array) -> Array:
    return np.transpose(x, (2, 0, 1))          # (m, T, d) → (d, m, T) view


def _sequence_shape(layer: Layer, input_shape) -> tuple:
    if len(input_shape) != 2:
        raise ValueError(f"{type(layer).__name__} expects sequences (d, m, T), got examples of shape {input_shape}")
    return input_shape


@register_layer
class LayerNorm(Layer):
    """y = γ ⊙ (x − μ)/√(σ² + ε) + β over the d features (axis 0) of each position."""

    batch_axis = 1

    def __init__(self, eps: float = 1e-5, name: str | None = None):
        super().__init__(name)
        if not eps > 0:
            raise ValueError(f"eps must be > 0, got {eps}")
        self.eps = float(eps)

    def compute_output_shape(self, input_shape):
        return _sequence_shape(self, input_shape)

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        d = input_shape[0]
        self.params = {"gamma": np.ones((d, 1), dtype=dtype), "beta": np.zeros((d, 1), dtype=dtype)}
        self._zero_grads()
        return out

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        y, self.cache = layer_norm_forward(A_prev, self.params["gamma"], self.params["beta"], axis=0, eps=self.eps)
        return y

    def backward(self, dA: Array) -> Array:
        dx, dgamma, dbeta = layer_norm_backward(dA, self.cache)
        m = dA.shape[1]
        np.multiply(dgamma, 1.0 / m, out=self.grads["dgamma"])
        np.multiply(dbeta, 1.0 / m, out=self.grads["dbeta"])
        return dx

    def get_config(self):
        return {"eps": self.eps, "name": self.name}


@register_layer
class MultiHeadAttention(Layer):
    """Self-attention with ``n_heads`` heads over (d_model, m, T); an optional mask (m, T)
    of 1 = real token (``set_mask``) keeps padding out of every head."""

    batch_axis = 1

    def __init__(self, n_heads: int, causal: bool = False, name: str | None = None):
        super().__init__(name)
        if n_heads < 1:
            raise ValueError(f"n_heads must be positive, got {n_heads}")
        self.n_heads, self.causal = int(n_heads), bool(causal)
        self.mask: Array | None = None

    def compute_output_shape(self, input_shape):
        return _sequence_shape(self, input_shape)

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        d = input_shape[0]
        if d % self.n_heads:
            raise ValueError(f"d_model = {d} is not divisible by n_heads = {self.n_heads}")
        check_allocation((4 * d, d + 1), dtype, "MultiHeadAttention weights")
        self.params = {}
        for k in "qkvo":
            self.params["W" + k] = initialize("xavier", (d, d), d, d, rng, dtype)
            self.params["b" + k] = np.zeros((d, 1), dtype=dtype)
        self._zero_grads()
        return out

    def inference_elements(self) -> int:
        """Queries, keys, values and output (4·d·T) plus the scores and weights (2·h·T²)."""
        d, T = self.input_shape
        return 4 * d * T + 2 * self.n_heads * T * T

    def set_mask(self, mask: Array | None) -> None:
        """Padding mask (m, T), 1 = attend, for the next forward call (None: no padding)."""
        self.mask = None if mask is None else np.asarray(mask)[:, None, :]

    def _mask(self, T_q: int, T_k: int, dtype):
        mask = self.mask
        if self.causal:
            look = np.tril(np.ones((T_q, T_k), dtype=dtype))
            mask = look if mask is None else mask * look
        return mask

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        """Self-attention: queries, keys and values all from A_prev (d, m, T) → (d, m, T)."""
        self.check_input(A_prev)
        x = np.ascontiguousarray(_rows(A_prev))
        T = x.shape[1]
        y, self.cache = multi_head_attention_forward(x, x, x, self.params, self.n_heads,
                                                     self._mask(T, T, x.dtype))
        return _cols(y)

    def backward(self, dA: Array) -> Array:
        dx, dk, dv, grads = multi_head_attention_backward(np.ascontiguousarray(_rows(dA)), self.cache)
        self._store(grads, dA.shape[1])
        return _cols(dx) if dk is None else (_cols(dx), _cols(dk + dv))

    def _store(self, grads: dict, m: int) -> None:
        for k, g in grads.items():
            np.multiply(g, 1.0 / m, out=self.grads["d" + k])

    def attend(self, query: Array, memory: Array, training: bool = False) -> Array:
        """Cross-attention: queries from ``query`` (d, m, T_q), keys and values from
        ``memory`` (d, m, T_k) (an encoder's output) → (d, m, T_q). ``set_mask`` masks the
        memory's padding (m, T_k); ``backward`` then returns (dquery, dmemory)."""
        self.check_input(query)
        if memory.ndim != 3 or memory.shape[:2] != query.shape[:2]:
            raise ValueError(f"MultiHeadAttention memory must have shape (d, m, T_k) = "
                             f"({query.shape[0]}, {query.shape[1]}, T_k), got {memory.shape}")
        q, kv = np.ascontiguousarray(_rows(query)), np.ascontiguousarray(_rows(memory))
        y, self.cache = multi_head_attention_forward(q, kv, kv, self.params, self.n_heads,
                                                     self._mask(q.shape[1], kv.shape[1], q.dtype))
        return _cols(y)

    @property
    def weights(self) -> Array | None:
        """The last attention weights (m, n_heads, T_q, T_k)."""
        return None if self.cache is None else self.cache["weights"]

    def get_config(self):
        return {"n_heads": self.n_heads, "causal": self.causal, "name": self.name}


@register_layer
class PositionalEncoding(Layer):
    """x + PE: adds the sinusoidal encoding of each position (no parameters)."""

    batch_axis = 1

    def compute_output_shape(self, input_shape):
        return _sequence_shape(self, input_shape)

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        d, _, T = A_prev.shape
        PE = positional_encoding(T, d, dtype=A_prev.dtype)            # (T, d)
        return A_prev + PE.T[:, None, :]

    def backward(self, dA: Array) -> Array:
        return dA
