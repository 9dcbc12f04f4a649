"""Multi-task learning: several sigmoid outputs, and missing labels that add nothing."""

import numpy as np
import pytest

import nndl
from nndl import Dense, Sequential
from nndl.gradcheck import gradcheck
from nndl.multitask import missing_mask, task_accuracies, task_metrics
from nndl.scores import TaskAccuracy

NAN = np.nan


def test_missing_mask_splits_nan_labels():
    Y, mask = missing_mask([[1, NAN, 0], [NAN, 0, 1]])
    np.testing.assert_array_equal(Y, [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(mask, [[1, 0, 1], [0, 1, 1]])
    with pytest.raises(ValueError, match="0, 1 or NaN"):
        missing_mask([[1, 2.0]])
    with pytest.raises(ValueError, match="no labelled entry"):
        missing_mask([[NAN, NAN]])
    with pytest.raises(ValueError, match=r"\(n_y, m\)"):
        missing_mask([1, 0])
    with pytest.raises(ValueError, match="Inf"):
        missing_mask([[1, np.inf]])


def _logistic_tasks(W, b):
    """A model of n_y independent logistic units with these weights, float64."""
    model = Sequential([Dense(W.shape[0], "sigmoid")], dtype=np.float64, input_shape=(W.shape[1],))
    model.set_weights({"W1": W, "b1": b})
    return model


def test_cost_gradient_and_accuracy_by_hand():
    # two tasks, three examples; the middle example's task-0 label and the last's task-1 label are missing
    X = np.array([[1.0, -1.0, 2.0]])
    W, b = np.array([[0.5], [-1.0]]), np.array([[0.0], [1.0]])
    Y = np.array([[1, NAN, 0], [0, 1, NAN]])
    model = _logistic_tasks(W, b)
    Yf, mask = missing_mask(Y)
    A = 1 / (1 + np.exp(-(W @ X + b)))
    labelled = [(0, 0, 1), (0, 2, 0), (1, 0, 0), (1, 1, 1)]
    J = -sum(np.log(A[j, i]) if y else np.log(1 - A[j, i]) for j, i, y in labelled) / 3  # divided by m = 3
    assert model.evaluate(X, Yf, mask=mask)["cost"] == pytest.approx(J, rel=1e-12)
    dZ = np.zeros_like(A)
    for j, i, y in labelled:
        dZ[j, i] = A[j, i] - y
    Xp, Yp, Mp = model.prepare(X, Yf, mask)
    model.compute_cost_and_grads(Xp, Yp, mask=Mp)
    np.testing.assert_allclose(model.grads["dW1"], dZ @ X.T / 3, rtol=1e-12)
    np.testing.assert_allclose(model.grads["db1"], dZ.sum(axis=1, keepdims=True) / 3, rtol=1e-12)
    # decisions: A > 0.5 → task 0: [1, 0, 1] vs labels 1, 0 → 1 of 2; task 1: [0, 1, 0] vs 0, 1 → 2 of 2
    assert task_accuracies(model, X, Y) == {"task0": 0.5, "task1": 1.0}
    metrics = Sequential([Dense(2, "sigmoid")], dtype=np.float64, input_shape=(1,), metrics=task_metrics(2))
    metrics.set_weights({"W1": W, "b1": b})
    scores = metrics.evaluate(X, Yf, mask=mask)
    assert (scores["accuracy_task0"], scores["accuracy_task1"], scores["accuracy"]) == (0.5, 1.0, 0.75)


def test_gradient_check_with_missing_labels():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 12))
    Y = (rng.random((3, 12)) > 0.5).astype(float)
    Y[rng.random((3, 12)) < 0.4] = NAN
    Yf, mask = missing_mask(Y)
    model = nndl.mlp([5, 4, 3], hidden="tanh", output="sigmoid", seed=2, dtype=np.float64)
    result = gradcheck(model, X, Yf, mask=mask, max_checks_per_param=None)
    assert result.passed and result.difference < 1e-7
    # missing entries contribute nothing: any placeholder value gives the same cost and gradients
    grads = []
    for fill in (0.0, 1.0):
        Yp = np.where(mask == 1, Yf, fill)
        Xp, Yt, Mp = model.prepare(X, Yp, mask)
        J, _ = model.compute_cost_and_grads(Xp, Yt, mask=Mp)
        grads.append((J, model.grads.vector.copy()))
    assert grads[0][0] == grads[1][0]
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


def test_nan_labels_are_refused_without_a_mask_and_the_message_says_how():
    model = nndl.mlp([2, 2], output="sigmoid")
    with pytest.raises(ValueError, match="missing_mask"):
        model.fit(np.zeros((2, 3)), np.array([[1, NAN, 0], [0, 1, 1]]), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="NaN"):
        model.fit(np.array([[1, NAN, 0], [0, 1, 1]]), np.array([[1, 0, 0], [0, 1, 1]]), epochs=1, verbose=0)


def test_task_accuracy_metric_names_round_trip(tmp_path):
    assert task_metrics(2) == ["accuracy", "accuracy_task0", "accuracy_task1"]
    model = Sequential([Dense(2, "sigmoid")], input_shape=(3,), metrics=task_metrics(2))
    model.save(tmp_path / "m.safetensors")
    assert [m.name for m in nndl.load(tmp_path / "m.safetensors").metrics] == task_metrics(2)
    assert TaskAccuracy.from_name("accuracy_taskx") is None
    with pytest.raises(ValueError, match="accuracy_task2 needs"):
        TaskAccuracy(2).update(model.loss_fn, np.zeros((2, 3)), np.zeros((2, 3)), 3)


def test_tasks_with_missing_labels_still_learn():
    """Four tasks, each a linear rule on the inputs; task 3 is labelled for only 15% of the
    examples and the others for 60%. Trained with the mask, every task is learned; filling the
    missing labels with 0 instead teaches task 3 to answer 0."""
    rng = np.random.default_rng(0)
    n_x, m = 6, 2000
    W_true = rng.standard_normal((4, n_x))
    X = rng.standard_normal((n_x, m))
    Y = (W_true @ X > 0).astype(float)
    labelled = rng.random((4, m)) < np.array([[0.6], [0.6], [0.6], [0.15]])
    Y_missing = np.where(labelled, Y, NAN)
    X_test = rng.standard_normal((n_x, 1000))
    Y_test = (W_true @ X_test > 0).astype(float)

    Yf, mask = missing_mask(Y_missing)
    model = Sequential([Dense(16, "tanh"), Dense(4, "sigmoid")], seed=0, metrics=task_metrics(4))
    model.fit(X, Yf, mask=mask, epochs=30, batch_size=64, optimizer="adam", learning_rate=0.01, verbose=0)
    scores = model.evaluate(X_test, Y_test)
    for k in range(4):
        assert scores[f"accuracy_task{k}"] > 0.93, scores
    assert model.history.history["accuracy_task3"][-1] > 0.9  # logged per epoch on the labelled entries

    naive = Sequential([Dense(16, "tanh"), Dense(4, "sigmoid")], seed=0)
    naive.fit(X, Yf, epochs=30, batch_size=64, optimizer="adam", learning_rate=0.01, verbose=0)
    assert task_accuracies(naive, X_test, Y_test)["task3"] < 0.75
