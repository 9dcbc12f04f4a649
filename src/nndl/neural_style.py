"""Neural style transfer (Course 4, week 4): optimize an image G so that a convolutional
network sees the content of C and the style of S in it.

    J(G) = α·J_content(C, G) + β·Σ_l λ[l]·J_style[l](S, G)

The costs and their gradients with respect to a layer's activations are
``nndl.functional.style``; this module takes them back to the image through the network's
own layers (each layer's ``backward`` gives dA_prev; the first layer of a model does not
compute it while training, so it is switched on for the pass) and updates G with Adam.

Any nndl network of image layers works (``Sequential`` or a list of layers): Conv2D,
pooling, activations. Its weights can come from a file (``load_weights``). Layouts:

- Conv2D filters W are (f, f, n_C_prev, n_C) and biases (1, 1, 1, n_C); PyTorch's
  ``Conv2d.weight`` is (n_C, n_C_prev, f, f): W = w_torch.permute(2, 3, 1, 0)
  (``filters_from_pytorch``; ``filters_to_pytorch`` is the inverse) and b = bias.reshape(1, 1, 1, n_C).
- ``Flatten`` turns (m, n_H, n_W, n_C) into columns in row-major (h, w, c) order (channels
  fastest); PyTorch's ``flatten`` of (m, n_C, n_H, n_W) is (c, h, w) order, so the first
  dense layer after it needs its columns permuted (``dense_after_flatten_from_pytorch``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .functional.style import content_cost, layer_style_cost, total_cost
from .layers import BatchNorm, Dropout, Layer
from .optimizers import Adam

Array = np.ndarray


def filters_from_pytorch(w) -> Array:
    """PyTorch Conv2d weights (n_C, n_C_prev, f, f) → nndl filters (f, f, n_C_prev, n_C)."""
    w = np.asarray(w)
    if w.ndim != 4:
        raise ValueError(f"expected PyTorch conv weights (n_C, n_C_prev, f, f), got shape {w.shape}")
    return np.ascontiguousarray(w.transpose(2, 3, 1, 0))


def filters_to_pytorch(W) -> Array:
    """nndl filters (f, f, n_C_prev, n_C) → PyTorch Conv2d weights (n_C, n_C_prev, f, f)."""
    W = np.asarray(W)
    if W.ndim != 4:
        raise ValueError(f"expected nndl filters (f, f, n_C_prev, n_C), got shape {W.shape}")
    return np.ascontiguousarray(W.transpose(3, 2, 0, 1))


def dense_after_flatten_from_pytorch(w, n_H: int, n_W: int, n_C: int) -> Array:
    """PyTorch Linear weights (n, n_C·n_H·n_W) that read a (c, h, w)-flattened feature map
    → nndl Dense W (n, n_H·n_W·n_C) that reads ``Flatten``'s (h, w, c) order."""
    w = np.asarray(w)
    if w.ndim != 2 or w.shape[1] != n_C * n_H * n_W:
        raise ValueError(f"expected weights (n, {n_C * n_H * n_W}) for a {n_H}×{n_W}×{n_C} map, got {w.shape}")
    return np.ascontiguousarray(w.reshape(-1, n_C, n_H, n_W).transpose(0, 2, 3, 1).reshape(w.shape[0], -1))


def load_weights(network, path: str | os.PathLike) -> None:
    """Write the arrays of an ``.npz`` or ``.safetensors`` file into a built model by
    parameter name (``W1``, ``b1``, …, see ``model.summary()``), in nndl's layouts (above).
    Every name and shape is checked before anything is written."""
    path = Path(path)
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            weights = {k: data[k] for k in data.files}
    elif path.suffix == ".safetensors":
        from safetensors.numpy import load_file
        weights = load_file(str(path))
    else:
        raise ValueError(f"weights must be a .npz or .safetensors file, got {path.name!r}")
    network.set_weights(weights)


def _layers_of(network) -> list[Layer]:
    layers = list(getattr(network, "layers", network))
    if not layers or not all(isinstance(layer, Layer) for layer in layers):
        raise TypeError("network must be an nndl Sequential or a list of built nndl layers")
    return layers


def _index(layers: list[Layer], key) -> int:
    """A layer given by position (negative counts from the end) or by name."""
    if isinstance(key, str):
        names = [layer.name for layer in layers]
        if key not in names:
            raise ValueError(f"no layer named {key!r}; the layers are named {names}")
        return names.index(key)
    i = int(key)
    if not -len(layers) <= i < len(layers):
        raise ValueError(f"layer index {key} is out of range for a network of {len(layers)} layers")
    return i % len(layers)


def _forward(layers: list[Layer], G: Array, last: int, training: bool) -> list[Array]:
    outputs, A = [], G
    for layer in layers[:last + 1]:
        A = layer.forward(A, training)
        outputs.append(A)
    return outputs


def style_cost_and_input_grad(network, G: Array, a_C: Array, a_S: list[Array], content_layer: int,
                              style_layers: list[tuple[int, float]], alpha: float = 10, beta: float = 40,
                              ) -> tuple[float, Array]:
    """J(G) and ∂J/∂G (G's shape (1, n_H, n_W, n_C)) for the chosen layers (indices).

    a_C: the content image's activations at ``content_layer``; a_S: the style image's at
    each of ``style_layers`` ((index, λ) pairs). Forward keeps every layer's cache; backward
    adds α·∂J_content/∂a and β·λ[l]·∂J_style[l]/∂a where each chosen layer's output is and
    runs each layer's ``backward`` down to the image."""
    layers = _layers_of(network)
    last = max([content_layer] + [i for i, _ in style_layers])
    outputs = _forward(layers, G, last, training=True)
    J_content, d_content = content_cost(a_C, outputs[content_layer])
    J_style, d_out = 0.0, {content_layer: alpha * d_content}
    for (i, lam), a_S_l in zip(style_layers, a_S):
        J_l, d_l = layer_style_cost(a_S_l, outputs[i])
        J_style += lam * J_l
        d_out[i] = d_out.get(i, 0) + beta * lam * d_l
    first = layers[0]
    needed, first.needs_input_grad = first.needs_input_grad, True  # a model skips it on layer 1
    try:
        dA = d_out[last]
        for i in range(last, -1, -1):
            if i != last and i in d_out:
                dA = dA + d_out[i]
            dA = layers[i].backward(dA)
    finally:
        first.needs_input_grad = needed
    return total_cost(J_content, J_style, alpha, beta), dA


def style_transfer(network, content, style, layers=((0, 1.0),), content_layer=-1, alpha: float = 10,
                   beta: float = 40, iterations: int = 200, learning_rate: float = 0.01, noise: float = 0.2,
                   seed: int = 0, clip=(0.0, 1.0), callback=None) -> tuple[Array, list[float]]:
    """Generate an image with the content of ``content`` and the style of ``style``.

    network: a built nndl ``Sequential`` (or list of layers) of image layers, with its
    weights (``load_weights``); content, style: images (n_H, n_W, n_C) or (1, n_H, n_W, n_C)
    that fit its input. layers: (layer, λ[l]) pairs for the style cost (a layer by index or
    name), content_layer: the layer whose activations J_content compares. G starts as the
    content image plus uniform noise in [−noise, noise] (seeded), clipped to ``clip``; each
    iteration takes one Adam step on ∂J/∂G and clips again (``clip=None``: no clipping).
    callback(iteration, J, G) is called after every step. Returns (G (1, n_H, n_W, n_C),
    the cost J(G) before each step (``iterations`` values)).
    """
    net_layers = _layers_of(network)
    for layer in net_layers:
        if isinstance(layer, (Dropout, BatchNorm)):
            raise ValueError(f"style_transfer needs a network without {type(layer).__name__} (it runs the "
                             "layers in training mode to keep their caches); build one without it")
    dtype = np.dtype(getattr(network, "dtype", None) or net_layers[0]._dtype or np.float32)
    C, S = (_image(name, x, dtype) for name, x in (("content", content), ("style", style)))
    if C.shape != S.shape:
        raise ValueError(f"content and style must have the same shape, got {C.shape} and {S.shape}")
    style_layers = [(_index(net_layers, key), float(lam)) for key, lam in layers]
    ci = _index(net_layers, content_layer)
    for i in [ci] + [i for i, _ in style_layers]:
        if len(net_layers[i].output_shape or ()) != 3:
            raise ValueError(f"layer {i} ({net_layers[i]!r}) does not output images; pick convolution or "
                             "pooling layers for the content and style costs")
    last = max([ci] + [i for i, _ in style_layers])
    a_C = _forward(net_layers, C, last, training=False)[ci]
    outs_S = _forward(net_layers, S, last, training=False)
    a_S = [outs_S[i] for i, _ in style_layers]
    rng = np.random.default_rng(seed)
    G = (C + rng.uniform(-noise, noise, C.shape)).astype(dtype)
    if clip is not None:
        np.clip(G, *clip, out=G)
    params, optimizer, costs = {"G": G}, Adam(learning_rate), []
    for it in range(int(iterations)):
        J, dG = style_cost_and_input_grad(net_layers, params["G"], a_C, a_S, ci, style_layers, alpha, beta)
        if not np.isfinite(J):
            raise FloatingPointError(f"the style-transfer cost became {J} at iteration {it + 1}; "
                                     "try a smaller learning_rate")
        costs.append(J)
        optimizer.update(params, {"dG": dG.astype(dtype, copy=False)})
        if clip is not None:
            np.clip(params["G"], *clip, out=params["G"])
        if callback is not None:
            callback(it, J, params["G"])
    return params["G"], costs


def _image(name: str, x, dtype) -> Array:
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError(f"{name} must be one image (n_H, n_W, n_C) or (1, n_H, n_W, n_C), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} holds NaN or Inf")
    return x.astype(dtype)
