"""``nndl diagnose RUN_DIR``: avoidable bias, variance, data mismatch, and what to try next.

Reads the run directory written by ``nndl train`` (summary.json, model.safetensors), prints
the diagnosis and, when the dataset can be loaded, error analysis on the dev set; writes
confusion_matrix.png (and confident_errors.png for image data) into RUN_DIR.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from ..files import lock_run_dir
from . import CLIError
from .common import emit


def add_parser(sub) -> None:
    """Register the ``diagnose`` verb on the subparsers ``sub``."""
    p = sub.add_parser(
        "diagnose", help="bias / variance diagnosis and error analysis of a training run",
        description="Compare human-level, training, (train-dev,) dev and test errors of a run written by "
                    "`nndl train`: avoidable bias, variance, data mismatch and overfitting to dev, the dominant "
                    "problem and what to try next; then the dev set's confusion matrix, per-class "
                    "precision/recall/F1 and the most confidently wrong examples.")
    p.add_argument("run_dir", help="a run directory written by `nndl train` (with summary.json)")
    p.add_argument("--human-error", type=float, metavar="E",
                   help="human-level error as a fraction, e.g. 0.01 (a proxy for Bayes error; default 0)")
    p.add_argument("--train-dev-error", type=float, metavar="E",
                   help="error on a train-dev set (training distribution, not trained on), to separate "
                        "variance from data mismatch (default: measured on the dataset's train-dev split "
                        "when it has one, e.g. fashion-mnist-shifted)")
    p.add_argument("--data-dir", help="folder with the dataset's files, for the error analysis")
    p.add_argument("--top", type=int, default=16, metavar="K", help="how many confidently wrong examples (default 16)")
    p.add_argument("--no-plots", action="store_true", help="do not write confusion_matrix.png / confident_errors.png")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    p.set_defaults(handler=run)


def run(args) -> int:
    """Diagnose the run directory ``args.run_dir`` and print the result (text, or JSON with --json)."""
    from ..diagnose import diagnose_run
    if args.top < 0:
        raise CLIError(f"--top must be >= 0, got {args.top}")
    run_dir = Path(args.run_dir)  # a missing run directory or summary.json: FileNotFoundError, one line
    writes = not args.no_plots and run_dir.is_dir()
    with lock_run_dir(run_dir) if writes else nullcontext():  # no plots written into a run still training
        diagnosis = diagnose_run(run_dir, human_error=args.human_error, train_dev_error=args.train_dev_error,
                                 data_dir=args.data_dir, plots_dir=run_dir if writes else None, k=args.top)
    emit(args, str(diagnosis), diagnosis.to_dict())
    return 0
