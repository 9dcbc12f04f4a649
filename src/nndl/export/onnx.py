"""ONNX export: the network's inference pass as an ONNX graph, one exporter per layer type.

Inside the graph every tensor has its examples first — (m, n) for dense activations, as
``(A[l])ᵀ``, and (m, n_H, n_W, n_C) for images — so the batch dimension is always axis 0
and dynamic (named "m"). The graph's input and output follow ``layout``:

    layout="course":  X (n_x, m) → A[L] (n_y, m)       the course's columns (a Transpose at each end)
    layout="rows":    X (m, n_x) → A[L] (m, n_y)       examples as rows (scikit-learn, ONNX tools)

Image inputs are (m, n_H, n_W, n_C) in both layouts, as nndl takes them. Sequences are
(n_x, m, T) in the course layout and (m, T, n_x) as rows (likewise outputs (n_y, m, T) /
(m, T, n_y)); token ids are (m, T) int64 in both (exporters in ``onnx_sequence``). The output is
A[L] — probabilities for sigmoid/softmax outputs, values for a linear output — what
``model.predict_proba`` returns. Inference mode: dropout is the identity and batch norm uses
its running averages.

An exporter is ``fn(layer, graph, x) -> y``: it adds nodes to ``graph`` (an ``OnnxGraph``)
taking the examples-first tensor named ``x`` and returns the name of its examples-first
output. Register one for a new layer type with ``@register_onnx_exporter("LayerName")``.

Needs the ``onnx`` package (``pip install nndl[onnx]``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import numpy as np

LAYOUTS = ("course", "rows")
DEFAULT_OPSET = 17
ONNX_EXPORTERS: dict[str, Callable] = {}


def register_onnx_exporter(layer_name: str):
    """Decorator: ``fn(layer, graph, x) -> y`` exports layers of class ``layer_name``."""
    def decorate(fn):
        ONNX_EXPORTERS[layer_name] = fn
        return fn
    return decorate


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install onnx "
                          "(or pip install nndl[onnx])") from None
    return onnx


class OnnxGraph:
    """Nodes and weights of the graph being built, in one dtype (the model's)."""

    def __init__(self, dtype):
        self.onnx = _onnx()
        self.dtype = np.dtype(dtype)
        self.nodes: list = []
        self.initializers: list = []
        self._used: set[str] = set()

    def fresh(self, hint: str) -> str:
        """A tensor name not used yet: ``hint``, else hint_2, hint_3, …"""
        name, i = hint, 1
        while name in self._used:
            i += 1
            name = f"{hint}_{i}"
        self._used.add(name)
        return name

    def weight(self, hint: str, array) -> str:
        """A constant tensor (in the graph's dtype) named after ``hint``; returns its name."""
        from onnx import numpy_helper
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=self.dtype), name))
        return name

    def node(self, op: str, inputs: list[str], hint: str, **attributes) -> str:
        """Add one ``op`` node; returns the name of its (single) output."""
        out = self.fresh(hint)
        self.nodes.append(self.onnx.helper.make_node(op, inputs, [out], name=out, **attributes))
        return out


# -- activations: the course's g(Z) as ONNX operators, applied on examples-first tensors -------
def activation(graph: OnnxGraph, name: str, x: str, hint: str) -> str:
    """A = g(Z) for the activation ``name``; softmax over the last axis (the classes)."""
    if name == "linear":
        return x
    if name == "softmax":
        return graph.node("Softmax", [x], hint, axis=-1)
    if name == "leaky_relu":
        return graph.node("LeakyRelu", [x], hint, alpha=0.01)
    ops = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh"}
    if name not in ops:
        raise ValueError(f"the activation {name!r} has no ONNX export; exportable: "
                         f"{', '.join(['linear', 'softmax', 'leaky_relu', *ops])}")
    return graph.node(ops[name], [x], hint)


@register_onnx_exporter("Dense")
def _dense(layer, graph: OnnxGraph, x: str) -> str:
    """Zᵀ = A_prevᵀ·Wᵀ + bᵀ as one Gemm on (m, n[l−1]), then g."""
    l = graph.fresh("dense")
    W = graph.weight(f"{l}/W", layer.params["W"])
    b = graph.weight(f"{l}/b", layer.params["b"].ravel())
    z = graph.node("Gemm", [x, W, b], f"{l}/Z", transB=1)
    return activation(graph, layer.activation, z, f"{l}/A")


@register_onnx_exporter("BatchNorm")
def _batchnorm(layer, graph: OnnxGraph, x: str) -> str:
    """Z̃ = γ·(Z − μ_running)/√(σ²_running + ε) + β; images go channels-first and back."""
    l = graph.fresh("batchnorm")
    inputs = [graph.weight(f"{l}/{k}", arr.ravel()) for k, arr in
              (("gamma", layer.params["gamma"]), ("beta", layer.params["beta"]),
               ("running_mean", layer.state["running_mean"]), ("running_var", layer.state["running_var"]))]
    rank = len(layer.input_shape) + 1
    if rank > 2:  # (m, …, C) → (m, C, …) for ONNX's channels-first BatchNormalization
        x = graph.node("Transpose", [x], f"{l}/to_channels_first", perm=[0, rank - 1, *range(1, rank - 1)])
    y = graph.node("BatchNormalization", [x, *inputs], f"{l}/Z_tilde", epsilon=layer.eps)
    if rank > 2:
        y = graph.node("Transpose", [y], f"{l}/to_channels_last", perm=[0, *range(2, rank), 1])
    return y


@register_onnx_exporter("L2Normalize")
def _l2_normalize(layer, graph: OnnxGraph, x: str) -> str:
    """a = z / max(‖z‖, 1e-12) per example: ReduceL2 over the features (examples are rows here)."""
    l = graph.fresh("l2normalize")
    norm = graph.node("ReduceL2", [x], f"{l}/norm", axes=[1], keepdims=1)
    norm = graph.node("Max", [norm, graph.weight(f"{l}/eps", 1e-12)], f"{l}/norm_floored")
    return graph.node("Div", [x, norm], f"{l}/A")


@register_onnx_exporter("Dropout")
def _dropout(layer, graph: OnnxGraph, x: str) -> str:
    """Inference: dropout is the identity (inverted dropout scaled at training time)."""
    return graph.node("Identity", [x], graph.fresh("dropout"))


@register_onnx_exporter("Activation")
def _activation(layer, graph: OnnxGraph, x: str) -> str:
    return activation(graph, layer.activation, x, graph.fresh(layer.activation))


@register_onnx_exporter("Flatten")
def _flatten(layer, graph: OnnxGraph, x: str) -> str:
    """(m, n_H, n_W, n_C) → (m, n_H·n_W·n_C), each example's pixels in nndl's order."""
    return graph.node("Flatten", [x], graph.fresh("flatten"), axis=1)


def _channels_first(graph: OnnxGraph, x: str, l: str) -> str:
    return graph.node("Transpose", [x], f"{l}/to_channels_first", perm=[0, 3, 1, 2])


def _channels_last(graph: OnnxGraph, x: str, l: str) -> str:
    return graph.node("Transpose", [x], f"{l}/to_channels_last", perm=[0, 2, 3, 1])


@register_onnx_exporter("Conv2D")
def _conv2d(layer, graph: OnnxGraph, x: str) -> str:
    """Z = conv(A_prev, W) + b as ONNX Conv on NCHW: (m, n_H, n_W, n_C) goes channels-first,
    W (f, f, n_C_prev, n_C) becomes (n_C, n_C_prev, f, f), padding ((top, bottom), (left,
    right)) becomes pads [top, left, bottom, right]; then back to channels-last, then g."""
    from ..functional.conv import resolve_padding
    l = graph.fresh("conv")
    n_H, n_W, _ = layer.input_shape
    f, s, d = layer.kernel_size, layer.strides, layer.dilation
    (top, bottom), (left, right) = resolve_padding(layer.padding, n_H, n_W, f, s, d)
    W = graph.weight(f"{l}/W", layer.params["W"].transpose(3, 2, 0, 1))
    b = graph.weight(f"{l}/b", layer.params["b"].ravel())
    z = graph.node("Conv", [_channels_first(graph, x, l), W, b], f"{l}/Z", kernel_shape=[f, f], strides=[s, s],
                   dilations=[d, d], pads=[top, left, bottom, right])
    return activation(graph, layer.activation, _channels_last(graph, z, l), f"{l}/A")


def _pool(op: str):
    def export(layer, graph: OnnxGraph, x: str) -> str:
        """f×f windows moved by s, no padding (floor), on NCHW and back to channels-last."""
        l = graph.fresh(op.lower())
        f, s = layer.pool_size, layer.strides or layer.pool_size
        y = graph.node(op, [_channels_first(graph, x, l)], f"{l}/A", kernel_shape=[f, f], strides=[s, s])
        return _channels_last(graph, y, l)
    return export


register_onnx_exporter("MaxPool2D")(_pool("MaxPool"))
register_onnx_exporter("AvgPool2D")(_pool("AveragePool"))


@register_onnx_exporter("GlobalAvgPool2D")
def _global_avg_pool(layer, graph: OnnxGraph, x: str) -> str:
    """(m, n_H, n_W, n_C) → (m, n_C): each channel's mean over the image."""
    return graph.node("ReduceMean", [x], graph.fresh("global_avg_pool"), axes=[1, 2], keepdims=0)


def _residual(layer, graph: OnnxGraph, x: str) -> str:
    """A = ReLU(main(X) + shortcut(X)): each sub-layer by its own exporter, then Add and Relu."""
    l = graph.fresh(type(layer).__name__.lower())
    z = s = x
    for child in layer.main.values():
        z = ONNX_EXPORTERS[type(child).__name__](child, graph, z)
    for child in layer.shortcut.values():
        s = ONNX_EXPORTERS[type(child).__name__](child, graph, s)
    return graph.node("Relu", [graph.node("Add", [z, s], f"{l}/sum")], f"{l}/A")


register_onnx_exporter("IdentityBlock")(_residual)
register_onnx_exporter("ConvolutionalBlock")(_residual)


def to_onnx(model, path: str | os.PathLike | None = None, layout: str = "course",
            opset: int = DEFAULT_OPSET, metadata: dict | None = None):
    """The model's inference pass as an ONNX ModelProto, checked with ``onnx.checker``;
    written atomically to ``path`` when given.

    layout: "course" (X (n_x, m) → A[L] (n_y, m)) or "rows" (X (m, n_x) → A[L] (m, n_y));
    image inputs are (m, n_H, n_W, n_C) either way; m is a dynamic dimension. metadata:
    extra key → JSON-able value pairs stored in the file (e.g. classes, preprocessing).
    """
    onnx = _onnx()
    from onnx import TensorProto, helper
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    if not model.built:
        raise ValueError("the model has no weights yet: build it (or fit it) before exporting")
    missing = sorted({type(layer).__name__ for layer in model.layers} - set(ONNX_EXPORTERS))
    if missing:
        raise ValueError(f"no ONNX exporter for layer type(s) {', '.join(missing)}; "
                         "register one with nndl.export.register_onnx_exporter")
    graph = OnnxGraph(model.dtype)
    elem = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}[graph.dtype]
    example = tuple(model.input_shape)
    ids_in = model.input_kinds[0] == "int"                       # token ids (m, T): int64 in both layouts
    dense_in = len(example) == 1 and not ids_in
    seq_in = len(example) == 2 and model.batch_axis % 3 == 1     # sequences (n_x, m, T)
    in_elem = TensorProto.INT64 if ids_in else elem
    graph._used.update({"X", "A"})
    x = "X"
    if dense_in and layout == "course":
        in_shape = [example[0], "m"]
        x = graph.node("Transpose", [x], "X_rows", perm=[1, 0])
    elif seq_in and layout == "course":
        in_shape = [example[0], "m", example[1]]
        x = graph.node("Transpose", [x], "X_rows", perm=[1, 2, 0])
    elif seq_in:
        in_shape = ["m", example[1], example[0]]
    else:
        in_shape = ["m", *example]
    for layer in model.layers:
        x = ONNX_EXPORTERS[type(layer).__name__](layer, graph, x)
    out_example = tuple(model.layers[-1].output_shape)
    dense_out = len(out_example) == 1
    seq_out = len(out_example) == 2 and model.output_batch_axis % 3 == 1
    if dense_out and layout == "course":
        graph.nodes.append(helper.make_node("Transpose", [x], ["A"], name="A", perm=[1, 0]))
        out_shape = [out_example[0], "m"]
    elif seq_out and layout == "course":
        graph.nodes.append(helper.make_node("Transpose", [x], ["A"], name="A", perm=[2, 0, 1]))
        out_shape = [out_example[0], "m", out_example[1]]
    elif seq_out:
        graph.nodes.append(helper.make_node("Identity", [x], ["A"], name="A"))
        out_shape = ["m", out_example[1], out_example[0]]
    else:
        graph.nodes.append(helper.make_node("Identity", [x], ["A"], name="A"))
        out_shape = ["m", *out_example]
    g = helper.make_graph(graph.nodes, "nndl", [helper.make_tensor_value_info("X", in_elem, in_shape)],
                          [helper.make_tensor_value_info("A", elem, out_shape)], initializer=graph.initializers)
    proto = helper.make_model(g, opset_imports=[helper.make_opsetid("", int(opset))], producer_name="nndl",
                              doc_string=f"nndl network; X: {tuple(in_shape)} -> A[L]: {tuple(out_shape)}")
    proto.ir_version = min(proto.ir_version, 8)  # readable by older runtimes; opset 17 needs IR 8
    props = {"nndl_layout": layout, "nndl_architecture": json.dumps(model.get_config()),
             **{k: json.dumps(v) for k, v in (metadata or {}).items()}}
    helper.set_model_props(proto, props)
    onnx.checker.check_model(proto, full_check=True)
    if path is not None:
        _write_atomically(Path(path), proto.SerializeToString())
    return proto


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path``: an interrupted
    export leaves any earlier file whole."""
    import tempfile
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
