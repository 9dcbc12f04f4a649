"""Text classifiers over token ids (m, T): an Embedding → LSTM classifier and a
Transformer-encoder classifier, both pooling their states with a padding mask.

    ids (m, T) ─ Embedding ─ e (n_e, m, T) ─ encoder ─ h (n, m, T)
        ─ MaskedMeanPool (mask = ids ≠ 0) ─ p (n, m) ─ Dense softmax ─ ŷ (C, m)

encoder: ``LSTM(units, return_sequences=True)`` (right padding comes after every real token,
so the states of real tokens never see it), or ``PositionalEncoding`` then
``TransformerEncoderLayer(n_e, n_heads, d_ff)`` with the padding mask on its self-attention.
Padded positions therefore change neither the prediction nor the gradients.

Options: ``keep_prob`` < 1 adds inverted dropout on the embedded tokens and on the pooled
vector p (training only); ``class_weights`` (C,) trains with the weighted cross-entropy
J = −(1/m) Σ_i w_{y_i} log ŷ_{y_i} (``nndl.losses.WeightedCategoricalCrossEntropy``;
``balanced_class_weights`` gives every class the same total weight, which macro-F1 rewards);
``embedding_weights`` (n_e, V) starts E from pretrained vectors (``pretrained_embedding``
maps ``WordVectors`` onto a vocabulary), then fine-tunes it.

``tokenize`` / ``encode_texts`` turn strings into padded id matrices with a ``Vocabulary``.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from .datasets.text.vocab import PAD, SPECIALS, Vocabulary
from .layers import LSTM, Dense, Dropout, Embedding, MaskedMeanPool, PositionalEncoding, TransformerEncoderLayer
from .layers.base import Layer
from .losses import WeightedCategoricalCrossEntropy
from .model_registry import register_model
from .model_base import Model

Array = np.ndarray
ENCODERS = ("lstm", "transformer")
_TOKEN = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")


def tokenize(text: str) -> list[str]:
    """Lower-cased words (letters, digits, apostrophes) and single punctuation marks."""
    return _TOKEN.findall(text.lower())


def build_vocabulary(texts: Sequence[str], min_count: int = 2, max_size: int | None = 20000) -> Vocabulary:
    """The vocabulary of the tokens of ``texts`` seen at least ``min_count`` times."""
    return Vocabulary.build((tokenize(t) for t in texts), min_count=min_count, max_size=max_size)


def encode_texts(texts: Sequence[str], vocabulary: Vocabulary, max_len: int) -> tuple[Array, Array]:
    """(ids (m, max_len) int64 right-padded with 0 and cut after max_len tokens, mask (m, max_len))."""
    if max_len < 1:
        raise ValueError(f"max_len must be at least 1, got {max_len}")
    return vocabulary.pad([vocabulary.encode(tokenize(t)) for t in texts], max_len)


@register_model
class TextClassifier(Model):
    """Embedding → encoder (LSTM or Transformer encoder layer) → masked mean pool → softmax.

    vocab_size V (id 0 is padding), n_classes C, encoder "lstm" or "transformer", n_e the
    embedding size (= d_model of the Transformer), units the LSTM's n_a, n_heads and d_ff the
    encoder layer's; keep_prob (dropout on the embedded tokens and the pooled vector; 1 = none),
    class_weights (C,) (the weighted cross-entropy; kept in the model's config), and
    embedding_weights (n_e, V), the start of E (not kept in the config: the model file holds
    E). Input: ids (m, T); output: class probabilities (C, m)."""

    input_batch_axes = (0,)
    input_kinds = ("int",)

    def __init__(self, vocab_size: int, n_classes: int, encoder: str = "lstm", n_e: int = 64,
                 units: int = 64, n_heads: int = 4, d_ff: int = 128, keep_prob: float = 1.0,
                 class_weights: Sequence[float] | None = None, embedding_weights: Array | None = None,
                 **kwargs):
        if class_weights is not None:
            if kwargs.get("loss") not in (None, WeightedCategoricalCrossEntropy.name):
                raise ValueError(f"class_weights train with the weighted cross-entropy; got loss={kwargs['loss']!r}")
            kwargs["loss"] = WeightedCategoricalCrossEntropy(class_weights)
        super().__init__(**kwargs)
        if encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {', '.join(ENCODERS)}, got {encoder!r}")
        if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
            raise ValueError(f"n_classes must be an integer ≥ 2, got {n_classes!r}")
        if not 0.0 < float(keep_prob) <= 1.0:
            raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}")
        if class_weights is not None and len(class_weights) != n_classes:
            raise ValueError(f"class_weights must hold n_classes = {n_classes} numbers, got {len(class_weights)}")
        self.vocab_size, self.n_classes, self.encoder_kind = int(vocab_size), int(n_classes), encoder
        self.n_e, self.units, self.n_heads, self.d_ff = int(n_e), int(units), int(n_heads), int(d_ff)
        self.keep_prob = float(keep_prob)
        self.class_weights = None if class_weights is None else [float(w) for w in class_weights]
        self.embedding = Embedding(self.vocab_size, self.n_e, weights=embedding_weights)
        self.drop_e = Dropout(self.keep_prob) if self.keep_prob < 1 else None
        if encoder == "lstm":
            self.positions = None
            self.encoder = LSTM(self.units, return_sequences=True)
        else:
            self.positions = PositionalEncoding()
            self.encoder = TransformerEncoderLayer(self.n_e, self.n_heads, self.d_ff)
        self.pool = MaskedMeanPool()
        self.drop_p = Dropout(self.keep_prob) if self.keep_prob < 1 else None
        self.out = Dense(self.n_classes, activation="softmax")

    def named_layers(self) -> dict[str, Layer]:
        layers = {"embedding": self.embedding, "encoder": self.encoder, "out": self.out}
        return layers

    def _stack(self) -> list[Layer]:
        return [l for l in (self.embedding, self.positions, self.drop_e, self.encoder, self.pool, self.drop_p,
                            self.out) if l is not None]

    def build_layers(self, input_shapes):
        shape, axis = input_shapes[0], 0
        for layer in self._stack():
            shape = layer.build(shape, self.rng, self.dtype, axis)
            axis = layer.output_batch_axis
        self.embedding.needs_input_grad = False
        self.output_layer = self.out
        return shape

    def forward(self, X: Array, training: bool = False) -> Array:
        """ŷ (C, m) for ids X (m, T); the padding mask is X ≠ 0."""
        mask = (np.asarray(X) != 0).astype(self.dtype)
        if self.positions is not None:
            self.encoder.set_mask(mask)
        self.pool.set_mask(mask)
        A = X
        for layer in self._stack():
            A = layer.forward(A, training)
        return A

    def backward(self, delta: Array, from_logits: bool) -> None:
        dA = self.backward_output(delta, from_logits)
        for layer in reversed(self._stack()[:-1]):
            dA = layer.backward(dA)

    def get_model_config(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size, "n_classes": self.n_classes, "encoder": self.encoder_kind,
                "n_e": self.n_e, "units": self.units, "n_heads": self.n_heads, "d_ff": self.d_ff,
                "keep_prob": self.keep_prob, "class_weights": self.class_weights}


def lstm_classifier(vocab_size: int, n_classes: int, n_e: int = 64, units: int = 64, keep_prob: float = 0.7,
                    **kwargs) -> TextClassifier:
    """Embedding(V, n_e) → dropout → LSTM(units) over all steps → masked mean pool → dropout →
    Dense(C, softmax). The fortunes recipe also passes ``class_weights`` (balanced) and
    ``embedding_weights`` (``skipgram_embedding``); see ``nndl.cli.text_clf``."""
    return TextClassifier(vocab_size, n_classes, "lstm", n_e=n_e, units=units, keep_prob=keep_prob, **kwargs)


def transformer_classifier(vocab_size: int, n_classes: int, d_model: int = 64, n_heads: int = 4,
                           d_ff: int = 128, keep_prob: float = 0.7, **kwargs) -> TextClassifier:
    """Embedding(V, d_model) + positional encoding → dropout → TransformerEncoderLayer
    (padding-masked self-attention) → masked mean pool → dropout → Dense(C, softmax); the
    options as for ``lstm_classifier``."""
    return TextClassifier(vocab_size, n_classes, "transformer", n_e=d_model, n_heads=n_heads, d_ff=d_ff,
                          keep_prob=keep_prob, **kwargs)


def pretrained_embedding(vocabulary, vectors, rng: np.random.Generator | None = None) -> Array:
    """E (n_e, V) for ``vocabulary`` (a ``Vocabulary`` or a sequence of words): column v is the
    vector of word v in ``vectors`` (``WordVectors``, or any (E, words) pair); words it lacks
    and the special tokens (<unk>, …) get N(0, 1)·0.01 columns, as a fresh ``Embedding`` would;
    <pad> gets zeros."""
    words = list(getattr(vocabulary, "itos", vocabulary))
    E_src, src_words = vectors
    E_src = np.asarray(E_src)
    if E_src.ndim != 2 or E_src.shape[1] != len(src_words):
        raise ValueError(f"vectors must be E (n_e, V) with V = {len(src_words)} words, got {E_src.shape}")
    index = {w: i for i, w in enumerate(src_words)}
    rng = rng if rng is not None else np.random.default_rng(0)
    E = 0.01 * rng.standard_normal((E_src.shape[0], len(words)))
    found = [(v, index[w]) for v, w in enumerate(words) if w in index and w not in SPECIALS]
    if not found:
        raise ValueError(f"none of the {len(words)} vocabulary words has a vector")
    rows, cols = zip(*found)
    E[:, list(rows)] = E_src[:, list(cols)]
    if PAD in words:
        E[:, words.index(PAD)] = 0.0
    return E


def skipgram_embedding(texts: Sequence[str], vocabulary, n_e: int, epochs: int = 5, min_count: int = 2,
                       t: float | None = 1e-4, seed: int = 0, dtype=np.float32) -> Array:
    """E (n_e, V) for ``vocabulary`` from skip-gram vectors trained on ``texts`` themselves
    (``nndl.word2vec.train_word2vec`` on their tokens: window 5, 5 negatives, words seen
    ``min_count`` times, subsampling threshold ``t``, ``epochs`` passes), mapped by
    ``pretrained_embedding``: the start of a classifier's Embedding that already places words of
    similar contexts together."""
    from .word2vec import train_word2vec
    model, word_vocab = train_word2vec([tokenize(text) for text in texts], n_e=n_e, min_count=min_count,
                                       t=t, epochs=epochs, seed=seed, dtype=dtype)
    return pretrained_embedding(vocabulary, (model.E, word_vocab.itos),
                                np.random.default_rng(seed)).astype(dtype)
