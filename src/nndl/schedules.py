"""Learning-rate decay (Course 2, week 2): α as a function of the epoch number.

Each schedule is called as ``schedule(epoch, learning_rate0) -> learning_rate``.
"""

from __future__ import annotations

import math
from typing import Any


class Schedule:
    """α = α₀ (no decay); the base class of every schedule."""

    name = "constant"

    def __call__(self, epoch: int, learning_rate0: float) -> float:
        return learning_rate0

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, so ``type(self)(**config)`` rebuilds the schedule."""
        return dict(vars(self))


class InverseTimeDecay(Schedule):
    """α = α₀ / (1 + decay_rate · ⌊epoch / time_interval⌋).

    time_interval = 1 is the course's ``update_lr``; a larger interval is its
    fixed-interval ``schedule_lr_decay``.
    """

    name = "inverse_time"

    def __init__(self, decay_rate: float = 1.0, time_interval: int = 1):
        if decay_rate < 0 or time_interval < 1:
            raise ValueError(f"need decay_rate >= 0 and time_interval >= 1, got {decay_rate}, {time_interval}")
        self.decay_rate, self.time_interval = float(decay_rate), int(time_interval)

    def __call__(self, epoch, learning_rate0):
        return learning_rate0 / (1 + self.decay_rate * (epoch // self.time_interval))


class ExponentialDecay(Schedule):
    """α = α₀ · decay_rate^epoch (the course's 0.95^epoch · α₀)."""

    name = "exponential"

    def __init__(self, decay_rate: float = 0.95):
        if not 0 < decay_rate <= 1:
            raise ValueError(f"exponential decay_rate must be in (0, 1], got {decay_rate}")
        self.decay_rate = float(decay_rate)

    def __call__(self, epoch, learning_rate0):
        return learning_rate0 * self.decay_rate ** epoch


class StepDecay(Schedule):
    """α = α₀ · drop^⌊epoch / every⌋ (fixed-interval step decay)."""

    name = "step"

    def __init__(self, drop: float = 0.5, every: int = 10):
        if not 0 < drop <= 1 or every < 1:
            raise ValueError(f"need 0 < drop <= 1 and every >= 1, got {drop}, {every}")
        self.drop, self.every = float(drop), int(every)

    def __call__(self, epoch, learning_rate0):
        return learning_rate0 * self.drop ** (epoch // self.every)


class CosineDecay(Schedule):
    """α = α_min + ½(α₀ − α_min)(1 + cos(π · min(epoch, T) / T))."""

    name = "cosine"

    def __init__(self, total_epochs: int = 100, min_lr: float = 0.0):
        if total_epochs < 1 or min_lr < 0:
            raise ValueError(f"need total_epochs >= 1 and min_lr >= 0, got {total_epochs}, {min_lr}")
        self.total_epochs, self.min_lr = int(total_epochs), float(min_lr)

    def __call__(self, epoch, learning_rate0):
        e = min(epoch, self.total_epochs)
        return self.min_lr + 0.5 * (learning_rate0 - self.min_lr) * (1 + math.cos(math.pi * e / self.total_epochs))


SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls for cls in (Schedule, InverseTimeDecay, ExponentialDecay, StepDecay, CosineDecay)
}


def get_schedule(spec: str | Schedule | None, epochs: int | None = None) -> Schedule | None:
    """A schedule from an object, None, or a spec "name" / "name:key=value,key=value"
    (e.g. "inverse_time:decay_rate=1,time_interval=1000", "cosine:total_epochs=20"). With the
    run's ``epochs``, a cosine without total_epochs decays over them (a resumed run's new total
    included)."""
    if spec is None or isinstance(spec, Schedule):
        return spec
    name, _, args = str(spec).partition(":")
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; expected one of: {', '.join(sorted(SCHEDULES))}")
    kwargs = {}
    for part in filter(None, args.split(",")):
        key, eq, value = part.partition("=")
        if not eq:
            raise ValueError(f"schedule argument {part!r} should look like key=value")
        try:
            kwargs[key.strip()] = float(value)
        except ValueError:
            raise ValueError(f"schedule argument {part!r} needs a number after '='") from None
        if not math.isfinite(kwargs[key.strip()]):
            raise ValueError(f"schedule argument {part!r} needs a finite number after '='")
    if name == CosineDecay.name and epochs is not None:
        kwargs.setdefault("total_epochs", epochs)
    try:
        return SCHEDULES[name](**kwargs)
    except TypeError as e:
        raise ValueError(f"bad arguments for schedule {name!r}: {e}") from None
