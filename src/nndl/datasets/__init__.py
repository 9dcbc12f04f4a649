"""Datasets in the course's shapes: X (n_x, m) float32, Y (1, m) int64 labels.

    from nndl.datasets import load_dataset
    data = load_dataset("fashion-mnist")        # Dataset: X_train (784, 55000), X_dev, X_test, …
    print(data.summary())

- ``synthetic``: the course's planar "flower", moons, circles, spirals, xor (seeded numpy).
- ``bundled``: the 8×8 digits (embedded in nndl) and breast-cancer (from scikit-learn, optional:
  ``pip install scikit-learn``).
- ``idx`` / ``mnist``: the IDX format, MNIST and Fashion-MNIST (found locally or downloaded and verified).
- ``split`` / ``normalize``: a stratified train/dev/test split and a Standardizer fitted on train.
"""

from .bundled import breast_cancer, digits
from .idx import IDXError, read_idx
from .mnist import load_mnist
from .normalize import Standardizer
from .registry import DATASETS, Dataset, load_dataset
from .split import train_dev_test_split
from .synthetic import circles, moons, planar, spirals, xor

__all__ = ["Dataset", "load_dataset", "DATASETS", "planar", "moons", "circles", "spirals", "xor",
           "digits", "breast_cancer", "read_idx", "load_mnist", "IDXError",
           "train_dev_test_split", "Standardizer"]
