"""``nndl train --model date-attention --dataset dates``: the course's date translator
(Bi-LSTM encoder, additive attention, post-attention LSTM; ``nndl.nmt.DateAttention``)
trained on generated human-written dates and scored by exact match (all ten characters of
the ISO date right) on the held-out test dates. Writes model.safetensors, history.csv,
summary.json and attention.png (the attention weights for one test date) to the run
directory; ``nndl translate RUN_DIR "3 may 1979"`` uses the model (``translate.py``).

Options taken from ``nndl train``: --epochs (default 20), --batch-size (64), --lr (Adam,
0.005), --layers "n_a,n_s" (the encoder's and the post-attention LSTM's sizes, default
32,64), --n-examples (distinct dates generated, split 80/10/10, default 20,000),
--early-stopping (patience on the dev cost, default 3), --clip-norm (5), --seed, --out,
--json, --no-progress, --no-plots.
"""

from __future__ import annotations

import json
import time

from ..files import atomic_write
from . import CLIError
from .common import claim_new_run_dir, emit, refuse_used_run_dir, run_dir_for
from .resumable import resumable

DEFAULTS = dict(epochs=20, batch_size=64, lr=0.005, n_a=32, n_s=64, n_examples=20_000, clip_norm=5.0, patience=3)


@resumable
def train(args) -> int:
    from ..callbacks import EarlyStopping
    from ..datasets.text import load_text_dataset
    from .dates_run import write_date_run
    from ..nmt import T_X, DateAttention, encode_inputs, encode_outputs

    if args.dataset != "dates":
        raise CLIError(f"--model date-attention trains on --dataset dates, got {args.dataset!r}")
    n_a, n_s = DEFAULTS["n_a"], DEFAULTS["n_s"]
    if args.layers:
        try:
            n_a, n_s = (int(v) for v in args.layers.split(","))
        except ValueError:
            raise CLIError(f"--layers for date-attention is n_a,n_s (two sizes), got {args.layers!r}") from None
    n_examples = getattr(args, "n_examples", None) or DEFAULTS["n_examples"]
    cfg = {"model": "date-attention", "dataset": "dates", "n_a": n_a, "n_s": n_s, "n_examples": n_examples,
           "epochs": args.epochs or DEFAULTS["epochs"], "batch_size": args.batch_size or DEFAULTS["batch_size"],
           "lr": args.lr or DEFAULTS["lr"], "clip_norm": args.clip_norm or DEFAULTS["clip_norm"],
           "seed": args.seed,
           "early_stopping": DEFAULTS["patience"] if args.early_stopping is None else args.early_stopping}
    if cfg["epochs"] < 1 or cfg["batch_size"] < 1 or not cfg["lr"] > 0 or n_a < 1 or n_s < 1:
        raise CLIError("--epochs, --batch-size and --layers must be at least 1 and --lr positive")
    try:
        data = load_text_dataset("dates", n=n_examples, seed=cfg["seed"])
    except ValueError as e:
        raise CLIError(f"--n-examples: {e}") from None

    def encode(pairs):
        return encode_inputs([h for h, _ in pairs], T_X), encode_outputs([iso for _, iso in pairs])

    (X, Y), (Xd, Yd), (Xt, Yt) = encode(data.train), encode(data.dev), encode(data.test)
    run_dir = run_dir_for(args.out, "dates-attention")
    refuse_used_run_dir(run_dir)
    model = DateAttention(n_a=n_a, n_s=n_s, seed=cfg["seed"], metrics=["accuracy", "exact_match"])
    with claim_new_run_dir(run_dir):
        atomic_write(run_dir / "config.json", json.dumps(cfg, indent=2))
        if not args.json:
            print(f"nndl: training the attention date translator (Bi-LSTM {n_a}, post-attention LSTM {n_s}) "
                  f"on {len(data.train)} dates ({len(data.dev)} dev, {len(data.test)} test) → {run_dir}")
        start = time.perf_counter()
        model.fit(X, Y, epochs=cfg["epochs"], batch_size=cfg["batch_size"], optimizer="adam",
                  learning_rate=cfg["lr"], clip_norm=cfg["clip_norm"], validation_data=(Xd, Yd),
                  callbacks=[EarlyStopping("val_cost", patience=cfg["early_stopping"])] if cfg["early_stopping"] else [],
                  verbose=0 if args.no_progress or args.json else 1)
        seconds = time.perf_counter() - start
        test = model.evaluate(Xt, Yt)
        summary, message = write_date_run(args, model, "date-attention", run_dir, data, {"n_a": n_a, "n_s": n_s},
                                          test["exact_match"], test["accuracy"], seconds)
    emit(args, message, summary)
    return 0
