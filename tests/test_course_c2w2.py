"""nndl.course.c2w2: mini-batches, momentum, Adam and learning-rate decay, checked against
the assignment's public values (inputs from np.random.seed via RandomState), the
library's optimizers and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

from nndl.course import c2w2
from nndl.optimizers import Adam


def _course_case(seed):
    """The assignment's update test case: parameters then gradients from one seed."""
    r = np.random.RandomState(seed)
    params = {"W1": r.randn(2, 3), "b1": r.randn(2, 1), "W2": r.randn(3, 3), "b2": r.randn(3, 1)}
    grads = {"dW1": r.randn(2, 3), "db1": r.randn(2, 1), "dW2": r.randn(3, 3), "db2": r.randn(3, 1)}
    return params, grads


def test_update_parameters_with_gd_course_values():
    params, grads = _course_case(1)
    out = c2w2.update_parameters_with_gd(params, grads, 0.01)
    assert out is params
    np.testing.assert_allclose(out["W1"], [[1.63535156, -0.62320365, -0.53718766],
                                           [-1.07799357, 0.85639907, -2.29470142]], atol=5e-9)
    np.testing.assert_allclose(out["b1"], [[1.74604067], [-0.75184921]], atol=5e-9)
    np.testing.assert_allclose(out["W2"], [[0.32171798, -0.25467393, 1.46902454],
                                           [-2.05617317, -0.31554548, -0.3756023],
                                           [1.1404819, -1.09976462, -0.1612551]], atol=5e-9)
    np.testing.assert_allclose(out["b2"], [[-0.88020257], [0.02561572], [0.57539477]], atol=5e-9)
    with pytest.raises(KeyError, match="dW1"):
        c2w2.update_parameters_with_gd(params, {"db1": grads["db1"]}, 0.01)


# ---------------------------------------------------------------- mini-batches

def test_random_mini_batches_course_shapes_and_sanity_check():
    r = np.random.RandomState(1)
    X = r.randn(12288, 148)
    Y = r.randn(1, 148) < 0.5
    batches = c2w2.random_mini_batches(X, Y, 64, rng=np.random.RandomState(0))  # the notebook's seed=0
    assert [b[0].shape for b in batches] == [(12288, 64), (12288, 64), (12288, 20)]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    np.testing.assert_allclose(batches[0][0][0][0:3], [0.90085595, -0.7612069, 0.2344157], atol=5e-9)


def test_random_mini_batches_partition_the_columns_and_keep_pairs():
    m = 23
    X = np.vstack([np.arange(m), -np.arange(m)]).astype(np.float64)
    Y = np.arange(m).reshape(1, m) * 10
    batches = c2w2.random_mini_batches(X, Y, mini_batch_size=5, seed=3)
    assert [b[0].shape[1] for b in batches] == [5, 5, 5, 5, 3]
    order = np.concatenate([b[0][0] for b in batches]).astype(int)
    np.testing.assert_array_equal(np.sort(order), np.arange(m))  # a permutation of the columns
    np.testing.assert_array_equal(order, np.random.RandomState(3).permutation(m))  # np.random.seed(3)
    assert not np.array_equal(order, np.arange(m))
    for bx, by in batches:
        np.testing.assert_array_equal(bx[1], -bx[0])
        np.testing.assert_array_equal(by[0], bx[0] * 10)  # X and Y columns stay paired


def test_random_mini_batches_exact_multiple_and_given_permutation():
    X, Y = np.arange(12.0).reshape(2, 6), np.arange(6).reshape(1, 6)
    perm = np.array([5, 4, 3, 2, 1, 0])
    batches = c2w2.random_mini_batches(X, Y, 3, permutation=perm)
    assert len(batches) == 2
    np.testing.assert_array_equal(batches[0][1], [[5, 4, 3]])
    np.testing.assert_array_equal(batches[1][0], X[:, [2, 1, 0]])
    with pytest.raises(ValueError, match="permutation"):
        c2w2.random_mini_batches(X, Y, 3, permutation=np.array([0, 0, 1, 2, 3, 4]))
    with pytest.raises(ValueError, match="mini_batch_size"):
        c2w2.random_mini_batches(X, Y, 0)
    with pytest.raises(ValueError, match="Y.T"):
        c2w2.random_mini_batches(X, Y.T, 3)


# ---------------------------------------------------------------- momentum

def test_initialize_velocity_and_adam():
    params, _ = _course_case(1)
    v = c2w2.initialize_velocity(params)
    assert list(v) == ["dW1", "db1", "dW2", "db2"]
    assert all(v["d" + k].shape == params[k].shape and not v["d" + k].any() for k in params)
    v, s = c2w2.initialize_adam({k: p.astype(np.float32) for k, p in params.items()})
    assert v is not s and v["dW1"] is not s["dW1"] and s["db2"].dtype == np.float32


def test_update_parameters_with_momentum_course_values():
    params, grads = _course_case(1)
    v = c2w2.initialize_velocity(params)
    out, v_out = c2w2.update_parameters_with_momentum(params, grads, v, beta=0.9, learning_rate=0.01)
    assert out is params and v_out is v
    np.testing.assert_allclose(out["W1"], [[1.62544598, -0.61290114, -0.52907334],
                                           [-1.07347112, 0.86450677, -2.30085497]], atol=5e-9)
    np.testing.assert_allclose(out["b2"], [[-0.87809283], [0.04055394], [0.58207317]], atol=5e-9)
    np.testing.assert_allclose(v["dW1"], [[-0.11006192, 0.11447237, 0.09015907],
                                          [0.05024943, 0.09008559, -0.06837279]], atol=5e-9)
    np.testing.assert_allclose(v["db2"], [[0.02344157], [0.16598022], [0.07420442]], atol=5e-9)


def test_momentum_over_several_steps_by_hand(rng):
    params = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1))}
    expected = {k: p.copy() for k, p in params.items()}
    v = c2w2.initialize_velocity(params)
    v_hand = {k: np.zeros_like(p) for k, p in params.items()}
    for _ in range(4):
        grads = {"d" + k: rng.standard_normal(p.shape) for k, p in params.items()}
        c2w2.update_parameters_with_momentum(params, grads, v, beta=0.8, learning_rate=0.05)
        for k in expected:
            v_hand[k] = 0.8 * v_hand[k] + 0.2 * grads["d" + k]
            expected[k] = expected[k] - 0.05 * v_hand[k]
    for k in params:
        np.testing.assert_allclose(params[k], expected[k], rtol=1e-13)


# ---------------------------------------------------------------- Adam

def test_update_parameters_with_adam_course_values():
    params, grads = _course_case(1)
    v, s = c2w2.initialize_adam(params)
    out, v_out, s_out, v_corrected, s_corrected = c2w2.update_parameters_with_adam(
        params, grads, v, s, t=2, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8)
    assert out is params and v_out is v and s_out is s
    np.testing.assert_allclose(out["W1"], [[1.63178673, -0.61919778, -0.53561312],
                                           [-1.08040999, 0.85796626, -2.29409733]], atol=5e-9)
    np.testing.assert_allclose(out["b1"], [[1.75225313], [-0.75376553]], atol=5e-9)
    np.testing.assert_allclose(v["dW1"], [[-0.11006192, 0.11447237, 0.09015907],
                                          [0.05024943, 0.09008559, -0.06837279]], atol=5e-9)
    np.testing.assert_allclose(s["dW1"], [[0.00121136, 0.00131039, 0.00081287],
                                          [0.0002525, 0.00081154, 0.00046748]], atol=5e-9)
    for k in v:
        np.testing.assert_allclose(v_corrected[k], v[k] / (1 - 0.9 ** 2), rtol=1e-14)
        np.testing.assert_allclose(s_corrected[k], s[k] / (1 - 0.999 ** 2), rtol=1e-14)


def test_adam_matches_the_library_optimizer(rng):
    params = {"W1": rng.standard_normal((4, 3)), "b1": rng.standard_normal((4, 1))}
    copy = {k: p.copy() for k, p in params.items()}
    v, s = c2w2.initialize_adam(params)
    adam = Adam(learning_rate=0.02, beta1=0.8, beta2=0.99, epsilon=1e-7)
    for t in range(1, 6):
        grads = {"d" + k: rng.standard_normal(p.shape) for k, p in params.items()}
        c2w2.update_parameters_with_adam(params, grads, v, s, t, 0.02, 0.8, 0.99, 1e-7)
        adam.update(copy, grads)
    for k in params:
        np.testing.assert_array_equal(params[k], copy[k])
        np.testing.assert_array_equal(v["d" + k], adam.state["v"]["d" + k])


def test_adam_matches_torch(torch, rng):
    W = rng.standard_normal((3, 4))
    params = {"W1": W.copy()}
    v, s = c2w2.initialize_adam(params)
    Wt = torch.tensor(W, requires_grad=True)
    opt = torch.optim.Adam([Wt], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    for t in range(1, 8):
        g = rng.standard_normal(W.shape)
        c2w2.update_parameters_with_adam(params, {"dW1": g}, v, s, t)
        Wt.grad = torch.tensor(g)
        opt.step()
    np.testing.assert_allclose(params["W1"], to_numpy(Wt), rtol=1e-12, atol=1e-14)


def test_adam_keeps_float32_and_needs_t_from_1():
    params = {"W1": np.ones((2, 2), np.float32), "b1": np.zeros((2, 1), np.float32)}
    grads = {k: np.full_like(p, 0.5) for k, p in (("dW1", params["W1"]), ("db1", params["b1"]))}
    v, s = c2w2.initialize_adam(params)
    out, *_ = c2w2.update_parameters_with_adam(params, grads, v, s, t=1)
    assert out["W1"].dtype == np.float32 and v["dW1"].dtype == np.float32
    np.testing.assert_allclose(out["W1"], 1 - 0.01, rtol=1e-6)  # the first step is α·sign(dW)
    with pytest.raises(ValueError, match="t"):
        c2w2.update_parameters_with_adam(params, grads, v, s, t=0)


# ---------------------------------------------------------------- learning-rate decay

def test_update_lr_course_value():
    assert c2w2.update_lr(0.5, 2, 1) == pytest.approx(1 / 6, rel=1e-15)
    assert c2w2.update_lr(0.5, 0, 1) == 0.5


def test_schedule_lr_decay_course_values():
    assert c2w2.schedule_lr_decay(0.5, 100, 1, 1000) == 0.5
    assert c2w2.schedule_lr_decay(0.5, 100, 0.3, time_interval=100) == pytest.approx(0.5 / 1.3, rel=1e-15)
    assert c2w2.schedule_lr_decay(0.5, 2999, 1) == pytest.approx(0.5 / 3, rel=1e-15)
