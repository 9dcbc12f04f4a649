"""Real text that installs offline, for sequence models.

    from nndl.datasets.text import load_text_dataset
    data = load_text_dataset("dates")     # TextDataset: train/dev/test (human, ISO) pairs

- ``names``: US census first names (``pip install names``), for a character-level model;
- ``dates``: human-written dates → ISO 8601, generated with the standard library;
- ``kjv``: the King James Bible (``apt-get install bible-kjv``), for word vectors;
- ``fortunes``: Debian's fortune files (``apt-get install fortunes``), one class per file.

``Vocabulary`` maps tokens to ids (0 = padding) and pads batches with their masks.
"""

from __future__ import annotations

from typing import Callable

from .base import TextDataset
from .dates import load_dates
from .fortunes import load_fortunes
from .kjv import load_kjv, tokenize
from .names import load_names
from .vocab import Vocabulary

TEXT_DATASETS: dict[str, str] = {
    "names": "US census first names (pip install names), character-level language model",
    "dates": "human-written dates → ISO 8601, generated and held out by date value",
    "kjv": "the King James Bible (apt-get install bible-kjv), words for word vectors",
    "fortunes": "Debian fortune files, one class per file with ≥ 300 entries (apt-get install fortunes)",
}
LOADERS: dict[str, Callable[..., TextDataset]] = {
    "names": load_names, "dates": load_dates, "kjv": load_kjv, "fortunes": load_fortunes,
}


def load_text_dataset(name: str, **kwargs) -> TextDataset:
    """Load a text dataset by name (see ``TEXT_DATASETS``); kwargs go to its loader."""
    key = str(name).lower()
    if key not in LOADERS:
        raise ValueError(f"unknown text dataset {name!r}; known: {', '.join(TEXT_DATASETS)}")
    return LOADERS[key](**kwargs)


__all__ = ["TEXT_DATASETS", "TextDataset", "Vocabulary", "load_text_dataset", "load_names",
           "load_dates", "load_kjv", "load_fortunes", "tokenize"]
