"""Skip-gram with negative sampling (word2vec) as an nndl model, and its training data.

The model ``Word2Vec`` takes three integer inputs of m examples — centre ids (m,), context
ids (m,) and negative ids (m, K) — and outputs σ(Z) (1 + K, m) with
Z[k, i] = θ_{T[i,k]}·e_{c[i]}, T = [context, negatives] (see ``nndl.functional.skipgram``).
Against the targets Y = [1, 0 … 0] (``skipgram_targets``) the model's binary cross-entropy,
summed over the 1 + K rows, is the skip-gram loss

    J = (1/m) Σ_i [ −log σ(θ_o·e_c) − Σ_k log σ(−θ_{n_k}·e_c) ]

so it trains with the library's ``fit`` and any optimizer. Its parameters are
``skipgram.E`` (n_e, V), the word vectors kept, and ``skipgram.theta`` (n_e, V), the context
vectors. They live in ``SkipGram``, a helper layer of this model only: it is not in the layer
registry (model files rebuild it from the model's config), so it has no ONNX or PyTorch
mapping of its own; the vectors leave as a matrix (``nndl.word_vectors``).

Each epoch draws fresh examples from the corpus (``skipgram_examples``): frequent words are
subsampled, each centre gets a window size b drawn uniformly from 1 … window (the dynamic
window: near words count more), every word within b positions of the centre in the same
sentence is a context, and K negatives per pair come from the unigram^0.75 law — all with
one seeded Generator. ``train_word2vec`` runs the whole recipe on tokenized sentences.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np

from . import functional as F
from .datasets.text.vocab import SPECIALS, Vocabulary
from .layers.base import Layer
from .model_registry import register_model
from .model_base import Model
from .backup import active_backup
from .resume import record, take

Array = np.ndarray


class SkipGram(Layer):
    """The skip-gram scores of (centres (m,), targets (m, 1 + K)) → σ(Z) (1 + K, m).

    Parameters E and θ (n_e, V). E starts uniform in ±0.5/n_e and θ at zero (as word2vec).
    A helper of ``Word2Vec`` (not registered: its input is a pair of id arrays)."""

    batch_axis = 0
    input_kind = "int"
    logits_activation = "sigmoid"

    def __init__(self, vocab_size: int, n_e: int, name: str | None = None):
        super().__init__(name)
        if int(vocab_size) < 2 or int(n_e) < 1:
            raise ValueError(f"SkipGram needs vocab_size ≥ 2 and n_e ≥ 1, got {vocab_size} and {n_e}")
        self.vocab_size, self.n_e = int(vocab_size), int(n_e)
        self.Z = None

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        bound = 0.5 / self.n_e
        self.params = {"E": rng.uniform(-bound, bound, (self.n_e, self.vocab_size)).astype(dtype),
                       "theta": np.zeros((self.n_e, self.vocab_size), dtype)}
        self._zero_grads()
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)  # targets (1 + K,) per example → scores (1 + K,)

    def forward(self, A_prev, training=False):
        centers, targets = A_prev
        self.check_input(targets)
        self.Z, cache = F.skipgram_scores(centers, targets, self.params["E"], self.params["theta"])
        A, _ = F.sigmoid(self.Z)
        self.cache = (cache, A)
        return A

    def backward_from_logits(self, dZ):
        cache, _ = self.cache
        m = dZ.shape[1]
        # the course's 1/m, where dW is formed (on dZ, the smaller array)
        F.skipgram_scores_backward(dZ * (1 / m), cache, out=(self.grads["dE"], self.grads["dtheta"]))
        return None

    def backward(self, dA):
        _, A = self.cache
        return self.backward_from_logits(F.sigmoid_backward(dA, A))

    def get_config(self):
        return {"vocab_size": self.vocab_size, "n_e": self.n_e, "name": self.name}


@register_model
class Word2Vec(Model):
    """Skip-gram with K negatives: ``fit((centres, contexts, negatives), skipgram_targets(m, K))``."""

    input_batch_axes = (0, 0, 0)
    input_kinds = ("int", "int", "int")

    def __init__(self, vocab_size: int, n_e: int = 100, n_negative: int = 5, **kwargs):
        kwargs.setdefault("loss", "binary_crossentropy")
        kwargs.setdefault("metrics", [])
        super().__init__(**kwargs)
        if int(n_negative) < 1:
            raise ValueError(f"n_negative must be at least 1, got {n_negative}")
        self.n_negative = int(n_negative)
        self.skipgram = SkipGram(vocab_size, n_e)

    def get_model_config(self):
        return {"vocab_size": self.skipgram.vocab_size, "n_e": self.skipgram.n_e, "n_negative": self.n_negative}

    def named_layers(self):
        return {"skipgram": self.skipgram}

    def build_layers(self, input_shapes):
        if [tuple(s) for s in input_shapes] != [(), (), (self.n_negative,)]:
            raise ValueError(f"Word2Vec takes centres (m,), contexts (m,) and negatives (m, {self.n_negative}), "
                             f"got examples of shapes {input_shapes}")
        self.skipgram.build((1 + self.n_negative,), self.rng, self.dtype, batch_axis=0)
        self.output_layer = self.skipgram
        return (1 + self.n_negative,)

    def forward(self, X, training=False):
        centers, contexts, negatives = X
        targets = np.concatenate([np.asarray(contexts)[:, None], negatives], axis=1)
        return self.skipgram.forward((centers, targets), training)

    def backward(self, delta, from_logits):
        self.backward_output(delta, from_logits)

    @property
    def E(self) -> Array:
        """The word vectors (n_e, V), column v for word id v."""
        return self.skipgram.params["E"]


def skipgram_targets(m: int, n_negative: int, dtype=np.float32) -> Array:
    """Y (1 + K, m): 1 for the context row, 0 for the K negative rows."""
    Y = np.zeros((1 + n_negative, m), dtype)
    Y[0] = 1
    return Y


def skipgram_examples(sentences: Sequence[Array], counts: Array, window: int, n_negative: int,
                      rng: np.random.Generator, t: float | None = 1e-4,
                      power: float = 0.75) -> tuple[Array, Array, Array]:
    """One epoch of skip-gram examples from id sentences (each a 1-D int array).

    Subsampling keeps an occurrence of w with probability min(1, √(t/f(w))) (none when t is
    None); each kept position draws b ~ U{1 … window}; every pair (centre, word at distance
    d ≤ b in the same sentence) is an example, with n_negative ids from counts^power.
    Loops run over the 2·window offsets, never over words. Returns (centres (m,), contexts
    (m,), negatives (m, K)), int64."""
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    counts = np.asarray(counts)
    lengths = np.array([len(s) for s in sentences], dtype=np.int64)
    ids = np.concatenate([np.asarray(s, dtype=np.int64) for s in sentences]) if len(sentences) else np.zeros(0, np.int64)
    sent = np.repeat(np.arange(len(sentences)), lengths)
    if t is not None:
        keep = rng.random(ids.size) < F.subsampling_keep_probability(counts, t)[ids]
        ids, sent = ids[keep], sent[keep]
    b = rng.integers(1, window + 1, size=ids.size)
    centers, contexts = [], []
    for d in range(1, window + 1):
        pos = np.nonzero((b[:-d] >= d) & (sent[:-d] == sent[d:]))[0]  # centre i, context i + d
        centers.append(ids[pos]), contexts.append(ids[pos + d])
        pos = np.nonzero((b[d:] >= d) & (sent[:-d] == sent[d:]))[0] + d  # centre i, context i − d
        centers.append(ids[pos]), contexts.append(ids[pos - d])
    centers, contexts = np.concatenate(centers), np.concatenate(contexts)
    if centers.size == 0:
        raise ValueError("the sentences give no (centre, context) pair: too short, or all subsampled away")
    cdf = np.cumsum(F.negative_sampling_distribution(counts, power))
    negatives = np.searchsorted(cdf, rng.random((centers.size, n_negative)) * cdf[-1], side="right")
    return centers, contexts, np.minimum(negatives, counts.size - 1)


def build_vocabulary(sentences: Sequence[Sequence[str]], min_count: int = 5) -> tuple[Vocabulary, Array, list[Array]]:
    """(vocabulary of the words seen ≥ min_count times, counts (V,) (0 for the specials),
    id sentences without the dropped words)."""
    vocab = Vocabulary.build(sentences, min_count=min_count)
    freq = Counter(w for s in sentences for w in s)
    counts = np.array([0 if w in SPECIALS else freq[w] for w in vocab.itos], dtype=np.int64)
    ids = [np.array([vocab.stoi[w] for w in s if w in vocab.stoi], dtype=np.int64) for s in sentences]
    return vocab, counts, [s for s in ids if s.size > 1]


def train_word2vec(sentences: Sequence[Sequence[str]], n_e: int = 100, window: int = 5, n_negative: int = 5,
                   min_count: int = 5, t: float | None = 1e-4, epochs: int = 5, batch_size: int = 1024,
                   learning_rate: float = 3e-3, optimizer: str = "adam", seed: int = 0, dtype=np.float32,
                   verbose: int = 0, callbacks=()):
    """Train skip-gram vectors on tokenized sentences; each epoch draws fresh examples
    (``skipgram_examples``) and runs one epoch of ``fit``. Returns (model, vocabulary).

    Inside ``nndl.backup.backing_up(backup)`` every epoch is checkpointed, with the state of
    the generator that draws the examples; a checkpoint already there is continued: epochs
    ``its epoch … epochs − 1`` run, and the result is the uninterrupted run's."""
    vocab, counts, ids = build_vocabulary(sentences, min_count)
    if counts.sum() == 0:
        raise ValueError(f"no word occurs at least min_count={min_count} times")
    rng = np.random.default_rng(seed)
    model = Word2Vec(len(vocab), n_e=n_e, n_negative=n_negative, seed=seed, dtype=dtype)
    backup = active_backup()
    if backup is not None:
        model.build((), (), (n_negative,))  # as the first fit would: the checkpoint needs its weights
        if backup.restore(model):  # a resumed run: its model and its example generator go on
            _restore_examples_generator(rng, model, backup.path)
    for _ in range(model.epochs_done, epochs):
        centers, contexts, negatives = skipgram_examples(ids, counts, window, n_negative, rng, t)
        record(model, "word2vec_examples", {"rng_state": rng.bit_generator.state})  # saved by the epoch's checkpoint
        model.fit((centers, contexts, negatives), skipgram_targets(centers.size, n_negative, dtype), epochs=1,
                  batch_size=batch_size, optimizer=optimizer if model.optimizer is None else None,
                  learning_rate=learning_rate, verbose=verbose, callbacks=callbacks)
    return model, vocab


def _restore_examples_generator(rng: np.random.Generator, model, path) -> None:
    """Put the example generator's state saved in a word2vec checkpoint back into ``rng``."""
    from .io import ModelFileError
    saved = take(model, "word2vec_examples")
    try:
        rng.bit_generator.state = saved[0]["rng_state"]
    except (TypeError, KeyError, ValueError) as e:
        raise ModelFileError(f"{path}: the word2vec example generator's state is missing or damaged ({e})") from None
