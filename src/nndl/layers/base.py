"""The layer contract that dense, convolutional, recurrent and attention layers share.

A layer
- stores its configuration in ``__init__`` and validates it there;
- creates its parameters in ``build(input_shape, rng, dtype, batch_axis=None)`` from the
  shape of one example (the batch axis removed) and returns the shape of one output example.
  ``batch_axis`` is where the examples sit in its input, handed over by the model (the previous
  layer's ``output_batch_axis``): −1 for dense data ``(n_x, m)``, 0 for images
  ``(m, n_H, n_W, n_C)`` and token ids ``(m, T_x)``, 1 for sequences ``(n_x, m, T_x)``.
  A layer with a fixed layout declares it as the class attribute ``batch_axis`` and
  ``build`` rejects another; a layer that works on any layout (Dropout, Activation,
  BatchNorm) declares ``batch_axis = None`` and takes the one it is given. Nothing is
  guessed from an array's rank inside a model; only a layer built alone, without a
  ``batch_axis``, falls back to ``default_batch_axis`` (dense for 1-D examples, examples
  first otherwise). ``output_batch_axis`` says where the examples sit in its output;
- declares ``input_kind``: ``"float"`` (default) or ``"int"`` (token ids for an embedding):
  the model keeps integer inputs integers and gathers them in their own dtype;
- checks its input in ``forward`` with ``self.check_input(A_prev)`` (shape of one example and,
  for ``input_kind = "int"``, an integer dtype), raising a ValueError naming both shapes;
- computes ``forward(A_prev, training) -> A`` and keeps what backward needs in
  ``self.cache`` (overwritten, never appended, on every call);
- computes ``backward(dA) -> dA_prev`` and writes its parameter gradients into
  ``self.grads`` (same keys as ``params`` with a leading ``d``) in place; it never updates
  weights. dA is per example (the course's convention: the 1/m is applied where dW is formed;
  for sequences the cost is summed over time steps and divided by m, so per-step terms add up);
- keeps non-trainable arrays (running averages) in ``self.state``;
- round-trips through ``get_config()`` / ``from_config(config)``; sub-layers appear in the
  config as nested specs (``layer_spec`` / ``layer_from_spec``).

**Logits.** A layer whose output is ``g(Z)`` with a final activation the loss can fuse
(sigmoid, softmax, linear) sets ``self.logits_activation`` to the name of g and implements
``backward_from_logits(dZ) -> dA_prev``; its last ``Z`` is in ``self.Z``. The loss then
computes its cost from Z and hands it ``dZ = A − Y`` (see ``nndl.losses``).

**Composite layers.** A layer that holds other layers returns them from ``sublayers()`` as an
ordered ``{child_name: layer}`` dict, builds them in its own ``build`` (passing batch axes on)
and calls their forward/backward. The model walks the tree (``walk_layers``) and binds every
parameter of every owner to its flat buffer, so the views in ``layer.params`` of a child are
the model's arrays; gradient checking, per-batch buffers, dropout freezing and model files
walk the same tree.

**Parameter names.** A top-level layer of a ``Sequential`` that has no sub-layers keeps the
course's names: its key plus the course layer number (``W1``, ``b1``, ``gamma1``; ``W1_3`` if
taken). Every parameter of a composite layer, its own and its children's, is named by its
dotted path: ``<tag>.<child>.<…>.<key>`` where ``tag`` is the layer's ``name`` if set, else
its class name in lower case plus its position in the model (``residual2.inner.W``). A
hand-written ``Model`` names its top-level layers itself (``encoder.W``). Gradients add a
leading ``d`` (``dresidual2.inner.W``). The dot never occurs in a course name, so the two
schemes cannot collide; ``summary()`` lists every name.

**Frozen parameters.** ``layer.freeze()`` (or ``freeze("W")``) marks parameters that are
saved and loaded but not trained: they stay in the flat buffer, backward may still fill their
gradients, and optimizers leave them unchanged. ``layer.unfreeze()`` makes them trainable
again without rebuilding the model. The frozen keys travel in model files.

**Layers called several times in one forward pass** (a Siamese encoder, tied embeddings) use
``call(A, training)`` / ``call_backward(dA)`` instead of forward/backward: each call pushes
its cache, each ``call_backward`` pops the latest one (so calls are undone in reverse order)
and the gradients of all calls are summed into ``self.grads``. Per-batch buffers are kept
per call, so the output of one call is not overwritten by the next. The model clears
left-over calls at the start of each pass (``begin_pass``).

**Layers that loop over time steps** (RNN, LSTM, attention) run the step functions of
``nndl.functional`` and keep a list of per-step caches in ``self.cache``. Arrays reused from
batch to batch come from ``self._buffer(name, shape, like, training)`` (a layer that uses it
declares the class attribute ``workspace = None``; the training loop hands it a dict while
it trains); a per-step array must use a per-step name (``("a", t)``), so that no two steps'
caches alias one buffer.

The model replaces ``params``/``grads`` arrays by views into one flat buffer, so a layer must
write into them in place (``out=``, ``[...] =``), never rebind them.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Iterator

import numpy as np

from ..functional._workspace import reused
from ..validation import batch_shape

Array = np.ndarray

LAYERS: dict[str, type["Layer"]] = {}


def register_layer(cls: type["Layer"]) -> type["Layer"]:
    """Class decorator: make a layer known to model files (by its class name)."""
    LAYERS[cls.__name__] = cls
    return cls


def default_batch_axis(example_ndim: int) -> int:
    """The batch axis of a model input nobody declared: dense (n, m) → −1 for 1-D examples,
    examples first (images (m, n_H, n_W, n_C)) otherwise. Sequences declare 1."""
    return -1 if example_ndim == 1 else 0


def same_axis(a: int, b: int, example_ndim: int) -> bool:
    """True when batch axes a and b name the same axis of a batch of examples of this rank."""
    n = example_ndim + 1
    return a % n == b % n


class Layer:
    # Where examples sit in this layer's input; None: any layout, given by the model at build.
    batch_axis: ClassVar[int | None] = -1
    # "float" or "int" (token ids): the dtype kind this layer takes as input.
    input_kind: ClassVar[str] = "float"
    # A layer that starts a new course layer number l (Dense, Conv); others (BatchNorm,
    # Dropout) take the number of the layer before them: W1, b1, gamma1, beta1, W2, …
    numbered: ClassVar[bool] = False
    # The activation applied last to this layer's logits self.Z, for a fused dZ = A − Y;
    # None for a layer that cannot backpropagate from its logits.
    logits_activation: str | None = None
    # Numbers an inference pass holds per number of this layer's output: the output and the
    # cache of the same size most forwards keep (see ``inference_elements``).
    inference_copies: ClassVar[int] = 2
    # Its operations split the examples over nndl's batch threads, matrix products included
    # (convolution, pooling): a model holding such a layer runs each training step and
    # inference pass with BLAS on one thread (``nndl.functional.blas_on_one_thread``).
    splits_batch: ClassVar[bool] = False

    def __init__(self, name: str | None = None):
        self.name = name
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self.state: dict[str, Array] = {}
        self.cache: Any = None
        self.input_shape: tuple[int, ...] | None = None
        self.output_shape: tuple[int, ...] | None = None
        self.needs_input_grad = True  # the model sets False on its first layer
        self.frozen: set[str] = set()
        self._dtype = None  # the dtype the layer was built in
        self._checked_shape = None  # the last input shape check_input accepted
        self._calls: list = []
        self._n_calls = 0

    # ------------------------------------------------------------------ layout
    @property
    def output_batch_axis(self) -> int:
        """Where the examples sit in this layer's output (same as its input by default)."""
        return self.batch_axis

    @property
    def built(self) -> bool:
        return self.output_shape is not None

    def build(self, input_shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float32,
              batch_axis: int | None = None) -> tuple[int, ...]:
        """Record the input layout for inputs whose single example has ``input_shape`` and
        examples on ``batch_axis``; subclasses create their parameters after calling this."""
        input_shape = tuple(int(s) for s in input_shape)
        declared = type(self).batch_axis
        if declared is None:
            self.batch_axis = default_batch_axis(len(input_shape)) if batch_axis is None else int(batch_axis)
        elif batch_axis is not None and not same_axis(declared, batch_axis, len(input_shape)):
            raise ValueError(f"{type(self).__name__} takes examples on axis {declared} "
                             f"({batch_shape(input_shape, declared)}), but its input has them on axis "
                             f"{batch_axis} ({batch_shape(input_shape, batch_axis)})")
        self.input_shape = input_shape
        self._dtype = np.dtype(dtype)
        self._checked_shape = None
        self._in_axis = self.batch_axis % (len(input_shape) + 1)
        self.output_shape = tuple(self.compute_output_shape(self.input_shape))
        return self.output_shape

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return input_shape

    def check_input(self, A_prev: Array) -> None:
        """Raise a ValueError naming the expected and received shapes if A_prev does not fit
        (and, for an integer-input layer, if it does not hold integers)."""
        got = A_prev.shape
        if got == self._checked_shape and self.input_kind == "float":
            return  # the shape of the last batch, already checked
        shape = self.input_shape
        if shape is None:
            return
        axis = self._in_axis
        if len(got) != len(shape) + 1 or got[:axis] + got[axis + 1:] != shape:
            axis = self.batch_axis
            raise ValueError(f"{type(self).__name__} expected input of shape {batch_shape(shape, axis)}, "
                             f"got {A_prev.shape}")
        if self.input_kind == "int" and A_prev.dtype.kind not in "iu":
            raise ValueError(f"{type(self).__name__} takes integer ids, got dtype {A_prev.dtype}")
        self._checked_shape = got

    # ------------------------------------------------------------------ passes
    def forward(self, A_prev: Array, training: bool = False) -> Array:
        raise NotImplementedError

    def backward(self, dA: Array) -> Array | None:
        raise NotImplementedError

    def call(self, A_prev: Array, training: bool = False) -> Array:
        """forward for a layer used several times in one pass: one cache per call."""
        A = self.forward(A_prev, training)
        self._calls.append(self.cache)
        self._n_calls = len(self._calls)
        return A

    def call_backward(self, dA: Array) -> Array | None:
        """backward for the latest ``call`` not yet undone; the gradients of all calls add up."""
        if not self._calls:
            raise RuntimeError(f"{type(self).__name__}.call_backward without a matching call")
        first = len(self._calls) == self._n_calls
        self.cache = self._calls.pop()
        if first:
            return self.backward(dA)
        before = {k: g.copy() for k, g in self.grads.items()}
        dA_prev = self.backward(dA)
        for k, g in self.grads.items():
            g += before[k]
        return dA_prev

    def begin_pass(self) -> None:
        """Forget the caches of calls a previous pass left (a forward without backward)."""
        if self._calls:
            self._calls.clear()

    def regularization_cost(self, m: int) -> float:
        """This layer's term in the cost (L2); zero unless the layer is regularized."""
        return 0.0

    def inference_elements(self) -> int:
        """An estimate of the numbers per example this layer holds during one inference pass
        (``inference_copies`` × its output size; layers with larger work arrays add them):
        ``Model.inference_batch_size`` sizes its chunks from the sum over the layers."""
        return self.inference_copies * math.prod(self.output_shape) if self.output_shape else 0

    # ------------------------------------------------------------------ structure
    def sublayers(self) -> dict[str, "Layer"]:
        """The layers this layer holds, by child name (none for a plain layer)."""
        return {}

    def freeze(self, *keys: str) -> "Layer":
        """Stop training these parameters; with no keys, all of this layer's and its
        sub-layers' ("*" in ``frozen``), also before the layer is built."""
        if not keys:
            self.frozen = {"*"}
            for child in self.sublayers().values():
                child.freeze()
            return self
        for k in keys:
            if self.built and k not in self.params:
                raise KeyError(f"{type(self).__name__} has no parameter {k!r}; it has {', '.join(self.params)}")
            self.frozen.add(k)
        return self

    def unfreeze(self, *keys: str) -> "Layer":
        """Train these parameters again (all, sub-layers' too, if none named), without
        rebuilding the model."""
        if not keys:
            self.frozen = set()
            for child in self.sublayers().values():
                child.unfreeze()
            return self
        if "*" in self.frozen:
            self.frozen = set(self.params)
        self.frozen.difference_update(keys)
        return self

    def is_frozen(self, key: str) -> bool:
        """True when parameter ``key`` is not trained."""
        return "*" in self.frozen or key in self.frozen

    @property
    def n_params(self) -> int:
        """Parameters of this layer and its sub-layers."""
        own = int(sum(p.size for p in self.params.values()))
        return own + sum(child.n_params for child in self.sublayers().values())

    # ------------------------------------------------------------------ buffers
    def _buffer(self, name, shape: tuple[int, ...], like: Array, training: bool = True) -> Array | None:
        """The reusable array ``name`` of this shape while the model trains on inputs of its
        dtype (``like``'s), else None: the functions then allocate their result, as a plain
        forward pass does. A layer looping over time names per-step arrays per step; a layer
        used several times in one pass (``call``) gets one set of arrays per call. One array per
        name: a request of another shape (the smaller last mini-batch) replaces it."""
        workspace = getattr(self, "workspace", None)
        if workspace is None or not training or like.dtype != self._dtype:
            return None
        key = (name, len(self._calls)) if self._calls else name  # one set per call
        return reused(workspace, key, tuple(shape), lambda s: np.empty(s, like.dtype))

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Layer":
        return cls(**config)

    def _zero_grads(self) -> None:
        self.grads = {"d" + k: np.zeros_like(v) for k, v in self.params.items()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items()
                         if k != "name" and v is not None and not isinstance(v, (dict, list)))
        return f"{type(self).__name__}({args})"


def walk_layers(layer: Layer, path: str = "") -> Iterator[tuple[str, Layer]]:
    """(dotted path, layer) for ``layer`` and every layer below it, parents first."""
    yield path, layer
    for child_name, child in layer.sublayers().items():
        if "." in child_name or "/" in child_name:
            raise ValueError(f"sub-layer name {child_name!r} may not contain '.' or '/'")
        yield from walk_layers(child, f"{path}.{child_name}" if path else child_name)


def layer_spec(layer: Layer) -> dict[str, Any]:
    """The JSON-ready spec of a layer for model files: class name, config, frozen keys.
    A composite layer puts its children's specs (``layer_spec(child)``) in its own config."""
    spec = {"class_name": type(layer).__name__, "config": layer.get_config()}
    if layer.frozen:
        spec["frozen"] = sorted(layer.frozen)
    return spec


def layer_from_spec(spec: dict[str, Any]) -> Layer:
    """A new layer from ``layer_spec`` output (only registered layers: nothing is executed)."""
    name = spec.get("class_name") if isinstance(spec, dict) else None
    if name not in LAYERS:
        raise ValueError(f"unknown layer {name!r} in model config; known layers: {', '.join(sorted(LAYERS))}")
    layer = LAYERS[name].from_config(spec.get("config", {}))
    layer.frozen = set(spec.get("frozen", ()))
    return layer
