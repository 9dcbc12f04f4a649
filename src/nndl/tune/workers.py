"""Worker processes: each joins the study through its storage and runs its share of trials.

Workers are spawned (not forked), so ``_worker`` must stay importable as
``nndl.tune.workers._worker``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Iterator

from .backend import import_optuna
from .progress import _print_trial
from .space import SearchSpace
from .storage import open_storage
from .study import _objective, make_pruner, make_sampler

BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


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
    heartbeat_interval: int | None = None
    grace_period: int | None = None


def _load_data(dataset, data_dir, seed):
    if not isinstance(dataset, str):
        return dataset
    from ..datasets import load_dataset
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
    study = optuna.load_study(study_name=job.study_name, storage=open_storage(job.storage, job.heartbeat_interval,
                                                                                  job.grace_period),
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
