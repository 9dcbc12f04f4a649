"""``tune``: create or continue a study, run its trials here or in worker processes, and
report (and write) the best configuration."""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..files import is_empty_run_dir, lock_run_dir
from .backend import import_optuna
from .rundir import _write_best
from .space import SearchSpace
from .storage import describe_storage, open_storage
from .study import OBJECTIVE, SAMPLERS, make_pruner, make_sampler
from .workers import _Job, _load_data, _optimize, _run_workers


@dataclass
class TuneResult:
    """What a search found. best_config is None when no trial has completed."""

    study_name: str
    storage: str
    n_complete: int
    n_pruned: int
    n_failed: int
    best_trial: int | None = None
    best_value: float | None = None
    best_config: dict[str, Any] | None = None
    best_dev_accuracy: float | None = None
    out: Path | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    model: Any = None
    study: Any = None
    n_trials_before: int = 0          # trials the study held before this call (0: a new study)


def tune(dataset="digits", n_trials: int = 20, study_name: str | None = None,
         storage: str | None = "sqlite:///study.db", sampler: str = "random", n_jobs: int = 1,
         epochs: int = 20, seed: int = 1, out: str | os.PathLike | None = "runs/tune",
         data_dir: str | None = None, search_space: SearchSpace | None = None, prune: bool = True,
         prune_startup_trials: int = 5, prune_warmup_epochs: int | None = None,
         verbose: int = 1, heartbeat_interval: int | None = None,
         grace_period: int | None = None) -> TuneResult:
    """Search hyperparameters for an L-layer network on ``dataset`` and keep the best.

    dataset: a name for ``nndl.datasets.load_dataset`` or a Dataset-like object with
    X_train, Y_train, X_dev, Y_dev ((n_x, m) and (1, m) labels), n_x and n_classes.
    study_name: the study to create or continue (default "nndl-<dataset>"); a study that
    exists gets ``n_trials`` more trials. storage: an Optuna storage URL shared by all
    workers (default sqlite:///study.db), or None for an in-memory study. sampler: "random"
    (the course's advice) or "tpe". n_jobs: worker processes on this machine (-1: one per
    CPU), each with one BLAS thread. epochs: per trial. seed: the data split, every
    trial's initialization and shuffling, and the sampler (trial k draws with (seed, k)).
    prune: MedianPruner on J_dev after ``prune_startup_trials`` trials and
    ``prune_warmup_epochs`` epochs (default: a quarter of the epochs, at least 1).
    out: run directory for the best configuration, retrained with its seed
    (model.safetensors, history.csv, summary.json, trials.csv); None writes nothing and
    does not retrain. Returns a TuneResult (best trial, value, configuration, counts).

    heartbeat_interval, grace_period: seconds; with a heartbeat, a trial whose worker died
    (killed, machine lost) is marked failed once its heartbeat is ``grace_period`` old, by
    the next worker that starts a trial (see ``open_storage``).

    Objective (minimized): the dev cost J_dev after the last epoch.
    Worker processes are spawned: a script that calls ``tune(n_jobs > 1)`` must guard its
    entry point with ``if __name__ == "__main__":``.
    """
    optuna = import_optuna()
    space = search_space if search_space is not None else SearchSpace()
    if not isinstance(space, SearchSpace):
        raise TypeError(f"search_space must be a SearchSpace, got {type(space).__name__}")
    _check_int("n_trials", n_trials, 0)
    _check_int("epochs", epochs, 1)
    _check_int("n_jobs", n_jobs, -1)
    n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
    if n_jobs == 0:
        raise ValueError("n_jobs must be a positive number of worker processes, or -1 for one per CPU, got 0")
    if n_jobs > 1 and storage is None:
        raise ValueError("n_jobs > 1 needs a storage URL that the worker processes share, "
                         "e.g. storage='sqlite:///study.db'")
    if prune_warmup_epochs is None:
        prune_warmup_epochs = max(1, epochs // 4)
    _check_int("prune_startup_trials", prune_startup_trials, 0)
    _check_int("prune_warmup_epochs", prune_warmup_epochs, 0)
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    data = _load_data(dataset, data_dir, seed)
    dataset_name = getattr(data, "name", dataset if isinstance(dataset, str) else "custom")
    study_name = study_name or f"nndl-{dataset_name}"
    rdb = open_storage(storage, heartbeat_interval, grace_period)

    claim = _claim_run_dir(out)  # held until the best model is written: one writer per run directory
    old_verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(study_name=study_name, storage=rdb, direction="minimize", load_if_exists=True,
                                    sampler=make_sampler(sampler, seed),
                                    pruner=make_pruner(prune, prune_startup_trials, prune_warmup_epochs))
        _check_study(study, dataset_name)
        n_before = len(study.trials)
        if verbose:
            what = (f"continuing the existing study {study_name!r} ({n_before} trials so far)" if n_before
                    else f"new study {study_name!r}")
            print(f"nndl tune: {what} in {describe_storage(storage)}; {n_trials} more trials on {dataset_name}, "
                  f"{epochs} epochs each, {sampler} sampler, {n_jobs} worker(s)", flush=True)
        job = _Job(study_name, storage, dataset, data_dir, seed, epochs, space, sampler, prune,
                   prune_startup_trials, prune_warmup_epochs, verbose, n_trials, heartbeat_interval, grace_period)
        if n_trials and n_jobs > 1:
            _run_workers(job, n_jobs)
        elif n_trials:
            _optimize(study, job, data)
        result = _finish(study, storage, data, dataset_name, out)
        result.n_trials_before = n_before
        return result
    finally:
        claim.close()
        optuna.logging.set_verbosity(old_verbosity)


# The study file that ``nndl tune`` creates in its run directory before the search starts.
STUDY_FILES = ("study.db", "study.db-journal", "study.db-wal", "study.db-shm")


def _claim_run_dir(out) -> ExitStack:
    """The lock of the run directory ``out`` (nothing when None), taken after checking that
    ``out`` is empty like ``nndl train --out``: a search never writes over another run.
    Worker processes share the study, not this directory; only this process writes it."""
    stack = ExitStack()
    if out is None:
        return stack
    for attempt in range(2):  # before creating it, then again once the lock is held
        if Path(out).is_dir() and not is_empty_run_dir(out, also=STUDY_FILES):
            stack.close()
            raise ValueError(f"run directory {out} already exists and is not empty; choose another out "
                             "(--out), or continue the study with --no-retrain / out=None")
        if attempt == 0:
            stack.enter_context(lock_run_dir(out))
    return stack


def _check_int(name: str, value, low: int) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def _check_study(study, dataset_name: str) -> None:
    """Tag a new study with its dataset and objective; refuse to mix datasets in one study."""
    attrs = study.user_attrs
    if "dataset" not in attrs:
        study.set_user_attr("dataset", dataset_name)
        study.set_user_attr("objective", OBJECTIVE)
    elif attrs["dataset"] != dataset_name:
        raise ValueError(f"study {study.study_name!r} searches dataset {attrs['dataset']!r}, not {dataset_name!r}; "
                         "choose another study name")


def _finish(study, storage, data, dataset_name: str, out) -> TuneResult:
    optuna = import_optuna()
    states = optuna.trial.TrialState
    trials = study.get_trials(deepcopy=False)
    counts = {s: sum(t.state == s for t in trials) for s in (states.COMPLETE, states.PRUNED, states.FAIL)}
    result = TuneResult(study.study_name, describe_storage(storage), counts[states.COMPLETE],
                        counts[states.PRUNED], counts[states.FAIL], study=study)
    if not counts[states.COMPLETE]:
        return result
    best = study.best_trial
    result.best_trial, result.best_value = best.number, best.value
    result.best_config = best.user_attrs["config"]
    result.best_dev_accuracy = best.user_attrs.get("dev_accuracy")
    if out is not None:
        result.out = Path(out)
        result.model, result.summary = _write_best(best, trials, data, dataset_name, result)
    return result
