"""Neural machine translation of dates with a Transformer encoder–decoder (Course 5 week 4
applied to the week-3 task): human-written dates → ISO 8601.

    source ids x (m, T_x) → E_x[:, x] + PE → N × TransformerEncoderLayer → memory (d, m, T_x)
    target ids y_in (m, T_y) → E_y[:, y_in] + PE → N × TransformerDecoderLayer(·, memory)
        → h (d, m, T_y) → ŷ⟨t⟩ = softmax(W_y·h⟨t⟩ + b_y)                       (V_y, m, T_y)

y_in is the target shifted right behind a start token, y_in = [<s>, y⟨1⟩, …, y⟨T_y−1⟩]:
training uses the true previous characters (teacher forcing); the decoder's causal
self-attention lets position t see y_in⟨≤t⟩ only, so ŷ⟨t⟩ = P(y⟨t⟩ | x, y⟨<t⟩). Padding of
the source (id 0) is masked out of the encoder's self-attention and of the decoder's
cross-attention. Translation decodes greedily (``nndl.decoding.greedy_decode``) or by beam
search (``nndl.decoding.beam_search``), one output character per step, each step running the
decoder on the characters produced so far.

The character embeddings are drawn N(0, 1) so that they start on the scale of the sinusoidal
positional encoding (the course multiplies N(0, 1/d)-sized embeddings by √d instead).
Vocabularies are those of ``nndl.nmt``; the start token is id V_y of the target embedding.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .decoding import beam_search, greedy_decode
from .layers import Dense, Embedding, PositionalEncoding, TimeDistributed, TransformerDecoderLayer, TransformerEncoderLayer
from .layers.base import Layer
from .model_registry import register_model
from .model_base import Model
from .nmt import INPUT_VOCAB, OUTPUT_CHARS, T_X, T_Y, decode_outputs, encode_inputs, encode_outputs

Array = np.ndarray


def shift_right(Y: Array, start: int) -> Array:
    """The decoder's teacher-forcing input (m, T_y): [start, y⟨1⟩, …, y⟨T_y−1⟩] for targets
    Y (m, T_y) of output ids."""
    Y = np.asarray(Y)
    if Y.ndim != 2 or Y.dtype.kind not in "iu":
        raise ValueError(f"targets must be integer ids (m, T_y), got shape {Y.shape} and dtype {Y.dtype}")
    Y_in = np.empty_like(Y)
    Y_in[:, 0] = start
    Y_in[:, 1:] = Y[:, :-1]
    return Y_in


@register_model
class DateTransformer(Model):
    """Transformer encoder–decoder date translator (module docstring).

    Inputs: the pair (source ids (m, T_x), decoder input ids (m, T_y) — ``shift_right`` of the
    targets); output: probabilities (V_y, m, T_y). ``d_model`` is the embedding and model size,
    ``n_heads`` the attention heads, ``d_ff`` the feed-forward width, ``n_layers`` the number
    of encoder layers and of decoder layers."""

    input_batch_axes = (0, 0)
    input_kinds = ("int", "int")
    output_batch_axis = 1

    def __init__(self, V_x: int = len(INPUT_VOCAB), V_y: int = len(OUTPUT_CHARS), T_y: int = T_Y,
                 d_model: int = 64, n_heads: int = 4, d_ff: int = 128, n_layers: int = 2, **kwargs):
        super().__init__(**kwargs)
        for what, v in (("V_x", V_x), ("V_y", V_y), ("T_y", T_y), ("n_layers", n_layers)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"DateTransformer {what} must be a positive integer, got {v!r}")
        self.V_x, self.V_y, self.T_y, self.n_layers = int(V_x), int(V_y), int(T_y), int(n_layers)
        self.d_model, self.n_heads, self.d_ff = int(d_model), int(n_heads), int(d_ff)
        self.start = self.V_y                                          # the start token's id
        self.source = Embedding(self.V_x, self.d_model)
        self.target = Embedding(self.V_y + 1, self.d_model)
        self.source_positions, self.target_positions = PositionalEncoding(), PositionalEncoding()
        self.encoders = [TransformerEncoderLayer(self.d_model, self.n_heads, self.d_ff) for _ in range(self.n_layers)]
        self.decoders = [TransformerDecoderLayer(self.d_model, self.n_heads, self.d_ff) for _ in range(self.n_layers)]
        self.output = TimeDistributed(Dense(self.V_y, "softmax"))

    def get_model_config(self) -> dict[str, Any]:
        return {"V_x": self.V_x, "V_y": self.V_y, "T_y": self.T_y, "d_model": self.d_model,
                "n_heads": self.n_heads, "d_ff": self.d_ff, "n_layers": self.n_layers}

    def named_layers(self) -> dict[str, Layer]:
        return {"source": self.source, **{f"encoder{i}": l for i, l in enumerate(self.encoders)},
                "target": self.target, **{f"decoder{i}": l for i, l in enumerate(self.decoders)},
                "output": self.output}

    def build_layers(self, input_shapes):
        if any(len(s) != 1 for s in input_shapes):
            raise ValueError(f"DateTransformer takes (source ids (m, T_x), decoder input ids (m, T_y)), "
                             f"got examples of shapes {[tuple(s) for s in input_shapes]}")
        (T_x,), (T_y,) = input_shapes
        if T_y != self.T_y:
            raise ValueError(f"DateTransformer decoder inputs have T_y = {self.T_y} steps, got {T_y}")
        source = self.source.build((T_x,), self.rng, self.dtype, 0)
        for layer in [self.source_positions, *self.encoders]:
            source = layer.build(source, self.rng, self.dtype, 1)
        target = self.target.build((T_y,), self.rng, self.dtype, 0)
        for layer in [self.target_positions, *self.decoders, self.output]:
            target = layer.build(target, self.rng, self.dtype, 1)
        for emb in (self.source, self.target):                        # N(0, 1), see the module docstring
            emb.params["E"][...] = self.rng.standard_normal(emb.params["E"].shape)
            emb.needs_input_grad = False
        self.output_layer = self.output
        return target

    # ------------------------------------------------------------------ passes
    def source_mask(self, X: Array) -> Array:
        """The source padding mask (m, T_x): 1 where the id X ≠ 0 (a token), 0 on padding."""
        return (np.asarray(X) != 0).astype(self.dtype)

    def encode(self, X: Array, training: bool = False, mask: Array | None = None) -> Array:
        """memory (d, m, T_x) of source ids X (m, T_x); sets the source padding mask
        (``source_mask(X)`` unless given) on every encoder self-attention and decoder
        cross-attention."""
        mask = self.source_mask(X) if mask is None else mask
        for layer in self.encoders + self.decoders:
            layer.set_mask(mask)
        A = self.source_positions.forward(self.source.forward(X, training), training)
        for layer in self.encoders:
            A = layer.forward(A, training)
        return A

    def decode(self, Y_in: Array, memory: Array, training: bool = False) -> Array:
        """ŷ (V_y, m, T_y) for decoder input ids Y_in (m, T_y) and the encoder's memory
        (call ``encode`` first: it sets the source mask)."""
        A = self.target_positions.forward(self.target.forward(Y_in, training), training)
        for layer in self.decoders:
            A = layer.forward((A, memory), training)
        return self.output.forward(A, training)

    def forward(self, X, training: bool = False) -> Array:
        """ŷ (V_y, m, T_y) for X = (source ids (m, T_x), decoder input ids (m, T_y))."""
        source, Y_in = X
        return self.decode(Y_in, self.encode(source, training), training)

    def backward(self, delta: Array, from_logits: bool) -> None:
        dA = self.backward_output(delta, from_logits)
        d_memory = 0
        for layer in reversed(self.decoders):
            dA, dm = layer.backward(dA)
            d_memory = d_memory + dm                                   # every decoder layer reads the memory
        self.target.backward(self.target_positions.backward(dA))
        dA = d_memory
        for layer in reversed(self.encoders):
            dA = layer.backward(dA)
        self.source.backward(self.source_positions.backward(dA))

    # ------------------------------------------------------------------ translation
    def _T_x(self) -> int:
        return self.input_shapes[0][0] if self.built else T_X

    def _step(self, tokens: Array, state):
        """One decoding step for ``nndl.decoding``: append ``tokens`` (B,) to each prefix and
        return log P(y⟨t⟩ | x, y⟨<t⟩) (V_y, B). state = (memory (d, B, T_x), mask (B, T_x),
        prefix (B, t) ids)."""
        memory, mask, prefix = state
        prefix = np.concatenate([prefix, np.asarray(tokens, np.int64)[:, None]], axis=1)
        t = prefix.shape[1]
        Y_in = np.full((prefix.shape[0], self.T_y), self.start, np.int64)
        Y_in[:, :t] = prefix                                           # later positions are never attended
        for layer in self.decoders:
            layer.set_mask(mask)
        self._begin_pass()
        P = self.decode(Y_in, memory)[:, :, t - 1].astype(np.float64)
        return np.log(np.maximum(P, np.finfo(np.float64).tiny)), (memory, mask, prefix)

    @staticmethod
    def _reorder(state, index: Array):
        memory, mask, prefix = state
        return memory[:, index], mask[index], prefix[index]

    def decode_ids(self, X: Array, beam_width: int = 1, batch_size: int = 1024) -> Array:
        """Output ids (m, T_y) for source ids X (m, T_x): greedy (``beam_width`` 1) or beam
        search of that width (one input at a time)."""
        if isinstance(beam_width, bool) or not isinstance(beam_width, (int, np.integer)) or beam_width < 1:
            raise ValueError(f"beam_width must be a positive integer, got {beam_width!r}")
        (X,) = self._check_inputs((X, np.zeros((len(X), self.T_y), np.int64)))[:1]
        out = np.empty((X.shape[0], self.T_y), np.int64)
        for lo in range(0, X.shape[0], batch_size):
            Xb = X[lo:lo + batch_size]
            self._begin_pass()
            mask = self.source_mask(Xb)
            memory = self.encode(Xb, mask=mask)
            empty = np.empty((Xb.shape[0], 0), np.int64)
            if beam_width == 1:
                start = np.full(Xb.shape[0], self.start, np.int64)
                out[lo:lo + len(Xb)] = greedy_decode(self._step, (memory, mask, empty), start, self.T_y)
                continue
            for i in range(Xb.shape[0]):
                state = (memory[:, i:i + 1], mask[i:i + 1], empty[i:i + 1])
                best = beam_search(self._step, state, self.start, None, beam_width, self.T_y,
                                   reorder=self._reorder)[0]
                out[lo + i] = best.tokens
        return out

    def translate(self, texts: Sequence[str], beam_width: int = 1, batch_size: int = 1024) -> list[str]:
        """ISO dates for human-written ``texts`` (greedy, or beam search of ``beam_width``)."""
        return decode_outputs(self.decode_ids(encode_inputs(texts, self._T_x()), beam_width, batch_size))

    def attention_weights(self, text: str) -> Array:
        """Cross-attention weights (T_y, T_x) of the last decoder layer for one text, averaged
        over the heads, while it reads its own translation: row t is the attention of output
        step t over the input characters (padding gets 0)."""
        X = encode_inputs([text], self._T_x())
        Y = self.decode_ids(X)
        self._begin_pass()
        self.decode(shift_right(Y, self.start), self.encode(X))
        return self.decoders[-1].cross_attention.weights[0].mean(axis=0).astype(np.float64)

    def exact_match(self, texts: Sequence[str], isos: Sequence[str], beam_width: int = 1) -> tuple[float, float]:
        """(exact match, characters right) of the decoded ``texts`` against the ISO dates."""
        Y = encode_outputs(isos)
        P = self.decode_ids(encode_inputs(texts, self._T_x()), beam_width)
        return float((P == Y).all(axis=1).mean()), float((P == Y).mean())
