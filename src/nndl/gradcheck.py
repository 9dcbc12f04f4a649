"""Gradient checking: compare backpropagation with two-sided numerical differences.

    gradapprox[i] = (J(θ + ε·e_i) − J(θ − ε·e_i)) / 2ε
    difference    = ‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂)

A difference below 1e-7 (float64) means backpropagation is right; above 1e-3, it is
almost certainly wrong. ``gradcheck(model, X, Y)`` runs the check on a whole model and
says which parameter is worst; dropout masks are frozen and batch norm runs in training
mode, so the checked function is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

Array = np.ndarray


def relative_difference(grad: Array, gradapprox: Array) -> float:
    """‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂); 0 when both are zero."""
    numerator = np.linalg.norm(np.ravel(grad) - np.ravel(gradapprox))
    denominator = np.linalg.norm(np.ravel(grad)) + np.linalg.norm(np.ravel(gradapprox))
    return float(numerator / denominator) if denominator > 0 else 0.0


def numerical_gradient(J: Callable[[], float], theta: Array, epsilon: float = 1e-7,
                       indices: Array | None = None) -> Array:
    """Two-sided differences of J() with respect to the array ``theta``, perturbed in place:
    gradapprox[i] = (J(θ + ε·e_i) − J(θ − ε·e_i)) / 2ε.

    theta: any shape (a view into the parameters J reads). indices: flat indices to
    check (default all). Returns gradapprox in float64 with theta's shape (unchecked entries 0).
    """
    flat = theta.reshape(-1)
    if not np.shares_memory(flat, theta):
        raise ValueError("theta must be perturbable in place (a contiguous array or view)")
    approx = np.zeros(flat.shape, dtype=np.float64)
    for i in (range(flat.size) if indices is None else indices):
        old = flat[i]
        flat[i] = old + epsilon
        J_plus = J()
        flat[i] = old - epsilon
        J_minus = J()
        flat[i] = old
        approx[i] = (J_plus - J_minus) / (2 * epsilon)
    return approx.reshape(theta.shape)


@dataclass
class GradcheckResult:
    """The outcome of ``gradcheck``: the overall relative difference, the parameter with the
    largest share of it and its layer, each parameter's share, and the verdict."""

    difference: float
    worst_parameter: str
    worst_layer: str
    per_parameter: dict[str, float] = field(default_factory=dict)
    passed: bool = False
    threshold: float = 1e-7

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        rows = "\n".join(f"  {k:<12} {v:.3e}" for k, v in self.per_parameter.items())
        return (f"gradient check {verdict}: relative difference {self.difference:.3e} "
                f"(threshold {self.threshold:g}); worst: {self.worst_parameter} in {self.worst_layer}\n{rows}")


def gradcheck(model, X, Y, epsilon: float = 1e-7, threshold: float = 1e-7, max_checks_per_param: int | None = 200,
              seed: int = 0) -> GradcheckResult:
    """Check a model's backpropagation on (X, Y) numerically.

    The model is copied to float64 so rounding does not hide or fake errors. With
    ``max_checks_per_param`` only that many randomly chosen entries of each parameter are
    perturbed (None: all). Returns the overall relative difference, the worst parameter
    (the largest share ‖grad − gradapprox‖ / (‖grad_all‖ + ‖gradapprox_all‖) of it)
    and its layer, and the difference per parameter.
    """
    from .layers import Dropout
    from .models import Sequential
    model64 = Sequential.from_config({**model.get_config(), "dtype": "float64"})
    X, Yt = model64.prepare(np.asarray(X, dtype=np.float64), Y)
    if model.built:
        model64.set_weights({k: v.astype(np.float64) for k, v in model.get_weights().items()})
    model64.rng = np.random.default_rng(seed)
    for layer in model64.layers:
        if isinstance(layer, Dropout):
            layer.freeze_mask, layer.rng = True, model64.rng
    saved_state = {k: v.copy() for k, v in model64.state.items()}

    def J() -> float:
        for k, v in saved_state.items():
            model64.state[k][...] = v
        A = model64.forward(X, training=True)
        return model64.cost(A, Yt) + model64.regularization_cost(Yt.shape[-1])

    model64.compute_cost_and_grads(X, Yt, training=True)  # draws and freezes dropout masks
    grads = {k: g.copy() for k, g in model64.grads.items()}
    pick = np.random.default_rng(seed)
    owner = _owners(model64)
    all_grad, all_approx = {}, {}
    for name, theta in model64.params.items():
        n = theta.size
        idx = None if max_checks_per_param is None or n <= max_checks_per_param else pick.choice(n, max_checks_per_param, replace=False)
        approx = numerical_gradient(J, theta, epsilon, idx)
        checked = slice(None) if idx is None else idx
        all_grad[name], all_approx[name] = grads["d" + name].reshape(-1)[checked], approx.reshape(-1)[checked]
    G, A = np.concatenate(list(all_grad.values())), np.concatenate(list(all_approx.values()))
    diff = relative_difference(G, A)
    # Each parameter's share of the overall difference, ‖grad − gradapprox‖ / (‖G‖ + ‖A‖): a
    # parameter whose true gradient is 0 (a bias before batch norm) then reads as noise, not 1.
    scale = np.linalg.norm(G) + np.linalg.norm(A)
    per_param = {k: float(np.linalg.norm(all_grad[k] - all_approx[k]) / scale) if scale > 0 else 0.0
                 for k in all_grad}
    worst = max(per_param, key=per_param.get)
    return GradcheckResult(diff, worst, owner.get(worst, "?"), per_param, diff < threshold, threshold)


def _owners(model) -> dict[str, str]:
    """Course name → "layer l = 2 Dense(…)", l as the course numbers layers (the 2 of W2, b2,
    gamma2); a layer's params are the model's views themselves."""
    name_of = {id(view): name for name, view in model.params.items()}
    return {name_of[id(arr)]: f"layer {_course_l(name_of[id(arr)], i)} {layer!r}"
            for i, layer in enumerate(model.layers) for arr in layer.params.values() if id(arr) in name_of}


def _course_l(name: str, index: int) -> str:
    """The course's layer number of a parameter: the digits ending its name ("W2" → "l = 2");
    otherwise the layer's position in the model, counted from 1."""
    digits = name[len(name.rstrip("0123456789")):]
    return f"l = {digits}" if digits else f"#{index + 1}"
