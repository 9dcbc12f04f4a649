"""The benchmark data, as C-contiguous rows (m, n_x) float32 and labels (m,) int64.

Every framework gets the same arrays: nndl the transposed view ``rows.T`` (its (n_x, m)
notation over examples-contiguous storage), PyTorch and scikit-learn the rows themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NAMES = ("fashion-mnist", "synthetic")
HIDDEN = (256, 128)  # the benchmark network: n_x-256-128-C, ReLU hidden units, softmax output


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


def network_dims(data: Data) -> list[int]:
    """[n_x, 256, 128, C]: the layer sizes of the benchmark network for ``data``."""
    return [data.n_x, *HIDDEN, data.n_classes]


def fashion_mnist() -> Data:
    """Fashion-MNIST (60,000 + 10,000 images of 784 pixels in [0, 1]) through
    ``nndl.datasets.load_mnist``, which looks for the IDX files in $NNDL_DATA, the system
    folder and nndl's cache (no download here: FileNotFoundError when they are missing)."""
    from nndl.datasets import load_mnist
    X_train, Y_train, X_test, Y_test = load_mnist("fashion-mnist", download=False)
    return Data("fashion-mnist", np.ascontiguousarray(X_train.T), Y_train.reshape(-1),
                np.ascontiguousarray(X_test.T), Y_test.reshape(-1))


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
    except OSError as e:  # FileNotFoundError listing the folders searched
        first = str(e).splitlines()[0]
        return synthetic(), f"Fashion-MNIST not found ({first}); using synthetic data of the same shape"


def digits(seed: int = 0) -> Data:
    """The 8×8 digits (1,797 × 64, in [0, 1]) split 80/20 at random with ``seed``."""
    from nndl.datasets import digits as load_digits
    X, Y = load_digits()  # embedded in nndl: pixels / 16, (64, 1797) float32 and (1, 1797) int64
    rows, y = np.ascontiguousarray(X.T), Y.reshape(-1)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = len(y) // 5
    test, train = order[:n_test], order[n_test:]
    return Data("digits", rows[train], y[train], rows[test], y[test])
