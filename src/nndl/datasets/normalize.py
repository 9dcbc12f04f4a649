"""Feature standardization, fitted on the training split only and saved with the model."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..validation import check_finite

Array = np.ndarray


class StandardizerArrays(NamedTuple):
    """What a fitted Standardizer is: μ and σ, each (n_x, 1)."""
    mean: Array
    std: Array


class Standardizer:
    """x ← (x − μ) / σ per feature, with μ, σ learnt from the training set.

    The course (Course 2, week 1, normalizing inputs):
        μ = (1/m) Σᵢ x⁽ⁱ⁾,   σ² = (1/m) Σᵢ (x⁽ⁱ⁾ − μ)²   (elementwise, per feature),
    and the *same* μ, σ are used for the dev and test sets. A constant feature (σ = 0) gets σ = 1.

        scaler = Standardizer().fit(X_train)
        X_train, X_dev = scaler.transform(X_train), scaler.transform(X_dev)
    """

    def __init__(self) -> None:
        self.mean: Array | None = None     # μ (n_x, 1)
        self.std: Array | None = None      # σ (n_x, 1)

    @property
    def n_x(self) -> int | None:
        """Number of features μ and σ were fitted on (None before ``fit``)."""
        return None if self.mean is None else self.mean.shape[0]

    def fit(self, X: Array) -> "Standardizer":
        """Learn μ and σ, each (n_x, 1), from X (n_x, m); stored in X's float dtype. Returns self."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] == 0:
            raise ValueError(f"Standardizer.fit expects X of shape (n_x, m) with m ≥ 1, got {X.shape}")
        check_finite("X", X)
        dtype = _float_dtype(X)
        mean = X.mean(axis=1, keepdims=True, dtype=np.float64)
        std = X.std(axis=1, keepdims=True, dtype=np.float64)
        std[std == 0] = 1.0
        self.mean, self.std = mean.astype(dtype), std.astype(dtype)
        return self

    def transform(self, X: Array) -> Array:
        """(X − μ) / σ for X (n_x, m), in X's float dtype and memory layout."""
        X = self._check(X)
        dtype = _float_dtype(X)
        out = np.subtract(X, self.mean.astype(dtype, copy=False), dtype=dtype)
        out /= self.std.astype(dtype, copy=False)
        return out

    def fit_transform(self, X: Array) -> Array:
        """fit(X), then transform(X)."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Array) -> Array:
        """X·σ + μ: back to the original units."""
        X = self._check(X)
        dtype = _float_dtype(X)
        out = np.multiply(X, self.std.astype(dtype, copy=False), dtype=dtype)
        out += self.mean.astype(dtype, copy=False)
        return out

    def to_arrays(self) -> StandardizerArrays:
        """(mean, std), each (n_x, 1), for saving with a model: ``mean, std = s.to_arrays()``."""
        if self.mean is None:
            raise ValueError("Standardizer is not fitted: call fit(X_train) first")
        return StandardizerArrays(self.mean.copy(), self.std.copy())

    @classmethod
    def from_arrays(cls, mean: Array, std: Array) -> "Standardizer":
        """A fitted Standardizer from saved μ, σ (each (n_x, 1), or (n_x,)); σ must be > 0."""
        mean, std = np.asarray(mean), np.asarray(std)
        if mean.ndim == 1:
            mean = mean.reshape(-1, 1)
        if std.ndim == 1:
            std = std.reshape(-1, 1)
        if mean.ndim != 2 or mean.shape[1] != 1 or std.shape != mean.shape:
            raise ValueError(f"mean and std must both have shape (n_x, 1), got {mean.shape} and {std.shape}")
        bad_mean, bad_std = ~np.isfinite(mean), ~(np.isfinite(std) & (std > 0))
        if bad_mean.any() or bad_std.any():
            raise ValueError(f"mean must be finite and std finite and > 0, got {int(bad_mean.sum())} non-finite "
                             f"mean(s) and {int(bad_std.sum())} std(s) that are not finite and > 0")
        scaler = cls()
        scaler.mean, scaler.std = mean.copy(), std.copy()
        return scaler

    def __repr__(self) -> str:
        return "Standardizer(not fitted)" if self.mean is None else f"Standardizer(n_x={self.n_x})"

    def _check(self, X) -> Array:
        if self.mean is None:
            raise ValueError("Standardizer is not fitted: call fit(X_train) first")
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[0] != self.n_x:
            hint = "; examples look like rows: pass X.T" if X.ndim == 2 and X.shape[1] == self.n_x else ""
            raise ValueError(f"X has shape {X.shape}, expected ({self.n_x}, m){hint}")
        return X


def _float_dtype(X: Array) -> np.dtype:
    """X's dtype if floating, else float32 (the library's default)."""
    return X.dtype if X.dtype.kind == "f" else np.dtype(np.float32)
