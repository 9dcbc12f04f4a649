"""Mini-batches of several arrays at once: inputs, targets and masks, each with its own
example axis and dtype.

An array's example (batch) axis is where its m examples sit: −1 for (n_x, m) and labels
(n_y, m), 0 for images (m, n_H, n_W, n_C) and token ids (m, T_x), 1 for sequences
(n_x, m, T_x). ``Batches`` stores every array examples-first and C-contiguous once, so that
a shuffled mini-batch is a row gather (``np.take(..., out=buffer)``) into a preallocated
buffer per array, handed on as a view with the examples back on their own axis:

    permutation = rng.permutation(m)
    mini-batch t = (A[..., permutation[t·s : (t+1)·s], ...] for every array A)

Integer arrays (token ids) keep their integer dtype; ``dtype`` applies to the float ones.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

Array = np.ndarray


def examples_first(A: Array, axis: int, dtype=None) -> Array:
    """A with examples on axis 0, C-contiguous (one copy at most); float arrays in ``dtype``."""
    Ae = np.moveaxis(A, axis, 0)
    if dtype is not None and A.dtype.kind == "f":
        return np.ascontiguousarray(Ae, dtype=dtype)
    return np.ascontiguousarray(Ae)


def to_axis(Ae: Array, axis: int) -> Array:
    """The examples-first Ae as a view with its axis 0 moved to ``axis``."""
    axis = axis % Ae.ndim
    if axis == 0:
        return Ae
    if Ae.ndim == 2:
        return Ae.T
    return Ae.transpose(*range(1, axis + 1), 0, *range(axis + 1, Ae.ndim))


def gather(arrays: Sequence[Array], axes: Sequence[int], index: Array) -> tuple[Array, ...]:
    """The examples ``index`` of every array, each along its own example axis (new arrays)."""
    if len(arrays) != len(axes):
        raise ValueError(f"{len(arrays)} arrays but {len(axes)} example axes")
    return tuple(np.take(A, index, axis=axis) for A, axis in zip(arrays, axes))


def count_examples(arrays: Sequence[Array], axes: Sequence[int], names: Sequence[str] | None = None) -> int:
    """m, the common length of every array's example axis; a ValueError names any that differ."""
    names = names or [f"array {i}" for i in range(len(arrays))]
    sizes = [A.shape[axis] for A, axis in zip(arrays, axes)]
    if len(set(sizes)) > 1:
        detail = ", ".join(f"{n} {A.shape} has {s} on axis {a}" for n, A, s, a in zip(names, arrays, sizes, axes))
        raise ValueError(f"the arrays disagree on the number of examples m: {detail}")
    return sizes[0]


class Batches:
    """Mini-batches of a tuple of arrays, gathered along each array's own example axis.

    arrays: the arrays in model layout; axes: their example axes; dtype: the float dtype they
    are stored in (integer arrays stay integers). ``epoch(batch_size, permutation)`` yields
    tuples of views (buffers reused from step to step: consume each before the next).
    """

    def __init__(self, arrays: Sequence[Array], axes: Sequence[int], dtype=None):
        if len(arrays) != len(axes):
            raise ValueError(f"{len(arrays)} arrays but {len(axes)} example axes")
        self.axes = tuple(int(a) for a in axes)
        self.m = count_examples(arrays, self.axes)
        self.stored = [examples_first(A, axis, dtype) for A, axis in zip(arrays, self.axes)]
        self._buffers: list[Array] | None = None

    def epoch(self, batch_size: int, permutation: Array | None = None) -> Iterator[tuple[Array, ...]]:
        """Each mini-batch in order: slices of the stored arrays (no permutation), or the
        rows ``permutation[lo:lo + batch_size]`` gathered into the reusable buffers."""
        if permutation is not None and (self._buffers is None or self._buffers[0].shape[0] != batch_size):
            self._buffers = [np.empty((batch_size, *A.shape[1:]), A.dtype) for A in self.stored]
        for lo in range(0, self.m, batch_size):
            if permutation is None:
                parts = [A[lo:lo + batch_size] for A in self.stored]
            else:
                idx = permutation[lo:lo + batch_size]
                parts = [np.take(A, idx, axis=0, out=buf[:len(idx)]) for A, buf in zip(self.stored, self._buffers)]
            yield tuple([to_axis(p, axis) for p, axis in zip(parts, self.axes)])


def chunks(arrays: Sequence[Array], axes: Sequence[int], size: int, dtype=None) -> Iterator[tuple[int, tuple[Array, ...]]]:
    """(lo, the arrays' examples lo … lo+size−1) in model layout, each chunk C-contiguous
    examples-first underneath (float arrays in ``dtype``): evaluation and predict in chunks."""
    moved = [np.moveaxis(A, axis, 0) for A, axis in zip(arrays, axes)]
    m = moved[0].shape[0] if moved else 0
    for lo in range(0, m, size):
        yield lo, tuple(to_axis(examples_first(A[lo:lo + size], 0, dtype), axis) for A, axis in zip(moved, axes))
