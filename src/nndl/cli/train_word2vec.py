"""``nndl train --model word2vec --dataset kjv``: skip-gram word vectors on the King James Bible.

RUN_DIR holds config.json, checkpoint.safetensors (each epoch; ``--resume RUN_DIR`` continues
the run, its example generator included), model.safetensors (the Word2Vec model), vectors.safetensors and
vectors.txt (word2vec's text format), history.csv and summary.json (the nearest neighbours of
a few common words and the ten KJV analogies solved in the top 5, by 3CosAdd and by the
course's score).
"""

from __future__ import annotations

import json
import time

from ..files import atomic_write
from . import CLIError
from .common import claim_new_run_dir, emit, refuse_used_run_dir, run_dir_for
from .resumable import resumable

PROBE_WORDS = ("god", "king", "water", "father", "day")


def add_options(p) -> None:
    """The options only word2vec reads (the others — --epochs, --batch-size, --lr, --seed,
    --out, --json, --no-progress — are the train command's)."""
    g = p.add_argument_group("word2vec (--model word2vec)")
    g.add_argument("--dim", type=int, default=100, help="word-vector size n_e (default 100)")
    g.add_argument("--window", type=int, default=5, help="largest context window (default 5)")
    g.add_argument("--negatives", type=int, default=5, help="negative samples K per pair (default 5)")
    g.add_argument("--min-count", type=int, default=5, help="drop words seen fewer times (default 5)")
    g.add_argument("--subsample", type=float, default=1e-4, help="subsampling threshold t (default 1e-4)")
    g.add_argument("--passage", default=None, help='KJV passage, e.g. "Genesis1:1-Exodus40:38" (default: all)')


@resumable
def run(args) -> int:
    from ..datasets.text.kjv import WHOLE, load_kjv
    from ..word2vec import train_word2vec
    from ..word_vectors import WordVectors, evaluate_analogies

    if args.dataset != "kjv":
        raise CLIError(f"--model word2vec trains on --dataset kjv, got --dataset {args.dataset}")
    cfg = {"model": "word2vec", "dataset": "kjv", "passage": args.passage or WHOLE, "dim": args.dim,
           "window": args.window, "negatives": args.negatives, "min_count": args.min_count,
           "subsample": args.subsample, "epochs": args.epochs or 5, "batch_size": args.batch_size or 1024,
           "lr": args.lr or 3e-3, "seed": args.seed}
    for key in ("dim", "window", "negatives", "min_count", "epochs", "batch_size"):
        if cfg[key] < 1:
            raise CLIError(f"--{key.replace('_', '-')} must be at least 1, got {cfg[key]}")
    if not (cfg["lr"] > 0 and cfg["subsample"] > 0):
        raise CLIError(f"--lr and --subsample must be positive, got {cfg['lr']} and {cfg['subsample']}")
    run_dir = run_dir_for(args.out, "word2vec-kjv")
    refuse_used_run_dir(run_dir)
    try:
        dataset = load_kjv(cfg["passage"])
    except (FileNotFoundError, RuntimeError, ValueError) as e:
        raise CLIError(str(e)) from None
    with claim_new_run_dir(run_dir):
        atomic_write(run_dir / "config.json", json.dumps(cfg, indent=2))
        start = time.perf_counter()
        try:
            model, vocab = train_word2vec(dataset.train, n_e=cfg["dim"], window=cfg["window"],
                                          n_negative=cfg["negatives"], min_count=cfg["min_count"],
                                          t=cfg["subsample"], epochs=cfg["epochs"], batch_size=cfg["batch_size"],
                                          learning_rate=cfg["lr"], seed=cfg["seed"],
                                          verbose=0 if args.no_progress or args.json else 1)
        except ValueError as e:
            raise CLIError(str(e)) from None
        seconds = time.perf_counter() - start
        model.save(run_dir / "model.safetensors")
        model.history.write_csv(run_dir / "history.csv")
        wv = WordVectors(model.E, vocab.itos)
        wv.save(run_dir)
        analogies = evaluate_analogies(wv)
        course = evaluate_analogies(wv, method="course")
        summary = {"dataset": "kjv", "words": dataset.info["words"], "vocabulary": len(vocab),
                   "epochs": cfg["epochs"], "seconds": round(seconds, 3),
                   "final_cost": model.history.history["cost"][-1],
                   "nearest": {w: [x for x, _ in wv.nearest(w, 8)] for w in PROBE_WORDS if w in wv},
                   "analogies_top5": sum(a["solved"] for a in analogies), "analogies": analogies,
                   "analogies_top5_course_score": sum(a["solved"] for a in course)}
        atomic_write(run_dir / "summary.json", json.dumps(summary, indent=2))
    lines = [f"nndl: word2vec on kjv: {len(vocab)} words, {cfg['epochs']} epochs in {seconds:.1f} s, "
             f"cost {summary['final_cost']:.4f}; run directory: {run_dir}"]
    lines += [f"  {w}: {', '.join(near)}" for w, near in summary["nearest"].items()]
    lines.append(f"  analogies solved in the top 5: {summary['analogies_top5']}/{len(analogies)} by 3CosAdd, "
                 f"{summary['analogies_top5_course_score']}/{len(course)} by the course's score")
    emit(args, "\n".join(lines), {"run_dir": str(run_dir), **summary})
    return 0
