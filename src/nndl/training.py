"""The training loop: epochs of shuffled mini-batches, callbacks, clipping, divergence checks.

``fit_model(model, X, Y, …)`` (``model.fit``) runs, for every epoch,

    permutation = rng.permutation(m)                      (one Generator: same seed, same run)
    for each mini-batch (X{t}, Y{t}[, mask{t}]) gathered along each array's example axis:
        J, A = model.compute_cost_and_grads(X{t}, Y{t}, mask{t})   forward, cost, backward
        clip the gradients (by value, by global norm), if asked
        params ← optimizer.update(params, grads)            (frozen parameters skipped)

and logs the epoch's mean cost, each metric of the model and the dev scores. The hot path
allocates nothing per step: the batches are gathered into preallocated buffers
(``nndl.batches``), layers write Z, A and dZ into per-batch arrays reused by every step
(``_reusing_buffers``), and the optimizer updates one flat vector. A non-finite cost or weight
stops training with ``TrainingDiverged`` before a checkpoint could store it.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterable

import numpy as np

from .backup import as_backup
from .batches import Batches, examples_first, to_axis
from .callbacks import Callback, LearningRateScheduler
from .functional.regularization import clip_by_global_norm, clip_by_value
from .limits import check_batch_size, check_epoch_range, check_training_options
from .optimizers import Optimizer, check_learning_rate, get_optimizer
from .schedules import get_schedule


class TrainingDiverged(RuntimeError):
    """The cost became NaN or Inf; the message names the epoch, the step and a likely cause."""


def fit_model(model, X, Y, epochs: int = 10, batch_size: int | None = 64, learning_rate: float | None = None,
              optimizer: str | Optimizer | None = None, validation_data: tuple | None = None,
              seed: int | None = None, callbacks: Iterable[Callback] = (), verbose: int = 1,
              lr_schedule=None, clip_value: float | None = None, clip_norm: float | None = None,
              initial_epoch: int | None = None, shuffle: bool = True, mask=None, augment=None, backup=None):
    """Train ``model`` with mini-batch gradient descent (``batch_size=None``: batch GD).

    X: (n_x, m) (or the first layer's layout; a tuple for a model of several inputs, each
    with its own example axis and dtype — token ids stay integers); Y: (1, m) binary, (C, m)
    one-hot, integer classes (m,) / (1, m), and for sequence outputs (m, T_y) integers or
    (n_y, m, T_y). mask: optional 0/1 array broadcasting against the targets ((m, T_y) for
    padded steps): masked entries add nothing to cost, gradient and accuracy; with a mask,
    validation_data is the triple (X_dev, Y_dev, mask_dev). optimizer:
    "gd", "momentum", "rmsprop", "adam" or an Optimizer (default: keep the current one, else
    "gd"); learning_rate overrides its α. validation_data: (X_dev, Y_dev). seed: reseeds shuffling and dropout. lr_schedule: a Schedule or
    spec ("inverse_time:decay_rate=1"; a bare "cosine" decays over the epochs this call ends at). clip_value / clip_norm: gradient clipping by value /
    by global norm. Each call trains ``epochs`` more epochs, numbered on from those already
    done (the history grows); with ``initial_epoch``, epochs initial_epoch … epochs−1 run
    instead (resuming a checkpoint to a total; epochs ≤ initial_epoch would train nothing and
    is a ValueError). augment: a callable ``fn(X{t}, rng) -> X{t}``
    (e.g. ``nndl.augment.Augment(shift=2, flip=True)``) applied to every training mini-batch
    with the model's Generator (seeded like shuffling); one whose attribute
    ``transforms_targets`` is true is called ``fn(X{t}, rng, Y{t}) -> (X{t}, Y{t})`` and moves
    the targets with the images (``nndl.detection_model.BoxAugment``); dev data and predictions
    are never augmented. backup: a ``nndl.backup.BackupAndRestore`` or a checkpoint path (default: the
    one of an enclosing ``nndl.backup.backing_up`` block, if any): a checkpoint at each epoch's
    end, and when it already holds one, training continues from its epoch to this call's end.
    Returns the model's History.
    """
    start, end = check_epoch_range(epochs, initial_epoch, model.epochs_done)  # with initial_epoch, epochs is a total
    X, Y, *rest = model.prepare(X, Y, mask)
    mask = rest[0] if rest else None
    inputs = model._as_inputs(X)
    out_axis = model.output_batch_axis
    m = Y.shape[out_axis]
    check_batch_size(batch_size)
    batch_size = m if batch_size is None else min(int(batch_size), m)
    check_training_options(model.all_layers(), batch_size, clip_value, clip_norm)
    val = None
    if validation_data is not None:
        if len(validation_data) != (2 if mask is None else 3):
            raise ValueError("validation_data must be a pair (X_dev, Y_dev), or with a mask the triple "
                             "(X_dev, Y_dev, mask_dev)")
        X_dev, Y_dev, *mask_dev = model.prepare(*validation_data)
        # Stored examples-contiguous once, so each epoch's evaluation copies nothing.
        dev = tuple(to_axis(examples_first(A, axis, model.dtype), axis)
                    for A, axis in zip(model._as_inputs(X_dev), model.input_batch_axes))
        val = (model._unpack(dev), Y_dev, *mask_dev)
    if augment is not None and (not callable(augment) or len(inputs) != 1):
        raise ValueError("augment must be a callable fn(X, rng) -> X, for a model of one input")
    set_optimizer(model, optimizer, learning_rate)
    if seed is not None:
        model.rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state
    backup = as_backup(backup)
    if backup is not None and backup.restore(model):  # before the callbacks begin: they take its state
        start = end if backup.ended else max(start, model.epochs_done)
    callbacks = [model.history, *callbacks]
    if lr_schedule is not None:
        callbacks.append(LearningRateScheduler(get_schedule(lr_schedule, end)))  # "cosine": over epochs 0 … end
    if backup is not None:
        callbacks.append(backup)  # last: the checkpoint holds this epoch's callback state

    arrays, axes = [*inputs, Y], [*model.input_batch_axes, out_axis]
    if mask is not None:
        arrays.append(mask)
        axes.append(model.mask_axis(mask.ndim))
    batches = Batches(arrays, axes, model.dtype)
    n_in = len(inputs)
    gather = shuffle and batch_size < m  # shuffled mini-batches are gathered into reused buffers
    buffers: dict = {}  # per-batch arrays reused by every step (see _reusing_buffers)
    model.stop_training = False
    for cb in callbacks:
        cb.on_train_begin(model)
    progress = _progress(verbose, start, end)
    for epoch in range(start, end):
        for cb in callbacks:
            cb.on_epoch_begin(epoch, model)
        model.sync_frozen()
        perm = model.rng.permutation(m) if gather else None
        total_cost = 0.0
        for metric in model.metrics:
            metric.reset()
        # Overflow shows up as a non-finite cost, reported below with the epoch and step.
        with _reusing_buffers(model, buffers), np.errstate(over="ignore", invalid="ignore"):
            for step, batch in enumerate(batches.epoch(batch_size, perm)):
                Xb, Yb = (batch[0] if n_in == 1 else batch[:n_in]), batch[n_in]
                mb_mask = batch[n_in + 1] if mask is not None else None
                if augment is not None:
                    Xb, Yb = _augmented(augment, Xb, Yb, model.rng)
                mb = Yb.shape[out_axis]
                J, A = model.compute_cost_and_grads(Xb, Yb, training=True, mask=mb_mask)
                if not math.isfinite(J):
                    raise TrainingDiverged(_divergence_message(f"the cost became {J}", epoch, step, model.optimizer))
                if clip_value is not None:
                    clip_by_value(model.grads, clip_value)
                if clip_norm is not None:
                    clip_by_global_norm(model.grads, clip_norm)
                model.optimizer.update(model.params, model.grads)
                total_cost += J * mb
                for metric in model.metrics:
                    metric.update(model.loss_fn, A, Yb, mb, mb_mask)
        model._release_caches()  # the last step's caches are not needed by validation or callbacks
        # A last update that overflowed leaves a finite cost but non-finite weights:
        # stop before a checkpoint callback could write them over the last good one.
        if not np.isfinite(model.params.vector).all():
            raise TrainingDiverged(_divergence_message("the weights became NaN or Inf after the update",
                                                       epoch, step, model.optimizer))
        logs = {"cost": total_cost / m}
        logs.update({metric.name: metric.result() for metric in model.metrics})
        if val is not None:
            logs.update({"val_" + k: v for k, v in model._evaluate_prepared(*val).items()})
        logs["lr"] = model.optimizer.learning_rate
        model.epochs_done = epoch + 1
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs, model)
        if progress is not None:
            progress.update(1)
            progress.set_postfix({k: f"{v:.4g}" for k, v in logs.items() if k != "lr"})
        if model.stop_training:
            break
    if progress is not None:
        progress.close()
    for cb in callbacks:
        cb.on_train_end(model)
    return model.history


def _augmented(augment, Xb, Yb, rng):
    """(augment(Xb, rng), Yb), or augment(Xb, rng, Yb) for one that ``transforms_targets``;
    checked to keep the mini-batch's shapes, in its dtypes."""
    if getattr(augment, "transforms_targets", False):
        out = augment(Xb, rng, Yb)
        if not (isinstance(out, tuple) and len(out) == 2):
            raise ValueError(f"an augment that transforms_targets must return (X, Y), got {type(out).__name__}")
        out, Y_out = out
        if getattr(Y_out, "shape", None) != Yb.shape:
            raise ValueError(f"augment must return the targets' shape {Yb.shape}, got {getattr(Y_out, 'shape', Y_out)}")
        Yb = np.asarray(Y_out, dtype=Yb.dtype)
    else:
        out = augment(Xb, rng)
    if getattr(out, "shape", None) != Xb.shape:
        raise ValueError(f"augment must return the mini-batch's shape {Xb.shape}, got {getattr(out, 'shape', out)}")
    return np.asarray(out, dtype=Xb.dtype), Yb


@contextmanager
def _reusing_buffers(model, store: dict):
    """Within the block, every layer (sub-layers included) that declares a ``workspace``
    writes its per-batch arrays (Z, A,
    dZ, …) into arrays kept in ``store`` and reused on every step (``Layer._buffer``) instead
    of allocating them; outside it (validation, callbacks, predict) every forward pass
    returns fresh arrays."""
    layers = [layer for layer in model.all_layers() if hasattr(layer, "workspace")]
    for i, layer in enumerate(layers):
        layer.workspace = store.setdefault(i, {})
    try:
        yield
    finally:
        for layer in layers:
            layer.workspace = None


def set_optimizer(model, optimizer, learning_rate) -> None:
    """Keep the model's current optimizer (continuing a run) unless another is asked for.

    ``learning_rate0``, the rate schedules decay from, changes only with a new optimizer or
    an explicit learning_rate, so a resumed run keeps its schedule.
    """
    if learning_rate is not None:
        check_learning_rate(learning_rate)
    if optimizer is None and model.optimizer is not None:
        if learning_rate is not None:
            model.optimizer.learning_rate = float(learning_rate)
            model.learning_rate0 = float(learning_rate)
        elif model.learning_rate0 is None:
            model.learning_rate0 = model.optimizer.learning_rate
        return
    opt = get_optimizer(optimizer or "gd", learning_rate=learning_rate)
    if learning_rate is not None:
        opt.learning_rate = float(learning_rate)
    model.optimizer = opt
    model.learning_rate0 = opt.learning_rate


def _progress(verbose: int, start: int, end: int):
    if not verbose or end <= start:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=end, initial=start, unit="epoch", desc="training", leave=True)


def _divergence_message(what: str, epoch: int, step: int, optimizer: Optimizer) -> str:
    return (f"training diverged: {what} at epoch {epoch + 1}, step {step + 1}. "
            f"Likely cause: the learning rate ({optimizer.learning_rate:g}) is too high for this "
            "network and data (try 3-10x smaller), or the inputs are not normalized")
