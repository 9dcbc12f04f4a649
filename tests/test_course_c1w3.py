"""nndl.course.c1w3: the one-hidden-layer tanh network, checked against the assignment's
public values, numerical gradients, PyTorch, and training on the flower data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_grads_match_numerical, to_numpy

from nndl.course import c1w3
from nndl.datasets import planar


def _problem(rng, n_x=3, n_h=4, m=6):
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(np.int64)
    params = {"W1": rng.standard_normal((n_h, n_x)), "b1": rng.standard_normal((n_h, 1)),
              "W2": rng.standard_normal((1, n_h)), "b2": rng.standard_normal((1, 1))}
    return X, Y, params


def test_layer_sizes():
    assert c1w3.layer_sizes(np.zeros((5, 3)), np.zeros((2, 3))) == (5, 4, 2)
    with pytest.raises(ValueError, match="Y.T"):
        c1w3.layer_sizes(np.zeros((5, 3)), np.zeros((3, 2)))


def test_initialize_parameters_course_values():
    # np.random.RandomState(2) reproduces the notebook's np.random.seed(2).
    p = c1w3.initialize_parameters(2, 4, 1, rng=np.random.RandomState(2))
    np.testing.assert_allclose(p["W1"], [[-0.00416758, -0.00056267], [-0.02136196, 0.01640271],
                                         [-0.01793436, -0.00841747], [0.00502881, -0.01245288]], atol=5e-9)
    np.testing.assert_allclose(p["W2"], [[-0.01057952, -0.00909008, 0.00551454, 0.02292208]], atol=5e-9)
    assert p["b1"].shape == (4, 1) and p["b2"].shape == (1, 1) and not p["b1"].any() and not p["b2"].any()
    assert all(v.dtype == np.float64 for v in p.values())


def test_initialize_parameters_draws_from_the_learners_seed():
    # public_tests.py initialize_parameters_test: np.random.seed(2) before the call, (3, 5, 2).
    np.random.seed(2)
    p = c1w3.initialize_parameters(3, 5, 2)
    np.testing.assert_allclose(p["W1"], [[-0.00416758, -0.00056267, -0.02136196],
                                         [0.01640271, -0.01793436, -0.00841747],
                                         [0.00502881, -0.01245288, -0.01057952],
                                         [-0.00909008, 0.00551454, 0.02292208],
                                         [0.00041539, -0.01117925, 0.00539058]], atol=5e-9)
    np.testing.assert_allclose(p["W2"], [[-5.96159700e-03, -1.91304965e-04, 1.17500122e-02, -7.47870949e-03,
                                          9.02525097e-05], [-8.78107893e-03, -1.56434170e-03, 2.56570452e-03,
                                                            -9.88779049e-03, -3.38821966e-03]], atol=5e-9)
    # An int seed means the notebook's np.random.seed(2); a Generator is drawn from as given.
    np.testing.assert_array_equal(c1w3.initialize_parameters(3, 5, 2, rng=2)["W1"], p["W1"])
    c = c1w3.initialize_parameters(3, 5, 1, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(c["W1"], np.random.default_rng(7).standard_normal((5, 3)) * 0.01)


def test_forward_propagation_cache_and_values(rng):
    X, _, p = _problem(rng)
    A2, cache = c1w3.forward_propagation(X, p)
    assert set(cache) == {"Z1", "A1", "Z2", "A2"} and cache["A2"] is A2
    Z1 = p["W1"] @ X + p["b1"]
    A1 = np.tanh(Z1)
    Z2 = p["W2"] @ A1 + p["b2"]
    np.testing.assert_allclose(cache["Z1"], Z1, rtol=1e-14)
    np.testing.assert_allclose(cache["A1"], A1, rtol=1e-14)
    np.testing.assert_allclose(cache["Z2"], Z2, rtol=1e-14)
    np.testing.assert_allclose(A2, 1 / (1 + np.exp(-Z2)), rtol=1e-14)
    assert A2.shape == (1, 6) and A2.dtype == np.float64


def test_compute_cost_course_value():
    A2 = np.array([[0.5002307, 0.49985831, 0.50023963]])
    Y = np.random.RandomState(1).randn(1, 3) > 0  # [[True, False, False]], as in the notebook
    by_hand = -(math.log(0.5002307) + math.log(1 - 0.49985831) + math.log(1 - 0.50023963)) / 3
    assert c1w3.compute_cost(A2, Y) == pytest.approx(0.6930587610394646, rel=1e-12)
    assert c1w3.compute_cost(A2, Y) == pytest.approx(by_hand, rel=1e-12)
    with pytest.raises(ValueError, match="shape"):
        c1w3.compute_cost(A2, Y.T)


def test_backward_propagation_matches_numerical(rng):
    X, Y, p = _problem(rng)
    _, cache = c1w3.forward_propagation(X, p)
    grads = c1w3.backward_propagation(p, cache, X, Y)
    assert set(grads) == {"dW1", "db1", "dW2", "db2"}
    J = lambda: c1w3.compute_cost(c1w3.forward_propagation(X, p)[0], Y)  # noqa: E731
    assert_grads_match_numerical(grads, J, p)


def test_backward_propagation_matches_torch(torch, rng):
    X, Y, p = _problem(rng, n_x=2, n_h=5, m=8)
    _, cache = c1w3.forward_propagation(X, p)
    grads = c1w3.backward_propagation(p, cache, X, Y)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in p.items()}
    A1 = torch.tanh(t["W1"] @ torch.tensor(X) + t["b1"])
    A2 = torch.sigmoid(t["W2"] @ A1 + t["b2"])
    J = torch.nn.functional.binary_cross_entropy(A2, torch.tensor(Y, dtype=torch.float64))
    J.backward()
    assert c1w3.compute_cost(cache["A2"], Y) == pytest.approx(J.item(), rel=1e-12)
    for k in p:
        np.testing.assert_allclose(grads["d" + k], to_numpy(t[k].grad), rtol=1e-10, atol=1e-14)


def test_update_parameters_returns_new_arrays(rng):
    _, _, p = _problem(rng)
    grads = {"d" + k: np.full_like(v, 0.5) for k, v in p.items()}
    before = {k: v.copy() for k, v in p.items()}
    new = c1w3.update_parameters(p, grads)
    for k in p:
        np.testing.assert_allclose(new[k], before[k] - 1.2 * 0.5, rtol=1e-15)
        np.testing.assert_array_equal(p[k], before[k])


def test_nn_model_learns_the_flower(capsys):
    X, Y = planar(m=400, noise=0.2, seed=0)
    params = c1w3.nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True, rng=0)
    predictions = c1w3.predict(params, X)
    assert predictions.shape == (1, 400) and set(np.unique(predictions)) <= {0.0, 1.0}
    accuracy = float((predictions == Y).mean())
    assert accuracy >= 0.9, accuracy
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10 and lines[0].startswith("Cost after iteration 0: ")
    costs = [float(line.rsplit(" ", 1)[1]) for line in lines]
    assert costs[-1] < 0.5 * costs[0]
    assert params["W1"].dtype == X.dtype  # float32 data trains in float32
