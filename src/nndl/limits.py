"""Range and size checks made before anything is allocated or trained.

- Hyperparameters: each is a finite number in its range (``check_hyperparameter``), so a
  NaN λ or clip value is named as such instead of surfacing later as a "diverged" run.
- Sizes: layer sizes are positive integers (``check_layer_sizes``); an array about to be
  allocated is compared with the memory available and, while a model file is being
  rebuilt, with the bytes of weights the file actually holds (``check_allocation`` under
  ``allocation_budget``), so an absurd size is refused with a message, not a MemoryError.
- Epochs and saved training state: ``check_epoch_range``, ``check_checkpoint_state``,
  ``check_finite_weights``.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator, Sequence

import numpy as np

# Arrays live about three times over while a model is built and trained: the parameters,
# their flat buffer and the gradients (optimizers add their state later).
COPIES = 3
_budget: ContextVar[list | None] = ContextVar("nndl_allocation_budget", default=None)


def check_batch_size(batch_size) -> None:
    """ValueError unless ``batch_size`` is a positive integer or None (fit: the whole set;
    predict/evaluate: ``Model.inference_batch_size()``)."""
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")


def check_hyperparameter(name: str, value, low: float | None = None, high: float | None = None,
                         low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a float, or ValueError unless it is a finite real number in the range
    [low, high] (an open end with ``low_open`` / ``high_open``; None: unbounded)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {v}")
    below = low is not None and (v <= low if low_open else v < low)
    above = high is not None and (v >= high if high_open else v > high)
    if below or above:
        lo = "(-inf" if low is None else f"{'(' if low_open else '['}{low:g}"
        hi = "inf)" if high is None else f"{high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {lo}, {hi}, got {v:g}")
    return v


def check_optional(name: str, value, **limits) -> float | None:
    """``check_hyperparameter`` for a value that may be None (the option is off)."""
    return None if value is None else check_hyperparameter(name, value, **limits)


def check_layer_sizes(dims: Sequence, name: str = "layer_dims") -> list[int]:
    """[n_x, n[1], …, n[L]] as ints: each a positive integer (2.7, True or "16" refused)."""
    out = []
    for d in dims:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)) and not (
                isinstance(d, (float, np.floating)) and float(d).is_integer()):
            raise ValueError(f"{name} must be positive integers, got {d!r} in {list(dims)}")
        if d < 1:
            raise ValueError(f"{name} must be positive integers, got {d!r} in {list(dims)}")
        out.append(int(d))
    if len(out) < 2:
        raise ValueError(f"{name} must be at least [n_x, n_y], got {list(dims)}")
    return out


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _gb(n: float) -> str:
    return f"{n / 1e9:.3g} GB" if n >= 1e8 else f"{n / 1e6:.3g} MB" if n >= 1e5 else f"{n:.0f} bytes"


def check_allocation(shape: Sequence[int], dtype, what: str) -> None:
    """Refuse (ValueError) to allocate an array of ``shape`` and ``dtype`` that cannot fit:
    more than the memory available (counting the copies training keeps), or, while a model
    file is rebuilt, more than the weights the file holds. Layers call it in ``build``."""
    n_bytes = math.prod(int(s) for s in shape) * np.dtype(dtype).itemsize
    budget = _budget.get()
    if budget is not None:
        budget[0] -= n_bytes
        if budget[0] < 0:
            raise ValueError(f"the architecture needs {_gb(n_bytes)} for {what} {tuple(shape)}, "
                             f"but {budget[1]} only {_gb(budget[2])} of weights: the sizes in the file "
                             "do not match its tensors")
    free = available_memory()
    if free is not None and n_bytes * COPIES > free:
        raise ValueError(f"{what} of shape {tuple(shape)} would need {_gb(n_bytes * COPIES)} of memory "
                         f"(parameters, their gradients and a copy), only {_gb(free)} is available; "
                         "choose smaller layer sizes")


@contextmanager
def allocation_budget(n_bytes: int, source: str) -> Iterator[None]:
    """Within the block, ``check_allocation`` refuses arrays beyond ``n_bytes`` in total:
    a model rebuilt from a file may not claim more weights than ``source`` holds."""
    token = _budget.set([int(n_bytes), source, int(n_bytes)])
    try:
        yield
    finally:
        _budget.reset(token)


def check_epoch_range(epochs, initial_epoch, epochs_done: int) -> tuple[int, int]:
    """(first, end) epochs of a ``fit`` call. Without ``initial_epoch``: ``epochs`` more after
    those done. With it, ``epochs`` is the total to reach (Keras' convention, used to resume
    a checkpoint), so it must exceed ``initial_epoch``: training nothing is an error."""
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if initial_epoch is None:
        return int(epochs_done), int(epochs_done) + int(epochs)
    if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, (int, np.integer)) or initial_epoch < 0:
        raise ValueError(f"initial_epoch must be a non-negative integer, got {initial_epoch!r}")
    if epochs <= initial_epoch:
        raise ValueError(f"with initial_epoch={initial_epoch}, epochs is the total to reach, so epochs={epochs} "
                         f"trains nothing: pass epochs > {initial_epoch}, or leave initial_epoch out to train "
                         f"{epochs} more epochs")
    return int(initial_epoch), int(epochs)


def check_training_options(layers: Sequence, batch_size: int, clip_value=None, clip_norm=None) -> None:
    """``fit``'s options, before training: clipping thresholds are finite and positive (or
    None), and the mini-batch fits every layer: a layer that normalizes over the mini-batch
    (``min_batch_size`` 2) learns nothing from batches of one example."""
    check_optional("clip_value", clip_value, low=0, low_open=True)
    check_optional("clip_norm", clip_norm, low=0, low_open=True)
    need = max((getattr(layer, "min_batch_size", 1) for layer in layers), default=1)
    if batch_size < need:
        names = sorted({type(l).__name__ for l in layers if getattr(l, "min_batch_size", 1) > batch_size})
        raise ValueError(f"{', '.join(names)} needs mini-batches of at least {need} examples "
                         f"(its statistics of one example are meaningless), got batch size {batch_size}")


def check_finite_weights(weights: dict[str, np.ndarray]) -> None:
    """ValueError naming the first weight array with NaN/Inf values."""
    for k, v in weights.items():
        if v.dtype.kind in "fc" and not np.isfinite(v).all():
            n = int(np.count_nonzero(~np.isfinite(v)))
            raise ValueError(f"weights {k} hold {n} NaN/Inf value(s) (saved from a diverged run, or "
                             "damaged); refusing to use them")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_checkpoint_state(state: Any) -> None:
    """ValueError unless a checkpoint's training state has the types and ranges
    ``save_checkpoint`` writes: epoch ≥ 0, step count t ≥ 0, α₀ > 0, a generator state, and
    a history of lists of finite numbers for epochs 0 … epoch − 1."""
    if not isinstance(state, dict):
        raise ValueError(f"the training state is a JSON {type(state).__name__}, expected an object")
    epoch = state.get("epoch")
    if not _is_int(epoch) or epoch < 0:
        raise ValueError(f"epoch must be an integer >= 0, got {epoch!r}")
    opt = state.get("optimizer")
    if not isinstance(opt, dict) or not isinstance(opt.get("name"), str) or not isinstance(opt.get("config"), dict):
        raise ValueError("the optimizer entry must name the optimizer and its config")
    if not _is_int(opt.get("t")) or opt["t"] < 0:
        raise ValueError(f"the optimizer's step count t must be an integer >= 0, got {opt.get('t')!r}")
    lr0 = state.get("learning_rate0")
    if not _is_number(lr0) or lr0 <= 0:
        raise ValueError(f"learning_rate0 must be a positive number, got {lr0!r}")
    if not isinstance(state.get("rng_state"), dict):
        raise ValueError("the random generator state is missing")
    history = state.get("history")
    if not isinstance(history, dict) or not isinstance(history.get("epoch"), list):
        raise ValueError("the history must map names to lists, with an 'epoch' list")
    n = len(history["epoch"])
    for k, values in history.items():
        if not isinstance(values, list) or len(values) > n or not all(_is_number(v) for v in values):
            raise ValueError(f"history[{k!r}] must be a list of at most {n} finite numbers")
    if not all(_is_int(e) and 0 <= e < epoch for e in history["epoch"]):
        raise ValueError(f"the history's epochs {history['epoch'][:5]}… do not fit the checkpoint's epoch {epoch}")
    if not isinstance(state.get("callbacks", {}), dict):
        raise ValueError("the callbacks' state must be an object")
