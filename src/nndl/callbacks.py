"""Callbacks that watch training: history, early stopping, checkpoints, LR schedules, CSV logs.

A callback's hooks receive the model (any ``nndl.Model``); ``on_epoch_end`` also gets the
epoch's logs: ``cost``, each of the model's metrics (``accuracy``, and e.g. ``token_cost``
for sequence outputs; training values averaged over the epoch's mini-batches), the same with
``val_`` on the dev set when given (``val_cost``, ``val_accuracy``), and ``lr``. Setting
``model.stop_training = True`` ends training after the current epoch.
"""

from __future__ import annotations

import csv
import math
import os
from io import StringIO
from pathlib import Path
from typing import Any

from .resume import record_early_stopping, restore_early_stopping
from .schedules import Schedule, get_schedule

LOG_KEYS = ("cost", "accuracy", "val_cost", "val_accuracy", "lr")


class Callback:
    """Base class: override any hook; each does nothing by default."""

    def on_train_begin(self, model) -> None: ...
    def on_epoch_begin(self, epoch: int, model) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict[str, float], model) -> None: ...
    def on_train_end(self, model) -> None: ...


class History(Callback):
    """Per-epoch logs: ``history.history["cost"][i]`` is the cost of epoch ``epoch[i]``."""

    def __init__(self):
        self.history: dict[str, list[float]] = {"epoch": []}

    def on_epoch_end(self, epoch, logs, model):
        self.history["epoch"].append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(float(v))

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __len__(self) -> int:
        return len(self.history["epoch"])

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per epoch: {"epoch": …, "cost": …, …}."""
        return [{k: v[i] for k, v in self.history.items() if i < len(v)} for i in range(len(self))]

    def write_csv(self, path: str | os.PathLike) -> None:
        """Write one row per epoch (epoch, cost, accuracy, val_cost, val_accuracy, lr),
        atomically like a model file."""
        from .io import _atomic_write
        text = StringIO(newline="")
        w = csv.DictWriter(text, fieldnames=list(self.history))
        w.writeheader()
        w.writerows(self.to_rows())
        _atomic_write(Path(path), text.getvalue().encode())


class EarlyStopping(Callback):
    """Stop when ``monitor`` (default dev cost) has not improved by ``min_delta`` for
    ``patience`` epochs in a row (``patience=0``: at the first epoch without improvement); with
    ``restore_best_weights``, when it stops training, the best epoch's weights come back (a run
    that ends without stopping keeps its last weights). ``mode`` "auto": a cost or loss
    (``val_cost``, ``val_token_cost``) improves downwards, every other metric (accuracy, mAP,
    exact match, macro-F1) upwards; "min" or "max" say it outright."""

    def __init__(self, monitor: str = "val_cost", patience: int = 5, min_delta: float = 0.0,
                 restore_best_weights: bool = True, mode: str = "auto"):
        if patience < 0:
            raise ValueError(f"patience must be >= 0, got {patience}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.restore_best_weights = restore_best_weights
        if mode == "auto":
            mode = "min" if monitor.endswith(("cost", "loss")) else "max"
        self.mode = mode

    def on_train_begin(self, model):
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None
        self.best_weights = None
        self.wait = 0
        self.stopped_epoch = None
        restore_early_stopping(self, model)  # a resumed checkpoint's best value, patience count and weights

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, logs, model):
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, but the logs have only "
                             f"{sorted(logs)}; pass validation_data to fit")
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                model.stop_training = True
        record_early_stopping(self, model)  # saved by a ModelCheckpoint that runs after this callback

    def on_train_end(self, model):
        if self.restore_best_weights and self.best_weights is not None and self.stopped_epoch is not None:
            model.set_weights(self.best_weights)


class ModelCheckpoint(Callback):
    """Every ``every`` epochs, write a resumable checkpoint (weights, optimizer state,
    random state, history) to ``path``, atomically: an interrupted write keeps the last one."""

    def __init__(self, path: str | os.PathLike, every: int = 1):
        if every < 1:
            raise ValueError(f"checkpoint interval must be >= 1 epoch, got {every}")
        self.path, self.every = Path(path), int(every)

    def on_epoch_end(self, epoch, logs, model):
        if (epoch + 1) % self.every == 0:
            from .io import save_checkpoint
            save_checkpoint(model, self.path, epoch=epoch + 1)


class LearningRateScheduler(Callback):
    """Before each epoch set α = schedule(epoch, α₀), α₀ being the rate training started with."""

    def __init__(self, schedule: Schedule | str):
        self.schedule = get_schedule(schedule)
        self.learning_rate0: float | None = None

    def on_train_begin(self, model):
        if self.learning_rate0 is None:
            self.learning_rate0 = model.learning_rate0

    def on_epoch_begin(self, epoch, model):
        model.optimizer.learning_rate = self.schedule(epoch, self.learning_rate0)


class CSVLogger(Callback):
    """Append one CSV row of logs per epoch to ``path`` (header written once); each append
    rewrites the file atomically, so an interrupted epoch leaves the rows before it whole."""

    def __init__(self, path: str | os.PathLike, append: bool = False):
        self.path, self.append = Path(path), append

    def on_train_begin(self, model):
        if not self.append and self.path.exists():
            self.path.unlink()

    def on_epoch_end(self, epoch, logs, model):
        new = not self.path.exists()
        if new or not hasattr(self, "keys"):
            # the usual keys, then the model's other metrics ("token_cost", "val_token_cost", …)
            self.keys = [*LOG_KEYS, *(k for k in logs if k not in LOG_KEYS)]
            if not new:
                with open(self.path, newline="") as f:
                    header = next(csv.reader(f), None)
                if header and header[0] == "epoch":
                    self.keys = header[1:]
        f = StringIO(newline="")
        w = csv.writer(f)
        if new:
            w.writerow(["epoch", *self.keys])
        w.writerow([epoch, *(logs.get(k, "") for k in self.keys)])
        from .files import atomic_append
        atomic_append(self.path, f.getvalue())
