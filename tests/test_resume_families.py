"""``nndl train --resume RUN_DIR`` for every model family (``nndl.cli.resumable``,
``nndl.backup``): a run stopped after one epoch and resumed to two ends with the weights,
history and results of an uninterrupted two-epoch run; another family's or dataset's run,
a swapped or edited checkpoint are refused; a checkpoint interrupted while being written
leaves the previous one whole, and the run resumes from it."""

from __future__ import annotations

import functools
import json
import shutil

import numpy as np
import pytest
from safetensors.numpy import save_file

import nndl
from nndl.backup import BackupAndRestore, backing_up
from nndl.callbacks import EarlyStopping
from nndl.cli import main
from nndl.files import lock_run_dir
from nndl.io import ModelFileError, load_checkpoint, read_file

QUIET = ["--no-progress", "--no-plots", "--json"]


@pytest.fixture
def tiny_fashion(make_tiny_fashion):
    """64 training images (the last 16 are dev) and 16 test images, random pixels."""
    return make_tiny_fashion(64, 16, 16)


def family_args(family, request) -> list[str]:
    """A few-second run of ``family`` (the fixtures its data needs are requested here)."""
    if family == "char-rnn":
        return ["--dataset", "names", "--data-dir", str(request.getfixturevalue("names_dir")), "--layers", "8"]
    if family == "date-attention":
        return ["--dataset", "dates", "--n-examples", "200", "--layers", "4,8", "--batch-size", "32"]
    if family == "date-transformer":
        return ["--dataset", "dates", "--n-examples", "200", "--layers", "8,1,2,16", "--batch-size", "32"]
    if family in ("lstm-classifier", "transformer-classifier"):
        return ["--dataset", "fortunes", "--data-dir", str(request.getfixturevalue("fortunes_dir")), "--layers", "8",
                "--lr", "0.01"]
    if family == "word2vec":
        if shutil.which("bible") is None:
            pytest.skip("bible-kjv is not installed")
        return ["--dataset", "kjv", "--passage", "Genesis1:1-Genesis3:24", "--dim", "8", "--min-count", "2"]
    if family == "yolo-tiny":
        request.getfixturevalue("small_boxes")
        return ["--dataset", "fashion-boxes", "--batch-size", "16"]
    if family in ("lenet5", "resnet"):  # trained by nndl train itself; augmentation and a schedule travel too
        return ["--dataset", "fashion-mnist", "--data-dir", str(request.getfixturevalue("tiny_fashion")),
                "--batch-size", "16", "--augment", "shift=2,flip", "--lr-schedule", "exponential:decay_rate=0.5"]
    raise AssertionError(family)


def train(family, out, epochs, args):
    return main(["train", "--model", family, *args, "--epochs", str(epochs), "--out", str(out), *QUIET])


def assert_same_run(a, b):
    """Bit-identical final weights and history, the same results."""
    wa, wb = read_file(a / "model.safetensors")[0], read_file(b / "model.safetensors")[0]
    assert wa.keys() == wb.keys()
    for k in wa:
        np.testing.assert_array_equal(wa[k], wb[k], err_msg=k)
    assert (a / "history.csv").read_text() == (b / "history.csv").read_text()
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    for s in (sa, sb):  # wall times (seconds, pretrain_seconds) and the folder differ
        for key in [k for k in s if k.endswith("seconds") or k == "run_dir"]:
            s.pop(key)
    assert sa == sb


FAMILIES = ["char-rnn", "date-attention", "date-transformer", "lstm-classifier", "transformer-classifier", "word2vec", "yolo-tiny",
            "lenet5", "resnet"]


@pytest.mark.parametrize("family", FAMILIES)
def test_a_resumed_run_ends_as_the_uninterrupted_one(family, request, tmp_path, capsys):
    args = family_args(family, request)
    assert train(family, tmp_path / "whole", 2, args) == 0
    assert train(family, tmp_path / "part", 1, args) == 0
    checkpoint = tmp_path / "part" / "checkpoint.safetensors"
    assert load_checkpoint(checkpoint).epochs_done == 1
    if family == "yolo-tiny":  # as the detector's checkpoints were written before they named their run
        tensors, meta = read_file(checkpoint)
        assert json.loads(meta.pop("run"))["family"] == "yolo-tiny"
        save_file(tensors, str(checkpoint), metadata=meta)
    capsys.readouterr()
    assert main(["train", "--resume", str(tmp_path / "part"), "--epochs", "2", *QUIET]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["epochs"] == 2
    assert_same_run(tmp_path / "whole", tmp_path / "part")
    assert json.loads((tmp_path / "part" / "config.json").read_text())["epochs"] == 2


@pytest.fixture
def date_run(tmp_path, request):
    run = tmp_path / "dates"
    assert train("date-attention", run, 1, family_args("date-attention", request)) == 0
    return run


def one_line_error(capsys, *words):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err, err


def test_another_familys_or_datasets_resume_is_refused(date_run, names_dir, tmp_path, capsys):
    assert main(["train", "--resume", str(date_run), "--model", "char-rnn", "--epochs", "2", *QUIET]) == 2
    one_line_error(capsys, "holds a --model date-attention run", "--model char-rnn")
    assert main(["train", "--resume", str(date_run), "--dataset", "names", "--epochs", "2", *QUIET]) == 2
    one_line_error(capsys, "--dataset dates", "not names")
    # a char-rnn checkpoint put into the dates run directory
    names = tmp_path / "names-run"
    assert train("char-rnn", names, 1, ["--dataset", "names", "--data-dir", str(names_dir), "--layers", "8"]) == 0
    shutil.copy(names / "checkpoint.safetensors", date_run / "checkpoint.safetensors")
    assert main(["train", "--resume", str(date_run), "--epochs", "2", *QUIET]) == 2
    one_line_error(capsys, "belongs to a char-rnn run", "date-attention")
    assert main(["train", "--resume", str(tmp_path / "nothing"), *QUIET]) == 2
    one_line_error(capsys, "not a run directory")
    assert not (tmp_path / "nothing").exists()
    (date_run / "checkpoint.safetensors").unlink()  # as a run killed in its first epoch leaves it
    assert main(["train", "--resume", str(date_run), "--epochs", "2", *QUIET]) == 2
    one_line_error(capsys, "stopped before its first checkpoint", "another --out")


def test_an_mlp_run_is_not_resumed_as_another_family_or_dataset(tmp_path, capsys):
    run = tmp_path / "mlp"
    assert main(["train", "--dataset", "moons", "--epochs", "1", "--out", str(run), *QUIET]) == 0
    assert main(["train", "--resume", str(run), "--model", "lenet5", "--epochs", "2", *QUIET]) == 2
    one_line_error(capsys, "holds a --model mlp run", "--model lenet5")
    assert main(["train", "--resume", str(run), "--dataset", "circles", "--epochs", "2", *QUIET]) == 2
    one_line_error(capsys, "--dataset moons", "not circles")
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "model": "gpt"}))
    assert main(["train", "--resume", str(run), "--epochs", "2", *QUIET]) == 2
    one_line_error(capsys, "unknown model 'gpt'")


def rewrite(path, *, tensors=None, **metadata):
    old_tensors, old_meta = read_file(path)
    save_file({**old_tensors, **(tensors or {})}, str(path),
              metadata={**old_meta, **{k: json.dumps(v) for k, v in metadata.items()}})


@pytest.mark.parametrize("edit, message", [
    (lambda arch, run, t: arch["layers"][1].update(units=9) if "layers" in arch else arch.update(n_s=9),
     "another architecture"),
    (lambda arch, run, t: run["options"].update(handler="rm -rf"), "not an option nndl train writes"),
    (lambda arch, run, t: run["options"].update(not_an_option=1), "does not have"),
    (lambda arch, run, t: run["options"].update(batch_size="32"), "--batch-size '32' is not a valid value"),
    (lambda arch, run, t: run["options"].update(optimizer="sgd2"), "--optimizer 'sgd2' is not a valid value"),
    (lambda arch, run, t: run.update(family="char-rnn"), "belongs to a char-rnn run"),
    (lambda arch, run, t: t.update({k: np.full_like(v, np.nan) for k, v in t.items() if "/" not in k}), "NaN"),
])
def test_an_edited_checkpoint_is_refused(date_run, edit, message, capsys):
    path = date_run / "checkpoint.safetensors"
    tensors, meta = read_file(path)
    arch, run = json.loads(meta["architecture"]), json.loads(meta["run"])
    tensors = dict(tensors)
    edit(arch, run, tensors)
    rewrite(path, tensors=tensors, architecture=arch, run=run)
    before = path.read_bytes()
    assert main(["train", "--resume", str(date_run), "--epochs", "2", *QUIET]) == 2
    one_line_error(capsys, message)
    assert path.read_bytes() == before  # refused before anything was written


def test_a_checkpoint_interrupted_while_written_leaves_the_last_one(date_run, tmp_path, request, monkeypatch, capsys):
    """Killed while writing epoch 2's checkpoint (before its rename): the epoch-1 checkpoint
    is whole, the partial file is removed when the run directory is next locked, and the
    resumed run ends as the uninterrupted one."""
    import os

    from nndl import files
    args = family_args("date-attention", request)
    assert train("date-attention", tmp_path / "whole", 3, args) == 0
    part = tmp_path / "part"
    real_replace = os.replace

    def killed_at_epoch_2(src, dst):
        if str(dst).endswith("checkpoint.safetensors") and load_checkpoint(src).epochs_done == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", killed_at_epoch_2)
    assert train("date-attention", part, 3, args) == 130
    monkeypatch.setattr(files.os, "replace", real_replace)
    assert load_checkpoint(part / "checkpoint.safetensors").epochs_done == 1
    # what a kill -9 in the middle of the write would leave: a partial temporary file
    orphan = part / ".checkpoint.safetensors.x1y2.nndl-tmp"
    orphan.write_bytes((part / "checkpoint.safetensors").read_bytes()[:1000])
    capsys.readouterr()
    assert main(["train", "--resume", str(part), *QUIET]) == 0  # to the run's own 3 epochs
    assert "resuming" not in capsys.readouterr().out  # --json: one line only
    assert not orphan.exists()
    assert_same_run(tmp_path / "whole", part)


def test_a_run_killed_with_sigkill_resumes_to_the_uninterrupted_run(tmp_path, request):
    """A real ``kill -9`` as soon as the first checkpoint is on disk (or later, wherever the
    run is then — possibly in the middle of writing the next one)."""
    import os
    import subprocess
    import sys
    import time
    args = family_args("date-attention", request)
    assert train("date-attention", tmp_path / "whole", 7, args) == 0
    part = tmp_path / "part"
    src = os.path.dirname(os.path.dirname(nndl.__file__))
    proc = subprocess.Popen([sys.executable, "-m", "nndl", "train", "--model", "date-attention", *args, "--epochs", "6",
                             "--out", str(part), *QUIET], env={**os.environ, "PYTHONPATH": src},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (part / "checkpoint.safetensors").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    assert load_checkpoint(part / "checkpoint.safetensors").epochs_done >= 1
    assert main(["train", "--resume", str(part), "--epochs", "7", *QUIET]) == 0
    assert not list(part.glob("*.nndl-tmp"))
    assert_same_run(tmp_path / "whole", part)


def test_resume_names_the_options_it_ignores_and_holds_the_lock(date_run, capsys):
    capsys.readouterr()
    assert main(["train", "--resume", str(date_run), "--epochs", "2", "--lr", "0.5", "--layers", "16,16",
                 "--no-progress", "--no-plots"]) == 0
    out, err = capsys.readouterr()
    assert "resuming" in out and "at epoch 1, training to epoch 2" in out
    assert "ignored: " in err and "--lr 0.5 (the run's: default)" in err and "--layers 16,16 (the run's: 4,8)" in err
    config = json.loads((date_run / "config.json").read_text())
    assert config["lr"] == 0.005 and (config["n_a"], config["n_s"]) == (4, 8)
    assert main(["train", "--resume", str(date_run), "--epochs", "2", *QUIET]) == 2
    one_line_error(capsys, "already has 2 epochs")
    with lock_run_dir(date_run):
        assert main(["train", "--resume", str(date_run), "--epochs", "3", *QUIET]) == 2
        one_line_error(capsys, "in use by another nndl run")


def test_a_run_that_early_stopping_ended_resumes_to_no_further_training(tmp_path, request, capsys):
    run = tmp_path / "run"
    args = [*family_args("date-attention", request), "--lr", "0.5", "--early-stopping", "1"]
    assert train("date-attention", run, 30, args) == 0
    epochs = json.loads((run / "summary.json").read_text())["epochs"]
    assert epochs < 30
    weights = read_file(run / "model.safetensors")[0]
    (run / "model.safetensors").unlink()  # as if killed after the last checkpoint
    assert main(["train", "--resume", str(run), *QUIET]) == 0
    assert json.loads((run / "summary.json").read_text())["epochs"] == epochs
    again = read_file(run / "model.safetensors")[0]
    for k, v in weights.items():
        np.testing.assert_array_equal(again[k], v)


# ------------------------------------------------------------------ the library's BackupAndRestore
@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 60))
    return X, (X[0] + 0.3 * rng.standard_normal(60) > 0).astype(int)


def fit(model, data, epochs, **kw):
    X, y = data
    model.fit(X, y, epochs=epochs, batch_size=8, optimizer="adam", learning_rate=0.01, verbose=0,
              validation_data=(X, y), lr_schedule="exponential:decay_rate=0.9", callbacks=[EarlyStopping(patience=5)],
              **kw)
    return model


def test_fit_with_a_backup_continues_where_it_stopped(data, tmp_path):
    make = functools.partial(nndl.mlp, [4, 8, 2], keep_prob=0.8, seed=1)
    whole = fit(make(), data, 4)
    path = tmp_path / "ckpt.safetensors"
    assert fit(make(), data, 2, backup=path).epochs_done == 2
    resumed = fit(make(), data, 4, backup=path)  # a fresh process would build the same model
    assert resumed.history.history == whole.history.history
    np.testing.assert_array_equal(resumed.params.vector, whole.params.vector)
    with backing_up(BackupAndRestore(path)):  # the enclosing block's backup, here already complete
        assert fit(make(), data, 4).history.history == whole.history.history
    with pytest.raises(ModelFileError, match="another architecture"):
        fit(nndl.mlp([4, 6, 2], seed=1), data, 4, backup=path)
    with pytest.raises(ValueError, match="interval"):
        BackupAndRestore(path, every=0)


def test_word2vec_resumes_its_example_generator_too(tmp_path):
    from nndl.word2vec import train_word2vec
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(12)]
    sentences = [list(rng.choice(words, 8)) for _ in range(60)]
    kw = dict(n_e=6, window=2, n_negative=2, min_count=1, batch_size=64, seed=4)
    whole, _ = train_word2vec(sentences, epochs=3, **kw)
    path = tmp_path / "w2v.safetensors"
    with backing_up(BackupAndRestore(path)):
        train_word2vec(sentences, epochs=1, **kw)
    with backing_up(BackupAndRestore(path)):
        resumed, _ = train_word2vec(sentences, epochs=3, **kw)
    assert resumed.history.history == whole.history.history
    np.testing.assert_array_equal(resumed.E, whole.E)
