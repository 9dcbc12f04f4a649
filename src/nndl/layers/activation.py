"""A standalone activation layer, A = g(Z): for Dense(linear) → BatchNorm → Activation."""

from __future__ import annotations

from ..functional.activations import get_activation
from .base import Array, Layer, register_layer
from .dense import _call


@register_layer
class Activation(Layer):
    """A = g(Z) for any input shape; g is a name from ``nndl.functional.ACTIVATIONS``."""

    batch_axis = None  # any layout
    workspace: dict | None = None  # while a model trains: A and dZ, reused step after step (``Layer._buffer``)

    def __init__(self, activation: str = "relu", name: str | None = None):
        super().__init__(name)
        get_activation(activation)
        self.activation = activation

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        A, self.cache = _call(get_activation(self.activation)[0], A_prev,
                              out=self._buffer("A", A_prev.shape, A_prev, training))
        return A

    def backward(self, dA: Array) -> Array:
        return _call(get_activation(self.activation)[1], dA, self.cache, out=self._buffer("dZ", dA.shape, dA))

    def get_config(self):
        return {"activation": self.activation, "name": self.name}
