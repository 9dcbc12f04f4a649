"""Face verification (Course 4, week 4, FaceNet) on Fashion-MNIST: an embedding network
trained with the triplet loss, and verification by the distance of two embeddings.

``TripletNetwork`` is a hand-written ``Model`` with three inputs — anchor, positive and
negative images (m, n_H, n_W, n_C) — encoded by ONE shared encoder (each encoder layer is
called three times per pass: ``Layer.call`` / ``call_backward``, gradients summed). Its
output stacks the three encodings f(A), f(P), f(N) (each (d, m), unit length) into (3d, m);
``TripletLoss`` is the course's

    J = (1/m) Σ_i max(‖f(A_i) − f(P_i)‖² − ‖f(A_i) − f(N_i)‖² + α, 0)

so ``fit``, ``gradcheck``, ``save``/``load`` and checkpoints work as for any model. Two images
are "the same identity" (here: the same class) when ‖f(x₁) − f(x₂)‖² is below a threshold
chosen on dev pairs (``verify``).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Sequence

import numpy as np

from .functional.triplet import l2_normalize_backward, l2_normalize_forward, triplet_loss
from .layers import Conv2D, Dense, Flatten, Layer, MaxPool2D
from .layers.base import layer_from_spec, layer_spec, register_layer
from .losses import Loss
from .model_base import Model
from .model_registry import register_model

Array = np.ndarray


@register_layer
class L2Normalize(Layer):
    """a = z / ‖z‖ for each column z of (d, m): embeddings on the unit sphere."""

    batch_axis = -1

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        A, self.cache = l2_normalize_forward(A_prev)
        return A

    def backward(self, dA: Array) -> Array:
        return l2_normalize_backward(dA, self.cache)


class TripletLoss(Loss):
    """The triplet loss on stacked encodings (3d, m) = [f(A); f(P); f(N)]: J = (1/m)·Σ
    max(‖f(A) − f(P)‖² − ‖f(A) − f(N)‖² + α, 0); dA = m·∂J/∂A. Targets are not used (the
    triplet's order is the supervision): any Y with m entries becomes zeros (1, m)."""

    name, fused_activation, classifier = "triplet", None, False

    def __init__(self, alpha: float = 0.2):
        if alpha < 0:
            raise ValueError(f"alpha (the margin) must be >= 0, got {alpha}")
        self.alpha = float(alpha)

    @staticmethod
    def split(A: Array) -> tuple[Array, Array, Array]:
        if A.ndim != 2 or A.shape[0] % 3:
            raise ValueError(f"expected stacked encodings (3d, m), got shape {A.shape}")
        d = A.shape[0] // 3
        return A[:d], A[d:2 * d], A[2 * d:]

    def cost(self, A, Y, m=None, mask=None):
        m = A.shape[1] if m is None else m
        return triplet_loss(*self.split(A), self.alpha)[0] / m

    def cost_from_logits(self, Z, Y, m=None, mask=None):
        return self.cost(Z, Y, m, mask)

    def gradient(self, A, Y, mask=None):
        return np.concatenate(triplet_loss(*self.split(A), self.alpha)[1], axis=0)

    def targets(self, Y, output_shape, output_axis, m, dtype=np.float32):
        if np.size(Y) != m:
            raise ValueError(f"the triplet loss takes one (unused) target per triplet: {m} values, got {np.shape(Y)}")
        return np.zeros((1, m), dtype)


def default_encoder(embedding_dim: int = 32) -> list[Layer]:
    """CONV 3×3 16 "same" ReLU → MAXPOOL 2 → CONV 3×3 32 "same" ReLU → MAXPOOL 2 → FLATTEN →
    DENSE 128 ReLU → DENSE embedding_dim linear → L2Normalize."""
    return [Conv2D(16, 3, padding="same"), MaxPool2D(2), Conv2D(32, 3, padding="same"), MaxPool2D(2), Flatten(),
            Dense(128, "relu"), Dense(int(embedding_dim), "linear"), L2Normalize()]


@register_model
class TripletNetwork(Model):
    """Three images (anchor, positive, negative), each (m, n_H, n_W, n_C), through one shared
    encoder (a list of layers; default ``default_encoder(embedding_dim)``) to (3d, m).
    alpha: the triplet margin. Parameters are named ``<class><position>.<key>``
    (``conv2d0.W``, ``dense5.b``)."""

    input_batch_axes = (0, 0, 0)
    input_kinds = ("float", "float", "float")
    output_batch_axis = -1

    def __init__(self, encoder: Sequence[Layer] | None = None, embedding_dim: int = 32, alpha: float = 0.2,
                 input_shape: Sequence[int] | None = None, **kwargs):
        kwargs["loss"] = TripletLoss(alpha)  # a model file names "triplet"; alpha is in the config
        super().__init__(**kwargs)
        encoder = default_encoder(embedding_dim) if encoder is None else list(encoder)
        self.encoder = [layer_from_spec(l) if isinstance(l, dict) else l for l in encoder]
        if not self.encoder or not all(isinstance(l, Layer) for l in self.encoder):
            raise TypeError("encoder must be a non-empty list of nndl layers")
        self.embedding_dim, self.alpha = int(embedding_dim), float(alpha)
        if input_shape is not None:
            self.build(*[tuple(input_shape)] * 3)

    def get_model_config(self) -> dict[str, Any]:
        return {"encoder": [layer_spec(l) for l in self.encoder], "embedding_dim": self.embedding_dim,
                "alpha": self.alpha}

    def named_layers(self) -> dict[str, Layer]:
        return {f"{type(l).__name__.lower()}{i}": l for i, l in enumerate(self.encoder)}

    def build_layers(self, input_shapes):
        if len(set(input_shapes)) != 1:
            raise ValueError(f"anchor, positive and negative must share an example shape, got {input_shapes}")
        shape, axis = input_shapes[0], 0
        for layer in self.encoder:
            shape = layer.build(shape, self.rng, self.dtype, axis)
            axis = layer.output_batch_axis
        if len(shape) != 1 or axis % 2 != 1:
            raise ValueError(f"the encoder must end in column vectors (d, m), got examples of shape {shape}")
        self.encoder[0].needs_input_grad = False
        self.output_layer = self.encoder[-1]
        return (3 * shape[0],)

    def forward(self, X, training: bool = False) -> Array:
        """[f(A); f(P); f(N)] (3d, m): the encoder called once per input, caches kept per call."""
        outs = []
        for k, A in enumerate(X):
            for layer in self.encoder:
                with _per_call_workspace(layer, k):
                    A = layer.call(A, training)
            outs.append(A)
        return np.concatenate(outs, axis=0)

    def backward(self, delta: Array, from_logits: bool) -> None:
        """Each third of the delta back through the encoder, the last call (the negative) first;
        the shared layers sum the three calls' gradients."""
        for k, dA in reversed(list(enumerate(TripletLoss.split(delta)))):
            for layer in reversed(self.encoder):
                with _per_call_workspace(layer, k):
                    dA = layer.call_backward(dA)

    def embed(self, X, batch_size: int = 1024) -> Array:
        """Encodings f(X) (d, m) of images X (m, n_H, n_W, n_C), in inference mode."""
        X = np.asarray(X)
        if X.ndim != 4 or tuple(X.shape[1:]) != tuple(self.input_shapes[0]):
            raise ValueError(f"expected images (m, {', '.join(map(str, self.input_shapes[0]))}), got {X.shape}")
        outs = []
        for lo in range(0, len(X), batch_size):
            A = X[lo:lo + batch_size].astype(self.dtype, copy=False)
            for layer in self.encoder:
                A = layer.forward(A, False)
            outs.append(A)
        return np.concatenate(outs, axis=1)


@contextmanager
def _per_call_workspace(layer: Layer, k: int):
    """While a model trains, give call k of a shared layer its own per-batch arrays, so the
    three calls never overwrite each other's caches."""
    ws = getattr(layer, "workspace", None)
    if ws is None:
        yield
        return
    layer.workspace = ws.setdefault(("call", k), {})
    try:
        yield
    finally:
        layer.workspace = ws


# ---------------------------------------------------------------------- sampling and verification
def sample_triplets(labels, n: int, rng: np.random.Generator) -> tuple[Array, Array, Array]:
    """n triplets of indices (anchor, positive, negative) into ``labels`` (m,): anchors drawn
    uniformly, a positive of the anchor's class other than the anchor, a negative of another
    class (uniform over the other classes, then over its examples). Every class needs at least
    two examples and there must be two classes."""
    labels = np.asarray(labels).ravel()
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if len(classes) < 2 or counts.min() < 2:
        raise ValueError(f"triplets need at least 2 classes with 2 examples each, got counts {counts.tolist()}")
    order = np.argsort(inverse, kind="stable")  # examples grouped by class
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(labels), np.int64)
    rank[order] = np.arange(len(labels)) - start[inverse[order]]
    a = rng.integers(0, len(labels), n)
    ca = inverse[a]
    p = order[start[ca] + (rank[a] + rng.integers(1, counts[ca])) % counts[ca]]
    cn = (ca + rng.integers(1, len(classes), n)) % len(classes)
    neg = order[start[cn] + (rng.random(n) * counts[cn]).astype(np.int64)]
    return a, p, neg


def verification_pairs(labels, n_pairs: int, rng: np.random.Generator, anchor_classes=None):
    """Balanced pairs (i, j, same): the first half of the same class, the second of different
    classes. anchor_classes: draw the first image only from these classes (the second of a
    different pair comes from any other class). Returns (i, j, same (n,) bool)."""
    labels = np.asarray(labels).ravel()
    a, p, neg = sample_triplets(labels, 2 * n_pairs, rng)
    if anchor_classes is not None:
        ok = np.isin(labels[a], list(anchor_classes))
        if ok.sum() < n_pairs:
            a, p, neg = sample_triplets(labels, 4 * n_pairs * len(np.unique(labels)) // max(len(anchor_classes), 1), rng)
            ok = np.isin(labels[a], list(anchor_classes))
        a, p, neg = a[ok][:n_pairs], p[ok][:n_pairs], neg[ok][:n_pairs]
    else:
        a, p, neg = a[:n_pairs], p[:n_pairs], neg[:n_pairs]
    half = len(a) // 2
    i = np.concatenate([a[:half], a[half:2 * half]])
    j = np.concatenate([p[:half], neg[half:2 * half]])
    same = np.arange(2 * half) < half
    return i, j, same


def pair_distances(model: TripletNetwork, X, i, j) -> Array:
    """‖f(X_i) − f(X_j)‖² for each pair (n,)."""
    E = model.embed(X)
    D = E[:, i] - E[:, j]
    return np.sum(D * D, axis=0)


def best_threshold(distances, same) -> float:
    """The threshold τ that maximizes the accuracy of "same ⇔ distance < τ" on these pairs
    (midway between two sorted distances)."""
    d, same = np.asarray(distances, np.float64), np.asarray(same, bool)
    order = np.argsort(d)
    d, s = d[order], same[order]
    # τ just above d[k]: pairs 0…k called same; correct = same among them + different after
    correct = np.cumsum(s) + (np.sum(~s) - np.cumsum(~s))
    k = int(np.argmax(correct))
    upper = d[k + 1] if k + 1 < len(d) else d[k] + 1.0
    return float((d[k] + upper) / 2)


def roc_auc(scores, positive) -> float:
    """Area under the ROC curve: the probability that a positive scores above a negative
    (ties count half), by the rank-sum (Mann–Whitney) formula."""
    scores, positive = np.asarray(scores, np.float64), np.asarray(positive, bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both positive and negative pairs")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    mid = np.cumsum(counts) - (counts - 1) / 2  # the average rank of each tied group
    ranks = mid[inverse]
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def verify(model: TripletNetwork, X_dev, y_dev, X_test, y_test, n_pairs: int = 2000, seed: int = 0,
           anchor_classes=None) -> dict[str, float]:
    """Verification on balanced pairs: the threshold chosen on dev pairs, then accuracy and
    ROC AUC (score −distance) on test pairs. anchor_classes: restrict the pairs' first images
    to these classes (e.g. classes held out of training). Returns {"accuracy", "auc", "threshold"}."""
    rng_dev, rng_test = np.random.default_rng(seed).spawn(2)
    i, j, same = verification_pairs(y_dev, n_pairs, rng_dev, anchor_classes)
    tau = best_threshold(pair_distances(model, X_dev, i, j), same)
    i, j, same = verification_pairs(y_test, n_pairs, rng_test, anchor_classes)
    d = pair_distances(model, X_test, i, j)
    return {"accuracy": float(np.mean((d < tau) == same)), "auc": roc_auc(-d, same), "threshold": tau}
