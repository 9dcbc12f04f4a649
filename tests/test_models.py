"""Sequential and mlp: course names over one flat buffer, training, inference, input checks."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import nndl
from nndl import FlatParams, TrainingDiverged
from nndl.functional import categorical_cross_entropy, softmax


def blobs(rng, n_x=4, m=60, C=3):
    """C well separated clusters: X (n_x, m), integer labels (m,)."""
    labels = np.arange(m) % C
    centers = rng.standard_normal((n_x, C)) * 3
    X = centers[:, labels] + 0.5 * rng.standard_normal((n_x, m))
    return X, labels


# ------------------------------------------------------------------ names and the flat buffer
def test_mlp_parameter_names_and_shapes():
    model = nndl.mlp([4, 5, 3, 2])
    assert list(model.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert list(model.grads) == ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
    assert [model.params[k].shape for k in model.params] == [(5, 4), (5, 1), (3, 5), (3, 1), (2, 3), (2, 1)]
    assert model.n_params == 5 * 4 + 5 + 3 * 5 + 3 + 2 * 3 + 2
    assert model.loss == "categorical_crossentropy"


def test_mlp_with_batch_norm_and_dropout_names():
    model = nndl.mlp([4, 5, 3, 1], hidden="tanh", output="sigmoid", batch_norm=True, keep_prob=0.8)
    assert list(model.params) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    assert model.params["gamma2"].shape == (3, 1)
    assert set(model.state) == {"running_mean1", "running_var1", "running_mean2", "running_var2"}
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Dense", "BatchNorm", "Activation", "Dropout"] * 2 + ["Dense"]
    assert model.loss == "binary_crossentropy"


def test_params_are_views_into_one_flat_vector():
    model = nndl.mlp([3, 4, 2], batch_norm=True)
    vec, gvec = model.params.vector, model.grads.vector
    assert vec.ndim == 1 and vec.size == sum(p.size for p in model.params.values()) == model.n_params
    offset = 0
    for k, p in model.params.items():
        assert np.shares_memory(p, vec) and np.shares_memory(model.grads["d" + k], gvec)
        np.testing.assert_array_equal(vec[offset:offset + p.size], p.ravel())
        offset += p.size
    dense = model.layers[0]
    assert dense.params["W"] is model.params["W1"] and dense.grads["dW"] is model.grads["dW1"]
    vec[:] = 7.0  # one write to the vector is seen by every layer
    assert (dense.params["W"] == 7).all() and (model.layers[1].params["gamma"] == 7).all()


def test_flat_params_setitem_writes_in_place():
    model = nndl.mlp([3, 4, 2])
    view = model.params["W1"]
    model.params["W1"] = np.arange(12).reshape(4, 3)  # the course's params["W1"] = …
    assert model.params["W1"] is view and model.layers[0].params["W"] is view
    np.testing.assert_array_equal(model.params.vector[:12], np.arange(12))
    model.params["b1"] = model.params["b1"] - 0.5 * np.ones((4, 1))
    np.testing.assert_array_equal(model.params.vector[12:16], -0.5)
    with pytest.raises(ValueError, match=r"W1 has shape \(4, 3\), got an array of shape \(3, 4\)"):
        model.params["W1"] = np.zeros((3, 4))
    with pytest.raises(KeyError, match="'W9' is not one of this model's parameters"):
        model.params["W9"] = np.zeros((1, 1))


def test_flat_params_update_setdefault_and_ior_write_in_place():
    model = nndl.mlp([3, 4, 2])
    views = {k: model.params[k] for k in model.params}
    model.params.update({"W1": np.ones((4, 3))}, b1=np.full((4, 1), 2.0))
    model.params.update([("W2", np.full((2, 4), 3.0))])
    model.params |= {"b2": np.full((2, 1), 4.0)}
    assert all(model.params[k] is v for k, v in views.items())
    assert model.layers[0].params["W"] is views["W1"] and model.layers[1].params["b"] is views["b2"]
    np.testing.assert_array_equal(model.params.vector, np.repeat([1.0, 2.0, 3.0, 4.0], [12, 4, 8, 2]))
    assert model.params.setdefault("W1", np.zeros((4, 3))) is views["W1"]
    assert (model.params["W1"] == 1).all()  # an existing key keeps its values
    with pytest.raises(KeyError, match="'W9' is not one of this model's parameters"):
        model.params.setdefault("W9", np.zeros((1, 1)))
    with pytest.raises(KeyError, match="'W9' is not one of this model's parameters"):
        model.params.update(W9=np.zeros((1, 1)))
    with pytest.raises(ValueError, match=r"b1 has shape \(4, 1\), got an array of shape \(4,\)"):
        model.params.update(b1=np.zeros(4))
    assert list(model.params) == ["W1", "b1", "W2", "b2"]


def test_flat_params_layout_and_zeros_like():
    p = FlatParams([("W1", (2, 3)), ("b1", (2, 1))], dtype=np.float64)
    assert p.vector.shape == (8,) and p.vector.dtype == np.float64
    g = p.zeros_like(prefix="d")
    assert list(g) == ["dW1", "db1"] and p.same_layout(g) and not np.shares_memory(g.vector, p.vector)
    copies = p.copy_arrays()
    p["W1"] = np.ones((2, 3))
    assert not copies["W1"].any()
    with pytest.raises(ValueError, match=r"flat vector has shape \(3,\), expected \(8,\)"):
        FlatParams([("W1", (2, 3)), ("b1", (2, 1))], vector=np.zeros(3))


# ------------------------------------------------------------------ training
def test_logistic_regression_matches_the_course():
    """The course's optimize(w, b, X, Y, 100 iterations, α = 0.009) from w = [[1], [2]], b = 2."""
    model = nndl.logistic_regression(2, dtype=np.float64)
    assert list(model.params) == ["W1", "b1"] and not model.params.vector.any()
    model.params["W1"] = [[1.0, 2.0]]
    model.params["b1"] = [[2.0]]
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    history = model.fit(X, Y, epochs=100, batch_size=None, learning_rate=0.009, optimizer="gd", verbose=0)
    np.testing.assert_allclose(model.params["W1"], [[0.19033591, 0.12259159]], rtol=1e-7)
    np.testing.assert_allclose(model.params["b1"], [[1.92535983]], rtol=1e-8)
    np.testing.assert_allclose(model.grads["dW1"], [[0.67752042, 1.41625495]], rtol=1e-7)  # the course's last dw
    assert history["cost"][0] == pytest.approx(5.801545319394553, rel=1e-12)
    assert len(history) == 100 and history["epoch"] == list(range(100))


def test_fit_reduces_cost_and_learns(rng):
    X, y = blobs(rng)
    model = nndl.mlp([4, 8, 3], seed=1)
    history = model.fit(X, y, epochs=30, batch_size=16, learning_rate=0.1, verbose=0)
    assert history["cost"][-1] < 0.5 * history["cost"][0]
    assert history["accuracy"][-1] > 0.9
    assert model.evaluate(X, y)["accuracy"] > 0.9
    assert model.epochs_done == 30 and history["lr"] == [0.1] * 30


def test_same_seed_same_history(rng):
    X, y = blobs(rng)
    runs = []
    for _ in range(2):
        model = nndl.mlp([4, 6, 3], keep_prob=0.8, seed=3)
        h = model.fit(X, y, epochs=5, batch_size=8, optimizer="adam", learning_rate=0.01, verbose=0)
        runs.append((h.history, model.params.vector.copy()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    other = nndl.mlp([4, 6, 3], keep_prob=0.8, seed=4)
    assert other.fit(X, y, epochs=5, batch_size=8, verbose=0).history["cost"] != runs[0][0]["cost"]


def test_label_formats_train_identically(rng):
    X, y = blobs(rng, m=30)
    onehot = np.eye(3)[:, y]
    results = []
    for Y in (onehot, y, y.reshape(1, -1), y.astype(np.float64)):
        model = nndl.mlp([4, 5, 3], seed=2)
        h = model.fit(X, Y, epochs=3, batch_size=7, verbose=0)
        results.append((h.history, model.params.vector.copy()))
    for history, vec in results[1:]:
        assert history == results[0][0]
        np.testing.assert_array_equal(vec, results[0][1])


def test_binary_label_formats_train_identically(rng):
    X = rng.standard_normal((3, 20))
    y = (X[0] > 0).astype(np.int64)
    vecs = []
    for Y in (y, y.reshape(1, -1), y.astype(bool)):
        model = nndl.mlp([3, 4, 1], output="sigmoid", seed=0)
        model.fit(X, Y, epochs=2, batch_size=5, verbose=0)
        vecs.append(model.params.vector.copy())
    np.testing.assert_array_equal(vecs[0], vecs[1])
    np.testing.assert_array_equal(vecs[0], vecs[2])


def _record_dtypes(model, monkeypatch):
    seen = []
    for layer in model.layers:
        fwd, bwd = layer.forward, layer.backward

        def forward(A_prev, training=False, _f=fwd):
            out = _f(A_prev, training)
            seen.extend([A_prev.dtype, out.dtype])
            return out

        def backward(dA, _b=bwd):
            seen.append(dA.dtype)
            out = _b(dA)
            if out is not None:
                seen.append(out.dtype)
            return out

        monkeypatch.setattr(layer, "forward", forward)
        monkeypatch.setattr(layer, "backward", backward)
        if hasattr(layer, "backward_linear"):
            bl = layer.backward_linear

            def backward_linear(dZ, _b=bl):
                seen.append(dZ.dtype)
                return _b(dZ)

            monkeypatch.setattr(layer, "backward_linear", backward_linear)
    return seen


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_float32_training_never_upcasts(optimizer, rng, monkeypatch):
    X, y = blobs(rng, m=24)
    model = nndl.mlp([4, 5, 3], hidden="tanh", batch_norm=True, keep_prob=0.9, lambd=0.1, seed=0)
    seen = _record_dtypes(model, monkeypatch)
    model.fit(X, y, epochs=2, batch_size=8, optimizer=optimizer, lr_schedule="exponential", clip_norm=5.0,
              validation_data=(X, y), verbose=0)
    assert seen and set(seen) == {np.dtype(np.float32)}
    assert model.params.vector.dtype == np.float32 and model.grads.vector.dtype == np.float32
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert all(s.dtype == np.float32 for s in model.state.values())
    assert all(a.dtype == np.float32 for a in model.optimizer.state_arrays().values())
    assert model.predict_proba(X).dtype == np.float32


def test_float64_model_stays_float64(rng):
    X, y = blobs(rng, m=12)
    model = nndl.mlp([4, 3, 3], dtype=np.float64)
    model.fit(X.astype(np.float32), y, epochs=1, optimizer="adam", verbose=0)
    assert model.params.vector.dtype == np.float64
    assert model.predict_proba(X).dtype == np.float64


def test_gradient_clipping_in_fit(rng):
    X, y = blobs(rng, m=12)
    model = nndl.mlp([4, 3, 3], seed=0)
    model.fit(X * 100, y, epochs=1, batch_size=None, clip_value=1e-3, verbose=0)
    assert np.abs(model.grads.vector).max() <= 1e-3
    model.fit(X * 100, y, epochs=2, batch_size=None, clip_norm=1e-2, verbose=0)
    assert np.linalg.norm(model.grads.vector) == pytest.approx(1e-2, rel=1e-5)


# ------------------------------------------------------------------ bad inputs
@pytest.fixture
def model3():
    return nndl.mlp([4, 5, 3], seed=0)


def _X(rng, n_x=4, m=10):
    return rng.standard_normal((n_x, m))


def test_nan_in_X(model3, rng):
    X = _X(rng)
    X[2, 7] = np.nan
    with pytest.raises(ValueError, match=r"X contains 1 NaN/Inf value\(s\), the first at index \(2, 7\)"):
        model3.fit(X, np.zeros(10, int), verbose=0)


def test_labels_out_of_range(model3, rng):
    message = r"class labels must be in \[0, 2\] for 3 output units, got values from 0 to 3"
    with pytest.raises(ValueError, match=message):
        model3.fit(_X(rng), np.arange(10) % 4, verbose=0)
    with pytest.raises(ValueError, match="must be integers"):
        model3.fit(_X(rng), np.full(10, 0.5), verbose=0)
    with pytest.raises(ValueError, match="binary labels must be 0 or 1"):
        nndl.mlp([4, 1], output="sigmoid").fit(_X(rng), np.arange(10) % 3, verbose=0)


def test_X_passed_as_rows(model3, rng):
    message = "X has shape (10, 4), expected (4, m): examples look like rows; pass X.T"
    with pytest.raises(ValueError, match=re.escape(message)):
        model3.fit(_X(rng).T, np.zeros(10, int), verbose=0)
    with pytest.raises(ValueError, match="pass X.T"):
        model3.predict(_X(rng).T)


def test_empty_and_rank1_and_wrong_features(model3, rng):
    with pytest.raises(ValueError, match="X is empty"):
        model3.fit(np.zeros((4, 0)), np.zeros(0, int), verbose=0)
    with pytest.raises(ValueError, match=re.escape("X has shape (3, 2, 0): axis 2 has length 0")):
        nndl.Sequential([nndl.LSTM(4)]).predict(np.zeros((3, 2, 0), np.float32))   # no time steps
    with pytest.raises(ValueError, match="rank-1 array; expected \\(n_x, m\\)"):
        model3.predict(np.ones(4))
    with pytest.raises(ValueError, match=re.escape("X has shape (5, 10), expected (4, m)")) as err:
        model3.fit(_X(rng, n_x=5), np.zeros(10, int), verbose=0)
    assert "pass X.T" not in str(err.value)
    with pytest.raises(ValueError, match="Y has 9 examples .* but X has 10"):
        model3.fit(_X(rng), np.zeros(9, int), verbose=0)
    with pytest.raises(ValueError, match="must hold numbers"):
        model3.predict(np.array([["a", "b"]] * 4))


@pytest.mark.parametrize("kwargs, match", [({"epochs": -1}, "epochs"), ({"batch_size": 0}, "batch_size"),
                                           ({"optimizer": "lbfgs"}, "unknown optimizer 'lbfgs'"),
                                           ({"validation_data": (1, 2, 3)}, "validation_data")])
def test_fit_rejects_bad_arguments(kwargs, match, model3, rng):
    with pytest.raises(ValueError, match=match):
        model3.fit(_X(rng), np.zeros(10, int), verbose=0, **kwargs)


def test_training_diverged_names_epoch_and_step(rng):
    X = rng.standard_normal((3, 20))
    model = nndl.mlp([3, 1], output="linear", seed=0)
    with warnings.catch_warnings(), pytest.raises(TrainingDiverged) as err:
        warnings.simplefilter("ignore", RuntimeWarning)  # the overflow is the point
        model.fit(X, X.sum(axis=0), epochs=5, batch_size=10, learning_rate=1e30, verbose=0)
    message = str(err.value)
    assert "at epoch 1, step 2" in message
    assert "learning rate (1e+30)" in message


def test_fit_stops_when_the_last_update_of_an_epoch_overflows_the_weights(rng):
    """Batch GD: each epoch's only update can leave a finite cost but Inf weights."""
    X, y = blobs(rng, m=30)
    model = nndl.mlp([4, 5, 3], seed=0)
    with warnings.catch_warnings(), pytest.raises(TrainingDiverged) as err:
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(X, y, epochs=3, batch_size=None, optimizer="gd", learning_rate=1e300, verbose=0)
    assert "the weights became NaN or Inf after the update at epoch 1, step 1" in str(err.value)
    assert len(model.history) == 0  # no epoch's logs (or checkpoint) were written with those weights


@pytest.mark.parametrize("learning_rate", [-1.0, 0.0, float("nan")])
def test_fit_rejects_a_bad_learning_rate_for_any_optimizer(learning_rate, model3, rng):
    for optimizer in (None, nndl.Adam(), "momentum"):
        with pytest.raises(ValueError, match=f"learning_rate must be a positive number, got {learning_rate}"):
            model3.fit(_X(rng), np.zeros(10, int), epochs=1, optimizer=optimizer, learning_rate=learning_rate,
                       verbose=0)


@pytest.mark.parametrize("first", [lambda: nndl.Dropout(0.8), lambda: nndl.Activation("tanh"),
                                   lambda: nndl.BatchNorm()])
def test_a_layout_following_first_layer_builds_from_images(first, rng):
    """Dropout, Activation and BatchNorm take the layout of what they are given: images
    (m, n_H, n_W, n_C) have their examples on axis 0, also when the model builds from X."""
    X, y = rng.standard_normal((10, 4, 3, 2)), np.arange(10) % 3
    lazy = nndl.Sequential([first(), nndl.Flatten(), nndl.Dense(3, "softmax")], seed=0)
    eager = nndl.Sequential([first(), nndl.Flatten(), nndl.Dense(3, "softmax")], seed=0, input_shape=(4, 3, 2))
    lazy.fit(X, y, epochs=2, batch_size=5, verbose=0)
    eager.fit(X, y, epochs=2, batch_size=5, verbose=0)
    assert lazy.input_shape == (4, 3, 2) and lazy.batch_axis == eager.batch_axis == 0
    assert lazy.predict_proba(X).shape == (3, 10)
    np.testing.assert_array_equal(lazy.params.vector, eager.params.vector)
    assert "(m, 4, 3, 2)" in lazy.summary(print_fn=None)


@pytest.mark.parametrize("kwargs, match", [
    ({"layer_dims": [4]}, "at least"), ({"layer_dims": [4, 0, 2]}, "positive"),
    ({"layer_dims": [4, 2], "output": "relu"}, "output must be"),
    ({"layer_dims": [4, 1], "output": "softmax"}, "at least 2 units"),
    ({"layer_dims": [4, 3, 2], "keep_prob": 1.5}, r"keep_prob must be in \(0, 1\], got 1.5"),
    ({"layer_dims": [4, 3, 2], "keep_prob": 0.0}, r"keep_prob must be in \(0, 1\], got 0.0"),
])
def test_mlp_rejects_bad_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nndl.mlp(**kwargs)


def test_sequential_rejects_bad_config():
    with pytest.raises(ValueError, match="at least one layer"):
        nndl.Sequential([])
    with pytest.raises(TypeError, match="layer 1 is a str"):
        nndl.Sequential([nndl.Dense(2), "relu"])
    with pytest.raises(ValueError, match="dtype must be float32 or float64"):
        nndl.Sequential([nndl.Dense(2)], dtype=np.float16)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        nndl.Sequential([nndl.Dense(2)], loss="hinge")
    assert nndl.Sequential([nndl.Dense(2, "linear")]).loss == "mse"


# ------------------------------------------------------------------ inference
def test_predict_and_predict_proba_shapes(rng):
    X, y = blobs(rng, m=9)
    soft = nndl.mlp([4, 5, 3], seed=0)
    P = soft.predict_proba(X)
    assert P.shape == (3, 9)
    np.testing.assert_allclose(P.sum(axis=0), 1, rtol=1e-6)
    pred = soft.predict(X)
    assert pred.shape == (1, 9)
    np.testing.assert_array_equal(pred, P.argmax(axis=0).reshape(1, -1))
    np.testing.assert_array_equal(soft.predict_proba(X, batch_size=4), P)  # chunks give the same answer
    sig = nndl.mlp([4, 5, 1], output="sigmoid", seed=0)
    A = sig.predict_proba(X)
    assert A.shape == (1, 9)
    np.testing.assert_array_equal(sig.predict(X), (A > 0.5).astype(int))
    lin = nndl.mlp([4, 5, 2], output="linear", seed=0)
    assert lin.predict(X).shape == (2, 9)


def test_inference_is_deterministic_with_dropout_and_batch_norm(rng):
    X, y = blobs(rng, m=20)
    model = nndl.mlp([4, 6, 3], batch_norm=True, keep_prob=0.5, seed=0)
    model.fit(X, y, epochs=2, batch_size=5, verbose=0)
    np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(model.predict_proba(X[:, :3]), model.predict_proba(X)[:, :3])


def test_evaluate(rng):
    X, y = blobs(rng, m=15)
    model = nndl.mlp([4, 5, 3], seed=0, dtype=np.float64, lambd=0.5)
    result = model.evaluate(X, y, batch_size=4)
    A = model.predict_proba(X)
    Y = np.eye(3)[:, y]
    assert set(result) == {"cost", "accuracy"}
    assert result["cost"] == pytest.approx(categorical_cross_entropy(A, Y), rel=1e-12)  # no L2 term
    assert result["accuracy"] == pytest.approx(np.mean(A.argmax(axis=0) == y), rel=1e-15)
    reg = nndl.mlp([4, 2], output="linear", dtype=np.float64)
    r = reg.evaluate(X, X[:2])
    assert set(r) == {"cost"}
    assert r["cost"] == pytest.approx(np.sum((reg.predict(X) - X[:2]) ** 2) / (2 * 15), rel=1e-12)


def test_validation_data_is_logged(rng):
    X, y = blobs(rng, m=20)
    model = nndl.mlp([4, 5, 3], seed=0)
    h = model.fit(X, y, epochs=2, validation_data=(X[:, :10], y[:10]), verbose=0)
    assert set(h.history) == {"epoch", "cost", "accuracy", "val_cost", "val_accuracy", "lr"}
    assert h["val_cost"][-1] == pytest.approx(model.evaluate(X[:, :10], y[:10])["cost"], rel=1e-6)


def test_summary_contains_the_parameter_count():
    model = nndl.mlp([784, 128, 64, 10], batch_norm=True)
    n = 784 * 128 + 128 + 2 * 128 + 128 * 64 + 64 + 2 * 64 + 64 * 10 + 10
    assert model.n_params == n
    lines = []
    text = model.summary(print_fn=lines.append)
    assert lines == [text]
    assert f"Total params: {n:,}" in text and "(128, m)" in text and f"{784 * 128 + 128:,}" in text


def test_get_and_set_weights_round_trip(rng):
    X, y = blobs(rng, m=12)
    model = nndl.mlp([4, 5, 3], batch_norm=True, seed=0)
    model.fit(X, y, epochs=1, verbose=0)
    weights = model.get_weights()
    assert set(weights) == set(model.params) | set(model.state)
    before = model.predict_proba(X)
    model.params.vector[:] = 0
    model.set_weights(weights)
    np.testing.assert_array_equal(model.predict_proba(X), before)
    with pytest.raises(KeyError, match="'W7' is not a parameter"):
        model.set_weights({"W7": np.zeros(2)})
    with pytest.raises(ValueError, match="running_mean1 has shape"):
        model.set_weights({"running_mean1": np.zeros(3)})


def test_set_weights_writes_nothing_when_one_array_is_bad():
    model = nndl.mlp([4, 5, 3], batch_norm=True, seed=0)
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"W2 has shape \(3, 5\), got an array of shape \(5, 3\)"):
        model.set_weights({"W1": np.ones((5, 4)), "running_mean1": np.ones((5, 1)), "W2": np.ones((5, 3))})
    with pytest.raises(KeyError, match="'W7' is not a parameter of this model; it has W1, b1, .*running_var1"):
        model.set_weights({"b1": np.ones((5, 1)), "W7": np.zeros(2)})
    for k, v in model.get_weights().items():
        np.testing.assert_array_equal(v, before[k])


def test_softmax_output_probabilities_match_the_functional(rng):
    model = nndl.mlp([4, 3], dtype=np.float64, seed=0)
    X = rng.standard_normal((4, 5))
    Z = model.params["W1"] @ X + model.params["b1"]
    np.testing.assert_allclose(model.predict_proba(X), softmax(Z)[0], rtol=1e-14)
