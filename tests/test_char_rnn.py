"""The character language model of names: encoding, the bigram baseline, sampling, and
``nndl train --model char-rnn`` / ``nndl sample`` on a tiny list through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nndl.charlm import alphabet_of, bigram_cross_entropy, cross_entropy_per_char, encode_words
from nndl.cli import main


def test_encoding_shifts_targets_by_one_and_masks_the_padding():
    alphabet = alphabet_of(["ab", "b"])
    assert alphabet == ["\n", "a", "b"]
    X, Y, mask = encode_words(["ab", "b"], alphabet)
    np.testing.assert_array_equal(X, [[0, 1, 2], [0, 2, 0]])
    np.testing.assert_array_equal(Y, [[1, 2, 0], [2, 0, 0]])
    np.testing.assert_array_equal(mask, [[1, 1, 1], [1, 1, 0]])
    with pytest.raises(ValueError, match="not in the alphabet"):
        encode_words(["ac"], alphabet)
    with pytest.raises(ValueError, match="T >= 3"):
        encode_words(["ab"], alphabet, T=2)


def test_bigram_baseline_by_hand():
    alphabet = ["\n", "a", "b"]
    # train "ab": counts+1 rows: \n→a 2, others 1; a→b 2; b→\n 2; each row sums to 4
    ce = bigram_cross_entropy(["ab"], ["ab"], alphabet)
    assert ce == pytest.approx(-np.log(2 / 4))
    P = np.full((3, 1, 3), 1 / 3)
    assert cross_entropy_per_char(P, np.array([[1, 2, 0]]), np.array([[1, 1, 0]])) == pytest.approx(np.log(3))


def test_train_char_rnn_then_sample_through_the_cli(names_dir, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--model", "char-rnn", "--dataset", "names", "--data-dir", str(names_dir),
                 "--epochs", "3", "--layers", "8", "--out", str(run), "--no-progress", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["model"] == "char-rnn" and summary["epochs"] == 3
    assert np.isfinite(summary["dev_cross_entropy_per_char"]) and summary["bigram_dev_cross_entropy_per_char"] > 0
    assert 0 <= summary["new_names_share"] <= 1
    assert (run / "model.safetensors").is_file() and (run / "history.csv").is_file()
    assert main(["sample", str(run), "--n", "7", "--temperature", "0.8", "--top-k", "5", "--seed", "3"]) == 0
    lines = capsys.readouterr().out.split("\n")[:-1]
    assert len(lines) == 7 and all(set(w) <= set("abcdefghijklmnopqrstuvwxyz") for w in lines)
    main(["sample", str(run), "--n", "7", "--temperature", "0.8", "--top-k", "5", "--seed", "3"])
    assert capsys.readouterr().out.split("\n")[:-1] == lines                   # seeded: the same names
    assert main(["sample", str(run), "--temperature", "0"]) == 2
    assert "temperature" in capsys.readouterr().err


def test_char_rnn_refuses_other_datasets_and_sample_refuses_other_models(tmp_path, capsys):
    assert main(["train", "--model", "char-rnn", "--dataset", "digits", "--out", str(tmp_path / "r")]) == 2
    assert "names" in capsys.readouterr().err
    assert main(["sample", str(tmp_path)]) == 2
    assert "model.safetensors" in capsys.readouterr().err


def test_char_rnn_run_directories_are_claimed_like_nndl_train_s(names_dir, tmp_path, capsys):
    """A used --out is refused, a busy one (its lock held by another run) too, with one line;
    a folder holding only a lock left by a finished run is free."""
    from nndl.files import lock_run_dir
    args = ["train", "--model", "char-rnn", "--dataset", "names", "--data-dir", str(names_dir),
            "--epochs", "1", "--layers", "4", "--no-progress", "--json", "--out"]
    used = tmp_path / "used"
    used.mkdir()
    (used / "model.safetensors").write_bytes(b"another run's model")
    assert main([*args, str(used)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (used / "model.safetensors").read_bytes() == b"another run's model"
    busy = tmp_path / "busy"
    with lock_run_dir(busy):
        assert main([*args, str(busy)]) == 2
        err = capsys.readouterr().err
        assert "in use" in err and err.count("\n") == 1
    assert not (busy / "model.safetensors").exists()
    assert main([*args, str(busy)]) == 0  # the lock file alone does not make the folder used
    assert (busy / "model.safetensors").is_file()
