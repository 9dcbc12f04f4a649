"""Files nndl writes: atomic replacement, links replaced not followed, orphaned temporary
files removed, one run per run directory (locks), and a non-empty --out refused."""

from __future__ import annotations

import errno
import json
import os

import numpy as np
import pytest

from nndl import files
from nndl.cli import main
from nndl.files import RunDirBusy, atomic_write, clean_orphans, lock_run_dir


def train(out, *extra):
    return main(["train", "--out", str(out), "--epochs", "2", "--layers", "64,8,10", "--no-progress",
                 "--no-plots", *extra])


def test_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "a.json"
    atomic_write(path, "old")
    atomic_write(path, b"new")
    assert path.read_text() == "new"
    assert os.listdir(tmp_path) == ["a.json"]


def test_an_interrupted_write_keeps_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    atomic_write(path, b"old contents")

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(files.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(path, b"new contents")
    assert path.read_bytes() == b"old contents"
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_a_link_at_the_target_is_replaced_never_followed(tmp_path):
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    link = tmp_path / "run" / "summary.json"
    link.parent.mkdir()
    link.symlink_to(outside)
    atomic_write(link, "{}")
    assert outside.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text() == "{}"


def test_orphaned_temporaries_are_removed_under_the_lock(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    orphan = run / ".model.safetensors.x1y2z3.nndl-tmp"
    orphan.write_bytes(b"half a model")
    (run / "keep.txt").write_text("mine")
    assert clean_orphans(tmp_path / "missing") == []
    with lock_run_dir(run):
        assert not orphan.exists()
    assert (run / "keep.txt").read_text() == "mine"


def test_a_second_lock_on_a_run_directory_fails_at_once(tmp_path):
    with lock_run_dir(tmp_path / "run"):
        with pytest.raises(RunDirBusy, match=f"in use by another nndl run \\(process {os.getpid()}\\)"):
            with lock_run_dir(tmp_path / "run"):
                pass
    with lock_run_dir(tmp_path / "run"):  # released: free again
        pass


def test_train_and_resume_refuse_a_run_directory_in_use(tmp_path, capsys):
    run = tmp_path / "run"
    assert train(run) == 0
    capsys.readouterr()
    with lock_run_dir(run):  # as a still-running `nndl train --out run` holds it
        assert main(["train", "--resume", str(run), "--epochs", "3", "--no-progress", "--no-plots"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is in use by another nndl run" in err
        assert train(tmp_path / "other") == 0  # other folders are free
    with lock_run_dir(tmp_path / "fresh"):
        assert train(tmp_path / "fresh") == 2
        assert "in use" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--epochs", "3", "--no-progress", "--no-plots"]) == 0


def test_resume_replaces_linked_files_without_writing_through_the_links(tmp_path):
    run = tmp_path / "run"
    assert train(run) == 0
    outside = tmp_path / "elsewhere.json"
    outside.write_text("not nndl's")
    (run / "summary.json").unlink()
    (run / "summary.json").symlink_to(outside)
    assert main(["train", "--resume", str(run), "--epochs", "3", "--no-progress", "--no-plots"]) == 0
    assert outside.read_text() == "not nndl's"
    assert json.loads((run / "summary.json").read_text())["epochs"] == 3


def test_out_that_is_a_file_or_under_a_file_is_one_line(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for out in (a_file, a_file / "run"):
        assert train(out) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err and str(a_file) in err
    assert a_file.read_text() == "x"


def test_disk_full_while_checkpointing_is_one_line_and_keeps_the_checkpoint(tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    assert train(run) == 0
    before = (run / "checkpoint.safetensors").read_bytes()

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(files.os, "fsync", disk_full)
    capsys.readouterr()
    assert main(["train", "--resume", str(run), "--epochs", "3", "--no-progress", "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert (run / "checkpoint.safetensors").read_bytes() == before
    assert not [p for p in run.iterdir() if p.name.endswith(files.TMP_SUFFIX)]


def test_tune_refuses_a_used_out_like_train(tmp_path, capsys):
    pytest.importorskip("optuna")
    run = tmp_path / "run"
    assert train(run) == 0
    before = (run / "model.safetensors").read_bytes()
    code = main(["tune", "--out", str(run), "--n-trials", "1", "--epochs", "1", "--quiet",
                 "--storage", f"sqlite:///{tmp_path / 'study.db'}"])
    assert code == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert (run / "model.safetensors").read_bytes() == before


def test_csv_logger_appends_atomically_through_no_link(tmp_path, rng):
    import nndl
    from nndl.callbacks import CSVLogger
    outside = tmp_path / "outside.csv"
    outside.write_text("epoch,cost\n")
    log = tmp_path / "log.csv"
    log.symlink_to(outside)
    X, y = rng.standard_normal((4, 20)), np.arange(20) % 3
    nndl.mlp([4, 3], seed=0).fit(X, y, epochs=2, callbacks=[CSVLogger(log, append=True)], verbose=0)
    assert outside.read_text() == "epoch,cost\n"
    assert not log.is_symlink() and len(log.read_text().splitlines()) == 3


def test_a_fresh_run_interrupted_before_its_first_checkpoint_leaves_no_folder(tmp_path, monkeypatch, capsys):
    import nndl.models

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(nndl.models.Sequential, "fit", interrupted)
    assert train(tmp_path / "run") == 130
    assert not (tmp_path / "run").exists()
    monkeypatch.undo()
    assert train(tmp_path / "run") == 0  # the same --out can simply be tried again


def test_plots_replace_a_link_instead_of_writing_through_it(tmp_path):
    pytest.importorskip("matplotlib")
    from nndl.callbacks import History
    from nndl.plots import plot_history
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"someone else's picture")
    link = tmp_path / "cost.png"
    link.symlink_to(outside)
    history = History()
    for epoch in range(3):
        history.on_epoch_end(epoch, {"cost": 1.0 / (epoch + 1)}, None)
    plot_history(history, path=link)
    assert outside.read_bytes() == b"someone else's picture"
    assert not link.is_symlink() and link.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
