"""The course's ``reg_utils`` (Course 2, week 1, regularization), on ``c2w1``.

    train_X, train_Y, test_X, test_Y = load_2D_dataset()
    parameters = c2w1.model(train_X, train_Y, lambd=0.7)
    predict(test_X, test_Y, parameters)
    plot_decision_boundary(lambda x: predict_dec(parameters, x.T), train_X, train_Y)

The notebook's ``data.mat`` (where France's goalkeeper's kicks are headed) is not
redistributable; ``load_2D_dataset`` generates a set of the same kind
(``nndl.datasets.synthetic.football``: 211 training and 200 test positions, a wavy border and
noisy labels near it), so the notebook's lesson — no regularization overfits the noise, L2 and
dropout smooth the border — can be followed, with its own numbers.
"""

from __future__ import annotations

import numpy as np

from ..datasets.synthetic import football
from ._common import as_float, binary_cost, check_XY, gradient_descent_copy
from .c1w4 import relu, sigmoid
from .c2w1 import backward_propagation_n, forward, initialize_parameters
from .planar_utils import plot_decision_boundary

Array = np.ndarray

__all__ = ["sigmoid", "relu", "initialize_parameters", "forward_propagation", "backward_propagation",
           "update_parameters", "predict", "compute_cost", "predict_dec", "load_2D_dataset",
           "plot_decision_boundary"]


def forward_propagation(X: Array, parameters: dict) -> tuple[Array, tuple]:
    """LINEAR → RELU → LINEAR → RELU → LINEAR → SIGMOID. X: (n_x, m).
    Returns (A3 (1, m), cache=(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3))."""
    return forward(X, parameters)


def backward_propagation(X: Array, Y: Array, cache: tuple) -> dict:
    """The gradients of the cross-entropy for forward_propagation's cache: dZ3 = A3 − Y, …
    Returns {"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}."""
    return backward_propagation_n(X, Y, cache)


def update_parameters(parameters: dict, grads: dict, learning_rate: float) -> dict:
    """W[l] ← W[l] − α·dW[l], b[l] ← b[l] − α·db[l]; returns new arrays."""
    return gradient_descent_copy(parameters, grads, learning_rate)


def compute_cost(a3: Array, Y: Array) -> float:
    """J = −(1/m) Σ [Y·log a3 + (1 − Y)·log(1 − a3)].  a3, Y: (1, m)."""
    return binary_cost("a3", a3, Y)


def predict(X: Array, y: Array, parameters: dict) -> Array:
    """p = 1 where A3 > 0.5, else 0 ((1, m) ints); prints "Accuracy: " and the mean of p == y."""
    X, y = check_XY(as_float(X), y)
    a3, _ = forward(X, parameters)
    p = (a3 > 0.5).astype(np.int64)
    print("Accuracy: " + str(np.mean(p[0, :] == y[0, :])))
    return p


def predict_dec(parameters: dict, X: Array) -> Array:
    """a3 > 0.5 as booleans (1, m): the decision rule, for ``plot_decision_boundary``."""
    a3, _ = forward(X, parameters)
    return a3 > 0.5


def load_2D_dataset(seed: int = 1) -> tuple[Array, Array, Array, Array]:
    """(train_X (2, 211), train_Y (1, 211), test_X (2, 200), test_Y (1, 200)), float64 and int64:
    generated football positions (see the module's docstring), from ``seed``."""
    X, Y = football(m=411, seed=seed)
    X = X.astype(np.float64)
    return X[:, :211], Y[:, :211], X[:, 211:], Y[:, 211:]
