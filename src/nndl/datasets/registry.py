"""Datasets by name: ``load_dataset("fashion-mnist")`` → a ``Dataset`` split into train/dev/test."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import bundled, fashion_boxes, mnist, shift, synthetic, text
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
    "football": "2-D positions where the ball is headed, 411 points, France (1) or opponents (0)",
    "mnist": "MNIST handwritten digits, 28×28, 60,000 train + 10,000 test, 10 classes",
    "fashion-mnist": "Fashion-MNIST clothing, 28×28, 60,000 train + 10,000 test, 10 classes",
    "fashion-mnist-shifted": "Fashion-MNIST: clean train and train-dev; dev and test rotated (±20°) and noisy",
}
# Detection datasets: images with boxes, loaded as a ``fashion_boxes.DetectionDataset`` (kept
# apart from DATASETS, whose entries are classification sets the CLI trains on).
DETECTION_DATASETS: dict[str, str] = {"fashion-boxes": fashion_boxes.DESCRIPTION}
ALIASES = {"planar": "flower", "breast_cancer": "breast-cancer", "fashion_mnist": "fashion-mnist"}

GENERATED = ("flower", "moons", "circles", "spirals", "xor", "football")
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
    X_train_dev: Array | None = None     # held out from the training distribution (Course 3's train-dev set)
    Y_train_dev: Array | None = None

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
        train_dev = f" / train-dev {self.X_train_dev.shape[1]}" if self.X_train_dev is not None else ""
        return (f"{self.name}: {self.n_x} features{image}, {self.n_classes} classes, "
                f"train {self.X_train.shape[1]}{train_dev} / dev {self.X_dev.shape[1]} / test {self.X_test.shape[1]}"
                f"{scaling}")

    def __repr__(self) -> str:
        return f"Dataset({self.summary()})"


def load_dataset(name: str, *, data_dir: str | os.PathLike | None = None, seed: int = 0,
                 dev_size: float | int | None = None, test_size: float | int | None = None,
                 download: bool = True) -> Dataset:
    """Load a dataset by name (see ``DATASETS``), split and normalized.

    Small sets (digits, breast-cancer and the 2-D sets): a stratified 60/20/20 split with
    ``seed`` (override with dev_size / test_size, fractions or counts); the 2-D sets are
    generated from ``seed`` too, on a stream independent of the split's (``streams``). mnist, fashion-mnist: the official 10,000-image test set, and
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
    if key == "fashion-mnist-shifted":
        return _load_shifted(key, data_dir, seed, download)
    if key in mnist.NAMES:
        return _load_mnist(key, data_dir, dev_size, test_size, download)
    data_seed, split_seed = streams(seed) if key in GENERATED else (seed, seed)
    X, Y, classes, image_shape, standardize = SMALL[key](data_seed)
    X_train, Y_train, X_dev, Y_dev, X_test, Y_test = train_dev_test_split(
        X, Y, dev_size=0.2 if dev_size is None else dev_size,
        test_size=0.2 if test_size is None else test_size, seed=split_seed)
    normalizer = None
    if standardize:
        normalizer = Standardizer().fit(X_train)
        X_train, X_dev, X_test = (normalizer.transform(A) for A in (X_train, X_dev, X_test))
    return Dataset(key, DATASETS[key], X_train, Y_train, X_dev, Y_dev, X_test, Y_test,
                   classes=classes, image_shape=image_shape, normalizer=normalizer)


def streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Two independent generators from one seed: one generates the data, one splits it.

    Sharing one stream made the split key of a generated set equal to its first coordinate
    (``xor``'s train set covered x₁ ∈ [−0.52, 1.17] and its test set [−1.2, −0.46]);
    ``SeedSequence.spawn`` gives statistically independent children.
    """
    data, split = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(data), np.random.default_rng(split)


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


SHIFT_DEGREES, SHIFT_NOISE, TRAIN_DEV = 20.0, 0.15, 5_000


def _load_shifted(key: str, data_dir, seed: int, download: bool) -> Dataset:
    """Course 3's data mismatch on Fashion-MNIST: train = the first 55,000 training images,
    train-dev = the last 5,000 (same distribution, never trained on), dev = the first 5,000 and
    test = the last 5,000 official test images, rotated by up to ±20° and given N(0, 0.15²)
    noise (``shift.shifted_copy``, from ``seed``)."""
    X, Y, X_test, Y_test = mnist.load_mnist("fashion-mnist", data_dir=data_dir, download=download)
    m, m_test = X.shape[1], X_test.shape[1]
    shifted = shift.shifted_copy(X_test, (28, 28), SHIFT_DEGREES, SHIFT_NOISE, rng=streams(seed)[1])
    half = m_test // 2
    return Dataset(key, DATASETS[key], X[:, : m - TRAIN_DEV], Y[:, : m - TRAIN_DEV],
                   shifted[:, :half], Y_test[:, :half], shifted[:, half:], Y_test[:, half:],
                   classes=list(mnist.FASHION_CLASSES), image_shape=(28, 28),
                   X_train_dev=X[:, m - TRAIN_DEV:], Y_train_dev=Y[:, m - TRAIN_DEV:])


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
    "football": _two_d(synthetic.football, ["opponents", "France"]),
}
