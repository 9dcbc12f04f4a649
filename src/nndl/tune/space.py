"""The search space (Course 2, week 3): which hyperparameters a trial draws, on which scale.

    α ~ 10^U(…) (log scale);  1 − β ~ 10^U(…) (log scale);  L − 1 ~ U{min … max};
    n[l] log-uniform integers;  keep_prob ~ U(lo, hi);  λ = 0 or 10^U(…);  batch ∈ {2^k}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

OPTIMIZERS = ("adam", "momentum")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")


@dataclass
class SearchSpace:
    """The ranges a study draws from (inclusive). A range with lo == hi is a fixed value.

    learning_rate: α, log scale. beta: β (momentum β, Adam β1), drawn as 1 − β on a log
    scale. min_layers/max_layers: number of hidden layers. units: n[l] per hidden layer,
    log scale. keep_prob: dropout keep probability, uniform (1 = no dropout). lambd: the
    L2 λ when L2 is on, log scale; a yes/no switch decides whether λ = 0 (lambd = (0, 0):
    never). batch_sizes: the smallest and largest mini-batch size, powers of two; every
    power of two between is a choice. optimizers, activations: the choices.
    """

    learning_rate: tuple[float, float] = (1e-4, 1e-1)
    beta: tuple[float, float] = (0.9, 0.999)
    min_layers: int = 1
    max_layers: int = 3
    units: tuple[int, int] = (16, 256)
    keep_prob: tuple[float, float] = (0.5, 1.0)
    lambd: tuple[float, float] = (1e-5, 1e-1)
    batch_sizes: tuple[int, int] = (16, 512)
    optimizers: tuple[str, ...] = OPTIMIZERS
    activations: tuple[str, ...] = ("relu",)

    def __post_init__(self) -> None:
        self.learning_rate = _range("learning_rate", self.learning_rate, float, low=0.0, open_low=True)
        self.beta = _range("beta", self.beta, float, low=0.0, high=1.0, open_high=True)
        self.units = _range("units", self.units, int, low=1)
        self.keep_prob = _range("keep_prob", self.keep_prob, float, low=0.0, high=1.0, open_low=True)
        self.lambd = _range("lambd", self.lambd, float, low=0.0)
        if self.lambd[0] == 0.0 and self.lambd[1] > 0.0:
            raise ValueError(f"lambd range must be positive (λ = 0 comes from the L2 on/off switch), "
                             f"got {self.lambd}; use e.g. (1e-5, 1e-1), or (0, 0) for no L2")
        self.batch_sizes = _range("batch_sizes", self.batch_sizes, int, low=1)
        for b in self.batch_sizes:
            if b & (b - 1):
                raise ValueError(f"batch_sizes must be powers of two such as (16, 512), got {self.batch_sizes}")
        if not (isinstance(self.min_layers, int) and isinstance(self.max_layers, int)
                and 0 <= self.min_layers <= self.max_layers):
            raise ValueError(f"hidden layers must satisfy 0 <= min_layers <= max_layers, "
                             f"got min_layers={self.min_layers!r}, max_layers={self.max_layers!r}")
        self.optimizers = _choices("optimizers", self.optimizers, OPTIMIZERS)
        self.activations = _choices("activations", self.activations, ACTIVATIONS)

    @property
    def batch_size_choices(self) -> list[int]:
        """Every power of two from the smallest to the largest mini-batch size."""
        lo, hi = self.batch_sizes
        return [2 ** k for k in range(lo.bit_length() - 1, hi.bit_length())]

    def sample(self, trial) -> dict[str, Any]:
        """One configuration, drawn through ``trial.suggest_*``:
        {optimizer, learning_rate, beta, hidden (list of n[l]), activation, keep_prob, lambd, batch_size}."""
        lr = _suggest_float(trial, "learning_rate", self.learning_rate, log=True)
        one_minus_beta = _suggest_float(trial, "one_minus_beta", (1 - self.beta[1], 1 - self.beta[0]), log=True)
        n_hidden = _suggest_int(trial, "hidden_layers", (self.min_layers, self.max_layers))
        hidden = [_suggest_int(trial, f"n{l}", self.units, log=True) for l in range(1, n_hidden + 1)]
        lambd = 0.0
        if self.lambd[1] > 0 and trial.suggest_categorical("l2", [False, True]):
            lambd = _suggest_float(trial, "lambd", self.lambd, log=True)
        return {
            "optimizer": _suggest_choice(trial, "optimizer", self.optimizers),
            "learning_rate": lr,
            "beta": 1.0 - one_minus_beta,
            "hidden": hidden,
            "activation": _suggest_choice(trial, "activation", self.activations),
            "keep_prob": _suggest_float(trial, "keep_prob", self.keep_prob),
            "lambd": lambd,
            "batch_size": _suggest_choice(trial, "batch_size", self.batch_size_choices),
        }


def _range(name: str, value, kind, low=None, high=None, open_low=False, open_high=False) -> tuple:
    try:
        lo, hi = (kind(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (lo, hi) of {kind.__name__}s, got {value!r}") from None
    bad = not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi
    bad |= low is not None and (lo < low or (open_low and lo == low))
    bad |= high is not None and (hi > high or (open_high and hi == high))
    if bad:
        bounds = f"{'(' if open_low else '['}{low if low is not None else '-inf'}, " \
                 f"{high if high is not None else 'inf'}{')' if open_high else ']'}"
        raise ValueError(f"{name} must be a range lo <= hi within {bounds}, got {value!r}")
    return lo, hi


def _choices(name: str, value, known: tuple[str, ...]) -> tuple[str, ...]:
    value = (value,) if isinstance(value, str) else tuple(value)
    unknown = [v for v in value if v not in known]
    if not value or unknown:
        raise ValueError(f"{name} must be a non-empty list from {', '.join(known)}, got {list(value)}")
    return value


def _suggest_float(trial, name: str, bounds: tuple[float, float], log: bool = False) -> float:
    lo, hi = bounds
    return lo if lo == hi else float(trial.suggest_float(name, lo, hi, log=log))


def _suggest_int(trial, name: str, bounds: tuple[int, int], log: bool = False) -> int:
    lo, hi = bounds
    return lo if lo == hi else int(trial.suggest_int(name, lo, hi, log=log))


def _suggest_choice(trial, name: str, choices):
    choices = list(choices)
    return choices[0] if len(choices) == 1 else trial.suggest_categorical(name, choices)
