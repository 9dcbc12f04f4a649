"""nndl.course.c2w1: initialization, L2 and dropout regularization, gradient checking,
checked against the assignments' public values, numerical gradients and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_grads_match_numerical, to_numpy, torch_relu_sigmoid_net

from nndl.course import c2w1

DIMS = (4, 5, 3, 1)  # the gradient-checking assignment's network


def _problem(rng, dims=DIMS, m=6):
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(np.int64)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * np.sqrt(2 / dims[l - 1])
        params[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.1
    return X, Y, params


# ---------------------------------------------------------------- initialization

def test_initialize_parameters_zeros():
    p = c2w1.initialize_parameters_zeros([3, 2, 1])
    assert {k: v.shape for k, v in p.items()} == {"W1": (2, 3), "b1": (2, 1), "W2": (1, 2), "b2": (1, 1)}
    assert all(v.dtype == np.float64 and not v.any() for v in p.values())


def test_initialize_parameters_random_course_values():
    p = c2w1.initialize_parameters_random([3, 2, 1], rng=np.random.RandomState(3))
    np.testing.assert_allclose(p["W1"], [[17.88628473, 4.36509851, 0.96497468],
                                         [-18.63492703, -2.77388203, -3.54758979]], rtol=1e-8)
    np.testing.assert_allclose(p["W2"], [[-0.82741481, -6.27000677]], rtol=1e-8)
    assert not p["b1"].any() and not p["b2"].any()


def test_initialize_parameters_he_course_values():
    p = c2w1.initialize_parameters_he([2, 4, 1], rng=np.random.RandomState(3))
    np.testing.assert_allclose(p["W1"], [[1.78862847, 0.43650985], [0.09649747, -1.8634927],
                                         [-0.2773882, -0.35475898], [-0.08274148, -0.62700068]], atol=5e-9)
    np.testing.assert_allclose(p["W2"], [[-0.03098412, -0.33744411, -0.92904268, 0.62552248]], atol=5e-9)
    np.random.seed(0)
    np.testing.assert_array_equal(c2w1.initialize_parameters_he([2, 4, 1])["W1"], p["W1"])  # seed 3 inside
    q = c2w1.initialize_parameters_he([2, 4, 1], rng=np.random.default_rng(5))
    draw = np.random.default_rng(5)
    np.testing.assert_allclose(q["W1"], draw.standard_normal((4, 2)) * np.sqrt(2 / 2), rtol=1e-14)
    np.testing.assert_allclose(q["W2"], draw.standard_normal((1, 4)) * np.sqrt(2 / 4), rtol=1e-14)


# ---------------------------------------------------------------- forward_propagation_n and its backward

def test_forward_propagation_n_cache_structure(rng):
    X, Y, p = _problem(rng)
    cost, cache = c2w1.forward_propagation_n(X, Y, p)
    assert isinstance(cache, tuple) and len(cache) == 12
    Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3 = cache
    assert W1 is p["W1"] and b2 is p["b2"] and W3 is p["W3"]
    np.testing.assert_allclose(Z1, p["W1"] @ X + p["b1"], rtol=1e-14)
    np.testing.assert_array_equal(A1, np.maximum(Z1, 0))
    np.testing.assert_allclose(A3, 1 / (1 + np.exp(-(p["W3"] @ A2 + p["b3"]))), rtol=1e-14)
    expected = -np.mean(Y * np.log(A3) + (1 - Y) * np.log(1 - A3))
    assert cost == pytest.approx(expected, rel=1e-13)


def test_backward_propagation_n_matches_numerical(rng):
    X, Y, p = _problem(rng)
    _, cache = c2w1.forward_propagation_n(X, Y, p)
    grads = c2w1.backward_propagation_n(X, Y, cache)
    assert list(grads) == ["dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]
    assert_grads_match_numerical(grads, lambda: c2w1.forward_propagation_n(X, Y, p)[0], p)


def test_any_depth_and_a_cache_that_does_not_fit(rng):
    X, Y, p = _problem(rng, dims=(3, 4, 4, 2, 1), m=5)
    _, cache = c2w1.forward_propagation_n(X, Y, p)
    assert len(cache) == 16
    grads = c2w1.backward_propagation_n(X, Y, cache)
    assert_grads_match_numerical(grads, lambda: c2w1.forward_propagation_n(X, Y, p)[0], p)
    with pytest.raises(ValueError, match="cache has 15 entries"):
        c2w1.backward_propagation_n(X, Y, cache[:-1])
    with pytest.raises(ValueError, match="forward_propagation_with_dropout"):
        c2w1.backward_propagation_with_dropout(X, Y, cache[:14], 0.5)


def test_forward_passes_name_the_expected_input_shape(rng):
    X, Y, p = _problem(rng)
    with pytest.raises(ValueError, match=r"X has shape \(6, 4\), expected \(4, m\).*transpose"):
        c2w1.forward_propagation_n(X.T[:, :4], Y[:, :4], p)
    with pytest.raises(ValueError, match=r"X has shape \(3, 6\), expected \(4, m\)"):
        c2w1.forward_propagation_with_dropout(X[:3], p, 0.5, rng=0)
    with pytest.raises(ValueError, match="rank 2"):
        c2w1.forward_propagation_with_dropout(X[:, 0], p, 0.5, rng=0)


# ---------------------------------------------------------------- L2 regularization

def test_compute_cost_with_regularization_course_value():
    r = np.random.RandomState(1)
    Y = np.array([[1, 1, 0, 1, 0]])
    p = {"W1": r.randn(2, 3), "b1": r.randn(2, 1), "W2": r.randn(3, 2), "b2": r.randn(3, 1),
         "W3": r.randn(1, 3), "b3": r.randn(1, 1)}
    A3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    cost = c2w1.compute_cost_with_regularization(A3, Y, p, lambd=0.1)
    assert cost == pytest.approx(1.78648594516, rel=1e-10)
    l2 = 0.1 / (2 * 5) * sum(np.sum(p[k] ** 2) for k in ("W1", "W2", "W3"))
    assert cost == pytest.approx(c2w1.compute_cost(A3, Y) + l2, rel=1e-14)


def test_backward_propagation_with_regularization_matches_numerical(rng):
    X, Y, p = _problem(rng)
    lambd = 0.7
    _, cache = c2w1.forward_propagation_n(X, Y, p)
    grads = c2w1.backward_propagation_with_regularization(X, Y, cache, lambd)

    def J():
        _, c = c2w1.forward_propagation_n(X, Y, p)
        return c2w1.compute_cost_with_regularization(c[-3], Y, p, lambd)

    assert_grads_match_numerical(grads, J, p)
    plain = c2w1.backward_propagation_n(X, Y, cache)
    np.testing.assert_allclose(grads["dW2"] - plain["dW2"], lambd / X.shape[1] * p["W2"], rtol=1e-12)
    np.testing.assert_array_equal(grads["db2"], plain["db2"])


def test_backward_propagation_with_regularization_matches_torch(torch, rng):
    X, Y, p = _problem(rng, dims=(3, 6, 4, 1), m=8)
    lambd = 0.3
    _, cache = c2w1.forward_propagation_n(X, Y, p)
    grads = c2w1.backward_propagation_with_regularization(X, Y, cache, lambd)
    t, _, J = torch_relu_sigmoid_net(torch, p, X, Y)
    J = J + lambd / (2 * 8) * sum((t[f"W{l}"] ** 2).sum() for l in (1, 2, 3))
    J.backward()
    assert c2w1.compute_cost_with_regularization(cache[-3], Y, p, lambd) == pytest.approx(J.item(), rel=1e-12)
    for k in p:
        np.testing.assert_allclose(grads["d" + k], to_numpy(t[k].grad), rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------- dropout

def test_forward_propagation_with_dropout_masks_and_cache(rng):
    X, Y, p = _problem(rng)
    D1 = (rng.random((5, 6)) < 0.7).astype(np.float64)
    D2 = (rng.random((3, 6)) < 0.7).astype(np.float64)
    A3, cache = c2w1.forward_propagation_with_dropout(X, p, keep_prob=0.7, masks=[D1, D2])
    assert isinstance(cache, tuple) and len(cache) == 14
    Z1, D1c, A1, W1, b1, Z2, D2c, A2, W2, b2, Z3, A3c, W3, b3 = cache
    np.testing.assert_array_equal(D1c, D1)
    np.testing.assert_array_equal(D2c, D2)
    assert A3c is A3 and W2 is p["W2"]
    np.testing.assert_allclose(A1, np.maximum(p["W1"] @ X + p["b1"], 0) * D1 / 0.7, rtol=1e-14)
    np.testing.assert_allclose(Z2, p["W2"] @ A1 + p["b2"], rtol=1e-14)
    # keep_prob = 1 keeps every unit: the plain forward pass.
    A3_full, _ = c2w1.forward_propagation_with_dropout(X, p, keep_prob=1.0, rng=0)
    np.testing.assert_allclose(A3_full, c2w1.forward_propagation_n(X, Y, p)[1][-3], rtol=1e-14)


def test_forward_propagation_with_dropout_draws_from_rng(rng):
    X, _, p = _problem(rng)
    a = c2w1.forward_propagation_with_dropout(X, p, 0.5, rng=np.random.default_rng(9))[1]
    b = c2w1.forward_propagation_with_dropout(X, p, 0.5, rng=np.random.default_rng(9))[1]
    np.testing.assert_array_equal(a[1], b[1])
    assert set(np.unique(a[1])) <= {0.0, 1.0} and set(np.unique(a[6])) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="masks"):
        c2w1.forward_propagation_with_dropout(X, p, 0.5, masks=[a[1]])


def test_backward_propagation_with_dropout_matches_numerical(rng):
    X, Y, p = _problem(rng)
    keep_prob = 0.8
    masks = [(rng.random(shape) < keep_prob).astype(np.float64) for shape in ((5, 6), (3, 6))]
    _, cache = c2w1.forward_propagation_with_dropout(X, p, keep_prob, masks=masks)
    grads = c2w1.backward_propagation_with_dropout(X, Y, cache, keep_prob)
    assert list(grads) == ["dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]
    def J():
        return c2w1.compute_cost(c2w1.forward_propagation_with_dropout(X, p, keep_prob, masks=masks)[0], Y)

    assert_grads_match_numerical(grads, J, p)
    np.testing.assert_array_equal(grads["dA1"][masks[0] == 0], 0.0)


# ---------------------------------------------------------------- gradient checking

def test_gradient_check_1d_course_value(capsys):
    assert c2w1.forward_propagation(2, 4) == 8 and c2w1.backward_propagation(2, 4) == 2
    difference = c2w1.gradient_check(2, 4, print_msg=True)
    assert difference == pytest.approx(2.919335883291695e-10, rel=1e-6)
    assert "Your backward propagation works perfectly fine!" in capsys.readouterr().out


def test_dictionary_vector_round_trip(rng):
    _, _, p = _problem(rng)
    theta, keys = c2w1.dictionary_to_vector(p)
    assert theta.shape == (47, 1)
    assert keys[:20] == ["W1"] * 20 and keys[20:25] == ["b1"] * 5 and keys[-1] == "b3" and len(keys) == 47
    np.testing.assert_array_equal(theta[20:25], p["b1"])
    back = c2w1.vector_to_dictionary(theta)  # the assignment's 4-5-3-1 shapes by default
    assert list(back) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for k in p:
        np.testing.assert_array_equal(back[k], p[k])
    assert np.shares_memory(back["W2"], theta)
    shapes = c2w1.vector_to_dictionary(theta, {k: v.shape for k, v in p.items()})
    np.testing.assert_array_equal(shapes["W3"], p["W3"])
    with pytest.raises(ValueError, match="47"):
        c2w1.vector_to_dictionary(theta, (4, 5, 3, 2))


def test_gradients_to_vector_takes_only_dW_db_in_layer_order(rng):
    X, Y, p = _problem(rng)
    _, cache = c2w1.forward_propagation_n(X, Y, p)
    grads = c2w1.backward_propagation_n(X, Y, cache)  # keys from dZ3 down to db1, with dA, dZ
    vector = c2w1.gradients_to_vector(grads)
    expected = np.concatenate([grads[k].reshape(-1, 1) for k in ("dW1", "db1", "dW2", "db2", "dW3", "db3")])
    np.testing.assert_array_equal(vector, expected)


def test_gradient_check_n_passes_correct_and_catches_wrong_gradients(rng, capsys):
    X, Y, p = _problem(rng, m=3)
    before = {k: v.copy() for k, v in p.items()}
    _, cache = c2w1.forward_propagation_n(X, Y, p)
    grads = c2w1.backward_propagation_n(X, Y, cache)
    assert c2w1.gradient_check_n(p, grads, X, Y, print_msg=True) < 1e-7
    assert "works perfectly fine" in capsys.readouterr().out
    wrong = dict(grads, dW2=grads["dW2"] * 2)  # the assignment's planted bug
    assert c2w1.gradient_check_n(p, wrong, X, Y, print_msg=True) > 1e-2
    assert "There is a mistake in the backward propagation!" in capsys.readouterr().out
    for k in p:  # the check perturbs a copy, never the caller's parameters
        np.testing.assert_array_equal(p[k], before[k])
