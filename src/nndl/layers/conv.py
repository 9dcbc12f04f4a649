"""Convolutional layer (Course 4, week 1): Z = conv(A_prev, W) + b, A = g(Z)."""

from __future__ import annotations

import numpy as np

from ..functional.activations import get_activation
from ..functional.conv import buffer, conv_backward, conv_forward, conv_inference, resolve_padding
from ..functional.regularization import l2_cost, l2_grad
from ..initializers import DEFAULT_INIT, initialize
from .base import Array, Layer, register_layer
from .dense import _call


def functional_workspace(layer: Layer, like: Array, training: bool) -> dict | None:
    """The dict of reused arrays that ``nndl.functional``'s conv and pooling take as
    ``workspace``, kept inside the layer's contract workspace (see ``Layer._buffer``): None
    unless the model trains on arrays of the layer's dtype; one dict per ``call`` of a layer
    used several times in a pass, so one call's output is not overwritten by the next."""
    workspace = getattr(layer, "workspace", None)
    if workspace is None or not training or like.dtype != layer._dtype:
        return None
    return workspace.setdefault(("functional", len(layer._calls)), {})


@register_layer
class Conv2D(Layer):
    """``filters`` filters of size kernel_size × kernel_size over images.

    Input (m, n_H_prev, n_W_prev, n_C_prev) → output (m, n_H, n_W, filters).
    Parameters W (f, f, n_C_prev, filters), b (1, 1, 1, filters).
    strides, dilation: positive ints; padding: "valid", "same" or an int.
    activation: a name from ``nndl.functional.ACTIVATIONS`` applied to Z ("linear" before a
    BatchNorm). init: as for Dense (He for ReLU by default), with fan_in = f·f·n_C_prev.
    l2: the course's λ for W.
    """

    batch_axis = 0
    numbered = True
    splits_batch = True
    # The contract's workspace: while a model trains, a dict of per-batch arrays (padded input,
    # im2col matrix, Z, dZ, dA_prev) that every step reuses (see ``functional_workspace``);
    # None otherwise, so a forward pass returns fresh arrays.
    workspace: dict | None = None

    def __init__(self, filters: int, kernel_size: int, strides: int = 1, padding="valid", dilation: int = 1,
                 activation: str = "relu", init: str | None = None, init_scale: float | None = None,
                 l2: float = 0.0, name: str | None = None):
        super().__init__(name)
        for label, v in (("filters", filters), ("kernel_size", kernel_size), ("strides", strides),
                         ("dilation", dilation)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"Conv2D {label} must be a positive integer, got {v!r}")
        resolve_padding(padding, 1, 1, 1)  # validates the padding
        get_activation(activation)
        if l2 < 0:
            raise ValueError(f"l2 (lambda) must be >= 0, got {l2}")
        self.filters, self.kernel_size = int(filters), int(kernel_size)
        self.strides, self.dilation = int(strides), int(dilation)
        self.padding = padding if isinstance(padding, str) else int(padding)
        self.activation, self.init, self.init_scale, self.l2 = activation, init, init_scale, float(l2)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"Conv2D expects images (m, n_H, n_W, n_C), got examples of shape {input_shape}")
        n_H, n_W, _ = input_shape
        f, s, d = self.kernel_size, self.strides, self.dilation
        (top, bottom), (left, right) = resolve_padding(self.padding, n_H, n_W, f, s, d)
        f_eff = d * (f - 1) + 1
        out_H, out_W = (n_H + top + bottom - f_eff) // s + 1, (n_W + left + right - f_eff) // s + 1
        if out_H < 1 or out_W < 1:
            raise ValueError(f"Conv2D: a {f}×{f} filter does not fit images of shape {input_shape} "
                             f"with padding {self.padding!r}")
        return out_H, out_W, self.filters

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        f, n_C_prev = self.kernel_size, input_shape[2]
        init = self.init or DEFAULT_INIT.get(self.activation, "xavier")
        shape = (f, f, n_C_prev, self.filters)
        self.params = {"W": initialize(init, shape, f * f * n_C_prev, f * f * self.filters, rng, dtype,
                                       self.init_scale),
                       "b": np.zeros((1, 1, 1, self.filters), dtype)}
        self._zero_grads()
        return out

    def inference_elements(self) -> int:
        """The output and its activation cache, plus the im2col matrix (n_H·n_W · f²·n_C_prev)."""
        out_H, out_W, _ = self.output_shape
        return super().inference_elements() + out_H * out_W * self.kernel_size ** 2 * self.input_shape[2]

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        relu = self.activation == "relu"  # applied in the convolution's own slices
        if not training:  # no cache: blocks of examples, each im2col matrix staying in cache
            Z = conv_inference(A_prev, self.params["W"], self.params["b"], self.strides, self.padding, self.dilation,
                               relu=relu)
            self.cache = None
            return Z if relu else _call(get_activation(self.activation)[0], Z, out=Z)[0]
        ws = functional_workspace(self, A_prev, training)
        Z, conv_cache = conv_forward(A_prev, self.params["W"], self.params["b"], self.strides, self.padding,
                                     self.dilation, workspace=ws, relu=relu)
        A, activation_cache = (Z, Z) if relu else _call(get_activation(self.activation)[0], Z, out=Z)
        # the im2col matrix is large: keep it only when a backward pass will follow
        self.cache = (conv_cache, activation_cache) if training else None
        return A

    def backward(self, dA: Array) -> Array | None:
        """dZ = dA ⊙ g'(Z); dW = Σ (im2col)ᵀ·dZ / m; db = Σ dZ / m; dA_prev = col2im(dZ·Wᵀ)."""
        if self.cache is None:
            raise RuntimeError("Conv2D.backward needs a forward pass with training=True first")
        conv_cache, activation_cache = self.cache
        ws = functional_workspace(self, dA, True)
        if self.activation == "relu":  # dZ = dA·1[A > 0] in the convolution's slices (the cache is A)
            dA_prev, dW, db = conv_backward(dA, conv_cache, compute_dA_prev=self.needs_input_grad, workspace=ws,
                                            relu_A=activation_cache)
        else:
            dZ_out = None if ws is None else buffer(ws, "dZ", dA.shape, dA.dtype)
            dZ = _call(get_activation(self.activation)[1], dA, activation_cache, out=dZ_out)
            dA_prev, dW, db = conv_backward(dZ, conv_cache, compute_dA_prev=self.needs_input_grad, workspace=ws)
        inv_m = dW.dtype.type(1.0 / dA.shape[0])
        np.multiply(dW, inv_m, out=self.grads["dW"])
        np.multiply(db, inv_m, out=self.grads["db"])
        if self.l2:
            self.grads["dW"] += l2_grad(self.params["W"], self.l2, dA.shape[0])
        return dA_prev

    def regularization_cost(self, m: int) -> float:
        return l2_cost([self.params["W"]], self.l2, m) if self.l2 else 0.0

    def get_config(self):
        return {"filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "dilation": self.dilation, "activation": self.activation,
                "init": self.init, "init_scale": self.init_scale, "l2": self.l2, "name": self.name}
