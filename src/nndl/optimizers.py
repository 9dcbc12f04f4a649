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
        check_learning_rate(learning_rate)
        self.learning_rate = float(learning_rate)
        self.t = 0
        self.state: dict[str, dict[str, Array]] = {}
        self._buffers: dict[tuple, Array] = {}  # scratch arrays by (shape, dtype), see _scratch

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
        frozen = getattr(params, "frozen", None)
        if isinstance(params, FlatParams) and params.same_layout(grads):
            kept = self._keep(params, frozen) if frozen else None
            self._step(params.vector, grads.vector, *(self.state[n].vector for n in self.state_names))
            if kept:
                for array, saved in kept:
                    array[...] = saved
        else:
            _check_pair(params, grads)
            for k, W in params.items():
                if frozen and k in frozen:
                    continue
                dk = "d" + k
                self._step(W, grads[dk], *(self.state[n][dk] for n in self.state_names))
        return params

    def _keep(self, params, frozen) -> list[tuple[Array, Array]]:
        """Copies of the frozen parameters and their optimizer state, written back after the
        flat step: frozen parameters are skipped (``params.frozen``, see ``Layer.freeze``)."""
        kept = []
        for k in frozen:
            kept.append((params[k], params[k].copy()))
            for n in self.state_names:
                kept.append((self.state[n]["d" + k], self.state[n]["d" + k].copy()))
        return kept

    def _step(self, W: Array, dW: Array, *state: Array) -> None:
        raise NotImplementedError

    def _scratch(self, like: Array) -> Array:
        """A work array shaped like ``like``, reused on every step, so that an update
        allocates nothing: each rule writes its terms into it with ``out=``."""
        key = (like.shape, like.dtype.str)
        if key not in self._buffers:
            self._buffers[key] = np.empty_like(like)
        return self._buffers[key]

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (α and the rule's β, ε), so ``cls(**config)`` rebuilds it."""
        return {"learning_rate": self.learning_rate}

    def state_arrays(self) -> dict[str, Array]:
        """Flat name → array view of the state, for checkpoints: {"v.dW1": …, "s.dW1": …}."""
        return {f"{n}.{k}": a for n, d in self.state.items() for k, a in d.items()}

    def load_state_arrays(self, arrays: dict[str, Array], grads: dict, t: int) -> None:
        """Restore state saved by ``state_arrays`` (after the model's grads exist).

        Each array must have the shape of the gradient it belongs to."""
        self._init_state(grads)
        for key, a in arrays.items():
            n, _, k = key.partition(".")
            if n not in self.state or k not in self.state[n]:
                raise KeyError(f"optimizer state {key!r} is not one of {type(self).__name__}'s for these "
                               f"parameters: {', '.join(self.state_arrays()) or 'none'}")
            if np.shape(a) != self.state[n][k].shape:
                raise ValueError(f"optimizer state {key} has shape {np.shape(a)}, expected {self.state[n][k].shape}")
            self.state[n][k][...] = a
        self.t = int(t)


class GradientDescent(Optimizer):
    """W ← W − α·dW."""

    name = "gd"

    def _step(self, W, dW):
        W -= np.multiply(dW, self.learning_rate, out=self._scratch(dW))  # α·dW


class Momentum(Optimizer):
    """v ← β·v + (1 − β)·dW;  W ← W − α·v."""

    name = "momentum"
    state_names = ("v",)

    def __init__(self, learning_rate: float = 0.01, beta: float = 0.9):
        super().__init__(learning_rate)
        _check_beta("beta", beta)
        self.beta = float(beta)

    def _step(self, W, dW, v):
        g = self._scratch(dW)
        v *= self.beta
        v += np.multiply(dW, 1 - self.beta, out=g)  # (1 − β)·dW
        W -= np.multiply(v, self.learning_rate, out=g)  # α·v

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
        g = self._scratch(dW)
        s *= self.beta2
        s += np.multiply(np.square(dW, out=g), 1 - self.beta2, out=g)  # (1 − β₂)·dW²
        denom = np.sqrt(s, out=g)
        denom += self.epsilon  # √s + ε
        step = np.divide(dW, denom, out=g)
        step *= self.learning_rate  # α·dW/(√s + ε)
        W -= step

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
        adam_step(W, dW, v, s, self.t, self.learning_rate, self.beta1, self.beta2, self.epsilon,
                  scratch=self._scratch(dW))

    def get_config(self):
        return {**super().get_config(), "beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}


def adam_step(W: Array, dW: Array, v: Array, s: Array, t: int, learning_rate: float,
              beta1: float, beta2: float, epsilon: float,
              scratch: Array | None = None) -> tuple[float, float]:
    """One Adam step for one parameter, in place on W, v and s (t counts steps from 1):

        v ← β₁v + (1−β₁)dW;  s ← β₂s + (1−β₂)dW²;  v̂ = v/(1−β₁ᵗ);  ŝ = s/(1−β₂ᵗ);
        W ← W − α·v̂ / (√ŝ + ε).

    W, dW, v, s: one shape. ``scratch``: a work array of that shape, reused so that the
    step allocates nothing (``Adam`` passes one). Returns the bias corrections
    (1−β₁ᵗ, 1−β₂ᵗ), so that v̂ = v / (1−β₁ᵗ) and ŝ = s / (1−β₂ᵗ) (the course returns them).
    """
    if t < 1:
        raise ValueError(f"Adam's step counter t starts at 1, got t={t}")
    g = np.empty_like(dW) if scratch is None else scratch
    correction1, correction2 = 1 - beta1 ** t, 1 - beta2 ** t
    v *= beta1
    v += np.multiply(dW, 1 - beta1, out=g)  # (1 − β₁)·dW
    s *= beta2
    s += np.multiply(np.square(dW, out=g), 1 - beta2, out=g)  # (1 − β₂)·dW²
    denom = np.sqrt(np.divide(s, correction2, out=g), out=g)  # √ŝ
    denom += epsilon
    step = np.divide(v, denom, out=g)
    step *= learning_rate / correction1  # α·v̂/(√ŝ + ε)
    W -= step
    return correction1, correction2


def check_learning_rate(learning_rate: float) -> None:
    """Raise ValueError unless α is a finite positive number."""
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate}")


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
