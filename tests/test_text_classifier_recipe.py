"""The text classifiers' training recipe: the class-weighted cross-entropy (hand values, float64
numerical gradients, PyTorch), balanced class weights, the macro-F1 metric and early stopping
on it, dropout, and the Embedding started from pretrained or skip-gram vectors."""

import json

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error, write_fortunes

from nndl import gradcheck
from nndl.callbacks import EarlyStopping
from nndl.cli import main
from nndl.io import load
from nndl.losses import WeightedCategoricalCrossEntropy, balanced_class_weights
from nndl.metrics import confusion_matrix, precision_recall_f1
from nndl.scores import MacroF1, get_metrics
from nndl.text_models import TextClassifier, build_vocabulary, pretrained_embedding, skipgram_embedding
from nndl.validation import one_hot

W = np.array([0.5, 2.0, 1.0])


def _logits_and_targets(rng, m=5, dtype=np.float64):
    Z = rng.standard_normal((3, m)).astype(dtype)
    labels = np.array([0, 1, 2, 1, 0][:m])
    return Z, one_hot(labels, 3, dtype), labels


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=0))
    return E / E.sum(axis=0)


def test_weighted_cross_entropy_hand_values():
    # two examples: A[:, 0] = (0.5, 0.25, 0.25) of class 0 (w 0.5), A[:, 1] = (0.2, 0.8, 0) of class 1 (w 2)
    A = np.array([[0.5, 0.2], [0.25, 0.8], [0.25, 0.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    loss = WeightedCategoricalCrossEntropy(W)
    expected = -(0.5 * np.log(0.5) + 2.0 * np.log(0.8)) / 2
    assert loss.cost(A, Y) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(loss.example_weights(Y), [[0.5, 2.0]])
    np.testing.assert_allclose(loss.delta(A, Y), [[-0.25, 0.4], [0.125, -0.4], [0.125, 0.0]])
    # with equal weights it is the plain cross-entropy, with weights 2 twice it
    plain = -(np.log(0.5) + np.log(0.8)) / 2
    assert WeightedCategoricalCrossEntropy([1, 1, 1]).cost(A, Y) == pytest.approx(plain, rel=1e-12)
    assert WeightedCategoricalCrossEntropy([2, 2, 2]).cost(A, Y) == pytest.approx(2 * plain, rel=1e-12)
    # a padding mask multiplies the weights: the masked example adds nothing
    assert loss.cost(A, Y, m=2, mask=np.array([[1.0, 0.0]])) == pytest.approx(-0.5 * np.log(0.5) / 2, rel=1e-12)


def test_weighted_cross_entropy_gradients_float64():
    rng = np.random.default_rng(0)
    Z, Y, _ = _logits_and_targets(rng)
    loss, m = WeightedCategoricalCrossEntropy(W), Z.shape[1]
    assert loss.cost_from_logits(Z, Y) == pytest.approx(loss.cost(_softmax(Z), Y), rel=1e-12)
    # the fused delta is m·∂J/∂Z
    dZ = loss.delta(_softmax(Z), Y) / m
    assert rel_error(dZ, central_difference(lambda: loss.cost_from_logits(Z, Y), Z)) < GRAD_TOL
    # the gradient with respect to A is m·∂J/∂A
    A = _softmax(Z)
    dA = loss.gradient(A, Y) / m
    assert rel_error(dA, central_difference(lambda: loss.cost(A, Y), A)) < GRAD_TOL


def test_weighted_cross_entropy_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    Z, Y, labels = _logits_and_targets(rng)
    tZ = torch.tensor(Z.T, requires_grad=True)
    tJ = torch.nn.functional.cross_entropy(tZ, torch.tensor(labels), weight=torch.tensor(W), reduction="sum") / 5
    tJ.backward()
    loss = WeightedCategoricalCrossEntropy(W)
    assert loss.cost_from_logits(Z, Y) == pytest.approx(tJ.item(), rel=1e-12)
    np.testing.assert_allclose(loss.delta(_softmax(Z), Y) / 5, tZ.grad.numpy().T, rtol=1e-10, atol=1e-14)


def test_weighted_cross_entropy_keeps_float32_and_checks_its_input():
    Z, Y, _ = _logits_and_targets(np.random.default_rng(2), dtype=np.float32)
    loss = WeightedCategoricalCrossEntropy(W)
    assert loss.delta(_softmax(Z), Y).dtype == np.float32
    with pytest.raises(ValueError, match="3 class weights"):
        loss.cost(_softmax(Z)[:2], Y[:2])
    for bad in ([1.0], [1.0, 0.0], [1.0, np.nan], [[1.0, 2.0]]):
        with pytest.raises(ValueError, match="class_weights"):
            WeightedCategoricalCrossEntropy(bad)


def test_balanced_class_weights():
    w = balanced_class_weights([0, 0, 0, 1, 2, 2], 3)
    np.testing.assert_allclose(w, [6 / 9, 6 / 3, 6 / 6])
    counts = np.array([3, 1, 2])
    np.testing.assert_allclose(w * counts, [2, 2, 2])  # every class weighs m / C in total
    with pytest.raises(ValueError, match=r"\[1\] have no example"):
        balanced_class_weights([0, 2, 2], 3)
    with pytest.raises(ValueError, match="labels must be integers in"):
        balanced_class_weights([0, 3], 3)


def test_macro_f1_metric_accumulates_over_batches():
    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 4, 40), rng.integers(0, 4, 40)
    y[:4], p[:4] = np.arange(4), np.arange(4)
    A, Y = one_hot(p, 4, np.float64) * 0.9 + 0.025, one_hot(y, 4, np.float64)
    metric = MacroF1()
    for lo in range(0, 40, 16):
        metric.update(None, A[:, lo:lo + 16], Y[:, lo:lo + 16], A[:, lo:lo + 16].shape[1])
    assert metric.result() == pytest.approx(precision_recall_f1(confusion_matrix(y, p, 4)).macro_f1, rel=1e-12)
    metric.reset()
    assert np.isnan(metric.result())
    assert [mt.name for mt in get_metrics(["accuracy", "macro_f1"], WeightedCategoricalCrossEntropy(W), 1)] == \
        ["accuracy", "macro_f1"]
    assert EarlyStopping("val_macro_f1").mode == "max" and EarlyStopping("val_cost").mode == "min"


def _ids(rng, m, T, V):
    X = rng.integers(1, V, (m, T))
    for i, n in enumerate(rng.integers(1, T + 1, m)):
        X[i, n:] = 0
    return X


@pytest.mark.parametrize("encoder", ["lstm", "transformer"])
def test_class_weighted_model_gradcheck_float64(encoder):
    rng = np.random.default_rng(4)
    X, Y = _ids(rng, 5, 6, 12), np.array([[0, 1, 2, 1, 0]])
    model = TextClassifier(12, 3, encoder, n_e=4, units=3, n_heads=2, d_ff=6, class_weights=W,
                           seed=1, dtype=np.float64)
    assert model.loss == "weighted_categorical_crossentropy"
    result = gradcheck(model, X, Y, max_checks_per_param=30)
    assert result.difference < 1e-7, result


def test_dropout_class_weights_and_pretrained_start_survive_a_model_file(tmp_path):
    rng = np.random.default_rng(5)
    E0 = rng.standard_normal((8, 20))
    model = TextClassifier(20, 3, "transformer", n_e=8, n_heads=2, d_ff=16, keep_prob=0.5, class_weights=W,
                           embedding_weights=E0, metrics=["accuracy", "macro_f1"], seed=0)
    model.build((6,))
    np.testing.assert_allclose(model.embedding.params["E"], E0.astype(np.float32))
    X, Y = _ids(rng, 32, 6, 20), rng.integers(0, 3, (1, 32))
    p = model.predict_proba(X)
    np.testing.assert_array_equal(p, model.predict_proba(X))  # no dropout at inference
    train_a = model.forward(X, training=True)
    assert not np.allclose(train_a, model.forward(X, training=True))  # dropout while training
    model.fit(X, Y, epochs=2, batch_size=16, optimizer="adam", learning_rate=0.01, verbose=0,
              validation_data=(X, Y))
    assert {"val_macro_f1", "macro_f1"} <= set(model.history.history)
    model.save(tmp_path / "m.safetensors")
    again = load(tmp_path / "m.safetensors")
    assert again.keep_prob == 0.5 and again.class_weights == W.tolist()
    assert again.loss == "weighted_categorical_crossentropy"
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    with pytest.raises(ValueError, match="n_classes = 3"):
        TextClassifier(20, 3, class_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="weighted cross-entropy"):
        TextClassifier(20, 3, class_weights=W, loss="mse")
    with pytest.raises(ValueError, match="keep_prob"):
        TextClassifier(20, 3, keep_prob=1.5)


def test_pretrained_embedding_maps_words_to_columns():
    vectors = (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), ["cat", "dog", "<unk>"])
    vocab = ["<pad>", "<unk>", "dog", "fish", "cat"]
    E = pretrained_embedding(vocab, vectors, np.random.default_rng(0))
    assert E.shape == (2, 5)
    np.testing.assert_array_equal(E[:, 2], [2.0, 5.0])
    np.testing.assert_array_equal(E[:, 4], [1.0, 4.0])
    np.testing.assert_array_equal(E[:, 0], [0.0, 0.0])  # padding
    assert np.all(np.abs(E[:, [1, 3]]) < 0.05)  # <unk> and a missing word: small random columns
    with pytest.raises(ValueError, match="none of the 2"):
        pretrained_embedding(["<pad>", "bird"], vectors)
    # a plain word list without <pad>: column 0 is a word like any other; "<" is a token, not a special
    E = pretrained_embedding(["dog", "<"], (np.ones((2, 2)), ["dog", "<"]))
    np.testing.assert_array_equal(E, np.ones((2, 2)))


def test_skipgram_embedding_of_a_tiny_corpus():
    rng = np.random.default_rng(6)
    texts = [" ".join(rng.choice(["cat", "purr", "meow", "bug", "kernel", "patch"], 6)) for _ in range(60)]
    vocab = build_vocabulary(texts)
    E = skipgram_embedding(texts, vocab, n_e=8, epochs=1, t=None, seed=0)
    assert E.shape == (8, len(vocab)) and E.dtype == np.float32
    assert np.all(E[:, 0] == 0) and np.all(np.linalg.norm(E[:, 4:], axis=0) > 0.05)  # trained, not 0.01·N(0, 1)
    again = skipgram_embedding(texts, vocab, n_e=8, epochs=1, t=None, seed=0)
    np.testing.assert_array_equal(E, again)


@pytest.fixture
def fortunes_dir(tmp_path):
    return write_fortunes(tmp_path / "fortunes", seed=7)


@pytest.mark.parametrize("options", [[], ["--pretrain", "none", "--class-weights", "none", "--keep-prob", "1",
                                          "--max-len", "4"]])
def test_cli_recipe_options(options, fortunes_dir, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--model", "transformer-classifier", "--dataset", "fortunes", "--data-dir",
                 str(fortunes_dir), "--epochs", "2", "--layers", "8", "--lr", "0.01", "--out", str(run),
                 "--no-progress", "--json", *options]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    cfg = json.loads((run / "config.json").read_text())
    if options:
        assert (cfg["pretrain"], cfg["class_weights"], cfg["keep_prob"], cfg["max_len"]) == ("none", "none", 1.0, 4)
        assert load(run / "model.safetensors").loss == "categorical_crossentropy"
    else:
        assert (cfg["pretrain"], cfg["class_weights"], cfg["keep_prob"], cfg["max_len"]) == \
            ("fortunes", "balanced", 0.7, 128)
        assert cfg["monitor"] == "val_macro_f1" and summary["pretrain_seconds"] > 0
        assert load(run / "model.safetensors").loss == "weighted_categorical_crossentropy"
    assert 0 <= summary["dev_macro_f1"] <= 1 and summary["test_macro_f1"] > 0.5
