"""nndl.course.c1w2: logistic regression, checked against the assignment's public test
values, numerical gradients and PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import GRAD_TOL, central_difference, rel_error, to_numpy

from nndl.course import c1w2

# The assignment's test case for propagate / optimize.
W0 = np.array([[1.0], [2.0]])
B0 = 2.0
X0 = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
Y0 = np.array([[1, 0, 1]])


def test_sigmoid_course_values_and_stability():
    assert c1w2.sigmoid(0) == 0.5
    np.testing.assert_allclose(c1w2.sigmoid(np.array([0, 2])), [0.5, 0.88079708], rtol=1e-8)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = c1w2.sigmoid(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(s, [0.0, 1.0])
    assert c1w2.sigmoid(np.zeros(3, dtype=np.float32)).dtype == np.float32


def test_initialize_with_zeros():
    w, b = c1w2.initialize_with_zeros(2)
    assert w.shape == (2, 1) and w.dtype == np.float64 and not w.any()
    assert isinstance(b, float) and b == 0.0
    with pytest.raises(ValueError, match="dim"):
        c1w2.initialize_with_zeros(0)


def test_propagate_course_values():
    grads, cost = c1w2.propagate(W0, B0, X0, Y0)
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], rtol=1e-8)
    assert grads["dw"].shape == (2, 1) and grads["dw"].dtype == np.float64
    assert grads["db"] == pytest.approx(0.00145557813678, rel=1e-10)
    assert cost == pytest.approx(5.801545319394553, rel=1e-12)
    assert isinstance(cost, float)


def test_propagate_cost_by_hand():
    # A = σ(wᵀx + b) per column: z = [9, 12, −5.4]
    z = [1 * 1 + 2 * 3 + 2, 1 * 2 + 2 * 4 + 2, 1 * -1 + 2 * -3.2 + 2]
    a = [1 / (1 + math.exp(-zi)) for zi in z]
    expected = -(math.log(a[0]) + math.log(1 - a[1]) + math.log(a[2])) / 3
    assert c1w2.propagate(W0, B0, X0, Y0)[1] == pytest.approx(expected, rel=1e-12)


def test_propagate_gradients_match_numerical(rng):
    X = rng.standard_normal((4, 7))
    Y = (rng.random((1, 7)) > 0.5).astype(np.int64)
    w = rng.standard_normal((4, 1))
    b = np.array(0.3)
    grads, _ = c1w2.propagate(w, b, X, Y)
    J = lambda: c1w2.propagate(w, b, X, Y)[1]  # noqa: E731
    assert rel_error(grads["dw"], central_difference(J, w)) < GRAD_TOL
    assert rel_error(grads["db"], central_difference(J, b)) < GRAD_TOL


def test_propagate_matches_torch(torch, rng):
    X = rng.standard_normal((3, 6))
    Y = (rng.random((1, 6)) > 0.5).astype(np.float64)
    w = rng.standard_normal((3, 1))
    grads, cost = c1w2.propagate(w, -0.2, X, Y)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(-0.2, dtype=torch.float64, requires_grad=True)
    A = torch.sigmoid(wt.T @ torch.tensor(X) + bt)
    J = torch.nn.functional.binary_cross_entropy(A, torch.tensor(Y))
    J.backward()
    assert cost == pytest.approx(J.item(), rel=1e-12)
    np.testing.assert_allclose(grads["dw"], to_numpy(wt.grad), rtol=1e-10, atol=1e-14)
    assert grads["db"] == pytest.approx(bt.grad.item(), rel=1e-10)


def test_propagate_keeps_float32():
    grads, _ = c1w2.propagate(W0.astype(np.float32), np.float32(2), X0.astype(np.float32), Y0)
    assert grads["dw"].dtype == np.float32


def test_optimize_course_values_and_leaves_w_alone():
    w = W0.copy()
    params, grads, costs = c1w2.optimize(w, B0, X0, Y0, num_iterations=100, learning_rate=0.009)
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], rtol=1e-7)
    assert params["b"] == pytest.approx(1.92535983008, rel=1e-10)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], rtol=1e-7)
    assert grads["db"] == pytest.approx(0.219194504541, rel=1e-10)
    assert costs == [pytest.approx(5.801545319394553, rel=1e-12)]
    np.testing.assert_array_equal(w, W0)  # the caller's w is not modified


def test_optimize_records_every_100_and_prints(capsys):
    _, _, costs = c1w2.optimize(W0, B0, X0, Y0, num_iterations=301, learning_rate=0.009, print_cost=True)
    assert len(costs) == 4
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Cost after iteration {i}: {c:f}" for i, c in zip((0, 100, 200, 300), costs)]


def test_predict_course_values():
    w = np.array([[0.1124579], [0.23106775]])
    X = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    p = c1w2.predict(w, -0.3, X)
    np.testing.assert_array_equal(p, [[1.0, 1.0, 0.0]])
    assert p.shape == (1, 3)


def test_model_fits_separable_data(capsys):
    rng = np.random.default_rng(5)
    m = 200
    Y = (np.arange(m) % 2).reshape(1, m)
    X = rng.standard_normal((3, m)) * 0.5 + np.array([[2.0], [-1.0], [0.5]]) * (2 * Y - 1)
    d = c1w2.model(X[:, :150], Y[:, :150], X[:, 150:], Y[:, 150:], num_iterations=1000,
                   learning_rate=0.1, print_cost=True)
    assert set(d) == {"costs", "Y_prediction_test", "Y_prediction_train", "w", "b", "learning_rate",
                      "num_iterations"}
    assert d["Y_prediction_train"].shape == (1, 150) and d["Y_prediction_test"].shape == (1, 50)
    assert d["w"].shape == (3, 1) and d["learning_rate"] == 0.1 and d["num_iterations"] == 1000
    np.testing.assert_array_equal(d["Y_prediction_train"], Y[:, :150])
    np.testing.assert_array_equal(d["Y_prediction_test"], Y[:, 150:])
    assert len(d["costs"]) == 10 and all(np.diff(d["costs"]) < 0)
    out = capsys.readouterr().out
    assert "train accuracy: 100.0 %" in out and "test accuracy: 100.0 %" in out


def test_shape_errors_name_the_fix():
    with pytest.raises(ValueError, match="transpose"):
        c1w2.propagate(W0, B0, X0.T, Y0)
    # A rank-1 Y, as notebooks sometimes pass it, is one row (1, m).
    grads, cost = c1w2.propagate(W0, B0, X0, Y0.ravel())
    assert cost == c1w2.propagate(W0, B0, X0, Y0)[1] and grads["dw"].shape == (2, 1)
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        c1w2.propagate(W0.ravel(), B0, X0, Y0)
    with pytest.raises(ValueError, match="num_iterations"):
        c1w2.optimize(W0, B0, X0, Y0, num_iterations=0)
