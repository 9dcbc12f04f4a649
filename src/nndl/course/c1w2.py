"""Course 1, week 2: Python basics with NumPy, and logistic regression with a neural-network mindset.

The Python-basics notebook's helpers (``basic_sigmoid``, ``sigmoid``, ``sigmoid_derivative``,
``image2vector``, ``normalize_rows``, ``softmax`` over rows, the losses ``L1`` and ``L2``), then
logistic regression:

One sigmoid unit on X (n_x, m), labels Y (1, m):

    A = σ(wᵀX + b),   J = −(1/m) Σ [Y·log A + (1 − Y)·log(1 − A)]
    dw = (1/m)·X(A − Y)ᵀ,   db = (1/m)·Σ(A − Y)
    w ← w − α·dw,   b ← b − α·db

w is (n_x, 1) and b a scalar, as in the assignment. The unit is ``nndl.functional``'s
``linear_forward`` with W = wᵀ followed by ``sigmoid``; the gradients come from
``linear_backward`` with the fused dZ = A − Y, and the update from ``GradientDescent``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from ..optimizers import GradientDescent
from ._common import as_float, as_labels, check_2d, check_iterations, check_XY

Array = np.ndarray


def sigmoid(z):
    """s = σ(z) = 1 / (1 + e^(−z)) for a scalar or an array of any shape (s only, no cache).

    sigmoid(0) = 0.5; sigmoid(np.array([0, 2])) = [0.5, 0.88079708].
    """
    s, _ = F.sigmoid(as_float(z))
    return s[()] if s.ndim == 0 else s


# ---------------------------------------------------------------- Python basics with NumPy

def basic_sigmoid(x: float) -> float:
    """s = 1 / (1 + e^(−x)) for one real number, with ``math.exp`` (the notebook's first version,
    which does not take arrays: that is what ``sigmoid`` is for). basic_sigmoid(1) = 0.7310585786300049."""
    return 1.0 / (1.0 + math.exp(-x))


def sigmoid_derivative(x):
    """σ'(x) = s(1 − s) with s = σ(x), element-wise (any shape).
    sigmoid_derivative(np.array([1, 2, 3])) = [0.19661193, 0.10499359, 0.04517666]."""
    x = as_float(x)
    s, cache = F.sigmoid(x)
    return F.sigmoid_backward(np.ones_like(s), cache)


def image2vector(image: Array) -> Array:
    """An image (length, height, depth) as one column (length·height·depth, 1), in C order
    (the notebook's ``image.reshape(a·b·c, 1)``)."""
    image = np.asarray(image)
    if image.ndim != 3:
        raise ValueError(f"image must have shape (length, height, depth), got shape {image.shape}")
    return image.reshape(image.shape[0] * image.shape[1] * image.shape[2], 1)


def normalize_rows(x: Array) -> Array:
    """Each row divided by its Euclidean norm: x / ‖x‖ with ‖x‖ = √(Σ_j x_ij²) of shape (n, 1).

    x: (n, m). normalize_rows([[0, 3, 4], [1, 6, 4]]) = [[0, 0.6, 0.8], [0.13736056, 0.82416338, 0.54944226]].
    """
    x = check_2d("x", as_float(x))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


normalizeRows = normalize_rows  # the name of the notebook's earlier versions


def softmax(x: Array) -> Array:
    """Softmax over each ROW, as the Python-basics notebook has it: x_exp / Σ_j x_exp, for x (n, m)
    (one example per row there; ``nndl.functional.softmax`` works over the columns, and this is
    that function on xᵀ)."""
    x = check_2d("x", as_float(x))
    s, _ = F.softmax(x.T)
    return s.T


def L1(yhat: Array, y: Array) -> float:
    """The L1 loss Σ_i |y⁽ⁱ⁾ − ŷ⁽ⁱ⁾|.  yhat, y: vectors of the same size m. L1([.9, .2, .1, .4, .9], [1, 0, 0, 1, 1]) = 1.1."""
    yhat, y = _same_size(yhat, y)
    return float(np.sum(np.abs(y - yhat)))


def L2(yhat: Array, y: Array) -> float:
    """The L2 loss Σ_i (y⁽ⁱ⁾ − ŷ⁽ⁱ⁾)², computed as a dot product. L2([.9, .2, .1, .4, .9], [1, 0, 0, 1, 1]) = 0.43."""
    yhat, y = _same_size(yhat, y)
    d = np.ravel(y - yhat)
    return float(np.dot(d, d))


def _same_size(yhat, y) -> tuple[Array, Array]:
    yhat, y = as_float(yhat), as_float(y)
    if yhat.shape != y.shape:
        raise ValueError(f"yhat has shape {yhat.shape} but y has shape {y.shape}; expected the same shape")
    return yhat, y


# ---------------------------------------------------------------- logistic regression

def initialize_with_zeros(dim: int, dtype=np.float64) -> tuple[Array, float]:
    """w = 0 of shape (dim, 1) and b = 0.0 (one unit has no symmetry to break)."""
    if int(dim) < 1:
        raise ValueError(f"dim must be a positive number of features, got {dim}")
    return np.zeros((int(dim), 1), dtype=dtype), 0.0


def _forward(w: Array, b, X: Array) -> tuple[Array, tuple]:
    """A = σ(wᵀX + b) (1, m) and the linear cache (X, wᵀ, b)."""
    Z, linear_cache = F.linear_forward(X, w.T, b)
    A, _ = F.sigmoid(Z)
    return A, linear_cache


def propagate(w: Array, b: float, X: Array, Y: Array) -> tuple[dict, float]:
    """Forward and backward pass of logistic regression.

    w: (n_x, 1); b: scalar; X: (n_x, m); Y: (1, m) of 0/1.
    Returns (grads {"dw": (n_x, 1), "db": scalar}, cost J).
    """
    w = check_2d("w", as_float(w), cols=1)
    X, Y = check_XY(as_float(X), Y, n_x=w.shape[0])
    A, linear_cache = _forward(w, b, X)
    cost = F.binary_cross_entropy(A, Y)
    dZ = F.output_delta(A, as_labels(Y, A))
    _, dwT, db = F.linear_backward(dZ, linear_cache, compute_dA_prev=False)
    return {"dw": dwT.T, "db": db[0, 0]}, cost


def optimize(w: Array, b: float, X: Array, Y: Array, num_iterations: int = 100,
             learning_rate: float = 0.009, print_cost: bool = False) -> tuple[dict, dict, list]:
    """Gradient descent on (w, b) for ``num_iterations`` steps: w ← w − α·dw, b ← b − α·db.

    The caller's w is not modified. Records the cost every 100 iterations (printed with
    ``print_cost``). Returns (params {"w", "b"}, the last grads {"dw", "db"}, costs).
    """
    num_iterations = check_iterations(num_iterations)
    w = as_float(np.array(w, copy=True))
    b = np.array(b, dtype=w.dtype)  # a 0-d array, so the update can work in place
    gd = GradientDescent(learning_rate)
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        gd.update({"w": w, "b": b}, {"dw": grads["dw"], "db": np.asarray(grads["db"])})
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print("Cost after iteration %i: %f" % (i, cost))
    return {"w": w, "b": b[()]}, grads, costs


def predict(w: Array, b: float, X: Array) -> Array:
    """Y_prediction = 1 where σ(wᵀX + b) > 0.5, else 0.  X: (n_x, m) → (1, m)."""
    X = check_2d("X", as_float(X))
    w = check_2d("w", as_float(w).reshape(-1, 1), rows=X.shape[0], cols=1)  # the course's w.reshape(n_x, 1)
    A, _ = _forward(w, b, X)
    return (A > 0.5).astype(A.dtype)


def _accuracy(Y_prediction: Array, Y: Array) -> float:
    """The course's 100 − mean|Ŷ − Y|·100, in percent."""
    return float(100 - np.mean(np.abs(Y_prediction - Y)) * 100)


def model(X_train: Array, Y_train: Array, X_test: Array, Y_test: Array, num_iterations: int = 2000,
          learning_rate: float = 0.5, print_cost: bool = False) -> dict:
    """Logistic regression from zeros: optimize on the training set, predict both sets.

    Returns d with "costs", "Y_prediction_test", "Y_prediction_train", "w", "b",
    "learning_rate", "num_iterations". With ``print_cost``, prints the costs and both accuracies.
    """
    X_train, Y_train = check_XY(as_float(X_train), Y_train)
    X_test, Y_test = check_XY(as_float(X_test), Y_test, n_x=X_train.shape[0])
    w, b = initialize_with_zeros(X_train.shape[0], dtype=X_train.dtype)
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    if print_cost:
        print("train accuracy: {} %".format(_accuracy(Y_prediction_train, Y_train)))
        print("test accuracy: {} %".format(_accuracy(Y_prediction_test, Y_test)))
    return {"costs": costs, "Y_prediction_test": Y_prediction_test, "Y_prediction_train": Y_prediction_train,
            "w": w, "b": b, "learning_rate": learning_rate, "num_iterations": num_iterations}
