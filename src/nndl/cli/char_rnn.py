"""``nndl train --model char-rnn --dataset names``: a character-level LSTM language model of
first names (Embedding → LSTM → TimeDistributed softmax), written to a run directory with its
alphabet; ``nndl sample RUN_DIR`` draws names from it (``sample.py``).

Options taken from ``nndl train``: --epochs (default 20), --early-stopping (patience, default 2), --batch-size (64), --lr (Adam, 0.01),
--layers (the LSTM sizes, default 128; "128,128" stacks two), --seed, --out, --data-dir (a
folder with the census lists), --clip-norm (default 5), --json, --no-progress.
"""

from __future__ import annotations

import json
import time

import numpy as np

from ..files import atomic_write
from . import CLIError
from .common import claim_new_run_dir, emit, parse_layers, refuse_used_run_dir, run_dir_for
from .resumable import resumable

# The LSTM overfits the 4,131 training names after about 6 epochs at this rate: early stopping
# on the dev cost (patience 2, the best epoch's weights kept) ends the run there.
DEFAULTS = dict(epochs=20, batch_size=64, lr=0.01, units=[128], n_e=16, clip_norm=5.0, patience=2)


def build_model(V: int, T: int, units: list[int], n_e: int, seed: int):
    from ..layers import LSTM, Dense, Embedding, TimeDistributed
    from ..models import Sequential
    layers = [Embedding(V, n_e)] + [LSTM(n) for n in units] + [TimeDistributed(Dense(V, "softmax"))]
    return Sequential(layers, seed=seed, input_shape=(T,))


@resumable
def train(args) -> int:
    from ..callbacks import EarlyStopping
    from ..charlm import alphabet_of, bigram_cross_entropy, cross_entropy_per_char, encode_words, sample_words
    from ..datasets.text import load_text_dataset
    from ..io import save

    if args.dataset != "names":
        raise CLIError(f"--model char-rnn trains on --dataset names, got {args.dataset!r}")
    units = parse_layers("1," + args.layers)[1:] if args.layers else DEFAULTS["units"]
    cfg = {"model": "char-rnn", "dataset": "names", "units": units, "n_e": DEFAULTS["n_e"],
           "epochs": args.epochs or DEFAULTS["epochs"], "batch_size": args.batch_size or DEFAULTS["batch_size"],
           "lr": args.lr or DEFAULTS["lr"], "clip_norm": args.clip_norm or DEFAULTS["clip_norm"],
           "seed": args.seed, "data_dir": args.data_dir,
           "early_stopping": DEFAULTS["patience"] if args.early_stopping is None else args.early_stopping}
    if cfg["epochs"] < 1 or cfg["batch_size"] < 1 or not cfg["lr"] > 0:
        raise CLIError("--epochs and --batch-size must be at least 1 and --lr positive")
    kwargs = {"seed": cfg["seed"]}
    if args.data_dir:
        kwargs["path"] = args.data_dir
    data = load_text_dataset("names", **kwargs)
    alphabet = alphabet_of(data.train + data.dev + data.test)
    T = max(len(w) for w in data.train + data.dev + data.test) + 1
    X, Y, mask = encode_words(data.train, alphabet, T)
    Xd, Yd, maskd = encode_words(data.dev, alphabet, T)
    run_dir = run_dir_for(args.out, "names-char-rnn")
    refuse_used_run_dir(run_dir)
    model = build_model(len(alphabet), T, units, cfg["n_e"], cfg["seed"])
    with claim_new_run_dir(run_dir):
        atomic_write(run_dir / "config.json", json.dumps(cfg, indent=2))
        if not args.json:
            print(f"nndl: training a character LSTM {units} on {len(data.train)} names "
                  f"({len(data.dev)} dev), alphabet {len(alphabet)}, T = {T} → {run_dir}")
        start = time.perf_counter()
        model.fit(X, Y, mask=mask, epochs=cfg["epochs"], batch_size=cfg["batch_size"], optimizer="adam",
                  learning_rate=cfg["lr"], clip_norm=cfg["clip_norm"], validation_data=(Xd, Yd, maskd),
                  callbacks=[EarlyStopping("val_cost", patience=cfg["early_stopping"])] if cfg["early_stopping"] else [],
                  verbose=0 if args.no_progress or args.json else 1)
        seconds = time.perf_counter() - start
        dev_ce = cross_entropy_per_char(model.predict_proba(Xd), Yd, maskd)
        bigram_ce = bigram_cross_entropy(data.train, data.dev, alphabet)
        samples = sample_words(model, alphabet, 100, np.random.default_rng(cfg["seed"]), temperature=0.8)
        train_set, all_set = set(data.train), set(data.train + data.dev + data.test)
        summary = {"model": "char-rnn", "dataset": "names", "units": units, "epochs": model.epochs_done,
                   "seconds": round(seconds, 3), "dev_cross_entropy_per_char": dev_ce,
                   "bigram_dev_cross_entropy_per_char": bigram_ce, "below_bigram": 1 - dev_ce / bigram_ce,
                   "new_names_share": float(np.mean([s not in train_set for s in samples])),
                   "unseen_names_share": float(np.mean([s not in all_set for s in samples])),
                   "samples": samples[:10], "run_dir": str(run_dir)}
        save(model, run_dir / "model.safetensors", extra_metadata={"alphabet": alphabet, "task": "char-rnn"})
        model.history.write_csv(run_dir / "history.csv")
        atomic_write(run_dir / "summary.json", json.dumps(summary, indent=2))
    emit(args, f"dev cross-entropy {dev_ce:.4f} nats/char   add-one bigram {bigram_ce:.4f} "
               f"({summary['below_bigram']:.1%} below)\n"
               f"{summary['new_names_share']:.0%} of 100 sampled names are not in the training list "
               f"({summary['unseen_names_share']:.0%} in none of the splits)\n"
               f"{model.epochs_done} epochs in {seconds:.1f} s; run directory: {run_dir}", summary)
    return 0
