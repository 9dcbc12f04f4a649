"""The layer contract that dense, convolutional, recurrent and attention layers share.

A layer
- stores its configuration in ``__init__`` and validates it there;
- creates its parameters in ``build(input_shape, rng, dtype)`` from the shape of one
  example (the batch axis removed) and returns the shape of one output example;
- declares ``batch_axis``, where the examples sit in its input: −1 (last) for dense data
  ``(n_x, m)``, 0 for images ``(m, n_H, n_W, n_C)``, 1 for sequences ``(n_x, m, T_x)``;
- computes ``forward(A_prev, training) -> A`` and keeps what backward needs in
  ``self.cache`` (overwritten, never appended, on every call);
- computes ``backward(dA) -> dA_prev`` and writes its parameter gradients into
  ``self.grads`` (same keys as ``params`` with a leading ``d``); it never updates weights.
  dA is per example (the course's convention: the 1/m is applied where dW is formed);
- keeps non-trainable arrays (running averages) in ``self.state``;
- round-trips through ``get_config()`` / ``from_config(config)``.

The model may replace ``params``/``grads`` arrays by views into one flat buffer, so a
layer must write into them in place (``out=``, ``[...] =``), never rebind them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..validation import batch_shape, one_example_shape

Array = np.ndarray

LAYERS: dict[str, type["Layer"]] = {}


def register_layer(cls: type["Layer"]) -> type["Layer"]:
    """Class decorator: make a layer known to model files (by its class name)."""
    LAYERS[cls.__name__] = cls
    return cls


class Layer:
    batch_axis: ClassVar[int] = -1
    # A layer that starts a new course layer number l (Dense, Conv); others (BatchNorm,
    # Dropout) take the number of the layer before them: W1, b1, gamma1, beta1, W2, …
    numbered: ClassVar[bool] = False
    # A layer that works on any layout (Dropout, Activation, BatchNorm) takes its batch
    # axis from the rank of its input when built (see ``layout_batch_axis``).
    follows_input_layout: ClassVar[bool] = False

    def __init__(self, name: str | None = None):
        self.name = name
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self.state: dict[str, Array] = {}
        self.cache: Any = None
        self.input_shape: tuple[int, ...] | None = None
        self.output_shape: tuple[int, ...] | None = None
        self.needs_input_grad = True  # the model sets False on its first layer

    @property
    def output_batch_axis(self) -> int:
        """Where the examples sit in this layer's output (same as its input by default)."""
        return self.batch_axis

    @property
    def built(self) -> bool:
        return self.output_shape is not None

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float32) -> tuple[int, ...]:
        """Create parameters for inputs whose single example has ``input_shape``."""
        if self.follows_input_layout:
            self.batch_axis = layout_batch_axis(len(input_shape))
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        return self.output_shape

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return input_shape

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        raise NotImplementedError

    def backward(self, dA: Array) -> Array | None:
        raise NotImplementedError

    def regularization_cost(self, m: int) -> float:
        """This layer's term in the cost (L2); zero unless the layer is regularized."""
        return 0.0

    @property
    def n_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Layer":
        return cls(**config)

    def _zero_grads(self) -> None:
        self.grads = {"d" + k: np.zeros_like(v) for k, v in self.params.items()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name" and v is not None)
        return f"{type(self).__name__}({args})"


def layout_batch_axis(example_ndim: int) -> int:
    """The batch axis of an input whose examples have ``example_ndim`` axes, for layers that
    take any layout (``follows_input_layout``): dense (n, m) → −1, images (m, n_H, n_W, n_C) → 0."""
    return -1 if example_ndim == 1 else 0


def check_example_shape(layer: Layer, A_prev: Array) -> None:
    """Raise a ValueError naming the expected and received shapes if A_prev does not fit."""
    if layer.input_shape is None:
        return
    got = one_example_shape(A_prev.shape, layer.batch_axis) if A_prev.ndim else ()
    if A_prev.ndim != len(layer.input_shape) + 1 or got != layer.input_shape:
        raise ValueError(f"{type(layer).__name__} expected input of shape "
                         f"{batch_shape(layer.input_shape, layer.batch_axis)}, got {A_prev.shape}")
