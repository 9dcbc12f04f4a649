"""The best configuration's run directory: retrained model, history.csv, summary.json, trials.csv."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..files import atomic_write
from .study import OBJECTIVE
from .training import train_config

if TYPE_CHECKING:
    from .search import TuneResult


def _write_best(best, trials, data, dataset_name: str, result: TuneResult) -> tuple[Any, dict[str, Any]]:
    """Retrain the best configuration with its seed and write the run directory."""
    from ..io import save
    out = result.out
    out.mkdir(parents=True, exist_ok=True)
    epochs, seed = best.user_attrs["epochs"], best.user_attrs["seed"]
    start = time.perf_counter()
    model = train_config(result.best_config, data, epochs, seed)
    seconds = time.perf_counter() - start
    splits = [s for s in ("train", "dev", "test") if getattr(data, f"X_{s}", None) is not None]
    scores = {s: model.evaluate(getattr(data, f"X_{s}"), getattr(data, f"Y_{s}")) for s in splits}
    meta, tensors = _preprocessing(data)
    meta["tune"] = {"study": result.study_name, "trial": best.number, "config": result.best_config}
    save(model, out / "model.safetensors", extra_metadata=meta, extra_tensors=tensors)
    model.history.write_csv(out / "history.csv")
    _write_trials_csv(trials, out / "trials.csv")
    summary = {
        "dataset": dataset_name, "seed": seed, "layers": [data.n_x, *result.best_config["hidden"], model.output_units],
        "epochs": epochs, "seconds": round(seconds, 3),
        **{f"{s}_accuracy": r.get("accuracy") for s, r in scores.items()},
        **{f"{s}_cost": r["cost"] for s, r in scores.items()},
        "classes": [str(c) for c in getattr(data, "classes", range(data.n_classes))],
        "run_dir": str(out),
        "study": result.study_name, "storage": result.storage, "objective": OBJECTIVE,
        "best_trial": best.number, "best_value": best.value, "config": result.best_config,
        "params": best.params, "n_complete": result.n_complete, "n_pruned": result.n_pruned,
        "n_failed": result.n_failed,
    }
    atomic_write(out / "summary.json", json.dumps(summary, indent=2))
    return model, summary


def _preprocessing(data) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The raw-input preprocessing ``nndl predict`` needs, for datasets from nndl.datasets."""
    if not all(hasattr(data, k) for k in ("name", "classes", "image_shape", "normalizer")):
        return {}, {}
    from ..preprocessing import preprocessing_of
    return preprocessing_of(data)


def _write_trials_csv(trials, path: Path) -> None:
    """One row per trial: number, state, value, dev accuracy, seconds and its configuration."""
    keys = ("optimizer", "learning_rate", "beta", "hidden", "activation", "keep_prob", "lambd", "batch_size")
    f = io.StringIO(newline="")
    w = csv.writer(f)
    w.writerow(["number", "state", "value", "dev_accuracy", "pruned_at_epoch", "seconds", *keys])
    for t in sorted(trials, key=lambda t: t.number):
        config = t.user_attrs.get("config") or {}
        hidden = config.get("hidden")
        w.writerow([t.number, t.state.name, "" if t.value is None else t.value,
                    t.user_attrs.get("dev_accuracy", ""), t.user_attrs.get("pruned_at_epoch", ""),
                    t.user_attrs.get("seconds", ""),
                    *("x".join(map(str, hidden)) if k == "hidden" and hidden is not None else config.get(k, "")
                      for k in keys)])
    atomic_write(path, f.getvalue())
