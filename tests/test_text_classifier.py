"""Text classifiers (``nndl.text_models``): the masked mean pool (float64 numerical gradient,
PyTorch, hand values), padding that changes nothing, tiny training through the API and
``nndl train --model lstm-classifier|transformer-classifier --dataset fortunes``."""

import json

import numpy as np
import pytest

from nndl import gradcheck
from nndl.cli import main
from nndl.functional.masked_pool import masked_mean_pool_backward, masked_mean_pool_forward
from nndl.io import load
from nndl.layers import MaskedMeanPool
from nndl.text_models import TextClassifier, encode_texts, build_vocabulary, lstm_classifier, tokenize, transformer_classifier

MASK = np.array([[1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1]], dtype=np.float64)


def test_pool_hand_values_and_dtypes():
    h = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    p, _ = masked_mean_pool_forward(h, MASK)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p[0], [(0 + 1 + 2) / 3, 4, (8 + 9 + 10 + 11) / 4])
    np.testing.assert_allclose(p[1], [(12 + 13 + 14) / 3, 16, (20 + 21 + 22 + 23) / 4])
    p_plain, _ = masked_mean_pool_forward(h)
    np.testing.assert_allclose(p_plain, h.mean(axis=2), rtol=1e-6)
    empty, _ = masked_mean_pool_forward(h, np.zeros((3, 4)))
    assert np.all(empty == 0)  # no real token: zeros, not NaN
    with pytest.raises(ValueError, match=r"\(m, T\) = \(3, 4\)"):
        masked_mean_pool_forward(h, np.ones((3, 5)))


def test_pool_gradient_float64_and_padding_gets_none():
    rng = np.random.default_rng(0)
    h = rng.standard_normal((5, 3, 4))
    G = rng.standard_normal((5, 3))
    layer = MaskedMeanPool()
    layer.build((5, 4), rng, np.float64, 1)
    layer.set_mask(MASK)
    layer.forward(h)
    dh = layer.backward(G)
    eps, num = 1e-6, np.zeros_like(h)
    for idx in np.ndindex(h.shape):
        hp, hm = h.copy(), h.copy()
        hp[idx] += eps
        hm[idx] -= eps
        num[idx] = (np.sum(G * layer.forward(hp)) - np.sum(G * layer.forward(hm))) / (2 * eps)
    rel = np.linalg.norm(dh - num) / (np.linalg.norm(dh) + np.linalg.norm(num))
    assert rel < 1e-7
    assert np.all(dh[:, MASK == 0] == 0)
    junk = h.copy()
    junk[:, MASK == 0] = 1e3  # whatever sits at padded steps changes nothing
    layer.set_mask(MASK)
    np.testing.assert_array_equal(layer.forward(junk), layer.forward(h))


def test_pool_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    h = rng.standard_normal((6, 3, 4))
    G = rng.standard_normal((6, 3))
    th = torch.tensor(h, requires_grad=True)
    tm = torch.tensor(MASK)
    tp = (th * tm[None]).sum(dim=2) / tm.sum(dim=1)[None]
    (tp * torch.tensor(G)).sum().backward()
    p, cache = masked_mean_pool_forward(h, MASK)
    np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(masked_mean_pool_backward(G, cache), th.grad.numpy(), rtol=1e-12)


def _ids(rng, m, T, V, lengths):
    X = rng.integers(1, V, (m, T))
    for i, n in enumerate(lengths):
        X[i, n:] = 0
    return X


@pytest.mark.parametrize("encoder", ["lstm", "transformer"])
def test_padding_changes_nothing(encoder):
    """The same texts padded to T = 5 or T = 9 get the same probabilities from the same weights."""
    rng = np.random.default_rng(2)
    X5 = _ids(rng, 4, 5, 30, [5, 3, 1, 4])
    X9 = np.zeros((4, 9), dtype=np.int64)
    X9[:, :5] = X5
    a = TextClassifier(30, 3, encoder, n_e=8, units=6, n_heads=2, d_ff=12, seed=0)
    b = TextClassifier(30, 3, encoder, n_e=8, units=6, n_heads=2, d_ff=12, seed=0)
    a.build((5,))
    b.build((9,))
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(a.predict_proba(X5), b.predict_proba(X9), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("encoder", ["lstm", "transformer"])
def test_whole_model_gradcheck_float64(encoder):
    rng = np.random.default_rng(3)
    X = _ids(rng, 5, 6, 12, [6, 2, 4, 1, 5])
    Y = rng.integers(0, 3, (1, 5))
    model = TextClassifier(12, 3, encoder, n_e=4, units=3, n_heads=2, d_ff=6, seed=1, dtype=np.float64)
    result = gradcheck(model, X, Y, max_checks_per_param=30)
    assert result.difference < 1e-7, result


@pytest.mark.parametrize("make", [lambda: lstm_classifier(20, 3, n_e=16, units=16, seed=0),
                                  lambda: transformer_classifier(20, 3, d_model=16, n_heads=2, d_ff=32, seed=0)])
def test_tiny_training_through_the_api_and_a_model_file(make, tmp_path):
    rng = np.random.default_rng(4)
    X = _ids(rng, 48, 6, 20, rng.integers(1, 7, 48))
    Y = (X[:, :1].T % 3)  # the class is the first token's id mod 3
    model = make()
    model.fit(X, Y, epochs=25, batch_size=16, optimizer="adam", learning_rate=0.01, verbose=0)
    cost = model.history["cost"]
    assert cost[-1] < 0.5 * cost[0]
    assert model.evaluate(X, Y)["accuracy"] > 0.9
    model.save(tmp_path / "m.safetensors")
    again = load(tmp_path / "m.safetensors")
    assert isinstance(again, TextClassifier)
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))


def test_tokenize_and_encode():
    assert tokenize("Don't panic! 42 towels.") == ["don't", "panic", "!", "42", "towels", "."]
    vocab = build_vocabulary(["a b b", "b c a"], min_count=2)
    ids, mask = encode_texts(["b a zzz", "a"], vocab, 2)
    assert ids.shape == (2, 2) and ids[1, 1] == 0 and mask.tolist() == [[1, 1], [1, 0]]
    with pytest.raises(ValueError, match="encoder"):
        TextClassifier(10, 2, "gru")


@pytest.mark.parametrize("family", ["lstm-classifier", "transformer-classifier"])
def test_train_text_classifier_through_the_cli(family, fortunes_dir, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--model", family, "--dataset", "fortunes", "--data-dir", str(fortunes_dir),
                 "--epochs", "3", "--layers", "8", "--lr", "0.01", "--max-len", "8", "--out", str(run),
                 "--no-progress", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["model"] == family and summary["classes"] == ["cats", "code"]
    assert summary["last_cost"] < summary["first_cost"]
    assert summary["test_accuracy"] > 0.8 and 0 <= summary["test_macro_f1"] <= 1
    assert (run / "model.safetensors").is_file() and (run / "history.csv").is_file()
    assert main(["train", "--model", family, "--dataset", "digits", "--out", str(tmp_path / "r2")]) == 2
