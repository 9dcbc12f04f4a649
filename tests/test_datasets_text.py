"""Text datasets on small slices: names, dates, the King James Bible, fortunes; the vocabulary."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import numpy as np
import pytest

from nndl.datasets import load_dataset
from nndl.datasets.text import Vocabulary, load_text_dataset
from nndl.datasets.text.dates import FORMATS, human_date, load_dates
from nndl.datasets.text.fortunes import load_fortunes, read_fortunes
from nndl.datasets.text.kjv import load_kjv, read_verses, tokenize
from nndl.datasets.text.names import load_names, read_names


def test_vocabulary_round_trip_padding_and_order():
    v = Vocabulary.build([list("abba"), list("cab")])
    assert v.itos[:4] == ["<pad>", "<unk>", "<s>", "</s>"]
    assert v.itos[4:] == ["a", "b", "c"]                        # by count, ties alphabetical
    ids = v.encode(list("abz"), add_start=True, add_end=True)
    assert ids == [2, 4, 5, 1, 3]
    assert v.decode(ids) == ["a", "b", "<unk>"]
    batch, mask = v.pad([v.encode("ab"), v.encode("c")])
    np.testing.assert_array_equal(batch, [[4, 5], [6, 0]])
    np.testing.assert_array_equal(mask, [[1, 1], [1, 0]])


def test_dates_formats_hand_values():
    d = dt.date(1979, 5, 3)
    assert human_date(d, "mm/dd/yyyy") == "05/03/1979"           # month first with slashes
    assert human_date(d, "d.m.yyyy") == "3.5.1979"                # day first with dots
    assert human_date(d, "dddd, mmmm d, yyyy") == "thursday, may 3, 1979"
    assert human_date(dt.date(2001, 3, 22), "dth of mmmm yyyy") == "22nd of march 2001"
    assert human_date(dt.date(2001, 3, 11), "mmmm dth yyyy") == "march 11th 2001"
    with pytest.raises(ValueError, match="unknown date format"):
        human_date(d, "yy")


def test_dates_held_out_by_value_and_seeded():
    data = load_dates(n=3000, seed=1)
    assert len(data.train) + len(data.dev) + len(data.test) == 3000
    train_dates = {iso for _, iso in data.train}
    assert not train_dates & {iso for _, iso in data.test}
    assert not train_dates & {iso for _, iso in data.dev}
    for human, iso in data.test[:200]:
        dt.date.fromisoformat(iso)
        assert human == human.lower()
    used = {f for f in FORMATS if any(human_date(dt.date.fromisoformat(i), f) == h for h, i in data.train[:500])}
    assert len(used) >= 10
    assert load_dates(n=3000, seed=1).train[:5] == data.train[:5]
    assert load_dates(n=3000, seed=2).train[:5] != data.train[:5]


def test_names_from_the_package_and_clear_error(tmp_path):
    pytest.importorskip("names", reason="the names package is not installed (pip install names)")
    names = read_names()
    assert len(names) > 4000 and "james" in names and "mary" in names
    assert all(n.isalpha() and n == n.lower() for n in names)
    data = load_names(seed=0)
    assert not set(data.train) & set(data.test)
    with pytest.raises(FileNotFoundError, match="dist.male.first"):
        read_names(tmp_path)


def test_names_from_a_folder(tmp_path):
    (tmp_path / "dist.male.first").write_text("JAMES          3.318  3.318      1\nJOHN 3.2 6.5 2\n")
    (tmp_path / "dist.female.first").write_text("MARY 2.6 2.6 1\nJAMES 0.1 0.1 900\n")
    assert read_names(tmp_path) == ["james", "john", "mary"]


@pytest.mark.skipif(shutil.which("bible") is None, reason="bible-kjv is not installed (apt-get install bible-kjv)")
def test_kjv_slice():
    verses = read_verses("Genesis1:1-Genesis1:3")
    assert verses[0] == "In the beginning God created the heaven and the earth."
    data = load_kjv("Genesis1:1-Genesis1:10", test_size=0.2)
    assert data.train[0] == ["in", "the", "beginning", "god", "created", "the", "heaven", "and", "the", "earth"]
    assert len(data.test) == 2 and data.info["words"] > 100


def test_kjv_clear_error_and_tokenizer():
    with pytest.raises(FileNotFoundError, match="apt-get install bible-kjv"):
        read_verses(command="no-such-bible-program")
    assert tokenize("Let there be light: and there was light. Thou'rt 12") == \
        ["let", "there", "be", "light", "and", "there", "was", "light", "thou'rt"]


def _fortune_dir(tmp_path):
    for name, n in (("alpha", 5), ("beta", 4), ("tiny", 1)):
        (tmp_path / name).write_text("\n%\n".join(f"{name} entry {i}\n  second line" for i in range(n)) + "\n")
        (tmp_path / (name + ".dat")).write_bytes(b"\0")
    return tmp_path


def test_fortunes_parsing_and_stratified_split(tmp_path):
    folder = _fortune_dir(tmp_path)
    assert read_fortunes(folder / "alpha")[1] == "alpha entry 1 second line"
    data = load_fortunes(min_count=4, folder=folder, dev_size=0.25, test_size=0.25)
    assert data.classes == ["alpha", "beta"]
    assert sorted(label for _, label in data.test) == [0, 1]
    assert len(data.train) + len(data.dev) + len(data.test) == 9
    with pytest.raises(FileNotFoundError, match="apt-get install fortunes"):
        load_fortunes(folder=tmp_path / "missing")


@pytest.mark.skipif(not os.path.isdir("/usr/share/games/fortunes"), reason="fortunes is not installed")
def test_fortunes_real_files_small():
    data = load_fortunes(max_per_class=20)
    assert len(data.classes) >= 10 and "computers" in data.classes
    assert all(isinstance(t, str) and t for t, _ in data.train)


def test_registry_routes_text_names():
    data = load_dataset("dates")
    assert data.name == "dates" and len(data.train) > 1000
    with pytest.raises(ValueError, match="text datasets: names, dates, kjv, fortunes"):
        load_dataset("no-such-set")
    with pytest.raises(ValueError, match="unknown text dataset"):
        load_text_dataset("klingon")
