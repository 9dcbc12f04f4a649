"""What the CLI verbs share: datasets, the raw-input preprocessing saved with a model, output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from . import CLIError

# Raw inputs in files (CSV/NPY/images) are in the dataset's own units; the model was
# trained on scaled (images) or standardized (tabular, 2-D) features.
IMAGE_SCALE = {"digits": 16.0, "mnist": 255.0, "fashion-mnist": 255.0}


def dataset_names() -> list[str]:
    from ..datasets import DATASETS
    return list(DATASETS)


def load_dataset(name: str, data_dir: str | None, seed: int):
    """Load a dataset by name, turning a missing optional dependency into a CLI error."""
    from ..datasets import DATASETS, load_dataset as _load
    if name not in DATASETS:
        raise CLIError(f"unknown dataset {name!r}; expected one of: {', '.join(DATASETS)}")
    try:
        return _load(name, data_dir=data_dir, seed=seed)
    except ImportError as e:
        raise CLIError(str(e)) from None


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
    """Raw features (n_x, m) → the model's input, as recorded at training time."""
    kind = (meta.get("preprocessing") or {}).get("kind", "none")
    if kind == "standardize":
        return (X - tensors["preprocess/mean"]) / tensors["preprocess/std"]
    if kind == "scale":
        return X / meta["preprocessing"]["divide_by"]
    return X


def emit(args, text: str, payload: dict[str, Any]) -> None:
    """Print the human text, or one JSON line with ``--json``."""
    if getattr(args, "json", False):
        print(json.dumps(payload, default=_jsonable))
    else:
        print(text)


def _jsonable(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"{type(o).__name__} is not JSON serializable")


def parse_layers(spec: str) -> list[int]:
    """"784,256,128,10" → [784, 256, 128, 10] (at least n_x and n[L], all positive)."""
    try:
        dims = [int(s) for s in spec.split(",") if s.strip()]
    except ValueError:
        raise CLIError(f"--layers must be comma-separated integers like 784,256,128,10, got {spec!r}") from None
    if len(dims) < 2 or any(d < 1 for d in dims):
        raise CLIError(f"--layers needs at least an input and an output size, all positive, got {spec!r}")
    return dims


def warn(message: str) -> None:
    print(f"nndl: {message}", file=sys.stderr)
