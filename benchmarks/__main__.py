"""``python -m benchmarks mlp [...]``: see ``benchmarks/mlp.py`` and BENCHMARKS.md.

``python -m benchmarks rnn``: see ``benchmarks/rnn.py``.
"""

from __future__ import annotations

import argparse
import sys

from . import cnn, memory, mlp, profile, rnn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="nndl speed benchmarks against PyTorch and scikit-learn.")
    sub = parser.add_subparsers(dest="suite", metavar="SUITE", required=True)
    mlp.add_parser(sub)
    profile.add_parser(sub)
    memory.add_parser(sub)
    cnn.add_parser(sub)
    rnn.add_parser(sub)
    args = parser.parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
