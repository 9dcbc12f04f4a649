"""Models: ``Sequential`` (a stack of layers) and ``mlp`` (the course's L-layer network).

A model exposes the course's flat parameter names (``params["W1"]``, ``grads["dW1"]``),
which are views into one flat buffer per model (see ``nndl.params``), and trains with
mini-batch gradient descent or any ``nndl.optimizers`` optimizer:

    for each epoch: shuffle the examples, then for each mini-batch X{t}, Y{t}:
        forward:  A[l] = g[l](W[l]·A[l−1] + b[l])
        cost:     J = L(A[L], Y) (+ λ/2m·Σ‖W‖²), computed from the logits
        backward: dZ[L] = A[L] − Y, then dW[l], db[l], dA[l−1] down to layer 1
        update:   params ← optimizer.update(params, grads)

Datasets stay examples-contiguous in memory; a shuffled mini-batch is a row gather into a
preallocated buffer, handed to BLAS as the transposed (n_x, m) view.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any, Iterable, Sequence

import numpy as np

from .callbacks import Callback, History, LearningRateScheduler
from .functional.losses import FROM_LOGITS, FUSED_ACTIVATION, LOSSES, output_delta
from .functional.regularization import clip_by_global_norm, clip_by_value
from .initializers import DEFAULT_INIT
from .layers import Activation, BatchNorm, Dense, Dropout, Layer
from .layers.base import layout_batch_axis
from .optimizers import Optimizer, check_learning_rate, get_optimizer
from .params import FlatParams
from .limits import check_epoch_range, check_hyperparameter, check_layer_sizes, check_training_options
from .validation import (batch_shape, check_outputs, check_representable, check_X, n_examples, one_example_shape,
                         to_targets)

Array = np.ndarray

OUTPUT_LOSS = {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}


class TrainingDiverged(RuntimeError):
    """The cost became NaN or Inf; the message names the epoch, the step and a likely cause."""


class Sequential:
    """A stack of layers trained end to end.

    layers: list of ``nndl.layers`` objects. loss: "binary_crossentropy",
    "categorical_crossentropy" or "mse" (default: from the output activation — sigmoid →
    binary, softmax → categorical, otherwise mse). seed: seeds the one Generator used for
    initialization, shuffling and dropout masks. dtype: float32 (default) or float64.
    """

    def __init__(self, layers: Sequence[Layer], loss: str | None = None, seed: int = 0,
                 dtype=np.float32, input_shape: Sequence[int] | None = None):
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layer {i} is a {type(layer).__name__}, expected an nndl layer")
        self.layers = layers
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        last = layers[-1]
        self.loss = loss or OUTPUT_LOSS.get(getattr(last, "activation", None), "mse")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; expected one of: {', '.join(LOSSES)}")
        self.optimizer: Optimizer | None = None
        self.learning_rate0: float | None = None
        self.history = History()
        self.epochs_done = 0
        self.stop_training = False
        self.params = FlatParams([], self.dtype)
        self.grads = FlatParams([], self.dtype)
        self.state: dict[str, Array] = {}
        if input_shape is not None:
            self.build(tuple(input_shape))

    # ------------------------------------------------------------------ building
    @property
    def built(self) -> bool:
        return self.layers[0].built

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        return self.layers[0].input_shape

    @property
    def batch_axis(self) -> int:
        return self.layers[0].batch_axis

    @property
    def output_units(self) -> int:
        return int(np.prod(self.layers[-1].output_shape))

    def build(self, input_shape: tuple[int, ...]) -> "Sequential":
        """Create every layer's parameters for examples of ``input_shape`` (batch axis removed)
        and gather them into one flat buffer with course names W1, b1, gamma1, …"""
        shape = tuple(int(s) for s in input_shape)
        numbers, l = [], 0
        for layer in self.layers:
            l += layer.numbered
            numbers.append(l)
            shape = layer.build(shape, self.rng, self.dtype)
        self.layers[0].needs_input_grad = False
        entries, owners, state = {}, [], {}
        for i, (layer, l) in enumerate(zip(self.layers, numbers)):
            for k, arr in layer.params.items():
                key = _course_name(k, l, i, entries)
                entries[key] = arr.shape
                owners.append((layer, k, key, arr))
            for k, arr in layer.state.items():
                state[_course_name(k, l, i, state)] = arr
        self.params = FlatParams(entries.items(), self.dtype)
        self.grads = self.params.zeros_like(prefix="d")
        for layer, k, key, arr in owners:
            self.params[key] = arr
            layer.params[k] = self.params[key]
            layer.grads["d" + k] = self.grads["d" + key]
        self.state = state
        return self

    def _ensure_built(self, X: Array) -> None:
        if not self.built:
            first = self.layers[0]
            axis = layout_batch_axis(X.ndim - 1) if first.follows_input_layout else first.batch_axis
            self.build(one_example_shape(X.shape, axis))

    # ------------------------------------------------------------------ passes
    def forward(self, X: Array, training: bool = False) -> Array:
        """A[L] for a batch X (examples on the first layer's batch axis)."""
        A = X
        for layer in self.layers:
            A = layer.forward(A, training)
        return A

    def _fused(self) -> bool:
        last = self.layers[-1]
        return isinstance(last, Dense) and last.activation == FUSED_ACTIVATION[self.loss]

    def cost(self, A: Array, Y: Array) -> float:
        """J(A, Y) for the last forward pass, from the logits when the output layer allows."""
        if self._fused() and self.loss in FROM_LOGITS:
            return FROM_LOGITS[self.loss](self.layers[-1].Z, Y)
        return LOSSES[self.loss][0](A, Y)

    def regularization_cost(self, m: int) -> float:
        """The L2 term λ/2m·Σ‖W[l]‖² summed over the layers (0 without regularization)."""
        return sum(layer.regularization_cost(m) for layer in self.layers)

    def backward(self, A: Array, Y: Array) -> None:
        """Fill ``self.grads`` from the last forward pass: dZ[L] = A[L] − Y when fused."""
        last = self.layers[-1]
        if self._fused():
            dA = last.backward_linear(output_delta(A, Y, out=last._buffer("dZ", A.shape, A)))
        else:
            dA = last.backward(LOSSES[self.loss][1](A, Y))
        for layer in reversed(self.layers[:-1]):
            dA = layer.backward(dA)

    def compute_cost_and_grads(self, X: Array, Y: Array, training: bool = True) -> tuple[float, Array]:
        """One forward and backward pass on (X, Y) already in model shape.

        Returns (J including the L2 term, A[L]); the gradients are in ``self.grads``.
        """
        A = self.forward(X, training)
        J = self.cost(A, Y) + self.regularization_cost(Y.shape[-1])
        self.backward(A, Y)
        return J, A

    # ------------------------------------------------------------------ data
    def _check_X(self, X) -> Array:
        X = check_X(X, self.input_shape, self.batch_axis)
        check_representable("X", X, self.dtype)
        self._ensure_built(X)
        return X

    def prepare(self, X, Y) -> tuple[Array, Array]:
        """Validate X and convert Y once to the output's shape ((C, m) one-hot for softmax)."""
        X = self._check_X(X)
        m = n_examples(X, self.batch_axis)
        return X, to_targets(Y, self.output_units, m, self.loss, self.dtype)

    def _examples_first(self, X: Array) -> Array:
        """X with examples on axis 0, C-contiguous, in the model's dtype (one copy at most)."""
        Xe = np.moveaxis(X, self.batch_axis, 0)
        return np.ascontiguousarray(Xe, dtype=self.dtype)

    def _to_model_layout(self, Xe: Array) -> Array:
        """The examples-first Xe as the view the first layer takes (axis 0 moved to batch_axis)."""
        axis = self.batch_axis % Xe.ndim
        return Xe.transpose(*range(1, axis + 1), 0, *range(axis + 1, Xe.ndim))

    # ------------------------------------------------------------------ training
    def fit(self, X, Y, epochs: int = 10, batch_size: int | None = 64, learning_rate: float | None = None,
            optimizer: str | Optimizer | None = None, validation_data: tuple | None = None,
            seed: int | None = None, callbacks: Iterable[Callback] = (), verbose: int = 1,
            lr_schedule=None, clip_value: float | None = None, clip_norm: float | None = None,
            initial_epoch: int | None = None, shuffle: bool = True) -> History:
        """Train with mini-batch gradient descent (``batch_size=None``: batch GD).

        X: (n_x, m) (or the first layer's layout); Y: (1, m) binary, (C, m) one-hot, or
        integer classes (m,) / (1, m). optimizer: "gd", "momentum", "rmsprop", "adam" or an
        Optimizer (default: keep the current one, else "gd"); learning_rate overrides its α.
        validation_data: (X_dev, Y_dev). seed: reseeds shuffling and dropout. lr_schedule:
        a Schedule or spec ("inverse_time:decay_rate=1"). clip_value / clip_norm: gradient
        clipping by value / by global norm. Each call trains ``epochs`` more epochs,
        numbered on from those already done (the history grows); with ``initial_epoch``,
        epochs initial_epoch … epochs−1 run instead (resuming a checkpoint to a total;
        epochs ≤ initial_epoch would train nothing and is a ValueError).
        Returns the model's History.
        """
        check_epoch_range(epochs, initial_epoch, self.epochs_done)  # with initial_epoch, epochs is a total
        X, Y = self.prepare(X, Y)
        m = n_examples(X, self.batch_axis)
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
            raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
        batch_size = m if batch_size is None else min(int(batch_size), m)
        check_training_options(self.layers, batch_size, clip_value, clip_norm)
        val = None
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (X_dev, Y_dev)")
            X_dev, Y_dev = self.prepare(*validation_data)
            # Stored examples-contiguous once, so each epoch's evaluation copies nothing.
            val = self._to_model_layout(self._examples_first(X_dev)), Y_dev
        self._set_optimizer(optimizer, learning_rate)
        if seed is not None:
            self.rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state
        callbacks = [self.history, *callbacks]
        if lr_schedule is not None:
            callbacks.append(LearningRateScheduler(lr_schedule))

        Xe, Ye = self._examples_first(X), np.ascontiguousarray(Y.T)
        gather = shuffle and batch_size < m  # shuffled mini-batches are gathered into x_buf, y_buf
        if gather:
            x_buf, y_buf = np.empty((batch_size, *Xe.shape[1:]), self.dtype), np.empty((batch_size, Ye.shape[1]), self.dtype)
        buffers: dict = {}  # per-batch arrays reused by every step (see _reusing_buffers)
        if initial_epoch is None:
            start, end = self.epochs_done, self.epochs_done + epochs
        else:
            start, end = int(initial_epoch), epochs
        self.stop_training = False
        for cb in callbacks:
            cb.on_train_begin(self)
        progress = _progress(verbose, start, end)
        for epoch in range(start, end):
            for cb in callbacks:
                cb.on_epoch_begin(epoch, self)
            perm = self.rng.permutation(m) if gather else None
            total_cost = total_correct = 0.0
            # Overflow shows up as a non-finite cost, reported below with the epoch and step.
            with self._reusing_buffers(buffers), np.errstate(over="ignore", invalid="ignore"):
                for step, lo in enumerate(range(0, m, batch_size)):
                    if perm is None:
                        Xb, Yb = Xe[lo:lo + batch_size], Ye[lo:lo + batch_size]
                    else:
                        idx = perm[lo:lo + batch_size]
                        Xb = np.take(Xe, idx, axis=0, out=x_buf[:len(idx)])
                        Yb = np.take(Ye, idx, axis=0, out=y_buf[:len(idx)])
                    Xb, Yb = self._to_model_layout(Xb), Yb.T
                    mb = Yb.shape[1]
                    J, A = self.compute_cost_and_grads(Xb, Yb, training=True)
                    if not math.isfinite(J):
                        raise TrainingDiverged(_divergence_message(f"the cost became {J}", epoch, step, self.optimizer))
                    if clip_value is not None:
                        clip_by_value(self.grads, clip_value)
                    if clip_norm is not None:
                        clip_by_global_norm(self.grads, clip_norm)
                    self.optimizer.update(self.params, self.grads)
                    total_cost += J * mb
                    total_correct += self._n_correct(A, Yb)
            # A last update that overflowed leaves a finite cost but non-finite weights:
            # stop before a checkpoint callback could write them over the last good one.
            if not np.isfinite(self.params.vector).all():
                raise TrainingDiverged(_divergence_message("the weights became NaN or Inf after the update",
                                                           epoch, step, self.optimizer))
            logs = {"cost": total_cost / m}
            if self.loss != "mse":
                logs["accuracy"] = total_correct / m
            if val is not None:
                logs.update({"val_" + k: v for k, v in self._evaluate_prepared(*val).items()})
            logs["lr"] = self.optimizer.learning_rate
            self.epochs_done = epoch + 1
            for cb in callbacks:
                cb.on_epoch_end(epoch, logs, self)
            if progress is not None:
                progress.update(1)
                progress.set_postfix({k: f"{v:.4g}" for k, v in logs.items() if k != "lr"})
            if self.stop_training:
                break
        if progress is not None:
            progress.close()
        for cb in callbacks:
            cb.on_train_end(self)
        return self.history

    @contextmanager
    def _reusing_buffers(self, store: dict):
        """Within the block, layers with a ``workspace`` (Dense) write Z, A and dZ into arrays
        kept in ``store`` and reused on every step, instead of allocating them; outside it
        (validation, callbacks, predict) every forward pass returns fresh arrays."""
        layers = [(i, layer) for i, layer in enumerate(self.layers) if hasattr(layer, "workspace")]
        for i, layer in layers:
            layer.workspace = store.setdefault(i, {})
        try:
            yield
        finally:
            for _, layer in layers:
                layer.workspace = None

    def _set_optimizer(self, optimizer, learning_rate) -> None:
        """Keep the current optimizer (continuing a run) unless another is asked for.

        ``learning_rate0``, the rate schedules decay from, changes only with a new
        optimizer or an explicit learning_rate, so a resumed run keeps its schedule.
        """
        if learning_rate is not None:
            check_learning_rate(learning_rate)
        if optimizer is None and self.optimizer is not None:
            if learning_rate is not None:
                self.optimizer.learning_rate = float(learning_rate)
                self.learning_rate0 = float(learning_rate)
            elif self.learning_rate0 is None:
                self.learning_rate0 = self.optimizer.learning_rate
            return
        opt = get_optimizer(optimizer or "gd", learning_rate=learning_rate)
        if learning_rate is not None:
            opt.learning_rate = float(learning_rate)
        self.optimizer = opt
        self.learning_rate0 = opt.learning_rate

    # ------------------------------------------------------------------ inference
    def predict_proba(self, X, batch_size: int = 4096) -> Array:
        """A[L] for X, computed in chunks (inference mode: no dropout, BN running stats)."""
        outs = [A for _, A in self._forward_chunks(self._check_X(X), batch_size)]
        return np.concatenate(outs, axis=self.layers[-1].output_batch_axis)

    def _forward_chunks(self, X: Array, batch_size: int):
        """(lo, A[L] of examples lo … lo+batch_size−1) for X in model layout, in inference mode."""
        Xe = np.moveaxis(X, self.batch_axis, 0)
        for lo in range(0, Xe.shape[0], batch_size):
            chunk = np.ascontiguousarray(Xe[lo:lo + batch_size], dtype=self.dtype)
            with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported by check_outputs
                A = self.forward(self._to_model_layout(chunk), training=False)
            yield lo, check_outputs(A, self.layers[-1])

    def predict(self, X, batch_size: int = 4096) -> Array:
        """Predictions (1, m): the class index for softmax, 0/1 (A > 0.5) for sigmoid,
        A itself for a linear output."""
        A = self.predict_proba(X, batch_size)
        return self._labels(A)

    def _labels(self, A: Array) -> Array:
        labels = self._decide(A)
        return labels.astype(np.int64) if labels.dtype == bool else labels

    def _decide(self, A: Array) -> Array:
        """The decision rule on outputs (or targets) A: the argmax row (1, m) for softmax,
        A > 0.5 for sigmoid, A itself for a linear output."""
        if self.loss == "categorical_crossentropy":
            return A.argmax(axis=0).reshape(1, -1)
        if self.loss == "binary_crossentropy":
            return A > 0.5
        return A

    def _n_correct(self, A: Array, Y: Array) -> float:
        """Correct examples in the batch (a sigmoid output of n units counts each unit as 1/n)."""
        if self.loss == "mse":
            return 0.0
        decided = self._decide(A)
        return float(np.count_nonzero(decided == self._decide(Y))) / decided.shape[0]

    def evaluate(self, X, Y, batch_size: int = 4096) -> dict[str, float]:
        """{"cost": J without the L2 term, "accuracy": fraction correct} on (X, Y), in
        inference mode; "accuracy" only for a classifier (not for loss="mse")."""
        return self._evaluate_prepared(*self.prepare(X, Y), batch_size=batch_size)

    def _evaluate_prepared(self, X: Array, Y: Array, batch_size: int = 4096) -> dict[str, float]:
        m = Y.shape[1]
        cost = correct = 0.0
        for lo, A in self._forward_chunks(X, batch_size):
            Yb = Y[:, lo:lo + batch_size]
            cost += self.cost(A, Yb) * Yb.shape[1]
            correct += self._n_correct(A, Yb)
        out = {"cost": cost / m}
        if self.loss != "mse":
            out["accuracy"] = correct / m
        return out

    # ------------------------------------------------------------------ weights & config
    def get_weights(self) -> dict[str, Array]:
        """Copies of every parameter and state array, by course name."""
        return {**self.params.copy_arrays(), **{k: v.copy() for k, v in self.state.items()}}

    def set_weights(self, weights: dict[str, Array]) -> None:
        """Write arrays into the parameters and state by course name (shapes must match).

        Every name and shape is checked before anything is written, so a bad set of
        weights leaves the model as it was."""
        targets = {**self.params, **self.state}
        for k, v in weights.items():
            if k not in targets:
                raise KeyError(f"{k!r} is not a parameter of this model; it has {', '.join(targets)}")
            if np.shape(v) != targets[k].shape:
                raise ValueError(f"{k} has shape {targets[k].shape}, got an array of shape {np.shape(v)}")
        for k, v in weights.items():
            targets[k][...] = v

    def get_config(self) -> dict[str, Any]:
        """The architecture as JSON-ready data (loss, dtype, seed, input shape, layer configs)."""
        return {
            "class": "Sequential",
            "loss": self.loss,
            "dtype": self.dtype.name,
            "seed": self.seed,
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "layers": [{"class_name": type(l).__name__, "config": l.get_config()} for l in self.layers],
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Sequential":
        """A new model (fresh weights, built when the config has an input shape) from ``get_config``."""
        from .layers import LAYERS
        layers = []
        for spec in config["layers"]:
            name = spec.get("class_name") if isinstance(spec, dict) else None
            if name not in LAYERS:
                raise ValueError(f"unknown layer {name!r} in model config; known layers: {', '.join(sorted(LAYERS))}")
            layers.append(LAYERS[name].from_config(spec.get("config", {})))
        return cls(layers, loss=config.get("loss"), seed=config.get("seed", 0),
                   dtype=config.get("dtype", "float32"), input_shape=config.get("input_shape"))

    @property
    def n_params(self) -> int:
        """The number of trainable parameters (the length of ``params.vector``)."""
        return int(self.params.vector.size)

    def summary(self, print_fn=print) -> str:
        """A table of layers, output shapes and parameter counts (printed and returned)."""
        rows = [("Layer", "Output shape", "Params")]
        for layer in self.layers:
            shape = layer.output_shape
            shape_s = "?" if shape is None else batch_shape(shape, layer.output_batch_axis)
            rows.append((repr(layer), shape_s, f"{layer.n_params:,}"))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        line = "-" * (sum(widths) + 4)
        text = [line] + [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows] + [line]
        text.insert(2, line)
        text.append(f"Total params: {self.n_params:,}   loss: {self.loss}   dtype: {self.dtype.name}")
        out = "\n".join(text)
        if print_fn is not None:
            print_fn(out)
        return out

    def save(self, path) -> None:
        """Write the model to a safetensors file (atomic: the old file survives a failed save)."""
        from .io import save
        save(self, path)

    def __repr__(self) -> str:
        return f"Sequential({self.layers!r}, loss={self.loss!r})"


def _course_name(k: str, l: int, i: int, taken) -> str:
    """The course name of array k of layer i, numbered l ("W1", "gamma1"); "W1_3" if taken."""
    key = f"{k}{l}"
    return key if key not in taken else f"{key}_{i}"


def _progress(verbose: int, start: int, end: int):
    if not verbose or end <= start:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=end, initial=start, unit="epoch", desc="training", leave=True)


def _divergence_message(what: str, epoch: int, step: int, optimizer: Optimizer) -> str:
    return (f"training diverged: {what} at epoch {epoch + 1}, step {step + 1}. "
            f"Likely cause: the learning rate ({optimizer.learning_rate:g}) is too high for this "
            "network and data (try 3-10x smaller), or the inputs are not normalized")


def mlp(layer_dims: Sequence[int], hidden: str = "relu", output: str = "softmax", init: str | None = None,
        keep_prob: float | None = None, batch_norm: bool = False, lambd: float = 0.0, seed: int = 0,
        dtype=np.float32) -> Sequential:
    """The course's L-layer network: layer_dims = [n_x, n[1], …, n[L]].

    Hidden layer l: Dense(n[l], hidden), or with ``batch_norm`` the course's order
    Dense(n[l], linear) → BatchNorm (on Z[l]) → Activation(hidden); then Dropout(keep_prob)
    when keep_prob < 1. Output layer: Dense(n[L], output) — "softmax", "sigmoid" or
    "linear". lambd: the L2 λ on every W. Parameters are named W1, b1, gamma1, beta1, W2, …
    """
    dims = check_layer_sizes(layer_dims)
    lambd = check_hyperparameter("lambd", lambd, low=0)
    if len(dims) < 2 or any(d < 1 for d in dims):
        raise ValueError(f"layer_dims must be at least [n_x, n_y] of positive sizes, got {list(layer_dims)}")
    if output not in ("softmax", "sigmoid", "linear"):
        raise ValueError(f"output must be 'softmax', 'sigmoid' or 'linear', got {output!r}")
    if output == "softmax" and dims[-1] < 2:
        raise ValueError("a softmax output needs at least 2 units; use output='sigmoid' for binary labels")
    if keep_prob is not None and not 0.0 < keep_prob <= 1.0:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}")
    layers: list[Layer] = []
    for n in dims[1:-1]:
        if batch_norm:
            layers += [Dense(n, "linear", init=init or DEFAULT_INIT.get(hidden, "xavier"), l2=lambd),
                       BatchNorm(), Activation(hidden)]
        else:
            layers.append(Dense(n, hidden, init=init, l2=lambd))
        if keep_prob is not None and keep_prob < 1:
            layers.append(Dropout(keep_prob))
    layers.append(Dense(dims[-1], output, init=init, l2=lambd))
    return Sequential(layers, seed=seed, dtype=dtype, input_shape=(dims[0],))


def logistic_regression(n_x: int, seed: int = 0, dtype=np.float32) -> Sequential:
    """Logistic regression as a one-unit sigmoid network: ŷ = σ(w·x + b), w and b from zero."""
    return Sequential([Dense(1, "sigmoid", init="zeros")], seed=seed, dtype=dtype, input_shape=(int(n_x),))
