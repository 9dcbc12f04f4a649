"""First names for a character-level language model, from the lists the ``names`` package ships
(``pip install names``: US census first names, 1,219 male and 4,275 female)."""

from __future__ import annotations

import os

import numpy as np

from .base import TextDataset

FILES = ("dist.male.first", "dist.female.first")


def _source_dir(path: str | os.PathLike | None) -> str:
    if path is not None:
        return os.fspath(path)
    try:
        import names
    except ImportError:
        raise FileNotFoundError("the names dataset needs the names package: pip install names "
                                "(or pip install 'nndl[text]')") from None
    return os.path.dirname(names.__file__)


def read_names(path: str | os.PathLike | None = None) -> list[str]:
    """The distinct first names, lower-case, sorted. ``path``: a folder holding the census
    files ``dist.male.first`` and ``dist.female.first`` (default: the ``names`` package's)."""
    folder = _source_dir(path)
    found = set()
    for fname in FILES:
        full = os.path.join(folder, fname)
        if not os.path.isfile(full):
            raise FileNotFoundError(f"names: expected the census list {full}; reinstall it with "
                                    "pip install --force-reinstall names")
        with open(full, encoding="ascii", errors="replace") as f:
            for line in f:
                parts = line.split()
                if parts and parts[0].isalpha():
                    found.add(parts[0].lower())
    if not found:
        raise ValueError(f"names: no names found in {folder}")
    return sorted(found)


def load_names(seed: int = 0, dev_size: float = 0.1, test_size: float = 0.1,
               path: str | os.PathLike | None = None) -> TextDataset:
    """The names shuffled with ``seed`` and split train/dev/test (no name in two splits)."""
    names = read_names(path)
    order = np.random.default_rng(seed).permutation(len(names))
    n_dev, n_test = int(round(dev_size * len(names))), int(round(test_size * len(names)))
    shuffled = [names[i] for i in order]
    test, dev, train = shuffled[:n_test], shuffled[n_test:n_test + n_dev], shuffled[n_test + n_dev:]
    return TextDataset("names", "US census first names (the names package), one name per example",
                       train, dev, test, info={"alphabet": sorted(set("".join(names)))})
