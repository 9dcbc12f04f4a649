"""Callbacks: EarlyStopping, CSVLogger, LearningRateScheduler, History, ModelCheckpoint."""

from __future__ import annotations

import csv

import numpy as np
import pytest

import nndl
from nndl.callbacks import Callback, CSVLogger, EarlyStopping, History, LearningRateScheduler, ModelCheckpoint


class Scripted(Callback):
    """Replaces logs[key] with scripted values, to drive a monitor exactly."""

    def __init__(self, key, values):
        self.key, self.values = key, values

    def on_epoch_end(self, epoch, logs, model):
        logs[self.key] = self.values[epoch]


@pytest.fixture
def data(rng):
    labels = np.arange(30) % 3
    X = rng.standard_normal((4, 3))[:, labels] * 2 + rng.standard_normal((4, 30))
    return X, labels


class WeightsAtEpochEnd(Callback):
    def __init__(self):
        self.vectors = []

    def on_epoch_end(self, epoch, logs, model):
        self.vectors.append(model.params.vector.copy())


def test_early_stopping_stops_after_patience_and_restores_best(data):
    X, y = data
    # the monitored value improves until epoch 2, then gets worse
    scripted = Scripted("val_cost", [5.0, 4.0, 3.0, 3.5, 3.2, 4.0, 5.0, 6.0, 7.0, 8.0])
    weights = WeightsAtEpochEnd()
    stop = EarlyStopping(monitor="val_cost", patience=2)
    model = nndl.mlp([4, 5, 3], seed=0)
    history = model.fit(X, y, epochs=10, validation_data=(X, y), callbacks=[scripted, weights, stop], verbose=0)
    assert stop.best == 3.0 and stop.best_epoch == 2
    assert stop.stopped_epoch == 4 and model.epochs_done == 5  # epochs 3 and 4 did not improve
    assert len(history) == 5
    np.testing.assert_array_equal(model.params.vector, weights.vectors[2])
    assert not np.array_equal(weights.vectors[4], weights.vectors[2])


def test_early_stopping_patience_zero_and_min_delta(data):
    X, y = data
    scripted = Scripted("val_cost", [5.0, 4.95, 4.0, 3.99, 3.0, 2.0])
    stop = EarlyStopping(patience=0, min_delta=0.1)
    model = nndl.mlp([4, 5, 3], seed=0)
    model.fit(X, y, epochs=6, validation_data=(X, y), callbacks=[scripted, stop], verbose=0)
    assert stop.stopped_epoch == 1 and stop.best_epoch == 0  # 4.95 is not better by 0.1


def test_early_stopping_on_accuracy_maximizes(data):
    X, y = data
    scripted = Scripted("val_accuracy", [0.5, 0.7, 0.6, 0.6, 0.9])
    stop = EarlyStopping(monitor="val_accuracy", patience=1, restore_best_weights=False)
    weights = WeightsAtEpochEnd()
    model = nndl.mlp([4, 5, 3], seed=0)
    model.fit(X, y, epochs=5, validation_data=(X, y), callbacks=[scripted, weights, stop], verbose=0)
    assert stop.mode == "max" and stop.best == 0.7 and stop.stopped_epoch == 2
    np.testing.assert_array_equal(model.params.vector, weights.vectors[-1])  # not restored


def test_early_stopping_needs_the_monitored_value(data):
    X, y = data
    with pytest.raises(ValueError, match="monitors 'val_cost'.*pass validation_data"):
        nndl.mlp([4, 5, 3]).fit(X, y, epochs=2, callbacks=[EarlyStopping()], verbose=0)
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)


def test_early_stopping_restores_batch_norm_statistics(data):
    X, y = data
    scripted = Scripted("val_cost", [1.0, 2.0, 3.0, 4.0])
    model = nndl.mlp([4, 5, 3], batch_norm=True, seed=0)
    stop = EarlyStopping(patience=1)

    class Snapshot(Callback):
        def on_epoch_end(self, epoch, logs, model):
            if epoch == 0:
                self.state = {k: v.copy() for k, v in model.state.items()}

    snap = Snapshot()
    model.fit(X, y, epochs=4, batch_size=10, validation_data=(X, y), callbacks=[scripted, snap, stop], verbose=0)
    for k, v in snap.state.items():
        np.testing.assert_array_equal(model.state[k], v)


def test_csv_logger_rows(data, tmp_path):
    X, y = data
    path = tmp_path / "log.csv"
    model = nndl.mlp([4, 5, 3], seed=0)
    history = model.fit(X, y, epochs=3, learning_rate=0.05, validation_data=(X, y),
                        callbacks=[CSVLogger(path)], verbose=0)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "cost", "accuracy", "val_cost", "val_accuracy", "lr"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for i, r in enumerate(rows):
        for key in ("cost", "accuracy", "val_cost", "val_accuracy", "lr"):
            assert float(r[key]) == pytest.approx(history[key][i], rel=1e-12)
    # a second run overwrites; append=True adds rows under the same header
    model.fit(X, y, epochs=2, callbacks=[CSVLogger(path, append=True)], verbose=0)  # epochs 3 and 4
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2, 3, 4] and rows[-1]["val_cost"] == ""
    nndl.mlp([4, 5, 3]).fit(X, y, epochs=1, callbacks=[CSVLogger(path)], verbose=0)
    with open(path, newline="") as f:
        assert len(list(csv.DictReader(f))) == 1


def test_learning_rate_scheduler_sets_the_rate(data):
    X, y = data
    seen = []

    class Spy(Callback):
        def on_epoch_begin(self, epoch, model):
            seen.append(model.optimizer.learning_rate)

    model = nndl.mlp([4, 5, 3], seed=0)
    schedule = LearningRateScheduler("inverse_time:decay_rate=1")
    history = model.fit(X, y, epochs=4, learning_rate=0.2, callbacks=[schedule, Spy()], verbose=0)
    expected = [0.2 / (1 + e) for e in range(4)]
    assert seen == pytest.approx(expected, rel=1e-15)
    assert history["lr"] == pytest.approx(expected, rel=1e-15)


def test_lr_schedule_argument_and_resumed_decay(data):
    """fit(lr_schedule=…) decays from the rate training started with, also in a second fit."""
    X, y = data
    model = nndl.mlp([4, 5, 3], seed=0)
    halve = "exponential:decay_rate=0.5"
    model.fit(X, y, epochs=2, learning_rate=0.1, optimizer="momentum", lr_schedule=halve, verbose=0)
    model.fit(X, y, epochs=2, lr_schedule=halve, verbose=0)       # two more epochs: 3rd and 4th
    assert model.history["epoch"] == [0, 1, 2, 3]
    assert model.history["lr"] == pytest.approx([0.1, 0.05, 0.025, 0.0125], rel=1e-15)


def test_a_bare_cosine_decays_over_the_epochs_fit_ends_at(data):
    X, y = data
    model = nndl.mlp([4, 5, 3], seed=0)
    model.fit(X, y, epochs=4, learning_rate=0.1, lr_schedule="cosine", verbose=0)
    assert model.history["lr"] == pytest.approx([0.1 * (1 + np.cos(np.pi * e / 4)) / 2 for e in range(4)])
    fixed = nndl.mlp([4, 5, 3], seed=0)
    fixed.fit(X, y, epochs=4, learning_rate=0.1, lr_schedule="cosine:total_epochs=8", verbose=0)
    assert fixed.history["lr"][2] == pytest.approx(0.1 * (1 + np.cos(np.pi * 2 / 8)) / 2)


def test_schedule_changes_training(data):
    X, y = data
    a = nndl.mlp([4, 5, 3], seed=0)
    b = nndl.mlp([4, 5, 3], seed=0)
    a.fit(X, y, epochs=3, learning_rate=0.1, verbose=0)
    b.fit(X, y, epochs=3, learning_rate=0.1, lr_schedule="step:drop=0.1,every=1", verbose=0)
    assert a.history["cost"][0] == b.history["cost"][0] and a.history["cost"][2] != b.history["cost"][2]


def test_history_rows_and_csv(tmp_path):
    h = History()
    h.on_epoch_end(0, {"cost": 1.0, "lr": 0.1}, None)
    h.on_epoch_end(1, {"cost": 0.5, "lr": 0.1}, None)
    assert len(h) == 2 and h["cost"] == [1.0, 0.5]
    assert h.to_rows() == [{"epoch": 0, "cost": 1.0, "lr": 0.1}, {"epoch": 1, "cost": 0.5, "lr": 0.1}]
    h.write_csv(tmp_path / "h.csv")
    with open(tmp_path / "h.csv", newline="") as f:
        assert list(csv.DictReader(f))[1] == {"epoch": "1", "cost": "0.5", "lr": "0.1"}
    assert [p.name for p in tmp_path.iterdir()] == ["h.csv"]


def test_model_checkpoint_every_n_epochs(data, tmp_path):
    X, y = data
    path = tmp_path / "ckpt.safetensors"
    model = nndl.mlp([4, 5, 3], seed=0)
    model.fit(X, y, epochs=5, optimizer="adam", callbacks=[ModelCheckpoint(path, every=2)], verbose=0)
    from nndl.io import load_checkpoint
    assert load_checkpoint(path).epochs_done == 4
    with pytest.raises(ValueError, match="checkpoint interval"):
        ModelCheckpoint(path, every=0)


@pytest.mark.parametrize("monitor, mode", [("val_cost", "min"), ("cost", "min"), ("val_token_cost", "min"),
                                           ("val_accuracy", "max"), ("val_mAP", "max"),
                                           ("val_exact_match", "max"), ("val_macro_f1", "max")])
def test_early_stopping_knows_which_way_each_metric_improves(monitor, mode):
    assert EarlyStopping(monitor).mode == mode
    assert EarlyStopping(monitor, mode="min").mode == "min"


def test_early_stopping_refuses_an_unknown_mode():
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping("val_mAP", mode="up")
