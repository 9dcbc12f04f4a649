"""Recurrent layers over sequences (n_x, m, T_x): SimpleRNN, GRU, LSTM.

Each layer runs the sequence functions of ``nndl.functional`` (one input product for all
steps, one recurrent product per step, the per-step arrays preallocated there) and keeps
their cache. The examples sit on axis 1 (``batch_axis = 1``); one example is (n_x, T_x).

- ``return_sequences=True``: the output is every hidden state a (n_a, m, T_x), examples on
  axis 1; ``False``: the last one a⟨T_x⟩ (n_a, m), a dense layout (axis −1) a Dense layer takes.
- ``return_state=True`` (for hand-written models): ``forward`` returns the tuple
  ``(output, a⟨T_x⟩)`` (LSTM: ``(output, a⟨T_x⟩, c⟨T_x⟩)``) and ``backward`` takes the
  matching tuple of gradients (a ``None`` entry is zero).
- Initial state: ``forward(x, training, initial_state=a0)`` (LSTM: ``(a0, c0)``), each
  (n_a, m); zeros when omitted. After ``backward`` the gradient of the cost with respect to
  it is in ``layer.d_initial_state`` (a tuple, per example as every dA).

Parameters carry the course's names (``Wax, Waa, ba``; ``Wu, bu, Wr, br, Wc, bc`` [+ ``bch``];
``Wf, bf, Wi, bi, Wc, bc, Wo, bo`` on the stacked [a⟨t−1⟩; x⟨t⟩]). As for every nndl layer,
backward takes the per-example dA (m·∂J/∂A) and forms the parameter gradients of the mean
cost (the 1/m is applied here).
"""

from __future__ import annotations

import math

import numpy as np

from ..functional.gru import gru_backward, gru_forward
from ..functional.lstm import lstm_backward, lstm_forward
from ..functional.rnn import rnn_backward, rnn_forward
from ..initializers import initialize
from ..limits import check_allocation
from .base import Array, Layer, register_layer


class _Recurrent(Layer):
    batch_axis = 1
    numbered = True
    n_states = 1  # a (LSTM: a and c)
    cache_per_step = 3  # (n_a)-sized arrays the forward keeps per time step (a, x's share, tanh')

    def __init__(self, units: int, return_sequences: bool = True, return_state: bool = False,
                 name: str | None = None):
        super().__init__(name)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units < 1:
            raise ValueError(f"{type(self).__name__} units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.d_initial_state: tuple | None = None

    @property
    def output_batch_axis(self) -> int:
        return 1 if self.return_sequences else -1

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects sequences (n_x, m, T_x), got examples "
                             f"of shape {input_shape}")
        return (self.units, input_shape[1]) if self.return_sequences else (self.units,)

    def inference_elements(self) -> int:
        """The output plus the per-step cache of every time step (``cache_per_step``·n_a·T_x)."""
        return math.prod(self.output_shape) + self.cache_per_step * self.units * self.input_shape[1]

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        n_x, n_a = input_shape[0], self.units
        shapes = self._shapes(n_x, n_a)
        check_allocation((sum(n_a * (cols if kind == "W" else 1) for kind, cols in shapes.values()),),
                         dtype, f"{type(self).__name__} weights")
        self.params = {}
        for key, (kind, cols) in shapes.items():
            shape = (n_a, cols) if kind == "W" else (n_a, 1)
            self.params[key] = (initialize("xavier", shape, cols, n_a, rng, dtype) if kind == "W"
                                else np.zeros(shape, dtype=dtype))
        self._zero_grads()
        return out

    def _shapes(self, n_x: int, n_a: int) -> dict:
        raise NotImplementedError

    def _initial(self, initial_state, m: int) -> tuple:
        """The initial state(s) as a tuple of n_states arrays (n_a, m) or Nones, checked."""
        if initial_state is None:
            return (None,) * self.n_states
        states = initial_state if isinstance(initial_state, (tuple, list)) else (initial_state,)
        if len(states) != self.n_states:
            raise ValueError(f"{type(self).__name__} takes {self.n_states} initial state(s), got {len(states)}")
        for s in states:
            if s is not None and np.shape(s) != (self.units, m):
                raise ValueError(f"{type(self).__name__} initial state must have shape (n_a, m) = "
                                 f"{(self.units, m)}, got {np.shape(s)}")
        return tuple(states)

    def forward(self, A_prev: Array, training: bool = False, initial_state=None):
        """a (n_a, m, T_x) or a⟨T_x⟩ (n_a, m); with ``return_state`` also the final state(s)."""
        self.check_input(A_prev)
        states = self._initial(initial_state, A_prev.shape[1])
        a, finals = self._run(A_prev, states)
        self._T = a.shape[2]
        out = a if self.return_sequences else np.ascontiguousarray(a[:, :, -1])
        return (out, *finals) if self.return_state else out

    def backward(self, dA) -> Array | None:
        """dx (n_x, m, T_x) (None for a first layer); fills grads and ``d_initial_state``."""
        d_finals = (None,) * self.n_states
        if self.return_state:
            dA, *d_finals = dA
            d_finals = tuple(d_finals) + (None,) * (self.n_states - len(d_finals))
        m = dA.shape[1]
        if not self.return_sequences:
            full = np.zeros((dA.shape[0], m, self._T), dtype=dA.dtype)
            full[:, :, -1] = dA
            dA = full
        elif d_finals[0] is not None:
            dA = dA.copy()
        if d_finals[0] is not None:
            dA[:, :, -1] += d_finals[0]
        dx, d_init, grads = self._back(dA, d_finals[1:])
        self.d_initial_state = d_init
        for k, g in grads.items():
            np.multiply(g, 1.0 / m, out=self.grads["d" + k])
        return dx

    def get_config(self):
        return {"units": self.units, "return_sequences": self.return_sequences,
                "return_state": self.return_state, "name": self.name}


@register_layer
class SimpleRNN(_Recurrent):
    """a⟨t⟩ = tanh(Wax·x⟨t⟩ + Waa·a⟨t−1⟩ + ba)."""

    def _shapes(self, n_x, n_a):
        return {"Wax": ("W", n_x), "Waa": ("W", n_a), "ba": ("b", 1)}

    def _run(self, x, states):
        a, self.cache = rnn_forward(x, states[0], self.params)
        return a, (np.ascontiguousarray(a[:, :, -1]),)

    def _back(self, da, d_rest):
        dx, da0, grads = rnn_backward(da, self.cache)
        return dx, (da0,), grads


@register_layer
class GRU(_Recurrent):
    """The course's GRU (relevance gate before the product), or PyTorch's with reset_after."""

    cache_per_step = 6  # a, the three gates, the candidate's pre-products

    def __init__(self, units: int, return_sequences: bool = True, reset_after: bool = False,
                 return_state: bool = False, name: str | None = None):
        super().__init__(units, return_sequences, return_state, name)
        self.reset_after = bool(reset_after)

    def _shapes(self, n_x, n_a):
        shapes = {f"{p}{g}": ("W", n_a + n_x) if p == "W" else ("b", 1) for g in "urc" for p in "Wb"}
        if self.reset_after:
            shapes["bch"] = ("b", 1)
        return shapes

    def _run(self, x, states):
        a, self.cache = gru_forward(x, states[0], self.params, reset_after=self.reset_after)
        return a, (np.ascontiguousarray(a[:, :, -1]),)

    def _back(self, da, d_rest):
        dx, da0, grads = gru_backward(da, self.cache)
        return dx, (da0,), grads

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


@register_layer
class LSTM(_Recurrent):
    """The course's LSTM on [a⟨t−1⟩; x⟨t⟩], the four gates in one product per step.
    States: (a, c); ``initial_state=(a0, c0)``; ``return_state`` adds (a⟨T_x⟩, c⟨T_x⟩)."""

    n_states = 2
    cache_per_step = 8  # a, c, tanh(c), the four gates, the stacked input
    splits_batch = True  # the compiled loops run on the batch threads (see lstm_forward)

    def _shapes(self, n_x, n_a):
        return {f"{p}{g}": ("W", n_a + n_x) if p == "W" else ("b", 1) for g in "fico" for p in "Wb"}

    def _run(self, x, states):
        a, c, self.cache = lstm_forward(x, states[0], self.params, c0=states[1])
        return a, (np.ascontiguousarray(a[:, :, -1]), np.ascontiguousarray(c[:, :, -1]))

    def _back(self, da, d_rest):
        dx, da0, dc0, grads = lstm_backward(da, self.cache, dc_last=d_rest[0],
                                            compute_dx=self.needs_input_grad)
        return dx, (da0, dc0), grads
