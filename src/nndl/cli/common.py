"""What the CLI verbs share: datasets, the raw-input preprocessing saved with a model, output."""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..files import is_empty_run_dir, lock_run_dir
from . import CLIError
from .resumable import checkpointing, resuming

from ..preprocessing import IMAGE_SCALE, apply_preprocessing, preprocessing_of, range_warning  # noqa: F401 (re-exported)


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


def check_data_meta(meta: dict[str, Any], tensors: dict[str, np.ndarray], model, path,
                    for_raw_inputs: bool = True) -> dict[str, Any]:
    """The ``data`` entry of a model file's metadata, validated against the model before use:
    classes (one name per output class), image_shape (positive ints, n_H·n_W·… = n_x) and the
    preprocessing (a finite divide_by > 0, or mean and std of shape (n_x, 1) with std > 0).
    A file that breaks any of these is a ModelFileError naming the entry; a checkpoint
    written before checkpoints recorded the preprocessing is refused rather than guessed."""
    from ..io import ModelFileError
    data = meta.get("data", {})
    if for_raw_inputs and "checkpoint" in meta and "data" not in meta:
        raise ModelFileError(f"{path} is a checkpoint without the dataset's input preprocessing; "
                             "predict with the run's model.safetensors")
    if not isinstance(data, dict):
        raise ModelFileError(f"{path}: the 'data' metadata must be an object, got {type(data).__name__}")
    n_x = int(np.prod(model.input_shape))
    n_classes = model.output_units if model.output_units > 1 else 2

    def bad(what):
        return ModelFileError(f"{path}: the model file's {what}; the file is damaged or was edited")

    classes = data.get("classes")
    if classes is not None and (not isinstance(classes, list) or len(classes) != n_classes
                                or not all(isinstance(c, (str, int)) for c in classes)):
        raise bad(f"class list must name {n_classes} classes for its {model.output_units} output unit(s), "
                  f"got {str(classes)[:60]}")
    shape = data.get("image_shape")
    if shape is not None and (not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool)
                                                                     and n > 0 for n in shape)
                              or len(shape) not in (2, 3) or int(np.prod(shape)) != n_x):
        raise bad(f"image_shape must be positive integers [n_H, n_W(, n_C)] with {n_x} pixels, got {str(shape)[:60]}")
    prep = data.get("preprocessing") or {"kind": "none"}
    kind = prep.get("kind") if isinstance(prep, dict) else None
    if kind == "scale":
        d = prep.get("divide_by")
        if isinstance(d, bool) or not isinstance(d, (int, float)) or not np.isfinite(d) or d <= 0:
            raise bad(f"preprocessing divide_by must be a positive number, got {d!r}")
    elif kind == "standardize":
        mean, std = tensors.get("preprocess/mean"), tensors.get("preprocess/std")
        if mean is None or std is None or mean.shape != (n_x, 1) or std.shape != (n_x, 1):
            raise bad(f"standardization needs mean and std of shape ({n_x}, 1)")
        if not (np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
            raise bad("standardization mean/std must be finite with std > 0")
    elif kind != "none":
        raise bad(f"preprocessing kind must be standardize, scale or none, got {str(kind)[:40]!r}")
    return data


def run_dir_for(out: str | None, stem: str) -> Path:
    """--out, or runs/STEM-YYYYmmdd-HHMMSS by default."""
    return Path(out) if out else Path("runs") / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"


def refuse_used_run_dir(run_dir: Path, hint: str = "choose another --out") -> None:
    """CLIError when ``run_dir`` already holds another run (anything but its lock file); a
    run that ``--resume`` continues (``resumable``) is its own."""
    if resuming(run_dir):
        return
    if run_dir.is_dir() and not is_empty_run_dir(run_dir):
        raise CLIError(f"run directory {run_dir} already exists and is not empty; {hint}")


@contextmanager
def claim_new_run_dir(run_dir: Path, hint: str = "choose another --out"):
    """Hold ``run_dir``'s lock for a new run: refused if used, and checked again once the lock
    is held, since another run may have written there since the first look. In a runner
    decorated with ``resumable``, every ``fit`` in the block checkpoints to the run directory,
    and with ``--resume`` (whose lock the decorator already holds) continues from it."""
    if resuming(run_dir):
        with checkpointing(run_dir):
            yield run_dir
        return
    refuse_used_run_dir(run_dir, hint)
    with lock_run_dir(run_dir):
        refuse_used_run_dir(run_dir, hint)
        with checkpointing(run_dir):
            yield run_dir


def load_task_model(run: str, task: str | tuple[str, ...], what: str, check=None):
    """(model, metadata) of RUN_DIR/model.safetensors (or the file itself) trained by
    ``nndl train --model TASK`` (or any of a tuple of tasks); a CLIError naming ``what`` it
    should be otherwise."""
    from ..io import load_with_extras
    tasks = (task,) if isinstance(task, str) else tuple(task)
    hint = " or ".join(f"--model {t}" for t in tasks)
    path = Path(run)
    if path.is_dir():
        path = path / "model.safetensors"
    if not path.is_file():
        raise CLIError(f"{run}: no model.safetensors (train one with nndl train {hint})")
    model, meta, _ = load_with_extras(path)
    if meta.get("task") not in tasks or (check is not None and not check(meta)):
        raise CLIError(f"{path} is not {what} (nndl train {hint})")
    return model, meta


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


def parse_augment(spec: str, keys: tuple[str, ...]) -> dict[str, int]:
    """An --augment spec "shift=2,crop=1,flip" → {"shift": 2, "crop": 1, "flip": 1} over the
    allowed ``keys`` (a bare key means 1); a CLIError names the keys when one is not allowed."""
    options = {}
    for item in spec.split(","):
        key, _, value = item.strip().partition("=")
        try:
            if key not in keys:
                raise ValueError
            options[key] = int(value or 1)
        except ValueError:
            raise CLIError(f"--augment {spec!r}: it takes {', '.join(k + '=N' if k != 'flip' else k for k in keys)}, "
                           f"got {item.strip()!r}") from None
        if options[key] < 0:
            raise CLIError(f"--augment {spec!r}: {key} must be a non-negative integer, got {value}")
    return options


def warn(message: str) -> None:
    print(f"nndl: {message}", file=sys.stderr)
