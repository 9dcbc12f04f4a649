"""Deep (stacked) and bidirectional recurrent networks built from rnn/gru/lstm_forward.

``kind`` is one of ``"rnn"``, ``"gru"``, ``"gru_reset_after"``, ``"lstm"``; every layer and
direction starts from zero states. Shapes: x (n_x, m, T_x); a layer's output (n_a, m, T_x).

* deep: a[1] = RNN₁(x), a[l] = RNN_l(a[l−1]); the output is the last layer's a.
* bidirectional: a = [a→; a←] (2·n_a, m, T_x), where a← runs the same equations on the
  time-reversed x and is reversed back, so a←⟨t⟩ has read x⟨t⟩ … x⟨T_x⟩.
"""

from __future__ import annotations

import numpy as np

from .gru import gru_backward, gru_forward
from .lstm import lstm_backward, lstm_forward
from .rnn import rnn_backward, rnn_forward

Array = np.ndarray


def _forward(kind: str, x: Array, params: dict) -> tuple[Array, tuple]:
    if kind == "rnn":
        return rnn_forward(x, None, params)
    if kind in ("gru", "gru_reset_after"):
        return gru_forward(x, None, params, reset_after=kind == "gru_reset_after")
    if kind == "lstm":
        a, _, cache = lstm_forward(x, None, params)
        return a, cache
    raise ValueError(f"unknown recurrent kind {kind!r}; expected rnn, gru, gru_reset_after or lstm")


def _backward(kind: str, da: Array, cache: tuple) -> tuple[Array, dict]:
    if kind == "rnn":
        dx, _, grads = rnn_backward(da, cache)
    elif kind == "lstm":
        dx, _, _, grads = lstm_backward(da, cache)
    else:
        dx, _, grads = gru_backward(da, cache)
    return dx, grads


def deep_rnn_forward(x: Array, layers: list[dict], kind: str = "lstm") -> tuple[Array, tuple]:
    """a[l] = RNN_l(a[l−1]) with a[0] = x, for the parameter dicts in ``layers``.

    Returns (a[L] (n_a[L], m, T_x), cache)."""
    if not layers:
        raise ValueError("deep_rnn_forward needs at least one layer's parameters, got none")
    caches = []
    a = x
    for params in layers:
        a, cache = _forward(kind, a, params)
        caches.append(cache)
    return a, (kind, caches)


def deep_rnn_backward(da: Array, cache: tuple) -> tuple[Array, list[dict]]:
    """Backward through the stack, last layer first. Returns (dx, [grads per layer])."""
    kind, caches = cache
    grads = []
    for layer_cache in reversed(caches):
        da, g = _backward(kind, da, layer_cache)
        grads.append(g)
    return da, grads[::-1]


def bidirectional_forward(x: Array, params_forward: dict, params_backward: dict,
                          kind: str = "lstm") -> tuple[Array, tuple]:
    """a = [a→; a←]: a→ = RNN→(x), a← = reverse(RNN←(reverse(x))) along time.

    x: (n_x, m, T_x). Returns (a (n_a→ + n_a←, m, T_x), cache)."""
    a_f, cache_f = _forward(kind, x, params_forward)
    a_b, cache_b = _forward(kind, np.asarray(x)[:, :, ::-1], params_backward)
    a = np.concatenate([a_f, a_b[:, :, ::-1]], axis=0)
    return a, (kind, a_f.shape[0], cache_f, cache_b)


def bidirectional_backward(da: Array, cache: tuple) -> tuple[Array, dict, dict]:
    """Split da (n_a→ + n_a←, m, T_x) between the directions and add their dx.

    Returns (dx (n_x, m, T_x), grads_forward, grads_backward)."""
    kind, n_f, cache_f, cache_b = cache
    dx_f, g_f = _backward(kind, da[:n_f], cache_f)
    dx_b, g_b = _backward(kind, da[n_f:, :, ::-1], cache_b)
    return dx_f + dx_b[:, :, ::-1], g_f, g_b
