"""Course 2, week 3: hyperparameter tuning, batch normalization, and the week's softmax network.

What the week teaches that NumPy holds (the week's notebook uses TensorFlow for the last part;
here the same network is trained with nndl):

    α = 10^r,  r ~ U[log₁₀ low, log₁₀ high]        (sampling on a log scale: −4·np.random.rand())
    1 − β = 10^r,  r ~ U[log₁₀(1 − high), log₁₀(1 − low)]   (β near 1 is where it matters)
    μ = (1/m) Σ z⁽ⁱ⁾,  σ² = (1/m) Σ (z⁽ⁱ⁾ − μ)²,  z_norm = (z − μ)/√(σ² + ε),  z̃ = γ·z_norm + β
    LINEAR → RELU → LINEAR → RELU → LINEAR → SOFTMAX,  layers [n_x, 25, 12, 6]

``search_space()`` gives the same log-scale ranges to ``nndl.tune`` (Optuna), which samples
α and 1 − β exactly this way. Batch norm is ``nndl.functional.batchnorm_forward/backward``;
the model is ``nndl.mlp`` trained by ``fit`` with Adam.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..models import mlp
from ..tune.space import SearchSpace
from ._common import RNG, as_float, as_rng, check_2d, num_layers

Array = np.ndarray

__all__ = ["sample_learning_rate", "sample_beta", "search_space", "batchnorm_forward", "batchnorm_backward",
           "one_hot_matrix", "forward_propagation", "compute_total_loss", "model"]


# ---------------------------------------------------------------- sampling on a log scale

def sample_learning_rate(low: float = 1e-4, high: float = 1.0, rng: RNG = None, size=None):
    """α = 10^r with r uniform in [log₁₀ low, log₁₀ high]: the lecture's ``r = −4·np.random.rand()``
    for the default range [10⁻⁴, 1], so each decade gets the same share of trials.

    rng None: NumPy's global generator (``np.random.seed`` before applies); an int seed, a
    Generator or a RandomState otherwise. size: None for one float, or a shape.
    """
    if not 0 < low <= high:
        raise ValueError(f"need 0 < low <= high for a log scale, got low={low}, high={high}")
    a, b = np.log10(low), np.log10(high)
    r = b - (b - a) * as_rng(rng).random(size)          # [10⁻⁴, 1]: r = −4·np.random.rand()
    return float(10 ** r) if size is None else 10 ** r


def sample_beta(low: float = 0.9, high: float = 0.999, rng: RNG = None, size=None):
    """β = 1 − 10^r with r uniform in [log₁₀(1 − high), log₁₀(1 − low)] ([−3, −1] by default):
    sampling 1 − β on a log scale, because β = 0.999 vs 0.9995 matters far more than 0.9 vs 0.9005."""
    if not 0 <= low <= high < 1:
        raise ValueError(f"need 0 <= low <= high < 1 for β, got low={low}, high={high}")
    return 1 - sample_learning_rate(1 - high, 1 - low, rng=rng, size=size)


def search_space(**overrides) -> SearchSpace:
    """The lecture's ranges for ``nndl.tune``: α in [10⁻⁴, 1] and β in [0.9, 0.999], both on a log
    scale (1 − β for β); other fields as ``SearchSpace`` (or as given)."""
    return SearchSpace(**{"learning_rate": (1e-4, 1.0), "beta": (0.9, 0.999), **overrides})


# ---------------------------------------------------------------- batch normalization

def batchnorm_forward(Z: Array, gamma: Array, beta: Array, epsilon: float = 1e-8) -> tuple[Array, tuple]:
    """z̃ = γ·(z − μ)/√(σ² + ε) + β with μ, σ² over the m examples of the mini-batch.

    Z: (n[l], m); gamma, beta: (n[l], 1). Returns (Z_tilde (n[l], m), cache for the backward pass).
    """
    Z = check_2d("Z", as_float(Z))
    check_2d("gamma", gamma, rows=Z.shape[0], cols=1)
    check_2d("beta", beta, rows=Z.shape[0], cols=1)
    Z_tilde, cache, _, _ = F.batchnorm_forward(Z, gamma, beta, eps=epsilon)
    return Z_tilde, cache


def batchnorm_backward(dZ_tilde: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """dβ = Σ_i dz̃⁽ⁱ⁾, dγ = Σ_i dz̃⁽ⁱ⁾·z_norm⁽ⁱ⁾, dz = (γ/σ̂)/m·(m·dz̃ − dβ − z_norm·dγ).

    dZ_tilde: (n[l], m), holding the per-example gradient (the cost's 1/m included).
    Returns (dZ, dgamma, dbeta).
    """
    return F.batchnorm_backward(dZ_tilde, cache)


# ---------------------------------------------------------------- the week's softmax network

def one_hot_matrix(label, C: int = 6) -> Array:
    """The one-hot encoding of one label as a vector (C,) (the notebook's
    ``tf.reshape(tf.one_hot(label, C, axis=0), (C,))``; a list [k] of one label works too), or of
    m labels (m,) as columns (C, m)."""
    label = np.asarray(label)
    if label.size == 1:
        k = int(label.reshape(-1)[0])
        if not 0 <= k < C:
            raise ValueError(f"label {k} is out of range for C = {C} classes")
        return np.eye(C, dtype=np.float32)[:, k]
    labels = label.reshape(-1).astype(np.int64)
    if labels.min() < 0 or labels.max() >= C:
        raise ValueError(f"labels must be in 0 … {C - 1}, got {labels.min()} … {labels.max()}")
    return np.eye(C, dtype=np.float32)[:, labels]


def forward_propagation(X: Array, parameters: dict) -> Array:
    """Z3 = W3·relu(W2·relu(W1·X + b1) + b2) + b3: the logits (C, m), no softmax
    (the loss takes logits, as the notebook's ``from_logits=True``)."""
    A = check_2d("X", as_float(X))
    L = num_layers(parameters)
    for l in range(1, L + 1):
        Z, _ = F.linear_forward(A, parameters["W" + str(l)], parameters["b" + str(l)])
        A = Z if l == L else F.relu(Z)[0]
    return A


def compute_total_loss(logits: Array, labels: Array) -> float:
    """Σ over the m examples of the cross-entropy of softmax(logits) against one-hot labels:
    Σ_i [log Σ_k e^{z_k⁽ⁱ⁾} − Σ_k y_k⁽ⁱ⁾·z_k⁽ⁱ⁾]; logits, labels: (C, m). A SUM, as the notebook's
    (the model divides the epoch's total by m)."""
    logits = check_2d("logits", as_float(logits))
    labels = check_2d("labels", labels)
    if labels.shape != logits.shape:
        raise ValueError(f"labels have shape {labels.shape} but logits {logits.shape}; expected both (C, m)")
    return F.categorical_cross_entropy_from_logits(logits, labels.astype(logits.dtype)) * logits.shape[1]


def model(X_train: Array, Y_train: Array, X_test: Array, Y_test: Array, learning_rate: float = 0.0001,
          num_epochs: int = 1500, minibatch_size: int = 32, print_cost: bool = True, hidden=(25, 12),
          seed: int = 1) -> tuple[dict, list, list, list]:
    """The notebook's LINEAR → RELU → LINEAR → RELU → LINEAR → SOFTMAX network, trained with nndl:
    Glorot-normal weights (``nndl.mlp(..., init="xavier", seed=seed)``), Adam at ``learning_rate``,
    mini-batches of ``minibatch_size``.

    X: (n_x, m) float; Y: one-hot (C, m) or labels (m,) / (1, m). Prints the cost every 10
    epochs with ``print_cost``. Returns (parameters (copies, named W1 … b3), costs, train_acc,
    test_acc): the per-epoch mean cost and accuracies, recorded every 10 epochs as the notebook.
    """
    X_train, X_test = as_float(X_train), as_float(X_test)
    C = np.asarray(Y_train).shape[0] if np.ndim(Y_train) == 2 and np.shape(Y_train)[0] > 1 else \
        int(np.max(Y_train)) + 1
    net = mlp([X_train.shape[0], *hidden, C], hidden="relu", output="softmax", init="xavier", seed=seed,
              dtype=X_train.dtype)
    costs, train_acc, test_acc = [], [], []
    for epoch in range(0, int(num_epochs), 10):
        n = min(10, int(num_epochs) - epoch)
        history = net.fit(X_train, Y_train, epochs=n, batch_size=minibatch_size, optimizer="adam",
                          learning_rate=learning_rate, verbose=0)
        costs.append(history["cost"][-1])
        train_acc.append(net.evaluate(X_train, Y_train)["accuracy"])
        test_acc.append(net.evaluate(X_test, Y_test)["accuracy"])
        if print_cost:
            print("Cost after epoch %i: %f" % (epoch + n - 1, costs[-1]))
            print("Train accuracy:", train_acc[-1])
            print("Test_accuracy:", test_acc[-1])
    parameters = {k: np.array(v) for k, v in net.params.items()}
    return parameters, costs, train_acc, test_acc
