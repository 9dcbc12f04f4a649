"""The course's ``opt_utils_v1a`` (Course 2, week 2, optimization methods), on ``c2w1``.

The three-layer network LINEAR → RELU → LINEAR → RELU → LINEAR → SIGMOID that
``c2w2.model`` trains with gd, momentum or Adam, and the "moons" data it is trained on.
Note that this helper's ``compute_cost`` returns the SUM of the losses over the examples
(the model divides the epoch's total by m), unlike the other weeks' mean.
"""

from __future__ import annotations

import numpy as np

from ._common import RNG, as_float, as_rng, binary_cost, check_XY, deep_parameters
from .c1w4 import relu, sigmoid
from .c2w1 import backward_propagation_n, forward
from .planar_utils import plot_decision_boundary
from .reg_utils import predict, predict_dec  # the course's opt_utils repeats reg_utils' two functions

Array = np.ndarray

__all__ = ["sigmoid", "relu", "initialize_parameters", "forward_propagation", "backward_propagation",
           "compute_cost", "predict", "predict_dec", "load_dataset", "plot_decision_boundary"]


def initialize_parameters(layer_dims, rng: RNG = None, dtype=np.float64) -> dict:
    """W[l] = N(0, 1)·√(2 / n[l−1]) (n[l], n[l−1]), b[l] = 0, for layer_dims = [n[0], …, n[L]];
    rng None: ``np.random.seed(3)`` and the global generator, as the course's helper."""
    return deep_parameters(layer_dims, "he", as_rng(rng, 3), dtype)


def forward_propagation(X: Array, parameters: dict) -> tuple[Array, tuple]:
    """A3 = σ(W3·relu(W2·relu(W1·X + b1) + b2) + b3). Returns (A3 (1, m), cache of 12 entries)."""
    return forward(X, parameters)


def backward_propagation(X: Array, Y: Array, cache: tuple) -> dict:
    """The gradients {"dW1", "db1", …, "dW3", "db3"} (and dZ, dA) of the mean cross-entropy."""
    return backward_propagation_n(X, Y, cache)


def compute_cost(a3: Array, Y: Array) -> float:
    """The SUM over the m examples of −[Y·log a3 + (1 − Y)·log(1 − a3)] (not divided by m)."""
    return binary_cost("a3", a3, Y) * np.shape(a3)[-1]


def load_dataset() -> tuple[Array, Array]:
    """The notebook's moons: ``np.random.seed(3)`` and scikit-learn's ``make_moons(n_samples=300,
    noise=0.2)``, which draws from NumPy's global generator. Returns train_X (2, 300) and
    train_Y (1, 300). Needs scikit-learn (pip install scikit-learn), as the notebook does."""
    try:
        from sklearn.datasets import make_moons
    except ImportError:
        raise ImportError("opt_utils.load_dataset draws the notebook's moons with scikit-learn: "
                          "pip install scikit-learn (nndl.datasets.load_dataset('moons') needs nothing)") from None
    np.random.seed(3)
    X, Y = make_moons(n_samples=300, noise=0.2)
    return X.T, Y.reshape((1, Y.shape[0]))
