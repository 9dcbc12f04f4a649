"""The playground's data: TensorFlow Playground's 2-D problems, its seven input features, the
checked configuration a page may ask for, and CSV uploads parsed as plain numbers.

Points live in the square [−6, 6]² (the playground's plot). ``make_dataset`` returns
P (m, 2) float64 coordinates and y (m,) labels: class indices 0 … C−1 for classification,
targets in [−1, 1] for regression. The model sees ``features(P, names)`` as X (n_x, m).
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

Array = np.ndarray
DOMAIN = 6.0

CLASSIFICATION = ("flower", "circle", "xor", "gaussian", "spiral", "moons")
REGRESSION = ("plane", "multigauss")
DATASETS = CLASSIFICATION + REGRESSION + ("upload",)
MULTICLASS = ("gaussian", "spiral")  # the sets that take classes > 2

FEATURES = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1sq": lambda x1, x2: x1 * x1,
    "x2sq": lambda x1, x2: x2 * x2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sinx1": lambda x1, x2: np.sin(x1),
    "sinx2": lambda x1, x2: np.sin(x2),
}
FEATURE_LABELS = {"x1": "X₁", "x2": "X₂", "x1sq": "X₁²", "x2sq": "X₂²", "x1x2": "X₁X₂",
                  "sinx1": "sin(X₁)", "sinx2": "sin(X₂)"}

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear", "leaky_relu")
OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")

# What one request may ask for (a page cannot make the server train a huge network).
MAX_HIDDEN_LAYERS = 6
MAX_NEURONS = 8
MAX_POINTS = 2000
MAX_STEPS_PER_REQUEST = 1000
MAX_UPDATES_PER_REQUEST = 100_000  # mini-batch updates: steps × ⌈m_train / batch⌉
MAX_UPLOAD_BYTES = 256 * 1024
MAX_UPLOAD_ROWS = 5000

DEFAULTS = {
    "dataset": "circle", "classes": 2, "noise": 0, "ratio": 50, "points": 500, "seed": 1,
    "features": ["x1", "x2"], "layers": [4, 2], "activations": ["tanh", "tanh"],
    "lr": 0.03, "l1": 0.0, "l2": 0.0, "batch": 10, "optimizer": "gd",
    "dropout": 0.0, "batchnorm": False,
}


def features(P: Array, names) -> Array:
    """X (n_x, m) float32: the chosen features of the points P (m, 2), one row per name."""
    x1, x2 = P[:, 0], P[:, 1]
    return np.stack([FEATURES[n](x1, x2) for n in names]).astype(np.float32)


def is_regression(config: dict) -> bool:
    """True for the plane and multi-Gaussian sets and for an uploaded CSV of real-valued targets."""
    return config["dataset"] in REGRESSION or (config["dataset"] == "upload" and config.get("regression", False))


# ------------------------------------------------------------------ generators
def make_dataset(name: str, m: int, noise: float, seed: int, classes: int = 2) -> tuple[Array, Array]:
    """(P (m, 2), y (m,)) for one of ``DATASETS`` (not "upload"), noise in percent (0–50)."""
    rng = np.random.default_rng(seed)
    s = noise / 100.0
    return _GENERATORS[name](rng, m, s, classes)


def _circle(rng, m, s, classes):
    r = np.where(np.arange(m) < m // 2, rng.uniform(0, 0.5 * 5, m), rng.uniform(0.7 * 5, 5, m))
    t = rng.uniform(0, 2 * np.pi, m)
    P = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    y = (np.arange(m) < m // 2).astype(np.int64)  # class 1 inside, class 0 on the ring
    return P + rng.uniform(-5, 5, (m, 2)) * s, y


def _xor(rng, m, s, classes):
    P = rng.uniform(-5, 5, (m, 2))
    P += np.where(P > 0, 0.3, -0.3)  # keep points off the axes
    y = (P[:, 0] * P[:, 1] >= 0).astype(np.int64)
    return P + rng.uniform(-5, 5, (m, 2)) * s, y


def _gaussian(rng, m, s, classes):
    angles = 2 * np.pi * np.arange(classes) / classes + np.pi / 4
    centers = 2.5 * np.stack([np.cos(angles), np.sin(angles)], axis=1) * (1 if classes > 2 else 2 ** 0.5 * 0.8)
    y = np.arange(m) % classes
    spread = 0.5 + 3.5 * s  # TF Playground's variance grows with noise from 0.5 to 4
    return centers[y] + rng.normal(0, np.sqrt(spread), (m, 2)), y.astype(np.int64)


def _spiral(rng, m, s, classes):
    y = np.arange(m) % classes
    r = rng.uniform(0, 1, m) * 5
    t = 1.75 * r / 5 * 2 * np.pi + 2 * np.pi * y / classes
    P = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    return P + rng.uniform(-1, 1, (m, 2)) * s * 5 * 0.5, y.astype(np.int64)


def _flower(rng, m, s, classes):
    from ..datasets.synthetic import planar  # the course's flower, scaled into the plot
    X, Y = planar(m, noise=0.1 + 0.6 * s, seed=rng)
    return X.T.astype(np.float64) * 1.25, Y.reshape(-1)


def _moons(rng, m, s, classes):
    from ..datasets.synthetic import moons
    X, Y = moons(m, noise=0.05 + 0.3 * s, seed=rng)
    return (X.T.astype(np.float64) - [0.5, 0.25]) * 3.5, Y.reshape(-1)


def _plane(rng, m, s, classes):
    P = rng.uniform(-6, 6, (m, 2))
    y = (P[:, 0] + P[:, 1]) / 12  # in [−1, 1]
    return P, np.clip(y + rng.uniform(-1, 1, m) * s, -1, 1)


def _multigauss(rng, m, s, classes):
    P = rng.uniform(-6, 6, (m, 2))
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    y = sum(sign * np.exp(-((P[:, 0] - cx) ** 2 + (P[:, 1] - cy) ** 2) / 2) for cx, cy, sign in bumps)
    return P, np.clip(y + rng.uniform(-1, 1, m) * s, -1, 1)


_GENERATORS = {"circle": _circle, "xor": _xor, "gaussian": _gaussian, "spiral": _spiral,
               "flower": _flower, "moons": _moons, "plane": _plane, "multigauss": _multigauss}


def split(P: Array, y: Array, ratio: int, seed: int) -> tuple[Array, Array, Array, Array]:
    """Shuffle with ``seed`` and keep ``ratio`` percent for training: (P_train, y_train, P_test, y_test)."""
    order = np.random.default_rng(seed + 1).permutation(len(y))
    n_train = max(1, min(len(y) - 1, round(len(y) * ratio / 100)))
    tr, te = order[:n_train], order[n_train:]
    return P[tr], y[tr], P[te], y[te]


# ------------------------------------------------------------------ configuration checks
class ConfigError(ValueError):
    """A configuration value out of range; the message names the field and what it accepts."""


def check_config(raw: dict) -> dict:
    """The configuration with defaults filled in and every value checked (ConfigError if not)."""
    if not isinstance(raw, dict):
        raise ConfigError("the configuration must be a JSON object")
    unknown = set(raw) - set(DEFAULTS) - {"regression"}
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    c = {**DEFAULTS, **raw}
    if c["dataset"] not in DATASETS:
        raise ConfigError(f"dataset must be one of {', '.join(DATASETS)}, got {c['dataset']!r}")
    c["classes"] = _int(c, "classes", 2, 4 if c["dataset"] in MULTICLASS else 2) if c["dataset"] != "upload" else 2
    c["noise"] = _num(c, "noise", 0, 50)
    c["ratio"] = _int(c, "ratio", 10, 90)
    c["points"] = _int(c, "points", 20, MAX_POINTS)
    c["seed"] = _int(c, "seed", 0, 2 ** 31 - 1)
    c["lr"] = _num(c, "lr", 1e-5, 10, "learning rate")
    c["l1"] = _num(c, "l1", 0, 10, "L1 rate")
    c["l2"] = _num(c, "l2", 0, 10, "L2 rate")
    c["batch"] = _int(c, "batch", 1, MAX_POINTS, "batch size")
    c["dropout"] = _num(c, "dropout", 0, 0.9, "dropout rate")
    c["batchnorm"] = bool(c["batchnorm"])
    c["regression"] = bool(raw.get("regression", False))
    if c["optimizer"] not in OPTIMIZERS:
        raise ConfigError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {c['optimizer']!r}")
    feats = c["features"]
    if not isinstance(feats, list) or not feats or any(f not in FEATURES for f in feats) or len(set(feats)) != len(feats):
        raise ConfigError(f"features must be a non-empty list of distinct names from {', '.join(FEATURES)}")
    c["features"] = [f for f in FEATURES if f in feats]  # canonical order
    layers = c["layers"]
    if (not isinstance(layers, list) or len(layers) > MAX_HIDDEN_LAYERS
            or any(not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_NEURONS for n in layers)):
        raise ConfigError(f"layers must list at most {MAX_HIDDEN_LAYERS} hidden layers of 1 to {MAX_NEURONS} neurons, "
                          f"got {layers!r}")
    acts = c["activations"]
    if not isinstance(acts, list) or any(a not in ACTIVATIONS for a in acts):
        raise ConfigError(f"activations must be names from {', '.join(ACTIVATIONS)}")
    c["activations"] = [acts[i] if i < len(acts) else (acts[-1] if acts else "tanh") for i in range(len(layers))]
    return c


def _num(c: dict, key: str, lo: float, hi: float, label: str | None = None) -> float:
    value = c[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not lo <= value <= hi:
        raise ConfigError(f"{label or key} must be a number from {lo:g} to {hi:g}, got {value!r}")
    return float(value)


def _int(c: dict, key: str, lo: int, hi: int, label: str | None = None) -> int:
    value = c[key]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{label or key} must be a whole number from {lo} to {hi}, got {value!r}")
    return value


# ------------------------------------------------------------------ CSV uploads
def parse_csv(text: str) -> tuple[Array, Array, bool]:
    """Rows ``x1,x2,label`` (an optional header line) → (P (m, 2), y (m,), regression).

    Every cell is read with ``float`` (nothing is evaluated). Integer labels 0 … 9 make a
    classification problem; any other label makes a regression on targets scaled to [−1, 1].
    Coordinates are scaled into the plot's square. At most ``MAX_UPLOAD_ROWS`` rows.
    """
    rows = []
    for i, row in enumerate(csv.reader(io.StringIO(text))):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != 3:
            raise ConfigError(f"CSV line {i + 1}: expected 3 columns x1,x2,label, got {len(row)}")
        try:
            values = [float(cell) for cell in row]
        except ValueError:
            if i == 0 and not rows:
                continue  # a header
            raise ConfigError(f"CSV line {i + 1}: {row!r} is not three numbers") from None
        if not all(math.isfinite(v) for v in values):
            raise ConfigError(f"CSV line {i + 1}: values must be finite numbers")
        rows.append(values)
        if len(rows) > MAX_UPLOAD_ROWS:
            raise ConfigError(f"the CSV has more than {MAX_UPLOAD_ROWS} rows")
    if len(rows) < 4:
        raise ConfigError(f"the CSV needs at least 4 rows of x1,x2,label; got {len(rows)}")
    data = np.asarray(rows, dtype=np.float64)
    P, labels = data[:, :2], data[:, 2]
    center = (P.max(axis=0) + P.min(axis=0)) / 2
    half = np.maximum((P.max(axis=0) - P.min(axis=0)) / 2, 1e-12)
    P = (P - center) / half * (DOMAIN - 1)
    is_class = np.all(labels == np.round(labels)) and labels.min() >= 0 and labels.max() <= 9
    if is_class:
        y = labels.astype(np.int64)
        if len(np.unique(y)) < 2:
            raise ConfigError("the CSV's labels are all one class; a classifier needs at least 2")
        return P, y, False
    lo, hi = labels.min(), labels.max()
    y = 2 * (labels - lo) / max(hi - lo, 1e-12) - 1
    return P, y, True
