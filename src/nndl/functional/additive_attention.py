"""Additive (Bahdanau) attention over the encoder states, as in the course's date model
(``one_step_attention``):

    e⟨t⟩  = ReLU(W2·tanh(W1·[a⟨t⟩; s⟨t−1⟩] + b1) + b2)      energies, one per encoder step
    α⟨t⟩  = softmax_t(e⟨t⟩)                                 over the T_x encoder steps
    context = Σ_t α⟨t⟩ a⟨t⟩

a: encoder states (n_h, m, T_x) (e.g. the 2·n_a of a bidirectional LSTM); s_prev: the
decoder state (n_s, m). Parameters: ``W1 (n_e, n_h + n_s)`` on [a⟨t⟩; s⟨t−1⟩] (the course's
``Dense(10, "tanh")`` has n_e = 10), ``b1 (n_e, 1)``, ``W2 (1, n_e)``, ``b2 (1, 1)``
(``Dense(1, "relu")``). An optional mask (m, T_x), 1 = attend, leaves padding out.
"""

from __future__ import annotations

import numpy as np

from ._sequence import check_param, check_sequence, to_rows

Array = np.ndarray


def additive_attention_forward(a: Array, s_prev: Array, params: dict,
                               mask: Array | None = None) -> tuple[Array, dict]:
    """context = Σ_t α⟨t⟩ a⟨t⟩ (module docstring).

    Returns (context (n_h, m), cache); cache["alphas"] is (m, T_x), rows summing to 1."""
    a = check_sequence(a, "a")
    n_h, m, T = a.shape
    s_prev = np.asarray(s_prev)
    if s_prev.ndim != 2 or s_prev.shape[1] != m:
        raise ValueError(f"s_prev must have shape (n_s, m) with m = {m}, got {s_prev.shape}")
    n_s = s_prev.shape[0]
    W1 = np.asarray(params.get("W1", np.empty((0, 0))))
    n_e = W1.shape[0]
    W1 = check_param(params, "W1", (n_e, n_h + n_s)).astype(a.dtype, copy=False)
    b1 = check_param(params, "b1", (n_e, 1)).astype(a.dtype, copy=False)
    W2 = check_param(params, "W2", (1, n_e)).astype(a.dtype, copy=False)
    b2 = check_param(params, "b2", (1, 1)).astype(a.dtype, copy=False)
    A = to_rows(a)                                                  # (T, m, n_h)
    S = np.ascontiguousarray(s_prev.T, dtype=a.dtype)               # (m, n_s)
    H = (A.reshape(T * m, n_h) @ W1[:, :n_h].T).reshape(T, m, n_e)
    H += S @ W1[:, n_h:].T + b1.T                                   # the same s⟨t−1⟩ for every t
    np.tanh(H, out=H)
    E = (H @ W2.T)[:, :, 0] + b2[0, 0]                              # (T, m)
    np.maximum(E, 0, out=E)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != (m, T):
            raise ValueError(f"mask must have shape (m, T_x) = {(m, T)}, got {mask.shape}")
        E_masked = np.where(mask.T > 0, E, E.dtype.type(-1e9))
    else:
        E_masked = E
    alpha = np.exp(E_masked - E_masked.max(axis=0, keepdims=True))
    alpha /= alpha.sum(axis=0, keepdims=True)                       # (T, m)
    context = np.einsum("tm,tmh->hm", alpha, A)
    cache = {"A": A, "S": S, "H": H, "E": E, "alpha": alpha, "W1": W1, "W2": W2,
             "alphas": alpha.T}
    return context, cache


def additive_attention_backward(dcontext: Array, cache: dict) -> tuple[Array, Array, dict]:
    """Backward of ``additive_attention_forward``.

    dα⟨t⟩ = a⟨t⟩·dcontext, de = α ⊙ (dα − Σ_t α dα), through ReLU and tanh to W1, W2 and
    the inputs. Returns (da (n_h, m, T_x), ds_prev (n_s, m), grads {W1, b1, W2, b2}).
    """
    A, S, H, E, alpha, W1, W2 = (cache[k] for k in ("A", "S", "H", "E", "alpha", "W1", "W2"))
    T, m, n_h = A.shape
    dC = np.ascontiguousarray(np.asarray(dcontext).T, dtype=A.dtype)   # (m, n_h)
    dA = alpha[:, :, None] * dC[None]                               # through the weighted sum
    dalpha = np.einsum("tmh,mh->tm", A, dC)
    dE = alpha * (dalpha - (alpha * dalpha).sum(axis=0, keepdims=True))
    dE *= E > 0                                                     # through ReLU
    dH = dE[:, :, None] * W2[0]                                     # (T, m, n_e)
    dW2 = (dE[:, :, None] * H).sum(axis=(0, 1))[None, :]
    db2 = np.array([[dE.sum()]], dtype=A.dtype)
    dH *= 1 - H * H                                                 # through tanh
    dH2 = dH.reshape(T * m, -1)
    dH_sum = dH.sum(axis=0)                                         # (m, n_e): s⟨t−1⟩ feeds every t
    dW1 = np.concatenate([dH2.T @ A.reshape(T * m, n_h), dH_sum.T @ S], axis=1)
    db1 = dH2.sum(axis=0)[:, None]
    dA += (dH2 @ W1[:, :n_h]).reshape(T, m, n_h)
    ds_prev = (dH_sum @ W1[:, n_h:]).T
    return np.transpose(dA, (2, 1, 0)), ds_prev, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
