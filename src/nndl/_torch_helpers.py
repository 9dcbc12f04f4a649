"""Small helpers shared by the PyTorch mappings (``nndl.interop``, ``nndl.interop_sequence``)."""

from __future__ import annotations

import numpy as np


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("PyTorch weight exchange needs PyTorch: pip install torch") from None
    return torch


def activation_module(name: str, torch):
    """The PyTorch module for the course's activation ``name`` (None for linear)."""
    nn = torch.nn
    modules = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "linear": None,
               "softmax": lambda: nn.Softmax(dim=1), "leaky_relu": lambda: nn.LeakyReLU(0.01)}
    if name not in modules:
        raise ValueError(f"the activation {name!r} has no PyTorch counterpart; known: {', '.join(modules)}")
    return modules[name]() if modules[name] is not None else None


def _expect(group: dict, key: str, shape: tuple, layer) -> np.ndarray:
    if key not in group:
        raise ValueError(f"{type(layer).__name__} expects a PyTorch tensor {key!r} of shape {shape}; "
                         f"the matching module has {sorted(group)}")
    value = group[key]
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"{type(layer).__name__}: PyTorch {key} has shape {tuple(value.shape)}, "
                         f"expected {tuple(shape)}")
    return value


def _torch_dtype(dtype, torch):
    return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[np.dtype(dtype)]
