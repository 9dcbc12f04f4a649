"""``nndl translate RUN_DIR "3 may 1979" …``: ISO 8601 dates from a date translator trained
with ``nndl train --model date-attention``, one per line."""

from __future__ import annotations

from . import CLIError
from .common import load_task_model


def add_parser(sub) -> None:
    p = sub.add_parser("translate", help="translate human-written dates to ISO 8601",
                       description="Translate dates with a model trained by nndl train --model date-attention; "
                                   "prints one ISO date per input.")
    p.add_argument("run", help="a run directory (or its model.safetensors)")
    p.add_argument("texts", nargs="+", help='dates as people write them, e.g. "3 may 1979"')
    p.add_argument("--plot", metavar="PNG", help="also write the attention weights of the first date as a heat map")
    p.set_defaults(handler=run)


def run(args) -> int:
    model, _ = load_task_model(args.run, "date-attention", "a date translator")
    try:
        outputs = model.translate(args.texts)
    except ValueError as e:
        raise CLIError(str(e)) from None
    for iso in outputs:
        print(iso)
    if args.plot:
        from ..plots import plot_attention
        plot_attention(model.attention_weights(args.texts[0]), args.texts[0].strip().lower(), outputs[0], path=args.plot)
    return 0
