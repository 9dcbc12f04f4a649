"""The benchmark data, as C-contiguous rows (m, n_x) float32 and labels (m,) int64.

Every framework gets the same arrays: nndl the transposed view ``rows.T`` (its (n_x, m)
notation over examples-contiguous storage), PyTorch and scikit-learn the rows themselves.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


@dataclass
class Data:
    name: str
    X_train: np.ndarray  # (m, n_x) float32, C-contiguous
    y_train: np.ndarray  # (m,) int64
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int = 10

    @property
    def n_x(self) -> int:
        return self.X_train.shape[1]

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.X_train, self.y_train, self.X_test, self.y_test))

    def subset(self, m_train: int | None, m_test: int | None = None) -> "Data":
        """The first m_train / m_test examples (copies, still C-contiguous)."""
        if not m_train:
            return self
        m_test = m_test or max(m_train // 6, 1)
        return Data(f"{self.name}[:{m_train}]", self.X_train[:m_train].copy(), self.y_train[:m_train].copy(),
                    self.X_test[:m_test].copy(), self.y_test[:m_test].copy(), self.n_classes)


def _read_idx(path: Path) -> np.ndarray:
    """An IDX file (optionally gzipped) as an array: magic 0 0 dtype ndim, big-endian sizes, data."""
    with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion_mnist() -> Data:
    """Fashion-MNIST (60,000 + 10,000 images of 784 pixels in [0, 1]), through
    ``nndl.datasets.load_mnist`` when it exists, else read here from the IDX files."""
    try:
        from nndl.datasets import load_mnist
    except ImportError:
        load_mnist = None
    if load_mnist is not None:
        X_train, Y_train, X_test, Y_test = load_mnist("fashion-mnist", download=False)
        return Data("fashion-mnist", np.ascontiguousarray(X_train.T), Y_train.reshape(-1),
                    np.ascontiguousarray(X_test.T), Y_test.reshape(-1))
    folder = Path(os.environ.get("NNDL_DATA", FASHION_DIR))
    if (folder / "fashion-mnist").is_dir():
        folder = folder / "fashion-mnist"
    arrays = []
    for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        path = folder / f"{stem}.gz"
        arrays.append(_read_idx(path if path.exists() else folder / stem))
    images_train, labels_train, images_test, labels_test = arrays

    def rows(images):
        return np.divide(images.reshape(len(images), -1), np.float32(255), dtype=np.float32)

    return Data("fashion-mnist", rows(images_train), labels_train.astype(np.int64),
                rows(images_test), labels_test.astype(np.int64))


def synthetic(m_train: int = 6000, m_test: int = 1000, n_x: int = 784, n_classes: int = 10,
              seed: int = 0) -> Data:
    """Fashion-MNIST-shaped data that is learnable: class means plus noise, in [0, 1]."""
    rng = np.random.default_rng(seed)
    means = rng.random((n_classes, n_x), dtype=np.float32)

    def draw(m):
        y = rng.integers(0, n_classes, m)
        X = means[y] + np.float32(0.5) * rng.standard_normal((m, n_x), dtype=np.float32)
        return np.clip(X, 0, 1, out=X), y.astype(np.int64)

    return Data("synthetic", *draw(m_train), *draw(m_test), n_classes)


def load(name: str) -> tuple[Data, str]:
    """("fashion-mnist" | "synthetic") → (Data, a note when Fashion-MNIST was not found)."""
    if name == "synthetic":
        return synthetic(), ""
    try:
        return fashion_mnist(), ""
    except (FileNotFoundError, OSError) as e:
        first = str(e).splitlines()[0]
        return synthetic(), f"Fashion-MNIST not found ({first}); using synthetic data of the same shape"


def digits(seed: int = 0) -> Data:
    """The 8×8 digits (1,797 × 64, in [0, 1]) split 80/20 at random with ``seed``."""
    try:
        from nndl.datasets import digits as load_digits
        X, Y = load_digits()
        rows, y = np.ascontiguousarray(X.T), Y.reshape(-1)
    except ImportError:
        from sklearn.datasets import load_digits as sk_digits
        bunch = sk_digits()
        rows, y = (bunch.data / 16.0).astype(np.float32), bunch.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = len(y) // 5
    test, train = order[:n_test], order[n_test:]
    return Data("digits", rows[train], y[train], rows[test], y[test])
