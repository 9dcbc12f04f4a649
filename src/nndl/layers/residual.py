"""The two residual blocks of Course 4, week 2 (ResNet-50's bottleneck blocks) as composite layers.

Both take images (m, n_H, n_W, n_C) and run a main path of three convolutions, each followed
by batch normalization per channel:

    main(X) = BN3(CONV3 1×1, F3) ∘ ReLU ∘ BN2(CONV2 f×f "same", F2) ∘ ReLU ∘ BN1(CONV1 1×1 stride s, F1) (X)

    identity block:       A = ReLU(main(X) + X)                       (F3 = n_C, s = 1)
    convolutional block:  A = ReLU(main(X) + BN_s(CONV_s 1×1 stride s, F3)(X))   (projection shortcut)

Backward: dZ = dA ⊙ 1[A > 0] flows into both branches; dX = main'(dZ) + dZ (identity) or
+ shortcut'(dZ) (projection). Each BN → ReLU pair runs as one layer call (the BatchNorm applies
the ReLU in its last pass, ``BatchNorm.forward(..., relu=True)``); the ReLU layers stay in the
block, with no parameters, for the names and the files.

Sub-layers are named conv1, bn1, relu1, …, conv3, bn3 and shortcut_conv, shortcut_bn, so a
block's parameters read ``convolutionalblock3.conv2.W``, ``convolutionalblock3.shortcut_bn.gamma``
in ``model.params``.
"""

from __future__ import annotations

import numpy as np

from ..functional._batch_threads import over_batch
from ..functional.activations import relu_backward
from .activation import Activation
from .base import Array, Layer, register_layer
from .batchnorm import BatchNorm
from .conv import Conv2D


class _ResidualBlock(Layer):
    batch_axis = 0
    workspace: dict | None = None  # the contract's per-batch arrays (the sum, dZ, dX)
    projection = False

    def __init__(self, f: int, filters, strides: int = 1, momentum: float = 0.9, eps: float = 1e-5,
                 name: str | None = None):
        super().__init__(name)
        filters = tuple(filters) if not isinstance(filters, (int, np.integer)) else (filters,) * 3
        if len(filters) != 3 or any(not isinstance(F, (int, np.integer)) or F < 1 for F in filters):
            raise ValueError(f"{type(self).__name__} filters must be three positive integers (F1, F2, F3), "
                             f"got {filters!r}")
        if not isinstance(f, (int, np.integer)) or f < 1:
            raise ValueError(f"{type(self).__name__} f must be a positive integer, got {f!r}")
        self.f, self.filters, self.strides = int(f), tuple(int(F) for F in filters), int(strides)
        self.momentum, self.eps = float(momentum), float(eps)
        F1, F2, F3 = self.filters
        bn = lambda: BatchNorm(momentum=self.momentum, eps=self.eps)  # noqa: E731
        self.main = {"conv1": Conv2D(F1, 1, strides=self.strides, activation="linear"), "bn1": bn(),
                     "relu1": Activation("relu"),
                     "conv2": Conv2D(F2, self.f, padding="same", activation="linear"), "bn2": bn(),
                     "relu2": Activation("relu"),
                     "conv3": Conv2D(F3, 1, activation="linear"), "bn3": bn()}
        self.shortcut = ({"shortcut_conv": Conv2D(F3, 1, strides=self.strides, activation="linear"),
                          "shortcut_bn": bn()} if self.projection else {})

    def sublayers(self) -> dict[str, Layer]:
        return {**self.main, **self.shortcut}

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        super().build(input_shape, rng, dtype, batch_axis)
        main = _build_chain(self.main.values(), self.input_shape, rng, dtype)
        short = _build_chain(self.shortcut.values(), self.input_shape, rng, dtype) if self.shortcut else self.input_shape
        if main != short:
            raise ValueError(f"{type(self).__name__}: the main path gives {main} but the shortcut {short}; "
                             f"an identity block needs F3 = n_C = {self.input_shape[-1]} (got F3 = {self.filters[2]})")
        self.output_shape = main
        return main

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__} expects images (m, n_H, n_W, n_C), got examples of shape {input_shape}")
        return input_shape  # set from the built paths in build

    def _main_steps(self) -> list[tuple[Layer, bool]]:
        """(layer, fused) along the main path: a BatchNorm followed by a ReLU applies the ReLU
        in its own last pass (fused True) and the ReLU layer is skipped."""
        layers, steps, k = list(self.main.values()), [], 0
        while k < len(layers):
            fused = (isinstance(layers[k], BatchNorm) and k + 1 < len(layers)
                     and isinstance(layers[k + 1], Activation) and layers[k + 1].activation == "relu")
            steps.append((layers[k], fused))
            k += 2 if fused else 1
        return steps

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        Z = A_prev
        for layer, fused in self._main_steps():
            Z = layer.forward(Z, training, relu=True) if fused else layer.forward(Z, training)
        S = A_prev
        for layer in self.shortcut.values():
            S = layer.forward(S, training)
        A = self._buffer("A", Z.shape, Z, training)
        A = np.empty(np.broadcast_shapes(Z.shape, S.shape), np.result_type(Z, S)) if A is None else A

        def add_relu(i: int, j: int) -> None:  # A = ReLU(Z + S) for examples i..j−1
            np.add(Z[i:j], S[i:j], out=A[i:j])
            np.maximum(A[i:j], 0, out=A[i:j])

        over_batch(add_relu, A.shape[0], A.size)  # the examples split over threads
        self.cache = A if training else None
        return A

    def backward(self, dA: Array) -> Array:
        if self.cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward needs a forward pass with training=True first")
        A = self.cache
        dZ = relu_backward(dA, A, out=self._buffer("dZ", dA.shape, dA))
        dX = dZ
        for layer, _ in reversed(self._main_steps()):  # a fused BatchNorm takes the ReLU's dA
            dX = layer.backward(dX)
        dS = dZ
        for layer in reversed(self.shortcut.values()):
            dS = layer.backward(dS)
        dA_prev = self._buffer("dA_prev", dX.shape, dX)
        dA_prev = np.empty(np.broadcast_shapes(dX.shape, dS.shape), np.result_type(dX, dS)) if dA_prev is None else dA_prev
        over_batch(lambda i, j: np.add(dX[i:j], dS[i:j], out=dA_prev[i:j]), dA_prev.shape[0], dA_prev.size)
        return dA_prev

    def get_config(self):
        return {"f": self.f, "filters": list(self.filters), "strides": self.strides, "momentum": self.momentum,
                "eps": self.eps, "name": self.name}


def _build_chain(layers, shape, rng, dtype):
    for layer in layers:
        shape = layer.build(shape, rng, dtype, 0)
    return shape


@register_layer
class IdentityBlock(_ResidualBlock):
    """The identity block: A = ReLU(main(X) + X), X (m, n_H, n_W, n_C) → (m, n_H, n_W, F3 = n_C).

    f: the middle convolution's size; filters: (F1, F2, F3) (an int: all three); momentum,
    eps: of the four batch normalizations (per channel).
    """

    def __init__(self, f: int = 3, filters=(16, 16, 16), momentum: float = 0.9, eps: float = 1e-5,
                 name: str | None = None, strides: int = 1):
        if strides != 1:
            raise ValueError(f"IdentityBlock keeps the image size (strides 1); got strides={strides!r}; "
                             "use ConvolutionalBlock to downsample")
        super().__init__(f, filters, 1, momentum, eps, name)

    def get_config(self):
        config = super().get_config()
        del config["strides"]
        return config


@register_layer
class ConvolutionalBlock(_ResidualBlock):
    """The convolutional block: A = ReLU(main(X) + BN(CONV 1×1 stride s, F3)(X)),
    X (m, n_H, n_W, n_C) → (m, ⌊(n_H − 1)/s⌋ + 1, ⌊(n_W − 1)/s⌋ + 1, F3).

    f: the middle convolution's size; filters: (F1, F2, F3); strides: s of the first
    convolution and of the projection shortcut (the course's s = 2 halves the image).
    """

    projection = True

    def __init__(self, f: int = 3, filters=(16, 16, 16), strides: int = 2, momentum: float = 0.9,
                 eps: float = 1e-5, name: str | None = None):
        super().__init__(f, filters, strides, momentum, eps, name)
