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

from .limits import check_hyperparameter

Array = np.ndarray


def relative_difference(grad: Array, gradapprox: Array) -> float:
    """‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂); 0 when both are zero, NaN when
    either holds NaN/Inf (a check that cannot pass)."""
    numerator = np.linalg.norm(np.ravel(grad) - np.ravel(gradapprox))
    denominator = np.linalg.norm(np.ravel(grad)) + np.linalg.norm(np.ravel(gradapprox))
    if not (np.isfinite(numerator) and np.isfinite(denominator)):
        return float("nan")
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
              seed: int = 0, mask=None) -> GradcheckResult:
    """Check a model's backpropagation on (X, Y) numerically (any ``Model``: X a tuple for a
    model of several inputs; ``mask`` as in ``fit``).

    The model is copied to float64 so rounding does not hide or fake errors. With
    ``max_checks_per_param`` only that many randomly chosen entries of each parameter are
    perturbed (None: all). Every parameter is checked, sub-layers' and frozen ones included.
    Returns the overall relative difference, the worst parameter (the largest share
    ‖grad − gradapprox‖ / (‖grad_all‖ + ‖gradapprox_all‖) of it) and its layer, and the
    difference per parameter.
    """
    from .layers import Dropout
    check_gradcheck_options(epsilon, threshold)
    model64 = type(model).from_config({**model.get_config(), "dtype": "float64"})
    if model.built and not model64.built:
        model64.build(*model.input_shapes)
    X, Yt, *rest = model64.prepare(X, Y, mask)
    mask = rest[0] if rest else None
    # float inputs in float64; integer inputs (token ids) stay integers
    X = model64._unpack(tuple(A if kind == "int" else np.asarray(A, dtype=np.float64)
                              for A, kind in zip(model64._as_inputs(X), model64.input_kinds)))
    check_gradcheck_work(model64.n_params, Yt.shape[model64.output_batch_axis], max_checks_per_param,
                         [p.size for p in model64.params.values()])
    if model.built:
        model64.set_weights({k: v.astype(np.float64) for k, v in model.get_weights().items()})
    model64.rng = np.random.default_rng(seed)
    for layer in model64.all_layers():
        if isinstance(layer, Dropout):
            layer.freeze_mask, layer.rng = True, model64.rng
    saved_state = {k: v.copy() for k, v in model64.state.items()}
    m = Yt.shape[model64.output_batch_axis]

    def J() -> float:
        for k, v in saved_state.items():
            model64.state[k][...] = v
        model64._begin_pass()
        A = model64.forward(X, training=True)
        return model64.cost(A, Yt, m, mask) + model64.regularization_cost(m)

    model64.compute_cost_and_grads(X, Yt, training=True, mask=mask)  # draws and freezes dropout masks
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
    worst = next((k for k, v in per_param.items() if not np.isfinite(v)), None) or max(per_param, key=per_param.get)
    return GradcheckResult(diff, worst, owner.get(worst, "?"), per_param, diff < threshold, threshold)


# Float64 multiply-adds a gradient check may cost before it is refused (about a minute).
MAX_WORK = 3e10


def check_gradcheck_options(epsilon: float, threshold: float = 1e-7) -> None:
    """ValueError unless ε and the pass threshold are finite positive numbers."""
    check_hyperparameter("epsilon", epsilon, low=0, low_open=True)
    check_hyperparameter("threshold", threshold, low=0, low_open=True)


def check_gradcheck_work(n_params: int, m: int, max_checks_per_param: int | None, sizes) -> None:
    """ValueError when checking a model of ``n_params`` parameters (per-parameter ``sizes``)
    on m examples would take far too long: each perturbed entry costs two forward passes of
    about n_params·m multiply-adds."""
    checks = sum(n if max_checks_per_param is None else min(n, max_checks_per_param) for n in sizes)
    work = 2.0 * checks * n_params * max(int(m), 1)
    if work > MAX_WORK:
        raise ValueError(f"a gradient check of {n_params:,} parameters on {m} examples needs about {work:.1e} "
                         f"multiply-adds ({2 * checks:,} forward passes), too many to finish in minutes; "
                         "check a smaller network of the same kind (fewer units per layer)")


def _owners(model) -> dict[str, str]:
    """Parameter name → "layer l = 2 Dense(…)", l as the course numbers layers (the 2 of W2, b2,
    gamma2); a sub-layer's parameters name their owner."""
    index = {id(layer): i for i, layer in enumerate(getattr(model, "layers", []))}
    out = {}
    for name, layer, _ in model._owners:
        where = f"layer {_course_l(name, index[id(layer)])}" if id(layer) in index else "sub-layer"
        out[name] = f"{where} {layer!r}"
    return out


def _course_l(name: str, index: int) -> str:
    """The course's layer number of a parameter: the digits ending its name ("W2" → "l = 2");
    otherwise the layer's position in the model, counted from 1."""
    digits = name[len(name.rstrip("0123456789")):]
    return f"l = {digits}" if digits else f"#{index + 1}"
