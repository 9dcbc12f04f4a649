"""Small real datasets: the 8×8 digits, embedded in nndl, and breast cancer, which ships inside
scikit-learn (an optional extra: ``pip install scikit-learn``).

Both return the course's shapes: X (n_x, m) float32 stored examples-contiguous (a transposed
view of C-contiguous rows), Y (1, m) int64.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

Array = np.ndarray

_DIGITS_FILE = Path(__file__).with_name("data") / "digits.npz"

DIGITS_CLASSES = [str(d) for d in range(10)]
BREAST_CANCER_CLASSES = ["malignant", "benign"]


def digits() -> tuple[Array, Array]:
    """The 8×8 handwritten digits (UCI), 1,797 images, pixel intensities 0..16 scaled to [0, 1].

    Embedded in nndl (``datasets/data/digits.npz``, 45 KB), so it needs nothing installed.
    X = pixels / 16: (64, 1797) float32; Y: (1, 1797) int64 digits 0..9.
    """
    with np.load(_DIGITS_FILE) as data:
        images, labels = data["images"], data["labels"]
    rows = np.divide(images.reshape(len(images), -1), 16.0, dtype=np.float32)   # (m, 64)
    return rows.T, labels.astype(np.int64).reshape(1, -1)


def breast_cancer() -> tuple[Array, Array]:
    """The Wisconsin diagnostic breast-cancer set: 30 raw (unscaled) features of 569 tumours.

    X: (30, 569) float32; Y: (1, 569) int64 with 0 = malignant, 1 = benign (scikit-learn's coding).
    Standardize with a ``Standardizer`` fitted on the training split before training.
    """
    load_breast_cancer = _sklearn_loader("load_breast_cancer", "breast-cancer")
    bunch = load_breast_cancer()
    rows = np.ascontiguousarray(bunch.data, dtype=np.float32)   # (m, 30)
    return rows.T, bunch.target.astype(np.int64).reshape(1, -1)


def _sklearn_loader(function: str, dataset: str):
    try:
        from sklearn import datasets
    except ImportError:
        raise ImportError(f"the {dataset!r} dataset is bundled with scikit-learn, which is not installed; "
                          "install it with: pip install scikit-learn") from None
    return getattr(datasets, function)
