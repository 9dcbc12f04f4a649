"""Small stand-in layers and models for the tests of the core contract (``test_core_*``).

Each is written only from the layer contract of ``nndl.layers.base`` and the ``Model`` base:
a residual-style composite, a layer looping over time steps on (n_x, m, T_x), a
time-distributed softmax output, an integer-input bag-of-embeddings layer, a two-input model
and a model that calls one layer twice in a forward pass. ``registered()`` makes them known
to model files for the duration of a test only (other tests list the registries).
"""

from __future__ import annotations

import numpy as np

from contextlib import contextmanager

from nndl import Model
from nndl.functional.activations import softmax
from nndl.layers import LAYERS, Dense, Layer
from nndl.layers.base import layer_from_spec, layer_spec
from nndl.model_registry import MODELS


class Residual(Layer):
    """A = X + F(X) with F a stack of sub-layers that keeps the shape: a residual block."""

    def __init__(self, layers, name=None):
        super().__init__(name)
        self.inner = list(layers)

    def sublayers(self):
        return {f"f{i}": layer for i, layer in enumerate(self.inner)}

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        shape, axis = self.input_shape, self.batch_axis
        for layer in self.inner:
            shape = layer.build(shape, rng, dtype, axis)
            axis = layer.output_batch_axis
        if shape != self.input_shape:
            raise ValueError(f"Residual: F changes the shape {self.input_shape} into {shape}")
        return out

    def forward(self, A_prev, training=False):
        self.check_input(A_prev)
        H = A_prev
        for layer in self.inner:
            H = layer.forward(H, training)
        return A_prev + H

    def backward(self, dA):
        dH = dA
        for layer in reversed(self.inner):
            dH = layer.backward(dH)
        return dA + dH

    def get_config(self):
        return {"layers": [layer_spec(layer) for layer in self.inner], "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls([layer_from_spec(spec) for spec in config["layers"]], name=config.get("name"))


class TimeRNN(Layer):
    """a⟨t⟩ = tanh(Wax·x⟨t⟩ + Waa·a⟨t−1⟩ + ba) over t = 1 … T_x: (n_x, m, T_x) → (n_a, m, T_x).

    Keeps one cache per step; the per-step outputs come from per-step buffers ("a", t)."""

    batch_axis = 1
    numbered = True
    workspace = None

    def __init__(self, n_a, name=None):
        super().__init__(name)
        self.n_a = int(n_a)

    def compute_output_shape(self, input_shape):
        return (self.n_a, input_shape[1])

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        n_x = input_shape[0]
        self.params = {"Wax": (rng.standard_normal((self.n_a, n_x)) * 0.5).astype(dtype),
                       "Waa": (rng.standard_normal((self.n_a, self.n_a)) * 0.5).astype(dtype),
                       "ba": np.zeros((self.n_a, 1), dtype)}
        self._zero_grads()
        return out

    def forward(self, X, training=False):
        self.check_input(X)
        n_x, m, T = X.shape
        A = np.empty((self.n_a, m, T), X.dtype)
        a = np.zeros((self.n_a, m), X.dtype)
        caches = []
        for t in range(T):
            out = self._buffer(("a", t), (self.n_a, m), X, training)
            a_prev = a
            a = np.tanh(self.params["Wax"] @ X[:, :, t] + self.params["Waa"] @ a_prev + self.params["ba"], out=out)
            caches.append((X[:, :, t], a_prev, a))
            A[:, :, t] = a
        self.cache = caches
        return A

    def backward(self, dA):
        m = dA.shape[1]
        g = {k: np.zeros_like(v) for k, v in self.params.items()}
        dX = np.empty((self.params["Wax"].shape[1], m, dA.shape[2]), dA.dtype)
        da_next = np.zeros((self.n_a, m), dA.dtype)
        for t in reversed(range(len(self.cache))):
            x, a_prev, a = self.cache[t]
            dz = (dA[:, :, t] + da_next) * (1 - a * a)
            g["Wax"] += dz @ x.T
            g["Waa"] += dz @ a_prev.T
            g["ba"] += dz.sum(axis=1, keepdims=True)
            dX[:, :, t] = self.params["Wax"].T @ dz
            da_next = self.params["Waa"].T @ dz
        for k, v in g.items():
            self.grads["d" + k][...] = v / m
        return dX

    def get_config(self):
        return {"n_a": self.n_a, "name": self.name}


class TimeSoftmax(Layer):
    """ŷ⟨t⟩ = softmax(Wya·a⟨t⟩ + by) for every t: (n_a, m, T) → (C, m, T), fused with the loss."""

    batch_axis = 1
    numbered = True
    logits_activation = "softmax"

    def __init__(self, units, name=None):
        super().__init__(name)
        self.units = int(units)

    def compute_output_shape(self, input_shape):
        return (self.units, input_shape[1])

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        self.params = {"Wya": (rng.standard_normal((self.units, input_shape[0])) * 0.5).astype(dtype),
                       "by": np.zeros((self.units, 1), dtype)}
        self._zero_grads()
        return out

    def forward(self, A_prev, training=False):
        self.check_input(A_prev)
        self.Z = np.einsum("cn,nmt->cmt", self.params["Wya"], A_prev) + self.params["by"][:, :, None]
        self.cache = A_prev
        return softmax(self.Z)[0]

    def backward_from_logits(self, dZ):
        m = dZ.shape[1]
        self.grads["dWya"][...] = np.einsum("cmt,nmt->cn", dZ, self.cache) / m
        self.grads["dby"][...] = dZ.sum(axis=(1, 2))[:, None] / m
        return np.einsum("cn,cmt->nmt", self.params["Wya"], dZ)

    def backward(self, dA):
        A = softmax(self.Z)[0]
        return self.backward_from_logits(A * (dA - (dA * A).sum(axis=0, keepdims=True)))

    def get_config(self):
        return {"units": self.units, "name": self.name}


class BagOfEmbeddings(Layer):
    """Token ids (m, k) → the mean of their embedding columns, (d, m): an integer input."""

    batch_axis = 0
    input_kind = "int"
    seen_dtypes: list = []  # the dtype of every batch it was given (for the tests)

    def __init__(self, vocab, dim, name=None):
        super().__init__(name)
        self.vocab, self.dim = int(vocab), int(dim)

    @property
    def output_batch_axis(self):
        return -1

    def compute_output_shape(self, input_shape):
        return (self.dim,)

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        self.params = {"E": rng.standard_normal((self.dim, self.vocab)).astype(dtype)}
        self._zero_grads()
        return out

    def forward(self, ids, training=False):
        self.check_input(ids)
        BagOfEmbeddings.seen_dtypes.append(ids.dtype)
        self.cache = ids
        return self.params["E"][:, ids].mean(axis=2)

    def backward(self, dA):
        ids = self.cache
        m, k = ids.shape
        dE = np.zeros((self.vocab, self.dim), dA.dtype)
        np.add.at(dE, ids.reshape(-1), np.repeat(dA.T, k, axis=0) / k)
        self.grads["dE"][...] = dE.T / m
        return None

    def get_config(self):
        return {"vocab": self.vocab, "dim": self.dim, "name": self.name}


class TwoInputNet(Model):
    """ŷ = softmax(W·(tanh(Wa·x_a + ba) + bag(ids)) + b): dense features (n_a, m) and token
    ids (m, k) together."""

    input_batch_axes = (-1, 0)
    input_kinds = ("float", "int")

    def __init__(self, hidden=4, classes=3, vocab=7, **kwargs):
        super().__init__(**kwargs)
        self.hidden, self.classes, self.vocab = hidden, classes, vocab
        self.dense_a = Dense(hidden, "tanh")
        self.bag = BagOfEmbeddings(vocab, hidden)
        self.head = Dense(classes, "softmax")

    def named_layers(self):
        return {"dense_a": self.dense_a, "bag": self.bag, "head": self.head}

    def build_layers(self, input_shapes):
        self.dense_a.build(input_shapes[0], self.rng, self.dtype, -1)
        self.bag.build(input_shapes[1], self.rng, self.dtype, 0)
        self.dense_a.needs_input_grad = False
        self.output_layer = self.head
        return self.head.build((self.hidden,), self.rng, self.dtype, -1)

    def forward(self, X, training=False):
        xa, ids = X
        return self.head.forward(self.dense_a.forward(xa, training) + self.bag.forward(ids, training), training)

    def backward(self, delta, from_logits):
        dH = self.backward_output(delta, from_logits)
        self.dense_a.backward(dH)
        self.bag.backward(dH)

    def get_model_config(self):
        return {"hidden": self.hidden, "classes": self.classes, "vocab": self.vocab}


class SiameseNet(Model):
    """ŷ = σ(w·(e(x1) ⊙ e(x2)) + b) with one encoder e = Dense(h, tanh) applied to both inputs."""

    input_batch_axes = (-1, -1)
    input_kinds = ("float", "float")

    def __init__(self, hidden=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.encoder = Dense(hidden, "tanh")
        self.head = Dense(1, "sigmoid")

    def named_layers(self):
        return {"encoder": self.encoder, "head": self.head}

    def build_layers(self, input_shapes):
        if input_shapes[0] != input_shapes[1]:
            raise ValueError("both inputs of a Siamese network have one shape")
        self.encoder.build(input_shapes[0], self.rng, self.dtype, -1)
        self.output_layer = self.head
        return self.head.build((self.hidden,), self.rng, self.dtype, -1)

    def forward(self, X, training=False):
        x1, x2 = X
        self.h1 = self.encoder.call(x1, training)
        self.h2 = self.encoder.call(x2, training)
        return self.head.forward(self.h1 * self.h2, training)

    def backward(self, delta, from_logits):
        dH = self.backward_output(delta, from_logits)
        self.encoder.call_backward(dH * self.h1)  # the second call first
        self.encoder.call_backward(dH * self.h2)

    def get_model_config(self):
        return {"hidden": self.hidden}


@contextmanager
def registered():
    """Register the stand-ins (as ``register_layer``/``register_model`` would), then remove them."""
    layers = [Residual, TimeRNN, TimeSoftmax, BagOfEmbeddings]
    models = [TwoInputNet, SiameseNet]
    for cls in layers:
        LAYERS[cls.__name__] = cls
    for cls in models:
        MODELS[cls.__name__] = cls
    try:
        yield
    finally:
        for cls in layers:
            LAYERS.pop(cls.__name__, None)
        for cls in models:
            MODELS.pop(cls.__name__, None)
