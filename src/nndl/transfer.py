"""Transfer learning (Course 3): reuse the layers a model learned on one task for another.

    source (trained on task A):  X → [layer 1 … layer k … layer L]  → ŷ_A
    transfer(source, k, head):   X → [layer 1 … layer k] (frozen) → [new head] → ŷ_B

The course's recipe, on the model core's frozen parameters (``Layer.freeze``):

1. keep the first k layers with their trained weights and freeze them;
2. put a new head on top (a new Dense output for the new task's classes) and train it alone —
   with little data for task B, this is all one trains;
3. with more data, unfreeze (all layers, or the top ones: ``freeze_layers(model, j)``) and
   fine-tune the whole network with a smaller learning rate.

Phases 2 and 3 run on the same model object: freezing changes which parameters the optimizer
updates, never the architecture, so nothing is rebuilt between them. Frozen parameters are
saved and loaded with the model (``model.save``; ``nndl.load`` restores which are frozen).
A kept BatchNorm layer has γ and β frozen, but while training it still normalizes with the
batch's statistics and updates its running averages from task B's data.

    model = transfer("source.safetensors", keep=2, head=5)
    fine_tune(model, X, Y, head_epochs=100, tune_epochs=50, learning_rate=0.01)
"""

from __future__ import annotations

import os
from typing import Sequence

from .layers import Dense, Layer
from .layers.base import layer_from_spec, layer_spec, walk_layers
from .models import Sequential


def transfer(source, keep: int, head: int | Layer | Sequence[Layer], seed: int = 0,
             freeze: bool = True, loss=None, metrics=None) -> Sequential:
    """A new ``Sequential``: the first ``keep`` layers of ``source`` with copies of their
    trained weights (and state, e.g. batch norm's running averages), frozen, then ``head``.

    source: a built ``Sequential`` or the path of a model file saved from one (the source
    model is never modified). keep: 1 ≤ keep ≤ number of source layers. head: the new layers
    on top — an int C is ``Dense(C, "softmax")`` (``Dense(1, "sigmoid")`` for C = 1), or a
    layer, or a list of layers; they are initialized from ``seed``. freeze: False keeps the
    copied layers trainable (fine-tune everything from the start). loss / metrics: as for
    ``Sequential`` (default: from the head's output activation). The dtype and input shape
    are the source's. Returns the model, built.
    """
    if isinstance(source, (str, os.PathLike)):
        from .io import load
        source = load(source)
    if not isinstance(source, Sequential) or not source.built:
        raise TypeError(f"transfer needs a built Sequential model or a model file, got {type(source).__name__}")
    n = len(source.layers)
    if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= n:
        raise ValueError(f"keep must be an integer from 1 to {n} (the source has {n} layers), got {keep!r}")
    head_layers = _head(head)
    kept = [layer_from_spec(layer_spec(layer)) for layer in source.layers[:keep]]
    model = Sequential(kept + head_layers, loss=loss, seed=seed, dtype=source.dtype,
                       input_shape=source.input_shape, input_batch_axis=source._input_batch_axis,
                       metrics=metrics)
    for old, new in zip(source.layers[:keep], kept):
        for (_, a), (_, b) in zip(walk_layers(old), walk_layers(new)):
            for k in a.params:
                b.params[k][...] = a.params[k]
            for k in a.state:
                b.state[k][...] = a.state[k]
    for layer in head_layers:
        layer.unfreeze()
    freeze_layers(model, keep if freeze else 0)
    return model


def freeze_layers(model: Sequential, first: int) -> Sequential:
    """Freeze the first ``first`` layers of ``model`` and make every layer above them
    trainable; ``first = 0`` unfreezes everything (fine-tuning). Takes effect at the next
    ``fit`` without rebuilding the model. Returns the model."""
    n = len(model.layers)
    if isinstance(first, bool) or not isinstance(first, int) or not 0 <= first <= n:
        raise ValueError(f"first must be an integer from 0 to {n}, got {first!r}")
    for i, layer in enumerate(model.layers):
        layer.freeze() if i < first else layer.unfreeze()
    if model.built:
        model.sync_frozen()
    return model


def n_frozen_layers(model: Sequential) -> int:
    """How many of the model's first layers are entirely frozen (every parameter; a layer
    without parameters, such as Dropout, counts as frozen)."""
    count = 0
    for layer in model.layers:
        owners = [owner for _, owner in walk_layers(layer)]
        if not all(owner.is_frozen(k) for owner in owners for k in owner.params):
            break
        count += 1
    return count


def fine_tune(model: Sequential, X, Y, head_epochs: int, tune_epochs: int, learning_rate: float,
              tune_learning_rate: float | None = None, optimizer: str = "adam", unfreeze_to: int = 0,
              **fit_kwargs):
    """The two phases of transfer learning on one model, without rebuilding it:

    1. ``head_epochs`` epochs with the layers frozen as they are (after ``transfer``: the kept
       layers), at ``learning_rate``;
    2. ``freeze_layers(model, unfreeze_to)`` (0: everything trainable), then ``tune_epochs``
       epochs at ``tune_learning_rate`` (default learning_rate / 10) with a fresh optimizer
       of the same kind, so no stale moment estimates of the unfrozen weights carry over.

    X, Y and ``fit_kwargs`` (batch_size, validation_data, seed, verbose, …) as for ``fit``.
    Returns the model's History: the phase-2 epochs are numbered on from phase 1's.
    """
    if tune_learning_rate is None:
        tune_learning_rate = learning_rate / 10
    model.fit(X, Y, epochs=head_epochs, learning_rate=learning_rate, optimizer=optimizer, **fit_kwargs)
    freeze_layers(model, unfreeze_to)
    return model.fit(X, Y, epochs=tune_epochs, learning_rate=tune_learning_rate, optimizer=optimizer, **fit_kwargs)


def _head(head) -> list[Layer]:
    if isinstance(head, bool):
        raise TypeError("head must be a number of classes, a layer or a list of layers, got a bool")
    if isinstance(head, int):
        if head < 1:
            raise ValueError(f"head must be a positive number of classes, got {head}")
        return [Dense(head, "softmax" if head > 1 else "sigmoid")]
    layers = [head] if isinstance(head, Layer) else list(head)
    if not layers or not all(isinstance(layer, Layer) for layer in layers):
        raise TypeError("head must be a number of classes, a layer or a non-empty list of layers")
    if any(layer.built for layer in layers):
        raise ValueError("the head's layers must be new (unbuilt) layers")
    return layers
