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


from .backend import import_optuna
from .progress import format_config, format_trial
from .search import TuneResult, tune
from .space import ACTIVATIONS, OPTIMIZERS, SearchSpace
from .storage import describe_storage, open_storage
from .study import OBJECTIVE, SAMPLERS, make_pruner, make_sampler
from .training import build_model, train_config
from .workers import BLAS_THREAD_VARS

__all__ = [
    "ACTIVATIONS", "BLAS_THREAD_VARS", "OBJECTIVE", "OPTIMIZERS", "SAMPLERS", "SearchSpace", "TuneResult",
    "build_model", "describe_storage", "format_config", "format_trial", "import_optuna", "make_pruner",
    "make_sampler", "open_storage", "train_config", "tune",
]
