"""nndl.course.c2w3: log-scale sampling (the lecture's r = −4·np.random.rand()), batch norm as
the lecture writes it, the notebook's one_hot_matrix public test, the softmax loss and model."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import central_difference, rel_error

from nndl.course import c2w3
from nndl.datasets import load_dataset


def test_sample_learning_rate_is_the_lectures_log_scale():
    np.random.seed(1)
    alpha = c2w3.sample_learning_rate()
    np.random.seed(1)
    r = -4 * np.random.rand()
    assert alpha == pytest.approx(10 ** r, rel=1e-14)
    a = c2w3.sample_learning_rate(1e-4, 1.0, rng=np.random.default_rng(0), size=20000)
    decades = np.histogram(np.log10(a), bins=[-4, -3, -2, -1, 0])[0] / a.size
    np.testing.assert_allclose(decades, 0.25, atol=0.02)          # each decade as likely
    assert c2w3.sample_learning_rate(rng=3) == c2w3.sample_learning_rate(rng=np.random.RandomState(3))
    with pytest.raises(ValueError, match="log scale"):
        c2w3.sample_learning_rate(0.0, 1.0)


def test_sample_beta_samples_one_minus_beta_on_a_log_scale():
    b = c2w3.sample_beta(0.9, 0.999, rng=np.random.default_rng(1), size=20000)
    assert b.min() >= 0.9 and b.max() <= 0.999
    share = np.mean(b > 0.99)                                      # 1 − β in [10⁻³, 10⁻²]: half the draws
    assert share == pytest.approx(0.5, abs=0.02)
    space = c2w3.search_space()
    assert space.learning_rate == (1e-4, 1.0) and space.beta == (0.9, 0.999)


def test_batchnorm_as_the_lecture_writes_it():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((3, 8)) * 4 + 2
    gamma, beta = rng.standard_normal((3, 1)), rng.standard_normal((3, 1))
    Z_tilde, cache = c2w3.batchnorm_forward(Z, gamma, beta, epsilon=1e-8)
    mu = Z.mean(axis=1, keepdims=True)
    sigma2 = ((Z - mu) ** 2).mean(axis=1, keepdims=True)
    np.testing.assert_allclose(Z_tilde, gamma * (Z - mu) / np.sqrt(sigma2 + 1e-8) + beta, rtol=1e-12)
    dZt = rng.standard_normal(Z.shape)
    dZ, dgamma, dbeta = c2w3.batchnorm_backward(dZt, cache)
    J = lambda: float(np.sum(c2w3.batchnorm_forward(Z, gamma, beta, 1e-8)[0] * dZt))
    assert rel_error(dZ, central_difference(J, Z)) < 1e-7
    assert rel_error(dgamma, central_difference(J, gamma)) < 1e-7
    np.testing.assert_allclose(dbeta, dZt.sum(axis=1, keepdims=True), rtol=1e-12)
    with pytest.raises(ValueError, match="gamma"):
        c2w3.batchnorm_forward(Z, gamma.T, beta)


def test_one_hot_matrix_public_test():
    np.testing.assert_array_equal(c2w3.one_hot_matrix(1, 4), [0., 1., 0., 0.])
    np.testing.assert_array_equal(c2w3.one_hot_matrix([2], 4), [0., 0., 1., 0.])
    np.testing.assert_array_equal(c2w3.one_hot_matrix(np.array([0, 2, 1]), 3), np.eye(3)[:, [0, 2, 1]])
    with pytest.raises(ValueError, match="out of range"):
        c2w3.one_hot_matrix(6, 6)


def test_compute_total_loss_is_a_sum_of_softmax_cross_entropies():
    logits = np.array([[2.4048107, 5.0334096], [-0.7921977, -4.1523376], [0.9447198, -0.46802214],
                       [1.158121, 3.9810789], [4.768706, 2.3220146], [6.1481323, 3.909829]])
    labels = c2w3.one_hot_matrix(np.array([5, 1]), 6)
    p = np.exp(logits) / np.exp(logits).sum(axis=0)
    expected = -np.log(p[5, 0]) - np.log(p[1, 1])
    assert c2w3.compute_total_loss(logits, labels) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="expected both"):
        c2w3.compute_total_loss(logits, labels[:, :1])


def test_forward_propagation_gives_logits():
    rng = np.random.default_rng(2)
    p = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal((4, 1)), "W2": rng.standard_normal((2, 4)),
         "b2": rng.standard_normal((2, 1))}
    X = rng.standard_normal((3, 5))
    np.testing.assert_allclose(c2w3.forward_propagation(X, p),
                               p["W2"] @ np.maximum(p["W1"] @ X + p["b1"], 0) + p["b2"], rtol=1e-12)


def test_model_trains_the_three_layer_softmax_network(capsys):
    d = load_dataset("digits", seed=1)
    keep = lambda X, Y: (X[:, Y[0] < 6], Y[:, Y[0] < 6])          # six classes, as the SIGNS data
    X_train, Y_train = keep(d.X_train, d.Y_train)
    X_test, Y_test = keep(d.X_test, d.Y_test)
    parameters, costs, train_acc, test_acc = c2w3.model(
        X_train, c2w3.one_hot_matrix(Y_train[0]), X_test, c2w3.one_hot_matrix(Y_test[0]),
        learning_rate=0.001, num_epochs=30, print_cost=True)
    assert {k: v.shape for k, v in parameters.items()} == {"W1": (25, 64), "b1": (25, 1), "W2": (12, 25),
                                                           "b2": (12, 1), "W3": (6, 12), "b3": (6, 1)}
    assert len(costs) == 3 and costs[-1] < costs[0] and test_acc[-1] >= 0.95
    assert capsys.readouterr().out.startswith("Cost after epoch 9: ")
