"""Hyperparameter search with Optuna (Course 2, week 3: "Hyperparameter tuning").

The course's advice, as code: sample at random rather than on a grid, on the scale that
fits each hyperparameter, and spend the search where it matters:

    α       ~ 10^U(log10 α_lo, log10 α_hi)               learning rate, log scale
    1 − β   ~ 10^U(log10(1 − β_hi), log10(1 − β_lo))      momentum / Adam β1, so β ∈ [0.9, 0.999]
                                                          is searched as finely near 0.999 as near 0.9
    L − 1   ~ U{min_layers … max_layers}                  hidden layers; n[l] log-uniform integers
    keep_prob ~ U(lo, hi);  λ = 0 or 10^U(…);  mini-batch size ∈ {16, 32, …, 512}

Each trial trains ``mlp([n_x, n[1], …, n[L−1], n_out])`` one epoch at a time, reports the
dev cost J_dev (cross-entropy without the L2 term) after every epoch and is stopped early
by a median pruner when J_dev is worse than the median of earlier trials at that epoch.
The objective, minimized, is J_dev after the last epoch (the dev accuracy is recorded too).
A run that diverges (NaN/Inf cost) is recorded as pruned.

Trial k's hyperparameters are drawn by a sampler seeded with (seed, k), so a study's
configurations depend on its seed and trial numbers only, not on which worker ran them:
any number of workers, on one machine or many, never draw the same configuration twice.

Studies live in an Optuna storage (SQLite by default; any Optuna storage URL such as
PostgreSQL or MySQL works), so workers on several machines can work one study; ``n_jobs``
starts worker processes on this machine. At the end the best configuration is retrained
with the same seed and written as a run directory like ``nndl train`` writes.

Optuna is an optional extra: ``pip install optuna`` (or ``pip install nndl[tune]``).
"""

from __future__ import annotations

import csv
import json
import math
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

OBJECTIVE = "dev_cost"
SAMPLERS = ("random", "tpe")
OPTIMIZERS = ("adam", "momentum")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def import_optuna():
    """The optuna module, or an ImportError that says how to install it."""
    try:
        import optuna
    except ImportError:
        raise ImportError("hyperparameter search needs Optuna, an optional extra: "
                          "pip install optuna (or pip install nndl[tune])") from None
    return optuna


# ---------------------------------------------------------------------- search space
@dataclass
class SearchSpace:
    """The ranges a study draws from (inclusive). A range with lo == hi is a fixed value.

    learning_rate: α, log scale. beta: β (momentum β, Adam β1), drawn as 1 − β on a log
    scale. min_layers/max_layers: number of hidden layers. units: n[l] per hidden layer,
    log scale. keep_prob: dropout keep probability, uniform (1 = no dropout). lambd: the
    L2 λ when L2 is on, log scale; a yes/no switch decides whether λ = 0 (lambd = (0, 0):
    never). batch_sizes: the smallest and largest mini-batch size, powers of two; every
    power of two between is a choice. optimizers, activations: the choices.
    """

    learning_rate: tuple[float, float] = (1e-4, 1e-1)
    beta: tuple[float, float] = (0.9, 0.999)
    min_layers: int = 1
    max_layers: int = 3
    units: tuple[int, int] = (16, 256)
    keep_prob: tuple[float, float] = (0.5, 1.0)
    lambd: tuple[float, float] = (1e-5, 1e-1)
    batch_sizes: tuple[int, int] = (16, 512)
    optimizers: tuple[str, ...] = OPTIMIZERS
    activations: tuple[str, ...] = ("relu",)

    def __post_init__(self) -> None:
        self.learning_rate = _range("learning_rate", self.learning_rate, float, low=0.0, open_low=True)
        self.beta = _range("beta", self.beta, float, low=0.0, high=1.0, open_high=True)
        self.units = _range("units", self.units, int, low=1)
        self.keep_prob = _range("keep_prob", self.keep_prob, float, low=0.0, high=1.0, open_low=True)
        self.lambd = _range("lambd", self.lambd, float, low=0.0)
        if self.lambd[0] == 0.0 and self.lambd[1] > 0.0:
            raise ValueError(f"lambd range must be positive (λ = 0 comes from the L2 on/off switch), "
                             f"got {self.lambd}; use e.g. (1e-5, 1e-1), or (0, 0) for no L2")
        self.batch_sizes = _range("batch_sizes", self.batch_sizes, int, low=1)
        for b in self.batch_sizes:
            if b & (b - 1):
                raise ValueError(f"batch_sizes must be powers of two such as (16, 512), got {self.batch_sizes}")
        if not (isinstance(self.min_layers, int) and isinstance(self.max_layers, int)
                and 0 <= self.min_layers <= self.max_layers):
            raise ValueError(f"hidden layers must satisfy 0 <= min_layers <= max_layers, "
                             f"got min_layers={self.min_layers!r}, max_layers={self.max_layers!r}")
        self.optimizers = _choices("optimizers", self.optimizers, OPTIMIZERS)
        self.activations = _choices("activations", self.activations, ACTIVATIONS)

    @property
    def batch_size_choices(self) -> list[int]:
        """Every power of two from the smallest to the largest mini-batch size."""
        lo, hi = self.batch_sizes
        return [2 ** k for k in range(lo.bit_length() - 1, hi.bit_length())]

    def sample(self, trial) -> dict[str, Any]:
        """One configuration, drawn through ``trial.suggest_*``:
        {optimizer, learning_rate, beta, hidden (list of n[l]), activation, keep_prob, lambd, batch_size}."""
        lr = _suggest_float(trial, "learning_rate", self.learning_rate, log=True)
        one_minus_beta = _suggest_float(trial, "one_minus_beta", (1 - self.beta[1], 1 - self.beta[0]), log=True)
        n_hidden = _suggest_int(trial, "hidden_layers", (self.min_layers, self.max_layers))
        hidden = [_suggest_int(trial, f"n{l}", self.units, log=True) for l in range(1, n_hidden + 1)]
        lambd = 0.0
        if self.lambd[1] > 0 and trial.suggest_categorical("l2", [False, True]):
            lambd = _suggest_float(trial, "lambd", self.lambd, log=True)
        return {
            "optimizer": _suggest_choice(trial, "optimizer", self.optimizers),
            "learning_rate": lr,
            "beta": 1.0 - one_minus_beta,
            "hidden": hidden,
            "activation": _suggest_choice(trial, "activation", self.activations),
            "keep_prob": _suggest_float(trial, "keep_prob", self.keep_prob),
            "lambd": lambd,
            "batch_size": _suggest_choice(trial, "batch_size", self.batch_size_choices),
        }


def _range(name: str, value, kind, low=None, high=None, open_low=False, open_high=False) -> tuple:
    try:
        lo, hi = (kind(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (lo, hi) of {kind.__name__}s, got {value!r}") from None
    bad = not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi
    bad |= low is not None and (lo < low or (open_low and lo == low))
    bad |= high is not None and (hi > high or (open_high and hi == high))
    if bad:
        bounds = f"{'(' if open_low else '['}{low if low is not None else '-inf'}, " \
                 f"{high if high is not None else 'inf'}{')' if open_high else ']'}"
        raise ValueError(f"{name} must be a range lo <= hi within {bounds}, got {value!r}")
    return lo, hi


def _choices(name: str, value, known: tuple[str, ...]) -> tuple[str, ...]:
    value = (value,) if isinstance(value, str) else tuple(value)
    unknown = [v for v in value if v not in known]
    if not value or unknown:
        raise ValueError(f"{name} must be a non-empty list from {', '.join(known)}, got {list(value)}")
    return value


def _suggest_float(trial, name: str, bounds: tuple[float, float], log: bool = False) -> float:
    lo, hi = bounds
    return lo if lo == hi else float(trial.suggest_float(name, lo, hi, log=log))


def _suggest_int(trial, name: str, bounds: tuple[int, int], log: bool = False) -> int:
    lo, hi = bounds
    return lo if lo == hi else int(trial.suggest_int(name, lo, hi, log=log))


def _suggest_choice(trial, name: str, choices):
    choices = list(choices)
    return choices[0] if len(choices) == 1 else trial.suggest_categorical(name, choices)


# ---------------------------------------------------------------------- one configuration
def build_model(config: dict[str, Any], n_x: int, n_classes: int, seed: int):
    """``mlp([n_x, *hidden, n_out])``: one sigmoid unit for 2 classes, else n_classes softmax units."""
    from .models import mlp
    n_out, output = (1, "sigmoid") if n_classes == 2 else (n_classes, "softmax")
    keep_prob = config["keep_prob"] if config["keep_prob"] < 1 else None
    return mlp([n_x, *config["hidden"], n_out], hidden=config["activation"], output=output,
               lambd=config["lambd"], keep_prob=keep_prob, seed=seed)


def _make_optimizer(config: dict[str, Any]):
    from .optimizers import get_optimizer
    beta = {"adam": "beta1", "momentum": "beta"}[config["optimizer"]]
    return get_optimizer(config["optimizer"], learning_rate=config["learning_rate"], **{beta: config["beta"]})


def train_config(config: dict[str, Any], data, epochs: int, seed: int, trial=None):
    """Train one configuration for ``epochs`` epochs, one ``fit`` call per epoch (the
    optimizer's state carries over), reporting J_dev to ``trial`` after each epoch and
    raising ``optuna.TrialPruned`` when its pruner says so. Returns the model; its
    ``history`` holds cost, accuracy, val_cost and val_accuracy per epoch."""
    model = build_model(config, data.n_x, data.n_classes, seed)
    optimizer = _make_optimizer(config)
    for epoch in range(epochs):
        model.fit(data.X_train, data.Y_train, epochs=1, batch_size=config["batch_size"],
                  optimizer=optimizer if epoch == 0 else None, validation_data=(data.X_dev, data.Y_dev),
                  verbose=0)
        if trial is not None:
            dev_cost = model.history["val_cost"][-1]
            trial.report(dev_cost, epoch)
            if trial.should_prune():
                trial.set_user_attr("pruned_at_epoch", epoch + 1)
                raise import_optuna().TrialPruned(f"dev cost {dev_cost:.4g} after epoch {epoch + 1}")
    return model


# ---------------------------------------------------------------------- storage, samplers, study
def describe_storage(url: str | None) -> str:
    """The storage URL with any password hidden (safe to print and to save)."""
    if url is None:
        return "in-memory"
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1] if "@" in url else url


class _SQLiteConnection(sqlite3.Connection):
    """A SQLite connection in WAL mode with synchronous=NORMAL: readers do not block the
    writer, and commits (two per epoch of every trial) skip the fsync until a checkpoint;
    an interrupted run may lose its last commits but never corrupts the file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA journal_mode=WAL")
        self.execute("PRAGMA synchronous=NORMAL")


def open_storage(url: str | None):
    """An Optuna RDB storage for ``url`` (None: in memory). SQLite connections wait up to
    30 s for a lock, so several worker processes can share one file (WAL mode; keep the
    file on a local disk, use PostgreSQL or MySQL across machines); workers that start
    together and race to create the tables retry."""
    if url is None:
        return None
    optuna = import_optuna()
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"storage must be a database URL such as sqlite:///study.db, "
                         f"postgresql://user:password@host/db or mysql+pymysql://user:password@host/db, got {url!r}")
    engine_kwargs = {"connect_args": {"timeout": 30, "factory": _SQLiteConnection}} if url.startswith("sqlite") else None
    for attempt in range(6):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs)
        except ImportError as e:
            raise ValueError(f"cannot open the storage {describe_storage(url)}: its database driver is missing "
                             f"({e}); install it, e.g. pip install psycopg2-binary (PostgreSQL) or "
                             "pip install pymysql (MySQL)") from None
        except Exception as e:
            racing = type(e).__name__ == "IntegrityError" or "locked" in str(e) or "already exists" in str(e)
            if racing and attempt < 5:
                time.sleep(0.1 * 2 ** attempt)
                continue
            reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ValueError(f"cannot open the storage {describe_storage(url)}: {reason}") from None


def make_sampler(kind: str, seed: int):
    """An Optuna sampler that draws trial k with a fresh ``kind`` sampler ("random" or "tpe")
    seeded from (seed, k): reproducible, and distinct across parallel workers."""
    optuna = import_optuna()
    if kind not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {kind!r}")
    factory = {"random": optuna.samplers.RandomSampler, "tpe": optuna.samplers.TPESampler}[kind]

    class TrialSeededSampler(optuna.samplers.BaseSampler):
        def __init__(self):
            self._inner = factory(seed=seed)

        def before_trial(self, study, trial):
            trial_seed = int(np.random.SeedSequence([int(seed), trial.number]).generate_state(1)[0])
            self._inner = factory(seed=trial_seed)
            self._inner.before_trial(study, trial)

        def infer_relative_search_space(self, study, trial):
            return self._inner.infer_relative_search_space(study, trial)

        def sample_relative(self, study, trial, search_space):
            return self._inner.sample_relative(study, trial, search_space)

        def sample_independent(self, study, trial, param_name, param_distribution):
            return self._inner.sample_independent(study, trial, param_name, param_distribution)

        def after_trial(self, study, trial, state, values):
            self._inner.after_trial(study, trial, state, values)

        def reseed_rng(self):  # seeds come from (seed, trial number)
            pass

    return TrialSeededSampler()


def make_pruner(prune: bool, startup_trials: int = 5, warmup_epochs: int = 1):
    """MedianPruner: stop a trial whose J_dev at an epoch is worse than the median of
    earlier trials at that epoch (after ``startup_trials`` trials and ``warmup_epochs`` epochs)."""
    optuna = import_optuna()
    if not prune:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(n_startup_trials=startup_trials, n_warmup_steps=warmup_epochs)


def _objective(data, space: SearchSpace, epochs: int, seed: int):
    optuna = import_optuna()
    from .models import TrainingDiverged

    def objective(trial) -> float:
        config = space.sample(trial)
        trial.set_user_attr("config", config)
        trial.set_user_attr("epochs", epochs)
        trial.set_user_attr("seed", seed)
        start = time.perf_counter()
        try:
            model = train_config(config, data, epochs, seed, trial)
        except TrainingDiverged as e:
            trial.set_user_attr("diverged", str(e))
            raise optuna.TrialPruned(str(e)) from None
        finally:
            trial.set_user_attr("seconds", round(time.perf_counter() - start, 3))
        trial.set_user_attr("dev_accuracy", model.history["val_accuracy"][-1])
        return model.history["val_cost"][-1]

    return objective


# ---------------------------------------------------------------------- progress
def format_config(config: dict[str, Any]) -> str:
    """A configuration on one line: optimizer, α, β, hidden sizes n[1]x…, activation, keep_prob, λ, batch."""
    hidden = "x".join(map(str, config["hidden"])) or "none"
    return (f"{config['optimizer']} lr={config['learning_rate']:.2e} beta={config['beta']:.4f} "
            f"hidden={hidden} {config['activation']} keep_prob={config['keep_prob']:.2f} "
            f"lambd={config['lambd']:.1e} batch={config['batch_size']}")


def format_trial(t) -> str:
    """One line per finished trial: number, state, value, dev accuracy, configuration, time."""
    state = t.state.name.lower()
    if "diverged" in t.user_attrs:
        state = "diverged"
    elif "pruned_at_epoch" in t.user_attrs:
        state = f"pruned@{t.user_attrs['pruned_at_epoch']}"
    value = t.value if t.value is not None else (t.intermediate_values.get(t.last_step) if t.last_step is not None else None)
    value_s = f"{value:.4f}" if value is not None else "-"
    acc = t.user_attrs.get("dev_accuracy")
    acc_s = f"{acc:.2%}" if acc is not None else "-"
    config = t.user_attrs.get("config")
    return (f"trial {t.number:>3}  {state:<10} dev_cost {value_s:>8}  dev_acc {acc_s:>7}  "
            f"{format_config(config) if config else ''}  {t.user_attrs.get('seconds', 0):.2f}s")


def _print_trial(study, trial) -> None:
    print(format_trial(trial), flush=True)


# ---------------------------------------------------------------------- workers
@dataclass
class _Job:
    """What a worker process needs (picklable): it loads the data and the study itself."""

    study_name: str
    storage: str
    dataset: Any
    data_dir: str | None
    seed: int
    epochs: int
    space: SearchSpace
    sampler: str
    prune: bool
    prune_startup_trials: int
    prune_warmup_epochs: int
    verbose: int
    n_trials: int = 0


def _load_data(dataset, data_dir, seed):
    if not isinstance(dataset, str):
        return dataset
    from .datasets import load_dataset
    return load_dataset(dataset, seed=seed, data_dir=data_dir)


def _optimize(study, job: _Job, data) -> None:
    objective = _objective(data, job.space, job.epochs, job.seed)
    callbacks = [_print_trial] if job.verbose else []
    study.optimize(objective, n_trials=job.n_trials, callbacks=callbacks, gc_after_trial=False)


def _limit_blas_threads() -> None:
    """In a worker: one BLAS thread (the parent also set the environment before starting it)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(1)


def _worker(job: _Job) -> int:
    """Entry point of a worker process: join the study and run ``job.n_trials`` trials."""
    optuna = import_optuna()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    _limit_blas_threads()
    data = _load_data(job.dataset, job.data_dir, job.seed)
    study = optuna.load_study(study_name=job.study_name, storage=open_storage(job.storage),
                              sampler=make_sampler(job.sampler, job.seed),
                              pruner=make_pruner(job.prune, job.prune_startup_trials, job.prune_warmup_epochs))
    _optimize(study, job, data)
    return job.n_trials


@contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_workers(job: _Job, n_jobs: int) -> None:
    """Run ``job.n_trials`` trials in ``n_jobs`` spawned processes, each with its share."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    shares = [job.n_trials // n_jobs + (i < job.n_trials % n_jobs) for i in range(n_jobs)]
    shares = [s for s in shares if s > 0]
    context = multiprocessing.get_context("spawn")
    with _env({k: "1" for k in BLAS_THREAD_VARS}), \
            ProcessPoolExecutor(max_workers=len(shares), mp_context=context) as pool:
        futures = [pool.submit(_worker, replace(job, n_trials=s)) for s in shares]
        try:
            for f in futures:
                f.result()
        except BrokenProcessPool as e:
            raise RuntimeError(f"a tuning worker process died ({e}). A script that calls tune(n_jobs > 1) "
                               "must guard its entry point with: if __name__ == '__main__':") from None


# ---------------------------------------------------------------------- the search
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


def tune(dataset="digits", n_trials: int = 20, study_name: str | None = None,
         storage: str | None = "sqlite:///study.db", sampler: str = "random", n_jobs: int = 1,
         epochs: int = 20, seed: int = 0, out: str | os.PathLike | None = "runs/tune",
         data_dir: str | None = None, search_space: SearchSpace | None = None, prune: bool = True,
         prune_startup_trials: int = 5, prune_warmup_epochs: int | None = None,
         verbose: int = 1) -> TuneResult:
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
    rdb = open_storage(storage)

    old_verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(study_name=study_name, storage=rdb, direction="minimize", load_if_exists=True,
                                    sampler=make_sampler(sampler, seed),
                                    pruner=make_pruner(prune, prune_startup_trials, prune_warmup_epochs))
        _check_study(study, dataset_name)
        if verbose:
            print(f"nndl tune: study {study_name!r} in {describe_storage(storage)} "
                  f"({len(study.trials)} trials so far); {n_trials} more on {dataset_name}, "
                  f"{epochs} epochs each, {sampler} sampler, {n_jobs} worker(s)", flush=True)
        job = _Job(study_name, storage, dataset, data_dir, seed, epochs, space, sampler, prune,
                   prune_startup_trials, prune_warmup_epochs, verbose, n_trials)
        if n_trials and n_jobs > 1:
            _run_workers(job, n_jobs)
        elif n_trials:
            _optimize(study, job, data)
        return _finish(study, storage, data, dataset_name, out)
    finally:
        optuna.logging.set_verbosity(old_verbosity)


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


def _write_best(best, trials, data, dataset_name: str, result: TuneResult) -> tuple[Any, dict[str, Any]]:
    """Retrain the best configuration with its seed and write the run directory."""
    from .io import save
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
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return model, summary


def _preprocessing(data) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The raw-input preprocessing ``nndl predict`` needs, for datasets from nndl.datasets."""
    if not all(hasattr(data, k) for k in ("name", "classes", "image_shape", "normalizer")):
        return {}, {}
    from .cli.common import preprocessing_of
    return preprocessing_of(data)


def _write_trials_csv(trials, path: Path) -> None:
    """One row per trial: number, state, value, dev accuracy, seconds and its configuration."""
    keys = ("optimizer", "learning_rate", "beta", "hidden", "activation", "keep_prob", "lambd", "batch_size")
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="") as f:
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
    os.replace(tmp, path)
