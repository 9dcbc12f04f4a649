"""The study's parts: the per-trial seeded sampler, the median pruner and the objective
(J_dev after the last epoch; a diverged run is recorded as pruned)."""

from __future__ import annotations

import time

import numpy as np

from .backend import import_optuna
from .space import SearchSpace
from .training import train_config

OBJECTIVE = "dev_cost"
SAMPLERS = ("random", "tpe")


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
    from ..models import TrainingDiverged

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
