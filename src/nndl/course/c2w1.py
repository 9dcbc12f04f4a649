"""Course 2, week 1: initialization, regularization (L2, dropout) and gradient checking.

The assignments' network is LINEAR → RELU → LINEAR → RELU → LINEAR → SIGMOID; the
functions here run it for any depth L (the assignments use L = 3) with the assignments'
flat cache tuples:

    forward_propagation_n:          (Z1, A1, W1, b1, Z2, A2, W2, b2, …, ZL, AL, WL, bL)
    forward_propagation_with_dropout: (Z1, D1, A1, W1, b1, …, Z[L−1], D[L−1], A[L−1], W[L−1], b[L−1],
                                       ZL, AL, WL, bL)

L2:      J = cross-entropy + (λ/2m)·Σ_l ‖W[l]‖²_F,   dW[l] += (λ/m)·W[l]
Dropout: D[l] = (U < keep_prob),  A[l] ← A[l] ⊙ D[l] / keep_prob (hidden layers only),
         and dA[l] ← dA[l] ⊙ D[l] / keep_prob on the way back.
Gradient check: gradapprox_i = (J(θ + ε·e_i) − J(θ − ε·e_i)) / 2ε,
                difference = ‖grad − gradapprox‖ / (‖grad‖ + ‖gradapprox‖).
The equations live in ``nndl.functional`` (linear, relu, sigmoid, cross-entropy,
``l2_cost``/``l2_grad``, ``dropout_forward``/``dropout_backward``) and
``nndl.gradcheck``; this module arranges them as the assignments do.
"""

from __future__ import annotations

import re

import numpy as np

from .. import functional as F
from .. import initializers
from ..gradcheck import numerical_gradient, relative_difference
from ..params import FlatParams
from ._common import (RNG, as_float, as_labels, as_rng, binary_cost, check_2d, check_iterations, check_layer_dims,
                      check_XY, deep_parameters, gradient_descent_copy, layer_parameters, num_layers)

Array = np.ndarray


# ---------------------------------------------------------------- initialization

def _initialize(layers_dims, init, rng, scale=None, dtype=np.float64) -> dict:
    """W[l] = init(…) (n[l], n[l−1]) and b[l] = 0 (n[l], 1) for layers_dims = [n[0], …, n[L]]."""
    dims = check_layer_dims("layers_dims", layers_dims)

    def draw_W(shape, fan_in, fan_out):
        return init(shape, fan_in, fan_out, rng, dtype=dtype, scale=scale)
    return layer_parameters(dims, draw_W, dtype)


def initialize_parameters_zeros(layers_dims, dtype=np.float64) -> dict:
    """W[l] = 0, b[l] = 0: every unit of a layer stays identical (the symmetry problem)."""
    return _initialize(layers_dims, initializers.zeros, None, dtype=dtype)


def initialize_parameters_random(layers_dims, rng: RNG = None, dtype=np.float64) -> dict:
    """W[l] = N(0, 1)·10 (too large on purpose: the sigmoid saturates), b[l] = 0.

    rng None: ``np.random.seed(3)`` and NumPy's global generator, as the notebook's function;
    an int seed, a Generator or a RandomState otherwise.
    """
    return _initialize(layers_dims, initializers.random, as_rng(rng, 3), scale=10.0, dtype=dtype)


def initialize_parameters_he(layers_dims, rng: RNG = None, dtype=np.float64) -> dict:
    """W[l] = N(0, 1)·√(2 / n[l−1]) (He et al., for ReLU), b[l] = 0.

    rng None: ``np.random.seed(3)`` and NumPy's global generator, as the notebook's function;
    an int seed, a Generator or a RandomState otherwise.
    """
    return _initialize(layers_dims, initializers.he, as_rng(rng, 3), dtype=dtype)


# ---------------------------------------------------------------- the L-layer network and its cost

def _layers(parameters: dict) -> list[tuple[Array, Array]]:
    """[(W1, b1), …, (WL, bL)] from the parameters dict."""
    return [(parameters["W" + str(l)], parameters["b" + str(l)]) for l in range(1, num_layers(parameters) + 1)]


def _n_x(layers: list[tuple[Array, Array]]) -> int | None:
    """The input size n[0] = columns of W1 (None without layers: nothing to check X against)."""
    return np.shape(layers[0][0])[1] if layers else None


def compute_cost(A3: Array, Y: Array) -> float:
    """J = −(1/m) Σ [Y·log A3 + (1 − Y)·log(1 − A3)].  A3, Y: (1, m)."""
    return binary_cost("A3", A3, Y)


def forward(X: Array, parameters: dict) -> tuple[Array, tuple]:
    """[LINEAR → RELU] × (L − 1) → LINEAR → SIGMOID (the notebooks' ``forward_propagation``).

    X: (n_x, m). Returns (AL (1, m), cache=(Z1, A1, W1, b1, …, ZL, AL, WL, bL)).
    """
    layers = _layers(parameters)
    A = check_2d("X", as_float(X), rows=_n_x(layers))
    cache = []
    for l, (W, b) in enumerate(layers, start=1):
        Z, _ = F.linear_forward(A, W, b)
        A, _ = F.sigmoid(Z) if l == len(layers) else F.relu(Z)
        cache += [Z, A, W, b]
    return A, tuple(cache)


def forward_propagation_n(X: Array, Y: Array, parameters: dict) -> tuple[float, tuple]:
    """[LINEAR → RELU] × (L − 1) → LINEAR → SIGMOID, and its cost.

    X: (n_x, m); Y: (1, m), or rank 1 as the notebook's test gives it (``np.array([1, 1, 0])``).
    Returns (cost, cache=(Z1, A1, W1, b1, …, ZL, AL, WL, bL)).
    """
    layers = _layers(parameters)
    X, Y = check_XY(as_float(X), Y, n_x=_n_x(layers))
    AL, cache = forward(X, parameters)
    return compute_cost(AL, Y), cache


def forward_propagation_with_dropout(X: Array, parameters: dict, keep_prob: float = 0.5, rng: RNG = None,
                                     masks: list | None = None) -> tuple[Array, tuple]:
    """The forward pass with inverted dropout on every hidden layer's activations.

    D[l] = (U < keep_prob) with U drawn uniform in [0, 1) of A[l]'s shape, layer by layer, as
    the notebook's ``np.random.rand``: rng None means ``np.random.seed(1)`` inside and the global
    generator, exactly as the notebook's function; an int seed, a Generator or a RandomState
    otherwise; ``masks`` gives [D1, …, D[L−1]] (0/1 arrays of A[l]'s shape) instead.
    Returns (AL (A3 for the assignment's network), cache=(Z1, D1, A1, W1, b1, …, ZL, AL, WL,
    bL)); A[l] in the cache is the dropped-out one.
    """
    layers = _layers(parameters)
    X = check_2d("X", as_float(X), rows=_n_x(layers))
    if masks is not None and len(masks) != len(layers) - 1:
        raise ValueError(f"masks must hold {len(layers) - 1} arrays (one per hidden layer), got {len(masks)}")
    if masks is None:
        rng = as_rng(rng, 1)
    A, cache = X, []
    for l, (W, b) in enumerate(layers, start=1):
        Z, _ = F.linear_forward(A, W, b)
        if l == len(layers):
            A, _ = F.sigmoid(Z)
            cache += [Z, A, W, b]
        else:
            A, _ = F.relu(Z)
            D = rng.random(A.shape) < keep_prob if masks is None else masks[l - 1]
            A, D = F.dropout_forward(A, keep_prob, D=D)
            cache += [Z, D, A, W, b]
    return A, tuple(cache)


def _unpack(cache: tuple, dropout: bool) -> list[dict]:
    """The flat cache tuple as one dict per layer (Z, [D,] A, W, b), its shapes checked."""
    hidden = ("Z", "D", "A", "W", "b") if dropout else ("Z", "A", "W", "b")
    n_hidden, rest = divmod(len(cache) - 4, len(hidden))
    expected = "5·(L − 1) + 4" if dropout else "4·L"
    if rest or n_hidden < 0:
        raise ValueError(f"cache has {len(cache)} entries, expected {expected} "
                         "(the tuple returned by the matching forward function)")
    layers = [dict(zip(hidden, cache[i * len(hidden):(i + 1) * len(hidden)])) for i in range(n_hidden)]
    layers.append(dict(zip(("Z", "A", "W", "b"), cache[-4:])))
    for l, layer in enumerate(layers, start=1):
        shapes = {k: np.shape(v) for k, v in layer.items()}
        n = shapes["W"][:1]
        if shapes["A"] != shapes["Z"] or shapes.get("D", shapes["A"]) != shapes["A"] or shapes["Z"][:1] != n:
            raise ValueError(f"cache entries of layer {l} do not fit together ({shapes}); expected the tuple "
                             f"of {'forward_propagation_with_dropout' if dropout else 'forward_propagation_n'}")
    return layers


def _backward(X: Array, Y: Array, cache: tuple, lambd: float = 0.0, keep_prob: float | None = None) -> dict:
    """dZ[L] = AL − Y; then for l = L … 1: dW[l], db[l], dA[l−1] = linear_backward (+ λ/m·W[l]),
    dA[l−1] through dropout's mask, dZ[l−1] = relu_backward. Returns the course's gradient dict."""
    X, Y = check_XY(as_float(X), Y)
    layers = _unpack(cache, dropout=keep_prob is not None)
    m = X.shape[1]
    L = len(layers)
    gradients = {}
    AL = layers[-1]["A"]
    dZ = F.output_delta(AL, as_labels(Y, AL))
    for l in range(L, 0, -1):
        layer = layers[l - 1]
        A_prev = X if l == 1 else layers[l - 2]["A"]
        dA_prev, dW, db = F.linear_backward(dZ, (A_prev, layer["W"], layer["b"]), compute_dA_prev=l > 1)
        if lambd:
            dW += F.l2_grad(layer["W"], lambd, m)
        gradients.update({"dZ" + str(l): dZ, "dW" + str(l): dW, "db" + str(l): db})
        if l > 1:
            if keep_prob is not None:
                dA_prev = F.dropout_backward(dA_prev, layers[l - 2]["D"], keep_prob)
            gradients["dA" + str(l - 1)] = dA_prev
            dZ = F.relu_backward(dA_prev, A_prev)
    return gradients


def backward_propagation_n(X: Array, Y: Array, cache: tuple) -> dict:
    """Backpropagation for forward_propagation_n's cache.

    Returns {"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"} (L = 3).
    """
    return _backward(X, Y, cache)


# ---------------------------------------------------------------- L2 regularization

def compute_cost_with_regularization(A3: Array, Y: Array, parameters: dict, lambd: float) -> float:
    """J = −(1/m) Σ [Y·log A3 + (1 − Y)·log(1 − A3)] + (λ/2m)·Σ_l ‖W[l]‖²_F."""
    m = np.shape(Y)[-1]
    weights = [W for W, _ in _layers(parameters)]
    return compute_cost(A3, Y) + F.l2_cost(weights, lambd, m)


def backward_propagation_with_regularization(X: Array, Y: Array, cache: tuple, lambd: float) -> dict:
    """Backpropagation of the L2-regularized cost: each dW[l] gains (λ/m)·W[l].

    cache: (Z1, A1, W1, b1, …, ZL, AL, WL, bL) from forward_propagation_n.
    Returns the gradients dict as backward_propagation_n.
    """
    return _backward(X, Y, cache, lambd=lambd)


# ---------------------------------------------------------------- dropout

def backward_propagation_with_dropout(X: Array, Y: Array, cache: tuple, keep_prob: float) -> dict:
    """Backpropagation with the forward pass's masks: dA[l] ← dA[l] ⊙ D[l] / keep_prob.

    cache: from forward_propagation_with_dropout. Returns the gradients dict as
    backward_propagation_n.
    """
    return _backward(X, Y, cache, keep_prob=keep_prob)


# ---------------------------------------------------------------- gradient checking

def forward_propagation(x: float, theta: float) -> float:
    """The 1-D example: J(θ) = θ·x."""
    return theta * x


def backward_propagation(x: float, theta: float) -> float:
    """dJ/dθ = x."""
    return x


def gradient_check(x: float, theta: float, epsilon: float = 1e-7, print_msg: bool = False) -> float:
    """Compare dJ/dθ with (J(θ + ε) − J(θ − ε)) / 2ε for J = θ·x. Returns the relative difference;
    with ``print_msg``, says whether it is below 2e-7 (the assignment's bar)."""
    theta_array = np.array([theta], dtype=np.float64)
    gradapprox = numerical_gradient(lambda: forward_propagation(x, theta_array[0]), theta_array, epsilon)
    grad = backward_propagation(x, theta)
    difference = relative_difference(np.array([grad], dtype=np.float64), gradapprox)
    if print_msg:
        _report(difference)
    return difference


def _report(difference: float) -> None:
    """The assignment's verdict, with its bar of 2e-7."""
    if difference > 2e-7:
        print("\033[93m" + "There is a mistake in the backward propagation! difference = "
              + str(difference) + "\033[0m")
    else:
        print("\033[92m" + "Your backward propagation works perfectly fine! difference = "
              + str(difference) + "\033[0m")


def _parameter_keys(d: dict, prefix: str = "") -> list[str]:
    """W1, b1, W2, b2, … (with the prefix, e.g. "d"), in layer order, as present in d."""
    pattern = re.compile(re.escape(prefix) + r"([Wb])(\d+)$")
    found = [(int(mt.group(2)), mt.group(1) == "b", k) for k in d if (mt := pattern.match(k))]
    if not found:
        raise KeyError(f"no {prefix}W1, {prefix}b1, … keys in {list(d)}")
    return [k for *_, k in sorted(found)]


def dictionary_to_vector(parameters: dict) -> tuple[Array, list[str]]:
    """Stack W1, b1, W2, b2, … into one column θ (n, 1).

    Returns (theta, keys), keys naming the parameter of each entry of θ.
    """
    names = _parameter_keys(parameters)
    theta = np.concatenate([np.reshape(parameters[k], (-1, 1)) for k in names], axis=0)
    keys = [k for k in names for _ in range(np.size(parameters[k]))]
    return theta, keys


def gradients_to_vector(gradients: dict) -> Array:
    """Stack dW1, db1, dW2, db2, … into one column (n, 1), as dictionary_to_vector stacks θ
    (the other entries of a gradients dict, dZ and dA, are left out)."""
    names = _parameter_keys(gradients, prefix="d")
    return np.concatenate([np.reshape(gradients[k], (-1, 1)) for k in names], axis=0)


def vector_to_dictionary(theta: Array, layer_dims=(4, 5, 3, 1)) -> dict:
    """θ (n, 1) back to {"W1", "b1", …}: views into θ.

    layer_dims: [n[0], …, n[L]] (default: the assignment's 4-5-3-1 network) or a dict
    name → shape such as {k: v.shape for k, v in parameters.items()}.
    """
    if isinstance(layer_dims, dict):
        shapes = [(k, tuple(layer_dims[k])) for k in _parameter_keys(layer_dims)]
    else:
        dims = [int(n) for n in layer_dims]
        shapes = [s for l in range(1, len(dims)) for s in (("W" + str(l), (dims[l], dims[l - 1])),
                                                           ("b" + str(l), (dims[l], 1)))]
    flat = np.reshape(theta, -1)
    n = sum(int(np.prod(s)) for _, s in shapes)
    if flat.size != n:
        raise ValueError(f"theta has {flat.size} entries, but the layer shapes need {n}")
    return dict(FlatParams(shapes, vector=flat))


def gradient_check_n(parameters: dict, gradients: dict, X: Array, Y: Array, epsilon: float = 1e-7,
                     print_msg: bool = False) -> float:
    """Check backpropagation's gradients of forward_propagation_n's cost, in float64.

    Every entry θ_i of dictionary_to_vector(parameters) is nudged by ±ε. Returns the
    difference; with ``print_msg``, says whether it is below 2e-7 (the assignment's bar).
    """
    theta, _ = dictionary_to_vector(parameters)
    theta = theta.astype(np.float64)
    shapes = {k: np.shape(v) for k, v in parameters.items()}
    X = np.asarray(X, dtype=np.float64)
    grad = gradients_to_vector(gradients)
    if grad.shape != theta.shape:
        raise ValueError(f"gradients hold {grad.shape[0]} entries but parameters hold {theta.shape[0]}")
    gradapprox = numerical_gradient(lambda: forward_propagation_n(X, Y, vector_to_dictionary(theta, shapes))[0],
                                    theta, epsilon)
    difference = relative_difference(grad, gradapprox)
    if print_msg:
        _report(difference)
    return difference


# ---------------------------------------------------------------- the notebooks' models

def _record(costs: list, i: int, cost: float, print_cost: bool, print_every: int, keep_every: int) -> None:
    """Print the cost every ``print_every`` iterations and keep it every ``keep_every`` (with print_cost)."""
    if print_cost and i % print_every == 0:
        print("Cost after iteration {}: {}".format(i, cost))
    if print_cost and i % keep_every == 0:
        costs.append(cost)


def model_initialization(X: Array, Y: Array, learning_rate: float = 0.01, num_iterations: int = 15000,
                         print_cost: bool = True, initialization: str = "he") -> dict:
    """The initialization notebook's ``model``: LINEAR → RELU → LINEAR → RELU → LINEAR → SIGMOID
    with layers [n_x, 10, 5, 1], initialized by ``initialize_parameters_`` + ``initialization``
    ("zeros", "random" or "he", seed 3 inside as the notebook), trained by batch gradient descent.

    X: (n_x, m); Y: (1, m). Prints the cost every 1000 iterations with ``print_cost``.
    Returns the learned parameters.
    """
    inits = {"zeros": initialize_parameters_zeros, "random": initialize_parameters_random,
             "he": initialize_parameters_he}
    if initialization not in inits:
        raise ValueError(f"initialization must be one of {list(inits)}, got {initialization!r}")
    X, Y = check_XY(as_float(X), Y)
    parameters = inits[initialization]([X.shape[0], 10, 5, 1], dtype=X.dtype)
    costs = []
    for i in range(check_iterations(num_iterations)):
        a3, cache = forward(X, parameters)
        cost = compute_cost(a3, Y)
        grads = backward_propagation_n(X, Y, cache)
        parameters = gradient_descent_copy(parameters, grads, learning_rate)
        _record(costs, i, cost, print_cost, 1000, 1000)
    return parameters


def initialize_parameters(layer_dims, rng: RNG = None, dtype=np.float64) -> dict:
    """``reg_utils.initialize_parameters``: W[l] = N(0, 1)/√n[l−1], b[l] = 0, for
    layer_dims = [n[0], …, n[L]]; rng None: ``np.random.seed(3)`` and the global generator."""
    return deep_parameters(layer_dims, "xavier", as_rng(rng, 3), dtype)


def model(X: Array, Y: Array, learning_rate: float = 0.3, num_iterations: int = 30000, print_cost: bool = True,
          lambd: float = 0, keep_prob: float = 1) -> dict:
    """The regularization notebook's ``model``: layers [n_x, 20, 3, 1], ``initialize_parameters``
    (seed 3), batch gradient descent with L2 (``lambd`` > 0) or dropout (``keep_prob`` < 1) —
    one at a time, as the notebook asserts.

    Prints the cost every 10000 iterations with ``print_cost``. Returns the learned parameters.
    """
    if lambd and keep_prob < 1:
        raise ValueError("the notebook's model uses L2 (lambd) or dropout (keep_prob < 1), one at a time")
    X, Y = check_XY(as_float(X), Y)
    parameters = initialize_parameters([X.shape[0], 20, 3, 1], dtype=X.dtype)
    costs = []
    for i in range(check_iterations(num_iterations)):
        if keep_prob == 1:
            a3, cache = forward(X, parameters)
        else:
            a3, cache = forward_propagation_with_dropout(X, parameters, keep_prob)
        cost = compute_cost(a3, Y) if lambd == 0 else compute_cost_with_regularization(a3, Y, parameters, lambd)
        if lambd == 0 and keep_prob == 1:
            grads = backward_propagation_n(X, Y, cache)
        elif lambd != 0:
            grads = backward_propagation_with_regularization(X, Y, cache, lambd)
        else:
            grads = backward_propagation_with_dropout(X, Y, cache, keep_prob)
        parameters = gradient_descent_copy(parameters, grads, learning_rate)
        _record(costs, i, cost, print_cost, 10000, 1000)
    return parameters
