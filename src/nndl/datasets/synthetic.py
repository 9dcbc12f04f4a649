"""Two-dimensional toy sets for decision-boundary plots: the course's flower and friends.

Every generator returns ``X`` of shape (2, m), float32, and ``Y`` of shape (1, m), int64
class labels, drawn from ``np.random.default_rng(seed)`` (same seed, same data). Examples
are ordered by class (``xor`` and ``football`` excepted); ``train_dev_test_split`` shuffles them.
``load_dataset`` draws the data and the split from independent streams of one seed.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray
Seed = int | np.random.Generator | np.random.RandomState


def _rng(seed: Seed):
    """A generator for ``seed``: an int seeds a new ``default_rng``; a Generator, a legacy
    RandomState or the ``np.random`` module itself (NumPy's global generator, as the course
    draws) is used as given."""
    if isinstance(seed, np.random.RandomState) or seed is np.random:
        return seed
    return np.random.default_rng(seed)


def planar(m: int = 400, noise: float = 0.2, seed: Seed = 0, dtype=np.float32) -> tuple[Array, Array]:
    """The course's "flower" (Course 1, week 3, ``load_planar_dataset``): two classes, a = 4 petals.

    For class j ∈ {0, 1}, with N = m/2 points:
        t = linspace(3.12·j, 3.12·(j+1), N) + noise·ε,   r = a·sin(4t) + noise·ε',
        x = (r·sin t, r·cos t),   ε, ε' ~ N(0, 1).
    The draws are made in the notebook's order (class 0's t-noise, its r-noise, then class 1's),
    so ``seed=np.random.RandomState(1)`` gives the notebook's ``load_planar_dataset()`` exactly.
    Returns X (2, m) in ``dtype`` (float32) and Y (1, m) int64 (0 = red, 1 = blue in the course's plots).
    """
    _check(m, noise, 2)
    rng = _rng(seed)
    a = 4.0
    X = np.empty((2, m))
    for j, ix in enumerate(_class_slices(m, 2)):
        N = ix.stop - ix.start
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.standard_normal(N) * noise
        r = a * np.sin(4 * t) + rng.standard_normal(N) * noise
        X[:, ix] = r * np.sin(t), r * np.cos(t)
    return X.astype(dtype), _labels(m, 2)


def moons(m: int = 400, noise: float = 0.2, seed: Seed = 0) -> tuple[Array, Array]:
    """Two interleaving half circles, plus Gaussian noise of std ``noise`` on both coordinates.

    Class 0 (upper): (cos πu, sin πu); class 1 (lower): (1 − cos πu, 1/2 − sin πu); u ∈ [0, 1].
    Returns X (2, m) float32, Y (1, m) int64.
    """
    _check(m, noise, 2)
    rng = np.random.default_rng(seed)
    upper, lower = _class_slices(m, 2)
    u0 = np.pi * np.linspace(0, 1, upper.stop - upper.start)
    u1 = np.pi * np.linspace(0, 1, lower.stop - lower.start)
    X = np.concatenate([np.stack([np.cos(u0), np.sin(u0)]),
                        np.stack([1 - np.cos(u1), 0.5 - np.sin(u1)])], axis=1)
    X += noise * rng.standard_normal(X.shape)
    return X.astype(np.float32), _labels(m, 2)


def circles(m: int = 400, noise: float = 0.1, factor: float = 0.5, seed: Seed = 0) -> tuple[Array, Array]:
    """A circle of radius 1 (class 0) around one of radius ``factor`` (class 1), plus N(0, noise²).

    Points are evenly spaced in angle θ ∈ [0, 2π). Returns X (2, m) float32, Y (1, m) int64.
    """
    _check(m, noise, 2)
    if not 0 < factor < 1:
        raise ValueError(f"factor is the inner radius over the outer one and must be in (0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    parts = []
    for radius, ix in zip((1.0, factor), _class_slices(m, 2)):
        theta = np.linspace(0, 2 * np.pi, ix.stop - ix.start, endpoint=False)
        parts.append(radius * np.stack([np.cos(theta), np.sin(theta)]))
    X = np.concatenate(parts, axis=1)
    X += noise * rng.standard_normal(X.shape)
    return X.astype(np.float32), _labels(m, 2)


def spirals(m: int = 600, n_classes: int = 3, noise: float = 0.2, seed: Seed = 0) -> tuple[Array, Array]:
    """``n_classes`` interleaved spiral arms (the classic softmax example).

    Arm k, with N points: r = linspace(0, 1, N), t = linspace(4k, 4(k+1), N) + noise·ε,
    x = (r·sin t, r·cos t). Returns X (2, m) float32, Y (1, m) int64 in 0..n_classes−1.
    """
    if not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer ≥ 2, got {n_classes!r}")
    _check(m, noise, n_classes)
    rng = np.random.default_rng(seed)
    X = np.empty((2, m))
    for k, ix in enumerate(_class_slices(m, n_classes)):
        N = ix.stop - ix.start
        r = np.linspace(0.0, 1.0, N)
        t = np.linspace(4 * k, 4 * (k + 1), N) + rng.standard_normal(N) * noise
        X[:, ix] = r * np.sin(t), r * np.cos(t)
    return X.astype(np.float32), _labels(m, n_classes)


def xor(m: int = 400, noise: float = 0.1, seed: Seed = 0) -> tuple[Array, Array]:
    """Points uniform in [−1, 1]², labelled y = [x₁ > 0] XOR [x₂ > 0], then jittered by N(0, noise²).

    Not linearly separable: the classic case for a hidden layer. Returns X (2, m) float32,
    Y (1, m) int64.
    """
    _check(m, noise, 2)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (2, m))
    Y = ((X[0:1] > 0) != (X[1:2] > 0)).astype(np.int64)
    X += noise * rng.standard_normal(X.shape)
    return X.astype(np.float32), Y


def football(m: int = 411, noise: float = 0.08, seed: Seed = 0) -> tuple[Array, Array]:
    """Where a goalkeeper's kick lands on the field, and which team heads it: the kind of 2-D set
    the course's regularization notebook uses (its ``data.mat``: France = blue = 1, opponents = red = 0).

    Positions x uniform in [−0.75, 0.4] × [−0.75, 0.65]; a smooth, wavy border
    x₂ = −0.05 − 0.3·x₁ + 0.12·sin(6·x₁) separates the teams (France above it); a point within
    0.08 of the border goes to the other team with probability 1/3, and any point with
    probability ``noise`` (headers won in the opponents' zone), so a large network fitted without
    regularization draws a border around the noise. Returns X (2, m) float32, Y (1, m) int64.
    Examples come in random order (no sorting by class), so the first k form a fair sample.
    """
    _check(m, noise, 2)
    if noise > 1:
        raise ValueError(f"noise is a flip probability here and must be in [0, 1], got {noise}")
    rng = _rng(seed)
    X = np.stack([rng.uniform(-0.75, 0.4, m), rng.uniform(-0.75, 0.65, m)])
    border = -0.05 - 0.3 * X[0] + 0.12 * np.sin(6 * X[0])
    Y = X[1] > border
    near = np.abs(X[1] - border) < 0.08
    flip = (near & (rng.random(m) < 1 / 3)) | (rng.random(m) < noise)
    Y = Y ^ flip
    return X.astype(np.float32), Y.astype(np.int64).reshape(1, m)


def _check(m: int, noise: float, n_classes: int) -> None:
    if not isinstance(m, (int, np.integer)) or isinstance(m, bool) or m < n_classes:
        raise ValueError(f"m (number of examples) must be an integer ≥ {n_classes}, got {m!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise is a standard deviation and must be ≥ 0, got {noise}")


def _class_sizes(m: int, n_classes: int) -> Array:
    """Examples per class: m // n_classes each, the first m % n_classes one more."""
    sizes = np.full(n_classes, m // n_classes)
    sizes[: m % n_classes] += 1
    return sizes


def _class_slices(m: int, n_classes: int) -> list[slice]:
    """Consecutive column ranges of the sizes ``_class_sizes(m, n_classes)``."""
    sizes = _class_sizes(m, n_classes)
    ends = np.cumsum(sizes)
    return [slice(int(e - s), int(e)) for s, e in zip(sizes, ends)]


def _labels(m: int, n_classes: int) -> Array:
    """Y (1, m) int64: class k on the columns of ``_class_slices(m, n_classes)[k]``."""
    return np.repeat(np.arange(n_classes, dtype=np.int64), _class_sizes(m, n_classes)).reshape(1, m)
