"""Course 2, week 2: optimization methods.

    gradient descent:  W ← W − α·dW
    mini-batches:      shuffle the columns of (X, Y) together, cut full batches of size
                       mini_batch_size, then one last smaller batch with the rest
    momentum:          v ← β·v + (1 − β)·dW;  W ← W − α·v
    Adam:              v ← β₁v + (1 − β₁)dW;  s ← β₂s + (1 − β₂)dW²;
                       v̂ = v/(1 − β₁ᵗ);  ŝ = s/(1 − β₂ᵗ);  W ← W − α·v̂/(√ŝ + ε)
    decay:             α = α₀ / (1 + decay_rate·⌊epoch / time_interval⌋)

As in the assignment, ``parameters`` is updated and returned, and the state dicts v and s
(keyed "dW1", "db1", …) are updated and returned as the same objects the caller passed in.
The parameter arrays are updated in place. The rules are those of ``nndl.optimizers``
(``GradientDescent``, ``Momentum``, ``adam_step``) and ``nndl.schedules.InverseTimeDecay``.
"""

from __future__ import annotations

import numpy as np

from ..batches import gather
from ..optimizers import Adam, GradientDescent, Momentum, adam_step
from ..schedules import InverseTimeDecay
from ._common import check_grads, check_XY

Array = np.ndarray


def update_parameters_with_gd(parameters: dict, grads: dict, learning_rate: float) -> dict:
    """W[l] ← W[l] − α·dW[l], b[l] ← b[l] − α·db[l], in place. Returns parameters."""
    check_grads(parameters, grads)
    gd = GradientDescent(learning_rate)
    for k, W in parameters.items():
        gd._step(W, grads["d" + k])
    return parameters


def random_mini_batches(X: Array, Y: Array, mini_batch_size: int = 64, seed: int = 0,
                        rng: np.random.Generator | None = None,
                        permutation: Array | None = None) -> list[tuple[Array, Array]]:
    """Shuffle the m columns of (X, Y) with one permutation, then split them into
    ⌊m / mini_batch_size⌋ full mini-batches and, if m is not a multiple, one last one
    of m mod mini_batch_size examples.

    X: (n_x, m); Y: (n_y, m). The permutation is ``permutation`` if given, else
    ``rng.permutation(m)``, else ``np.random.default_rng(seed).permutation(m)``
    (``rng=np.random.RandomState(seed)`` gives the notebook's exact batches).
    Returns [(mini_batch_X (n_x, size), mini_batch_Y (n_y, size)), …].
    """
    X, Y = check_XY(X, Y)
    mini_batch_size = int(mini_batch_size)
    if mini_batch_size < 1:
        raise ValueError(f"mini_batch_size must be a positive integer, got {mini_batch_size}")
    m = X.shape[1]
    if permutation is None:
        permutation = (rng if rng is not None else np.random.default_rng(seed)).permutation(m)
    permutation = np.asarray(permutation)
    if permutation.shape != (m,) or not np.array_equal(np.sort(permutation), np.arange(m)):
        raise ValueError(f"permutation must be a permutation of range({m}), got shape {permutation.shape}")
    shuffled_X, shuffled_Y = gather((X, Y), (-1, -1), permutation)
    return [(shuffled_X[:, k:k + mini_batch_size], shuffled_Y[:, k:k + mini_batch_size])
            for k in range(0, m, mini_batch_size)]


def initialize_velocity(parameters: dict) -> dict:
    """v["dW1"], v["db1"], … = zeros of each parameter's shape and dtype."""
    return {"d" + k: np.zeros_like(W) for k, W in parameters.items()}


def update_parameters_with_momentum(parameters: dict, grads: dict, v: dict, beta: float,
                                    learning_rate: float) -> tuple[dict, dict]:
    """v ← β·v + (1 − β)·dW;  W ← W − α·v, for every parameter, in place.

    Returns (parameters, v), the same dicts as given.
    """
    check_grads(parameters, grads)
    momentum = Momentum(learning_rate, beta)
    for k, W in parameters.items():
        momentum._step(W, grads["d" + k], v["d" + k])
    return parameters, v


def initialize_adam(parameters: dict) -> tuple[dict, dict]:
    """v and s: zeros keyed "dW1", "db1", … with each parameter's shape and dtype."""
    return initialize_velocity(parameters), initialize_velocity(parameters)


def update_parameters_with_adam(parameters: dict, grads: dict, v: dict, s: dict, t: int,
                                learning_rate: float = 0.01, beta1: float = 0.9, beta2: float = 0.999,
                                epsilon: float = 1e-8) -> tuple[dict, dict, dict, dict, dict]:
    """One Adam step for every parameter at step t (counted from 1), in place on W, v, s.

    Returns (parameters, v, s, v_corrected, s_corrected); v and s are the dicts given.
    """
    check_grads(parameters, grads)
    adam = Adam(learning_rate, beta1, beta2, epsilon)  # validates the hyperparameters
    v_corrected, s_corrected = {}, {}
    for k, W in parameters.items():
        dk = "d" + k
        correction1, correction2 = adam_step(W, grads[dk], v[dk], s[dk], t, adam.learning_rate,
                                             adam.beta1, adam.beta2, adam.epsilon)
        v_corrected[dk], s_corrected[dk] = v[dk] / correction1, s[dk] / correction2
    return parameters, v, s, v_corrected, s_corrected


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """α = α₀ / (1 + decay_rate · epoch_num)."""
    return InverseTimeDecay(decay_rate, time_interval=1)(epoch_num, learning_rate0)


def schedule_lr_decay(learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000) -> float:
    """α = α₀ / (1 + decay_rate · ⌊epoch_num / time_interval⌋): decay once every time_interval epochs."""
    return InverseTimeDecay(decay_rate, time_interval)(epoch_num, learning_rate0)
