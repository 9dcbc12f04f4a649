"""Hostile and faulty inputs: no NaN reported as a result, one line instead of a traceback,
the cause named, nothing silently wrong, no endless run. One test (or a few) per class."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from safetensors.numpy import save_file

import nndl
from nndl.callbacks import EarlyStopping, ModelCheckpoint
from nndl.cli import main
from nndl.datasets.idx import write_idx
from nndl.datasets.mnist import FILES, load_mnist
from nndl.gradcheck import gradcheck, relative_difference
from nndl.io import ModelFileError, load, load_checkpoint, read_file, save, save_checkpoint


def rewrite(path, *, tensors=None, **metadata):
    """Rewrite a model file with changed tensors and metadata entries (JSON-encoded)."""
    old_tensors, old_meta = read_file(path)
    meta = {**old_meta, **{k: v if isinstance(v, str) else json.dumps(v) for k, v in metadata.items()}}
    save_file({**old_tensors, **(tensors or {})}, str(path), metadata=meta)


def one_line_error(capsys, *words):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err, err
    return err


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("rel") / "run"
    assert main(["train", "--out", str(out), "--epochs", "3", "--layers", "64,8,10", "--no-progress",
                 "--no-plots", "--json"]) == 0
    return out


@pytest.fixture
def copy_of(run, tmp_path):
    def copy(name="model.safetensors"):
        path = tmp_path / name
        path.write_bytes((run / name).read_bytes())
        return path
    return copy


@pytest.fixture
def data(rng):
    labels = np.arange(40) % 3
    return rng.standard_normal((4, 40)) + labels, labels


# ---------------------------------------------------------------- NaN never reported as success
def test_relative_difference_of_nan_is_nan_not_zero():
    assert math.isnan(relative_difference(np.array([np.nan, 1.0]), np.array([np.nan, 1.0])))
    assert relative_difference(np.zeros(3), np.zeros(3)) == 0.0


def test_gradcheck_with_nan_weights_fails(data):
    X, y = data
    model = nndl.mlp([4, 5, 3], hidden="tanh", seed=0, dtype=np.float64)
    model.params["W1"][0, 0] = np.nan
    result = gradcheck(model, X, y)
    assert not result.passed and math.isnan(result.difference)
    assert "FAILED" in str(result) and result.worst_parameter == "W1"


@pytest.mark.parametrize("eps", ["nan", "0", "-1e-7", "inf"])
def test_gradcheck_refuses_a_bad_epsilon(eps, capsys):
    assert main(["gradcheck", f"--epsilon={eps}"]) == 2
    one_line_error(capsys, "epsilon must be")
    with pytest.raises(ValueError, match="epsilon must be"):
        gradcheck(nndl.mlp([2, 2], seed=0), np.ones((2, 3)), [0, 1, 0], epsilon=float(eps))


def test_non_finite_weights_are_refused_at_load(copy_of, capsys):
    path = copy_of()
    W1 = read_file(path)[0]["W1"].copy()
    W1[3, 5] = np.nan
    rewrite(path, tensors={"W1": W1})
    with pytest.raises(ModelFileError, match="W1 hold 1 NaN/Inf"):
        load(path)
    assert main(["evaluate", str(path)]) == 2
    one_line_error(capsys, "NaN/Inf")


def test_outputs_that_overflow_are_an_error_not_nan(copy_of, tmp_path, capsys):
    path = copy_of()
    W1 = np.full_like(read_file(path)[0]["W1"], 1e38)
    rewrite(path, tensors={"W1": W1})
    model = load(path)
    X = np.ones((64, 3))
    for f in (model.predict_proba, model.predict, lambda X: model.evaluate(X, [0, 1, 2])):
        with pytest.raises(ValueError, match="overflowed to NaN/Inf for 3 of 3 example"):
            f(X)
    csv = tmp_path / "x.csv"
    csv.write_text(",".join(["1e308"] * 64) + "\n")
    assert main(["predict", str(copy_of("model.safetensors")), str(csv)]) == 2  # 1e308 overflows float32
    one_line_error(capsys, "beyond the range")


# ---------------------------------------------------------------- one line, not a traceback
def test_absurd_layer_sizes_are_refused_before_allocation(capsys):
    with pytest.raises(ValueError, match="memory"):
        nndl.mlp([64, 1_000_000_000, 10])
    assert main(["train", "--layers", "64,1000000000,10", "--out", "/nonexistent/never"]) == 2
    one_line_error(capsys, "memory")


def test_a_small_file_claiming_a_huge_layer_is_refused_before_allocation(copy_of):
    path = copy_of()
    _, meta = read_file(path)
    arch = json.loads(meta["architecture"])
    arch["input_shape"] = [1_000_000]
    arch["layers"][0]["config"]["units"] = 1_000_000
    rewrite(path, architecture=json.dumps(arch))
    with pytest.raises(ModelFileError, match="only .* of weights: the sizes in the file do not match"):
        load(path)


def test_a_device_is_not_read_as_a_model_file(capsys):
    with pytest.raises(ModelFileError, match="not a regular file"):
        read_file("/dev/zero")
    assert main(["evaluate", "/dev/zero"]) == 2
    one_line_error(capsys, "not a regular file")


def test_a_broken_pipe_is_one_line_and_exit_141(run, tmp_path, monkeypatch, capsys):
    csv = tmp_path / "x.csv"
    np.savetxt(csv, np.zeros((5, 64)), delimiter=",")

    class ClosedPipe:
        def write(self, s):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert main(["predict", str(run / "model.safetensors"), str(csv)]) == 141
    one_line_error(capsys, "broken pipe")


def test_memory_error_is_one_line(monkeypatch, capsys):
    def no_memory(*a, **k):
        raise MemoryError()
    monkeypatch.setattr("nndl.models.mlp", no_memory)
    assert main(["gradcheck"]) == 2
    one_line_error(capsys, "not enough memory")


@pytest.mark.parametrize("key, value, message", [
    ("epochs", "3", "'epochs' must be int"), ("lr", None, "'lr' must be number"), ("batch_norm", 1, "must be bool"),
    ("hidden_default", [16, 2.5], "'hidden_default'"), ("optimizer", "sgd9", "must be one of"),
    ("lambd", float("nan"), "--lambd must be a finite number")])
def test_resume_checks_config_json_types(run, tmp_path, key, value, message, capsys):
    resumed = tmp_path / "run"
    resumed.mkdir()
    for name in ("config.json", "checkpoint.safetensors"):
        (resumed / name).write_bytes((run / name).read_bytes())
    cfg = json.loads((run / "config.json").read_text())
    cfg[key] = value
    (resumed / "config.json").write_text(json.dumps(cfg))
    assert main(["train", "--resume", str(resumed), "--epochs", "5", "--no-progress", "--no-plots"]) == 2
    one_line_error(capsys, message)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(classes=["0", "1"]), "class list must name 10 classes"),
    (lambda d: d["preprocessing"].update(divide_by="16"), "divide_by must be a positive number"),
    (lambda d: d["preprocessing"].update(divide_by=0), "divide_by must be a positive number"),
    (lambda d: d.update(image_shape="abc"), "image_shape must be positive integers"),
    (lambda d: d.update(image_shape=[8, 7]), "image_shape must be positive integers"),
    (lambda d: d.update(preprocessing={"kind": "magic"}), "preprocessing kind"),
])
def test_model_metadata_is_validated_before_use(copy_of, tmp_path, change, message, capsys):
    path = copy_of()
    data = json.loads(read_file(path)[1]["data"])
    change(data)
    rewrite(path, data=data)
    csv = tmp_path / "x.csv"
    np.savetxt(csv, np.ones((2, 64)), delimiter=",")
    assert main(["predict", str(path), str(csv)]) == 2
    one_line_error(capsys, message, "damaged or was edited")


def test_an_image_bomb_header_is_refused(run, tmp_path, capsys):
    PIL = pytest.importorskip("PIL.Image")
    import struct
    import zlib
    png = tmp_path / "bomb.png"
    PIL.new("L", (8, 8)).save(png)
    data = bytearray(png.read_bytes())  # claim 100000 x 100000 pixels in the IHDR chunk
    data[16:24] = struct.pack(">II", 100_000, 100_000)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    png.write_bytes(bytes(data))
    assert main(["predict", str(run / "model.safetensors"), str(png)]) == 2
    one_line_error(capsys, "bomb.png")


# ---------------------------------------------------------------- the cause named
@pytest.mark.parametrize("flag, value", [("--lambd", "nan"), ("--lambd", "inf"), ("--clip-value", "nan"),
                                         ("--clip-norm", "nan"), ("--lr", "inf"), ("--beta", "nan"),
                                         ("--keep-prob", "nan")])
def test_hyperparameters_are_checked_up_front(tmp_path, flag, value, capsys):
    assert main(["train", "--out", str(tmp_path / "r"), flag, value, "--no-progress", "--no-plots"]) == 2
    err = one_line_error(capsys, flag)
    assert "diverged" not in err
    assert not (tmp_path / "r").exists()


def test_api_hyperparameters_are_checked(data):
    X, y = data
    with pytest.raises(ValueError, match="lambd must be a finite number"):
        nndl.mlp([4, 3], lambd=float("nan"))
    model = nndl.mlp([4, 3], seed=0)
    for kw in ({"clip_value": float("nan")}, {"clip_norm": float("nan")}, {"clip_norm": -1.0}):
        with pytest.raises(ValueError, match="clip_"):
            model.fit(X, y, epochs=1, verbose=0, **kw)


def test_inputs_beyond_the_dtype_are_named(data):
    X, y = data
    X = X.copy()
    X[0, 0] = 1e39
    with pytest.raises(ValueError, match="X holds values up to 1e\\+39, beyond the range of the model's float32"):
        nndl.mlp([4, 3], seed=0).fit(X, y, epochs=1, verbose=0)


# ---------------------------------------------------------------- nothing silently wrong
def test_batch_norm_with_batches_of_one_is_refused(data, capsys):
    X, y = data
    with pytest.raises(ValueError, match="BatchNorm needs mini-batches of at least 2"):
        nndl.mlp([4, 5, 3], batch_norm=True, seed=0).fit(X, y, epochs=1, batch_size=1, verbose=0)
    assert main(["train", "--batch-norm", "--batch-size", "1", "--out", "/nonexistent/x"]) == 2
    one_line_error(capsys, "--batch-norm needs mini-batches")


def test_one_hot_labels_are_verified(data):
    X, y = data
    Y = np.eye(3)[:, y]
    Y[:, 0] = [0.0, 2.0, -1.0]
    model = nndl.mlp([4, 3], seed=0)
    with pytest.raises(ValueError, match="one-hot Y must hold only 0 and 1"):
        model.fit(X, Y, epochs=1, verbose=0)
    Y[:, 0] = [1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="exactly one 1 per column, column 0 has 2"):
        model.evaluate(X, Y)


@pytest.mark.parametrize("dims", [[64, 2.7, 10], [64, True, 10], [64, "16", 10], [64, 0, 10]])
def test_layer_sizes_must_be_positive_integers(dims):
    with pytest.raises(ValueError, match="layer_dims must be positive integers"):
        nndl.mlp(dims)


def test_initial_epoch_beyond_epochs_is_an_error_not_a_silent_no_op(data):
    X, y = data
    model = nndl.mlp([4, 3], seed=0)
    with pytest.raises(ValueError, match="epochs is the total to reach, so epochs=2 trains nothing"):
        model.fit(X, y, epochs=2, initial_epoch=5, verbose=0)
    model.fit(X, y, epochs=7, initial_epoch=5, verbose=0)
    assert model.history["epoch"] == [5, 6]


def test_masked_and_complex_inputs_are_refused(data, tmp_path, run, capsys):
    X, y = data
    model = nndl.mlp([4, 3], seed=0)
    masked = np.ma.masked_array(X, mask=np.zeros_like(X, dtype=bool))
    masked.mask[1, 2] = True
    with pytest.raises(ValueError, match="masked array with 1 masked value"):
        model.fit(masked, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="complex numbers"):
        model.predict(X + 1j)
    with pytest.raises(ValueError, match="complex numbers"):
        gradcheck(nndl.mlp([4, 3], seed=0), X + 1j, y)
    npy = tmp_path / "x.npy"
    np.save(npy, np.ones((2, 64)) + 1j)
    assert main(["predict", str(run / "model.safetensors"), str(npy)]) == 2
    one_line_error(capsys, "complex numbers")


def test_data_dir_missing_a_file_fails_instead_of_using_another_copy(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), rng.integers(0, 10, 6, dtype=np.uint8)] * 2
    for folder in ("full", "partial"):
        for name, a in zip(FILES, arrays):
            write_idx(tmp_path / folder / name, a)
    (tmp_path / "partial" / FILES[3]).unlink()
    monkeypatch.setenv("NNDL_DATA", str(tmp_path / "full"))
    assert load_mnist(download=False)[0].shape == (784, 6)  # found through $NNDL_DATA without data_dir
    with pytest.raises(FileNotFoundError, match=f"partial lacks {FILES[3]}"):
        load_mnist(data_dir=tmp_path / "partial", download=False, cache_dir=tmp_path / "cache")
    with pytest.raises(FileNotFoundError, match="not found in data_dir"):
        load_mnist(data_dir=tmp_path / "empty", download=False, cache_dir=tmp_path / "cache")


def test_predict_on_a_checkpoint_applies_the_preprocessing(run, tmp_path, capsys, copy_of):
    csv = tmp_path / "x.csv"
    np.savetxt(csv, np.random.default_rng(0).integers(0, 17, (4, 64)), delimiter=",")
    outputs = []
    for name in ("model.safetensors", "checkpoint.safetensors"):  # same weights after the last epoch
        assert main(["predict", str(run / name), str(csv), "--json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    old_style = copy_of("checkpoint.safetensors")  # a checkpoint without the preprocessing record
    tensors, meta = read_file(old_style)
    meta.pop("data")
    save_file({k: v for k, v in tensors.items() if not k.startswith("preprocess/")}, str(old_style), metadata=meta)
    assert main(["predict", str(old_style), str(csv)]) == 2
    one_line_error(capsys, "without the dataset's input preprocessing")


def test_resumed_early_stopping_reproduces_the_uninterrupted_run(data, tmp_path):
    X, y = data
    val = (X[:, :20], y[:20])

    def fresh():
        return nndl.mlp([4, 6, 3], seed=0)

    def stopper():  # the first epoch stays best: stops after epoch index 4 and restores epoch 0
        return EarlyStopping(patience=4, min_delta=1e9)

    whole = fresh()
    whole.fit(X, y, epochs=10, batch_size=8, optimizer="adam", validation_data=val, callbacks=[stopper()], verbose=0)
    part = fresh()
    ckpt = tmp_path / "ckpt.safetensors"
    part.fit(X, y, epochs=3, batch_size=8, optimizer="adam", validation_data=val,
             callbacks=[stopper(), ModelCheckpoint(ckpt)], verbose=0)
    resumed = load_checkpoint(ckpt)
    resumed.fit(X, y, epochs=10, batch_size=8, validation_data=val, initial_epoch=resumed.epochs_done,
                callbacks=[stopper()], verbose=0)
    assert resumed.history["epoch"] == whole.history["epoch"] == [0, 1, 2, 3, 4]
    for k, v in whole.get_weights().items():
        np.testing.assert_array_equal(resumed.get_weights()[k], v)


def test_cli_checkpoints_hold_this_epochs_early_stopping_state(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--epochs", "4", "--layers", "64,8,10", "--early-stopping", "50",
                 "--no-progress", "--no-plots"]) == 0
    _, meta = read_file(out / "checkpoint.safetensors")
    state = json.loads(meta["checkpoint"])
    es = state["callbacks"]["early_stopping"]
    val_cost = state["history"]["val_cost"]
    assert es["best"] == min(val_cost) and es["best_epoch"] == int(np.argmin(val_cost))


@pytest.mark.parametrize("field, value, message", [
    ("epoch", -5, "epoch must be an integer >= 0"), ("epoch", "3", "epoch must be an integer"),
    ("history", {"epoch": [0, 1, 2], "cost": ["a", "b", "c"]}, "history\\['cost'\\] must be a list"),
    ("history", {"epoch": [0, 1, 7]}, "do not fit the checkpoint's epoch"),
    ("learning_rate0", float("nan"), "learning_rate0 must be a positive number"),
])
def test_tampered_checkpoint_fields_are_refused(copy_of, field, value, message):
    path = copy_of("checkpoint.safetensors")
    state = json.loads(read_file(path)[1]["checkpoint"])
    state[field] = value
    rewrite(path, checkpoint=json.dumps(state))
    with pytest.raises(ModelFileError, match=message):
        load_checkpoint(path)


# ---------------------------------------------------------------- no endless run
def test_gradcheck_refuses_work_that_cannot_finish(capsys):
    assert main(["gradcheck", "--layers", "4,100000000,3"]) == 2
    one_line_error(capsys, "too many to finish in minutes")
    model = nndl.mlp([4, 20000, 3], seed=0)
    with pytest.raises(ValueError, match="too many to finish"):
        gradcheck(model, np.ones((4, 500)), np.zeros(500, dtype=int))


def test_save_refuses_nothing_that_round_trips(copy_of, tmp_path):
    model = load(copy_of())  # the checks accept what nndl itself writes
    save(model, tmp_path / "again.safetensors")
    assert load(tmp_path / "again.safetensors").get_config() == model.get_config()
    save_checkpoint(load_checkpoint(copy_of("checkpoint.safetensors")), tmp_path / "c.safetensors", epoch=3)
    assert load_checkpoint(tmp_path / "c.safetensors").epochs_done == 3


def test_resuming_a_run_that_stopped_early_trains_no_further(tmp_path):
    out = tmp_path / "run"
    args = ["--no-progress", "--no-plots", "--json"]
    assert main(["train", "--out", str(out), "--epochs", "300", "--layers", "64,8,10", "--early-stopping", "1",
                 *args]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["epochs"] < 300  # it stopped early
    weights, meta = read_file(out / "model.safetensors")
    assert main(["train", "--resume", str(out), *args]) == 0
    weights_after, meta_after = read_file(out / "model.safetensors")
    assert meta_after == meta and weights_after.keys() == weights.keys()
    for k, v in weights.items():
        np.testing.assert_array_equal(weights_after[k], v)
    assert json.loads((out / "summary.json").read_text())["epochs"] == summary["epochs"]


def test_an_overflow_names_the_example_in_image_models_and_later_chunks():
    """Images keep examples on axis 0: the count and the index are of examples, numbered
    across inference chunks."""
    import nndl
    model = nndl.models.lenet5(seed=0)
    X = np.zeros((10, 28, 28, 1), np.float32)
    X[7] = 3e38                                                       # one example overflows
    with pytest.raises(ValueError, match=r"for 1 of 4 example\(s\) \(the first is example 7\)"):
        model.predict_proba(X, batch_size=4)
