"""Backup and restore: a training run that is stopped continues where it stopped.

``BackupAndRestore(path)`` writes a checkpoint (``nndl.io.save_checkpoint``: weights,
optimizer state, the model's random generator — shuffling, dropout, augmentation —, history,
epoch, and the callbacks' state such as early stopping's) atomically to ``path`` at the end
of every ``every``-th epoch. When a ``fit`` starts and ``path`` holds a checkpoint, the model
continues from it (``restore``, once per backup; a checkpoint of another architecture or with
damaged fields is a ``ModelFileError``): epochs
``checkpoint's epoch … end − 1`` run, ``end`` being the end that ``fit`` was asked for, so

    model.fit(X, Y, epochs=E, backup="ckpt.safetensors")     # killed after epoch k < E
    model.fit(X, Y, epochs=E, backup="ckpt.safetensors")     # a fresh process: epochs k … E − 1

ends with the weights of one uninterrupted E-epoch run (Keras' ``BackupAndRestore``).
A checkpoint written as early stopping ended its run restores the best weights and trains
no further, as the uninterrupted run did.

``with backing_up(backup): …`` makes ``backup`` the one every ``fit`` in the block uses
(``active_backup``): a program whose training loop calls ``fit`` — ``nndl train``'s model
families — gets checkpoints and resumption without passing it down. The block's code may
also ``restore`` it before its first ``fit`` (``nndl.word2vec.train_word2vec`` does, as it
draws each epoch's examples before fitting).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .callbacks import Callback
from .resume import take

_ACTIVE: ContextVar["BackupAndRestore | None"] = ContextVar("nndl_backup", default=None)


class BackupAndRestore(Callback):
    """Checkpoint to ``path`` every ``every`` epochs; continue from it when a fit starts.

    restore: False to only write checkpoints (a new run that must not pick up another's
    file). extra_metadata, extra_tensors: JSON-ready entries and arrays (names with a "/")
    saved in every checkpoint, as ``nndl.io.save`` takes them (e.g. which run wrote it, the
    input preprocessing). ``fit`` runs this callback after all the others, so the checkpoint holds the
    epoch's early-stopping state."""

    def __init__(self, path: str | os.PathLike, every: int = 1, restore: bool = True,
                 extra_metadata: dict[str, Any] | None = None, extra_tensors: dict[str, np.ndarray] | None = None):
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"checkpoint interval must be an integer >= 1 epoch, got {every!r}")
        self.path, self.every = Path(path), every
        self.extra_metadata, self.extra_tensors = dict(extra_metadata or {}), dict(extra_tensors or {})
        self._may_restore = restore
        self.restored_epoch: int | None = None  # the epoch the model continued from, once restored
        self.ended = False  # the restored run had ended (early stopping): train no further

    def restore(self, model) -> bool:
        """Continue ``model`` from the checkpoint, the first time only (later fits of the same
        run go on from where the model is). True if it was restored now."""
        if not self._may_restore or not self.path.exists():
            self._may_restore = False
            return False
        self._may_restore = False
        from .io import restore_checkpoint
        restore_checkpoint(model, self.path)
        self.restored_epoch = model.epochs_done
        saved = getattr(model, "resumed_callback_state", {}).get("early_stopping")
        if saved is not None and saved[0].get("stopped_epoch") is not None:
            self.ended = True  # early stopping had ended the run: its best weights come back
            take(model, "early_stopping")
            if saved[1]:
                model.set_weights(saved[1])
        return True

    def on_epoch_end(self, epoch, logs, model):
        if (epoch + 1) % self.every == 0:
            from .io import save_checkpoint
            save_checkpoint(model, self.path, epoch=epoch + 1, extra_metadata=self.extra_metadata,
                            extra_tensors=self.extra_tensors)


@contextmanager
def backing_up(backup: BackupAndRestore) -> Iterator[BackupAndRestore]:
    """Within the block, every ``fit`` that is not given a ``backup`` uses this one."""
    token = _ACTIVE.set(backup)
    try:
        yield backup
    finally:
        _ACTIVE.reset(token)


def active_backup() -> BackupAndRestore | None:
    """The backup of the enclosing ``backing_up`` block, if any."""
    return _ACTIVE.get()


def as_backup(backup) -> BackupAndRestore | None:
    """``fit``'s backup argument (a BackupAndRestore or a checkpoint path), else the active one."""
    if backup is None:
        return active_backup()
    if isinstance(backup, BackupAndRestore):
        return backup
    if isinstance(backup, (str, os.PathLike)):
        return BackupAndRestore(backup)
    raise TypeError(f"backup must be a BackupAndRestore or a checkpoint path, got {type(backup).__name__}")
