"""Embedding layer: token ids (m, T_x) → vectors (n_e, m, T_x), a column of E per token.

``Embedding(V, n_e)`` learns E (n_e, V); ``trainable=False`` freezes it (saved and loaded,
never trained); ``Embedding.from_vectors(path, vocabulary)`` starts from pretrained vectors
in the word2vec text format (an optional ``V n_e`` header line, then ``word v1 … v_n_e``
per line), a row per word of the vocabulary (random for words the file lacks).
"""

from __future__ import annotations

import os

import numpy as np

from ..functional.embedding import embedding_backward, embedding_forward
from ..limits import check_allocation
from .base import Array, Layer, register_layer


@register_layer
class Embedding(Layer):
    """E (n_e, V), drawn N(0, 1)·0.01 (or given as ``weights``); ``trainable=False`` freezes it.

    Input: integer ids (m, T_x) (examples on axis 0, ``input_kind = "int"``); output
    (n_e, m, T_x) (examples on axis 1): e⟨t⟩ = E[:, id⟨t⟩].
    """

    batch_axis = 0
    input_kind = "int"

    def __init__(self, vocab_size: int, n_e: int, trainable: bool = True,
                 weights: Array | None = None, name: str | None = None):
        super().__init__(name)
        for what, v in (("vocab_size", vocab_size), ("n_e", n_e)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"Embedding {what} must be a positive integer, got {v!r}")
        if weights is not None and np.shape(weights) != (n_e, vocab_size):
            raise ValueError(f"weights must have shape (n_e, V) = {(n_e, vocab_size)}, got {np.shape(weights)}")
        self.vocab_size, self.n_e, self.trainable = int(vocab_size), int(n_e), bool(trainable)
        self._weights = weights
        if not self.trainable:
            self.freeze()

    @classmethod
    def from_vectors(cls, path: str | os.PathLike, vocabulary, trainable: bool = False,
                     rng: np.random.Generator | None = None, name: str | None = None) -> "Embedding":
        """An Embedding whose column ``i`` is the vector of ``vocabulary[i]`` read from a
        word2vec text file (words missing from the file get N(0, 1)·0.01 columns).
        ``vocabulary``: a sequence of words, or an object with ``itos`` / ``tokens``."""
        words = list(getattr(vocabulary, "itos", getattr(vocabulary, "tokens", vocabulary)))
        index = {w: i for i, w in enumerate(words)}
        vectors: dict[int, np.ndarray] = {}
        n_e = None
        with open(path, encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                parts = line.rstrip("\n").split()
                if not parts:
                    continue
                if line_no == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                    continue  # the "V n_e" header
                word, values = parts[0], parts[1:]
                if n_e is None:
                    n_e = len(values)
                if len(values) != n_e:
                    raise ValueError(f"{path}: line {line_no} has {len(values)} numbers, expected {n_e}")
                if word in index:
                    vectors[index[word]] = np.array(values, dtype=np.float64)
        if n_e is None:
            raise ValueError(f"{path}: no vectors in the file")
        if not vectors:
            raise ValueError(f"{path}: none of the {len(words)} vocabulary words has a vector")
        rng = rng if rng is not None else np.random.default_rng(0)
        E = 0.01 * rng.standard_normal((n_e, len(words)))
        for i, v in vectors.items():
            E[:, i] = v
        return cls(len(words), n_e, trainable=trainable, weights=E, name=name)

    @property
    def output_batch_axis(self) -> int:
        return 1

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise ValueError(f"Embedding expects token ids (m, T_x), got examples of shape {input_shape}")
        return (self.n_e, input_shape[0])

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        check_allocation((self.n_e, self.vocab_size), dtype, "Embedding E")
        E = (np.asarray(self._weights, dtype=dtype).copy() if self._weights is not None
             else (0.01 * rng.standard_normal((self.n_e, self.vocab_size))).astype(dtype))
        self.params = {"E": E}
        self._zero_grads()
        return out

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        self.check_input(A_prev)
        e, self.cache = embedding_forward(A_prev, self.params["E"])
        return e

    def backward(self, dA: Array) -> None:
        """dE = scatter-add of dA / m (zero when frozen); ids have no gradient (returns None)."""
        m = dA.shape[1]
        if self.is_frozen("E"):
            self.grads["dE"][...] = 0
        else:
            np.multiply(embedding_backward(dA, self.cache), 1.0 / m, out=self.grads["dE"])
        return None

    def get_config(self):
        return {"vocab_size": self.vocab_size, "n_e": self.n_e, "trainable": self.trainable,
                "name": self.name}
