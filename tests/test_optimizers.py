"""Optimizers against their formulas (written out again here), plain dicts vs FlatParams, torch.optim."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import to_numpy

import nndl
from nndl import FlatParams
from nndl.optimizers import OPTIMIZERS, Adam, GradientDescent, Momentum, RMSprop, get_optimizer

LAYOUT = [("W1", (3, 2)), ("b1", (3, 1)), ("W2", (1, 3)), ("b2", (1, 1))]
STEPS = 5


def _grads_sequence(seed=0):
    rng = np.random.default_rng(seed)
    return [{"d" + k: rng.standard_normal(s) for k, s in LAYOUT} for _ in range(STEPS)]


def _initial_params(seed=1):
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(s) for k, s in LAYOUT}


def reference(name, params, grads_seq, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """The course's update_parameters_with_* formulas, one parameter at a time."""
    W = {k: v.copy() for k, v in params.items()}
    v = {k: np.zeros_like(x) for k, x in W.items()}
    s = {k: np.zeros_like(x) for k, x in W.items()}
    for t, grads in enumerate(grads_seq, start=1):
        for k in W:
            g = grads["d" + k]
            if name == "gd":
                W[k] = W[k] - lr * g
            elif name == "momentum":
                v[k] = beta1 * v[k] + (1 - beta1) * g
                W[k] = W[k] - lr * v[k]
            elif name == "rmsprop":
                s[k] = beta2 * s[k] + (1 - beta2) * g ** 2
                W[k] = W[k] - lr * g / (np.sqrt(s[k]) + eps)
            elif name == "adam":
                v[k] = beta1 * v[k] + (1 - beta1) * g
                s[k] = beta2 * s[k] + (1 - beta2) * g ** 2
                v_hat = v[k] / (1 - beta1 ** t)
                s_hat = s[k] / (1 - beta2 ** t)
                W[k] = W[k] - lr * v_hat / (np.sqrt(s_hat) + eps)
    return W


def make(name, lr):
    return {"gd": lambda: GradientDescent(lr), "momentum": lambda: Momentum(lr, beta=0.9),
            "rmsprop": lambda: RMSprop(lr, beta2=0.999, epsilon=1e-8),
            "adam": lambda: Adam(lr, beta1=0.9, beta2=0.999, epsilon=1e-8)}[name]()


def _to_flat(arrays, prefix=""):
    flat = FlatParams([(prefix + k, s) for k, s in LAYOUT], dtype=np.float64)
    for k, a in arrays.items():
        flat[k] = a
    return flat


@pytest.mark.parametrize("name", ["gd", "momentum", "rmsprop", "adam"])
def test_matches_the_formula_on_dicts_and_flat_params(name):
    params0, grads_seq = _initial_params(), _grads_sequence()
    expected = reference(name, params0, grads_seq, lr=0.05)

    plain = {k: v.copy() for k, v in params0.items()}
    opt = make(name, 0.05)
    for grads in grads_seq:
        assert opt.update(plain, grads) is plain
    flat = _to_flat(params0)
    vec = flat.vector
    opt_flat = make(name, 0.05)
    for grads in grads_seq:
        opt_flat.update(flat, _to_flat(grads, prefix="d"))
    assert flat.vector is vec and opt.t == opt_flat.t == STEPS
    for k in expected:
        np.testing.assert_allclose(plain[k], expected[k], rtol=1e-14, atol=1e-15)
        np.testing.assert_array_equal(flat[k], plain[k])  # same rule, same arithmetic
        assert np.shares_memory(flat[k], vec)
    for key, arr in opt.state_arrays().items():
        np.testing.assert_array_equal(opt_flat.state_arrays()[key], arr)


def test_state_is_kept_per_parameter_name():
    opt = Adam(0.1)
    params = {"W1": np.zeros((2, 2)), "W2": np.zeros((2, 2))}
    opt.update(params, {"dW1": np.ones((2, 2)), "dW2": np.zeros((2, 2))})
    assert set(opt.state_arrays()) == {"v.dW1", "v.dW2", "s.dW1", "s.dW2"}
    np.testing.assert_allclose(opt.state["v"]["dW1"], 0.1)
    assert not opt.state["v"]["dW2"].any() and not params["W2"].any()  # W2 never sees W1's history
    assert not np.shares_memory(opt.state["v"]["dW1"], opt.state["v"]["dW2"])


def test_two_layers_of_a_model_never_share_state():
    model = nndl.mlp([2, 2, 2], seed=0)
    opt = Momentum(0.1, beta=0.5)
    model.grads["dW1"] = np.ones((2, 2))
    opt.update(model.params, model.grads)
    v = opt.state["v"]
    np.testing.assert_allclose(v["dW1"], 0.5)
    assert not v["dW2"].any() and not v["db2"].any()


def _torch_run(torch, params0, grads_seq, make_opt, prefill=None):
    ts = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params0.items()}
    opt = make_opt(list(ts.values()))
    if prefill:
        for p in ts.values():
            opt.state[p][prefill] = torch.zeros_like(p)
    for grads in grads_seq:
        for k, p in ts.items():
            p.grad = torch.tensor(grads["d" + k])
        opt.step()
    return {k: to_numpy(p) for k, p in ts.items()}


@pytest.mark.parametrize("name", ["gd", "momentum", "rmsprop", "adam"])
def test_matches_torch_optim(name, torch):
    params0, grads_seq = _initial_params(), _grads_sequence()
    lr, beta = 0.05, 0.9
    prefill = None
    if name == "gd":
        make_opt = lambda p: torch.optim.SGD(p, lr=lr)  # noqa: E731
    elif name == "adam":
        make_opt = lambda p: torch.optim.Adam(p, lr=lr, betas=(0.9, 0.999), eps=1e-8)  # noqa: E731
    elif name == "rmsprop":
        make_opt = lambda p: torch.optim.RMSprop(p, lr=lr, alpha=0.999, eps=1e-8)  # noqa: E731
    else:
        # torch: v = μv + (1 − dampening)·g, but v = g on the first step unless a buffer exists;
        # with dampening = β and a zero buffer it is the course's v = βv + (1 − β)g.
        make_opt = lambda p: torch.optim.SGD(p, lr=lr, momentum=beta, dampening=beta)  # noqa: E731
        prefill = "momentum_buffer"
    expected = _torch_run(torch, params0, grads_seq, make_opt, prefill)
    plain = {k: v.copy() for k, v in params0.items()}
    opt = make(name, lr)
    for grads in grads_seq:
        opt.update(plain, grads)
    for k in expected:
        np.testing.assert_allclose(plain[k], expected[k], rtol=1e-12, atol=1e-14)


def test_adam_first_step_moves_each_weight_by_the_learning_rate():
    """With v̂ = g and ŝ = g² on step 1, every weight moves by α·sign(g) (up to ε)."""
    params = {"W1": np.zeros((2, 3))}
    g = np.array([[1.0, -2.0, 3.0], [-0.5, 10.0, -1e-3]])
    Adam(0.01).update(params, {"dW1": g})
    np.testing.assert_allclose(params["W1"], -0.01 * np.sign(g), rtol=1e-5)


@pytest.mark.parametrize("name", ["gd", "momentum", "rmsprop", "adam"])
def test_float32_stays_float32(name):
    params = {k: v.astype(np.float32) for k, v in _initial_params().items()}
    opt = make(name, 0.05)
    for grads in _grads_sequence():
        opt.update(params, {k: g.astype(np.float32) for k, g in grads.items()})
    assert all(p.dtype == np.float32 for p in params.values())
    assert all(s.dtype == np.float32 for s in opt.state_arrays().values())


def test_unknown_optimizer_and_bad_settings():
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'; expected one of: adam, gd, momentum"):
        get_optimizer("adagrad")
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="learning_rate must be a positive number"):
            GradientDescent(bad)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\)"):
        Momentum(beta=1.0)
    with pytest.raises(ValueError, match="beta1"):
        Adam(beta1=-0.1)
    with pytest.raises(ValueError, match="beta2"):
        RMSprop(beta2=1.5)


def test_get_optimizer_by_name():
    assert isinstance(get_optimizer("ADAM", learning_rate=0.1), Adam)
    assert get_optimizer("adam", learning_rate=0.1).learning_rate == 0.1
    assert get_optimizer("adam", learning_rate=None).learning_rate == 0.001  # None: the default
    assert type(get_optimizer("sgd")) is GradientDescent and set(OPTIMIZERS) >= {"gd", "momentum", "rmsprop", "adam"}
    opt = Momentum(0.2, beta=0.8)
    assert get_optimizer(opt) is opt
    assert Adam(0.1, beta1=0.8).get_config() == {"learning_rate": 0.1, "beta1": 0.8, "beta2": 0.999, "epsilon": 1e-8}


def test_missing_or_misshapen_gradient_is_named():
    with pytest.raises(KeyError, match="grads has no 'dW2'"):
        Adam().update({"W1": np.zeros(2), "W2": np.zeros(2)}, {"dW1": np.zeros(2)})
    with pytest.raises(ValueError, match=r"dW1 has shape \(3,\), but W1 has shape \(2,\)"):
        GradientDescent().update({"W1": np.zeros(2)}, {"dW1": np.zeros(3)})
