"""Datasets by name: ``load_dataset("fashion-mnist")`` → a ``Dataset`` split into train/dev/test."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import bundled, fashion_boxes, mnist, synthetic, text
from .normalize import Standardizer
from .split import _count, train_dev_test_split

Array = np.ndarray

DATASETS: dict[str, str] = {
    "digits": "8×8 handwritten digits, 1,797 images, 10 classes (embedded in nndl)",
    "breast-cancer": "Wisconsin breast cancer, 569 tumours, 30 features, malignant/benign (scikit-learn)",
    "flower": "the course's 2-D planar 'flower', 400 points, 2 classes",
    "moons": "two interleaving 2-D half circles, 400 points, 2 classes",
    "circles": "a 2-D circle inside another, 400 points, 2 classes",
    "spirals": "three 2-D spiral arms, 600 points, 3 classes",
    "xor": "2-D XOR of the signs of the coordinates, 400 points, 2 classes",
    "mnist": "MNIST handwritten digits, 28×28, 60,000 train + 10,000 test, 10 classes",
    "fashion-mnist": "Fashion-MNIST clothing, 28×28, 60,000 train + 10,000 test, 10 classes",
}
# Detection datasets: images with boxes, loaded as a ``fashion_boxes.DetectionDataset`` (kept
# apart from DATASETS, whose entries are classification sets the CLI trains on).
DETECTION_DATASETS: dict[str, str] = {"fashion-boxes": fashion_boxes.DESCRIPTION}
ALIASES = {"planar": "flower", "breast_cancer": "breast-cancer", "fashion_mnist": "fashion-mnist"}

MNIST_DEV = 5_000      # the last 5,000 training images (as in Nielsen's mnist_loader, which kept the last 10,000)


@dataclass(repr=False, eq=False)
class Dataset:
    """A dataset in the course's shapes, split into train / dev / test.

    X_*: (n_x, m) float32, stored examples-contiguous (transposed views of C-contiguous rows);
    Y_*: (1, m) int64 class labels. ``normalizer`` is the Standardizer fitted on X_train that
    was already applied to all three X (None when the features are only scaled, e.g. images / 255).
    """
    name: str
    description: str
    X_train: Array
    Y_train: Array
    X_dev: Array
    Y_dev: Array
    X_test: Array
    Y_test: Array
    classes: list[str] = field(default_factory=list)
    image_shape: tuple[int, ...] | None = None
    normalizer: Standardizer | None = None

    @property
    def n_x(self) -> int:
        """Number of input features."""
        return self.X_train.shape[0]

    @property
    def n_classes(self) -> int:
        """Number of classes (len(classes))."""
        return len(self.classes)

    def summary(self) -> str:
        """One line: name, features, classes and the size of each split."""
        image = f" ({'×'.join(map(str, self.image_shape))} images)" if self.image_shape else ""
        scaling = ", standardized" if self.normalizer is not None else ""
        return (f"{self.name}: {self.n_x} features{image}, {self.n_classes} classes, "
                f"train {self.X_train.shape[1]} / dev {self.X_dev.shape[1]} / test {self.X_test.shape[1]}"
                f"{scaling}")

    def __repr__(self) -> str:
        return f"Dataset({self.summary()})"


def load_dataset(name: str, *, data_dir: str | os.PathLike | None = None, seed: int = 0,
                 dev_size: float | int | None = None, test_size: float | int | None = None,
                 download: bool = True) -> Dataset:
    """Load a dataset by name (see ``DATASETS``), split and normalized.

    Small sets (digits, breast-cancer and the 2-D sets): a stratified 60/20/20 split with
    ``seed`` (override with dev_size / test_size, fractions or counts); the 2-D sets are
    generated with ``seed`` too. mnist, fashion-mnist: the official 10,000-image test set, and
    dev = the last 5,000 (or ``dev_size``) of the official training set; ``data_dir`` and
    ``download`` are passed to ``load_mnist``. Images are scaled to [0, 1]; the 2-D sets and
    breast-cancer are standardized by a Standardizer fitted on the training split only.
    """
    key = ALIASES.get(str(name).lower(), str(name).lower())
    if key.replace("_", "-") in DETECTION_DATASETS:  # images with boxes: see nndl.datasets.fashion_boxes
        return fashion_boxes.load_fashion_boxes(data_dir, download, seed)
    if key in text.TEXT_DATASETS:  # sequences, not (n_x, m) arrays: a TextDataset
        return text.load_text_dataset(key, seed=seed) if key in ("names", "dates", "fortunes") \
            else text.load_text_dataset(key)
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}; "
                         f"text datasets: {', '.join(text.TEXT_DATASETS)}")
    if key in mnist.NAMES:
        return _load_mnist(key, data_dir, dev_size, test_size, download)
    X, Y, classes, image_shape, standardize = SMALL[key](seed)
    X_train, Y_train, X_dev, Y_dev, X_test, Y_test = train_dev_test_split(
        X, Y, dev_size=0.2 if dev_size is None else dev_size,
        test_size=0.2 if test_size is None else test_size, seed=seed)
    normalizer = None
    if standardize:
        normalizer = Standardizer().fit(X_train)
        X_train, X_dev, X_test = (normalizer.transform(A) for A in (X_train, X_dev, X_test))
    return Dataset(key, DATASETS[key], X_train, Y_train, X_dev, Y_dev, X_test, Y_test,
                   classes=classes, image_shape=image_shape, normalizer=normalizer)


def _load_mnist(key: str, data_dir, dev_size, test_size, download: bool) -> Dataset:
    if test_size is not None:
        raise ValueError(f"{key} has an official test set of 10,000 images; test_size does not apply")
    X, Y, X_test, Y_test = mnist.load_mnist(key, data_dir=data_dir, download=download)
    m = X.shape[1]
    n_dev = MNIST_DEV if dev_size is None else _count(dev_size, m, "dev_size")
    if not 0 <= n_dev < m:
        raise ValueError(f"dev_size gives {n_dev} dev examples out of {m} training images; "
                         f"expected 0 ≤ dev < {m}")
    classes = mnist.FASHION_CLASSES if key == "fashion-mnist" else mnist.MNIST_CLASSES
    return Dataset(key, DATASETS[key], X[:, : m - n_dev], Y[:, : m - n_dev], X[:, m - n_dev:], Y[:, m - n_dev:],
                   X_test, Y_test, classes=list(classes), image_shape=(28, 28))


def _two_d(generator: Callable, classes: list[str]):
    def load(seed: int):
        X, Y = generator(seed=seed)
        return X, Y, classes, None, True
    return load


SMALL: dict[str, Callable] = {
    "digits": lambda seed: (*bundled.digits(), bundled.DIGITS_CLASSES, (8, 8), False),
    "breast-cancer": lambda seed: (*bundled.breast_cancer(), bundled.BREAST_CANCER_CLASSES, None, True),
    "flower": _two_d(synthetic.planar, ["red", "blue"]),
    "moons": _two_d(synthetic.moons, ["upper", "lower"]),
    "circles": _two_d(synthetic.circles, ["outer", "inner"]),
    "spirals": _two_d(synthetic.spirals, ["0", "1", "2"]),
    "xor": _two_d(synthetic.xor, ["same sign", "opposite sign"]),
}
