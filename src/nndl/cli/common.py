"""What the CLI verbs share: datasets, the raw-input preprocessing saved with a model, output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from . import CLIError

from ..preprocessing import IMAGE_SCALE, apply_preprocessing, preprocessing_of  # noqa: F401 (re-exported)


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
