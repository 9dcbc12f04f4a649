"""``nndl tune``: random (or TPE) hyperparameter search with Optuna, pruning bad trials early.

A study lives in an Optuna storage: by default a new file OUT/study.db in this run's directory
(``--out``, default runs/tune-DATASET-TIMESTAMP), so two runs never mix their trials; pass
``--storage`` (and ``--study``) to continue a study, which the output then says. Run the same
command on several machines against one database URL to work one study together; ``--n-jobs``
starts worker processes on this machine. The best configuration is retrained and written to
OUT like ``nndl train`` writes a run (model.safetensors, history.csv, summary.json), with
trials.csv listing every trial and, with matplotlib, Optuna's optimization_history.png and
param_importances.png.
"""

from __future__ import annotations

import time

from pathlib import Path

from ..files import make_run_dir
from . import CLIError
from .common import emit, refuse_used_run_dir, run_dir_for, warn

EPILOG = """examples:
  nndl tune --dataset digits --n-trials 20
  nndl tune --dataset digits --n-trials 20 --n-jobs 2 --out runs/demo      (study in runs/demo/study.db)
  nndl tune --dataset digits --n-trials 20 --storage sqlite:///runs/demo/study.db    (20 more trials)
  nndl tune --study demo --storage postgresql://user:password@host/db --n-trials 50   (on each machine)
  nndl tune --study demo --storage sqlite:///runs/demo/study.db --n-trials 0   (report and retrain the best)
"""


def add_parser(sub) -> None:
    """Register the ``tune`` verb, its search-space and pruning options on the subparsers ``sub``."""
    from .common import dataset_names
    from argparse import RawDescriptionHelpFormatter
    p = sub.add_parser(
        "tune", help="search hyperparameters (Optuna): learning rate, β, layers, dropout, L2, mini-batch size",
        description="Search an L-layer network's hyperparameters at random on the scales the course advises\n"
                    "(α and λ log-uniform, β as 1-β log-uniform, mini-batch sizes powers of two), or with TPE,\n"
                    "and stop bad trials early on the dev cost (median pruner). The objective, minimized, is\n"
                    "the dev cost after the last epoch. Needs Optuna: pip install optuna.",
        epilog=EPILOG, formatter_class=RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="digits", help=f"one of: {', '.join(dataset_names())} (default: digits)")
    p.add_argument("--data-dir", help="folder with the dataset's files (MNIST/Fashion-MNIST IDX)")
    p.add_argument("--n-trials", type=int, default=20, help="trials to add to the study (default 20)")
    p.add_argument("--study", help="study name; an existing study gets more trials (default: nndl-DATASET)")
    p.add_argument("--storage", default=None,
                   help="Optuna storage URL shared by all workers: sqlite:///PATH, postgresql://…, "
                        "mysql+pymysql://… (default: sqlite:///OUT/study.db, a new study file in the run "
                        "directory; name an existing one to continue its study)")
    p.add_argument("--heartbeat", type=int, metavar="SECONDS",
                   help="running trials write a heartbeat every SECONDS; a trial whose worker died is marked "
                        "failed once its heartbeat is --grace-period old (default: no heartbeat)")
    p.add_argument("--grace-period", type=int, metavar="SECONDS",
                   help="age of the last heartbeat after which a running trial counts as failed "
                        "(default: 2 x --heartbeat)")
    p.add_argument("--sampler", choices=["random", "tpe"], default="random",
                   help="random search (the course's advice, default) or TPE")
    p.add_argument("--n-jobs", type=int, default=1, help="worker processes on this machine (-1: one per CPU; default 1)")
    p.add_argument("--epochs", type=int, default=20, help="epochs per trial (default 20)")
    p.add_argument("--seed", type=int, default=1,
                   help="seed for the data split, every trial's initialization and shuffling, and the sampler "
                        "(default 1, as nndl train's)")
    p.add_argument("--out", help="run directory: the study file (unless --storage), the retrained best "
                                 "configuration and the tuning plots (default runs/tune-DATASET-TIMESTAMP)")
    p.add_argument("--no-retrain", action="store_true",
                   help="do not retrain the best configuration or write --out (e.g. for extra workers)")
    g = p.add_argument_group("search space")
    g.add_argument("--lr-range", default="1e-4,1e-1", metavar="LO,HI", help="learning rate α, log scale (default 1e-4,1e-1)")
    g.add_argument("--beta-range", default="0.9,0.999", metavar="LO,HI",
                   help="momentum β / Adam β1, drawn as 1-β on a log scale (default 0.9,0.999)")
    g.add_argument("--min-layers", type=int, default=1, help="fewest hidden layers (default 1)")
    g.add_argument("--max-layers", type=int, default=3, help="most hidden layers (default 3)")
    g.add_argument("--units", default="16,256", metavar="LO,HI", help="hidden units per layer, log scale (default 16,256)")
    g.add_argument("--keep-prob-range", default="0.5,1", metavar="LO,HI", help="dropout keep_prob (default 0.5,1; 1,1: no dropout)")
    g.add_argument("--lambd-range", default="1e-5,1e-1", metavar="LO,HI",
                   help="L2 λ when L2 is on, log scale; a switch also tries λ=0 (default 1e-5,1e-1; 0,0: no L2)")
    g.add_argument("--batch-sizes", default="16,512", metavar="LO,HI", help="mini-batch sizes, powers of two from LO to HI (default 16,512)")
    g.add_argument("--optimizers", default="adam,momentum", help="optimizers to try (default adam,momentum)")
    g.add_argument("--activations", default="relu", help="hidden activations to try from relu, tanh, sigmoid, leaky_relu (default relu)")
    g = p.add_argument_group("pruning")
    g.add_argument("--no-prune", action="store_true", help="train every trial for all its epochs")
    g.add_argument("--prune-startup-trials", type=int, default=5,
                   help="trials that finish before pruning starts (default 5)")
    g.add_argument("--prune-warmup-epochs", type=int,
                   help="epochs a trial runs before it may be pruned (default: a quarter of --epochs, at least 1)")
    p.add_argument("--quiet", action="store_true", help="no line per trial")
    p.add_argument("--json", action="store_true", help="print one machine-readable summary line")
    p.set_defaults(handler=run)


def _pair(flag: str, text: str, kind):
    """"LO,HI" as (kind(LO), kind(HI)), or a CLIError naming ``flag``, the expected form and ``text``."""
    parts = [s.strip() for s in text.split(",")]
    try:
        lo, hi = (kind(s) for s in parts)
    except ValueError:
        raise CLIError(f"{flag} must be two {kind.__name__}s LO,HI such as "
                       f"{'16,256' if kind is int else '1e-4,1e-1'}, got {text!r}") from None
    return lo, hi


def _names(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


def search_space_from_args(args):
    """The ``SearchSpace`` the parsed ``args`` describe; a bad range is a CLIError."""
    from ..tune import SearchSpace
    try:
        return SearchSpace(
            learning_rate=_pair("--lr-range", args.lr_range, float), beta=_pair("--beta-range", args.beta_range, float),
            min_layers=args.min_layers, max_layers=args.max_layers, units=_pair("--units", args.units, int),
            keep_prob=_pair("--keep-prob-range", args.keep_prob_range, float),
            lambd=_pair("--lambd-range", args.lambd_range, float),
            batch_sizes=_pair("--batch-sizes", args.batch_sizes, int),
            optimizers=_names(args.optimizers), activations=_names(args.activations))
    except ValueError as e:
        raise CLIError(f"search space: {e}") from None


def run(args) -> int:
    """Run the search the parsed ``args`` describe and print the result; the exit status
    (0, or 1 when trials were asked for and none completed)."""
    from .common import dataset_names
    if args.dataset not in dataset_names():
        raise CLIError(f"unknown dataset {args.dataset!r}; expected one of: {', '.join(dataset_names())}")
    if args.n_trials < 0:
        raise CLIError(f"--n-trials must be >= 0, got {args.n_trials}")
    if args.epochs < 1:
        raise CLIError(f"--epochs must be at least 1, got {args.epochs}")
    if args.n_jobs == 0 or args.n_jobs < -1:
        raise CLIError(f"--n-jobs must be a positive number of processes or -1, got {args.n_jobs}")
    try:
        from ..tune import tune
    except ImportError as e:
        raise CLIError(str(e)) from None
    space = search_space_from_args(args)
    out = run_dir_for(args.out, f"tune-{args.dataset}")
    storage = args.storage
    if storage is None:  # the study file lives in this run's directory
        refuse_used_run_dir(out, "choose another --out, or name its study with --storage to continue it")
        make_run_dir(out)
        storage = f"sqlite:///{out / 'study.db'}"
    start = time.perf_counter()
    try:
        result = tune(args.dataset, n_trials=args.n_trials, study_name=args.study, storage=storage,
                      sampler=args.sampler, n_jobs=args.n_jobs, epochs=args.epochs, seed=args.seed,
                      out=None if args.no_retrain else out, data_dir=args.data_dir, search_space=space,
                      prune=not args.no_prune, prune_startup_trials=args.prune_startup_trials,
                      prune_warmup_epochs=args.prune_warmup_epochs, verbose=0 if (args.quiet or args.json) else 1,
                      heartbeat_interval=args.heartbeat, grace_period=args.grace_period)
    except ImportError as e:
        raise CLIError(str(e)) from None
    seconds = time.perf_counter() - start
    payload = {"study": result.study_name, "storage": result.storage, "n_complete": result.n_complete,
               "n_pruned": result.n_pruned, "n_failed": result.n_failed, "best_trial": result.best_trial,
               "best_value": result.best_value, "best_dev_accuracy": result.best_dev_accuracy,
               "best_config": result.best_config, "run_dir": str(result.out) if result.out else None,
               "seconds": round(seconds, 3), "continued": result.n_trials_before > 0,
               "n_trials_before": result.n_trials_before}
    counts = f"{result.n_complete} complete, {result.n_pruned} pruned, {result.n_failed} failed"
    if result.best_config is None:
        emit(args, f"study {result.study_name!r}: no complete trial yet ({counts})", payload)
        return 1 if args.n_trials else 0
    from ..tune import format_config
    lines = [f"study {result.study_name!r}: {counts}; {seconds:.1f} s"
             + (f" (continued an existing study that had {result.n_trials_before} trials; {result.storage})"
                if result.n_trials_before else f" (a new study; {result.storage})"),
             f"best trial {result.best_trial}: dev cost {result.best_value:.4f}, "
             f"dev accuracy {result.best_dev_accuracy:.2%}",
             f"  {format_config(result.best_config)}"]
    if result.out is not None:
        s = result.summary
        lines.append(f"retrained: dev accuracy {s['dev_accuracy']:.2%}, test accuracy {s['test_accuracy']:.2%}; "
                     f"run directory: {result.out}")
        payload.update(test_accuracy=s.get("test_accuracy"), retrained_dev_cost=s.get("dev_cost"))
    plots = _tuning_plots(result.study, out) if out.is_dir() else []
    if plots:
        lines.append("tuning plots: " + ", ".join(str(p) for p in plots))
        payload["plots"] = [str(p) for p in plots]
    emit(args, "\n".join(lines), payload)
    return 0


def _tuning_plots(study, out: Path) -> list[Path]:
    """Optuna's optimization history and hyperparameter importances as PNGs in ``out``
    (nothing, with a warning, without matplotlib or with too few trials to rank parameters)."""
    try:
        from ..plots import plot_tuning
        return plot_tuning(study, out)
    except ImportError as e:
        warn(f"no tuning plots ({e})")
        return []
