"""Course 1, week 3: planar data classification with one hidden layer (tanh → sigmoid).

    Z1 = W1·X + b1,  A1 = tanh(Z1),  Z2 = W2·A1 + b2,  A2 = σ(Z2)
    J = −(1/m) Σ [Y·log A2 + (1 − Y)·log(1 − A2)]
    dZ2 = A2 − Y,  dW2 = (1/m)·dZ2·A1ᵀ,  db2 = (1/m)·Σ dZ2
    dZ1 = W2ᵀ·dZ2 ⊙ (1 − A1²),  dW1 = (1/m)·dZ1·Xᵀ,  db1 = (1/m)·Σ dZ1

Shapes: X (n_x, m), Y (1, m), W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).
Each line is a call into ``nndl.functional``; the update is ``GradientDescent``.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ._common import (RNG, as_float, as_labels, as_rng, binary_cost, check_iterations, check_XY,
                      gradient_descent_copy, small_random_parameters)
from .c1w2 import sigmoid

Array = np.ndarray

__all__ = ["sigmoid", "layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost",
           "backward_propagation", "update_parameters", "nn_model", "predict"]


def layer_sizes(X: Array, Y: Array) -> tuple[int, int, int]:
    """(n_x, n_h, n_y) = (rows of X, 4, rows of Y): the assignment's hidden size of 4."""
    X, Y = check_XY(X, Y)
    return X.shape[0], 4, Y.shape[0]


def initialize_parameters(n_x: int, n_h: int, n_y: int, rng: RNG = None, dtype=np.float64) -> dict:
    """W1 = N(0, 1)·0.01 (n_h, n_x), b1 = 0 (n_h, 1), W2 = N(0, 1)·0.01 (n_y, n_h), b2 = 0 (n_y, 1).

    rng: None (the default) draws from NumPy's global generator without seeding it, as the
    notebook's function does (its test calls ``np.random.seed(2)`` first); an int seed, a
    Generator or a RandomState otherwise (see ``nndl.course._common.as_rng``).
    """
    return small_random_parameters(n_x, n_h, n_y, as_rng(rng), dtype)


def forward_propagation(X: Array, parameters: dict) -> tuple[Array, dict]:
    """A2 = σ(W2·tanh(W1·X + b1) + b2).  Returns (A2 (n_y, m), cache {"Z1", "A1", "Z2", "A2"})."""
    X = as_float(X)
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    if X.ndim != 2 or X.shape[0] != W1.shape[1]:
        raise ValueError(f"X has shape {X.shape}, expected ({W1.shape[1]}, m) to match W1 {W1.shape}")
    Z1, _ = F.linear_forward(X, W1, b1)
    A1, _ = F.tanh(Z1)
    Z2, _ = F.linear_forward(A1, W2, b2)
    A2, _ = F.sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2: Array, Y: Array) -> float:
    """J = −(1/m) Σ [Y·log A2 + (1 − Y)·log(1 − A2)].  A2, Y: (1, m)."""
    return binary_cost("A2", A2, Y)


def backward_propagation(parameters: dict, cache: dict, X: Array, Y: Array) -> dict:
    """Gradients of J: dZ2 = A2 − Y, dZ1 = W2ᵀ·dZ2 ⊙ (1 − A1²), then dW, db by linear_backward.

    Returns grads {"dW1", "db1", "dW2", "db2"} with the shapes of the parameters.
    """
    X, Y = check_XY(as_float(X), Y)
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = F.output_delta(A2, as_labels(Y, A2))
    dA1, dW2, db2 = F.linear_backward(dZ2, (A1, parameters["W2"], parameters["b2"]))
    dZ1 = F.tanh_backward(dA1, A1)
    _, dW1, db1 = F.linear_backward(dZ1, (X, parameters["W1"], parameters["b1"]), compute_dA_prev=False)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters: dict, grads: dict, learning_rate: float = 1.2) -> dict:
    """θ ← θ − α·dθ for W1, b1, W2, b2. Returns a new dict; the caller's arrays are not modified."""
    return gradient_descent_copy(parameters, grads, learning_rate)


def nn_model(X: Array, Y: Array, n_h: int, num_iterations: int = 10000, print_cost: bool = False,
             rng: RNG = None, learning_rate: float = 1.2) -> dict:
    """Train the one-hidden-layer network with batch gradient descent (α = 1.2).

    rng: for the initialization (None: NumPy's global generator as it stands, as the notebook;
    its test seeds it with ``np.random.seed(3)`` first). Y may be booleans or rank 1, as the
    notebook's tests give it. Prints the cost every 1000 iterations with ``print_cost``.
    Returns the learned parameters.
    """
    X, Y = check_XY(as_float(X), Y)
    num_iterations = check_iterations(num_iterations)
    n_x, _, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h, n_y, rng=rng, dtype=X.dtype)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate)
        if print_cost and i % 1000 == 0:
            print("Cost after iteration %i: %f" % (i, cost))
    return parameters


def predict(parameters: dict, X: Array) -> Array:
    """1 where A2 > 0.5 (blue), 0 otherwise (red).  X: (n_x, m) → (1, m) in A2's dtype."""
    A2, _ = forward_propagation(X, parameters)
    return (A2 > 0.5).astype(A2.dtype)
