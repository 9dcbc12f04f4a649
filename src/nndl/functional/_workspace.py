"""Work arrays kept between training steps: one array per key, replaced when a request of
another shape comes (the smaller last mini-batch of an epoch), so a workspace never holds two
sizes of one array."""

from __future__ import annotations

from typing import Callable, Hashable

import numpy as np

Array = np.ndarray


def reused(workspace: dict, key: Hashable, shape: tuple[int, ...], make: Callable[[tuple[int, ...]], Array]) -> Array:
    """``workspace[key]`` when it has ``shape``; else a new ``make(shape)`` stored there (the
    old array let go first, so the two sizes are never held at once)."""
    array = workspace.get(key)
    if array is None or array.shape != shape:
        workspace.pop(key, None)
        array = workspace[key] = make(shape)
    return array
