"""The raw-input preprocessing saved with a trained model, so that raw files predict right.

Raw inputs (CSV/NPY/images) are in the dataset's own units; a model is trained on scaled
(images: x / 255, digits: x / 16) or standardized (tabular, 2-D: (x − μ)/σ) features.
``preprocessing_of(dataset)`` records which, as model-file metadata and tensors;
``apply_preprocessing(X, meta, tensors)`` replays it on raw X (n_x, m).
"""

from __future__ import annotations

from typing import Any

import numpy as np

IMAGE_SCALE = {"digits": 16.0, "mnist": 255.0, "fashion-mnist": 255.0}


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
    return {"data": meta}, tensors


def apply_preprocessing(X: np.ndarray, meta: dict[str, Any], tensors: dict[str, np.ndarray]) -> np.ndarray:
    """Raw features (n_x, m) → the model's input, as recorded at training time:
    (X − μ)/σ when standardized, X / s when scaled, X itself otherwise."""
    kind = (meta.get("preprocessing") or {}).get("kind", "none")
    if kind == "standardize":
        return (X - tensors["preprocess/mean"]) / tensors["preprocess/std"]
    if kind == "scale":
        return X / meta["preprocessing"]["divide_by"]
    return X


def as_model_input(model, X: np.ndarray) -> np.ndarray:
    """Dataset features (n_x, m), one column per example, → what ``model`` takes: X itself for
    a model of 1-D examples; images (m, n_H, n_W, n_C) for a model of image examples
    (``model.input_shape`` = (n_H, n_W, n_C), n_x = n_H·n_W·n_C, each column's pixels in
    row-major (h, w, c) order, as the image datasets store them)."""
    shape = tuple(model.input_shape)
    if len(shape) == 1 or X.ndim != 2:
        return X
    if X.shape[0] != int(np.prod(shape)):
        raise ValueError(f"the model takes images of shape {shape} ({int(np.prod(shape))} values); "
                         f"the data has {X.shape[0]} features per example")
    return np.ascontiguousarray(X.T).reshape(X.shape[1], *shape)
