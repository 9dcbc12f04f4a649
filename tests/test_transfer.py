"""Transfer learning: kept layers copied and frozen, a new head trained alone, then fine-tuned."""

import numpy as np
import pytest

import nndl
from nndl.datasets.registry import load_dataset
from nndl.layers import Dense
from nndl.transfer import fine_tune, freeze_layers, n_frozen_layers, transfer


@pytest.fixture(scope="module")
def digits_split():
    d = load_dataset("digits", seed=0)
    X = np.concatenate([d.X_train, d.X_dev], 1)
    Y = np.concatenate([d.Y_train, d.Y_dev], 1)[0]
    old = Y < 5
    source = nndl.mlp([64, 32, 32, 5], seed=1)
    source.fit(X[:, old], Y[old], epochs=30, batch_size=32, optimizer="adam", learning_rate=0.003, verbose=0)
    rng = np.random.default_rng(0)
    few = np.concatenate([rng.choice(np.flatnonzero(Y == c), 5, replace=False) for c in range(5, 10)])
    new_test = d.Y_test[0] >= 5
    return source, X[:, few], Y[few] - 5, d.X_test[:, new_test], d.Y_test[0][new_test] - 5


def test_transfer_copies_and_freezes_the_kept_layers(digits_split):
    source, *_ = digits_split
    before = source.get_weights()
    model = transfer(source, 2, 5, seed=3)
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Dense", "Dense"]
    assert model.layers[-1].units == 5 and model.loss == "categorical_crossentropy"
    for k in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(model.params[k], source.params[k])
        assert model.params[k] is not source.params[k]
    assert model.params.frozen == {"W1", "b1", "W2", "b2"} and n_frozen_layers(model) == 2
    model.params["W1"][...] = 0  # the copy is independent of the source
    for k, v in before.items():
        np.testing.assert_array_equal(source.get_weights()[k], v)


def test_head_phase_leaves_frozen_weights_and_fine_tuning_changes_them(digits_split):
    source, Xs, Ys, *_ = digits_split
    model = transfer(source, 2, 5, seed=0)
    start = model.get_weights()
    model.fit(Xs, Ys, epochs=20, batch_size=None, optimizer="adam", learning_rate=0.01, verbose=0)
    after_head = model.get_weights()
    for k in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(after_head[k], start[k])
    assert not np.allclose(after_head["W3"], start["W3"])
    layers_before = list(model.layers)
    freeze_layers(model, 0)
    model.fit(Xs, Ys, epochs=5, batch_size=None, optimizer="adam", learning_rate=0.001, verbose=0)
    assert model.layers == layers_before and model.params.frozen == set()  # the same model, not rebuilt
    for k in ("W1", "W2"):
        assert not np.allclose(model.params[k], after_head[k])


def test_fine_tune_runs_both_phases_and_numbers_epochs_on(digits_split):
    source, Xs, Ys, Xt, Yt = digits_split
    model = transfer(source, 2, 5, seed=0)
    frozen_W1 = model.params["W1"].copy()
    history = fine_tune(model, Xs, Ys, head_epochs=60, tune_epochs=10, learning_rate=0.01,
                        batch_size=None, verbose=0)
    assert len(history.history["cost"]) == 70 and model.epochs_done == 70
    assert model.optimizer.learning_rate == pytest.approx(0.001)
    assert not np.array_equal(model.params["W1"], frozen_W1)
    # 25 labelled examples of new classes: the frozen features carry them far above chance (20%).
    assert model.evaluate(Xt, Yt)["accuracy"] > 0.5  # 0.69 measured


def test_frozen_state_survives_save_and_load(tmp_path, digits_split):
    source, *_ = digits_split
    path = tmp_path / "source.safetensors"
    source.save(path)
    model = transfer(str(path), 1, [Dense(16, "relu"), Dense(5, "softmax")], seed=0)
    np.testing.assert_array_equal(model.params["W1"], source.params["W1"])
    model.save(tmp_path / "tl.safetensors")
    loaded = nndl.load(tmp_path / "tl.safetensors")
    assert loaded.params.frozen == {"W1", "b1"} and n_frozen_layers(loaded) == 1
    for k, v in model.get_weights().items():
        np.testing.assert_array_equal(loaded.get_weights()[k], v)


def test_bad_arguments_are_refused(digits_split):
    source, *_ = digits_split
    with pytest.raises(ValueError, match="keep must be an integer from 1 to 3"):
        transfer(source, 4, 5)
    with pytest.raises(ValueError, match="keep must be"):
        transfer(source, 0, 5)
    with pytest.raises(TypeError, match="head must be"):
        transfer(source, 1, "softmax")
    with pytest.raises(ValueError, match="unbuilt"):
        transfer(source, 1, source.layers[-1])
    with pytest.raises(TypeError, match="built Sequential"):
        transfer(nndl.Sequential([Dense(2)]), 1, 2)
    with pytest.raises(ValueError, match="first must be"):
        freeze_layers(source, 9)


def test_transfer_beats_training_from_scratch_on_few_shifted_examples():
    """Pretrained on clean digits, transferred to a rotated, noisy copy with 3 labelled images
    per class: the kept layers give better test accuracy than the same network trained from
    scratch on those 30 images (over seeds 0–7 the gap was 6 to 23 points, mean 16)."""
    from nndl.datasets.shift import shifted_copy
    d = load_dataset("digits", seed=0)
    source = nndl.mlp([64, 32, 32, 10], seed=1)
    source.fit(d.X_train, d.Y_train, epochs=40, batch_size=32, optimizer="adam", learning_rate=0.003, verbose=0)
    rng = np.random.default_rng(5)
    X_new, X_test = (shifted_copy(X, (8, 8), 20, 0.15, rng=rng) for X in (d.X_dev, d.X_test))
    Y_new, Y_test = d.Y_dev[0], d.Y_test[0]
    gaps = []
    for seed in (0, 1):
        pick = np.random.default_rng(seed)
        few = np.concatenate([pick.choice(np.flatnonzero(Y_new == c), 3, replace=False) for c in range(10)])
        model = transfer(source, 2, 10, seed=seed)
        fine_tune(model, X_new[:, few], Y_new[few], head_epochs=60, tune_epochs=10, learning_rate=0.01,
                  batch_size=None, verbose=0)
        scratch = nndl.mlp([64, 32, 32, 10], seed=seed)
        scratch.fit(X_new[:, few], Y_new[few], epochs=70, batch_size=None, optimizer="adam", learning_rate=0.01,
                    verbose=0)
        gaps.append(model.evaluate(X_test, Y_test)["accuracy"] - scratch.evaluate(X_test, Y_test)["accuracy"])
    assert min(gaps) > 0.05, gaps
