"""The container every text loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(repr=False, eq=False)
class TextDataset:
    """A text dataset split into train / dev / test.

    Examples are strings (``names``), (source, target) pairs (``dates``), token lists
    (``kjv``: one verse each) or (text, class id) pairs (``fortunes``, with ``classes``).
    """
    name: str
    description: str
    train: list
    dev: list
    test: list
    classes: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        classes = f", {len(self.classes)} classes" if self.classes else ""
        return (f"{self.name}: train {len(self.train)} / dev {len(self.dev)} / test {len(self.test)}"
                f"{classes}")

    def __repr__(self) -> str:
        return f"TextDataset({self.summary()})"
