"""Models: the ``Model`` base, ``Sequential`` (a stack of layers) and ``mlp`` (the course's
L-layer network).

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

from typing import Any, Sequence

import numpy as np

from .batches import chunks, count_examples
from .callbacks import History
from .cnn_models import LENET5_BATCH_SIZE, lenet5_layers, resnet_layers  # noqa: F401
from .initializers import DEFAULT_INIT
from .layers import Activation, BatchNorm, Dense, Dropout, Layer
from .layers.base import default_batch_axis, layer_from_spec, layer_spec, walk_layers
from .losses import Loss, get_loss
from .model_registry import register_model
from .display import summary_html
from .export.onnx import to_onnx
from .params import FlatParams
from .limits import check_hyperparameter, check_layer_sizes
from .scores import get_metrics
from .training import TrainingDiverged, fit_model, set_optimizer  # noqa: F401 (TrainingDiverged re-exported)
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
        A = self.forward(X, training)
        m = Y.shape[self.output_batch_axis]
        out, loss = self.output_layer, self.loss_fn
        fused = loss.fuses(out)
        J = (loss.cost_from_logits(out.Z, Y, m, mask) if fused else loss.cost(A, Y, m, mask)) + self.regularization_cost(m)
        self.backward_from_loss(A, Y, mask, fused)
        return J, A

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
        if batch_size is None:
            batch_size = self.inference_batch_size()
        try:
            for lo, chunk in chunks(inputs, self.input_batch_axes, batch_size, self.dtype):
                self._begin_pass()
                with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported by check_outputs
                    A = self.forward(self._unpack(chunk), training=False)
                self._release_caches()
                yield lo, check_outputs(A, self.output_layer)
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


@register_model
class Sequential(Model):
    """A stack of layers trained end to end.

    layers: list of ``nndl.layers`` objects. loss: "binary_crossentropy",
    "categorical_crossentropy", "mse" or a ``nndl.losses.Loss`` (default: from the output
    activation — sigmoid → binary, softmax → categorical, otherwise mse). metrics: names or
    ``nndl.scores`` objects (default: accuracy for a classifier). seed: seeds the one
    Generator used for initialization, shuffling and dropout masks. dtype: float32 (default)
    or float64. input_shape: one example's shape (builds now); input_batch_axis: where the
    examples sit in X (default: the first layer's, else −1 for 1-D examples and 0 otherwise;
    declare 1 for sequences (n_x, m, T_x) into a layer that takes any layout).
    """

    def __init__(self, layers: Sequence[Layer], loss: str | Loss | None = None, seed: int = 0,
                 dtype=np.float32, input_shape: Sequence[int] | None = None,
                 input_batch_axis: int | None = None, metrics=None):
        layers = list(layers)
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layer {i} is a {type(layer).__name__}, expected an nndl layer")
        super().__init__(loss=loss, metrics=metrics, seed=seed, dtype=dtype)
        self.layers = layers
        self._input_batch_axis = input_batch_axis
        if self.loss_fn is None:
            self.loss_fn = get_loss(None, layers[-1])
        if input_shape is not None:
            self.build(tuple(input_shape))

    # ------------------------------------------------------------------ layout
    @property
    def input_batch_axes(self) -> tuple[int]:
        return (self.batch_axis,)

    @property
    def input_kinds(self) -> tuple[str]:
        return (self.layers[0].input_kind,)

    @property
    def batch_axis(self) -> int:
        """Where the examples sit in X: declared, else the first layer's, else by the default."""
        if self._input_batch_axis is not None:
            return self._input_batch_axis
        first = self.layers[0]
        if self.built:
            return first.batch_axis
        return type(first).batch_axis if type(first).batch_axis is not None else None

    @property
    def output_batch_axis(self) -> int:
        return self.layers[-1].output_batch_axis

    @property
    def input_shape(self) -> tuple[int, ...] | None:
        return self.input_shapes[0] if self.built else None

    @property
    def output_units(self) -> int:
        return int(np.prod(self.layers[-1].output_shape))

    def named_layers(self) -> dict[str, Layer]:
        return {_layer_tag(layer, i): layer for i, layer in enumerate(self.layers)}

    def build(self, input_shape) -> "Sequential":
        """Create every layer's parameters for examples of ``input_shape`` (batch axis removed),
        handing each layer the previous layer's output batch axis, and gather them into one
        flat buffer with course names W1, b1, gamma1, … (dotted paths inside composites)."""
        return super().build(input_shape)

    def build_layers(self, input_shapes):
        shape = input_shapes[0]
        axis = self.batch_axis
        if axis is None:
            axis = default_batch_axis(len(shape))
        for layer in self.layers:
            shape = layer.build(shape, self.rng, self.dtype, axis)
            axis = layer.output_batch_axis
        self.layers[0].needs_input_grad = False
        self.output_layer = self.layers[-1]
        return shape

    def parameter_names(self):
        """Course names for plain layers (W1, b1, gamma1, …), dotted paths in composites."""
        out, taken, l = [], set(), 0
        for i, layer in enumerate(self.layers):
            l += layer.numbered
            if layer.sublayers():
                tag = _layer_tag(layer, i)
                for path, owner in walk_layers(layer, tag):
                    out += [(owner, k, f"{path}.{k}", False) for k in owner.params]
                    out += [(owner, k, f"{path}.{k}", True) for k in owner.state]
                continue
            for k in layer.params:
                name = _course_name(k, l, i, taken)
                taken.add(name)
                out.append((layer, k, name, False))
            for k in layer.state:
                name = _course_name(k, l, i, taken)
                taken.add(name)
                out.append((layer, k, name, True))
        return out

    def _check_X(self, X) -> Array:
        return self._check_inputs(X)[0]

    # ------------------------------------------------------------------ passes
    def forward(self, X: Array, training: bool = False) -> Array:
        """A[L] for a batch X (examples on the first layer's batch axis)."""
        A = X
        for layer in self.layers:
            A = layer.forward(A, training)
        return A

    def backward(self, delta: Array, from_logits: bool) -> None:
        """From dZ[L] (fused) or dA[L] down to layer 1, filling ``self.grads``."""
        dA = self.backward_output(delta, from_logits)
        for layer in reversed(self.layers[:-1]):
            dA = layer.backward(dA)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        """The architecture as JSON-ready data (loss, dtype, seed, input shape, layer configs)."""
        config = {
            "class": "Sequential",
            "loss": self.loss,
            "dtype": self.dtype.name,
            "seed": self.seed,
            "input_shape": list(self.input_shape) if self.input_shape else None,
            "layers": [layer_spec(layer) for layer in self.layers],
        }
        if self._input_batch_axis is not None:
            config["input_batch_axis"] = self._input_batch_axis
        config.update(self._metrics_config())
        config.update(self._frozen_config())
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Sequential":
        """A new model (fresh weights, built when the config has an input shape) from ``get_config``."""
        layers = [layer_from_spec(spec) for spec in config["layers"]]
        model = cls(layers, loss=config.get("loss"), seed=config.get("seed", 0),
                    dtype=config.get("dtype", "float32"), input_shape=config.get("input_shape"),
                    input_batch_axis=config.get("input_batch_axis"), metrics=config.get("metrics"))
        model._apply_frozen(config.get("frozen", ()))
        return model

    def summary(self, print_fn=print) -> str:
        """A table of layers, output shapes, parameter counts and names (printed and returned)."""
        if self.built:
            self.sync_frozen()
        names: dict[int, list[str]] = {}
        for name, owner, _ in self._owners:
            frozen = "*" if name in self.params.frozen else ""
            names.setdefault(id(owner), []).append(name + frozen)
        rows = [("Layer", "Output shape", "Params", "Names")]
        for i, top in enumerate(self.layers):
            # a composite layer (a residual block, a Transformer layer) gets a row of its own,
            # then one indented row per layer inside it, each with its own parameters' names
            for path, layer in walk_layers(top, _layer_tag(top, i)):
                depth = path.count(".")
                label = repr(layer) if depth == 0 else "  " * depth + f"{path.rsplit('.', 1)[1]}: {layer!r}"
                shape = layer.output_shape
                shape_s = "?" if shape is None else batch_shape(shape, layer.output_batch_axis)
                own = names.get(id(layer), []) if layer.sublayers() or depth else \
                    [n for _, l in walk_layers(layer, path) for n in names.get(id(l), [])]
                rows.append((label, shape_s, f"{layer.n_params:,}", " ".join(own)))
        footer = f"Total params: {self.n_params:,}   loss: {self.loss}   dtype: {self.dtype.name}"
        if getattr(self.params, "frozen", None):
            footer += "   (* frozen)"
        return _table(rows, footer, print_fn)

    def __repr__(self) -> str:
        return f"Sequential({self.layers!r}, loss={self.loss!r})"


def _layer_tag(layer: Layer, i: int) -> str:
    """The first part of a composite layer's parameter names: its name, else class + position."""
    if layer.name:
        if "." in layer.name or "/" in layer.name:
            raise ValueError(f"layer name {layer.name!r} may not contain '.' or '/'")
        return layer.name
    return f"{type(layer).__name__.lower()}{i}"


def _course_name(k: str, l: int, i: int, taken) -> str:
    """The course name of array k of layer i, numbered l ("W1", "gamma1"); "W1_3" if taken."""
    key = f"{k}{l}"
    return key if key not in taken else f"{key}_{i}"


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


def mlp(layer_dims: Sequence[int], hidden: str = "relu", output: str = "softmax", init: str | None = None,
        keep_prob: float | None = None, batch_norm: bool = False, lambd: float = 0.0, seed: int = 0,
        dtype=np.float32, l1: float = 0.0) -> Sequential:
    """The course's L-layer network: layer_dims = [n_x, n[1], …, n[L]].

    Hidden layer l: Dense(n[l], hidden), or with ``batch_norm`` the course's order
    Dense(n[l], linear) → BatchNorm (on Z[l]) → Activation(hidden); then Dropout(keep_prob)
    when keep_prob < 1. Output layer: Dense(n[L], output) — "softmax", "sigmoid" or
    "linear". lambd: the L2 λ on every W; l1: the L1 λ₁ on every W. Parameters are named W1, b1, gamma1, beta1, W2, …
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
            layers += [Dense(n, "linear", init=init or DEFAULT_INIT.get(hidden, "xavier"), l2=lambd, l1=l1),
                       BatchNorm(), Activation(hidden)]
        else:
            layers.append(Dense(n, hidden, init=init, l2=lambd, l1=l1))
        if keep_prob is not None and keep_prob < 1:
            layers.append(Dropout(keep_prob))
    layers.append(Dense(dims[-1], output, init=init, l2=lambd, l1=l1))
    return Sequential(layers, seed=seed, dtype=dtype, input_shape=(dims[0],))


def logistic_regression(n_x: int, seed: int = 0, dtype=np.float32) -> Sequential:
    """Logistic regression as a one-unit sigmoid network: ŷ = σ(w·x + b), w and b from zero."""
    return Sequential([Dense(1, "sigmoid", init="zeros")], seed=seed, dtype=dtype, input_shape=(int(n_x),))


def lenet5(input_shape=(28, 28, 1), n_classes: int = 10, seed: int = 0, dtype=np.float32) -> Sequential:
    """LeNet-5 with ReLU and max pooling (``nndl.cnn_models.lenet5_layers``): input
    (m, 28, 28, 1) (one example: ``input_shape``), output (n_classes, m); 61,706 parameters
    for 28×28 inputs. Train it with ``fit(X, y, batch_size=128, optimizer="adam")``."""
    return Sequential(lenet5_layers(n_classes), seed=seed, dtype=dtype, input_shape=tuple(input_shape))


def resnet(depths: Sequence[int] = (2, 2, 2), widths: Sequence[int] = (16, 32, 64), n_classes: int = 10,
           input_shape=(28, 28, 1), seed: int = 0, dtype=np.float32) -> Sequential:
    """A small ResNet of residual blocks (``nndl.cnn_models.resnet_layers``): one stage per
    width, ``depths[i]`` blocks each, global average pooling, softmax over n_classes."""
    return Sequential(resnet_layers(depths, widths, n_classes), seed=seed, dtype=dtype,
                      input_shape=tuple(input_shape))
