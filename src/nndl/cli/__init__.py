"""The ``nndl`` command line: one module per verb, each with ``add_parser(subparsers)``.

A verb's handler returns an exit code. Errors a user can fix (``CLIError``, ``ValueError``
from input checks, missing files) print one line to stderr and exit 2, with no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

VERBS = ("train", "evaluate", "predict", "gradcheck", "diagnose", "tune", "demo", "export", "playground")


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
    from ..io import ModelFileError
    try:
        return int(args.handler(args) or 0)
    except (CLIError, ModelFileError, ValueError, FileNotFoundError, KeyError) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"nndl {args.verb}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"nndl {args.verb}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
