"""Shared helpers: a seeded Generator, an independent central-difference gradient, the
relative error used for gradient checks, and PyTorch as an optional oracle (with the course's
deep binary classifier written in PyTorch)."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

GRAD_TOL = 1e-7  # DESIGN.md §4: float64 relative error below 1e-7


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def torch():
    """PyTorch in float64, or a skip with the reason when it is not installed."""
    torch = pytest.importorskip("torch", reason="PyTorch (the optional test oracle) is not installed")
    return torch


def central_difference(J: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """dJ/dx by two-sided differences, perturbing the float64 array ``x`` in place."""
    assert x.dtype == np.float64
    flat = x.reshape(-1)
    assert np.shares_memory(flat, x)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = J()
        flat[i] = old - eps
        minus = J()
        flat[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad.reshape(x.shape)


def rel_error(a, b) -> float:
    """‖a − b‖ / (‖a‖ + ‖b‖), the course's gradient-check difference."""
    a, b = np.ravel(np.asarray(a, dtype=np.float64)), np.ravel(np.asarray(b, dtype=np.float64))
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    assert denom > 0, "both gradients are zero: the check would prove nothing"
    return float(np.linalg.norm(a - b) / denom)


def to_numpy(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def assert_grads_match_numerical(grads: dict, J: Callable[[], float], params: dict) -> None:
    """For every parameter k: grads["d" + k] has k's shape and matches central differences of J."""
    for k in params:
        assert grads["d" + k].shape == params[k].shape, k
        assert rel_error(grads["d" + k], central_difference(J, params[k])) < GRAD_TOL, k


def torch_relu_sigmoid_net(torch, params: dict, X: np.ndarray, Y: np.ndarray):
    """[LINEAR → RELU] × (L − 1) → LINEAR → SIGMOID and its binary cross-entropy, in PyTorch float64.

    params: W1, b1, …, WL, bL. Returns (leaves {k: tensor requiring grad}, AL, J); call
    J.backward() (after adding any penalty) to fill leaves[k].grad.
    """
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    L = sum(1 for k in params if k.startswith("W"))
    A = torch.tensor(X)
    for l in range(1, L + 1):
        Z = leaves[f"W{l}"] @ A + leaves[f"b{l}"]
        A = torch.sigmoid(Z) if l == L else torch.relu(Z)
    J = torch.nn.functional.binary_cross_entropy(A, torch.tensor(Y, dtype=torch.float64))
    return leaves, A, J
