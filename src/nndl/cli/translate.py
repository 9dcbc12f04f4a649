"""``nndl translate RUN_DIR "3 may 1979" …``: ISO 8601 dates from a date translator trained
with ``nndl train --model date-attention`` or ``--model date-transformer``, one per line."""

from __future__ import annotations

from . import CLIError
from .common import load_task_model

TASKS = ("date-attention", "date-transformer")


def add_parser(sub) -> None:
    p = sub.add_parser("translate", help="translate human-written dates to ISO 8601",
                       description="Translate dates with a model trained by nndl train --model date-attention "
                                   "or --model date-transformer; prints one ISO date per input.")
    p.add_argument("run", help="a run directory (or its model.safetensors)")
    p.add_argument("texts", nargs="+", help='dates as people write them, e.g. "3 may 1979"')
    p.add_argument("--plot", metavar="PNG", help="also write the attention weights of the first date as a heat map "
                                                 "(date-transformer: the last decoder layer's cross-attention)")
    p.add_argument("--beam-width", type=int, default=1, metavar="B",
                   help="date-transformer: beam search of width B instead of greedy decoding (default 1: greedy); "
                        "date-attention reads no earlier outputs, so each step's argmax is already its best")
    p.set_defaults(handler=run)


def run(args) -> int:
    model, meta = load_task_model(args.run, TASKS, "a date translator")
    if args.beam_width < 1:
        raise CLIError(f"--beam-width must be at least 1, got {args.beam_width}")
    options = {"beam_width": args.beam_width} if meta.get("task") == "date-transformer" else {}
    try:
        outputs = model.translate(args.texts, **options)
    except ValueError as e:
        raise CLIError(str(e)) from None
    for iso in outputs:
        print(iso)
    if args.plot:
        from ..plots import plot_attention
        plot_attention(model.attention_weights(args.texts[0]), args.texts[0].strip().lower(), outputs[0], path=args.plot)
    return 0
