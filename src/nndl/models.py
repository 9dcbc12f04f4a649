"""``Sequential`` (a stack of layers trained end to end) and the builders of the course's
networks: ``mlp`` (the L-layer network), ``logistic_regression``, ``lenet5`` and ``resnet``.
The base every model shares, ``Model``, is in ``nndl.model_base``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .cnn_models import LENET5_BATCH_SIZE, lenet5_layers, resnet_layers  # noqa: F401
from .initializers import DEFAULT_INIT
from .layers import Activation, BatchNorm, Dense, Dropout, Layer
from .layers.base import default_batch_axis, layer_from_spec, layer_spec, walk_layers
from .limits import check_hyperparameter, check_layer_sizes
from .losses import Loss, get_loss
from .model_base import Array, Model, _table
from .model_registry import register_model
from .training import TrainingDiverged  # noqa: F401 (re-exported: callers catch it from here)
from .validation import batch_shape

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
