"""Batch normalization layer (Course 2, week 3)."""

from __future__ import annotations

import numpy as np

from ..functional.batchnorm import batchnorm_backward, batchnorm_forward, batchnorm_inference
from .base import Array, Layer, register_layer
from .conv import functional_workspace


@register_layer
class BatchNorm(Layer):
    """Normalizes each unit over the mini-batch, then scales by γ and shifts by β.

    Dense input (n[l], m): statistics over axis 1 (the examples). Images (m, n_H, n_W, n_C):
    over examples and positions, per channel. Sequences (n_x, m, T_x): over examples and
    time steps (m·T_x values), per feature. Training uses the mini-batch μ, σ²; inference
    uses running averages μ ← momentum·μ + (1 − momentum)·μ_batch (likewise σ²).
    Parameters gamma, beta: (n[l], 1) for dense input.
    """

    batch_axis = None  # any layout: dense, images, sequences
    min_batch_size = 2  # the statistics of one example normalize it to β: nothing to learn
    workspace: dict | None = None  # the contract's per-batch arrays (images: Ẑ, Z̃, dZ), reused while a model trains

    def __init__(self, momentum: float = 0.9, eps: float = 1e-5, name: str | None = None):
        super().__init__(name)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"BatchNorm momentum must be in [0, 1), got {momentum}")
        if eps <= 0:
            raise ValueError(f"BatchNorm eps must be positive, got {eps}")
        self.momentum = float(momentum)
        self.eps = float(eps)

    def _layout(self, ndim_example: int, batch_axis: int):
        """(axes the statistics run over, the feature axis) for a batch of this layout:
        dense (n, m) → over the examples (axis 1), one statistic per row; examples first
        (images (m, n_H, n_W, n_C)) → features last, over all other axes; examples on a
        middle axis (sequences (n_x, m, T_x)) → features first, over m and the time steps."""
        ndim = ndim_example + 1
        if ndim == 2:
            return 1, 0
        feature = ndim - 1 if batch_axis % ndim == 0 else 0
        return tuple(a for a in range(ndim) if a != feature), feature

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        self._axis, feature = self._layout(len(input_shape), self.batch_axis)
        n_dim = len(input_shape) + 1
        shape = [1] * n_dim
        example_axes = [a for a in range(n_dim) if a != self.batch_axis % n_dim]
        shape[feature] = input_shape[example_axes.index(feature)]
        shape = tuple(shape)
        self.params = {"gamma": np.ones(shape, dtype), "beta": np.zeros(shape, dtype)}
        self.state = {"running_mean": np.zeros(shape, dtype), "running_var": np.ones(shape, dtype)}
        self._zero_grads()
        return out

    def forward(self, A_prev: Array, training: bool = False, relu: bool = False) -> Array:
        """Z̃ = γ·Ẑ + β; with ``relu``, A = max(Z̃, 0) (the ReLU after it, in the same pass;
        ``backward`` then takes dA)."""
        self.check_input(A_prev)
        gamma, beta = self.params["gamma"], self.params["beta"]
        if not training:
            self.cache = None
            out = batchnorm_inference(A_prev, gamma, beta, self.state["running_mean"],
                                      self.state["running_var"], self.eps)
            return np.maximum(out, 0, out=out) if relu else out
        out, self.cache, mu, var = batchnorm_forward(A_prev, gamma, beta, self.eps, axis=self._axis,
                                                     workspace=functional_workspace(self, A_prev, training),
                                                     relu=relu)
        mom = A_prev.dtype.type(self.momentum)
        self.state["running_mean"][...] = mom * self.state["running_mean"] + (1 - mom) * mu
        self.state["running_var"][...] = mom * self.state["running_var"] + (1 - mom) * var
        return out

    def backward(self, dA: Array) -> Array:
        if self.cache is None:
            raise RuntimeError("BatchNorm.backward called without a training forward pass")
        dZ, dgamma, dbeta = batchnorm_backward(dA, self.cache, workspace=functional_workspace(self, dA, True))
        # dA is per example (m·∂J/∂A), so the mean cost's gradients are the sums / m:
        # m counts examples only, not the positions of an image.
        m = self.cache[0].shape[self.batch_axis]
        self.grads["dgamma"][...] = dgamma / m
        self.grads["dbeta"][...] = dbeta / m
        return dZ

    def get_config(self):
        return {"momentum": self.momentum, "eps": self.eps, "name": self.name}
