"""Parameters in one flat buffer, seen through course-named views.

``FlatParams`` is a dict ``{"W1": view, "b1": view, …}`` whose arrays are views into one
contiguous 1-D ``vector``. An optimizer updates every parameter with a few NumPy calls on
``vector``; gradient checking gets the course's ``dictionary_to_vector`` for free; and the
course's own style ``params["W1"] = params["W1"] − α·dW1`` still works, because assigning
to a key writes into the view instead of rebinding it.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np

Array = np.ndarray


class FlatParams(dict):
    """An ordered dict of named views into one flat ``vector``."""

    def __init__(self, shapes: Iterable[tuple[str, tuple[int, ...]]], dtype=np.float32,
                 vector: Array | None = None):
        shapes = list(shapes)
        size = sum(int(np.prod(s)) for _, s in shapes)
        if vector is None:
            vector = np.zeros(size, dtype=dtype)
        elif vector.shape != (size,):
            raise ValueError(f"flat vector has shape {vector.shape}, expected ({size},)")
        super().__init__()
        self.vector = vector
        self.frozen: set[str] = set()  # names the optimizers leave unchanged (set by the model)
        offset = 0
        for name, shape in shapes:
            n = int(np.prod(shape))
            dict.__setitem__(self, name, vector[offset:offset + n].reshape(shape))
            offset += n

    @property
    def layout(self) -> list[tuple[str, tuple[int, ...]]]:
        """[(name, shape), …] in the order the arrays sit in ``vector``."""
        return [(k, v.shape) for k, v in self.items()]

    def __setitem__(self, key: str, value) -> None:
        """params[key] = value copies value into the view (shapes must match); the key set is fixed."""
        view = self._view(key)
        value = np.asarray(value)
        if value.shape != view.shape:
            raise ValueError(f"{key} has shape {view.shape}, got an array of shape {value.shape}")
        view[...] = value

    # dict's own update/setdefault/|= would store the arrays as given and cut them loose
    # from ``vector``; here they write into the views like ``params[key] = value``.
    def update(self, other=(), /, **kwargs) -> None:
        """Write every (key, array) of a mapping, pairs or keywords into the views in place."""
        for key, value in dict(other, **kwargs).items():
            self[key] = value

    def __ior__(self, other) -> "FlatParams":
        self.update(other)
        return self

    def setdefault(self, key: str, default=None) -> Array:
        """The view ``key``; an unknown key raises KeyError (no parameter can be added)."""
        return self._view(key)

    def _view(self, key: str) -> Array:
        if key not in self:
            raise KeyError(f"{key!r} is not one of this model's parameters: {', '.join(self)}")
        return dict.__getitem__(self, key)

    def zeros_like(self, prefix: str = "") -> "FlatParams":
        """A new FlatParams of zeros with the same layout, keys optionally prefixed ("d")."""
        return FlatParams([(prefix + k, s) for k, s in self.layout], dtype=self.vector.dtype)

    def same_layout(self, other) -> bool:
        """True when ``other`` is a FlatParams whose arrays have these shapes in this order
        (names may differ: W1 ↔ dW1), so the two vectors line up element by element."""
        return isinstance(other, FlatParams) and [s for _, s in self.layout] == [s for _, s in other.layout]

    def copy_arrays(self) -> dict[str, Array]:
        """A plain dict of independent copies (e.g. best weights for early stopping)."""
        return {k: v.copy() for k, v in self.items()}
