"""Model files and checkpoints: round trips, bad files, atomic saves, exact resumption."""

from __future__ import annotations

import json
import os
import struct
import warnings

import numpy as np
import pytest

import nndl
from nndl.callbacks import Callback, ModelCheckpoint
from nndl.io import ModelFileError, load, load_checkpoint, read_file, save, save_checkpoint


@pytest.fixture
def data(rng):
    labels = np.arange(40) % 3
    X = rng.standard_normal((4, 3))[:, labels] * 2 + rng.standard_normal((4, 40))
    return X, labels


@pytest.fixture
def trained(data):
    X, y = data
    model = nndl.mlp([4, 6, 3], batch_norm=True, keep_prob=0.9, seed=0)
    model.fit(X, y, epochs=2, batch_size=8, optimizer="adam", learning_rate=0.01, verbose=0)
    return model


def test_save_load_round_trip(trained, data, tmp_path):
    X, _ = data
    path = tmp_path / "model.safetensors"
    trained.save(path)
    loaded = nndl.load(path)
    assert loaded.get_config() == trained.get_config()
    np.testing.assert_array_equal(loaded.predict_proba(X), trained.predict_proba(X))
    assert not np.any(trained.state["running_mean1"] == 0) and not np.any(trained.state["running_var1"] == 1)
    for k, v in trained.state.items():  # BatchNorm running statistics (trained, not initial) are kept
        np.testing.assert_array_equal(loaded.state[k], v)
    for k, v in trained.params.items():
        np.testing.assert_array_equal(loaded.params[k], v)
        assert np.shares_memory(loaded.params[k], loaded.params.vector)
    assert loaded.dtype == np.float32 and loaded.loss == trained.loss


def test_float64_and_logistic_regression_round_trip(tmp_path, rng):
    model = nndl.logistic_regression(3, dtype=np.float64)
    model.params["W1"] = [[0.1, -0.2, 0.3]]
    model.save(tmp_path / "lr.safetensors")
    loaded = load(tmp_path / "lr.safetensors")
    assert loaded.params.vector.dtype == np.float64
    np.testing.assert_array_equal(loaded.params["W1"], [[0.1, -0.2, 0.3]])


def test_file_is_plain_safetensors_with_architecture_metadata(trained, tmp_path):
    path = tmp_path / "m.safetensors"
    save(trained, path)
    from safetensors.numpy import load_file
    tensors = load_file(str(path))
    assert set(tensors) == set(trained.params) | set(trained.state)
    _, metadata = read_file(path)
    assert metadata["format"] == "nndl"
    assert json.loads(metadata["architecture"])["layers"][0]["class_name"] == "Dense"


def test_unbuilt_model_cannot_be_saved(tmp_path):
    with pytest.raises(ValueError, match="no weights yet"):
        nndl.Sequential([nndl.Dense(2)]).save(tmp_path / "x.safetensors")


# ------------------------------------------------------------------ bad files
def _write_header(path, header: object, payload: bytes = b""):
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + payload)


@pytest.fixture
def saved(trained, tmp_path):
    path = tmp_path / "good.safetensors"
    trained.save(path)
    return path


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ModelFileError, match="model file not found"):
        load(tmp_path / "nope.safetensors")
    with pytest.raises(ModelFileError, match="is a folder"):
        load(tmp_path)


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.safetensors"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(ModelFileError, match="not an nndl model file"):
        load(path)
    (tmp_path / "tiny").write_bytes(b"abc")
    with pytest.raises(ModelFileError, match="only 3 bytes"):
        load(tmp_path / "tiny")


@pytest.mark.parametrize("cut", [0.5, 0.98])
def test_truncated_file(saved, cut):
    data = saved.read_bytes()
    saved.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(ModelFileError, match="truncated"):
        load(saved)


def test_corrupt_header(saved):
    data = bytearray(saved.read_bytes())
    data[12:20] = b"\xff\xfe{{}}\x00\x01"
    saved.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="header is not JSON"):
        load(saved)


def test_corrupt_tensor_table(saved):
    tensors, metadata = read_file(saved)
    (header_len,) = struct.unpack("<Q", saved.read_bytes()[:8])
    header = json.loads(saved.read_bytes()[8:8 + header_len])
    header["W1"]["data_offsets"][1] += 10_000  # points past the end of the data
    _write_header(saved, header, saved.read_bytes()[8 + header_len:])
    with pytest.raises(ModelFileError, match="corrupt or truncated"):
        load(saved)


@pytest.mark.parametrize("header", [[1, 2, 3], "text", {"__metadata__": "text"},
                                    {"__metadata__": {"format": "nndl", "format_version": "x"}}])
def test_header_of_the_wrong_kind(tmp_path, header):
    path = tmp_path / "odd.safetensors"
    _write_header(path, header)
    with pytest.raises(ModelFileError, match="not an nndl model|format version"):
        load(path)


def test_foreign_safetensors_file(tmp_path):
    from safetensors.numpy import save_file
    path = tmp_path / "foreign.safetensors"
    save_file({"weight": np.zeros((2, 2), np.float32)}, str(path))
    with pytest.raises(ModelFileError, match="safetensors file but not an nndl model"):
        load(path)
    save_file({"weight": np.zeros((2, 2), np.float32)}, str(path), metadata={"format": "pt"})
    with pytest.raises(ModelFileError, match="not an nndl model"):
        load(path)


def _rewrite_metadata(path, **changes):
    (header_len,) = struct.unpack("<Q", path.read_bytes()[:8])
    header = json.loads(path.read_bytes()[8:8 + header_len])
    header["__metadata__"].update(changes)
    _write_header(path, header, path.read_bytes()[8 + header_len:])


def test_unknown_layer(saved):
    _, metadata = read_file(saved)
    arch = json.loads(metadata["architecture"])
    arch["layers"][1]["class_name"] = "Conv9D"
    _rewrite_metadata(saved, architecture=json.dumps(arch))
    with pytest.raises(ModelFileError, match="unknown layer 'Conv9D'.*known layers: Activation, (AvgPool2D, )?BatchNorm"):
        load(saved)


def test_architecture_that_does_not_match_the_weights(saved):
    _, metadata = read_file(saved)
    arch = json.loads(metadata["architecture"])
    arch["layers"][0]["config"]["units"] = 7
    _rewrite_metadata(saved, architecture=json.dumps(arch))
    with pytest.raises(ModelFileError, match=r"\w+ has shape \(\d+, \d+\), got (an array of shape )?\(\d+, \d+\)"):
        load(saved)
    arch["layers"][0]["config"]["colour"] = "red"
    _rewrite_metadata(saved, architecture=json.dumps(arch))
    with pytest.raises(ModelFileError, match="cannot be rebuilt"):
        load(saved)
    _rewrite_metadata(saved, architecture="{not json")
    with pytest.raises(ModelFileError, match="architecture metadata is missing or not JSON"):
        load(saved)


def test_architecture_of_the_wrong_json_kind(saved):
    _rewrite_metadata(saved, architecture=json.dumps([1, 2]))
    with pytest.raises(ModelFileError, match="architecture metadata is a JSON list, expected an object"):
        load(saved)
    _rewrite_metadata(saved, architecture=json.dumps({"class": "Sequential", "layers": [3], "input_shape": [4]}))
    with pytest.raises(ModelFileError, match="unknown layer None"):
        load(saved)


def test_load_with_extras_reads_model_and_extras_at_once(trained, data, tmp_path):
    path = tmp_path / "model.safetensors"
    save(trained, path, extra_metadata={"data": {"classes": ["a", "b", "c"]}},
         extra_tensors={"preprocess/mean": np.arange(4.0).reshape(4, 1)})
    model, meta, tensors = nndl.io.load_with_extras(path)
    assert (meta, set(tensors)) == (nndl.io.read_extras(path)[0], {"preprocess/mean"})
    assert meta["data"]["classes"] == ["a", "b", "c"]
    np.testing.assert_array_equal(tensors["preprocess/mean"], np.arange(4.0).reshape(4, 1))
    np.testing.assert_array_equal(model.predict_proba(data[0]), trained.predict_proba(data[0]))


def test_newer_format_version(saved):
    _rewrite_metadata(saved, format_version="99")
    with pytest.raises(ModelFileError, match="newer nndl"):
        load(saved)


def test_checkpoint_with_corrupt_training_state(trained, tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(trained, path, epoch=2)
    _rewrite_metadata(path, checkpoint="{not json")
    with pytest.raises(ModelFileError, match="training state is incomplete or corrupt"):
        load_checkpoint(path)
    _rewrite_metadata(path, checkpoint=json.dumps({"epoch": 2}))
    with pytest.raises(ModelFileError, match="training state is incomplete or corrupt: the optimizer entry"):
        load_checkpoint(path)


def test_checkpoint_optimizer_state_of_the_wrong_shape(trained):
    opt = nndl.Adam()
    arrays = {k: v.copy() for k, v in trained.optimizer.state_arrays().items()}
    arrays["v.dW1"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"optimizer state v.dW1 has shape \(3,\), expected \(6, 4\)"):
        opt.load_state_arrays(arrays, trained.grads, t=1)
    arrays["v.dW1"], arrays["m.dW9"] = trained.optimizer.state_arrays()["v.dW1"], np.zeros(3)
    with pytest.raises(KeyError, match="'m.dW9' is not one of Adam's for these parameters: v.dW1, "):
        opt.load_state_arrays(arrays, trained.grads, t=1)


def test_model_file_is_not_a_checkpoint(saved):
    with pytest.raises(ModelFileError, match="not a checkpoint"):
        load_checkpoint(saved)


# ------------------------------------------------------------------ atomic writes
def test_interrupted_save_keeps_the_previous_file(trained, data, tmp_path, monkeypatch):
    X, y = data
    path = tmp_path / "model.safetensors"
    trained.save(path)
    before = path.read_bytes()
    trained.fit(X, y, epochs=3, verbose=0)  # new weights

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        trained.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]


def test_interrupted_write_leaves_no_temp_file(trained, tmp_path, monkeypatch):
    import nndl.io
    path = tmp_path / "model.safetensors"

    def boom(tensors, metadata):
        raise KeyboardInterrupt

    trained.save(path)
    monkeypatch.setattr(nndl.io, "_serialize", boom)
    with pytest.raises(KeyboardInterrupt):
        trained.save(path)
    monkeypatch.undo()

    real_fsync = os.fsync

    def fail_fsync(fd):
        real_fsync(fd)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", fail_fsync)
    with pytest.raises(KeyboardInterrupt):
        trained.save(path)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]
    nndl.load(path)


# ------------------------------------------------------------------ checkpoints
def test_checkpoint_round_trip(trained, tmp_path):
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(trained, path, epoch=2)
    restored = load_checkpoint(path)
    assert restored.epochs_done == 2
    assert restored.history.history == trained.history.history
    assert restored.rng.bit_generator.state == trained.rng.bit_generator.state
    opt, ropt = trained.optimizer, restored.optimizer
    assert type(ropt) is type(opt) and ropt.t == opt.t and ropt.get_config() == opt.get_config()
    assert set(ropt.state_arrays()) == set(opt.state_arrays()) == {f"{s}.d{k}" for s in "vs" for k in trained.params}
    for k, v in opt.state_arrays().items():
        np.testing.assert_array_equal(ropt.state_arrays()[k], v)
    assert isinstance(ropt.state["v"], nndl.FlatParams)  # the fast flat update still applies
    np.testing.assert_array_equal(restored.params.vector, trained.params.vector)
    assert restored.learning_rate0 == trained.learning_rate0
    nndl.load(path)  # a checkpoint is also a model file


@pytest.mark.parametrize("optimizer, schedule", [("adam", None), ("momentum", "exponential:decay_rate=0.8"),
                                                 ("gd", "step:drop=0.5,every=2")])
def test_resumed_fit_reproduces_an_uninterrupted_run(optimizer, schedule, data, tmp_path):
    X, y = data
    kwargs = dict(batch_size=8, optimizer=optimizer, learning_rate=0.05, seed=7, verbose=0,
                  validation_data=(X[:, :10], y[:10]))

    def fresh():
        return nndl.mlp([4, 5, 3], batch_norm=True, keep_prob=0.8, seed=1)

    full = fresh()
    full.fit(X, y, epochs=6, lr_schedule=schedule, **kwargs)

    path = tmp_path / "ckpt.safetensors"
    first = fresh()
    first.fit(X, y, epochs=3, lr_schedule=schedule, callbacks=[ModelCheckpoint(path)], **kwargs)
    resumed = load_checkpoint(path)
    resumed.fit(X, y, epochs=3, lr_schedule=schedule, batch_size=8, verbose=0, validation_data=(X[:, :10], y[:10]))
    assert resumed.history.history == full.history.history
    np.testing.assert_array_equal(resumed.params.vector, full.params.vector)
    for k in full.state:
        np.testing.assert_array_equal(resumed.state[k], full.state[k])


def test_last_good_checkpoint_survives_divergence(data, tmp_path):
    X, y = data

    class Explode(Callback):
        def on_epoch_begin(self, epoch, model):
            if epoch == 2:
                model.optimizer.learning_rate = 1e30

    path = tmp_path / "ckpt.safetensors"
    model = nndl.mlp([4, 5, 3], seed=0)
    with warnings.catch_warnings(), pytest.raises(nndl.TrainingDiverged, match="epoch 3"):
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(X, y, epochs=5, batch_size=8, callbacks=[Explode(), ModelCheckpoint(path)], verbose=0)
    restored = load_checkpoint(path)
    assert restored.epochs_done == 2 and np.isfinite(restored.params.vector).all()
    assert np.isfinite(restored.predict_proba(X)).all()


def test_saved_model_files_are_readable_like_ordinary_files(tmp_path):
    import os
    model = nndl.mlp([3, 2])
    path = tmp_path / "m.safetensors"
    old = os.umask(0o022)
    try:
        model.save(path)
    finally:
        os.umask(old)
    assert (path.stat().st_mode & 0o777) == 0o644
