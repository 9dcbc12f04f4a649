"""``nndl train --model lstm-classifier|transformer-classifier --dataset fortunes``: a text
classifier over the fortune categories (``nndl.text_models``), scored on the test split by
accuracy and macro-F1. RUN_DIR holds config.json, model.safetensors (with the vocabulary and
classes), history.csv and summary.json.

``--layers N`` sets the embedding size (= the LSTM's units, the Transformer's d_model); the
sequences are cut after 64 tokens.
"""

from __future__ import annotations

import json
import time

import numpy as np

from ..files import atomic_write
from . import CLIError
from .common import claim_new_run_dir, emit, refuse_used_run_dir, run_dir_for
from .resumable import resumable

DEFAULTS = {"n_e": 64, "max_len": 64, "epochs": 8, "batch_size": 64, "lr": 0.003, "patience": 2}
ENCODER = {"lstm-classifier": "lstm", "transformer-classifier": "transformer"}


@resumable
def train(args) -> int:
    from ..callbacks import EarlyStopping
    from ..datasets.text import load_fortunes
    from ..io import save
    from ..metrics import confusion_matrix, precision_recall_f1
    from ..text_models import TextClassifier, build_vocabulary, encode_texts

    family = args.model
    if args.dataset != "fortunes":
        raise CLIError(f"--model {family} trains on --dataset fortunes, got {args.dataset!r}")
    try:
        n_e = int(args.layers) if args.layers else DEFAULTS["n_e"]
    except ValueError:
        raise CLIError(f"--layers for --model {family} is one number (the embedding size), got {args.layers!r}") from None
    cfg = {"model": family, "dataset": "fortunes", "n_e": n_e, "max_len": DEFAULTS["max_len"],
           "epochs": args.epochs or DEFAULTS["epochs"], "batch_size": args.batch_size or DEFAULTS["batch_size"],
           "lr": args.lr or DEFAULTS["lr"], "seed": args.seed, "data_dir": args.data_dir,
           "early_stopping": DEFAULTS["patience"] if args.early_stopping is None else args.early_stopping}
    if n_e < 4 or n_e % 4 or cfg["epochs"] < 1 or cfg["batch_size"] < 1 or not cfg["lr"] > 0:
        raise CLIError("--layers must be a positive multiple of 4 (4 attention heads), --epochs and "
                       "--batch-size at least 1, --lr positive")
    data = load_fortunes(seed=cfg["seed"], **({"folder": args.data_dir} if args.data_dir else {}))
    vocab = build_vocabulary([t for t, _ in data.train])
    X, Xd, Xt = (encode_texts([t for t, _ in s], vocab, cfg["max_len"])[0] for s in (data.train, data.dev, data.test))
    Y, Yd, Yt = (np.array([[y for _, y in s]]) for s in (data.train, data.dev, data.test))
    C = len(data.classes)
    run_dir = run_dir_for(args.out, f"fortunes-{family}")
    refuse_used_run_dir(run_dir)
    model = TextClassifier(len(vocab), C, ENCODER[family], n_e=n_e, units=n_e, n_heads=4, d_ff=2 * n_e,
                           seed=cfg["seed"])
    with claim_new_run_dir(run_dir):
        atomic_write(run_dir / "config.json", json.dumps(cfg, indent=2))
        if not args.json:
            print(f"nndl: training a {family} (n_e {n_e}) on {len(data.train)} fortunes of {C} categories "
                  f"({len(data.dev)} dev, {len(data.test)} test), vocabulary {len(vocab)} → {run_dir}")
        start = time.perf_counter()
        model.fit(X, Y, epochs=cfg["epochs"], batch_size=cfg["batch_size"], optimizer="adam",
                  learning_rate=cfg["lr"], validation_data=(Xd, Yd),
                  callbacks=[EarlyStopping("val_cost", patience=cfg["early_stopping"])] if cfg["early_stopping"] else [],
                  verbose=0 if args.no_progress or args.json else 1)
        seconds = time.perf_counter() - start
        r = precision_recall_f1(confusion_matrix(Yt[0], model.predict(Xt)[0], C))
        summary = {"model": family, "dataset": "fortunes", "n_e": n_e, "epochs": model.epochs_done,
                   "seconds": round(seconds, 3), "test_accuracy": float(r.accuracy),
                   "test_macro_f1": float(r.macro_f1), "classes": list(data.classes),
                   "first_cost": model.history.history["cost"][0], "last_cost": model.history.history["cost"][-1],
                   "run_dir": str(run_dir)}
        save(model, run_dir / "model.safetensors",
             extra_metadata={"vocabulary": vocab.itos, "classes": list(data.classes), "task": family,
                             "max_len": cfg["max_len"]})
        model.history.write_csv(run_dir / "history.csv")
        atomic_write(run_dir / "summary.json", json.dumps(summary, indent=2))
    emit(args, f"test accuracy {r.accuracy:.3f}   macro-F1 {r.macro_f1:.3f}\n"
               f"{model.epochs_done} epochs in {seconds:.1f} s; run directory: {run_dir}", summary)
    return 0
