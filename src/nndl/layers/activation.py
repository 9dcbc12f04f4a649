"""A standalone activation layer, A = g(Z): for Dense(linear) → BatchNorm → Activation."""

from __future__ import annotations

from ..functional.activations import get_activation
from .base import Array, Layer, register_layer


@register_layer
class Activation(Layer):
    """A = g(Z) for any input shape; g is a name from ``nndl.functional.ACTIVATIONS``."""

    batch_axis = None  # any layout

    def __init__(self, activation: str = "relu", name: str | None = None):
        super().__init__(name)
        get_activation(activation)
        self.activation = activation

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        A, self.cache = get_activation(self.activation)[0](A_prev)
        return A

    def backward(self, dA: Array) -> Array:
        return get_activation(self.activation)[1](dA, self.cache)

    def get_config(self):
        return {"activation": self.activation, "name": self.name}
