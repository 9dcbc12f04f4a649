"""Face verification: the shared-encoder triplet model (gradients, per-call buffers, files),
triplet and pair sampling, the threshold and ROC AUC."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl.functional import l2_normalize_backward, l2_normalize_forward
from nndl.layers import Conv2D, Dense, Flatten, MaxPool2D
from nndl.training import _reusing_buffers
from nndl.verification import (
    L2Normalize, TripletNetwork, best_threshold, roc_auc, sample_triplets, verification_pairs, verify,
)


def _data(m=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(m) % 4
    X = rng.random((m, 8, 8, 1)).astype(np.float32) + y[:, None, None, None] * 0.3
    return X, y


def _small(alpha=0.2, activation="relu", seed=0, dtype=np.float32):
    enc = [Conv2D(3, 3, padding="same", activation=activation), MaxPool2D(2), Flatten(), Dense(6, activation),
           Dense(4, "linear"), L2Normalize()]
    return TripletNetwork(encoder=enc, alpha=alpha, input_shape=(8, 8, 1), seed=seed, dtype=dtype)


def test_triplets_follow_their_classes_and_are_seeded():
    y = np.array([0, 0, 1, 1, 1, 2, 2, 0, 2, 1])
    a, p, n = sample_triplets(y, 500, np.random.default_rng(0))
    assert (y[a] == y[p]).all() and (a != p).all() and (y[a] != y[n]).all()
    assert len(np.unique(n)) == len(y)  # every example can be a negative
    again = sample_triplets(y, 500, np.random.default_rng(0))
    assert all((u == v).all() for u, v in zip((a, p, n), again))
    with pytest.raises(ValueError, match="2 examples"):
        sample_triplets(np.array([0, 0, 1]), 3, np.random.default_rng(0))


def test_pairs_are_balanced_and_respect_anchor_classes():
    y = np.arange(200) % 10
    i, j, same = verification_pairs(y, 100, np.random.default_rng(1))
    assert len(i) == 100 and same.sum() == 50
    assert (y[i][same] == y[j][same]).all() and (y[i][~same] != y[j][~same]).all()
    i, j, same = verification_pairs(y, 60, np.random.default_rng(1), anchor_classes=[3, 7])
    assert len(i) == 60 and set(y[i]) <= {3, 7} and same.sum() == 30


def test_threshold_and_auc_by_hand():
    d = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    same = np.array([True, True, False, True, False, False])
    assert best_threshold(d, same) == pytest.approx(0.25)  # 5 of 6 right (0.45 also does; first wins)
    # −d ranks: positives beat negatives in 8 of 9 pairs
    assert roc_auc(-d, same) == pytest.approx(8 / 9)
    assert roc_auc(np.array([1.0, 1.0]), np.array([True, False])) == 0.5
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    s, pos = rng.normal(size=300).round(1), rng.random(300) < 0.4
    assert roc_auc(s, pos) == pytest.approx(sklearn.roc_auc_score(pos, s))


def test_l2_normalize_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    Z, dA = rng.normal(size=(5, 7)), rng.normal(size=(5, 7))
    A, cache = l2_normalize_forward(Z)
    z = torch.tensor(Z, requires_grad=True)
    a = torch.nn.functional.normalize(z, dim=0)
    a.backward(torch.tensor(dA))
    np.testing.assert_allclose(A, a.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(l2_normalize_backward(dA, cache), z.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("alpha", [0.2, 5.0])
def test_gradcheck_of_the_shared_encoder(alpha):
    X, y = _data(12)
    a, p, n = sample_triplets(y, 6, np.random.default_rng(2))
    model = _small(alpha=alpha, activation="tanh")
    result = nndl.gradcheck(model, (X[a], X[p], X[n]), np.zeros(6), max_checks_per_param=30)
    assert result.difference < 1e-7


def test_training_buffers_keep_each_call_apart():
    X, y = _data(24)
    a, p, n = sample_triplets(y, 8, np.random.default_rng(3))
    model = _small(alpha=5.0)
    inputs, Y = model.prepare((X[a], X[p], X[n]), np.zeros(8))
    J0, _ = model.compute_cost_and_grads(inputs, Y)
    plain = model.grads.vector.copy()
    with _reusing_buffers(model, {}):
        for _ in range(2):  # the second step runs on the reused arrays
            J1, _ = model.compute_cost_and_grads(inputs, Y)
    assert J1 == pytest.approx(J0, rel=1e-6)
    np.testing.assert_allclose(model.grads.vector, plain, rtol=1e-5, atol=1e-7)


def test_training_lowers_the_cost_and_separates_classes(tmp_path):
    X, y = _data(80)
    model = _small(seed=1, activation="tanh")
    a, p, n = sample_triplets(y, 256, np.random.default_rng(4))
    history = model.fit((X[a], X[p], X[n]), np.zeros(256), epochs=8, batch_size=32, optimizer="adam",
                        learning_rate=3e-3, verbose=0)
    costs = history.history["cost"]
    assert costs[-1] < 0.5 * costs[0]
    scores = verify(model, X, y, X, y, n_pairs=200)
    assert scores["accuracy"] > 0.8 and scores["auc"] > 0.85
    path = tmp_path / "triplet.safetensors"
    model.save(path)
    loaded = nndl.load(path)
    assert isinstance(loaded, TripletNetwork) and loaded.alpha == model.alpha
    np.testing.assert_array_equal(loaded.embed(X[:5]), model.embed(X[:5]))


def test_bad_inputs_are_refused():
    model = _small()
    X, _ = _data(6)
    with pytest.raises(ValueError, match="3 inputs|tuple of 3"):
        model.fit(X, np.zeros(6), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="one \\(unused\\) target"):
        model.fit((X, X, X), np.zeros(5), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="expected images"):
        model.embed(X[..., 0])
