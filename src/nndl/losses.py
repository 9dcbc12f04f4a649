"""Loss objects: one per loss, owning its cost, gradient, fused output delta, target
conversion and decision rule. The math is ``nndl.functional.losses``; this is its policy.

For outputs A (and targets Y of the same shape) with m examples:

    cost      J = (1/m) Σ_unmasked L(A, Y)       (sequences: summed over the time steps too)
    gradient  dA = m·∂J/∂A                        (per example, the course's dAL)
    delta     dZ = (A − Y)·mask                   (fused, from the logits of the output layer)

m is passed explicitly: for sequences (C, m, T_y) it is not ``Y.shape[-1]``. ``mask`` (0/1)
broadcasts against Y's entries: ``(m, T_y)`` for padded sequences against ``(C, m, T_y)``,
``(n_y, m)`` for multi-task labels that are missing. A layer's output can be fused with the
loss when its ``logits_activation`` is the loss's ``fused_activation`` (sigmoid ↔ binary
cross-entropy, softmax ↔ categorical, linear ↔ MSE): the cost is then computed from its
logits Z and backpropagation starts from ``dZ = A − Y``, never dividing by A(1 − A).
"""

from __future__ import annotations

import numpy as np

from .functional import losses as F
from .validation import check_finite, one_hot, to_targets

Array = np.ndarray


class Loss:
    """Base: cost, gradient, fused delta, target conversion, decision rule and accuracy counts."""

    name = "base"
    fused_activation: str | None = None
    classifier = False

    def cost(self, A: Array, Y: Array, m: int | None = None, mask: Array | None = None) -> float:
        """J(A, Y) = (1/m) Σ over unmasked entries (m default: Y.shape[-1])."""
        raise NotImplementedError

    def cost_from_logits(self, Z: Array, Y: Array, m: int | None = None, mask: Array | None = None) -> float:
        """J from the output layer's logits Z (exact for any |Z|); the plain cost if none."""
        raise NotImplementedError

    def gradient(self, A: Array, Y: Array, mask: Array | None = None) -> Array:
        """dA = m·∂J/∂A (per example), zero on masked entries."""
        raise NotImplementedError

    def delta(self, A: Array, Y: Array, out: Array | None = None, mask: Array | None = None) -> Array:
        """The fused dZ = (A − Y)·mask with respect to the output layer's logits."""
        return F.output_delta(A, Y, out=out, mask=mask)

    def fuses(self, layer) -> bool:
        """True when ``layer``'s final activation pairs with this loss (dZ = A − Y)."""
        act = getattr(layer, "logits_activation", None)
        return act is not None and act == self.fused_activation and hasattr(layer, "backward_from_logits")

    def layer_cost(self, layer, A: Array, Y: Array, m: int | None = None, mask: Array | None = None) -> float:
        """J for the output A of ``layer``: from its logits when it fuses with this loss."""
        if self.fuses(layer):
            return self.cost_from_logits(layer.Z, Y, m, mask)
        return self.cost(A, Y, m, mask)

    # ---------------------------------------------------------------- targets and decisions
    def targets(self, Y, output_shape: tuple[int, ...], output_axis: int, m: int, dtype=np.float32) -> Array:
        """Y converted once to the output's shape: (n_y, m) outputs as ``validation.to_targets``
        does; for outputs with more axes (sequences (n_y, m, T_y)) Y of that shape as given,
        and for a categorical loss integer labels (m, T_y) become one-hot (C, m, T_y)."""
        if len(output_shape) == 1:
            return to_targets(Y, int(output_shape[0]), m, self.name, dtype)
        Y = np.asarray(Y)
        if Y.dtype.kind not in "biuf":
            raise ValueError(f"Y must hold numbers, got dtype {Y.dtype}")
        check_finite("Y", Y)
        full = list(output_shape)
        full.insert(output_axis % (len(full) + 1), m)
        if self.classifier and self.name == "categorical_crossentropy" and Y.ndim == len(full) - 1:
            labels = Y
            example = [n for i, n in enumerate(full) if i != 0]
            if list(labels.shape) != example:
                raise ValueError(f"integer labels have shape {labels.shape}, expected {tuple(example)}")
            if not np.all(labels == np.round(labels)):
                raise ValueError("class labels must be integers, got non-integer values in Y")
            C = full[0]
            if labels.min() < 0 or labels.max() >= C:
                raise ValueError(f"class labels must be in [0, {C - 1}] for {C} output units, "
                                 f"got values from {labels.min():g} to {labels.max():g}")
            return one_hot(labels.astype(np.int64).reshape(-1), C, dtype).reshape(C, *labels.shape)
        if list(Y.shape) != full:
            raise ValueError(f"Y has shape {Y.shape}, expected {tuple(full)}")
        return Y.astype(dtype, copy=False)

    def decide(self, A: Array) -> Array:
        """The decision rule on outputs (or targets) A; A itself for regression."""
        return A

    def n_correct(self, A: Array, Y: Array, mask: Array | None = None) -> tuple[float, float]:
        """(correct, count) for accuracy: dense outputs count correct examples (a sigmoid
        output of n units counts each unit as 1/n) over m; with a mask or time steps,
        correct unmasked decisions over unmasked decisions."""
        decided, truth = self.decide(A), self.decide(Y)
        if mask is None and A.ndim == 2:
            return float(np.count_nonzero(decided == truth)) / decided.shape[0], float(A.shape[1])
        hits = (decided == truth).astype(np.float64)
        if mask is None:
            return float(hits.sum()), float(hits.size)
        weight = np.broadcast_to(np.asarray(mask, dtype=np.float64), np.broadcast_shapes(hits.shape, np.shape(mask)))
        return float((hits * weight).sum()), float(weight.sum())


class BinaryCrossEntropy(Loss):
    """J = −(1/m) Σ [Y·log(A) + (1 − Y)·log(1 − A)]; decision A > 0.5."""

    name, fused_activation, classifier = "binary_crossentropy", "sigmoid", True

    def cost(self, A, Y, m=None, mask=None):
        return F.binary_cross_entropy(A, Y, m, mask)

    def cost_from_logits(self, Z, Y, m=None, mask=None):
        return F.binary_cross_entropy_from_logits(Z, Y, m, mask)

    def gradient(self, A, Y, mask=None):
        return _masked(F.binary_cross_entropy_backward(A, Y), mask)

    def decide(self, A):
        return A > 0.5


class CategoricalCrossEntropy(Loss):
    """J = −(1/m) Σ Σ_classes Y·log(A) over examples (and time steps); decision argmax over
    the classes (axis 0)."""

    name, fused_activation, classifier = "categorical_crossentropy", "softmax", True

    def cost(self, A, Y, m=None, mask=None):
        return F.categorical_cross_entropy(A, Y, m, mask)

    def cost_from_logits(self, Z, Y, m=None, mask=None):
        return F.categorical_cross_entropy_from_logits(Z, Y, m, mask)

    def gradient(self, A, Y, mask=None):
        return _masked(F.categorical_cross_entropy_backward(A, Y), mask)

    def decide(self, A):
        if A.ndim == 2:
            return A.argmax(axis=0).reshape(1, -1)
        return A.argmax(axis=0)

    def n_correct(self, A, Y, mask=None):
        if mask is not None and A.ndim > 2 and np.ndim(mask) == A.ndim:
            mask = np.asarray(mask)[0]  # one-hot mask rows are the same for every class
        return super().n_correct(A, Y, mask)


class WeightedCategoricalCrossEntropy(CategoricalCrossEntropy):
    """Categorical cross-entropy with a weight per class (``class_weights`` w, (C,)):

        J = −(1/m) Σ_i w_{y_i} Σ_classes Y·log(A)        dZ = w_{y_i}·(A − Y)

    where y_i is example i's class, so a rare class can count as much as a frequent one (with
    ``balanced_class_weights`` every class carries the same total weight). The per-example
    weight w·Y (summed over the class axis) enters the functional cross-entropy as its
    ``mask`` argument, multiplied by any padding mask; the accuracy stays unweighted.
    Like PyTorch's ``cross_entropy(weight=w, reduction="sum")`` divided by m."""

    name = "weighted_categorical_crossentropy"

    def __init__(self, class_weights):
        w = np.asarray(class_weights, dtype=np.float64)
        if w.ndim != 1 or w.size < 2 or not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise ValueError(f"class_weights must be C ≥ 2 positive finite numbers, got {class_weights!r}")
        self.class_weights = w

    def targets(self, Y, output_shape, output_axis, m, dtype=np.float32):
        """As the plain categorical cross-entropy converts them (integer labels → one-hot)."""
        return CategoricalCrossEntropy().targets(Y, output_shape, output_axis, m, dtype)

    def example_weights(self, Y: Array, mask: Array | None = None) -> Array:
        """w_{y_i} for every example (and time step): Σ_classes w·Y, keeping a class axis of 1
        ((1, m) or (1, m, T_y)), times ``mask`` when given."""
        if Y.shape[0] != self.class_weights.size:
            raise ValueError(f"Y has {Y.shape[0]} classes on axis 0 but there are "
                             f"{self.class_weights.size} class weights")
        w = self.class_weights.astype(Y.dtype).reshape((-1,) + (1,) * (Y.ndim - 1))
        weights = (w * Y).sum(axis=0, keepdims=True)
        return weights if mask is None else weights * np.asarray(mask, dtype=Y.dtype)

    def cost(self, A, Y, m=None, mask=None):
        return F.categorical_cross_entropy(A, Y, m, self.example_weights(Y, mask))

    def cost_from_logits(self, Z, Y, m=None, mask=None):
        return F.categorical_cross_entropy_from_logits(Z, Y, m, self.example_weights(Y, mask))

    def gradient(self, A, Y, mask=None):
        return _masked(F.categorical_cross_entropy_backward(A, Y), self.example_weights(Y, mask))

    def delta(self, A, Y, out=None, mask=None):
        return F.output_delta(A, Y, out=out, mask=self.example_weights(Y, mask))


def balanced_class_weights(labels, n_classes: int) -> Array:
    """w_c = m / (C·m_c) for integer labels of m examples, m_c of them in class c: every class
    then weighs m / C in total (scikit-learn's "balanced"). Raises if a class has no example."""
    labels = np.asarray(labels).reshape(-1)
    if labels.size == 0 or labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(f"labels must be integers in [0, {n_classes - 1}], got {labels.size} labels"
                         + (f" from {labels.min()} to {labels.max()}" if labels.size else ""))
    counts = np.bincount(labels.astype(np.int64), minlength=n_classes)
    if np.any(counts == 0):
        raise ValueError(f"class(es) {np.flatnonzero(counts == 0).tolist()} have no example")
    return labels.size / (n_classes * counts)


class MeanSquaredError(Loss):
    """J = (1/2m) Σ (A − Y)²; no decision rule (regression)."""

    name, fused_activation, classifier = "mse", "linear", False

    def cost(self, A, Y, m=None, mask=None):
        return F.mean_squared_error(A, Y, m, mask)

    def cost_from_logits(self, Z, Y, m=None, mask=None):
        return F.mean_squared_error(Z, Y, m, mask)

    def gradient(self, A, Y, mask=None):
        return _masked(F.mean_squared_error_backward(A, Y), mask)


LOSSES: dict[str, type[Loss]] = {c.name: c for c in (BinaryCrossEntropy, CategoricalCrossEntropy, MeanSquaredError)}

# The loss that pairs with an output activation (dZ = A − Y); anything else trains with MSE.
OUTPUT_LOSS = {"sigmoid": "binary_crossentropy", "softmax": "categorical_crossentropy"}


def get_loss(loss: str | Loss | None, output_layer=None) -> Loss:
    """A Loss object from a name, an object (returned as is) or, for None, from the output
    layer's final activation: sigmoid → binary, softmax → categorical, otherwise MSE."""
    if isinstance(loss, Loss):
        return loss
    if loss is None:
        act = getattr(output_layer, "logits_activation", None) or getattr(output_layer, "activation", None)
        loss = OUTPUT_LOSS.get(act, "mse")
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of: {', '.join(LOSSES)}")
    return LOSSES[loss]()


def _masked(dA: Array, mask: Array | None) -> Array:
    if mask is not None:
        dA *= np.asarray(mask, dtype=dA.dtype)
    return dA
