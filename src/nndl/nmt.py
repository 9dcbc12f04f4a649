"""Neural machine translation of dates, Course 5 week 3: human-written dates → ISO 8601.

``DateAttention`` is the course's model, written by hand on the ``Model`` contract:

    x⟨1…T_x⟩ (character ids) → Embedding → Bi-LSTM → a⟨1…T_x⟩          (2·n_a, m, T_x)
    for t = 1 … T_y:  context⟨t⟩ = one_step_attention(a, s⟨t−1⟩)        (additive attention)
                      s⟨t⟩, c⟨t⟩ = LSTM cell(context⟨t⟩, s⟨t−1⟩, c⟨t−1⟩)   (post-attention LSTM)
    ŷ⟨t⟩ = softmax(W_y·s⟨t⟩ + b_y)                                      (V_y, m, T_y)

(the course feeds one-hot characters; an embedding is the same product E·one_hot without
forming it). ``AttentionDecoder`` is the loop over t with the attention and LSTM-cell
equations of ``nndl.functional``; it keeps the attention weights α (m, T_y, T_x) of the last
forward pass in ``alphas``. The post-attention LSTM has no output feedback (the course's
design), so decoding is one forward pass: ŷ⟨t⟩ = argmax.

Strings become ids with a fixed vocabulary: inputs ``PAD`` = 0, ``UNK`` = 1, then
``INPUT_CHARS``; outputs ``OUTPUT_CHARS`` (digits and "-"), T_y = 10 (YYYY-MM-DD).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .functional.additive_attention import additive_attention_backward, additive_attention_forward
from .functional.lstm import lstm_cell_backward, lstm_cell_forward
from .initializers import initialize
from .layers import LSTM, Bidirectional, Dense, Embedding, TimeDistributed
from .layers.base import Layer
from .model_registry import register_model
from .model_base import Model

Array = np.ndarray
INPUT_CHARS = " ,-./0123456789abcdefghijklmnopqrstuvwxyz"
INPUT_VOCAB = ["<pad>", "<unk>"] + list(INPUT_CHARS)
OUTPUT_CHARS = "-0123456789"
T_X, T_Y = 30, 10


def encode_inputs(texts: Sequence[str], T_x: int = T_X) -> Array:
    """Character ids (m, T_x) of lower-cased ``texts``, padded with 0 (an unknown character
    is 1). A text longer than T_x is a ValueError."""
    index = {c: i for i, c in enumerate(INPUT_VOCAB) if i > 1}
    X = np.zeros((len(texts), T_x), np.int64)
    for i, s in enumerate(texts):
        s = s.strip().lower()
        if len(s) > T_x:
            raise ValueError(f"{s!r} has {len(s)} characters; the model reads at most T_x = {T_x}")
        X[i, :len(s)] = [index.get(c, 1) for c in s]
    return X


def encode_outputs(isos: Sequence[str]) -> Array:
    """Output ids (m, T_y) of ISO dates "YYYY-MM-DD"."""
    index = {c: i for i, c in enumerate(OUTPUT_CHARS)}
    Y = np.zeros((len(isos), T_Y), np.int64)
    for i, s in enumerate(isos):
        if len(s) != T_Y or any(c not in index for c in s):
            raise ValueError(f"expected an ISO date YYYY-MM-DD, got {s!r}")
        Y[i] = [index[c] for c in s]
    return Y


def decode_outputs(ids: Array) -> list[str]:
    """The strings of output ids (m, T_y)."""
    return ["".join(OUTPUT_CHARS[k] for k in row) for row in np.asarray(ids)]


class AttentionDecoder(Layer):
    """The course's attention + post-attention LSTM loop over T_y steps (module docstring).

    Input a (n_h, m, T_x); output s (n_s, m, T_y). Parameters: the attention's ``W1 (n_d,
    n_h + n_s)``, ``b1``, ``W2 (1, n_d)``, ``b2`` (``additive_attention_forward``) and the
    LSTM cell's ``Wf, Wi, Wc, Wo (n_s, n_s + n_h)``, ``bf, bi, bc, bo`` on [s⟨t−1⟩; context⟨t⟩].
    s⟨0⟩ = c⟨0⟩ = 0, as in the course."""

    batch_axis = 1

    def __init__(self, units: int, T_y: int, n_dense: int = 10, name: str | None = None):
        super().__init__(name)
        for k, v in (("units", units), ("T_y", T_y), ("n_dense", n_dense)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"AttentionDecoder {k} must be a positive integer, got {v!r}")
        self.units, self.T_y, self.n_dense = int(units), int(T_y), int(n_dense)
        self.alphas: Array | None = None

    @property
    def output_batch_axis(self) -> int:
        return 1

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"AttentionDecoder expects encoder states (n_h, m, T_x), got examples of shape {input_shape}")
        return (self.units, self.T_y)

    def build(self, input_shape, rng, dtype=np.float32, batch_axis=None):
        out = super().build(input_shape, rng, dtype, batch_axis)
        n_h, n_s, n_d = input_shape[0], self.units, self.n_dense
        self.params = {"W1": initialize("xavier", (n_d, n_h + n_s), n_h + n_s, n_d, rng, dtype),
                       "b1": np.zeros((n_d, 1), dtype),
                       "W2": initialize("xavier", (1, n_d), n_d, 1, rng, dtype),
                       "b2": np.zeros((1, 1), dtype)}
        for g in "fico":
            self.params["W" + g] = initialize("xavier", (n_s, n_s + n_h), n_s + n_h, n_s, rng, dtype)
            self.params["b" + g] = np.zeros((n_s, 1), dtype)
        self._zero_grads()
        return out

    def _split(self):
        att = {k: self.params[k] for k in ("W1", "b1", "W2", "b2")}
        cell = {k: self.params[k] for k in ("Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo")}
        return att, cell

    def forward(self, A_prev: Array, training: bool = False) -> Array:
        """s (n_s, m, T_y); the attention weights of this pass in ``self.alphas`` (m, T_y, T_x)."""
        self.check_input(A_prev)
        n_h, m, T_x = A_prev.shape
        att, cell = self._split()
        s = np.zeros((self.units, m), A_prev.dtype)
        c = np.zeros_like(s)
        S = np.empty((self.units, m, self.T_y), A_prev.dtype)
        alphas = np.empty((m, self.T_y, T_x), A_prev.dtype)
        steps = []
        for t in range(self.T_y):
            context, att_cache = additive_attention_forward(A_prev, s, att)
            s, c, cell_cache = lstm_cell_forward(context, s, c, cell)
            S[:, :, t] = s
            alphas[:, t, :] = att_cache["alphas"]
            steps.append((att_cache, cell_cache))
        self.cache = (A_prev.shape, steps)
        self.alphas = alphas
        return S

    def backward(self, dA: Array) -> Array:
        """Backpropagation through the T_y steps: da (n_h, m, T_x); fills grads (1/m applied)."""
        shape, steps = self.cache
        m = shape[1]
        da = np.zeros(shape, dA.dtype)
        ds = np.zeros((self.units, m), dA.dtype)
        dc = None
        totals = {k: np.zeros_like(p) for k, p in self.params.items()}
        for t in reversed(range(self.T_y)):
            att_cache, cell_cache = steps[t]
            dctx, ds_cell, dc, g_cell = lstm_cell_backward(ds + dA[:, :, t], dc, cell_cache)
            da_t, ds_att, g_att = additive_attention_backward(dctx, att_cache)
            da += da_t
            ds = ds_cell + ds_att
            for k, g in {**g_cell, **g_att}.items():
                totals[k] += g
        for k, g in totals.items():
            np.multiply(g, 1.0 / m, out=self.grads["d" + k])
        return da

    def get_config(self):
        return {"units": self.units, "T_y": self.T_y, "n_dense": self.n_dense, "name": self.name}


@register_model
class DateAttention(Model):
    """Course 5 week 3's date translator: Embedding → Bi-LSTM(n_a) → attention decoder with a
    post-attention LSTM(n_s) → softmax over the output characters at each of T_y steps.

    Input: character ids (m, T_x); output: probabilities (V_y, m, T_y)."""

    input_batch_axes = (0,)
    input_kinds = ("int",)
    output_batch_axis = 1

    def __init__(self, V_x: int = len(INPUT_VOCAB), V_y: int = len(OUTPUT_CHARS), T_y: int = T_Y,
                 n_e: int = 16, n_a: int = 32, n_s: int = 64, n_dense: int = 10, **kwargs):
        super().__init__(**kwargs)
        self.V_x, self.V_y, self.T_y = int(V_x), int(V_y), int(T_y)
        self.n_e, self.n_a, self.n_s, self.n_dense = int(n_e), int(n_a), int(n_s), int(n_dense)
        self.embedding = Embedding(self.V_x, self.n_e)
        self.encoder = Bidirectional(LSTM(self.n_a))
        self.decoder = AttentionDecoder(self.n_s, self.T_y, self.n_dense)
        self.output = TimeDistributed(Dense(self.V_y, "softmax"))

    def get_model_config(self):
        return {"V_x": self.V_x, "V_y": self.V_y, "T_y": self.T_y, "n_e": self.n_e, "n_a": self.n_a,
                "n_s": self.n_s, "n_dense": self.n_dense}

    def named_layers(self):
        return {"embedding": self.embedding, "encoder": self.encoder, "decoder": self.decoder,
                "output": self.output}

    def build_layers(self, input_shapes):
        (shape,) = input_shapes
        if len(shape) != 1:
            raise ValueError(f"DateAttention takes character ids (m, T_x), got examples of shape {shape}")
        out, axis = shape, 0
        for layer in self.named_layers().values():
            out = layer.build(out, self.rng, self.dtype, axis)
            axis = layer.output_batch_axis
        self.embedding.needs_input_grad = False
        self.output_layer = self.output
        return out

    def forward(self, X, training=False):
        A = X
        for layer in self.named_layers().values():
            A = layer.forward(A, training)
        return A

    def backward(self, delta, from_logits):
        dA = self.backward_output(delta, from_logits)
        for layer in (self.decoder, self.encoder, self.embedding):
            dA = layer.backward(dA)

    def translate(self, texts: Sequence[str], batch_size: int = 4096) -> list[str]:
        """ISO dates for human-written ``texts`` (argmax at each output step)."""
        X = encode_inputs(texts, self.input_shapes[0][0] if self.built else T_X)
        return decode_outputs(self.predict_proba(X, batch_size).argmax(axis=0))

    def attention_weights(self, text: str) -> Array:
        """α (T_y, T_x) of one text: row t is the attention of output step t over its characters."""
        X = encode_inputs([text], self.input_shapes[0][0] if self.built else T_X)
        self.predict_proba(X)
        return self.decoder.alphas[0].copy()
