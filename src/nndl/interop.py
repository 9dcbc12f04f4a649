"""PyTorch weight exchange: ``to_torch(model)`` and ``from_torch(module_or_state_dict, model)``.

The mapping, one entry per layer type (``TORCH_MAPPERS``), with nndl's course layout on one
side and PyTorch's on the other:

    Dense(n, g)   W (n, n_prev), b (n, 1)   ↔  nn.Linear(n_prev, n): weight (n, n_prev) = W, bias (n,) = b
                                              followed by g as a module (nn.ReLU, nn.Sigmoid, nn.Tanh,
                                              nn.Softmax(dim=1), nn.LeakyReLU(0.01), nothing for linear)
    BatchNorm     gamma, beta (n, 1), running_mean, running_var (n, 1)
                                           ↔  nn.BatchNorm1d(n, eps): weight, bias, running_mean, running_var (n,)
                                              (images (m, n_H, n_W, n_C), per channel: nn.BatchNorm2d(n_C, eps)
                                              between NCHW permutations)
                                              (torch's momentum = 1 − nndl's)
    Dropout(keep_prob)                     ↔  nn.Dropout(p = 1 − keep_prob)
    Activation(g)                          ↔  g as a module
    Flatten                                ↔  nn.Flatten() (on channels-last images: n_H·n_W·n_C in nndl's order)
    Conv2D(n_C, f, g) W (f, f, n_C_prev, n_C), b (1, 1, 1, n_C)
                                           ↔  nn.Conv2d(n_C_prev, n_C, f, stride, dilation): weight
                                              (n_C, n_C_prev, f, f) = W.transpose(3, 2, 0, 1), bias (n_C,),
                                              after nn.ZeroPad2d for nndl's padding, between permutations
                                              (m, n_H, n_W, n_C) ↔ NCHW, followed by g
    MaxPool2D / AvgPool2D(f, s)            ↔  nn.MaxPool2d / nn.AvgPool2d(f, s) between the same permutations
    GlobalAvgPool2D                        ↔  the mean over dims (1, 2) of (m, n_H, n_W, n_C)
    L2Normalize                            ↔  F.normalize(x, p=2, dim=1, eps=1e-12) on rows
    IdentityBlock / ConvolutionalBlock     ↔  a module computing relu(main(x) + shortcut(x)), its sub-layers
                                              mapped as above (BatchNorm on images: see below)
    sequence layers                        ↔  nn.RNN / nn.GRU / nn.LSTM (batch_first), nn.Embedding,
                                              nn.LayerNorm, nn.MultiheadAttention, nn.TransformerEncoderLayer
                                              (the mapping is in ``nndl.interop_sequence``)

A PyTorch module takes examples as rows: the module from ``to_torch`` maps X.T (m, n_x) to
A[L].T (m, n_y), and images as nndl has them, (m, n_H, n_W, n_C). ``from_torch`` matches
PyTorch's parameterised modules to nndl's layers in order (a Linear to each Dense, a
BatchNorm1d to each BatchNorm), whatever the module names, checking every shape; it writes
nothing unless every tensor fits. Round trips give the same outputs to 1e-5 (tested).

Needs PyTorch (CPU is enough); nndl never requires it.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from ._torch_helpers import _expect, _torch, _torch_dtype, activation_module  # noqa: F401
from .interop_sequence import SEQUENCE_MAPPERS

# layer class name → {"to_modules": fn(layer, torch) -> [modules], "from_group": fn(layer, tensors) -> {key: array}}
TORCH_MAPPERS: dict[str, dict[str, Callable]] = {}


def register_torch_mapper(layer_name: str, to_modules: Callable, from_group: Callable | None = None,
                          n_groups: int = 1):
    """Register how layers of class ``layer_name`` become PyTorch modules (``to_modules(layer,
    torch) -> list of modules``) and take weights from one PyTorch module's tensors
    (``from_group(layer, {"weight": …, "bias": …, …}) -> {nndl param/state key: array}``;
    None for layers without weights). A layer whose weights span ``n_groups`` > 1 PyTorch
    modules gets the list of their groups; a composite layer's keys are dotted paths to
    its sub-layers' parameters (``"inner.W"``)."""
    TORCH_MAPPERS[layer_name] = {"to_modules": to_modules, "from_group": from_group, "n_groups": n_groups}


def _dense_modules(layer, torch):
    n_out, n_in = layer.params["W"].shape
    linear = torch.nn.Linear(n_in, n_out, dtype=_torch_dtype(layer.params["W"].dtype, torch))
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(layer.params["W"])))
        linear.bias.copy_(torch.from_numpy(layer.params["b"].ravel().copy()))
    act = activation_module(layer.activation, torch)
    return [linear] + ([act] if act is not None else [])


def _dense_from(layer, group):
    W = layer.params["W"]
    return {"W": _expect(group, "weight", W.shape, layer),
            "b": _expect(group, "bias", (W.shape[0],), layer).reshape(W.shape[0], 1)}


def _batchnorm_modules(layer, torch):
    n = layer.params["gamma"].size
    images = len(layer.input_shape) == 3 and layer.batch_axis % 4 == 0
    if len(layer.input_shape) > 1 and not images:
        raise ValueError("to_torch: BatchNorm maps to PyTorch for dense (n, m) and channels-last image "
                         f"input only, not examples of shape {layer.input_shape} on axis {layer.batch_axis}")
    module = torch.nn.BatchNorm2d if images else torch.nn.BatchNorm1d
    bn = module(n, eps=layer.eps, momentum=1.0 - layer.momentum, dtype=_torch_dtype(layer.params["gamma"].dtype, torch))
    with torch.no_grad():
        for t, arr in ((bn.weight, layer.params["gamma"]), (bn.bias, layer.params["beta"]),
                       (bn.running_mean, layer.state["running_mean"]), (bn.running_var, layer.state["running_var"])):
            t.copy_(torch.from_numpy(arr.reshape(n).copy()))
    return _nchw(torch, [bn]) if images else [bn]


def _batchnorm_from(layer, group):
    shape = layer.params["gamma"].shape
    n = layer.params["gamma"].size
    return {nndl: _expect(group, key, (n,), layer).reshape(shape)
            for nndl, key in (("gamma", "weight"), ("beta", "bias"), ("running_mean", "running_mean"),
                              ("running_var", "running_var"))}


register_torch_mapper("Dense", _dense_modules, _dense_from)
register_torch_mapper("BatchNorm", _batchnorm_modules, _batchnorm_from)
register_torch_mapper("Dropout", lambda layer, torch: [torch.nn.Dropout(p=1.0 - layer.keep_prob)])
register_torch_mapper("Activation", lambda layer, torch: [m for m in [activation_module(layer.activation, torch)] if m])
register_torch_mapper("Flatten", lambda layer, torch: [torch.nn.Flatten()])


@functools.lru_cache(maxsize=None)
def _image_modules(torch):
    """Parameter-free modules that images need between nndl's channels-last layout and
    PyTorch's NCHW: a permutation and the mean over the image's height and width."""
    class Permute(torch.nn.Module):
        def __init__(self, *dims):
            super().__init__()
            self.dims = dims

        def forward(self, x):
            return x.permute(*self.dims)

        def extra_repr(self):
            return f"dims={self.dims}"

    class MeanOverImage(torch.nn.Module):
        def forward(self, x):  # (m, n_H, n_W, n_C) → (m, n_C)
            return x.mean(dim=(1, 2))

    class Residual(torch.nn.Module):
        """relu(main(x) + shortcut(x)); an empty shortcut is the identity."""
        def __init__(self, main, shortcut):
            super().__init__()
            self.main, self.shortcut = main, shortcut

        def forward(self, x):
            return torch.relu(self.main(x) + self.shortcut(x))

    return Permute, MeanOverImage, Residual


def _nchw(torch, modules):
    """modules wrapped between (m, n_H, n_W, n_C) → (m, n_C, n_H, n_W) and back."""
    Permute = _image_modules(torch)[0]
    return [Permute(0, 3, 1, 2), *modules, Permute(0, 2, 3, 1)]


def _conv2d_modules(layer, torch):
    from .functional.conv import resolve_padding
    W = layer.params["W"]
    f, _, n_C_prev, n_C = W.shape
    n_H, n_W, _ = layer.input_shape
    (top, bottom), (left, right) = resolve_padding(layer.padding, n_H, n_W, f, layer.strides, layer.dilation)
    conv = torch.nn.Conv2d(n_C_prev, n_C, f, stride=layer.strides, dilation=layer.dilation,
                           dtype=_torch_dtype(W.dtype, torch))
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1))))
        conv.bias.copy_(torch.from_numpy(layer.params["b"].ravel().copy()))
    pad = [torch.nn.ZeroPad2d((left, right, top, bottom))] if top or bottom or left or right else []
    act = activation_module(layer.activation, torch)
    return _nchw(torch, [*pad, conv]) + ([act] if act is not None else [])


def _conv2d_from(layer, group):
    W = layer.params["W"]
    f, _, n_C_prev, n_C = W.shape
    return {"W": _expect(group, "weight", (n_C, n_C_prev, f, f), layer).transpose(2, 3, 1, 0),
            "b": _expect(group, "bias", (n_C,), layer).reshape(1, 1, 1, n_C)}


def _pool_modules(module: str):
    def to_modules(layer, torch):
        f = layer.pool_size
        return _nchw(torch, [getattr(torch.nn, module)(f, stride=layer.strides or f)])
    return to_modules


def _residual_modules(layer, torch):
    def chain(layers):
        return torch.nn.Sequential(*[m for child in layers for m in _modules_of(child, torch)])
    return [_image_modules(torch)[2](chain(layer.main.values()), chain(layer.shortcut.values()))]


@functools.lru_cache(maxsize=None)
def _l2_normalize_module(torch):
    class L2Normalize(torch.nn.Module):
        """a = z / max(‖z‖, 1e-12) per example (row): torch.nn.functional.normalize."""
        def forward(self, x):
            return torch.nn.functional.normalize(x, p=2.0, dim=1, eps=1e-12)
    return L2Normalize


register_torch_mapper("Conv2D", _conv2d_modules, _conv2d_from)
register_torch_mapper("IdentityBlock", _residual_modules)
register_torch_mapper("ConvolutionalBlock", _residual_modules)
register_torch_mapper("MaxPool2D", _pool_modules("MaxPool2d"))
register_torch_mapper("AvgPool2D", _pool_modules("AvgPool2d"))
register_torch_mapper("GlobalAvgPool2D", lambda layer, torch: [_image_modules(torch)[1]()])
register_torch_mapper("L2Normalize", lambda layer, torch: [_l2_normalize_module(torch)()])


def to_torch(model):
    """A ``torch.nn.Sequential`` computing the model's inference pass on examples-as-rows
    input (X.T), with the model's weights copied in (in the model's dtype); call ``.eval()``
    (done here) for dropout off and batch norm's running averages."""
    torch = _torch()
    if not model.built:
        raise ValueError("the model has no weights yet: build it (or fit it) before converting")
    modules = [m for layer in model.layers for m in _modules_of(layer, torch)]
    return torch.nn.Sequential(*modules).eval()


def _modules_of(layer, torch) -> list:
    name = type(layer).__name__
    if name not in TORCH_MAPPERS:
        raise ValueError(f"no PyTorch mapping for layer type {name}; register one with "
                         "nndl.interop.register_torch_mapper")
    return TORCH_MAPPERS[name]["to_modules"](layer, torch)


def _groups(state: dict[str, Any]) -> list[tuple[str, dict[str, np.ndarray]]]:
    """State-dict entries grouped by module ("0.weight", "0.bias" → ("0", {...})), in order."""
    groups: dict[str, dict[str, np.ndarray]] = {}
    for key, value in state.items():
        prefix, _, leaf = key.rpartition(".")
        if leaf == "num_batches_tracked":
            continue
        array = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
        groups.setdefault(prefix, {})[leaf] = array
    return list(groups.items())


def from_torch(module_or_state_dict, model) -> None:
    """Copy a PyTorch module's (or state dict's) weights into ``model``, layer by layer.

    PyTorch's parameterised modules are matched in order to nndl's layers that hold weights
    (nn.Linear → Dense, nn.BatchNorm1d → BatchNorm, nn.Conv2d → Conv2D); names do not matter, shapes must fit
    (nn.Linear's weight is (n, n_prev) like W). Everything is checked before anything is
    written, so a mismatch leaves ``model`` as it was. Weights are cast to the model's dtype.
    """
    state = module_or_state_dict.state_dict() if hasattr(module_or_state_dict, "state_dict") else module_or_state_dict
    if not isinstance(state, dict):
        raise TypeError(f"expected a torch.nn.Module or a state dict, got {type(module_or_state_dict).__name__}")
    if not model.built:
        raise ValueError("build the nndl model first (give it an input_shape) so its weight shapes are known")
    groups = _groups(state)
    layers = _weight_layers(model)
    sizes = [TORCH_MAPPERS.get(type(layer).__name__, {}).get("n_groups", 1) for layer in layers]
    if len(groups) != sum(sizes):
        raise ValueError(f"the PyTorch weights come in {len(groups)} module(s) ({', '.join(g for g, _ in groups)}), "
                         f"but the nndl model has {len(layers)} layer(s) with weights "
                         f"({', '.join(type(layer).__name__ for layer in layers)}) taking {sum(sizes)}")
    updates, at = [], 0
    for layer, size in zip(layers, sizes):
        prefix, group = groups[at]
        mine = group if size == 1 else [g for _, g in groups[at:at + size]]
        at += size
        mapper = TORCH_MAPPERS.get(type(layer).__name__, {}).get("from_group")
        if mapper is None:
            raise ValueError(f"no PyTorch mapping for the weights of {type(layer).__name__}")
        try:
            values = mapper(layer, mine)
        except ValueError as e:
            raise ValueError(f"PyTorch module {prefix!r}: {e}") from None
        for key, value in values.items():
            target = _target(layer, key)
            if target.size != np.size(value):
                raise ValueError(f"PyTorch module {prefix!r}: {key} has {np.size(value)} values, expected {target.shape}")
        updates.append((layer, values))
    for layer, values in updates:
        for key, value in values.items():
            target = _target(layer, key)
            target[...] = np.reshape(value, target.shape).astype(target.dtype, copy=False)


def _weight_layers(model) -> list:
    """The layers whose weights PyTorch modules carry, in order: a layer with a mapping of its
    own (Dense, LSTM, Bidirectional, …), and for a composite without one (a residual block)
    its sub-layers, main path first."""
    out = []

    def visit(layer):
        if TORCH_MAPPERS.get(type(layer).__name__, {}).get("from_group") is None and layer.sublayers():
            for child in layer.sublayers().values():
                visit(child)
        elif layer.n_params or layer.state:
            out.append(layer)
    for layer in model.layers:
        visit(layer)
    return out


def _target(layer, key: str) -> np.ndarray:
    """The array of ``layer`` named ``key``; a dotted key walks its sub-layers ("inner.W")."""
    *path, leaf = key.split(".")
    for child in path:
        layer = layer.sublayers()[child]
    return layer.params[leaf] if leaf in layer.params else layer.state[leaf]

for _name, _to, _from, _n in SEQUENCE_MAPPERS:
    register_torch_mapper(_name, _to, _from, _n)
