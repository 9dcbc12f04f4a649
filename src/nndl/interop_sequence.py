"""PyTorch mappings of the sequence layers (registered into ``nndl.interop.TORCH_MAPPERS``).

PyTorch modules take sequences examples first, ``batch_first`` (m, T, n_x) (nndl: (n_x, m, T))
and token ids (m, T). With n = n_a:

    SimpleRNN   nn.RNN(tanh): weight_ih = Wax, weight_hh = Waa, bias_ih = ba, bias_hh = 0
    LSTM        nn.LSTM (gate rows i, f, g, o): weight_hh[rows] = W*[:, :n], weight_ih[rows] = W*[:, n:]
                for (i, f, g, o) = (Wi, Wf, Wc, Wo); bias_ih = b, bias_hh = 0
    GRU(reset_after=True)  nn.GRU (rows r, z, n; z = 1 − Γu): rows [Wr; −Wu; Wc], bias_ih =
                [br; −bu; bc], bias_hh = [0; 0; bch]
    GRU (course form)      no PyTorch module computes it: ``CourseGRU`` below (weight [Wu; Wr; Wc],
                bias [bu; br; bc]) does, on PyTorch tensors
    Bidirectional  the same module with bidirectional=True (the ``_reverse`` tensors are the
                backward layer's); return_sequences=False gives [a→⟨T⟩; a←⟨1⟩]
    TimeDistributed(Dense)  nn.Linear (+ activation on the last axis) on (m, T, n)
    Embedding   nn.Embedding(V, n_e): weight = Eᵀ
    LayerNorm   nn.LayerNorm(d, eps): weight = γ, bias = β
    PositionalEncoding  ``AddPositionalEncoding`` (a non-persistent buffer, no weights)
    MultiHeadAttention  nn.MultiheadAttention(d, h, batch_first=True): in_proj_weight = [Wq; Wk; Wv],
                in_proj_bias = [bq; bk; bv], out_proj = (Wo, bo); causal as a boolean attn_mask
    TransformerEncoderLayer  nn.TransformerEncoderLayer(d, h, d_ff, dropout=0, batch_first=True,
                norm_first=False): self_attn, linear1 = ffn1, linear2 = ffn2, norm1, norm2

``from_torch`` reads them back (several PyTorch modules for the attention and encoder layers).
Not mapped: ``TransformerDecoderLayer`` (two inputs; ``to_torch`` builds single-input models).
"""

from __future__ import annotations

import numpy as np

from ._torch_helpers import _expect, _torch_dtype, activation_module

SEQUENCE_MAPPERS: list = []  # (layer name, to_modules, from_group, n_groups), registered by nndl.interop


def register_torch_mapper(name, to_modules, from_group=None, n_groups=1):
    SEQUENCE_MAPPERS.append((name, to_modules, from_group, n_groups))


def _t(torch, a):
    return torch.from_numpy(np.ascontiguousarray(a))


def _modules(torch):
    """The small PyTorch modules nndl's sequence layers need (made once, PyTorch imported lazily)."""
    global _MODULES
    if _MODULES is not None:
        return _MODULES
    nn = torch.nn

    class CourseGRU(nn.Module):
        """The course's GRU (relevance gate before the product) on (m, T, n_x), batch first."""

        def __init__(self, n_x, n, bidirectional, dtype):
            super().__init__()
            self.n, self.dirs = n, 2 if bidirectional else 1
            for s in [""] + (["_reverse"] if bidirectional else []):
                setattr(self, "weight" + s, nn.Parameter(torch.zeros(3 * n, n + n_x, dtype=dtype)))
                setattr(self, "bias" + s, nn.Parameter(torch.zeros(3 * n, dtype=dtype)))

        def _run(self, x, W, b):
            n, out = self.n, []
            c = x.new_zeros(x.shape[0], n)
            for t in range(x.shape[1]):
                xt = x[:, t]
                z = torch.cat([c, xt], 1) @ W[:2 * n].T + b[:2 * n]
                u, r = torch.sigmoid(z[:, :n]), torch.sigmoid(z[:, n:])
                cc = torch.tanh(torch.cat([r * c, xt], 1) @ W[2 * n:].T + b[2 * n:])
                c = u * cc + (1 - u) * c
                out.append(c)
            return torch.stack(out, 1)

        def forward(self, x):
            y = self._run(x, self.weight, self.bias)
            if self.dirs == 2:
                yb = self._run(torch.flip(x, [1]), self.weight_reverse, self.bias_reverse)
                y = torch.cat([y, torch.flip(yb, [1])], 2)
            return y, None

    class Recurrent(nn.Module):
        """A recurrent module's all-steps output (m, T, D·n), or its last state (m, D·n)."""

        def __init__(self, rnn, return_sequences, n, bidirectional):
            super().__init__()
            self.rnn, self.seq, self.n, self.bi = rnn, return_sequences, n, bidirectional

        def forward(self, x):
            y = self.rnn(x)[0]
            if self.seq:
                return y
            if self.bi:
                return torch.cat([y[:, -1, :self.n], y[:, 0, self.n:]], 1)
            return y[:, -1]

    class AddPositionalEncoding(nn.Module):
        def __init__(self, PE):
            super().__init__()
            self.register_buffer("PE", PE, persistent=False)

        def forward(self, x):
            return x + self.PE

    class SelfAttention(nn.Module):
        def __init__(self, mha, causal_mask):
            super().__init__()
            self.mha = mha
            self.register_buffer("blocked", causal_mask, persistent=False)

        def forward(self, x):
            mask = self.blocked if self.blocked.numel() else None
            return self.mha(x, x, x, attn_mask=mask, need_weights=False)[0]

    _MODULES = {"CourseGRU": CourseGRU, "Recurrent": Recurrent,
                "AddPositionalEncoding": AddPositionalEncoding, "SelfAttention": SelfAttention}
    return _MODULES


_MODULES = None


# ----------------------------------------------------------------- recurrent layers
def _torch_rows(layer):
    """{torch tensor name: array} of one direction (without the _reverse suffix)."""
    p, n, kind = layer.params, layer.units, type(layer).__name__
    if kind == "SimpleRNN":
        return {"weight_ih_l0": p["Wax"], "weight_hh_l0": p["Waa"], "bias_ih_l0": p["ba"][:, 0],
                "bias_hh_l0": np.zeros(n)}
    if kind == "LSTM":
        W = np.concatenate([p["W" + g] for g in "ifco"])
        return {"weight_ih_l0": W[:, n:], "weight_hh_l0": W[:, :n],
                "bias_ih_l0": np.concatenate([p["b" + g][:, 0] for g in "ifco"]), "bias_hh_l0": np.zeros(4 * n)}
    if layer.reset_after:
        W = np.concatenate([p["Wr"], -p["Wu"], p["Wc"]])
        return {"weight_ih_l0": W[:, n:], "weight_hh_l0": W[:, :n],
                "bias_ih_l0": np.concatenate([p["br"][:, 0], -p["bu"][:, 0], p["bc"][:, 0]]),
                "bias_hh_l0": np.concatenate([np.zeros(2 * n), p["bch"][:, 0]])}
    return {"weight": np.concatenate([p["Wu"], p["Wr"], p["Wc"]]),
            "bias": np.concatenate([p["bu"][:, 0], p["br"][:, 0], p["bc"][:, 0]])}


def _from_rows(layer, group, suffix=""):
    """nndl parameters of one direction from PyTorch tensors (the inverse of ``_torch_rows``)."""
    n, kind = layer.units, type(layer).__name__
    n_x = layer.input_shape[0]
    course_gru = kind == "GRU" and not layer.reset_after
    if course_gru:
        W = _expect(group, "weight" + suffix, (3 * n, n + n_x), layer)
        b = _expect(group, "bias" + suffix, (3 * n,), layer)
        return {f"W{g}": W[k * n:(k + 1) * n] for k, g in enumerate("urc")} | \
            {f"b{g}": b[k * n:(k + 1) * n, None] for k, g in enumerate("urc")}
    G = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind]
    wi = _expect(group, "weight_ih_l0" + suffix, (G * n, n_x), layer)
    wh = _expect(group, "weight_hh_l0" + suffix, (G * n, n), layer)
    bi = _expect(group, "bias_ih_l0" + suffix, (G * n,), layer)
    bh = _expect(group, "bias_hh_l0" + suffix, (G * n,), layer)
    if kind == "SimpleRNN":
        return {"Wax": wi, "Waa": wh, "ba": (bi + bh)[:, None]}
    rows = lambda k: slice(k * n, (k + 1) * n)  # noqa: E731
    W = lambda k: np.hstack([wh[rows(k)], wi[rows(k)]])  # noqa: E731
    if kind == "LSTM":
        return {**{f"W{g}": W(k) for k, g in enumerate("ifco")},
                **{f"b{g}": (bi + bh)[rows(k), None] for k, g in enumerate("ifco")}}
    return {"Wr": W(0), "br": (bi + bh)[rows(0), None], "Wu": -W(1), "bu": -(bi + bh)[rows(1), None],
            "Wc": W(2), "bc": bi[rows(2), None], "bch": bh[rows(2), None]}


def _recurrent_modules(layers, torch):
    first = layers[0]
    n, n_x, bi = first.units, first.input_shape[0], len(layers) == 2
    dtype = _torch_dtype(first.params[next(iter(first.params))].dtype, torch)
    kind = type(first).__name__
    if kind == "GRU" and not first.reset_after:
        rnn = _modules(torch)["CourseGRU"](n_x, n, bi, dtype)
    else:
        cls = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[kind]
        rnn = cls(n_x, n, batch_first=True, bidirectional=bi, dtype=dtype)
    state = {}
    for layer, suffix in zip(layers, ("", "_reverse")):
        state.update({k + suffix: _t(torch, v.astype(first._dtype)) for k, v in _torch_rows(layer).items()})
    rnn.load_state_dict(state)
    return [_modules(torch)["Recurrent"](rnn, first.return_sequences, n, bi)]


def _bidirectional_from(layer, group):
    out = {f"forward.{k}": v for k, v in _from_rows(layer.forward_layer, group).items()}
    out.update({f"backward.{k}": v for k, v in _from_rows(layer.backward_layer, group, "_reverse").items()})
    return out


for _name in ("SimpleRNN", "GRU", "LSTM"):
    register_torch_mapper(_name, lambda layer, torch: _recurrent_modules([layer], torch), _from_rows)
register_torch_mapper("Bidirectional",
                      lambda layer, torch: _recurrent_modules([layer.forward_layer, layer.backward_layer], torch),
                      _bidirectional_from)


# ----------------------------------------------------------------- the others
def _linear(layer, torch):
    W, b = layer.params["W"], layer.params["b"]
    linear = torch.nn.Linear(W.shape[1], W.shape[0], dtype=_torch_dtype(W.dtype, torch))
    with torch.no_grad():
        linear.weight.copy_(_t(torch, W))
        linear.bias.copy_(_t(torch, b.ravel()))
    return linear


def _time_distributed_modules(layer, torch):
    inner = layer.inner
    if type(inner).__name__ != "Dense":
        raise ValueError(f"to_torch maps TimeDistributed(Dense) only, got TimeDistributed({type(inner).__name__})")
    act = (torch.nn.Softmax(dim=-1) if inner.activation == "softmax"
           else activation_module(inner.activation, torch))
    return [_linear(inner, torch)] + ([act] if act is not None else [])


def _time_distributed_from(layer, group):
    W = layer.inner.params["W"]
    return {"inner.W": _expect(group, "weight", W.shape, layer),
            "inner.b": _expect(group, "bias", (W.shape[0],), layer).reshape(-1, 1)}


def _embedding_modules(layer, torch):
    E = layer.params["E"]
    emb = torch.nn.Embedding(layer.vocab_size, layer.n_e, dtype=_torch_dtype(E.dtype, torch))
    with torch.no_grad():
        emb.weight.copy_(_t(torch, E.T))
    return [emb]


def _layer_norm_module(layer, torch):
    g = layer.params["gamma"]
    ln = torch.nn.LayerNorm(g.size, eps=layer.eps, dtype=_torch_dtype(g.dtype, torch))
    with torch.no_grad():
        ln.weight.copy_(_t(torch, g.ravel()))
        ln.bias.copy_(_t(torch, layer.params["beta"].ravel()))
    return ln


def _layer_norm_from(layer, group, prefix=""):
    d = layer.params["gamma"].size
    return {prefix + "gamma": _expect(group, "weight", (d,), layer).reshape(d, 1),
            prefix + "beta": _expect(group, "bias", (d,), layer).reshape(d, 1)}


def _mha_module(layer, torch):
    p = layer.params
    d = p["Wq"].shape[0]
    mha = torch.nn.MultiheadAttention(d, layer.n_heads, batch_first=True, dtype=_torch_dtype(p["Wq"].dtype, torch))
    with torch.no_grad():
        mha.in_proj_weight.copy_(_t(torch, np.concatenate([p["Wq"], p["Wk"], p["Wv"]])))
        mha.in_proj_bias.copy_(_t(torch, np.concatenate([p["bq"], p["bk"], p["bv"]]).ravel()))
        mha.out_proj.weight.copy_(_t(torch, p["Wo"]))
        mha.out_proj.bias.copy_(_t(torch, p["bo"].ravel()))
    return mha


def _mha_from(layer, groups, prefix=""):
    """From two PyTorch groups: (in_proj_weight, in_proj_bias), out_proj (weight, bias)."""
    d = layer.params["Wq"].shape[0]
    first, out = groups
    W = _expect(first, "in_proj_weight", (3 * d, d), layer)
    b = _expect(first, "in_proj_bias", (3 * d,), layer)
    values = {}
    for k, name in enumerate("qkv"):
        values[prefix + "W" + name] = W[k * d:(k + 1) * d]
        values[prefix + "b" + name] = b[k * d:(k + 1) * d, None]
    values[prefix + "Wo"] = _expect(out, "weight", (d, d), layer)
    values[prefix + "bo"] = _expect(out, "bias", (d,), layer)[:, None]
    return values


def _attention_modules(layer, torch):
    T = layer.input_shape[1]
    blocked = torch.triu(torch.ones(T, T, dtype=torch.bool), 1) if layer.causal else torch.zeros(0, dtype=torch.bool)
    return [_modules(torch)["SelfAttention"](_mha_module(layer, torch), blocked)]


def _positional_modules(layer, torch):
    from .functional.positional import positional_encoding
    d, T = layer.input_shape
    return [_modules(torch)["AddPositionalEncoding"](_t(torch, positional_encoding(T, d, dtype=layer._dtype)))]


def _encoder_modules(layer, torch):
    dtype = _torch_dtype(layer._dtype, torch)
    enc = torch.nn.TransformerEncoderLayer(layer.d_model, layer.n_heads, layer.d_ff, dropout=0.0,
                                           layer_norm_eps=layer.eps, batch_first=True, norm_first=False,
                                           dtype=dtype)
    enc.self_attn = _mha_module(layer.attention, torch)
    enc.linear1, enc.linear2 = _linear(layer.ffn1.inner, torch), _linear(layer.ffn2.inner, torch)
    enc.norm1, enc.norm2 = _layer_norm_module(layer.norm1, torch), _layer_norm_module(layer.norm2, torch)
    return [enc]


def _encoder_from(layer, groups):
    """Six PyTorch groups, in nn.TransformerEncoderLayer's order: self_attn, self_attn.out_proj,
    linear1, linear2, norm1, norm2."""
    values = _mha_from(layer.attention, groups[:2], "attention.")
    for child, group in (("ffn1", groups[2]), ("ffn2", groups[3])):
        W = getattr(layer, child).inner.params["W"]
        values[f"{child}.inner.W"] = _expect(group, "weight", W.shape, layer)
        values[f"{child}.inner.b"] = _expect(group, "bias", (W.shape[0],), layer)[:, None]
    values.update(_layer_norm_from(layer.norm1, groups[4], "norm1."))
    values.update(_layer_norm_from(layer.norm2, groups[5], "norm2."))
    return values


register_torch_mapper("TimeDistributed", _time_distributed_modules, _time_distributed_from)
register_torch_mapper("Embedding", _embedding_modules,
                      lambda layer, g: {"E": _expect(g, "weight", (layer.vocab_size, layer.n_e), layer).T})
register_torch_mapper("LayerNorm", lambda layer, torch: [_layer_norm_module(layer, torch)], _layer_norm_from)
register_torch_mapper("PositionalEncoding", _positional_modules)
register_torch_mapper("MultiHeadAttention", _attention_modules, _mha_from, n_groups=2)
register_torch_mapper("TransformerEncoderLayer", _encoder_modules, _encoder_from, n_groups=6)
