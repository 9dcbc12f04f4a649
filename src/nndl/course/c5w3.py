"""Course 5, week 3: the attention step of the date-translation model, in NumPy.

    e⟨t,t'⟩ = ReLU(W2·tanh(W1·[a⟨t'⟩; s⟨t−1⟩] + b1) + b2),  α⟨t,t'⟩ = softmax over t',
    context⟨t⟩ = Σ_t' α⟨t,t'⟩ a⟨t'⟩

In the notebook's layout: a (m, T_x, 2·n_a) from the Bi-LSTM, s_prev (m, n_s), context
(m, 1, 2·n_a). ``parameters``: ``W1 (n_e, 2·n_a + n_s)``, ``b1 (n_e, 1)``, ``W2 (1, n_e)``,
``b2 (1, 1)`` — the notebook's ``densor1 = Dense(10, activation="tanh")`` (n_e = 10) and
``densor2 = Dense(1, activation="relu")`` (a Keras kernel K maps as W = Kᵀ). The equation
is ``nndl.functional.additive_attention_forward``.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F

Array = np.ndarray


def initialize_attention_parameters(n_a: int, n_s: int, n_e: int = 10, seed: int = 1) -> dict:
    """W1, W2 drawn N(0, 1)·√(1/fan_in) with ``np.random.seed(seed)``; b1, b2 zeros."""
    np.random.seed(seed)
    return {"W1": np.random.randn(n_e, 2 * n_a + n_s) * np.sqrt(1.0 / (2 * n_a + n_s)),
            "b1": np.zeros((n_e, 1)),
            "W2": np.random.randn(1, n_e) * np.sqrt(1.0 / n_e),
            "b2": np.zeros((1, 1))}


def one_step_attention(a: Array, s_prev: Array, parameters: dict,
                       return_alphas: bool = False):
    """The context vector for one decoder step.

    a: (m, T_x, 2·n_a); s_prev: (m, n_s). Returns context (m, 1, 2·n_a) (and the attention
    weights α (m, T_x) with ``return_alphas=True``)."""
    a = np.asarray(a)
    if a.ndim != 3:
        raise ValueError(f"a must have the notebook's shape (m, T_x, 2*n_a), got {a.shape}")
    s_prev = np.asarray(s_prev)
    if s_prev.ndim != 2 or s_prev.shape[0] != a.shape[0]:
        raise ValueError(f"s_prev must have shape (m, n_s) with m = {a.shape[0]}, got {s_prev.shape}")
    context, cache = F.additive_attention_forward(np.transpose(a, (2, 0, 1)), s_prev.T, parameters)
    context = context.T[:, None, :]
    return (context, cache["alphas"]) if return_alphas else context
