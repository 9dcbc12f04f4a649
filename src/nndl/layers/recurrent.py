"""Recurrent layers over sequences (n_x, m, T_x): SimpleRNN, GRU, LSTM.

Each layer runs the sequence functions of ``nndl.functional`` (one input product for all
steps, one recurrent product per step) and keeps their cache. The examples sit on axis 1
(``batch_axis = 1``); one example is (n_x, T_x). With ``return_sequences=True`` the output is
every hidden state (n_a, m, T_x); otherwise the last one, (n_a, m), a dense layout that a
Dense layer can take. Parameters carry the course's names (``Wax, Waa, ba``; ``Wu, bu, Wr,
br, Wc, bc`` [+ ``bch``]; ``Wf, bf, Wi, bi, Wc, bc, Wo, bo``). The initial state is zero.

As for every nndl layer, backward takes the per-example dA (m·∂J/∂A) and forms the
parameter gradients of the mean cost (the 1/m is applied here).
"""

from __future__ import annotations

import numpy as np

from ..functional.gru import gru_backward, gru_forward
from ..functional.lstm import lstm_backward, lstm_forward
from ..functional.rnn import rnn_backward, rnn_forward
from ..initializers import initialize
from .base import Array, Layer, register_layer


class _Recurrent(Layer):
    batch_axis = 1
    numbered = True
    SHAPES: dict = {}

    def __init__(self, units: int, return_sequences: bool = True, name: str | None = None):
        super().__init__(name)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units < 1:
            raise ValueError(f"{type(self).__name__} units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.return_sequences = bool(return_sequences)

    @property
    def output_batch_axis(self) -> int:
        return 1 if self.return_sequences else -1

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects sequences (n_x, m, T_x), got examples "
                             f"of shape {input_shape}")
        return (self.units, input_shape[1]) if self.return_sequences else (self.units,)

    def build(self, input_shape, rng, dtype=np.float32):
        out = super().build(input_shape, rng, dtype)
        n_x, n_a = input_shape[0], self.units
        self.params = {}
        for key, (kind, cols) in self._shapes(n_x, n_a).items():
            shape = (n_a, cols) if kind == "W" else (n_a, 1)
            self.params[key] = (initialize("xavier", shape, cols, n_a, rng, dtype) if kind == "W"
                                else np.zeros(shape, dtype=dtype))
        self._zero_grads()
        return out

    def _shapes(self, n_x: int, n_a: int) -> dict:
        raise NotImplementedError

    def _run(self, x):
        raise NotImplementedError

    def _back(self, da):
        raise NotImplementedError

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        a = self._run(A_prev)
        self._T = a.shape[2]
        return a if self.return_sequences else np.ascontiguousarray(a[:, :, -1])

    def backward(self, dA: Array) -> Array | None:
        m = dA.shape[1]
        if not self.return_sequences:
            full = np.zeros((dA.shape[0], m, self._T), dtype=dA.dtype)
            full[:, :, -1] = dA
            dA = full
        dx, grads = self._back(dA)
        for k, g in grads.items():
            np.multiply(g, 1.0 / m, out=self.grads["d" + k])
        return dx

    def get_config(self):
        return {"units": self.units, "return_sequences": self.return_sequences, "name": self.name}


@register_layer
class SimpleRNN(_Recurrent):
    """a⟨t⟩ = tanh(Wax·x⟨t⟩ + Waa·a⟨t−1⟩ + ba)."""

    def _shapes(self, n_x, n_a):
        return {"Wax": ("W", n_x), "Waa": ("W", n_a), "ba": ("b", 1)}

    def _run(self, x):
        a, self.cache = rnn_forward(x, None, self.params)
        return a

    def _back(self, da):
        dx, _, grads = rnn_backward(da, self.cache)
        return dx, grads


@register_layer
class GRU(_Recurrent):
    """The course's GRU (relevance gate before the product), or PyTorch's with reset_after."""

    def __init__(self, units: int, return_sequences: bool = True, reset_after: bool = False,
                 name: str | None = None):
        super().__init__(units, return_sequences, name)
        self.reset_after = bool(reset_after)

    def _shapes(self, n_x, n_a):
        shapes = {f"{p}{g}": ("W", n_a + n_x) if p == "W" else ("b", 1) for g in "urc" for p in "Wb"}
        if self.reset_after:
            shapes["bch"] = ("b", 1)
        return shapes

    def _run(self, x):
        a, self.cache = gru_forward(x, None, self.params, reset_after=self.reset_after)
        return a

    def _back(self, da):
        dx, _, grads = gru_backward(da, self.cache)
        return dx, grads

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


@register_layer
class LSTM(_Recurrent):
    """The course's LSTM on [a⟨t−1⟩; x⟨t⟩], the four gates in one product per step."""

    def _shapes(self, n_x, n_a):
        return {f"{p}{g}": ("W", n_a + n_x) if p == "W" else ("b", 1) for g in "fico" for p in "Wb"}

    def _run(self, x):
        a, _, self.cache = lstm_forward(x, None, self.params)
        return a

    def _back(self, da):
        dx, _, _, grads = lstm_backward(da, self.cache, compute_dx=self.needs_input_grad)
        return dx, grads
