"""Course 5, week 1: recurrent networks step by step, and the character-level language model.

    RNN cell:   a⟨t⟩ = tanh(Waa·a⟨t−1⟩ + Wax·x⟨t⟩ + ba),  ŷ⟨t⟩ = softmax(Wya·a⟨t⟩ + by)
    LSTM cell:  Γf, Γi, Γo = σ(W·[a⟨t−1⟩; x⟨t⟩] + b),  c̃ = tanh(Wc·[a⟨t−1⟩; x⟨t⟩] + bc),
                c⟨t⟩ = Γf⊙c⟨t−1⟩ + Γi⊙c̃,  a⟨t⟩ = Γo⊙tanh(c⟨t⟩),  ŷ⟨t⟩ = softmax(Wy·a⟨t⟩ + by)

The functions take and return what the notebooks do: ``parameters`` dicts (``Wax, Waa, Wya,
ba, by``; LSTM ``Wf, bf, Wi, bi, Wc, bc, Wo, bo, Wy, by``; the dinosaur model's ``Wax, Waa,
Wya, b, by``), per-step caches in the notebooks' layouts and gradients dicts keyed "dWax", ….
The equations run in ``nndl.functional`` (``rnn_forward``, ``lstm_forward`` and their
backward passes); a backward function here recomputes the forward pass from the course's
cache. ``sample`` draws with the global ``np.random`` exactly as the notebook does, so a
learner gets the notebook's names for the notebook's seed.
"""

from __future__ import annotations

import copy

import numpy as np

from .. import functional as F
from ..optimizers import GradientDescent

Array = np.ndarray


def _softmax_output(a: Array, Wy: Array, by: Array) -> Array:
    """ŷ = softmax(Wy·a + by) for a (n_a, m) or (n_a, m, T_x)."""
    if a.ndim == 2:
        return F.softmax(F.linear_forward(a, Wy, by)[0])[0]
    n_a, m, T = a.shape
    Z = F.linear_forward(a.reshape(n_a, m * T), Wy, by)[0]
    return F.softmax(Z)[0].reshape(-1, m, T)


def _rnn_params(parameters: dict, bias: str = "ba") -> dict:
    return {"Wax": parameters["Wax"], "Waa": parameters["Waa"], "ba": parameters[bias]}


def rnn_cell_forward(xt: Array, a_prev: Array, parameters: dict):
    """One RNN step. xt (n_x, m), a_prev (n_a, m). Returns (a_next (n_a, m),
    yt_pred (n_y, m), cache = (a_next, a_prev, xt, parameters))."""
    a_next, _ = F.rnn_cell_forward(xt, a_prev, _rnn_params(parameters))
    yt_pred = _softmax_output(a_next, parameters["Wya"], parameters["by"])
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


def rnn_forward(x: Array, a0: Array, parameters: dict):
    """The RNN over x (n_x, m, T_x) from a0 (n_a, m). Returns (a (n_a, m, T_x),
    y_pred (n_y, m, T_x), caches = ([per-step caches], x))."""
    a, _ = F.rnn_forward(x, a0, _rnn_params(parameters))
    y_pred = _softmax_output(a, parameters["Wya"], parameters["by"])
    a_prevs = [a0] + [a[:, :, t] for t in range(a.shape[2] - 1)]
    caches = [(a[:, :, t], a_prevs[t], x[:, :, t], parameters) for t in range(a.shape[2])]
    return a, y_pred, (caches, x)


def rnn_cell_backward(da_next: Array, cache: tuple) -> dict:
    """Gradients of one step from da_next (n_a, m): {"dxt", "da_prev", "dWax", "dWaa", "dba"}."""
    _, a_prev, xt, parameters = cache
    _, fcache = F.rnn_cell_forward(xt, a_prev, _rnn_params(parameters))
    dxt, da_prev, g = F.rnn_cell_backward(da_next, fcache)
    return {"dxt": dxt, "da_prev": da_prev, "dWax": g["Wax"], "dWaa": g["Waa"], "dba": g["ba"]}


def rnn_backward(da: Array, caches: tuple) -> dict:
    """Backpropagation through time from da (n_a, m, T_x), the upstream gradient of every
    hidden state. Returns {"dx", "da0", "dWax", "dWaa", "dba"}."""
    step_caches, x = caches
    a0, parameters = step_caches[0][1], step_caches[0][3]
    _, fcache = F.rnn_forward(x, a0, _rnn_params(parameters))
    dx, da0, g = F.rnn_backward(da, fcache)
    return {"dx": dx, "da0": da0, "dWax": g["Wax"], "dWaa": g["Waa"], "dba": g["ba"]}


def _lstm_params(parameters: dict) -> dict:
    return {k: parameters[k] for k in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo")}


def lstm_cell_forward(xt: Array, a_prev: Array, c_prev: Array, parameters: dict):
    """One LSTM step. Returns (a_next, c_next, yt_pred, cache = (a_next, c_next, a_prev,
    c_prev, ft, it, cct, ot, xt, parameters))."""
    a_next, c_next, fcache = F.lstm_cell_forward(xt, a_prev, c_prev, _lstm_params(parameters))
    g = {k: v[:, :, 0] for k, v in F.lstm_gates(fcache).items()}
    yt_pred = _softmax_output(a_next, parameters["Wy"], parameters["by"])
    cache = (a_next, c_next, a_prev, c_prev, g["f"], g["i"], g["c"], g["o"], xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x: Array, a0: Array, parameters: dict):
    """The LSTM over x (n_x, m, T_x) from a0 (n_a, m) and c0 = 0. Returns (a, y, c, caches =
    ([per-step caches], x)) with a, c (n_a, m, T_x) and y (n_y, m, T_x)."""
    a, c, fcache = F.lstm_forward(x, a0, _lstm_params(parameters))
    y = _softmax_output(a, parameters["Wy"], parameters["by"])
    g = F.lstm_gates(fcache)
    T = x.shape[2]
    c0 = np.zeros_like(a0)
    caches = [(a[:, :, t], c[:, :, t], a0 if t == 0 else a[:, :, t - 1], c0 if t == 0 else c[:, :, t - 1],
               g["f"][:, :, t], g["i"][:, :, t], g["c"][:, :, t], g["o"][:, :, t], x[:, :, t], parameters)
              for t in range(T)]
    return a, y, c, (caches, x)


def _lstm_grads(g: dict) -> dict:
    return {"dWf": g["Wf"], "dbf": g["bf"], "dWi": g["Wi"], "dbi": g["bi"],
            "dWc": g["Wc"], "dbc": g["bc"], "dWo": g["Wo"], "dbo": g["bo"]}


def lstm_cell_backward(da_next: Array, dc_next: Array, cache: tuple) -> dict:
    """Gradients of one LSTM step: {"dxt", "da_prev", "dc_prev", "dWf", "dbf", …, "dbo"}."""
    a_prev, c_prev, xt, parameters = cache[2], cache[3], cache[8], cache[9]
    _, _, fcache = F.lstm_cell_forward(xt, a_prev, c_prev, _lstm_params(parameters))
    dxt, da_prev, dc_prev, g = F.lstm_cell_backward(da_next, dc_next, fcache)
    return {"dxt": dxt, "da_prev": da_prev, "dc_prev": dc_prev, **_lstm_grads(g)}


def lstm_backward(da: Array, caches: tuple) -> dict:
    """Backpropagation through time for the LSTM from da (n_a, m, T_x).
    Returns {"dx", "da0", "dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo"}."""
    step_caches, x = caches
    a0, c0, parameters = step_caches[0][2], step_caches[0][3], step_caches[0][9]
    _, _, fcache = F.lstm_forward(x, a0, _lstm_params(parameters), c0=c0)
    dx, da0, _, g = F.lstm_backward(da, fcache)
    return {"dx": dx, "da0": da0, **_lstm_grads(g)}


# --- the character-level language model (Dinosaurus Island) ---------------------------

def clip(gradients: dict, maxValue: float) -> dict:
    """A copy of the gradients {"dWaa", "dWax", "dWya", "db", "dby"} with every element
    clipped to [−maxValue, maxValue] (the caller's arrays are left as they were)."""
    keys = ("dWaa", "dWax", "dWya", "db", "dby")
    clipped = F.clip_by_value({k: copy.deepcopy(gradients[k]) for k in keys}, maxValue)
    return {k: clipped[k] for k in keys}


def sample(parameters: dict, char_to_ix: dict, seed: int) -> list[int]:
    """Sample character indices from the language model, one step at a time, from x⟨1⟩ = 0
    and a⟨0⟩ = 0, until a newline or 50 characters (then a newline is appended).

    Before drawing step ``counter`` the global generator is seeded with ``counter + seed``
    (seed itself grows by one each step), and the index is drawn with
    ``np.random.choice(range(vocab_size), p=ŷ)`` — the notebook's draws exactly.
    """
    Waa, by = parameters["Waa"], parameters["by"]
    vocab_size, n_a = by.shape[0], Waa.shape[1]
    params = _rnn_params(parameters, bias="b")
    x = np.zeros((vocab_size, 1))
    a_prev = np.zeros((n_a, 1))
    indices: list[int] = []
    idx = -1
    counter = 0
    newline = char_to_ix["\n"]
    while idx != newline and counter != 50:
        a, _ = F.rnn_cell_forward(x, a_prev, params)
        y = _softmax_output(a, parameters["Wya"], by)
        np.random.seed(counter + seed)
        idx = int(np.random.choice(list(range(vocab_size)), p=y.ravel()))
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a
        seed += 1
        counter += 1
    if counter == 50:
        indices.append(newline)
    return indices


def optimize(X: list, Y: list, a_prev: Array, parameters: dict, learning_rate: float = 0.01):
    """One step of gradient descent on one example (a name): forward through time, the
    cross-entropy summed over the steps, backpropagation through time, gradients clipped to
    [−5, 5], and the update W ← W − α·dW (in place).

    X, Y: lists of character indices (X may start with None for the zero input); a_prev
    (n_a, 1). Returns (loss, gradients {"dWax", "dWaa", "dWya", "db", "dby"}, a_last (n_a, 1)).
    """
    Wya, by = parameters["Wya"], parameters["by"]
    vocab_size, T = by.shape[0], len(X)
    if len(Y) != T:
        raise ValueError(f"X and Y must have the same length, got {len(X)} and {len(Y)}")
    x = np.zeros((vocab_size, 1, T))
    for t, ix in enumerate(X):
        if ix is not None:
            x[ix, 0, t] = 1
    a, cache = F.rnn_forward(x, a_prev, _rnn_params(parameters, bias="b"))
    Z = F.linear_forward(a[:, 0, :], Wya, by)[0][:, None, :]          # (vocab, 1, T)
    J, loss_cache = F.sequence_softmax_cross_entropy(Z, np.array([Y]))
    loss = J * T                                                        # the notebook sums over t
    dZ = F.sequence_softmax_cross_entropy_backward(loss_cache)[:, 0, :] * T
    dWya, dby = dZ @ a[:, 0, :].T, dZ.sum(axis=1, keepdims=True)
    _, _, g = F.rnn_backward((Wya.T @ dZ)[:, None, :], cache)
    gradients = clip({"dWax": g["Wax"], "dWaa": g["Waa"], "dWya": dWya, "db": g["ba"], "dby": dby}, 5)
    gd = GradientDescent(learning_rate)
    for key, name in (("Wax", "dWax"), ("Waa", "dWaa"), ("Wya", "dWya"), ("b", "db"), ("by", "dby")):
        gd._step(parameters[key], gradients[name])
    return loss, gradients, a[:, :, -1]
