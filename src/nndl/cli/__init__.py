"""The ``nndl`` command line: one module per verb, each with ``add_parser(subparsers)``.

A verb's handler returns an exit code. ``run_handler`` is the one place that turns expected
failures (``CLIError``, ``ValueError`` from input checks, model-file errors, file-system
errors, out of memory, a closed pipe, Ctrl-C) into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

VERBS = ("train", "evaluate", "predict", "gradcheck", "diagnose", "tune", "demo", "export", "playground")
VERBS += ("sample",)
VERBS += ("translate",)


class CLIError(Exception):
    """A problem with the user's input, reported as one line."""


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    parser = argparse.ArgumentParser(
        prog="nndl",
        description="Train, check and inspect neural networks written in the course's notation.",
    )
    parser.add_argument("--version", action="version", version=f"nndl {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb in VERBS:
        importlib.import_module(f".{verb}", __name__).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return run_handler(args)


def run_handler(args) -> int:
    """Run the verb's handler: the one place where an expected failure becomes one line on
    stderr ("nndl VERB: error: …") and a non-zero exit status, never a traceback.

    Exit 2: bad input, a bad or foreign model file, a file-system problem (missing file,
    disk full, a file where a folder should be, a run directory in use), not enough memory;
    1 if a verb reports failure itself; 130 on Ctrl-C; 141 when the reader of the output went
    away (``| head``). Anything else is a bug in nndl and keeps its traceback."""
    from ..io import ModelFileError
    try:
        status = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return status
    except BrokenPipeError:
        _silence_stdout()
        _error(args, "output closed before nndl finished writing (broken pipe)")
        return 141
    except (CLIError, ModelFileError, ValueError, KeyError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        _error(args, message)
        return 2
    except MemoryError:
        _error(args, "not enough memory for this command; use smaller layer sizes, fewer examples or a smaller file")
        return 2
    except OSError as e:
        _error(args, _os_message(e))
        return 2
    except KeyboardInterrupt:
        print(f"nndl {args.verb}: interrupted", file=sys.stderr)
        return 130


def _os_message(e: OSError) -> str:
    """"PATH: what went wrong" for a file-system error (ENOSPC, ENOTDIR, EEXIST, …)."""
    what = e.strerror or str(e)
    if e.filename is not None:
        return f"{e.filename}: {what}" + (f" -> {e.filename2}" if e.filename2 is not None else "")
    return what


def _error(args, message) -> None:
    try:
        print(f"nndl {args.verb}: error: {message}", file=sys.stderr)
    except (BrokenPipeError, OSError):
        pass


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass

if __name__ == "__main__":
    sys.exit(main())
