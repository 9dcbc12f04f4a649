"""The raw-input preprocessing saved with a trained model, so that raw files predict right.

Raw inputs (CSV/NPY/images) are in the dataset's own units; a model is trained on scaled
(images: x / 255, digits: x / 16) or standardized (tabular, 2-D: (x − μ)/σ) features.
``preprocessing_of(dataset)`` records which, as model-file metadata and tensors;
``apply_preprocessing(X, meta, tensors)`` replays it on raw X (n_x, m); the training split's
raw range is saved beside it so ``range_warning`` can tell when inputs look like another scale.
"""

from __future__ import annotations

from typing import Any

import numpy as np

IMAGE_SCALE = {"digits": 16.0, "mnist": 255.0, "fashion-mnist": 255.0, "fashion-mnist-shifted": 255.0}


def preprocessing_of(dataset) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(metadata, tensors) describing raw → model input for this dataset, saved with the model."""
    meta: dict[str, Any] = {"dataset": dataset.name, "classes": list(dataset.classes),
                            "image_shape": list(dataset.image_shape) if dataset.image_shape else None}
    tensors: dict[str, np.ndarray] = {}
    if dataset.normalizer is not None:
        mean, std = dataset.normalizer.to_arrays()
        meta["preprocessing"] = {"kind": "standardize"}
        tensors = {"preprocess/mean": mean, "preprocess/std": std}
    elif dataset.name in IMAGE_SCALE:
        meta["preprocessing"] = {"kind": "scale", "divide_by": IMAGE_SCALE[dataset.name]}
    else:
        meta["preprocessing"] = {"kind": "none"}
    lo, hi = raw_range(dataset)
    tensors.update({"preprocess/raw_min": lo, "preprocess/raw_max": hi})
    return {"data": meta}, tensors


def raw_range(dataset) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature min and max (n_x, 1) of the training split in raw units (before the
    standardization or scaling that ``load_dataset`` applied), for ``predict`` to compare with."""
    X = dataset.X_train
    lo = X.min(axis=1, keepdims=True).astype(np.float64)   # per feature; the maps below are increasing,
    hi = X.max(axis=1, keepdims=True).astype(np.float64)   # so they carry min and max over (no copy of X)
    if dataset.normalizer is not None:
        mean, std = dataset.normalizer.to_arrays()
        lo, hi = lo * std + mean, hi * std + mean
    elif dataset.name in IMAGE_SCALE:
        lo, hi = lo * IMAGE_SCALE[dataset.name], hi * IMAGE_SCALE[dataset.name]
    return lo, hi


def range_warning(raw: np.ndarray, tensors: dict[str, np.ndarray]) -> str | None:
    """A sentence when raw inputs (n_x, m) look like another scale than the training data's:
    their spread is under a tenth of the training spread (e.g. pixels already divided to
    [0, 1] for a model trained on 0–16), or over a tenth of the values fall far outside the
    training range. None when they fit, or when the model file does not record the range."""
    if "preprocess/raw_min" not in tensors:
        return None
    lo, hi = tensors["preprocess/raw_min"], tensors["preprocess/raw_max"]
    span = (hi - lo).ravel()
    live = span > 0
    if not live.any():
        return None
    in_span = (raw.max(axis=1) - raw.min(axis=1))[live] if raw.shape[1] > 1 else np.abs(raw[live, 0] - lo[live, 0])
    in_max = np.abs(raw[live]).max()
    compressed = raw.shape[1] > 1 and np.median(in_span / span[live]) < 0.1 or in_max < 0.1 * np.abs(hi[live]).max()
    far = (raw < lo - span[:, None] * 0.5) | (raw > hi + span[:, None] * 0.5)
    outside = far[live].mean() > 0.1
    if not (compressed or outside):
        return None
    return (f"the input ranges over [{raw.min():.3g}, {raw.max():.3g}], but the model was trained on raw "
            f"features in [{lo.min():.3g}, {hi.max():.3g}]; predict applies the training preprocessing "
            "itself, so pass raw, unscaled features in the dataset's own units")


def apply_preprocessing(X: np.ndarray, meta: dict[str, Any], tensors: dict[str, np.ndarray]) -> np.ndarray:
    """Raw features (n_x, m) → the model's input, as recorded at training time:
    (X − μ)/σ when standardized, X / s when scaled, X itself otherwise."""
    kind = (meta.get("preprocessing") or {}).get("kind", "none")
    if kind == "standardize":
        return (X - tensors["preprocess/mean"]) / tensors["preprocess/std"]
    if kind == "scale":
        return X / meta["preprocessing"]["divide_by"]
    return X
