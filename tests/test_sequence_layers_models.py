"""The sequence layers inside models: fit with the issue's API, model-level gradient checks
(recurrent layers, Bidirectional, TimeDistributed, Embedding, Transformer layers, BatchNorm and
Dropout after an RNN, masks), save/load of nested configs, return_state and initial states,
a frozen Embedding from a word2vec file, and PyTorch as oracle for LSTM and GRU models."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error

import nndl
from nndl import (
    GRU, LSTM, BatchNorm, Bidirectional, Dense, Dropout, Embedding, PositionalEncoding, SimpleRNN,
    TimeDistributed, TransformerDecoderLayer, TransformerEncoderLayer,
)


def one_hot_sequences(rng, V, m, T):
    ids = rng.integers(0, V, (m, T))
    return np.eye(V, dtype=np.float32)[ids].transpose(2, 0, 1).copy(), ids


def test_the_issue_api_trains_an_lstm_language_model(rng):
    X, _ = one_hot_sequences(rng, 60, 8, 50)       # X (60, m, 50) one-hot; Y (m, 50) labels
    Y = rng.integers(0, 60, (8, 50))
    model = nndl.Sequential([nndl.LSTM(128, return_sequences=True),
                             nndl.TimeDistributed(nndl.Dense(60, activation="softmax"))])
    history = model.fit(X, Y, epochs=1, batch_size=64, optimizer="adam", learning_rate=1e-3, verbose=0)
    assert model.loss_fn.fuses(model.output_layer)           # dZ = A − Y through TimeDistributed
    assert np.isfinite(history.history["cost"][0])
    assert model.predict_proba(X).shape == (60, 8, 50)
    assert model.layers[1].Z.shape == (60, 8, 50)


MODELS = {
    "lstm-td": (lambda: [LSTM(4), TimeDistributed(Dense(3, "softmax"))], "seq"),
    "gru-course": (lambda: [GRU(4), TimeDistributed(Dense(3, "softmax"))], "seq"),
    "gru-reset-after": (lambda: [GRU(3, reset_after=True), TimeDistributed(Dense(3, "softmax"))], "seq"),
    "rnn-last": (lambda: [SimpleRNN(4, return_sequences=False), Dense(3, "softmax")], "last"),
    "lstm-last-l2": (lambda: [LSTM(4, return_sequences=False), Dense(3, "softmax", l2=0.3)], "last"),
    "bidirectional": (lambda: [Bidirectional(LSTM(3)), TimeDistributed(Dense(3, "softmax"))], "seq"),
    "bidirectional-last": (lambda: [Bidirectional(GRU(3, return_sequences=False)), Dense(3, "softmax")], "last"),
    "deep": (lambda: [LSTM(4), LSTM(3), TimeDistributed(Dense(3, "softmax", l2=0.2))], "seq"),
    "batchnorm-dropout": (lambda: [LSTM(4), BatchNorm(), Dropout(0.8), TimeDistributed(Dense(3, "softmax"))], "seq"),
    "encoder": (lambda: [TimeDistributed(Dense(4, "linear")), PositionalEncoding(),
                         TransformerEncoderLayer(4, 2, 6), TimeDistributed(Dense(3, "softmax"))], "seq"),
    "td-tanh-sigmoid": (lambda: [TimeDistributed(Dense(4, "tanh")), TimeDistributed(Dense(1, "sigmoid"))], "binary"),
}


def _data(rng, kind, m=5, T=4, n_x=3):
    X = rng.standard_normal((n_x, m, T))
    if kind == "seq":
        return X, rng.integers(0, 3, (m, T))
    if kind == "last":
        return X, rng.integers(0, 3, m)
    return X, rng.integers(0, 2, (1, m, T)).astype(float)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_level_gradient_check(name, rng):
    make, kind = MODELS[name]
    X, Y = _data(rng, kind)
    model = nndl.Sequential(make(), seed=3)
    model.build((3, 4))
    result = nndl.gradcheck(model, X, Y, max_checks_per_param=40)
    assert result.passed, str(result)


def test_gradient_check_with_a_padding_mask(rng):
    X, Y = _data(rng, "seq", m=6, T=5)
    mask = (np.arange(5)[None, :] < rng.integers(2, 6, 6)[:, None]).astype(float)
    model = nndl.Sequential([GRU(4), TimeDistributed(Dense(3, "softmax"))], seed=1)
    model.build((3, 5))
    assert nndl.gradcheck(model, X, Y, mask=mask, max_checks_per_param=40).passed


def test_gradient_check_through_an_embedding_of_integer_ids(rng):
    ids = rng.integers(0, 7, (5, 4))
    Y = rng.integers(0, 3, (5, 4))
    model = nndl.Sequential([Embedding(7, 3), LSTM(4), TimeDistributed(Dense(3, "softmax"))], seed=2)
    model.build((4,))
    assert model.input_kinds == ("int",) and model.batch_axis == 0
    result = nndl.gradcheck(model, ids, Y, max_checks_per_param=40)
    assert result.passed, str(result)


def test_a_masked_padded_fit_ignores_the_padding(rng):
    m, T, V = 32, 6, 5
    X, ids = one_hot_sequences(rng, V, m, T)
    lengths = rng.integers(2, T + 1, m)
    mask = (np.arange(T)[None, :] < lengths[:, None]).astype(np.float32)
    Y = np.roll(ids, -1, axis=1)
    model = nndl.Sequential([LSTM(8), TimeDistributed(Dense(V, "softmax"))], seed=0)
    model.build((V, T))
    before = model.evaluate(X, Y, mask=mask)["cost"]
    Y_other = np.where(mask > 0, Y, (Y + 1) % V)               # other labels on padded steps only
    assert model.evaluate(X, Y_other, mask=mask)["cost"] == pytest.approx(before, rel=1e-6)
    assert model.evaluate(X, Y_other)["cost"] != pytest.approx(before, rel=1e-3)
    history = model.fit(X, Y, mask=mask, epochs=15, batch_size=8, optimizer="adam", learning_rate=0.02, verbose=0)
    assert history.history["cost"][-1] < history.history["cost"][0]


def test_batchnorm_and_dropout_after_an_rnn_train_and_predict(rng):
    X, Y = _data(rng, "seq", m=16, T=5)
    model = nndl.Sequential([SimpleRNN(6), BatchNorm(), Dropout(0.7), TimeDistributed(Dense(3, "softmax"))], seed=0)
    history = model.fit(X.astype(np.float32), Y, epochs=3, batch_size=8, optimizer="adam", verbose=0)
    assert len(history.history["cost"]) == 3
    bn = model.layers[1]
    assert bn.params["gamma"].shape == (6, 1, 1)                # per feature, over m and T
    P = model.predict_proba(X.astype(np.float32))
    np.testing.assert_allclose(P.sum(axis=0), 1, rtol=1e-5)


def test_embedding_takes_integer_ids_through_fit_and_refuses_floats(rng):
    ids = rng.integers(0, 10, (20, 6))
    Y = rng.integers(0, 2, 20)
    model = nndl.Sequential([Embedding(10, 4), LSTM(5, return_sequences=False), Dense(2, "softmax")], seed=0)
    E0 = None
    model.build((6,))
    E0 = model.layers[0].params["E"].copy()
    model.fit(ids, Y, epochs=2, batch_size=5, optimizer="adam", verbose=0)
    assert not np.array_equal(E0, model.layers[0].params["E"])
    with pytest.raises(ValueError, match="integer"):
        model.predict(ids.astype(np.float32))
    with pytest.raises(ValueError, match=r"\(m, 6\)|shape"):
        model.predict(ids[:, :4])


def test_a_frozen_embedding_from_a_word2vec_file_stays_and_round_trips(rng, tmp_path):
    words = ["<pad>", "the", "lord", "said", "unto", "moses"]
    path = tmp_path / "vectors.txt"
    vecs = {w: rng.standard_normal(3).round(4) for w in words[1:5]}
    path.write_text("4 3\n" + "".join(f"{w} {' '.join(map(str, v))}\n" for w, v in vecs.items()))
    emb = Embedding.from_vectors(path, words)
    assert emb.is_frozen("E")
    model = nndl.Sequential([emb, GRU(4, return_sequences=False), Dense(2, "softmax")], seed=0)
    model.build((5,))
    E = model.layers[0].params["E"]
    for w, v in vecs.items():
        np.testing.assert_allclose(E[:, words.index(w)], v, rtol=1e-6)
    E0 = E.copy()
    ids, Y = rng.integers(0, 6, (12, 5)), rng.integers(0, 2, 12)
    model.fit(ids, Y, epochs=2, batch_size=4, optimizer="adam", verbose=0)
    np.testing.assert_array_equal(model.layers[0].params["E"], E0)      # frozen: never trained
    model.save(tmp_path / "m.safetensors")
    loaded = nndl.load(tmp_path / "m.safetensors")
    assert loaded.layers[0].is_frozen("E")
    np.testing.assert_array_equal(loaded.predict_proba(ids), model.predict_proba(ids))
    with pytest.raises(ValueError, match="none of"):
        Embedding.from_vectors(path, ["x", "y"])


def test_nested_configs_save_and_load(rng, tmp_path):
    model = nndl.Sequential([TimeDistributed(Dense(4, "linear")), TransformerEncoderLayer(4, 2, 8),
                             Bidirectional(LSTM(3)), TimeDistributed(Dense(3, "softmax"))], seed=4)
    X, Y = _data(rng, "seq", m=6, T=4, n_x=3)
    model.fit(X.astype(np.float32), Y, epochs=1, batch_size=3, optimizer="adam", verbose=0)
    names = model.get_weights()
    assert "transformerencoderlayer1.attention.Wq" in names and "bidirectional2.backward.Wf" in names
    model.save(tmp_path / "m.safetensors")
    loaded = nndl.load(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(loaded.predict_proba(X.astype(np.float32)), model.predict_proba(X.astype(np.float32)))


def test_lstm_initial_state_and_return_state_gradients(rng):
    n_x, n_a, m, T = 3, 4, 5, 6
    layer = LSTM(n_a, return_state=True)
    layer.build((n_x, T), np.random.default_rng(0), np.float64)
    x = rng.standard_normal((n_x, m, T))
    a0, c0 = rng.standard_normal((n_a, m)), rng.standard_normal((n_a, m))
    R, Ra, Rc = rng.standard_normal((n_a, m, T)), rng.standard_normal((n_a, m)), rng.standard_normal((n_a, m))

    def J():
        a, aT, cT = layer.forward(x, True, initial_state=(a0, c0))
        return float((R * a).sum() + (Ra * aT).sum() + (Rc * cT).sum()) / m

    a, aT, cT = layer.forward(x, True, initial_state=(a0, c0))
    np.testing.assert_array_equal(aT, a[:, :, -1])
    dx = layer.backward((R, Ra, Rc))
    da0, dc0 = layer.d_initial_state
    assert rel_error(dx, m * central_difference(J, x)) < GRAD_TOL
    assert rel_error(da0, m * central_difference(J, a0)) < GRAD_TOL
    assert rel_error(dc0, m * central_difference(J, c0)) < GRAD_TOL
    for k in ("Wf", "bo"):
        assert rel_error(layer.grads["d" + k], central_difference(J, layer.params[k])) < GRAD_TOL
    with pytest.raises(ValueError, match="initial state"):
        layer.forward(x, initial_state=(a0[:, :2], c0))


def test_transformer_decoder_layer_gradients_reach_its_memory(rng):
    d, m, T_y, T_x = 4, 3, 5, 6
    layer = TransformerDecoderLayer(d, 2, 6)
    layer.build((d, T_y), np.random.default_rng(1), np.float64)
    x, memory = rng.standard_normal((d, m, T_y)), rng.standard_normal((d, m, T_x))
    R = rng.standard_normal((d, m, T_y))

    def J():
        return float((R * layer.forward((x, memory), True)).sum()) / m

    J()
    dx, dmemory = layer.backward(R)
    assert rel_error(dx, m * central_difference(J, x)) < GRAD_TOL
    assert rel_error(dmemory, m * central_difference(J, memory)) < GRAD_TOL
    for child, key in ((layer.cross_attention, "Wk"), (layer.self_attention, "Wq"), (layer.ffn1.inner, "W"),
                       (layer.norm3, "gamma")):
        assert rel_error(child.grads["d" + key], central_difference(J, child.params[key])) < GRAD_TOL
    # the causal self-attention: changing a later target step leaves earlier outputs alone
    y = layer.forward((x, memory))
    x2 = x.copy()
    x2[:, :, -1] += 1.0
    np.testing.assert_allclose(layer.forward((x2, memory))[:, :, :-1], y[:, :, :-1], atol=1e-12)
    with pytest.raises(ValueError, match="memory"):
        layer.forward(x)


def test_wrappers_refuse_wrong_layers():
    with pytest.raises(ValueError, match="recurrent"):
        Bidirectional(Dense(3))
    with pytest.raises(ValueError, match="dense columns"):
        TimeDistributed(LSTM(3))
    with pytest.raises(ValueError, match="divisible"):
        TransformerEncoderLayer(6, 4, 8)
    model = nndl.Sequential([LSTM(3), TimeDistributed(Dense(2, "softmax"))])
    model.build((4, 5))
    with pytest.raises(ValueError, match=r"\(4, m, 5\)"):
        model.predict(np.zeros((3, 2, 5), np.float32))


# ---------------------------------------------------------------- PyTorch as oracle
def _torch_lstm(torch, layer, n):
    net = torch.nn.LSTM(layer.input_shape[0], n, dtype=torch.float64)
    rows = {"i": slice(0, n), "f": slice(n, 2 * n), "c": slice(2 * n, 3 * n), "o": slice(3 * n, 4 * n)}
    with torch.no_grad():
        for g, r in rows.items():
            W = torch.tensor(layer.params["W" + g])
            net.weight_hh_l0[r] = W[:, :n]
            net.weight_ih_l0[r] = W[:, n:]
            net.bias_ih_l0[r] = torch.tensor(layer.params["b" + g][:, 0])
            net.bias_hh_l0[r] = 0
    return net


def _torch_gru(torch, layer, n):
    net = torch.nn.GRU(layer.input_shape[0], n, dtype=torch.float64)
    rows = {"r": (slice(0, n), 1), "u": (slice(n, 2 * n), -1), "c": (slice(2 * n, 3 * n), 1)}
    with torch.no_grad():
        for g, (r, sign) in rows.items():     # PyTorch's z gate is 1 − Γu: h = (1 − z)·n + z·h
            W = torch.tensor(layer.params["W" + g]) * sign
            net.weight_hh_l0[r] = W[:, :n]
            net.weight_ih_l0[r] = W[:, n:]
            net.bias_ih_l0[r] = torch.tensor(layer.params["b" + g][:, 0]) * sign
            net.bias_hh_l0[r] = torch.tensor(layer.params["bch"][:, 0]) if g == "c" else 0
    return net


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_a_recurrent_language_model_matches_pytorch(kind, rng, torch):
    n_x, n_a, m, T, C = 4, 5, 3, 6, 4
    rnn = LSTM(n_a) if kind == "lstm" else GRU(n_a, reset_after=True)
    model = nndl.Sequential([rnn, TimeDistributed(Dense(C, "softmax"))], dtype=np.float64, seed=0)
    model.build((n_x, T))
    model.set_weights({k: rng.standard_normal(v.shape) * 0.5 for k, v in model.get_weights().items()})
    x = rng.standard_normal((n_x, m, T))
    net = (_torch_lstm if kind == "lstm" else _torch_gru)(torch, rnn, n_a)
    dense = model.layers[1].inner
    h, _ = net(torch.tensor(x.transpose(2, 1, 0)))                       # (T, m, n_a)
    logits = h @ torch.tensor(dense.params["W"]).T + torch.tensor(dense.params["b"][:, 0])
    want = torch.softmax(logits, dim=-1).detach().numpy().transpose(2, 1, 0)
    np.testing.assert_allclose(model.predict_proba(x), want, rtol=1e-10, atol=1e-12)
