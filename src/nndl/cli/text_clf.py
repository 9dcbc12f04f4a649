"""``nndl train --model lstm-classifier|transformer-classifier --dataset fortunes``: a text
classifier over the fortune categories (``nndl.text_models``), scored on the test split by
accuracy and macro-F1. RUN_DIR holds config.json, model.safetensors (with the vocabulary and
classes), history.csv and summary.json.

The recipe (each default chosen on the dev split): texts cut after ``--max-len`` 128 tokens
(95% of the fortunes fit), the Embedding started from skip-gram vectors trained on the
training texts (``--pretrain fortunes``; ``none``: random), dropout with keep probability
``--keep-prob`` 0.7 on the embedded tokens and the pooled vector, the class-weighted
cross-entropy with balanced weights (``--class-weights balanced``; macro-F1 counts every
category the same), Adam 0.002, batches of 64, and early stopping on the dev macro-F1
(patience 2, best weights kept). ``--layers N`` sets the embedding size (= the LSTM's units,
the Transformer's d_model; d_ff = 2N, 4 heads).
"""

from __future__ import annotations

import json
import time

import numpy as np

from ..files import atomic_write
from . import CLIError
from .common import claim_new_run_dir, emit, refuse_used_run_dir, run_dir_for
from .resumable import resumable

DEFAULTS = {"n_e": 64, "max_len": 128, "epochs": 12, "batch_size": 64, "lr": 0.002, "patience": 2,
            "keep_prob": 0.7, "class_weights": "balanced", "pretrain": "fortunes", "pretrain_epochs": 5}


def add_options(p) -> None:
    """The options only the text classifiers read (besides the train command's --epochs,
    --batch-size, --lr, --keep-prob, --early-stopping, --seed, --layers, --data-dir)."""
    g = p.add_argument_group("text classifiers (--model lstm-classifier, transformer-classifier)",
                             "--keep-prob defaults to 0.7 (dropout on the embedded tokens and the pooled "
                             "vector), --lr to 0.002, --epochs to 12; --early-stopping watches the dev macro-F1")
    g.add_argument("--max-len", type=int, help=f"tokens kept per text (default {DEFAULTS['max_len']})")
    g.add_argument("--class-weights", choices=["balanced", "none"],
                   help="cross-entropy weights per class: balanced (m / (C·m_c), the default) or none")
    g.add_argument("--pretrain", choices=["fortunes", "none"],
                   help="start the Embedding from skip-gram vectors of the training texts (fortunes, "
                        "the default) or at random (none)")
ENCODER = {"lstm-classifier": "lstm", "transformer-classifier": "transformer"}


@resumable
def train(args) -> int:
    from ..callbacks import EarlyStopping
    from ..datasets.text import load_fortunes
    from ..io import save
    from ..metrics import confusion_matrix, precision_recall_f1
    from ..losses import balanced_class_weights
    from ..text_models import TextClassifier, build_vocabulary, encode_texts, skipgram_embedding

    family = args.model
    if args.dataset != "fortunes":
        raise CLIError(f"--model {family} trains on --dataset fortunes, got {args.dataset!r}")
    try:
        n_e = int(args.layers) if args.layers else DEFAULTS["n_e"]
    except ValueError:
        raise CLIError(f"--layers for --model {family} is one number (the embedding size), got {args.layers!r}") from None
    given = lambda key: getattr(args, key, None)  # noqa: E731
    cfg = {"model": family, "dataset": "fortunes", "n_e": n_e, "max_len": given("max_len") or DEFAULTS["max_len"],
           "epochs": args.epochs or DEFAULTS["epochs"], "batch_size": args.batch_size or DEFAULTS["batch_size"],
           "lr": args.lr or DEFAULTS["lr"], "seed": args.seed, "data_dir": args.data_dir,
           "keep_prob": DEFAULTS["keep_prob"] if given("keep_prob") is None else given("keep_prob"),
           "class_weights": given("class_weights") or DEFAULTS["class_weights"],
           "pretrain": given("pretrain") or DEFAULTS["pretrain"], "pretrain_epochs": DEFAULTS["pretrain_epochs"],
           "early_stopping": DEFAULTS["patience"] if args.early_stopping is None else args.early_stopping,
           "monitor": "val_macro_f1"}
    if n_e < 4 or n_e % 4 or cfg["epochs"] < 1 or cfg["batch_size"] < 1 or not cfg["lr"] > 0:
        raise CLIError("--layers must be a positive multiple of 4 (4 attention heads), --epochs and "
                       "--batch-size at least 1, --lr positive")
    if cfg["max_len"] < 1 or not 0 < cfg["keep_prob"] <= 1:
        raise CLIError(f"--max-len must be at least 1 and --keep-prob in (0, 1], got {cfg['max_len']} "
                       f"and {cfg['keep_prob']}")
    data = load_fortunes(seed=cfg["seed"], **({"folder": args.data_dir} if args.data_dir else {}))
    train_texts = [t for t, _ in data.train]
    vocab = build_vocabulary(train_texts)
    X, Xd, Xt = (encode_texts([t for t, _ in s], vocab, cfg["max_len"])[0] for s in (data.train, data.dev, data.test))
    Y, Yd, Yt = (np.array([[y for _, y in s]]) for s in (data.train, data.dev, data.test))
    C = len(data.classes)
    run_dir = run_dir_for(args.out, f"fortunes-{family}")
    refuse_used_run_dir(run_dir)
    start = time.perf_counter()
    E = (skipgram_embedding(train_texts, vocab, n_e, epochs=cfg["pretrain_epochs"], seed=cfg["seed"])
         if cfg["pretrain"] == "fortunes" else None)
    pretrain_seconds = time.perf_counter() - start
    weights = balanced_class_weights(Y[0], C).tolist() if cfg["class_weights"] == "balanced" else None
    model = TextClassifier(len(vocab), C, ENCODER[family], n_e=n_e, units=n_e, n_heads=4, d_ff=2 * n_e,
                           keep_prob=cfg["keep_prob"], class_weights=weights, embedding_weights=E,
                           metrics=["accuracy", "macro_f1"], seed=cfg["seed"])
    with claim_new_run_dir(run_dir):
        atomic_write(run_dir / "config.json", json.dumps(cfg, indent=2))
        if not args.json:
            print(f"nndl: training a {family} (n_e {n_e}; skip-gram start: {cfg['pretrain']}, "
                  f"{pretrain_seconds:.0f} s) on {len(data.train)} fortunes of {C} categories "
                  f"({len(data.dev)} dev, {len(data.test)} test), vocabulary {len(vocab)} → {run_dir}")
        start = time.perf_counter()
        model.fit(X, Y, epochs=cfg["epochs"], batch_size=cfg["batch_size"], optimizer="adam",
                  learning_rate=cfg["lr"], validation_data=(Xd, Yd),
                  callbacks=([EarlyStopping(cfg["monitor"], patience=cfg["early_stopping"])]
                             if cfg["early_stopping"] else []),
                  verbose=0 if args.no_progress or args.json else 1)
        seconds = time.perf_counter() - start
        dev = precision_recall_f1(confusion_matrix(Yd[0], model.predict(Xd)[0], C))
        r = precision_recall_f1(confusion_matrix(Yt[0], model.predict(Xt)[0], C))
        summary = {"model": family, "dataset": "fortunes", "n_e": n_e, "epochs": model.epochs_done,
                   "seconds": round(seconds, 3), "pretrain_seconds": round(pretrain_seconds, 3),
                   "dev_macro_f1": float(dev.macro_f1), "test_accuracy": float(r.accuracy),
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
