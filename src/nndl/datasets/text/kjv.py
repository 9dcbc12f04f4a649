"""The King James Bible (Debian's ``bible-kjv``), tokenized into lower-case words, one verse
per example: about 790,000 words in 31,102 verses. Install the text with
``apt-get install bible-kjv``; it is read with ``bible -f "Genesis1:1-Revelation22:21"``."""

from __future__ import annotations

import re
import shutil
import subprocess

from .base import TextDataset

WHOLE = "Genesis1:1-Revelation22:21"
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
REFERENCE = re.compile(r"^\S+\d+:\d+\s+")


def tokenize(text: str) -> list[str]:
    """Lower-case words (letters with an inner apostrophe); punctuation and digits dropped."""
    return WORD.findall(text.lower())


def read_verses(passage: str = WHOLE, command: str = "bible") -> list[str]:
    """The verses of ``passage`` as printed by ``bible -f``, without their references."""
    exe = shutil.which(command)
    if exe is None:
        raise FileNotFoundError(f"kjv: the {command!r} program was not found; install the King James "
                                "Bible with: apt-get install bible-kjv")
    out = subprocess.run([exe, "-f", passage], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"kjv: {command} -f {passage!r} failed ({out.returncode}): {out.stderr.strip()}")
    verses = [REFERENCE.sub("", line).strip() for line in out.stdout.splitlines()]
    verses = [v for v in verses if v]
    if not verses:
        raise ValueError(f"kjv: {command} -f {passage!r} printed no verses")
    return verses


def load_kjv(passage: str = WHOLE, dev_size: float = 0.0, test_size: float = 0.0,
             command: str = "bible") -> TextDataset:
    """The tokenized verses of ``passage``; the last dev_size / test_size fractions of the
    verses (in canonical order) form dev and test. Word vectors use the whole text (the default)."""
    verses = [tokenize(v) for v in read_verses(passage, command)]
    n = len(verses)
    n_test, n_dev = int(round(test_size * n)), int(round(dev_size * n))
    train, dev, test = verses[:n - n_dev - n_test], verses[n - n_dev - n_test:n - n_test], verses[n - n_test:]
    return TextDataset("kjv", "the King James Bible (bible-kjv), lower-case words, one verse per example",
                       train, dev, test, info={"passage": passage, "words": sum(map(len, verses))})
