"""Wrappers around other layers: ``TimeDistributed`` (one layer applied at every time step)
and ``Bidirectional`` (a recurrent layer run forward and backward in time).

Both are composite layers (``sublayers()``): their children's parameters are named by
dotted paths (``timedistributed1.inner.W``, ``bidirectional0.forward.Wf``) and their configs
nest the children's specs, so they save and load like any layer.
"""

from __future__ import annotations

import numpy as np

from .base import Array, Layer, layer_from_spec, layer_spec, register_layer


@register_layer
class TimeDistributed(Layer):
    """Apply a dense-layout layer (Dense, Activation, …) to every step of a sequence.

    Input (n, m, T) (examples on axis 1) is viewed as (n, m·T) dense columns, the inner
    layer runs once on all of them, and its output (n', m·T) is viewed back as (n', m, T):
    ŷ⟨t⟩ = g(W·a⟨t⟩ + b) for every t in ONE product. The cost is summed over time steps and
    divided by m, so the inner layer's gradients (formed over m·T columns) are multiplied
    by T. With an inner layer that exposes logits (``Dense(…, activation="softmax")``) the
    wrapper exposes them too (``Z`` (n', m, T)), so the loss fuses dZ = A − Y.
    """

    batch_axis = 1

    def __init__(self, layer: Layer, name: str | None = None):
        super().__init__(name)
        if isinstance(layer, dict):
            layer = layer_from_spec(layer)
        if not isinstance(layer, Layer):
            raise TypeError(f"TimeDistributed wraps an nndl layer, got {type(layer).__name__}")
        if type(layer).batch_axis not in (-1, None):
            raise ValueError(f"TimeDistributed wraps a layer on dense columns (n, m), got {type(layer).__name__}")
        self.inner = layer
        self.logits_activation = getattr(layer, "logits_activation", None)
        self.numbered = layer.numbered

    def sublayers(self):
        return {"inner": self.inner}

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"TimeDistributed expects sequences (n, m, T), got examples of shape {input_shape}")
        return input_shape

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        Layer.build(self, input_shape, rng, dtype, batch_axis)
        n, T = input_shape
        (n_out,) = self.inner.build((n,), rng, dtype, -1)
        self.output_shape = (n_out, T)
        return self.output_shape

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        n, m, T = A_prev.shape
        self._mT = (m, T)
        # A recurrent layer's output is a view of time-major memory (T, m, n): its columns are
        # then taken in (t, i) order, which is a view too; otherwise in (i, t) order.
        self._time_major = (not A_prev.flags.c_contiguous) and np.transpose(A_prev, (2, 1, 0)).flags.c_contiguous
        return self._sequence(self.inner.forward(self._columns(A_prev), training))

    def _columns(self, X: Array) -> Array:
        """(n, m, T) → (n, m·T), one column per example and time step, in the forward's order."""
        if self._time_major:
            return X.transpose(0, 2, 1).reshape(X.shape[0], -1)
        return X.reshape(X.shape[0], -1)

    def _sequence(self, A: Array) -> Array:
        """(n', m·T) → (n', m, T), undoing ``_columns``."""
        m, T = self._mT
        if self._time_major:
            return A.reshape(A.shape[0], T, m).transpose(0, 2, 1)
        return A.reshape(A.shape[0], m, T)

    @property
    def Z(self) -> Array:
        """The inner layer's logits as a sequence (n', m, T)."""
        return self._sequence(self.inner.Z)

    def _finish(self, dA_prev: Array | None) -> Array | None:
        T = self._mT[1]
        for g in self.inner.grads.values():
            g *= T
        return None if dA_prev is None else self._sequence(dA_prev)

    def backward(self, dA: Array) -> Array | None:
        self.inner.needs_input_grad = self.needs_input_grad
        return self._finish(self.inner.backward(self._columns(dA)))

    def backward_from_logits(self, dZ: Array) -> Array | None:
        self.inner.needs_input_grad = self.needs_input_grad
        return self._finish(self.inner.backward_from_logits(self._columns(dZ)))

    def get_config(self):
        return {"layer": layer_spec(self.inner), "name": self.name}


@register_layer
class Bidirectional(Layer):
    """a = [a→; a←]: a recurrent layer over x and a copy of it (own weights) over x reversed in
    time, its outputs reversed back, stacked on the feature axis: (2·n_a, m, T_x), or
    (2·n_a, m) for ``return_sequences=False`` (a→⟨T_x⟩ and a←⟨1⟩, both having seen all of x)."""

    batch_axis = 1

    def __init__(self, layer: Layer, name: str | None = None):
        super().__init__(name)
        if isinstance(layer, dict):
            layer = layer_from_spec(layer)
        if not hasattr(layer, "return_sequences") or getattr(layer, "return_state", False):
            raise ValueError("Bidirectional wraps a recurrent layer (SimpleRNN, GRU, LSTM) without return_state, "
                             f"got {layer!r}")
        self.forward_layer = layer
        self.backward_layer = layer_from_spec(layer_spec(layer))
        self.numbered = True

    def sublayers(self):
        return {"forward": self.forward_layer, "backward": self.backward_layer}

    @property
    def output_batch_axis(self) -> int:
        return self.forward_layer.output_batch_axis

    def compute_output_shape(self, input_shape):
        return input_shape  # replaced in build

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        Layer.build(self, input_shape, rng, dtype, batch_axis)
        out = self.forward_layer.build(input_shape, rng, dtype, 1)
        self.backward_layer.build(input_shape, rng, dtype, 1)
        self.output_shape = (2 * out[0], *out[1:])
        return self.output_shape

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        a_f = self.forward_layer.forward(A_prev, training)
        a_b = self.backward_layer.forward(A_prev[:, :, ::-1], training)
        if self.forward_layer.return_sequences:
            a_b = a_b[:, :, ::-1]
        self._n = a_f.shape[0]
        return np.concatenate([a_f, a_b], axis=0)

    def backward(self, dA: Array) -> Array | None:
        n = self._n
        da_b = dA[n:]
        if self.forward_layer.return_sequences:
            da_b = da_b[:, :, ::-1]
        for child in (self.forward_layer, self.backward_layer):
            child.needs_input_grad = self.needs_input_grad
        dx_f = self.forward_layer.backward(np.ascontiguousarray(dA[:n]))
        dx_b = self.backward_layer.backward(np.ascontiguousarray(da_b))
        if dx_f is None:
            return None
        return dx_f + dx_b[:, :, ::-1]

    def get_config(self):
        return {"layer": layer_spec(self.forward_layer), "name": self.name}
