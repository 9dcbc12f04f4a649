"""Text classification on Debian's ``fortunes`` files: one class per file of
/usr/share/games/fortunes (``apt-get install fortunes``), the categories with at least
``min_count`` entries (300 by default: 17 categories), split stratified by category."""

from __future__ import annotations

import os

import numpy as np

from .base import TextDataset

FORTUNE_DIR = "/usr/share/games/fortunes"


def read_fortunes(path: str | os.PathLike) -> list[str]:
    """The entries of one fortune file (separated by lines holding only '%'), whitespace-
    normalised, empty entries dropped. A ``.u8`` (UTF-8) twin is preferred when present."""
    path = os.fspath(path)
    text_path = path + ".u8" if os.path.isfile(path + ".u8") else path
    with open(text_path, encoding="utf-8" if text_path.endswith(".u8") else "latin-1",
              errors="replace") as f:
        raw = f.read()
    entries, current = [], []
    for line in raw.splitlines():
        if line.strip() == "%":
            entries.append(" ".join(" ".join(current).split()))
            current = []
        else:
            current.append(line)
    entries.append(" ".join(" ".join(current).split()))
    return [e for e in entries if e]


def _categories(folder: str) -> list[str]:
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"fortunes: {folder} not found; install it with: apt-get install fortunes")
    return sorted(f for f in os.listdir(folder)
                  if "." not in f and os.path.isfile(os.path.join(folder, f)))


def load_fortunes(min_count: int = 300, seed: int = 0, dev_size: float = 0.1, test_size: float = 0.2,
                  folder: str | os.PathLike = FORTUNE_DIR,
                  max_per_class: int | None = None) -> TextDataset:
    """(text, class id) examples of the categories with ≥ ``min_count`` entries, split with a
    per-category shuffle (``seed``) so every split has each category's share.
    ``max_per_class`` keeps only the first entries of each category (small tests)."""
    folder = os.fspath(folder)
    classes, per_class = [], []
    for name in _categories(folder):
        entries = read_fortunes(os.path.join(folder, name))
        if len(entries) >= min_count:
            classes.append(name)
            per_class.append(entries[:max_per_class])
    if len(classes) < 2:
        raise ValueError(f"fortunes: fewer than 2 categories in {folder} have ≥ {min_count} entries")
    rng = np.random.default_rng(seed)
    train, dev, test = [], [], []
    for label, entries in enumerate(per_class):
        order = rng.permutation(len(entries))
        n_test, n_dev = int(round(test_size * len(entries))), int(round(dev_size * len(entries)))
        items = [(entries[i], label) for i in order]
        test += items[:n_test]
        dev += items[n_test:n_test + n_dev]
        train += items[n_test + n_dev:]
    for split in (train, dev, test):
        rng.shuffle(split)
    return TextDataset("fortunes", f"Debian fortune files, one class per file (≥ {min_count} entries)",
                       train, dev, test, classes=classes)
