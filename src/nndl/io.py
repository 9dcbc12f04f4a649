"""Model files and checkpoints: safetensors weights with the architecture as JSON metadata.

Loading never executes code: the file is a JSON header plus raw arrays, and the
architecture may name only registered nndl layers and model classes (``register_layer``,
``register_model``; the class is found by name, so this module imports no model). A file is written to a temporary file
in the same folder, flushed to disk and renamed over the target, so an interrupted save
leaves the previous file whole.

A checkpoint is a model file that also carries the optimizer's state (``optimizer/v.dW1``
…), the random generator's state, the history and the epoch, so that training resumes
exactly where it stopped.
"""

from __future__ import annotations

import json
import os
import stat
import struct
from pathlib import Path
from typing import Any

import numpy as np

from .limits import allocation_budget, check_checkpoint_state, check_finite_weights
from .resume import callback_state_to_save, restore_callback_state

FORMAT = "nndl"
FORMAT_VERSION = 1
_OPT_PREFIX = "optimizer/"


class ModelFileError(ValueError):
    """A file that is not a readable nndl model (missing, corrupt, truncated or foreign)."""


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` atomically (see ``nndl.files.atomic_write``)."""
    from .files import atomic_write
    atomic_write(path, data)


def _serialize(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    from safetensors.numpy import save
    return save({k: np.ascontiguousarray(v) for k, v in tensors.items()}, metadata=metadata)


def save(model, path: str | os.PathLike, extra_metadata: dict[str, Any] | None = None,
         extra_tensors: dict[str, np.ndarray] | None = None) -> None:
    """Write ``model`` (built) to ``path`` as safetensors; architecture in the metadata."""
    if not model.built:
        raise ValueError("the model has no weights yet: build it (or fit it) before saving")
    metadata = {"format": FORMAT, "format_version": str(FORMAT_VERSION),
                "architecture": json.dumps(model.get_config())}
    if extra_metadata:
        metadata.update({k: json.dumps(v) for k, v in extra_metadata.items()})
    tensors = {**model.get_weights(), **(extra_tensors or {})}
    _atomic_write(Path(path), _serialize(tensors, metadata))


def read_file(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(tensors, metadata) of an nndl safetensors file, with clear errors for bad files."""
    path = Path(path)
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise ModelFileError(f"model file not found: {path}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ModelFileError(f"{path} is a folder, expected a model file (.safetensors)")
    if not stat.S_ISREG(info.st_mode):  # /dev/zero, a pipe: reading would never end
        raise ModelFileError(f"{path} is not a regular file (a device, pipe or socket); expected a model file")
    with open(path, "rb") as f:
        data = f.read(info.st_size + 1)
    if len(data) != info.st_size:
        raise ModelFileError(f"{path} changed while it was being read; try again")
    if len(data) < 8:
        raise ModelFileError(f"{path} is not an nndl model file: only {len(data)} bytes")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > len(data) - 8 or header_len > 100_000_000:
        raise ModelFileError(f"{path} is not an nndl model file, or it is truncated: "
                             f"header claims {header_len} bytes, file has {len(data) - 8}")
    try:
        header = json.loads(data[8:8 + header_len])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelFileError(f"{path} is not an nndl model file: its header is not JSON") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ModelFileError(f"{path} is a safetensors file but not an nndl model (no nndl architecture in it)")
    version = str(metadata.get("format_version", "0"))
    if not version.isdigit():
        raise ModelFileError(f"{path} is not an nndl model file: format version {version!r}")
    if int(version) > FORMAT_VERSION:
        raise ModelFileError(f"{path} was written by a newer nndl (format {version}); upgrade nndl")
    from safetensors import SafetensorError
    from safetensors.numpy import load
    try:
        tensors = load(data)
    except (SafetensorError, ValueError) as e:
        raise ModelFileError(f"{path} is corrupt or truncated: {e}") from None
    return tensors, metadata


def _model_from(tensors: dict[str, np.ndarray], metadata: dict[str, str], path) -> Any:
    from .model_registry import MODELS
    try:
        config = json.loads(metadata["architecture"])
    except (KeyError, json.JSONDecodeError):
        raise ModelFileError(f"{path}: the architecture metadata is missing or not JSON") from None
    if not isinstance(config, dict):
        raise ModelFileError(f"{path}: the architecture metadata is a JSON {type(config).__name__}, expected an object")
    cls = MODELS.get(config.get("class"))
    if cls is None:
        raise ModelFileError(f"{path}: unknown model class {config.get('class')!r}")
    weight_bytes = sum(v.nbytes for k, v in tensors.items() if "/" not in k)
    try:
        with allocation_budget(weight_bytes, f"{path} holds"):  # sizes checked before any allocation
            model = cls.from_config(config)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise ModelFileError(f"{path}: the architecture cannot be rebuilt: {e}") from None
    if not model.built:
        raise ModelFileError(f"{path}: the architecture has no input shape")
    weights = {k: v for k, v in tensors.items() if "/" not in k}  # "optimizer/…", "preprocess/…" aside
    expected = set(model.params) | set(model.state)
    if set(weights) != expected:
        missing, extra = sorted(expected - set(weights)), sorted(set(weights) - expected)
        raise ModelFileError(f"{path}: weights do not match the architecture (missing {missing}, unexpected {extra})")
    try:
        model.set_weights(weights)
        check_finite_weights(weights)
    except ValueError as e:
        raise ModelFileError(f"{path}: {e}") from None
    return model


def load(path: str | os.PathLike):
    """Rebuild a model saved by ``save`` (or a checkpoint's model)."""
    tensors, metadata = read_file(path)
    return _model_from(tensors, metadata, path)


def save_checkpoint(model, path: str | os.PathLike, epoch: int, extra_metadata: dict[str, Any] | None = None,
                    extra_tensors: dict[str, np.ndarray] | None = None) -> None:
    """Model + optimizer state + generator state + history + epoch + the callbacks' state
    (early stopping's best epoch and weights), atomically; ``extra_*`` as in ``save``."""
    opt = model.optimizer
    state = {
        "epoch": int(epoch),
        "optimizer": {"name": opt.name, "config": opt.get_config(), "t": opt.t},
        "learning_rate0": getattr(model, "learning_rate0", opt.learning_rate),
        "rng_state": model.rng.bit_generator.state,
        "history": model.history.history,
    }
    state["callbacks"], callback_tensors = callback_state_to_save(model)
    tensors = {_OPT_PREFIX + k: v for k, v in opt.state_arrays().items()}
    save(model, path, extra_metadata={**(extra_metadata or {}), "checkpoint": state},
         extra_tensors={**(extra_tensors or {}), **tensors, **callback_tensors})


def read_extras(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The extra metadata (JSON-decoded) and extra tensors (names with a "/") saved beside a
    model, e.g. the dataset's classes and input preprocessing written by ``nndl train``."""
    return _extras(*read_file(path))


def load_with_extras(path: str | os.PathLike) -> tuple[Any, dict[str, Any], dict[str, np.ndarray]]:
    """(model, extra metadata, extra tensors) from one read of the file: ``load`` and
    ``read_extras`` together."""
    tensors, metadata = read_file(path)
    return (_model_from(tensors, metadata, path), *_extras(tensors, metadata))


def _extras(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    meta = {}
    for k, v in metadata.items():
        if k in ("format", "format_version", "architecture"):
            continue
        try:
            meta[k] = json.loads(v)
        except json.JSONDecodeError:
            meta[k] = v
    return meta, {k: v for k, v in tensors.items() if "/" in k}


def load_checkpoint(path: str | os.PathLike):
    """A model ready to continue training: weights, optimizer, generator and history restored."""
    tensors, metadata = read_file(path)
    if "checkpoint" not in metadata:
        raise ModelFileError(f"{path} is a model file, not a checkpoint (no optimizer state)")
    model = _model_from(tensors, metadata, path)
    _restore_training_state(model, tensors, metadata, path)
    return model


def restore_checkpoint(model, path: str | os.PathLike) -> None:
    """Continue ``model`` (built) from the checkpoint at ``path``, in place: its weights,
    optimizer, generator, history, epoch and callbacks' state become the checkpoint's. The
    checkpoint must hold this very architecture (``model.get_config()``), else a
    ModelFileError: it belongs to another run or was edited."""
    tensors, metadata = read_file(path)
    if "checkpoint" not in metadata:
        raise ModelFileError(f"{path} is a model file, not a checkpoint (no optimizer state)")
    try:
        config = json.loads(metadata["architecture"])
    except (KeyError, json.JSONDecodeError):
        raise ModelFileError(f"{path}: the architecture metadata is missing or not JSON") from None
    if config != json.loads(json.dumps(model.get_config())):
        raise ModelFileError(f"{path} holds another architecture than this run's model "
                             f"({config.get('class') if isinstance(config, dict) else config!r}); "
                             "it belongs to another run or was edited")
    weights = {k: v for k, v in tensors.items() if "/" not in k}
    expected = {k: v.shape for k, v in {**model.params, **model.state}.items()}
    if {k: v.shape for k, v in weights.items()} != expected:
        raise ModelFileError(f"{path}: the weights do not match the architecture (names or shapes differ)")
    try:
        check_finite_weights(weights)
    except ValueError as e:
        raise ModelFileError(f"{path}: {e}") from None
    model.set_weights(weights)
    _restore_training_state(model, tensors, metadata, path)


def _restore_training_state(model, tensors: dict[str, np.ndarray], metadata: dict[str, str], path) -> None:
    """Optimizer, generator, history, epoch and callbacks' state of a checkpoint, checked, onto ``model``."""
    from .optimizers import OPTIMIZERS
    try:
        state = json.loads(metadata["checkpoint"])
        check_checkpoint_state(state)
        opt_cls = OPTIMIZERS.get(state["optimizer"]["name"])
        if opt_cls is None:
            raise ModelFileError(f"{path}: unknown optimizer {state['optimizer']['name']!r}")
        opt = opt_cls(**state["optimizer"]["config"])
        opt_arrays = {k[len(_OPT_PREFIX):]: v for k, v in tensors.items() if k.startswith(_OPT_PREFIX)}
        opt.load_state_arrays(opt_arrays, model.grads, state["optimizer"]["t"])
        model.optimizer = opt
        model.learning_rate0 = state["learning_rate0"]
        model.rng.bit_generator.state = state["rng_state"]
        model.history.history = {k: list(v) for k, v in state["history"].items()}
        model.epochs_done = int(state["epoch"])
        restore_callback_state(model, state.get("callbacks", {}), tensors)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as e:  # JSONDecodeError is a ValueError
        raise ModelFileError(f"{path}: the checkpoint's training state is incomplete or corrupt: {e}") from None
