"""Dense (fully connected) layer: Z[l] = W[l]·A[l−1] + b[l], A[l] = g[l](Z[l])."""

from __future__ import annotations

import inspect
from functools import lru_cache

import numpy as np

from ..functional.activations import get_activation
from ..functional.linear import linear_backward, linear_forward
from ..functional.regularization import l1_cost, l1_grad, l2_cost, l2_grad
from ..initializers import DEFAULT_INIT, initialize
from ..limits import check_allocation, check_hyperparameter
from .base import Array, Layer, register_layer


@register_layer
class Dense(Layer):
    """A fully connected layer of ``units`` neurons.

    activation: a name from ``nndl.functional.ACTIVATIONS`` ("relu", "tanh", "sigmoid",
    "softmax", "leaky_relu", "linear"). init: "he", "xavier", "random", "zeros",
    "glorot_uniform" (default: He for ReLU, Xavier otherwise). l2: the course's λ for this
    layer's weights (adds λ/2m·‖W‖² to the cost and λ/m·W to dW). l1: λ₁ for an L1 penalty
    (adds λ₁/m·Σ|W| to the cost and λ₁/m·sign(W) to dW).
    Input (n[l−1], m) → output (units, m). Parameters W (units, n[l−1]), b (units, 1).
    """

    numbered = True
    # While a model trains, a dict of per-batch arrays (Z, A, dZ) that every step reuses
    # (keyed by name and shape); None otherwise, so a forward pass returns fresh arrays.
    workspace: dict | None = None

    def __init__(self, units: int, activation: str = "relu", init: str | None = None,
                 init_scale: float | None = None, l2: float = 0.0, name: str | None = None,
                 l1: float = 0.0):
        super().__init__(name)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units < 1:
            raise ValueError(f"Dense units must be a positive integer, got {units!r}")
        get_activation(activation)  # validates the name
        check_hyperparameter("l2 (lambda)", l2, low=0)
        self.units = int(units)
        self.activation = activation
        self.init = init
        self.init_scale = init_scale
        self.l2 = float(l2)
        self.logits_activation = activation
        if l1 < 0:
            raise ValueError(f"l1 (lambda1) must be >= 0, got {l1}")
        self.l1 = float(l1)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(
                f"Dense expects inputs of shape (n_x, m), got examples of shape {input_shape}; "
                "add a Flatten layer before it"
            )
        return (self.units,)

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        n_prev = input_shape[0]
        init = self.init or DEFAULT_INIT.get(self.activation, "xavier")
        check_allocation((self.units, n_prev + 1), dtype, "Dense W and b")
        self.params = {
            "W": initialize(init, (self.units, n_prev), n_prev, self.units, rng, dtype, self.init_scale),
            "b": np.zeros((self.units, 1), dtype=dtype),
        }
        self._zero_grads()
        return out

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        forward_fn = get_activation(self.activation)[0]
        shape = (self.units, A_prev.shape[1])
        Z, linear_cache = linear_forward(A_prev, self.params["W"], self.params["b"],
                                         out=self._buffer("Z", shape, A_prev, training))
        A, activation_cache = _call(forward_fn, Z, out=self._buffer("A", shape, Z, training))
        self.cache = (linear_cache, activation_cache)
        self.Z = Z
        return A

    def backward(self, dA: Array) -> Array | None:
        """dZ = dA ⊙ g'(Z), then the linear backward."""
        backward_fn = get_activation(self.activation)[1]
        dZ = _call(backward_fn, dA, self.cache[1], out=self._buffer("dZ", dA.shape, dA))
        return self.backward_linear(dZ)

    def backward_linear(self, dZ: Array) -> Array | None:
        """From dZ (n[l], m): fills dW, db (with the L2 term) and returns dA_prev."""
        linear_cache = self.cache[0]
        dA_prev, dW, _ = linear_backward(dZ, linear_cache, out=(self.grads["dW"], self.grads["db"]),
                                         compute_dA_prev=self.needs_input_grad)
        if self.l2:
            dW += l2_grad(self.params["W"], self.l2, dZ.shape[1])
        if self.l1:
            dW += l1_grad(self.params["W"], self.l1, dZ.shape[1])
        return dA_prev

    backward_from_logits = backward_linear

    def regularization_cost(self, m: int) -> float:
        return ((l2_cost([self.params["W"]], self.l2, m) if self.l2 else 0.0)
                + (l1_cost([self.params["W"]], self.l1, m) if self.l1 else 0.0))

    def get_config(self):
        return {"units": self.units, "activation": self.activation, "init": self.init,
                "init_scale": self.init_scale, "l2": self.l2, "l1": self.l1, "name": self.name}


@lru_cache(maxsize=None)
def _takes_out(fn) -> bool:
    try:
        return "out" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _call(fn, *args, out: Array | None):
    """fn(*args, out=out) when there is a buffer and fn accepts one, else fn(*args)."""
    if out is not None and _takes_out(fn):
        return fn(*args, out=out)
    return fn(*args)
