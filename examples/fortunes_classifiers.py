"""Text classification on Debian's fortunes (17 categories, one per file): an Embedding → LSTM
classifier and a Transformer-encoder classifier against a bag-of-words logistic regression
(scikit-learn's LogisticRegression on sublinear tf-idf of the same tokens), on the same
stratified split; test accuracy and macro-F1 of each.

    PYTHONPATH=src python examples/fortunes_classifiers.py [--models baseline,lstm,transformer] [--json out.json]

Everything is chosen on the dev split and scored once on the test split: the baseline's C and
class weighting (none or balanced) by dev macro-F1, then refitted on the training split; the
networks are ``nndl train --model lstm-classifier|transformer-classifier --dataset fortunes``
with their defaults (``nndl.cli.text_clf``: 128 tokens, skip-gram start, dropout, balanced
class weights, early stopping on the dev macro-F1) on the same split (``--seed``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from nndl.cli import main as nndl
from nndl.datasets.text.fortunes import load_fortunes
from nndl.metrics import confusion_matrix, precision_recall_f1
from nndl.text_models import tokenize

C_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)


def scores(y_true, y_pred, C):
    r = precision_recall_f1(confusion_matrix(y_true, y_pred, C))
    return {"accuracy": float(r.accuracy), "macro_f1": float(r.macro_f1)}


def baseline(data, C):
    """tf-idf + logistic regression; (C, class_weight) chosen by dev macro-F1."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    texts = {name: [t for t, _ in split] for name, split in (("train", data.train), ("dev", data.dev),
                                                             ("test", data.test))}
    y = {name: np.array([c for _, c in split]) for name, split in (("train", data.train), ("dev", data.dev),
                                                                    ("test", data.test))}
    vec = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, sublinear_tf=True, min_df=2)
    X = {"train": vec.fit_transform(texts["train"])}
    X["dev"], X["test"] = vec.transform(texts["dev"]), vec.transform(texts["test"])
    grid = []
    for c in C_GRID:
        for weight in (None, "balanced"):
            clf = LogisticRegression(C=c, class_weight=weight, max_iter=2000).fit(X["train"], y["train"])
            grid.append((scores(y["dev"], clf.predict(X["dev"]), C)["macro_f1"], c, weight, clf))
    dev_f1, c, weight, clf = max(grid, key=lambda g: g[0])
    return {**scores(y["test"], clf.predict(X["test"]), C), "dev_macro_f1": dev_f1, "C": c,
            "class_weight": weight or "none",
            "dev_grid": [{"C": g[1], "class_weight": g[2] or "none", "dev_macro_f1": round(g[0], 4)} for g in grid]}


def network(family, seed, out, extra=()):
    """``nndl train --model FAMILY --dataset fortunes --seed SEED`` with its defaults; its summary."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        nndl(["train", "--model", family, "--dataset", "fortunes", "--seed", str(seed), "--out", str(out),
              "--json", *extra])
    s = json.loads(buf.getvalue().strip().splitlines()[-1])
    return {"accuracy": s["test_accuracy"], "macro_f1": s["test_macro_f1"], "dev_macro_f1": s["dev_macro_f1"],
            "epochs": s["epochs"], "seconds": round(s["seconds"], 1),
            "pretrain_seconds": round(s["pretrain_seconds"], 1)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="the split's seed (and the networks')")
    ap.add_argument("--models", default="baseline,lstm,transformer")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    data = load_fortunes(seed=args.seed)
    C = len(data.classes)
    results = {"split": {"train": len(data.train), "dev": len(data.dev), "test": len(data.test)}, "classes": C}
    which = args.models.split(",")
    if "baseline" in which:
        start = time.perf_counter()
        results["baseline_tfidf_logreg"] = {**baseline(data, C), "seconds": round(time.perf_counter() - start, 1)}
        print("baseline", {k: v for k, v in results["baseline_tfidf_logreg"].items() if k != "dev_grid"}, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("lstm", "transformer"):
            if name in which:
                results[name] = network(f"{name}-classifier", args.seed, Path(tmp) / name)
                print(name, results[name], flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
