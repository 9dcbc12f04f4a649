"""``nndl train --resume RUN_DIR`` for the model families: one decorator on a family's runner.

A family runner (``train(args) -> int``, in the style of ``date_attention.train``: options →
config → data → model → ``with claim_new_run_dir(run_dir):`` config.json, ``model.fit``,
results) opts in with one line, ``@resumable`` above its ``def``. Then:

- **A new run**: inside ``claim_new_run_dir`` every ``fit`` writes RUN_DIR/checkpoint.safetensors
  atomically at the end of each epoch (each ``--checkpoint-every``-th; ``nndl.backup``): the
  weights, the optimizer's state, the model's random generator (shuffling, dropout,
  augmentation), the history, the epoch, early stopping's state, and which run it is —
  ``run``: the family, the dataset and the command line's options.
- **``--resume RUN_DIR [--epochs N]``**: holding RUN_DIR's lock throughout, the runner runs
  again with the run's own options (so it rebuilds the same data and the same model), its
  ``refuse_used_run_dir``/``claim_new_run_dir`` accept RUN_DIR, and its ``fit`` continues from
  the checkpoint's epoch to N (default: the run's epochs, from config.json). Options given on
  the command line that the run does not take are named in a warning (only --epochs applies);
  a --model or --dataset naming another run, a checkpoint of another family or architecture,
  and damaged checkpoint fields are refused with one line.

The runner itself never looks at ``args.resume`` (it receives None there).
"""

from __future__ import annotations

import functools
import json
import sys
from argparse import Namespace
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..backup import BackupAndRestore, backing_up
from ..files import lock_run_dir
from . import CLIError

CHECKPOINT = "checkpoint.safetensors"
# What a command line says about how to show a run, not which run it is: never saved, never replayed.
NOT_OPTIONS = frozenset({"verb", "handler", "parser_defaults", "parser_types", "resume", "out", "json", "no_progress", "no_plots",
                         "tensorboard"})


@dataclass
class _Session:
    """The run a decorated runner is training: new (``run_dir`` set once it is claimed) or resumed."""
    run: dict[str, Any]
    every: int
    resume_dir: Path | None = None
    backup: BackupAndRestore | None = field(default=None, repr=False)


_SESSION: ContextVar[_Session | None] = ContextVar("nndl_train_session", default=None)


def resumable(runner):
    """Make the family runner ``runner(args) -> int`` checkpoint every epoch and resume with
    ``--resume RUN_DIR`` (see the module's docstring)."""

    @functools.wraps(runner)
    def run(args) -> int:
        if not getattr(args, "resume", None):
            session = _Session(_run_record(args), _every(args))
            token = _SESSION.set(session)
            try:
                return runner(args)
            finally:
                _SESSION.reset(token)
        run_dir = Path(args.resume)
        _check_is_run(run_dir)
        with lock_run_dir(run_dir):  # read, train and write as the only process in RUN_DIR
            config = _read_config(run_dir)
            record, epoch = _read_checkpoint(run_dir, config)
            if record["family"] != args.model:
                raise CLIError(f"{run_dir} holds a --model {record['family']} run, not --model {args.model}")
            resumed = _resumed_args(args, record, config, run_dir)
            if epoch >= resumed.epochs:
                raise CLIError(f"the run already has {epoch} epochs; pass --epochs N with N > {epoch}")
            if not args.json:
                print(f"nndl: resuming {run_dir} at epoch {epoch}, training to epoch {resumed.epochs}")
            session = _Session(record, _every(resumed), resume_dir=run_dir)
            token = _SESSION.set(session)
            try:
                code = runner(resumed)
            finally:
                _SESSION.reset(token)
            if session.backup is None or session.backup.restored_epoch is None:
                raise CLIError(f"--model {args.model} did not continue {run_dir / CHECKPOINT}: its runner trains "
                               "outside claim_new_run_dir, so it cannot resume")
            return code

    return run


def resuming(run_dir) -> bool:
    """True inside a resumed run's runner for its own RUN_DIR (used by refuse_used_run_dir)."""
    session = _SESSION.get()
    return session is not None and session.resume_dir is not None and Path(run_dir) == session.resume_dir


@contextmanager
def checkpointing(run_dir) -> Iterator[None]:
    """Inside ``claim_new_run_dir`` (its lock held): every ``fit`` of a decorated runner writes
    RUN_DIR's checkpoint, and a resumed run's first fit continues from it."""
    session = _SESSION.get()
    if session is None:
        yield
        return
    session.backup = BackupAndRestore(Path(run_dir) / CHECKPOINT, every=session.every,
                                      restore=session.resume_dir is not None, extra_metadata={"run": session.run})
    with backing_up(session.backup):
        yield


def resumed_family(args) -> str:
    """The model family of the run that ``--resume RUN_DIR`` names (config.json's ``model``;
    "mlp" for runs written before families). A --model or --dataset given that names another
    family or dataset is a CLIError."""
    run_dir = Path(args.resume)
    _check_is_run(run_dir)
    config = _read_config(run_dir)
    family = config.get("model", "mlp")
    from .families import FAMILIES
    if not isinstance(family, str) or family not in FAMILIES:
        raise CLIError(f"{run_dir}/config.json names an unknown model {str(family)[:40]!r}; it was damaged or edited")
    defaults = getattr(args, "parser_defaults", {})
    if args.model != defaults.get("model", "mlp") and args.model != family:
        raise CLIError(f"{run_dir} holds a --model {family} run, not --model {args.model}; resume it without --model, "
                       "or start a new run with --out")
    dataset = config.get("dataset")
    if "dataset" in defaults and args.dataset != defaults["dataset"] and args.dataset != dataset:
        raise CLIError(f"{run_dir} holds a run on --dataset {dataset}, not {args.dataset}; resume it without "
                       "--dataset, or start a new run with --out")
    return family


def _check_is_run(run_dir: Path) -> None:
    if not (run_dir / "config.json").is_file():
        raise CLIError(f"{run_dir} is not a run directory (no config.json); nothing to resume")


def _read_config(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "config.json"
    try:
        config = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CLIError(f"{path} is not valid JSON ({e}); it was damaged or edited") from None
    if not isinstance(config, dict):
        raise CLIError(f"{path} must hold a JSON object, got a {type(config).__name__}; it was damaged or edited")
    return config


def checkpoint_path(run_dir: Path) -> Path:
    """RUN_DIR/checkpoint.safetensors, or a CLIError when a run stopped before writing one."""
    path = Path(run_dir) / CHECKPOINT
    if not path.is_file():
        raise CLIError(f"{run_dir} has no {CHECKPOINT} to resume from: the run stopped before its first "
                       f"checkpoint (the end of an epoch); start it again with another --out, or delete {run_dir}")
    return path


def _read_checkpoint(run_dir: Path, config: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """(the run's record — family, dataset, options —, the checkpoint's epoch), checked."""
    from ..io import read_extras
    path = checkpoint_path(run_dir)
    meta, _ = read_extras(path)

    def damaged(what):
        return CLIError(f"{path}: {what}; the checkpoint was damaged or edited")

    epoch = checkpoint_epoch(path, meta)
    record = meta.get("run")
    if record is None:  # written before checkpoints said which run they belong to (the detector's)
        record = {"family": config.get("model"), "dataset": config.get("dataset"),
                  "options": {k: v for k, v in config.items() if k not in NOT_OPTIONS}}
    if not (isinstance(record, dict) and isinstance(record.get("family"), str)
            and isinstance(record.get("options"), dict)):
        raise damaged("its 'run' entry must name the family and hold the options")
    for key, value in record["options"].items():
        if not isinstance(key, str) or not key.isidentifier() or key in NOT_OPTIONS or not _plain(value):
            raise damaged(f"option {str(key)[:40]!r} = {str(value)[:40]} is not an option nndl train writes")
    if record["family"] != config.get("model") or record.get("dataset") != config.get("dataset"):
        raise CLIError(f"{path} belongs to a {record['family']} run on {record.get('dataset')}, but "
                       f"{run_dir}/config.json describes a {config.get('model')} run on {config.get('dataset')}; "
                       "one of them was replaced or edited")
    return record, epoch


def checkpoint_epoch(path: Path, meta: dict[str, Any] | None = None) -> int:
    """The epoch the checkpoint at ``path`` was written at (``meta``: its extras, if read
    already); its other fields are checked when it is restored."""
    if meta is None:
        from ..io import read_extras
        meta = read_extras(path)[0]
    state = meta.get("checkpoint")
    epoch = state.get("epoch") if isinstance(state, dict) else None
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise CLIError(f"{path}: its epoch must be an integer >= 0, got {str(epoch)[:40]}; "
                       "the checkpoint was damaged or edited")
    return epoch


def _resumed_args(args, record: dict[str, Any], config: dict[str, Any], run_dir: Path) -> Namespace:
    """The run's own options, with --epochs from the command line (else the run's); a warning
    names every other option given that differs from the run's."""
    defaults = getattr(args, "parser_defaults", {})
    given = vars(args)
    unknown = sorted(set(record["options"]) - set(given))
    if unknown:
        raise CLIError(f"{run_dir / CHECKPOINT} holds options nndl train does not have ({', '.join(unknown)}); "
                       "the checkpoint was damaged or edited")
    types = getattr(args, "parser_types", {})
    for key, value in record["options"].items():
        if key in types and not _fits(value, *types[key], default=defaults.get(key)):
            raise CLIError(f"{run_dir / CHECKPOINT}: the run's --{key.replace('_', '-')} {str(value)[:40]!r} is not "
                           f"a valid value ({types[key][0]}); the checkpoint was damaged or edited")
    ignored = [f"--{key.replace('_', '-')} {given[key]} (the run's: {'default' if value is None else value})"
               for key, value in record["options"].items()
               if key not in ("epochs", "model") and key in defaults and given[key] != defaults[key]
               and given[key] != value]
    if args.out:
        ignored.append(f"--out {args.out}")
    if ignored:
        print(f"nndl: --resume continues {run_dir} with the options of its run; ignored: " + ", ".join(ignored)
              + " (start a new run with --out to change them)", file=sys.stderr)
    epochs = args.epochs if args.epochs is not None else config.get("epochs", record["options"].get("epochs"))
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise CLIError(f"{run_dir}/config.json: epochs must be an integer >= 1, got {str(epochs)[:40]}; "
                       "pass --epochs N")
    return Namespace(**{**given, **record["options"], "epochs": epochs, "out": str(run_dir), "resume": None})


def _run_record(args) -> dict[str, Any]:
    """What a checkpoint says about its run: the family, the dataset, the command line's options."""
    options = {k: v for k, v in vars(args).items() if k not in NOT_OPTIONS and _plain(v)}
    return {"family": args.model, "dataset": args.dataset, "options": options}


def _fits(value, kind: str, choices: list | None, default) -> bool:
    """Whether a recorded option's value is one the command line could have given."""
    if value is None:
        return default is None
    if choices is not None and value not in choices:
        return False
    if kind == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    return isinstance(value, {"int": int, "float": (int, float), "str": str}.get(kind, str))


def _plain(value) -> bool:
    """A value JSON writes and reads back as itself (None, bool, int, float, str, or a list of them)."""
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


def _every(args) -> int:
    every = getattr(args, "checkpoint_every", None) or 1
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise CLIError(f"--checkpoint-every must be at least 1, got {every}")
    return every
