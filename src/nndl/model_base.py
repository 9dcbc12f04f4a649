"""The ``Model`` base: what every nndl model shares (``Sequential`` and the hand-written
models alike).

A model exposes the course's flat parameter names (``params["W1"]``, ``grads["dW1"]``),
which are views into one flat buffer per model (see ``nndl.params``), and trains with
``fit`` (the loop lives in ``nndl.training``):

    for each epoch: shuffle the examples, then for each mini-batch X{t}, Y{t}:
        forward:  A[l] = g[l](W[l]·A[l−1] + b[l])
        cost:     J = L(A[L], Y) (+ λ/2m·Σ‖W‖²), computed from the logits
        backward: dZ[L] = A[L] − Y, then dW[l], db[l], dA[l−1] down to layer 1
        update:   params ← optimizer.update(params, grads)

Writing a model by hand (an encoder–decoder, a two-input network): subclass ``Model``,
decorate it with ``@register_model``, and define

- ``__init__(self, <your arguments>, **kwargs)`` calling ``super().__init__(**kwargs)``
  (``loss``, ``metrics``, ``seed``, ``dtype``) and ``get_model_config()`` returning your
  arguments as JSON-ready data;
- ``input_batch_axes`` (one per input: −1 dense, 0 images/token ids, 1 sequences) and
  ``input_kinds`` (``"float"`` or ``"int"`` per input), as class attributes or properties;
- ``named_layers()`` → ``{name: layer}`` of the top-level layers (names give the
  parameter names ``name.W``; order gives the flat buffer's order);
- ``build_layers(input_shapes)`` → builds each layer (passing ``rng``, ``dtype`` and the
  batch axis of what it receives) and returns the output example shape; set
  ``self.output_layer`` (the layer whose logits fuse with the loss) and, if the output's
  examples are not on axis −1, ``self.output_batch_axis``;
- ``forward(X, training)`` → A (X: one array, or a tuple for several inputs) and
  ``backward(delta, from_logits)``: ``self.backward_output(delta, from_logits)`` starts
  backpropagation at the output layer, then each layer's ``backward`` (or
  ``call_backward`` for a layer called several times) in reverse order.

Everything else — building the flat buffer, fit, evaluate, predict in chunks, save/load,
gradcheck, callbacks, checkpoints — is the base's and works for every subclass.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from .batches import chunks, count_examples
from .callbacks import History
from .display import summary_html
from .functional._batch_threads import blas_on_one_thread
from .export.onnx import to_onnx
from .layers import Layer
from .layers.base import default_batch_axis, walk_layers
from .limits import check_batch_size
from .losses import Loss, get_loss
from .params import FlatParams
from .scores import get_metrics
from .training import fit_model, set_optimizer
from .validation import batch_shape, check_finite, check_outputs, check_representable, check_X, one_example_shape

Array = np.ndarray

# What one inference chunk may hold (predict, evaluate): 256 MiB of activations and caches.
INFERENCE_BUDGET_BYTES = 256 * 2**20
MAX_INFERENCE_BATCH = 4096
ALIVE_LAYERS = 4


class Model:
    """Base of every model: parameters bound to one flat buffer, loss and metrics, training,
    inference in chunks, weights, config, save and summary. See the module docstring."""

    input_batch_axes: tuple[int, ...] = (-1,)
    input_kinds: tuple[str, ...] = ("float",)
    output_batch_axis: int = -1

    def __init__(self, loss: str | Loss | None = None, metrics=None, seed: int = 0, dtype=np.float32):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self._loss_spec = loss
        self._metrics_spec = metrics
        self.loss_fn: Loss | None = None if loss is None else get_loss(loss)
        self.metrics: list = []
        self.optimizer = None
        self.learning_rate0: float | None = None
        self.history = History()
        self.epochs_done = 0
        self.stop_training = False
        self.params = FlatParams([], self.dtype)
        self.grads = FlatParams([], self.dtype)
        self.state: dict[str, Array] = {}
        self.input_shapes: list[tuple[int, ...]] | None = None
        self.output_shape: tuple[int, ...] | None = None
        self.output_layer: Layer | None = None
        self._owners: list[tuple[str, Layer, str]] = []
        self._layers: list[Layer] = []

    # ------------------------------------------------------------------ subclass hooks
    def named_layers(self) -> dict[str, Layer]:
        """{name: layer} of the top-level layers, in the order of the flat buffer."""
        raise NotImplementedError

    def build_layers(self, input_shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        """Build every layer for inputs whose examples have ``input_shapes`` (one per input),
        passing each the batch axis of what it receives; return one output example's shape."""
        raise NotImplementedError

    def forward(self, X, training: bool = False) -> Array:
        """The output A for a batch X (one array, or a tuple for several inputs)."""
        raise NotImplementedError

    def backward(self, delta: Array, from_logits: bool) -> None:
        """Fill every layer's grads from the output delta: dZ of the output layer when
        ``from_logits`` (fused), else dA; start with ``self.backward_output``."""
        raise NotImplementedError

    def get_model_config(self) -> dict[str, Any]:
        """The subclass's own constructor arguments, JSON-ready."""
        return {}

    def parameter_names(self) -> list[tuple[Layer, str, str, bool]]:
        """(owner layer, key, flat name, is_state) for every parameter and state array, in
        buffer order: ``<top>.<child>.<key>`` (see ``nndl.layers.base``)."""
        out = []
        for top, layer in self.named_layers().items():
            for path, owner in walk_layers(layer, top):
                out += [(owner, k, f"{path}.{k}", False) for k in owner.params]
                out += [(owner, k, f"{path}.{k}", True) for k in owner.state]
        return out

    # ------------------------------------------------------------------ building
    @property
    def built(self) -> bool:
        return self.input_shapes is not None

    @property
    def loss(self) -> str:
        """The loss's name ("categorical_crossentropy", …); the object is ``loss_fn``."""
        return self.loss_fn.name if self.loss_fn is not None else None

    def build(self, *input_shapes) -> "Model":
        """Create every parameter for examples of these shapes (batch axes removed, one per
        input) and bind them all, sub-layers included, into one flat buffer."""
        shapes = [tuple(int(s) for s in shape) for shape in input_shapes]
        if len(shapes) != len(self.input_batch_axes):
            raise ValueError(f"{type(self).__name__} takes {len(self.input_batch_axes)} input(s), "
                             f"got {len(shapes)} input shape(s)")
        self.output_shape = tuple(self.build_layers(shapes))
        self.input_shapes = shapes
        if self.output_layer is None:
            self.output_layer = list(self.named_layers().values())[-1]
        if self.loss_fn is None:
            self.loss_fn = get_loss(None, self.output_layer)
        self.metrics = get_metrics(self._metrics_spec, self.loss_fn, len(self.output_shape))
        self._bind()
        return self

    def _bind(self) -> None:
        entries, owners, state = [], [], {}
        seen = set()
        for owner, k, name, is_state in self.parameter_names():
            if name in seen:
                raise ValueError(f"two parameters are named {name!r}")
            seen.add(name)
            if is_state:
                state[name] = owner.state[k]
            else:
                entries.append((name, owner.params[k].shape))
                owners.append((name, owner, k))
        self.params = FlatParams(entries, self.dtype)
        self.grads = self.params.zeros_like(prefix="d")
        for name, owner, k in owners:
            self.params[name] = owner.params[k]
            owner.params[k] = self.params[name]
            owner.grads["d" + k] = self.grads["d" + name]
        self.state = state
        self._owners = owners
        self._layers = [l for top, layer in self.named_layers().items() for _, l in walk_layers(layer, top)]
        self.sync_frozen()

    def all_layers(self) -> list[Layer]:
        """Every layer of the model, sub-layers included, parents first."""
        return list(self._layers)

    def sync_frozen(self) -> None:
        """Tell the optimizer which parameters are frozen now (``params.frozen``)."""
        self.params.frozen = {name for name, owner, k in self._owners if owner.is_frozen(k)}

    def owner_of(self, name: str) -> tuple[Layer, str]:
        """(layer, key) of the flat parameter ``name``."""
        for n, owner, k in self._owners:
            if n == name:
                return owner, k
        raise KeyError(f"{name!r} is not one of this model's parameters: {', '.join(self.params)}")

    def backward_output(self, delta: Array, from_logits: bool):
        """Backpropagate through the output layer: from dZ when fused, else from dA."""
        if from_logits:
            return self.output_layer.backward_from_logits(delta)
        return self.output_layer.backward(delta)

    def _begin_pass(self) -> None:
        for layer in self._layers:
            if layer._calls:
                layer._calls.clear()

    # ------------------------------------------------------------------ data
    def _as_inputs(self, X) -> tuple:
        """The inputs as a tuple, one per ``input_batch_axes``."""
        n = len(self.input_batch_axes)
        if n == 1:
            return (X,)
        if not isinstance(X, (tuple, list)) or len(X) != n:
            raise ValueError(f"{type(self).__name__} takes a tuple of {n} inputs, got {type(X).__name__}")
        return tuple(X)

    def _unpack(self, inputs: tuple):
        return inputs[0] if len(inputs) == 1 else inputs

    def _check_inputs(self, X) -> tuple[Array, ...]:
        inputs = self._as_inputs(X)
        checked, axes = [], []
        for i, (A, axis, kind) in enumerate(zip(inputs, self.input_batch_axes, self.input_kinds)):
            shape = self.input_shapes[i] if self.built else None
            if axis is None:  # undeclared, first layer of any layout: see default_batch_axis
                axis = default_batch_axis(max(np.ndim(A) - 1, 1))
            if kind == "int":
                A = np.asarray(A)
                if A.dtype.kind not in "iu":
                    raise ValueError(f"input {i} holds token ids: expected integers, got dtype {A.dtype}")
                if A.ndim < 1 or (shape is not None and one_example_shape(A.shape, axis) != shape):
                    raise ValueError(f"input {i} has shape {A.shape}, expected {batch_shape(shape or (), axis)}")
            else:
                A = check_X(A, shape, axis)
                check_representable(f"input {i}" if len(inputs) > 1 else "X", A, self.dtype)
            checked.append(A)
            axes.append(axis)
        count_examples(checked, axes, [f"input {i}" for i in range(len(checked))])
        if not self.built:
            self.build(*[one_example_shape(A.shape, axis) for A, axis in zip(checked, axes)])
        return tuple(checked)

    def prepare(self, X, Y, mask=None):
        """Validate the inputs, convert Y once to the output's shape ((C, m) one-hot for
        softmax; (C, m, T_y) for integer labels (m, T_y) of a sequence output) and the mask
        to the model's dtype. Returns (X, Y) — or (X, Y, mask) when a mask is given —
        X being a tuple for a model of several inputs."""
        inputs = self._check_inputs(X)
        m = inputs[0].shape[self.input_batch_axes[0]]
        Yt = self.loss_fn.targets(Y, self.output_shape, self.output_batch_axis, m, self.dtype)
        if mask is None:
            return self._unpack(inputs), Yt
        mask = np.asarray(mask)
        check_finite("mask", mask)
        if mask.ndim > Yt.ndim:
            raise ValueError(f"mask has shape {mask.shape}; it must broadcast against Y {Yt.shape}")
        try:
            np.broadcast_shapes(mask.shape, Yt.shape)
        except ValueError:
            raise ValueError(f"mask of shape {mask.shape} does not broadcast against Y of shape {Yt.shape}") from None
        if mask.ndim == 0 or mask.shape[self.mask_axis(mask.ndim)] != m:
            raise ValueError(f"mask has shape {mask.shape}, expected m={m} on its example axis")
        if not np.isin(mask, (0, 1)).all() or not mask.any():
            raise ValueError("mask must hold 0/1 values and keep at least one entry")
        return self._unpack(inputs), Yt, mask.astype(self.dtype, copy=False)

    def mask_axis(self, mask_ndim: int) -> int:
        """The example axis of a mask broadcasting against the targets: (m, T_y) → 0 for
        (C, m, T_y) targets, (n_y, m) → 1 for (n_y, m) targets."""
        n_out = len(self.output_shape) + 1
        return self.output_batch_axis % n_out - (n_out - mask_ndim)

    # ------------------------------------------------------------------ passes
    def cost(self, A: Array, Y: Array, m: int | None = None, mask: Array | None = None) -> float:
        """J(A, Y) for the last forward pass, from the logits when the output layer allows."""
        if m is None:
            m = Y.shape[self.output_batch_axis]
        return self.loss_fn.layer_cost(self.output_layer, A, Y, m, mask)

    def regularization_cost(self, m: int) -> float:
        """The L2 term λ/2m·Σ‖W[l]‖² (and the L1 term λ₁/m·Σ|W[l]|) summed over every layer (0 without regularization)."""
        return sum(layer.regularization_cost(m) for layer in self._layers)

    def backward_from_loss(self, A: Array, Y: Array, mask: Array | None = None, fused: bool | None = None) -> None:
        """Fill ``self.grads`` from the last forward pass: dZ = A − Y when fused, else dA."""
        out = self.output_layer
        if fused is None:
            fused = self.loss_fn.fuses(out)
        if fused:
            delta = self.loss_fn.delta(A, Y, out=out._buffer("dZ", A.shape, A), mask=mask)
            self.backward(delta, True)
        else:
            self.backward(self.loss_fn.gradient(A, Y, mask), False)

    def compute_cost_and_grads(self, X, Y: Array, training: bool = True,
                               mask: Array | None = None) -> tuple[float, Array]:
        """One forward and backward pass on (X, Y) already in model shape.

        Returns (J including the L2 term, A); the gradients are in ``self.grads``.
        """
        self._begin_pass()
        with self._blas_threads():
            A = self.forward(X, training)
            m = Y.shape[self.output_batch_axis]
            out, loss = self.output_layer, self.loss_fn
            fused = loss.fuses(out)
            J = (loss.cost_from_logits(out.Z, Y, m, mask) if fused else loss.cost(A, Y, m, mask)) \
                + self.regularization_cost(m)
            self.backward_from_loss(A, Y, mask, fused)
        return J, A

    def _blas_threads(self):
        """``blas_on_one_thread()`` when a layer splits the batch over nndl's threads (its
        products included: see ``Layer.splits_batch``), so that BLAS's own threads do not spin
        on the cores those use; otherwise a block that changes nothing."""
        if any(layer.splits_batch for top in self._layers for _, layer in walk_layers(top)):
            return blas_on_one_thread()
        return contextlib.nullcontext()

    # ------------------------------------------------------------------ training
    def fit(self, X, Y, epochs: int = 10, batch_size: int | None = 64, learning_rate: float | None = None,
            optimizer=None, validation_data: tuple | None = None, seed: int | None = None, callbacks=(),
            verbose: int = 1, lr_schedule=None, clip_value: float | None = None, clip_norm: float | None = None,
            initial_epoch: int | None = None, shuffle: bool = True, mask=None, augment=None, backup=None):
        return fit_model(self, X, Y, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
                         optimizer=optimizer, validation_data=validation_data, seed=seed, callbacks=callbacks,
                         verbose=verbose, lr_schedule=lr_schedule, clip_value=clip_value, clip_norm=clip_norm,
                         initial_epoch=initial_epoch, shuffle=shuffle, mask=mask, augment=augment, backup=backup)

    fit.__doc__ = fit_model.__doc__.replace("Train ``model``", "Train this model", 1)

    def _set_optimizer(self, optimizer, learning_rate) -> None:
        set_optimizer(self, optimizer, learning_rate)

    # ------------------------------------------------------------------ inference
    def inference_batch_size(self, budget_bytes: int = INFERENCE_BUDGET_BYTES) -> int:
        """Examples per inference chunk: as many as fit ``budget_bytes`` when each example
        takes 4 × the largest ``layer.inference_elements()`` numbers (a few layers' arrays are
        alive at once), between 1 and 4096. A dense network gets 4096, LeNet-5 about 570, a
        ResNet on 28×28 images about 120: predicting or evaluating 10,000 images holds one
        chunk's activations, not 10,000's."""
        largest = max((layer.inference_elements() for layer in self._layers), default=1)
        per_example = ALIVE_LAYERS * largest * np.dtype(self.dtype).itemsize
        return int(min(MAX_INFERENCE_BATCH, max(1, budget_bytes // max(per_example, 1))))

    def _forward_chunks(self, inputs: tuple, batch_size: int | None):
        """(lo, A of examples lo … lo+batch_size−1) for inputs in model layout, inference mode
        (batch_size None: ``inference_batch_size()``). The layers' caches are let go after
        each chunk, so nothing of an inference pass stays allocated."""
        check_batch_size(batch_size)
        if batch_size is None:
            batch_size = self.inference_batch_size()
        try:
            for lo, chunk in chunks(inputs, self.input_batch_axes, batch_size, self.dtype):
                self._begin_pass()
                with np.errstate(over="ignore", invalid="ignore"), self._blas_threads():
                    A = self.forward(self._unpack(chunk), training=False)  # an overflow: see check_outputs
                self._release_caches()
                yield lo, check_outputs(A, self.output_layer, self.output_batch_axis, first=lo)
        finally:
            self._release_caches()

    def _release_caches(self) -> None:
        for layer in self._layers:
            layer.cache = None

    def predict_proba(self, X, batch_size: int | None = None) -> Array:
        """The output A for X, computed in chunks of ``batch_size`` examples (None: as many as
        ``inference_batch_size()`` allows); inference mode: no dropout, BN running stats."""
        outs = [A for _, A in self._forward_chunks(self._check_inputs(X), batch_size)]
        return np.concatenate(outs, axis=self.output_batch_axis)

    def predict(self, X, batch_size: int | None = None) -> Array:
        """Predictions (1, m): the class index for softmax, 0/1 (A > 0.5) for sigmoid,
        A itself for a linear output; (m, T_y) class indices for a sequence output."""
        labels = self.loss_fn.decide(self.predict_proba(X, batch_size))
        return labels.astype(np.int64) if labels.dtype == bool else labels

    def evaluate(self, X, Y, batch_size: int | None = None, mask=None) -> dict[str, float]:
        """{"cost": J without the L2 term, and each metric ("accuracy", …)} on (X, Y), in
        inference mode; "accuracy" only for a classifier (not for loss="mse")."""
        prepared = self.prepare(X, Y, mask)
        return self._evaluate_prepared(*prepared, batch_size=batch_size)

    def _evaluate_prepared(self, X, Y: Array, mask: Array | None = None, batch_size: int | None = None) -> dict[str, float]:
        inputs = self._as_inputs(X)
        axis = self.output_batch_axis
        m = Y.shape[axis]
        check_batch_size(batch_size)
        batch_size = self.inference_batch_size() if batch_size is None else batch_size
        cost = 0.0
        for metric in self.metrics:
            metric.reset()
        maxis = None if mask is None else self.mask_axis(mask.ndim)
        for lo, A in self._forward_chunks(inputs, batch_size):
            Yb = _slice(Y, axis, lo, batch_size)
            mb_mask = None if mask is None else _slice(mask, maxis, lo, batch_size)
            mb = Yb.shape[axis]
            cost += self.cost(A, Yb, mb, mb_mask) * mb
            for metric in self.metrics:
                metric.update(self.loss_fn, A, Yb, mb, mb_mask)
        out = {"cost": cost / m}
        out.update({metric.name: metric.result() for metric in self.metrics})
        return out

    # ------------------------------------------------------------------ weights & config
    def get_weights(self) -> dict[str, Array]:
        """Copies of every parameter and state array, by name."""
        return {**self.params.copy_arrays(), **{k: v.copy() for k, v in self.state.items()}}

    def set_weights(self, weights: dict[str, Array]) -> None:
        """Write arrays into the parameters and state by name (shapes must match).

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

    def _frozen_config(self) -> dict[str, Any]:
        self.sync_frozen() if self.built else None
        frozen = sorted(getattr(self.params, "frozen", ()))
        return {"frozen": frozen} if frozen else {}

    def get_config(self) -> dict[str, Any]:
        """The architecture as JSON-ready data: class, loss, dtype, seed, input shapes, the
        subclass's own config and the frozen parameters."""
        return {"class": type(self).__name__, "loss": self.loss, "dtype": self.dtype.name, "seed": self.seed,
                "input_shapes": [list(s) for s in self.input_shapes] if self.built else None,
                "config": self.get_model_config(), **self._metrics_config(), **self._frozen_config()}

    def _metrics_config(self) -> dict[str, Any]:
        """The metrics chosen for this model by name, when not the defaults."""
        if self._metrics_spec is None:
            return {}
        return {"metrics": [mt if isinstance(mt, str) else mt.name for mt in self._metrics_spec]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Model":
        """A new model (fresh weights, built when the config has input shapes) from ``get_config``."""
        model = cls(**config.get("config", {}), loss=config.get("loss"), seed=config.get("seed", 0),
                    dtype=config.get("dtype", "float32"), metrics=config.get("metrics"))
        if config.get("input_shapes"):
            model.build(*config["input_shapes"])
        model._apply_frozen(config.get("frozen", ()))
        return model

    def _apply_frozen(self, names) -> None:
        for name in names:
            owner, k = self.owner_of(name)
            owner.freeze(k)
        if self.built:
            self.sync_frozen()

    @property
    def n_params(self) -> int:
        """The number of parameters (the length of ``params.vector``), frozen ones included."""
        return int(self.params.vector.size)

    def summary(self, print_fn=print) -> str:
        """A table of every parameter: name, shape, owner layer; frozen ones marked."""
        self.sync_frozen()
        rows = [("Parameter", "Shape", "Layer")]
        for name, owner, k in self._owners:
            mark = " (frozen)" if name in self.params.frozen else ""
            rows.append((name + mark, str(self.params[name].shape), repr(owner)))
        return _table(rows, f"Total params: {self.n_params:,}   loss: {self.loss}   dtype: {self.dtype.name}",
                      print_fn)

    _repr_html_ = summary_html  # Jupyter shows the summary as an HTML table
    to_onnx = to_onnx  # model.to_onnx(path, layout="course"|"rows"): see nndl.export.onnx

    def save(self, path) -> None:
        """Write the model to a safetensors file (atomic: the old file survives a failed save)."""
        from .io import save
        save(self, path)



def _slice(A: Array, axis: int, lo: int, size: int) -> Array:
    index = [slice(None)] * A.ndim
    index[axis] = slice(lo, lo + size)
    return A[tuple(index)]


def _table(rows, footer: str, print_fn) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    line = "-" * (sum(widths) + 2 * (len(widths) - 1))
    fmt = lambda r: "  ".join(f"{c:<{w}}" if j != 2 or len(r) == 3 else f"{c:>{w}}" for j, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    text = [line, fmt(rows[0]), line] + [fmt(r) for r in rows[1:]] + [line, footer]
    out = "\n".join(t.rstrip() for t in text)
    if print_fn is not None:
        print_fn(out)
    return out
