"""The training hot path keeps the model's dtype everywhere, and its reused buffers never leak.

A float32 model trains in float32 end to end: parameters, gradients, every array in every
layer's cache, the per-batch buffers the training loop reuses, the optimizer's state and its
scratch vector; a float64 model stays in float64. The arrays are inspected *inside* a training
step, by an optimizer that looks at the whole model before it updates it.
"""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl.layers import Dense
from nndl.optimizers import OPTIMIZERS


def _arrays(obj, path="", seen=None):
    """Every ndarray reachable from obj through tuples, lists and dicts, with a path name."""
    seen = set() if seen is None else seen
    if isinstance(obj, np.ndarray):
        if id(obj) not in seen:
            seen.add(id(obj))
            yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _arrays(v, f"{path}[{k!r}]", seen)
    elif isinstance(obj, (tuple, list)):
        for i, v in enumerate(obj):
            yield from _arrays(v, f"{path}[{i}]", seen)


def _model_arrays(model):
    """(name, array) for the parameters, gradients, state and each layer's cache, Z and buffers."""
    yield from _arrays(dict(model.params), "params")
    yield from _arrays(dict(model.grads), "grads")
    yield from _arrays(model.state, "state")
    for i, layer in enumerate(model.layers):
        name = f"layer{i}:{type(layer).__name__}"
        yield from _arrays(layer.cache, f"{name}.cache")
        yield from _arrays(getattr(layer, "Z", None), f"{name}.Z")
        yield from _arrays(getattr(layer, "workspace", None), f"{name}.workspace")


def _inspecting(optimizer_name, log):
    """An instance of the named optimizer that records every array of the model at each update."""
    base = OPTIMIZERS[optimizer_name]

    class Inspecting(base):
        def update(self, params, grads):
            log.append([(n, a.dtype) for n, a in _model_arrays(self.model)])
            log.append([(f"workspace-used:{type(l).__name__}", bool(l.workspace))
                        for l in self.model.layers if hasattr(l, "workspace")])
            out = super().update(params, grads)
            log.append([(f"optimizer.{k}", a.dtype) for k, a in self.state_arrays().items()])
            log.append([("optimizer.scratch", a.dtype) for a in getattr(self, "_buffers", {}).values()])
            return out

    return Inspecting(learning_rate=0.01)


MODELS = {
    # softmax + categorical CE: the fused dZ = A − Y
    "relu-softmax": lambda dtype: nndl.mlp([6, 8, 5, 3], hidden="relu", output="softmax", seed=0, dtype=dtype),
    # sigmoid + binary CE, with batch norm and dropout between the dense layers
    "tanh-bn-dropout-sigmoid": lambda dtype: nndl.mlp([6, 7, 1], hidden="tanh", output="sigmoid", batch_norm=True,
                                                      keep_prob=0.8, lambd=0.1, seed=0, dtype=dtype),
    # sigmoid output trained with MSE: not fused, so every Dense runs its activation's backward
    "sigmoid-mse": lambda dtype: nndl.Sequential([Dense(5, "sigmoid"), Dense(3, "sigmoid")], loss="mse",
                                                 seed=0, dtype=dtype, input_shape=(6,)),
    "leaky-linear": lambda dtype: nndl.mlp([6, 4, 2], hidden="leaky_relu", output="linear", seed=0, dtype=dtype),
}


def _data(name, rng, m=23):
    X = rng.standard_normal((6, m))  # float64 on purpose: fit converts it once to the model's dtype
    if name == "relu-softmax":
        return X, rng.integers(0, 3, m)
    if name == "sigmoid-mse":
        return X, rng.random((3, m))
    if name == "leaky-linear":
        return X, rng.standard_normal((2, m))
    return X, rng.integers(0, 2, (1, m))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
@pytest.mark.parametrize("model_name", sorted(MODELS))
def test_every_array_of_a_training_step_keeps_the_model_dtype(model_name, optimizer, dtype, rng):
    model = MODELS[model_name](dtype)
    X, Y = _data(model_name, rng)
    log: list = []
    opt = _inspecting(optimizer, log)
    opt.model = model
    # batch 8 over 23 examples: full batches and a short last one (a second set of buffers)
    model.fit(X, Y, epochs=2, batch_size=8, optimizer=opt, verbose=0)
    records = [r for step in log for r in step]
    dtypes = {(n, d) for n, d in records if not n.startswith("workspace-used")}
    names = {n for n, _ in dtypes}
    assert any(n.startswith("optimizer.scratch") for n in names)
    assert any(".cache" in n for n in names) and any(n.startswith("grads") for n in names)
    if optimizer != "gd":
        assert any(n.startswith("optimizer.") and "scratch" not in n for n in names)
    wrong = sorted({n for n, d in dtypes if d != np.dtype(dtype)})
    assert not wrong, f"not {np.dtype(dtype).name}: {wrong}"
    # the Dense layers really ran on reused buffers inside the steps
    used = [flag for n, flag in records if n.startswith("workspace-used")]
    assert used and all(used)
    assert model.params.vector.dtype == dtype and model.predict_proba(X).dtype == dtype


def test_buffers_are_released_after_fit_and_forward_returns_fresh_arrays(rng):
    model = nndl.mlp([6, 8, 3], seed=0)
    X, y = rng.standard_normal((6, 16)), rng.integers(0, 3, 16)
    model.fit(X, y, epochs=1, batch_size=8, verbose=0)
    assert all(layer.workspace is None for layer in model.layers)
    X1, X2 = X[:, :8].astype(np.float32), X[:, 8:].astype(np.float32)
    A1 = model.forward(X1, training=True)
    A1_copy = A1.copy()
    A2 = model.forward(X2, training=True)
    assert not np.shares_memory(A1, A2)
    np.testing.assert_array_equal(A1, A1_copy)
    # predict_proba in chunks of the same size must not return one buffer several times
    P = model.predict_proba(X, batch_size=8)
    np.testing.assert_allclose(P, np.concatenate([A1_copy, model.forward(X2)], axis=1), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_fit_with_reused_buffers_equals_plain_steps(optimizer, dtype, rng):
    """fit's loop (gathered batches, reused buffers, in-place updates) gives the parameters that
    plain compute_cost_and_grads + optimizer.update steps on the same mini-batches give."""
    X, y = rng.standard_normal((6, 20)).astype(dtype), rng.integers(0, 3, 20)
    fitted = nndl.mlp([6, 8, 5, 3], seed=3, dtype=dtype)
    plain = nndl.mlp([6, 8, 5, 3], seed=3, dtype=dtype)
    history = fitted.fit(X, y, epochs=1, batch_size=8, optimizer=optimizer, learning_rate=0.05, verbose=0)
    Xp, Yp = plain.prepare(X, y)
    perm = plain.rng.permutation(20)  # the same Generator state fit draws its permutation from
    opt = OPTIMIZERS[optimizer](learning_rate=0.05)
    costs = []
    for lo in range(0, 20, 8):
        idx = perm[lo:lo + 8]
        Xb = np.ascontiguousarray(Xp.T[idx]).T  # fit's layout: gathered rows, seen as (n_x, m)
        J, _ = plain.compute_cost_and_grads(Xb, Yp[:, idx])
        opt.update(plain.params, plain.grads)
        costs.append(J * len(idx))
    # the same operations on the same arrays: equal to the last bit
    np.testing.assert_array_equal(fitted.params.vector, plain.params.vector)
    assert history.history["cost"][0] == pytest.approx(sum(costs) / 20, rel=1e-12)
