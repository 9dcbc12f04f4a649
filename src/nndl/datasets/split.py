"""Train / dev / test split of a dataset in the course's shapes, stratified by class.

The course's rule of thumb: for small data 60/20/20; for big data a dev and a test set just
large enough to compare models (e.g. 98/1/1). Dev and test must come from the same distribution.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def train_dev_test_split(X: Array, Y: Array, dev_size: float | int = 0.2, test_size: float | int = 0.2,
                         seed: int | np.random.Generator = 0, stratify: bool = True,
                         ) -> tuple[Array, Array, Array, Array, Array, Array]:
    """Split the m examples (columns) into (X_train, Y_train, X_dev, Y_dev, X_test, Y_test).

    X: (n_x, m); Y: (n_y, m) (integer labels (m,) become (1, m)). dev_size, test_size: a float
    fraction of m in [0, 1) or an int count. With ``stratify`` and class labels (Y of one
    integer row, or one-hot columns) each class c of m_c examples gives ≈ m_c·size/m examples
    to dev and test (largest-remainder rounding, so the totals are exact). Examples are
    shuffled with ``seed``. Each X part is a transposed view of C-contiguous rows
    (examples-contiguous): rows of X.T are gathered, and the result is returned transposed.
    """
    X, Y = _check_XY(X, Y)
    m = X.shape[1]
    n_dev, n_test = _count(dev_size, m, "dev_size"), _count(test_size, m, "test_size")
    if n_dev + n_test >= m:
        raise ValueError(f"dev ({n_dev}) + test ({n_test}) examples leave no training examples out of m = {m}; "
                         "use smaller dev_size / test_size")
    rng = np.random.default_rng(seed)
    labels = _class_labels(Y) if stratify else None
    if labels is None:
        labels = np.zeros(m, dtype=np.int64)
    part = _assign(labels, n_dev, n_test, rng)               # 0 train, 1 dev, 2 test, per example
    order = rng.permutation(m)
    splits = []
    for k in range(3):
        idx = order[part[order] == k]
        rows = np.take(X.T, idx, axis=0)                    # (m_k, n_x), C-contiguous
        splits += [rows.T, Y[:, idx]]
    X_train, Y_train, X_dev, Y_dev, X_test, Y_test = splits
    return X_train, Y_train, X_dev, Y_dev, X_test, Y_test


def _assign(labels: Array, n_dev: int, n_test: int, rng: np.random.Generator) -> Array:
    """Split id per example: within each class, a random n_test_c go to test, n_dev_c to dev."""
    _, y, counts = np.unique(labels, return_inverse=True, return_counts=True)
    test_c = _largest_remainder(n_test, counts)
    dev_c = _largest_remainder(n_dev, counts - test_c)
    # Visit the examples class by class in a random order; rank = position inside its class.
    by_class = np.lexsort((rng.random(labels.size), y))
    cls = y[by_class]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(labels.size) - starts[cls]
    part = np.zeros(labels.size, dtype=np.int8)
    part[by_class] = np.where(rank < test_c[cls], 2, np.where(rank < test_c[cls] + dev_c[cls], 1, 0))
    return part


def _largest_remainder(n: int, counts: Array) -> Array:
    """Integers n_c ≤ counts_c summing to n, proportional to counts (Hamilton's method)."""
    total = counts.sum()
    if n == 0 or total == 0:
        return np.zeros_like(counts)
    quota = n * counts / total
    base = np.floor(quota).astype(counts.dtype)
    short = n - int(base.sum())
    base[np.argsort(-(quota - base), kind="stable")[:short]] += 1
    return base


def _class_labels(Y: Array) -> Array | None:
    """Y's class per example if Y holds class labels ((1, m) integers or one-hot), else None."""
    if Y.shape[0] == 1 and (Y.dtype.kind in "biu" or (Y.dtype.kind == "f" and np.all(Y == np.round(Y)))):
        return Y[0]
    if Y.shape[0] > 1 and np.isin(Y, (0, 1)).all() and np.all(Y.sum(axis=0) == 1):
        return Y.argmax(axis=0)
    return None


def _count(size: float | int, m: int, name: str) -> int:
    if isinstance(size, (bool, np.bool_)):
        raise ValueError(f"{name} must be a fraction in [0, 1) or a count of examples, got {size!r}")
    if isinstance(size, (int, np.integer)):
        if not 0 <= size < m:
            raise ValueError(f"{name} = {size} examples must be in [0, m) for m = {m}")
        return int(size)
    if isinstance(size, (float, np.floating)) and 0 <= size < 1:
        return int(round(size * m))
    raise ValueError(f"{name} must be a fraction in [0, 1) or an integer count of examples, got {size!r}")


def _check_XY(X, Y) -> tuple[Array, Array]:
    X, Y = np.asarray(X), np.asarray(Y)
    if X.ndim != 2:
        raise ValueError(f"X has shape {X.shape}, expected (n_x, m) with examples as columns")
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    if Y.ndim != 2 or Y.shape[1] != X.shape[1]:
        hint = "; labels look like rows: pass Y.T" if Y.ndim == 2 and Y.shape[0] == X.shape[1] else ""
        raise ValueError(f"Y has shape {Y.shape}, expected (n_y, {X.shape[1]}) to match X {X.shape}{hint}")
    if X.shape[1] < 2:
        raise ValueError(f"X has {X.shape[1]} example(s); a split needs at least 2")
    return X, Y
