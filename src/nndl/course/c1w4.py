"""Course 1, week 4: the deep network, step by step, and its application.

    forward:  Z[l] = W[l]·A[l−1] + b[l];  A[l] = relu(Z[l]) for l < L,  A[L] = σ(Z[L])
    cost:     J = −(1/m) Σ [Y·log A[L] + (1 − Y)·log(1 − A[L])]
    backward: dA[L] = −(Y/A[L] − (1 − Y)/(1 − A[L])),  dZ[l] = dA[l] ⊙ g'(Z[l]),
              dW[l] = (1/m)·dZ[l]·A[l−1]ᵀ,  db[l] = (1/m)·Σ dZ[l],  dA[l−1] = W[l]ᵀ·dZ[l]
    update:   W[l] ← W[l] − α·dW[l],  b[l] ← b[l] − α·db[l]

The caches are the course's: ``linear_forward`` returns (A_prev, W, b); the activation
cache is Z, so ``linear_activation_forward`` returns (linear_cache, Z). The activations
of ``nndl.functional`` compute their derivative from the cached output g(Z), so the
backward pass here re-applies g to the cached Z and hands that to them.
Gradients follow the course's keys: ``grads["dA" + str(l)]`` is the gradient of layer
l+1's input A[l] (``dA0`` is the gradient of X), next to ``dW{l}`` and ``db{l}``.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..functional.activations import get_activation
from ._common import (RNG, as_float, as_labels, as_rng, binary_cost, check_2d, check_iterations, check_linear,
                      check_XY, deep_parameters, gradient_descent_copy, num_layers, small_random_parameters)

Array = np.ndarray


# ---------------------------------------------------------------- activations with cache = Z

def sigmoid(Z: Array) -> tuple[Array, Array]:
    """A = σ(Z). Returns (A, cache=Z), as the assignment's helper."""
    A, _ = F.sigmoid(Z)
    return A, Z


def relu(Z: Array) -> tuple[Array, Array]:
    """A = max(0, Z). Returns (A, cache=Z)."""
    A, _ = F.relu(Z)
    return A, Z


def _activation_backward(dA: Array, Z: Array, activation: str) -> Array:
    """dZ = dA ⊙ g'(Z) through the registered backward, which reads g's own cache."""
    forward, backward = get_activation(activation)
    _, activation_cache = forward(Z)
    return backward(dA, activation_cache)


def sigmoid_backward(dA: Array, cache: Array) -> Array:
    """dZ = dA ⊙ σ(Z)(1 − σ(Z)), cache = Z."""
    return _activation_backward(dA, cache, "sigmoid")


def relu_backward(dA: Array, cache: Array) -> Array:
    """dZ = dA ⊙ 1[Z > 0], cache = Z."""
    return _activation_backward(dA, cache, "relu")


# ---------------------------------------------------------------- initialization

def initialize_parameters(n_x: int, n_h: int, n_y: int, rng: RNG = None, dtype=np.float64) -> dict:
    """The 2-layer network: W1 = N(0, 1)·0.01 (n_h, n_x), b1 = 0, W2 = N(0, 1)·0.01 (n_y, n_h), b2 = 0.

    rng None: ``np.random.seed(1)`` and NumPy's global generator, as the step-by-step notebook's
    function does (W1[0, 0] = 0.01624345 for (3, 2, 1)); an int seed, a Generator or a RandomState
    otherwise. The application notebook's version is ``dnn_app_utils.initialize_parameters``.
    """
    return small_random_parameters(n_x, n_h, n_y, as_rng(rng, 1), dtype)


def initialize_parameters_deep(layer_dims, rng: RNG = None, init: str = "random", dtype=np.float64) -> dict:
    """W[l] = N(0, 1)·0.01 (n[l], n[l−1]) and b[l] = 0 (n[l], 1) for l = 1 … L, layer_dims = [n[0], …, n[L]].

    The step-by-step notebook's version: rng None means ``np.random.seed(3)`` inside and the
    global generator (W1[0, 0] = 0.01788628 for [5, 4, 3]); an int seed, a Generator or a
    RandomState otherwise. ``init`` names another initializer of ``nndl.initializers``
    ("xavier": N(0, 1)/√n[l−1]). The application notebook's version (N(0, 1)/√n[l−1], seed 1),
    which ``L_layer_model`` uses, is ``dnn_app_utils.initialize_parameters_deep``.
    """
    return deep_parameters(layer_dims, init, as_rng(rng, 3), dtype)


# ---------------------------------------------------------------- forward

def linear_forward(A: Array, W: Array, b: Array) -> tuple[Array, tuple]:
    """Z = W·A + b.  A (n[l−1], m), W (n[l], n[l−1]), b (n[l], 1) → (Z (n[l], m), cache=(A, W, b))."""
    check_linear(A, W, b)
    return F.linear_forward(A, W, b)


def linear_activation_forward(A_prev: Array, W: Array, b: Array, activation: str) -> tuple[Array, tuple]:
    """A = g(W·A_prev + b), g = "sigmoid" or "relu" (or any registered activation).

    Returns (A (n[l], m), cache=(linear_cache=(A_prev, W, b), activation_cache=Z)).
    """
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, _ = get_activation(activation)[0](Z)
    return A, (linear_cache, Z)


def L_model_forward(X: Array, parameters: dict) -> tuple[Array, list]:
    """[LINEAR → RELU] × (L − 1) → LINEAR → SIGMOID.

    X: (n_x, m). Returns (AL (1, m), caches: the L caches of linear_activation_forward).
    """
    A = check_2d("X", as_float(X))
    L = num_layers(parameters)
    caches = []
    for l in range(1, L + 1):
        activation = "relu" if l < L else "sigmoid"
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], activation)
        caches.append(cache)
    return A, caches


def compute_cost(AL: Array, Y: Array) -> float:
    """J = −(1/m) Σ [Y·log AL + (1 − Y)·log(1 − AL)].  AL, Y: (1, m)."""
    return binary_cost("AL", AL, Y)


# ---------------------------------------------------------------- backward

def linear_backward(dZ: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """dW = (1/m)·dZ·A_prevᵀ, db = (1/m)·Σ dZ, dA_prev = Wᵀ·dZ.

    dZ: (n[l], m); cache: (A_prev, W, b). Returns (dA_prev, dW, db).
    """
    A_prev, W, b = cache
    check_2d("dZ", dZ, rows=W.shape[0], cols=A_prev.shape[1])
    return F.linear_backward(dZ, cache)


def linear_activation_backward(dA: Array, cache: tuple, activation: str) -> tuple[Array, Array, Array]:
    """dZ = dA ⊙ g'(Z), then linear_backward.  cache: (linear_cache, Z). Returns (dA_prev, dW, db)."""
    linear_cache, Z = cache
    dZ = _activation_backward(dA, Z, activation)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL: Array, Y: Array, caches: list) -> dict:
    """Backpropagation through [LINEAR → RELU] × (L − 1) → LINEAR → SIGMOID.

    Starts from dAL = −(Y/AL − (1 − Y)/(1 − AL)) for AL as given (no clipping, as the course;
    a saturated AL of exactly 0 or 1 gives an infinite dAL there). Y: (1, m), or rank 1.
    Returns grads with "dA{l−1}", "dW{l}", "db{l}" for l = L … 1 ("dA{l−1}" is the gradient
    of layer l's input).
    """
    AL = as_float(AL)
    Y = as_labels(Y, AL)
    if Y.size != AL.size:
        raise ValueError(f"Y has shape {Y.shape}, expected {AL.shape} to match AL (one label per example)")
    Y = Y.reshape(AL.shape)
    L = len(caches)
    grads = {}
    dA = F.binary_cross_entropy_backward(AL, Y, clip=False)
    for l in range(L, 0, -1):
        activation = "sigmoid" if l == L else "relu"
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_activation_backward(dA, caches[l - 1], activation)
        grads["dA" + str(l - 1)] = dA
    return grads


def update_parameters(params: dict, grads: dict, learning_rate: float) -> dict:
    """W[l] ← W[l] − α·dW[l], b[l] ← b[l] − α·db[l]. Returns a new dict (params is not modified)."""
    return gradient_descent_copy(params, grads, learning_rate)


# ---------------------------------------------------------------- models

def _record(costs: list, i: int, num_iterations: int, cost: float, print_cost: bool) -> None:
    """The assignment's bookkeeping: keep the cost every 100 iterations, print it then and at the end.
    A non-finite cost stops training with a FloatingPointError instead of returning NaN weights."""
    if not np.isfinite(cost):
        raise FloatingPointError(
            f"the cost became {cost} at iteration {i}: the unclipped dAL = −(Y/AL − (1 − Y)/(1 − AL)) is "
            "infinite once a sigmoid output saturates to exactly 0 or 1 (easily reached in float32); "
            "train in float64 (X.astype(np.float64)) or with a smaller learning_rate")
    if print_cost and (i % 100 == 0 or i == num_iterations - 1):
        print("Cost after iteration {}: {}".format(i, cost))
    if i % 100 == 0:
        costs.append(cost)


def two_layer_model(X: Array, Y: Array, layers_dims, learning_rate: float = 0.0075, num_iterations: int = 3000,
                    print_cost: bool = False, rng: RNG = None) -> tuple[dict, list]:
    """LINEAR → RELU → LINEAR → SIGMOID trained by batch gradient descent.

    layers_dims: (n_x, n_h, n_y). The weights start as the application notebook's
    ``initialize_parameters`` (N(0, 1)·0.01, rng None: ``np.random.seed(1)``).
    Returns (parameters, costs recorded every 100 iterations).
    """
    X, Y = check_XY(as_float(X), Y)
    num_iterations = check_iterations(num_iterations)
    n_x, n_h, n_y = layers_dims
    parameters = initialize_parameters(n_x, n_h, n_y, rng=rng, dtype=X.dtype)
    costs = []
    for i in range(num_iterations):
        W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
        A1, cache1 = linear_activation_forward(X, W1, b1, "relu")
        A2, cache2 = linear_activation_forward(A1, W2, b2, "sigmoid")
        cost = compute_cost(A2, Y)
        dA2 = F.binary_cross_entropy_backward(A2, as_labels(Y, A2), clip=False)
        dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
        dA0, dW1, db1 = linear_activation_backward(dA1, cache1, "relu")
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        parameters = update_parameters(parameters, grads, learning_rate)
        _record(costs, i, num_iterations, cost, print_cost)
    return parameters, costs


def L_layer_model(X: Array, Y: Array, layers_dims, learning_rate: float = 0.0075, num_iterations: int = 3000,
                  print_cost: bool = False, rng: RNG = None) -> tuple[dict, list]:
    """[LINEAR → RELU] × (L − 1) → LINEAR → SIGMOID trained by batch gradient descent.

    layers_dims: [n_x, n[1], …, n_y]; weights start as N(0, 1)/√n[l−1]
    (the application notebook's ``dnn_app_utils.initialize_parameters_deep``, rng None:
    ``np.random.seed(1)``). Returns (parameters, costs recorded every 100 iterations).
    """
    X, Y = check_XY(as_float(X), Y)
    num_iterations = check_iterations(num_iterations)
    parameters = deep_parameters(layers_dims, "xavier", as_rng(rng, 1), X.dtype)
    costs = []
    for i in range(num_iterations):
        AL, caches = L_model_forward(X, parameters)
        cost = compute_cost(AL, Y)
        grads = L_model_backward(AL, Y, caches)
        parameters = update_parameters(parameters, grads, learning_rate)
        _record(costs, i, num_iterations, cost, print_cost)
    return parameters, costs


def predict(X: Array, y: Array, parameters: dict) -> Array:
    """p = 1 where AL > 0.5, else 0 ((1, m), AL's dtype); prints the accuracy against y."""
    X, y = check_XY(as_float(X), y)
    probas, _ = L_model_forward(X, parameters)
    p = (probas > 0.5).astype(probas.dtype)
    print("Accuracy: " + str(np.sum((p == y) / X.shape[1])))
    return p
