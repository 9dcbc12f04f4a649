"""Text classification on Debian's fortunes (17 categories, one per file): an Embedding → LSTM
classifier and a Transformer-encoder classifier against a bag-of-words logistic regression
(scikit-learn's LogisticRegression on tf-idf of the same tokens), on the same stratified
split; test accuracy and macro-F1 of each.

    PYTHONPATH=src python examples/fortunes_classifiers.py [--epochs 8] [--max-len 64] [--json out.json]

Each network trains with Adam on the train split, keeps the weights of its best dev cost
(early stopping), and is scored once on the test split.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from nndl.callbacks import EarlyStopping
from nndl.datasets.text.fortunes import load_fortunes
from nndl.metrics import confusion_matrix, precision_recall_f1
from nndl.text_models import build_vocabulary, encode_texts, lstm_classifier, tokenize, transformer_classifier


def scores(y_true, y_pred, C):
    r = precision_recall_f1(confusion_matrix(y_true, y_pred, C))
    return {"accuracy": float(r.accuracy), "macro_f1": float(r.macro_f1)}


def baseline(train, test, C):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    vec = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, sublinear_tf=True, min_df=2)
    Xtr = vec.fit_transform([t for t, _ in train])
    clf = LogisticRegression(C=10.0, max_iter=2000)
    clf.fit(Xtr, [y for _, y in train])
    return scores(np.array([y for _, y in test]), clf.predict(vec.transform([t for t, _ in test])), C)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.003)
    ap.add_argument("--n-e", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--models", default="baseline,lstm,transformer")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    data = load_fortunes(seed=args.seed)
    C = len(data.classes)
    results = {"split": {"train": len(data.train), "dev": len(data.dev), "test": len(data.test)}, "classes": C}
    which = args.models.split(",")
    if "baseline" in which:
        start = time.perf_counter()
        results["baseline_tfidf_logreg"] = {**baseline(data.train, data.test, C),
                                            "seconds": round(time.perf_counter() - start, 1)}
        print("baseline", results["baseline_tfidf_logreg"], flush=True)
    vocab = build_vocabulary([t for t, _ in data.train])
    X, _ = encode_texts([t for t, _ in data.train], vocab, args.max_len)
    Xd, _ = encode_texts([t for t, _ in data.dev], vocab, args.max_len)
    Xt, _ = encode_texts([t for t, _ in data.test], vocab, args.max_len)
    Y, Yd, Yt = (np.array([[y for _, y in s]]) for s in (data.train, data.dev, data.test))
    makers = {"lstm": lambda: lstm_classifier(len(vocab), C, n_e=args.n_e, units=args.n_e, seed=args.seed),
              "transformer": lambda: transformer_classifier(len(vocab), C, d_model=args.n_e, n_heads=4,
                                                            d_ff=2 * args.n_e, seed=args.seed)}
    for name in ("lstm", "transformer"):
        if name not in which:
            continue
        model = makers[name]()
        start = time.perf_counter()
        model.fit(X, Y, epochs=args.epochs, batch_size=args.batch_size, optimizer="adam",
                  learning_rate=args.lr, validation_data=(Xd, Yd), verbose=0,
                  callbacks=[EarlyStopping("val_cost", patience=2)])
        seconds = time.perf_counter() - start
        results[name] = {**scores(Yt[0], model.predict(Xt)[0], C), "epochs": model.epochs_done,
                         "seconds": round(seconds, 1), "vocab": len(vocab), "max_len": args.max_len}
        print(name, results[name], flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
