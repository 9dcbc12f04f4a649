"""nndl.course.c1w4: the deep network step by step, checked against the assignment's public
test values (their inputs come from np.random.seed, reproduced with RandomState), the
course's cache structures, numerical gradients, PyTorch, and training on the flower data."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import (GRAD_TOL, assert_grads_match_numerical, central_difference, rel_error, to_numpy,
                      torch_relu_sigmoid_net)

from nndl.course import c1w4
from nndl.datasets import planar


def _deep_problem(rng, dims=(4, 5, 3, 1), m=7):
    X = rng.standard_normal((dims[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(np.int64)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * 0.5
        params[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.1
    return X, Y, params


# ---------------------------------------------------------------- initialization

def test_initialize_parameters_course_values():
    p = c1w4.initialize_parameters(3, 2, 1, rng=np.random.RandomState(1))
    np.testing.assert_allclose(p["W1"], [[0.01624345, -0.00611756, -0.00528172],
                                         [-0.01072969, 0.00865408, -0.02301539]], atol=5e-9)
    np.testing.assert_allclose(p["W2"], [[0.01744812, -0.00761207]], atol=5e-9)
    assert p["b1"].shape == (2, 1) and p["b2"].shape == (1, 1) and not p["b1"].any()


def test_initialize_parameters_deep_course_values():
    p = c1w4.initialize_parameters_deep([5, 4, 3], rng=np.random.RandomState(3), init="random")
    np.testing.assert_allclose(p["W1"], [
        [0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
        [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
        [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
        [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068]], atol=5e-9)
    np.testing.assert_allclose(p["W2"], [[-0.01185047, -0.0020565, 0.01486148, 0.00236716],
                                         [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
                                         [-0.00768836, -0.00230031, 0.00745056, 0.01976111]], atol=5e-9)
    assert [k for k in p] == ["W1", "b1", "W2", "b2"] and p["b2"].shape == (3, 1)


def test_initialize_parameters_deep_seeds_itself_as_the_notebook():
    # public_tests.py initialize_parameters_deep_test: the function is called with no seed.
    np.random.seed(0)
    p = c1w4.initialize_parameters_deep([5, 4, 3])
    np.testing.assert_allclose(p["W1"][:, 0], [0.01788628, -0.00354759, -0.01313865, -0.00404677], atol=5e-9)
    np.testing.assert_allclose(p["W2"][2], [-0.00768836, -0.00230031, 0.00745056, 0.01976111], atol=5e-9)
    np.random.seed(0)
    q = c1w4.initialize_parameters(3, 2, 1)
    np.testing.assert_allclose(q["W1"], [[0.01624345, -0.00611756, -0.00528172],
                                         [-0.01072969, 0.00865408, -0.02301539]], atol=5e-9)
    np.testing.assert_array_equal(c1w4.initialize_parameters_deep([5, 4, 3], rng=3)["W1"], p["W1"])
    g = c1w4.initialize_parameters_deep([6, 4, 1], rng=np.random.default_rng(3), init="xavier")
    draw = np.random.default_rng(3)
    np.testing.assert_allclose(g["W1"], draw.standard_normal((4, 6)) / np.sqrt(6), rtol=1e-14)
    with pytest.raises(ValueError, match="layer_dims"):
        c1w4.initialize_parameters_deep([3])


def test_application_notebook_initialization():
    # dnn_app_utils_v3.py: np.random.seed(1) inside, W[l] = randn / sqrt(n[l-1]).
    from nndl.course import dnn_app_utils
    p = dnn_app_utils.initialize_parameters_deep([5, 4, 3])
    r = np.random.RandomState(1)
    np.testing.assert_allclose(p["W1"], r.randn(4, 5) / np.sqrt(5), rtol=1e-14)
    np.testing.assert_allclose(p["W2"], r.randn(3, 4) / np.sqrt(4), rtol=1e-14)
    q = dnn_app_utils.initialize_parameters(3, 2, 1)
    np.testing.assert_allclose(q["W1"][0], [0.01624345, -0.00611756, -0.00528172], atol=5e-9)
    assert dnn_app_utils.L_model_backward is c1w4.L_model_backward


def test_print_mislabeled_images_finds_the_errors():
    from nndl.course import dnn_app_utils
    X = np.zeros((12, 4))
    y, p = np.array([[1, 0, 1, 0]]), np.array([[1, 1, 0, 0]])
    idx = dnn_app_utils.print_mislabeled_images([b"non-cat", b"cat"], X, y, p, image_shape=(2, 2, 3))
    np.testing.assert_array_equal(idx, [1, 2])


# ---------------------------------------------------------------- forward, with the course's caches

def test_linear_forward_course_value_and_cache():
    r = np.random.RandomState(1)
    A, W, b = r.randn(3, 2), r.randn(1, 3), r.randn(1, 1)
    Z, cache = c1w4.linear_forward(A, W, b)
    np.testing.assert_allclose(Z, [[3.26295337, -1.23429987]], rtol=1e-8)
    assert isinstance(cache, tuple) and len(cache) == 3
    assert cache[0] is A and cache[1] is W and cache[2] is b
    with pytest.raises(ValueError, match="shape"):
        c1w4.linear_forward(A.T, W, b)


def test_linear_activation_forward_course_values_and_cache():
    r = np.random.RandomState(2)
    A_prev, W, b = r.randn(3, 2), r.randn(1, 3), r.randn(1, 1)
    A, cache = c1w4.linear_activation_forward(A_prev, W, b, "sigmoid")
    np.testing.assert_allclose(A, [[0.96890023, 0.11013289]], rtol=1e-7)
    A, cache = c1w4.linear_activation_forward(A_prev, W, b, "relu")
    np.testing.assert_allclose(A, [[3.43896131, 0.0]], rtol=1e-8)
    linear_cache, activation_cache = cache
    assert linear_cache[0] is A_prev and linear_cache[1] is W and linear_cache[2] is b
    np.testing.assert_allclose(activation_cache, W @ A_prev + b, rtol=1e-14)  # the cache is Z


def test_L_model_forward_course_values():
    r = np.random.RandomState(6)
    X = r.randn(5, 4)
    p = {"W1": r.randn(4, 5), "b1": r.randn(4, 1), "W2": r.randn(3, 4), "b2": r.randn(3, 1),
         "W3": r.randn(1, 3), "b3": r.randn(1, 1)}
    AL, caches = c1w4.L_model_forward(X, p)
    np.testing.assert_allclose(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]], rtol=1e-7)
    assert isinstance(caches, list) and len(caches) == 3
    assert all(len(c) == 2 and len(c[0]) == 3 for c in caches)
    assert caches[0][0][0] is not None and np.shares_memory(caches[0][0][0], X)
    np.testing.assert_array_equal(caches[1][0][0], np.maximum(caches[0][1], 0))  # A1 = relu(Z1)


def test_compute_cost_course_value():
    cost = c1w4.compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]]))
    assert cost == pytest.approx(-(np.log(0.8) + np.log(0.9) + np.log(0.6)) / 3, rel=1e-14)
    assert cost == pytest.approx(0.2797765635793422, rel=1e-12)


# ---------------------------------------------------------------- backward

def test_linear_backward_course_values():
    r = np.random.RandomState(1)
    dZ, A, W, b = r.randn(3, 4), r.randn(5, 4), r.randn(3, 5), r.randn(3, 1)
    dA_prev, dW, db = c1w4.linear_backward(dZ, (A, W, b))
    np.testing.assert_allclose(dA_prev[0], [-1.15171336, 0.06718465, -0.3204696, 2.09812712], rtol=1e-7)
    np.testing.assert_allclose(dW[0], [0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716], rtol=1e-6)
    np.testing.assert_allclose(db, [[-0.14713786], [-0.11313155], [-0.13209101]], rtol=1e-7)
    assert dA_prev.shape == (5, 4) and dW.shape == (3, 5) and db.shape == (3, 1)


def test_linear_activation_backward_course_values():
    r = np.random.RandomState(2)
    dA, A, W, b, Z = r.randn(1, 2), r.randn(3, 2), r.randn(1, 3), r.randn(1, 1), r.randn(1, 2)
    cache = ((A, W, b), Z)
    dA_prev, dW, db = c1w4.linear_activation_backward(dA, cache, "sigmoid")
    np.testing.assert_allclose(dA_prev, [[0.11017994, 0.01105339], [0.09466817, 0.00949723],
                                         [-0.05743092, -0.00576154]], rtol=1e-6)
    np.testing.assert_allclose(dW, [[0.10266786, 0.09778551, -0.01968084]], rtol=1e-6)
    np.testing.assert_allclose(db, [[-0.05729622]], rtol=1e-6)
    dA_prev, dW, db = c1w4.linear_activation_backward(dA, cache, "relu")
    np.testing.assert_allclose(dA_prev, [[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(dW, [[0.44513824, 0.37371418, -0.10478989]], rtol=1e-6)
    np.testing.assert_allclose(db, [[-0.20837892]], rtol=1e-6)


def test_activation_helpers_take_Z(rng):
    Z, dA = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    s = 1 / (1 + np.exp(-Z))
    assert c1w4.sigmoid(Z)[1] is Z and c1w4.relu(Z)[1] is Z
    np.testing.assert_allclose(c1w4.sigmoid_backward(dA, Z), dA * s * (1 - s), rtol=1e-14)
    np.testing.assert_array_equal(c1w4.relu_backward(dA, Z), np.where(Z > 0, dA, 0.0))


def test_L_model_backward_course_values():
    r = np.random.RandomState(3)
    AL, Y = r.randn(1, 2), np.array([[1, 0]])
    A1, W1, b1, Z1 = r.randn(4, 2), r.randn(3, 4), r.randn(3, 1), r.randn(3, 2)
    A2, W2, b2, Z2 = r.randn(3, 2), r.randn(1, 3), r.randn(1, 1), r.randn(1, 2)
    grads = c1w4.L_model_backward(AL, Y, [((A1, W1, b1), Z1), ((A2, W2, b2), Z2)])
    assert set(grads) == {"dA0", "dA1", "dW1", "db1", "dW2", "db2"}
    np.testing.assert_allclose(grads["dW1"], [[0.41010002, 0.07807203, 0.13798444, 0.10502167], [0, 0, 0, 0],
                                              [0.05283652, 0.01005865, 0.01777766, 0.0135308]], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(grads["db1"], [[-0.22007063], [0], [-0.02835349]], rtol=1e-6, atol=1e-12)
    # The test case's first "probability" AL = 1.79 is outside (0, 1): unclipped, as the course.
    np.testing.assert_allclose(grads["dA1"], [[0.12913162, -0.44014127], [-0.14175655, 0.48317296],
                                              [0.01663708, -0.05670698]], rtol=1e-6)
    np.testing.assert_allclose(grads["dW2"], [[-0.39202432, -0.13325855, -0.04601089]], rtol=1e-6)
    np.testing.assert_allclose(grads["db2"], [[0.15187861]], rtol=1e-6)
    np.testing.assert_allclose(grads["dA0"], [[0, 0.52257901], [0, -0.3269206], [0, -0.32070404],
                                              [0, -0.74079187]], rtol=1e-6, atol=1e-12)
    with pytest.raises(ValueError, match=r"Y has shape \(1, 3\), expected \(1, 2\)"):
        c1w4.L_model_backward(AL, np.array([[1, 0, 1]]), [((A1, W1, b1), Z1), ((A2, W2, b2), Z2)])


def test_L_model_backward_matches_numerical(rng):
    X, Y, p = _deep_problem(rng)
    AL, caches = c1w4.L_model_forward(X, p)
    grads = c1w4.L_model_backward(AL, Y, caches)
    assert set(grads) == {"dA0", "dA1", "dA2", "dW1", "db1", "dW2", "db2", "dW3", "db3"}
    J = lambda: c1w4.compute_cost(c1w4.L_model_forward(X, p)[0], Y)  # noqa: E731
    assert_grads_match_numerical(grads, J, p)
    # grads["dA0"] is the gradient of layer 1's input X, per example (before the 1/m).
    assert rel_error(grads["dA0"], X.shape[1] * central_difference(J, X)) < GRAD_TOL


def test_L_model_backward_matches_torch(torch, rng):
    X, Y, p = _deep_problem(rng, dims=(3, 6, 4, 1), m=9)
    AL, caches = c1w4.L_model_forward(X, p)
    grads = c1w4.L_model_backward(AL, Y, caches)
    t, A, J = torch_relu_sigmoid_net(torch, p, X, Y)
    J.backward()
    np.testing.assert_allclose(AL, to_numpy(A), rtol=1e-13)
    assert c1w4.compute_cost(AL, Y) == pytest.approx(J.item(), rel=1e-12)
    for k in p:
        np.testing.assert_allclose(grads["d" + k], to_numpy(t[k].grad), rtol=1e-9, atol=1e-13)


def test_update_parameters_course_values_and_copy():
    r = np.random.RandomState(2)
    p = {"W1": r.randn(3, 4), "b1": r.randn(3, 1), "W2": r.randn(1, 3), "b2": r.randn(1, 1)}
    r = np.random.RandomState(3)
    g = {"dW1": r.randn(3, 4), "db1": r.randn(3, 1), "dW2": r.randn(1, 3), "db2": r.randn(1, 1)}
    before = {k: v.copy() for k, v in p.items()}
    new = c1w4.update_parameters(p, g, 0.1)
    np.testing.assert_allclose(new["W1"], [[-0.59562069, -0.09991781, -2.14584584, 1.82662008],
                                           [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
                                           [-1.0535704, -0.86128581, 0.68284052, 2.20374577]], rtol=1e-7)
    np.testing.assert_allclose(new["b1"], [[-0.04659241], [-1.28888275], [0.53405496]], rtol=1e-7)
    np.testing.assert_allclose(new["W2"], [[-0.55569196, 0.0354055, 1.32964895]], rtol=1e-6)
    np.testing.assert_allclose(new["b2"], [[-0.84610769]], rtol=1e-7)
    for k in p:
        np.testing.assert_array_equal(p[k], before[k])


def test_float64_and_float32_are_kept(rng):
    X, Y, p = _deep_problem(rng)
    for dtype in (np.float64, np.float32):
        p_d = {k: v.astype(dtype) for k, v in p.items()}
        AL, caches = c1w4.L_model_forward(X.astype(dtype), p_d)
        grads = c1w4.L_model_backward(AL, Y, caches)
        assert AL.dtype == dtype and all(g.dtype == dtype for g in grads.values())


# ---------------------------------------------------------------- models on the flower data

def test_two_layer_model_is_the_course_loop():
    X, Y = planar(m=200, noise=0.2, seed=1)
    params, costs = c1w4.two_layer_model(X, Y, (2, 6, 1), learning_rate=0.5, num_iterations=250, rng=4)
    p = c1w4.initialize_parameters(2, 6, 1, rng=4, dtype=X.dtype)
    expected_costs = []
    for i in range(250):
        AL, caches = c1w4.L_model_forward(X, p)
        if i % 100 == 0:
            expected_costs.append(c1w4.compute_cost(AL, Y))
        p = c1w4.update_parameters(p, c1w4.L_model_backward(AL, Y, caches), 0.5)
    assert costs == pytest.approx(expected_costs, rel=1e-6) and len(costs) == 3
    for k in p:
        np.testing.assert_allclose(params[k], p[k], rtol=1e-5, atol=1e-7)


def test_L_layer_model_learns_the_flower(capsys):
    X, Y = planar(m=400, noise=0.2, seed=0, dtype=np.float64)
    params, costs = c1w4.L_layer_model(X, Y, [2, 10, 5, 1], learning_rate=0.5, num_iterations=2000,
                                       print_cost=True, rng=0)
    assert len(costs) == 20 and costs[-1] < 0.4 * costs[0]
    assert sum(np.diff(costs) < 0) >= 17  # nearly monotone under full-batch gradient descent
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 21 and printed[-1].startswith("Cost after iteration 1999: ")
    p = c1w4.predict(X, Y, params)
    accuracy = float((p == Y).mean())
    assert p.shape == (1, 400) and accuracy >= 0.88, accuracy
    assert capsys.readouterr().out == f"Accuracy: {np.sum((p == Y) / 400)}\n"
