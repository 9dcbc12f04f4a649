"""Sequences (n_x, m, T_x) through the core: batch axes handed from layer to layer, a layer
looping over time steps, BatchNorm and Dropout after it, a masked per-time-step loss, and the
loss and metric objects."""

from __future__ import annotations

import numpy as np
import pytest
from _core_standins import registered, TimeRNN, TimeSoftmax
from conftest import GRAD_TOL, central_difference, rel_error

import nndl
from nndl import BatchNorm, Dense, Dropout
from nndl.losses import CategoricalCrossEntropy, get_loss
from nndl.training import _reusing_buffers



@pytest.fixture(autouse=True)
def _standins_registered():
    with registered():
        yield

def _seq_model(dtype=np.float32, keep_prob=0.8, seed=0):
    return nndl.Sequential([TimeRNN(5), BatchNorm(), Dropout(keep_prob), TimeSoftmax(4)], seed=seed, dtype=dtype)


def _seq_data(rng, m=12, T=6, n_x=3, C=4):
    X = rng.standard_normal((n_x, m, T))
    y = rng.integers(0, C, (m, T))
    lengths = rng.integers(2, T + 1, m)
    mask = (np.arange(T)[None, :] < lengths[:, None]).astype(float)  # (m, T): padded steps 0
    return X, y, mask


def test_batch_axes_travel_through_a_sequence_model(rng):
    X, y, mask = _seq_data(rng)
    model = _seq_model()
    model.build((3, 6))
    rnn, bn, drop, out = model.layers
    assert model.batch_axis == 1 and bn.batch_axis == 1 and drop.batch_axis == 1 and out.output_batch_axis == 1
    assert bn.params["gamma"].shape == (5, 1, 1)  # one statistic per feature, over m·T_x
    assert list(model.params) == ["Wax1", "Waa1", "ba1", "gamma1", "beta1", "Wya2", "by2"]
    Z = rnn.forward(X.astype(np.float32), training=True)
    Zn = bn.forward(Z, training=True)
    np.testing.assert_allclose(Zn.mean(axis=(1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(Zn.var(axis=(1, 2)), 1, atol=1e-3)
    D = drop.forward(Zn, training=True)
    assert drop.cache.shape == Zn.shape == (5, 12, 6)
    # a dense layer after a sequence layer: the examples are not on its axis
    with pytest.raises(ValueError, match="takes examples on axis -1"):
        nndl.Sequential([TimeRNN(5), Dense(3)], input_shape=(3, 6))
    with pytest.raises(ValueError, match=r"expected input of shape \(5, m, 6\), got \(12, 5, 6\)"):
        out.forward(D.transpose(1, 0, 2))


def test_sequence_model_trains_with_a_mask_and_passes_gradcheck(rng):
    X, y, mask = _seq_data(rng)
    model = _seq_model()
    history = model.fit(X, y, mask=mask, epochs=25, batch_size=4, optimizer="adam", learning_rate=0.03, verbose=0)
    assert history["cost"][-1] < history["cost"][0]
    assert {"accuracy", "token_cost"} <= set(history.history)
    assert model.predict(X).shape == (12, 6) and model.predict_proba(X).shape == (4, 12, 6)
    scores = model.evaluate(X, y, mask=mask)
    # cost: summed over unmasked steps, divided by m; per token: divided by the unmasked steps
    np.testing.assert_allclose(scores["token_cost"], scores["cost"] * 12 / mask.sum(), rtol=1e-5)
    result = nndl.gradcheck(model, X[:, :6], y[:6], mask=mask[:6], max_checks_per_param=None)
    assert result.passed and result.difference < GRAD_TOL, str(result)


def test_the_time_loop_keeps_one_buffer_per_step(rng):
    X, y, mask = _seq_data(rng)
    model = _seq_model(dtype=np.float64, keep_prob=1.0)
    X, Y, mask = model.prepare(X, y, mask)
    model.compute_cost_and_grads(X, Y, mask=mask)
    expected = model.grads.vector.copy()
    with _reusing_buffers(model, {}):
        for _ in range(2):  # the second step runs on the buffers of the first
            model.compute_cost_and_grads(X, Y, mask=mask)
            caches = model.layers[0].cache
            assert not np.shares_memory(caches[0][2], caches[1][2])
            np.testing.assert_array_equal(model.grads.vector, expected)


def test_padded_steps_contribute_nothing(rng):
    X, y, mask = _seq_data(rng)
    model = _seq_model(dtype=np.float64, keep_prob=1.0)
    X, Y, mask = model.prepare(X, y, mask)
    J, _ = model.compute_cost_and_grads(X, Y, mask=mask)
    g = model.grads.vector.copy()
    y2 = np.where(mask > 0, y, (y + 1) % 4)  # other labels on the padded steps only
    _, Y2, _ = model.prepare(X, y2, mask)
    J2, _ = model.compute_cost_and_grads(X, Y2, mask=mask)
    assert J2 == pytest.approx(J, rel=1e-14)
    np.testing.assert_allclose(model.grads.vector, g, rtol=1e-12, atol=1e-15)
    _, Y_all = model.prepare(X, y)
    J_all, _ = model.compute_cost_and_grads(X, Y_all)
    assert J_all > J


def test_masked_sequence_loss_by_hand_and_numerically(rng):
    """J = −(1/m) Σ_unmasked Σ_c Y log softmax(Z); dZ = (A − Y)·mask is m·∂J/∂Z."""
    loss = CategoricalCrossEntropy()
    C, m, T = 3, 2, 4
    Z = rng.standard_normal((C, m, T))
    labels = np.array([[0, 2, 1, 1], [2, 2, 0, 1]])
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], float)
    Y = loss.targets(labels, (C, T), 1, m, np.float64)
    assert Y.shape == (C, m, T) and Y[2, 1, 0] == 1 and Y[:, 0, 1].tolist() == [0, 0, 1]
    A = np.exp(Z) / np.exp(Z).sum(axis=0)
    by_hand = -sum(np.log(A[labels[i, t], i, t]) for i in range(m) for t in range(T) if mask[i, t]) / m
    assert loss.cost(A, Y, m, mask) == pytest.approx(by_hand, rel=1e-12)
    assert loss.cost_from_logits(Z, Y, m, mask) == pytest.approx(by_hand, rel=1e-12)
    dZ = loss.delta(A, Y, mask=mask)
    numeric = central_difference(lambda: loss.cost_from_logits(Z, Y, m, mask), Z)
    assert rel_error(dZ / m, numeric) < GRAD_TOL
    assert np.all(dZ[:, 0, 3] == 0) and np.all(dZ[:, 1, 2:] == 0)
    correct, count = loss.n_correct(A, Y, mask)
    assert count == 5 and correct == sum(A[:, i, t].argmax() == labels[i, t]
                                         for i in range(m) for t in range(T) if mask[i, t])


def test_a_multi_task_mask_drops_missing_labels(rng):
    """Sigmoid outputs (n_y, m) with some labels missing: mask (n_y, m) drops them."""
    loss = get_loss("binary_crossentropy")
    Z = rng.standard_normal((3, 5))
    A = 1 / (1 + np.exp(-Z))
    Y = rng.integers(0, 2, (3, 5)).astype(float)
    mask = (rng.random((3, 5)) > 0.3).astype(float)
    by_hand = -sum(Y[i, j] * np.log(A[i, j]) + (1 - Y[i, j]) * np.log(1 - A[i, j])
                   for i in range(3) for j in range(5) if mask[i, j]) / 5
    assert loss.cost(A, Y, 5, mask) == pytest.approx(by_hand, rel=1e-12)
    assert loss.cost_from_logits(Z, Y, 5, mask) == pytest.approx(by_hand, rel=1e-12)
    numeric = central_difference(lambda: loss.cost_from_logits(Z, Y, 5, mask), Z)
    assert rel_error(loss.delta(A, Y, mask=mask) / 5, numeric) < GRAD_TOL
    assert rel_error(loss.gradient(A, Y, mask) / 5, central_difference(lambda: loss.cost(A, Y, 5, mask), A)) < 1e-6


def test_a_multi_task_mask_through_fit(rng):
    X = rng.standard_normal((4, 20))
    Y = rng.integers(0, 2, (2, 20))
    mask = (rng.random((2, 20)) > 0.25).astype(float)
    model = nndl.Sequential([Dense(5, "tanh"), Dense(2, "sigmoid")], seed=0, dtype=np.float64, input_shape=(4,))
    model.fit(X, Y, mask=mask, epochs=2, batch_size=5, verbose=0)
    result = nndl.gradcheck(model, X, Y, mask=mask, max_checks_per_param=None)
    assert result.passed, str(result)
    with pytest.raises(ValueError, match="does not broadcast"):
        model.fit(X, Y, mask=mask[:, :7], epochs=1, verbose=0)


def test_sequence_targets_are_checked(rng):
    loss = CategoricalCrossEntropy()
    with pytest.raises(ValueError, match=r"class labels must be in \[0, 2\]"):
        loss.targets(np.array([[0, 3]]), (3, 2), 1, 1)
    with pytest.raises(ValueError, match=r"integer labels have shape \(2, 2\), expected \(1, 2\)"):
        loss.targets(np.zeros((2, 2), int), (3, 2), 1, 1)
    with pytest.raises(ValueError, match=r"expected \(3, 1, 2\)"):
        loss.targets(np.zeros((3, 2, 2)), (3, 2), 1, 1)


def test_csv_logger_keeps_a_model_s_other_metrics(rng, tmp_path):
    X, y, mask = _seq_data(rng)
    path = tmp_path / "log.csv"
    model = _seq_model()
    model.fit(X, y, mask=mask, epochs=2, batch_size=6, verbose=0, callbacks=[nndl.CSVLogger(path)])
    header, *rows = path.read_text().splitlines()
    assert header.split(",") == ["epoch", "cost", "accuracy", "val_cost", "val_accuracy", "lr", "token_cost"]
    assert len(rows) == 2 and float(rows[1].split(",")[-1]) == pytest.approx(model.history["token_cost"][1])


def test_bad_masks_and_chosen_metrics_travel_in_model_files(rng, tmp_path):
    X, y, mask = _seq_data(rng)
    model = nndl.Sequential([TimeRNN(5), TimeSoftmax(4)], metrics=["token_cost"], seed=0)
    with pytest.raises(ValueError, match="keep at least one entry"):
        model.fit(X, y, mask=np.zeros_like(mask), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="0/1 values"):
        model.fit(X, y, mask=mask * 2, epochs=1, verbose=0)
    model.fit(X, y, mask=mask, epochs=1, verbose=0)
    assert "token_cost" in model.history.history and "accuracy" not in model.history.history
    model.save(tmp_path / "seq.safetensors")
    loaded = nndl.load(tmp_path / "seq.safetensors")
    assert [mt.name for mt in loaded.metrics] == ["token_cost"]
    assert loaded.evaluate(X, y, mask=mask) == model.evaluate(X, y, mask=mask)
