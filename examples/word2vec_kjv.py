"""Skip-gram word vectors on the whole King James Bible (about 790,000 words), then the
nearest neighbours of five common words, the ten KJV analogies (solved in the top 5) and a
debiasing step along the he → she direction.

    PYTHONPATH=src python examples/word2vec_kjv.py [--epochs 5] [--passage "Genesis1:1-Revelation22:21"]

Needs the text: apt-get install bible-kjv. The same training from the command line:
nndl train --model word2vec --dataset kjv.
"""

import argparse
import time

from nndl.course import c5w2
from nndl.datasets.text.kjv import WHOLE, load_kjv
from nndl.word2vec import train_word2vec
from nndl.word_vectors import WordVectors, evaluate_analogies

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--dim", type=int, default=100)
parser.add_argument("--lr", type=float, default=3e-3)
parser.add_argument("--passage", default=WHOLE)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()

data = load_kjv(args.passage)
start = time.perf_counter()
model, vocab = train_word2vec(data.train, n_e=args.dim, window=5, n_negative=5, min_count=5, t=1e-4,
                              epochs=args.epochs, batch_size=1024, learning_rate=args.lr, seed=args.seed,
                              verbose=1)
seconds = time.perf_counter() - start
wv = WordVectors(model.E, vocab.itos)
cost = ", ".join(f"{c:.3f}" for c in model.history.history["cost"])
print(f"{data.info['words']} words, vocabulary {len(vocab)}, {args.epochs} epochs in {seconds:.0f} s; "
      f"cost per epoch: {cost}")
for word in ("god", "king", "water", "father", "day"):
    print(f"  {word}: {', '.join(w for w, _ in wv.nearest(word, 8))}")
results = evaluate_analogies(wv)
for r in results:
    print(f"  {r['question']:32s} {'solved' if r['solved'] else '      '}  top 5: {', '.join(r['top'])}")
course = evaluate_analogies(wv, method="course")
print(f"analogies solved in the top 5: {sum(r['solved'] for r in results)}/{len(results)} by 3CosAdd, "
      f"{sum(r['solved'] for r in course)}/{len(course)} by the course's cos(e_b − e_a, e_w − e_c)")
print("c5w2.complete_analogy('son', 'sons', 'daughter') =", c5w2.complete_analogy("son", "sons", "daughter", wv))
g = wv.direction([("he", "she"), ("man", "woman"), ("him", "her")])
fair = wv.debias(g, neutral=["wisdom", "strength", "beauty"], pairs=[("man", "woman"), ("king", "queen")])
for w in ("wisdom", "strength", "beauty"):
    print(f"  cos({w}, g): {c5w2.cosine_similarity(wv[w], g):+.3f} → {c5w2.cosine_similarity(fair[w], g):+.3f}")
