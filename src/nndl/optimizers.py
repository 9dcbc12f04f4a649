"""Optimizers that update a flat ``params`` dict from a ``grads`` dict (Course 2, week 2).

``update(params, grads)`` is the course's ``update_parameters_with_*``. State is kept per
parameter name (``v["dW1"]``, ``s["dW1"]``), so two layers never share it. When params and
grads are ``FlatParams`` (as in a model) the state is one as well and every update is a
handful of NumPy calls on the flat vectors; plain dicts of arrays work too, key by key.
Each update rule is written once, on arrays, and applied either way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .params import FlatParams

Array = np.ndarray


def _check_pair(params: dict, grads: dict) -> None:
    for k, W in params.items():
        g = grads.get("d" + k)
        if g is None:
            raise KeyError(f"grads has no 'd{k}' for parameter {k!r}")
        if g.shape != W.shape:
            raise ValueError(f"d{k} has shape {g.shape}, but {k} has shape {W.shape}")


class Optimizer:
    """Base class: holds the learning rate α, the step counter t and per-name state."""

    name = "base"
    state_names: tuple[str, ...] = ()

    def __init__(self, learning_rate: float = 0.01):
        if not np.isfinite(learning_rate) or learning_rate <= 0:
            raise ValueError(f"learning_rate must be a positive number, got {learning_rate}")
        self.learning_rate = float(learning_rate)
        self.t = 0
        self.state: dict[str, dict[str, Array]] = {}

    def _init_state(self, grads: dict) -> None:
        for name in self.state_names:
            if isinstance(grads, FlatParams):
                self.state[name] = grads.zeros_like()
            else:
                self.state[name] = {k: np.zeros_like(g) for k, g in grads.items()}

    def update(self, params: dict[str, Array], grads: dict[str, Array]) -> dict[str, Array]:
        """One step for every parameter: W ← W − α·(the rule's direction). Returns params."""
        if not self.state and self.state_names:
            _check_pair(params, grads)
            self._init_state(grads)
        self.t += 1
        if isinstance(params, FlatParams) and params.same_layout(grads):
            self._step(params.vector, grads.vector, *(self.state[n].vector for n in self.state_names))
        else:
            _check_pair(params, grads)
            for k, W in params.items():
                dk = "d" + k
                self._step(W, grads[dk], *(self.state[n][dk] for n in self.state_names))
        return params

    def _step(self, W: Array, dW: Array, *state: Array) -> None:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"learning_rate": self.learning_rate}

    def state_arrays(self) -> dict[str, Array]:
        """Flat name → array view of the state, for checkpoints: {"v.dW1": …, "s.dW1": …}."""
        return {f"{n}.{k}": a for n, d in self.state.items() for k, a in d.items()}

    def load_state_arrays(self, arrays: dict[str, Array], grads: dict, t: int) -> None:
        """Restore state saved by ``state_arrays`` (after the model's grads exist)."""
        self._init_state(grads)
        for key, a in arrays.items():
            n, k = key.split(".", 1)
            self.state[n][k][...] = a
        self.t = int(t)


class GradientDescent(Optimizer):
    """W ← W − α·dW."""

    name = "gd"

    def _step(self, W, dW):
        W -= self.learning_rate * dW


class Momentum(Optimizer):
    """v ← β·v + (1 − β)·dW;  W ← W − α·v."""

    name = "momentum"
    state_names = ("v",)

    def __init__(self, learning_rate: float = 0.01, beta: float = 0.9):
        super().__init__(learning_rate)
        _check_beta("beta", beta)
        self.beta = float(beta)

    def _step(self, W, dW, v):
        v *= self.beta
        v += (1 - self.beta) * dW
        W -= self.learning_rate * v

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


class RMSprop(Optimizer):
    """s ← β₂·s + (1 − β₂)·dW²;  W ← W − α·dW / (√s + ε)."""

    name = "rmsprop"
    state_names = ("s",)

    def __init__(self, learning_rate: float = 0.001, beta2: float = 0.999, epsilon: float = 1e-8):
        super().__init__(learning_rate)
        _check_beta("beta2", beta2)
        self.beta2, self.epsilon = float(beta2), float(epsilon)

    def _step(self, W, dW, s):
        s *= self.beta2
        s += (1 - self.beta2) * dW * dW
        W -= self.learning_rate * dW / (np.sqrt(s) + self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta2": self.beta2, "epsilon": self.epsilon}


class Adam(Optimizer):
    """v ← β₁v + (1−β₁)dW;  s ← β₂s + (1−β₂)dW²;  v̂ = v/(1−β₁ᵗ);  ŝ = s/(1−β₂ᵗ);
    W ← W − α·v̂ / (√ŝ + ε)."""

    name = "adam"
    state_names = ("v", "s")

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8):
        super().__init__(learning_rate)
        _check_beta("beta1", beta1)
        _check_beta("beta2", beta2)
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)

    def _step(self, W, dW, v, s):
        b1, b2, t = self.beta1, self.beta2, self.t
        v *= b1
        v += (1 - b1) * dW
        s *= b2
        s += (1 - b2) * dW * dW
        denom = np.sqrt(s / (1 - b2 ** t))
        denom += self.epsilon
        W -= (self.learning_rate / (1 - b1 ** t)) * v / denom

    def get_config(self):
        return {**super().get_config(), "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}


def _check_beta(name: str, beta: float) -> None:
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {beta}")


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (GradientDescent, Momentum, RMSprop, Adam)
}
OPTIMIZERS["sgd"] = GradientDescent


def get_optimizer(optimizer: str | Optimizer, **kwargs) -> Optimizer:
    """An optimizer object from a name ("gd", "sgd", "momentum", "rmsprop", "adam") or as given."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    try:
        cls = OPTIMIZERS[str(optimizer).lower()]
    except KeyError:
        known = ", ".join(sorted(OPTIMIZERS))
        raise ValueError(f"unknown optimizer {optimizer!r}; expected one of: {known}") from None
    return cls(**{k: v for k, v in kwargs.items() if v is not None})
