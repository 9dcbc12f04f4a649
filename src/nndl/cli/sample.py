"""``nndl sample RUN_DIR``: names drawn from a character language model trained with
``nndl train --model char-rnn``, one per line."""

from __future__ import annotations

from . import CLIError
from .common import load_task_model


def add_parser(sub) -> None:
    p = sub.add_parser("sample", help="draw names from a character language model",
                       description="Draw words one character at a time from a model trained with "
                                   "nndl train --model char-rnn; prints one per line.")
    p.add_argument("run", help="a run directory (or its model.safetensors)")
    p.add_argument("--n", type=int, default=10, help="how many names (default 10)")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="< 1 sharper, > 1 more varied (default 1.0)")
    p.add_argument("--top-k", type=int, help="draw only among the k most likely characters")
    p.add_argument("--seed", type=int, help="seed of the draws (default: a fresh one)")
    p.set_defaults(handler=run)


def run(args) -> int:
    import numpy as np

    from ..charlm import sample_words
    model, meta = load_task_model(args.run, "char-rnn", "a character language model",
                                  check=lambda meta: "alphabet" in meta)
    if args.n < 1:
        raise CLIError(f"--n must be at least 1, got {args.n}")
    if not args.temperature > 0:
        raise CLIError(f"--temperature must be > 0, got {args.temperature}")
    V = len(meta["alphabet"])
    if args.top_k is not None and not 1 <= args.top_k <= V:
        raise CLIError(f"--top-k must be in [1, {V}], got {args.top_k}")
    rng = np.random.default_rng(args.seed)
    for word in sample_words(model, meta["alphabet"], args.n, rng, args.temperature, args.top_k):
        print(word)
    return 0
