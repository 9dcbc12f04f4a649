"""``nndl train --model date-transformer --dataset dates``: the Transformer encoder–decoder
date translator (``nndl.nmt_transformer.DateTransformer``) trained with teacher forcing on
generated human-written dates and scored by exact match (all ten characters of the ISO date
right) of its greedy translations of the held-out test dates. Writes config.json,
model.safetensors, history.csv, summary.json and attention.png (the last decoder layer's
cross-attention weights for one test date, averaged over the heads) to the run directory;
``nndl translate RUN_DIR "3 may 1979"`` uses the model (``translate.py``). The dev scores in
history.csv are teacher-forced (each step sees the true previous characters).

Options taken from ``nndl train``: --epochs (default 10), --batch-size (64), --lr (Adam,
0.002), --lr-schedule (default exponential:decay_rate=0.85), --layers "d_model,n_layers" or
"d_model,n_layers,n_heads,d_ff" (default 64,2,4,128), --n-examples (distinct dates generated,
split 80/10/10, default 20,000), --early-stopping (patience on the dev cost, default 3),
--clip-norm (5), --seed, --out, --json, --no-progress, --no-plots.
"""

from __future__ import annotations

import json
import time

from ..files import atomic_write
from . import CLIError
from .common import claim_new_run_dir, emit, refuse_used_run_dir, run_dir_for
from .resumable import resumable

DEFAULTS = dict(epochs=10, batch_size=64, lr=0.002, lr_schedule="exponential:decay_rate=0.85", d_model=64,
                n_layers=2, n_heads=4, d_ff=128, n_examples=20_000, clip_norm=5.0, patience=3)


def _sizes(spec: str | None) -> tuple[int, int, int, int]:
    """(d_model, n_layers, n_heads, d_ff) from --layers."""
    if not spec:
        return DEFAULTS["d_model"], DEFAULTS["n_layers"], DEFAULTS["n_heads"], DEFAULTS["d_ff"]
    try:
        sizes = [int(v) for v in spec.split(",")]
    except ValueError:
        sizes = []
    if len(sizes) == 2:
        sizes += [DEFAULTS["n_heads"], 2 * sizes[0]]
    if len(sizes) != 4 or min(sizes) < 1:
        raise CLIError(f"--layers for date-transformer is d_model,n_layers or d_model,n_layers,n_heads,d_ff "
                       f"(positive integers), got {spec!r}")
    if sizes[0] % sizes[2]:
        raise CLIError(f"--layers: d_model = {sizes[0]} must be divisible by n_heads = {sizes[2]}")
    return tuple(sizes)


@resumable
def train(args) -> int:
    from ..callbacks import EarlyStopping
    from ..datasets.text import load_text_dataset
    from .dates_run import write_date_run
    from ..nmt import T_X, encode_inputs, encode_outputs
    from ..nmt_transformer import DateTransformer, shift_right
    from ..schedules import get_schedule

    if args.dataset != "dates":
        raise CLIError(f"--model date-transformer trains on --dataset dates, got {args.dataset!r}")
    d_model, n_layers, n_heads, d_ff = _sizes(args.layers)
    n_examples = getattr(args, "n_examples", None) or DEFAULTS["n_examples"]
    cfg = {"model": "date-transformer", "dataset": "dates", "d_model": d_model, "n_layers": n_layers,
           "n_heads": n_heads, "d_ff": d_ff, "n_examples": n_examples,
           "epochs": args.epochs or DEFAULTS["epochs"], "batch_size": args.batch_size or DEFAULTS["batch_size"],
           "lr": args.lr or DEFAULTS["lr"], "lr_schedule": args.lr_schedule or DEFAULTS["lr_schedule"],
           "clip_norm": args.clip_norm or DEFAULTS["clip_norm"], "seed": args.seed,
           "early_stopping": DEFAULTS["patience"] if args.early_stopping is None else args.early_stopping}
    if cfg["epochs"] < 1 or cfg["batch_size"] < 1 or not cfg["lr"] > 0:
        raise CLIError("--epochs and --batch-size must be at least 1 and --lr positive")
    try:
        schedule = get_schedule(None if cfg["lr_schedule"] == "none" else cfg["lr_schedule"])
    except ValueError as e:
        raise CLIError(f"--lr-schedule: {e}") from None
    try:
        data = load_text_dataset("dates", n=n_examples, seed=cfg["seed"])
    except ValueError as e:
        raise CLIError(f"--n-examples: {e}") from None
    model = DateTransformer(d_model=d_model, n_heads=n_heads, d_ff=d_ff, n_layers=n_layers, seed=cfg["seed"],
                            metrics=["accuracy", "exact_match"])

    def encode(pairs):
        Y = encode_outputs([iso for _, iso in pairs])
        return (encode_inputs([h for h, _ in pairs], T_X), shift_right(Y, model.start)), Y

    (X, Y), (Xd, Yd) = encode(data.train), encode(data.dev)
    run_dir = run_dir_for(args.out, "dates-transformer")
    refuse_used_run_dir(run_dir)
    with claim_new_run_dir(run_dir):
        atomic_write(run_dir / "config.json", json.dumps(cfg, indent=2))
        if not args.json:
            print(f"nndl: training the Transformer date translator (d_model {d_model}, {n_layers}+{n_layers} layers, "
                  f"{n_heads} heads, d_ff {d_ff}) on {len(data.train)} dates ({len(data.dev)} dev, "
                  f"{len(data.test)} test) → {run_dir}")
        start = time.perf_counter()
        model.fit(X, Y, epochs=cfg["epochs"], batch_size=cfg["batch_size"], optimizer="adam",
                  learning_rate=cfg["lr"], lr_schedule=schedule, clip_norm=cfg["clip_norm"], validation_data=(Xd, Yd),
                  callbacks=[EarlyStopping("val_cost", patience=cfg["early_stopping"])] if cfg["early_stopping"] else [],
                  verbose=0 if args.no_progress or args.json else 1)
        seconds = time.perf_counter() - start
        exact, chars = model.exact_match([h for h, _ in data.test], [iso for _, iso in data.test])
        sizes = {"d_model": d_model, "n_layers": n_layers, "n_heads": n_heads, "d_ff": d_ff}
        summary, message = write_date_run(args, model, "date-transformer", run_dir, data, sizes, exact, chars, seconds,
                                          decoding="greedy", title="Cross-attention (last decoder layer)")
    emit(args, message, summary)
    return 0
