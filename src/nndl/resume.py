"""State of callbacks that travels in checkpoints, so a resumed run continues as the
uninterrupted one would (early stopping's best value, best epoch, patience count and best
weights).

A callback records its state on the model at the end of each epoch (``record``); a
checkpoint written after it saves that state (``callback_state_to_save``): JSON in the
metadata, arrays as tensors named ``callbacks/KEY/NAME``. ``load_checkpoint`` puts the saved
state back on the model (``restore_callback_state``) and the callback of the same kind
takes it once, when training begins (``take``). Callbacks that record state must run
before ``ModelCheckpoint`` in the callback list, so the checkpoint holds this epoch's state.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

PREFIX = "callbacks/"


def record(model, key: str, state: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> None:
    """Keep ``state`` (JSON-ready) and ``arrays`` of callback ``key`` on the model for the next checkpoint."""
    if not hasattr(model, "callback_state"):
        model.callback_state = {}
    model.callback_state[key] = (state, arrays or {})


def take(model, key: str) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """The state of callback ``key`` restored from a checkpoint, once (None if there is none)."""
    return getattr(model, "resumed_callback_state", {}).pop(key, None)


def callback_state_to_save(model) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(JSON state by key, tensors ``callbacks/KEY/NAME``) of every recorded callback."""
    meta, tensors = {}, {}
    for key, (state, arrays) in getattr(model, "callback_state", {}).items():
        meta[key] = state
        tensors.update({f"{PREFIX}{key}/{name}": a for name, a in arrays.items()})
    return meta, tensors


def restore_callback_state(model, meta: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
    """Put a checkpoint's callback state on the model for the callbacks to ``take``; the
    state of early stopping is validated (ValueError when it is damaged)."""
    restored = {}
    for key, state in meta.items():
        prefix = f"{PREFIX}{key}/"
        arrays = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        if key == "early_stopping":
            _check_early_stopping(state, arrays, model)
        restored[key] = (state, arrays)
    model.resumed_callback_state = restored
    model.callback_state = dict(restored)


def _check_early_stopping(state: Any, arrays: dict[str, np.ndarray], model) -> None:
    if not isinstance(state, dict) or not isinstance(state.get("monitor"), str):
        raise ValueError("the early-stopping state must be an object naming its monitor")
    best, wait = state.get("best"), state.get("wait")
    if isinstance(best, bool) or not isinstance(best, (int, float)) or math.isnan(best):
        raise ValueError(f"early stopping's best value must be a number, got {best!r}")
    if isinstance(wait, bool) or not isinstance(wait, int) or wait < 0:
        raise ValueError(f"early stopping's wait must be an integer >= 0, got {wait!r}")
    for k in ("best_epoch", "stopped_epoch"):
        v = state.get(k)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            raise ValueError(f"early stopping's {k} must be an integer >= 0 or null, got {v!r}")
    if arrays:
        expected = {k: v.shape for k, v in model.get_weights().items()}
        got = {k: v.shape for k, v in arrays.items()}
        if got != expected:
            raise ValueError("early stopping's best weights do not match the model's weights")
        if not all(np.isfinite(v).all() for v in arrays.values()):
            raise ValueError("early stopping's best weights hold NaN/Inf values")


def record_early_stopping(cb, model) -> None:
    """Record an ``EarlyStopping`` callback's state on the model (call at each epoch's end)."""
    record(model, "early_stopping", {"monitor": cb.monitor, "best": cb.best, "best_epoch": cb.best_epoch,
                                     "wait": cb.wait, "stopped_epoch": cb.stopped_epoch},
           cb.best_weights if cb.best_weights is not None else {})


def restore_early_stopping(cb, model) -> None:
    """Continue an ``EarlyStopping`` callback from the state a resumed checkpoint holds, if
    it monitors the same value (call at the end of ``on_train_begin``)."""
    saved = take(model, "early_stopping")
    if saved is None or saved[0]["monitor"] != cb.monitor:
        return
    state, arrays = saved
    cb.best, cb.best_epoch, cb.wait = float(state["best"]), state["best_epoch"], state["wait"]
    cb.stopped_epoch = None  # training goes on (a run that had stopped is not resumed: see nndl train)
    cb.best_weights = {k: v.copy() for k, v in arrays.items()} or None
