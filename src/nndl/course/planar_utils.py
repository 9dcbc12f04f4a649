"""The course's ``planar_utils`` (Course 1, week 3): the flower data set and the decision-boundary plot.

    X, Y = load_planar_dataset()                       # X (2, 400), Y (1, 400), np.random.seed(1) inside
    plot_decision_boundary(lambda x: predict(parameters, x.T), X, Y)

``load_planar_dataset`` is ``nndl.datasets.planar`` drawn from NumPy's global generator after
``np.random.seed(1)``, as the notebook's helper does, so X holds the notebook's numbers.
"""

from __future__ import annotations

import numpy as np

from ..datasets.synthetic import planar
from ..plots import plot_decision_function
from ._common import as_rng
from .c1w2 import sigmoid

Array = np.ndarray

__all__ = ["load_planar_dataset", "plot_decision_boundary", "sigmoid"]


def load_planar_dataset(seed: int = 1) -> tuple[Array, Array]:
    """The "flower": 400 points in 2-D, 200 red (y = 0) and 200 blue (y = 1), a = 4 petals.

    Seeds NumPy's global generator with ``seed`` (1, as the notebook) and draws from it, as the
    course's helper does. Returns X (2, 400) float64 and Y (1, 400) uint8.
    """
    X, Y = planar(m=400, noise=0.2, seed=as_rng(None, seed), dtype=np.float64)
    return X, Y.astype(np.uint8)


def plot_decision_boundary(model, X: Array, y, ax=None, path=None):
    """The course's plot: ``model`` is a function of points given as ROWS (k, 2) returning their
    labels — the notebook passes ``lambda x: predict(parameters, x.T)``; X: (2, m), y: (1, m).
    Draws the regions on a grid of step 0.01 with a margin of 1 and the examples on top;
    returns the matplotlib Figure (saved to ``path`` if given)."""
    return plot_decision_function(model, X, y, h=0.01, margin=1.0, ax=ax, path=path)
