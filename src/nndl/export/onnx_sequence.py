"""ONNX exporters for the sequence layers. Inside the graph a sequence is examples first,
(m, T, n) (``a`` of the course is (n, m, T)); token ids are (m, T) int64.

    SimpleRNN            RNN (tanh): W = Wax, R = Waa, B = [ba; 0]
    LSTM                 LSTM: ONNX's gate order is i, o, f, c; W (4n, n_x) and R (4n, n) are the
                         x- and a-columns of Wi, Wo, Wf, Wc stacked in that order; B = [b; 0]
    GRU                  GRU: ONNX's order z, r, h with h⟨t⟩ = (1 − z)·h̃ + z·h⟨t−1⟩, so z = 1 − Γu:
                         the z rows are −Wu, −bu; course form: linear_before_reset=0 (Γr before
                         the product), reset_after: linear_before_reset=1 with Rb_h = bch
    Bidirectional        the same op with direction="bidirectional" (the backward layer's weights
                         second); Y (T, 2, m, n) → (m, T, 2n) = [a→; a←] per step
    Embedding            Gather(Eᵀ, ids) → (m, T, n_e)
    TimeDistributed      Reshape (m·T, n) → the inner layer's exporter → Reshape (m, T, n')
    LayerNorm            LayerNormalization over the last axis (opset ≥ 17)
    PositionalEncoding   Add of the constant PE (T, d)
    MultiHeadAttention   MatMul / Reshape / Transpose / Softmax, the causal mask as a constant
                         −1e9 added to blocked scores (a padding mask set with ``set_mask`` is
                         a per-batch input and is not exported)
    TransformerEncoderLayer   its sub-layers' exporters with the two residual Adds

Not exported: ``TransformerDecoderLayer`` — it takes two inputs (the target and the encoder's
memory) and ``to_onnx`` exports single-input ``Sequential`` models.
"""

from __future__ import annotations

import numpy as np

from ..functional.positional import positional_encoding
from .onnx import ONNX_EXPORTERS, OnnxGraph, register_onnx_exporter


def _multi(graph: OnnxGraph, op: str, inputs: list[str], hint: str, n_out: int, **attributes) -> list[str]:
    outs = [graph.fresh(f"{hint}/out{k}") for k in range(n_out)]
    graph.nodes.append(graph.onnx.helper.make_node(op, inputs, outs, name=graph.fresh(hint), **attributes))
    return outs


def _const_int(graph: OnnxGraph, hint: str, values) -> str:
    from onnx import numpy_helper
    name = graph.fresh(hint)
    graph.initializers.append(numpy_helper.from_array(np.asarray(values, dtype=np.int64), name))
    return name


def _rnn_weights(layer):
    """(op, W (H', n_x), R (H', n), Wb (H',), Rb (H',), attributes) in ONNX's layout."""
    p, n = layer.params, layer.units
    name = type(layer).__name__
    if name == "SimpleRNN":
        return "RNN", p["Wax"], p["Waa"], p["ba"][:, 0], np.zeros(n), {}
    if name == "LSTM":
        W = np.concatenate([p["W" + g] for g in "iofc"])
        b = np.concatenate([p["b" + g][:, 0] for g in "iofc"])
        return "LSTM", W[:, n:], W[:, :n], b, np.zeros(4 * n), {}
    # GRU
    W = np.concatenate([-p["Wu"], p["Wr"], p["Wc"]])
    Wb = np.concatenate([-p["bu"][:, 0], p["br"][:, 0], p["bc"][:, 0]])
    Rb = np.zeros(3 * n)
    if layer.reset_after:
        Rb[2 * n:] = p["bch"][:, 0]
    return "GRU", W[:, n:], W[:, :n], Wb, Rb, {"linear_before_reset": int(layer.reset_after)}


def _recurrent(graph: OnnxGraph, layers: list, x: str, hint: str) -> str:
    """The ONNX RNN/GRU/LSTM op over (m, T, n_x) for one layer (forward) or two (bidirectional)."""
    first = layers[0]
    n, D = first.units, len(layers)
    parts = [_rnn_weights(layer) for layer in layers]
    op, attrs = parts[0][0], parts[0][5]
    W = graph.weight(f"{hint}/W", np.stack([q[1] for q in parts]))
    R = graph.weight(f"{hint}/R", np.stack([q[2] for q in parts]))
    B = graph.weight(f"{hint}/B", np.stack([np.concatenate([q[3], q[4]]) for q in parts]))
    xt = graph.node("Transpose", [x], f"{hint}/time_major", perm=[1, 0, 2])        # (T, m, n_x)
    direction = "bidirectional" if D == 2 else "forward"
    Y, Y_h = _multi(graph, op, [xt, W, R, B], hint, 2, hidden_size=n, direction=direction, **attrs)
    if first.return_sequences:                                                     # Y (T, D, m, n)
        y = graph.node("Transpose", [Y], f"{hint}/rows", perm=[2, 0, 1, 3])          # (m, T, D, n)
        return graph.node("Reshape", [y, _const_int(graph, f"{hint}/shape", [0, 0, D * n])], f"{hint}/a")
    y = graph.node("Transpose", [Y_h], f"{hint}/rows", perm=[1, 0, 2])             # (m, D, n)
    return graph.node("Reshape", [y, _const_int(graph, f"{hint}/shape", [0, D * n])], f"{hint}/a")


for _name in ("SimpleRNN", "GRU", "LSTM"):
    register_onnx_exporter(_name)(lambda layer, graph, x: _recurrent(graph, [layer], x, graph.fresh(type(layer).__name__.lower())))


@register_onnx_exporter("Bidirectional")
def _bidirectional(layer, graph: OnnxGraph, x: str) -> str:
    return _recurrent(graph, [layer.forward_layer, layer.backward_layer], x, graph.fresh("bidirectional"))


@register_onnx_exporter("Embedding")
def _embedding(layer, graph: OnnxGraph, x: str) -> str:
    """e = Eᵀ[ids]: (m, T) int64 → (m, T, n_e)."""
    l = graph.fresh("embedding")
    return graph.node("Gather", [graph.weight(f"{l}/E_T", layer.params["E"].T), x], f"{l}/e", axis=0)


@register_onnx_exporter("TimeDistributed")
def _time_distributed(layer, graph: OnnxGraph, x: str) -> str:
    l = graph.fresh("timedistributed")
    n, T = layer.input_shape
    flat = graph.node("Reshape", [x, _const_int(graph, f"{l}/flat", [-1, n])], f"{l}/columns")
    y = ONNX_EXPORTERS[type(layer.inner).__name__](layer.inner, graph, flat)
    return graph.node("Reshape", [y, _const_int(graph, f"{l}/seq", [-1, T, layer.output_shape[0]])], f"{l}/y")


@register_onnx_exporter("LayerNorm")
def _layer_norm(layer, graph: OnnxGraph, x: str) -> str:
    l = graph.fresh("layernorm")
    return graph.node("LayerNormalization", [x, graph.weight(f"{l}/gamma", layer.params["gamma"].ravel()),
                                             graph.weight(f"{l}/beta", layer.params["beta"].ravel())],
                      f"{l}/y", axis=-1, epsilon=layer.eps)


@register_onnx_exporter("PositionalEncoding")
def _positional(layer, graph: OnnxGraph, x: str) -> str:
    d, T = layer.input_shape
    l = graph.fresh("positional")
    return graph.node("Add", [x, graph.weight(f"{l}/PE", positional_encoding(T, d, dtype=np.float64))], f"{l}/y")


def _linear_rows(graph, x, W, b, hint):
    return graph.node("Add", [graph.node("MatMul", [x, graph.weight(f"{hint}/W_T", W.T)], f"{hint}/xW"),
                              graph.weight(f"{hint}/b", b.ravel())], hint)


@register_onnx_exporter("MultiHeadAttention")
def _attention(layer, graph: OnnxGraph, x: str) -> str:
    """softmax(Q·Kᵀ/√d_k [+ −1e9 where blocked])·V per head, heads merged, then Wo."""
    l = graph.fresh("attention")
    d, T = layer.input_shape
    h = layer.n_heads
    p = layer.params
    heads = _const_int(graph, f"{l}/heads", [0, 0, h, d // h])
    split = {}
    for k in "qkv":
        y = _linear_rows(graph, x, p["W" + k], p["b" + k], f"{l}/{k.upper()}")
        y = graph.node("Reshape", [y, heads], f"{l}/{k.upper()}_heads")
        split[k] = graph.node("Transpose", [y], f"{l}/{k.upper()}_t", perm=[0, 2, 3, 1] if k == "k" else [0, 2, 1, 3])
    S = graph.node("MatMul", [split["q"], split["k"]], f"{l}/QK")                 # (m, h, T, T)
    S = graph.node("Mul", [S, graph.weight(f"{l}/scale", np.array(1.0 / np.sqrt(d // h)))], f"{l}/S")
    if layer.causal:
        blocked = np.where(np.tril(np.ones((T, T))) > 0, 0.0, -1e9)
        S = graph.node("Add", [S, graph.weight(f"{l}/look_ahead", blocked)], f"{l}/S_masked")
    P = graph.node("Softmax", [S], f"{l}/weights", axis=-1)
    O = graph.node("Transpose", [graph.node("MatMul", [P, split["v"]], f"{l}/PV")], f"{l}/O_t", perm=[0, 2, 1, 3])
    O = graph.node("Reshape", [O, _const_int(graph, f"{l}/merge", [0, 0, d])], f"{l}/O")
    return _linear_rows(graph, O, p["Wo"], p["bo"], f"{l}/out")


@register_onnx_exporter("TransformerEncoderLayer")
def _encoder(layer, graph: OnnxGraph, x: str) -> str:
    """y1 = LN₁(x + MHA(x)), y = LN₂(y1 + FFN(y1))."""
    l = graph.fresh("encoder")
    a = _attention(layer.attention, graph, x)
    y1 = _layer_norm(layer.norm1, graph, graph.node("Add", [x, a], f"{l}/residual1"))
    f = _time_distributed(layer.ffn2, graph, _time_distributed(layer.ffn1, graph, y1))
    return _layer_norm(layer.norm2, graph, graph.node("Add", [y1, f], f"{l}/residual2"))
