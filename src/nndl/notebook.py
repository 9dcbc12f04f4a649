"""Notebook helpers: a model's summary as an HTML table, and a live learning curve.

``summary_html(model)`` is what Jupyter shows for a model (``model._repr_html_()``): one row
per layer with its output shape (batch axis shown as m) and parameter count, then the totals.

``LiveLearningCurve`` redraws the cost (and the dev cost) after every ``every`` epochs in the
notebook cell that runs ``fit``; outside Jupyter it prints one line per ``every`` epochs
instead (or nothing with ``quiet=True``), so the same code runs in a script.
"""

from __future__ import annotations

import io

from .callbacks import Callback
from .display import summary_html

__all__ = ["LiveLearningCurve", "in_notebook", "summary_html"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython's ZMQ shell), False in a script or a terminal IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class LiveLearningCurve(Callback):
    """Redraw the learning curve (cost per epoch, train and dev) while ``fit`` runs.

    In Jupyter: one figure (PNG, via matplotlib) updated in place every ``every`` epochs.
    Elsewhere: one text line per ``every`` epochs, or nothing with ``quiet=True``.
    ``history`` holds what was drawn: {"epoch": [...], "cost": [...], "val_cost": [...]}.
    """

    def __init__(self, every: int = 1, quiet: bool = False, figsize=(5.0, 3.2)):
        if every < 1:
            raise ValueError(f"every must be >= 1 epoch, got {every}")
        self.every, self.quiet, self.figsize = int(every), quiet, figsize
        self.history: dict[str, list[float]] = {"epoch": [], "cost": [], "val_cost": []}
        self.handle = None
        self.live = False

    def on_train_begin(self, model) -> None:
        self.live = in_notebook()

    def on_epoch_end(self, epoch, logs, model) -> None:
        self.history["epoch"].append(epoch + 1)
        self.history["cost"].append(float(logs["cost"]))
        if "val_cost" in logs:
            self.history["val_cost"].append(float(logs["val_cost"]))
        if (epoch + 1) % self.every:
            return
        if self.live:
            self._draw()
        elif not self.quiet:
            dev = f"  dev cost {logs['val_cost']:.4f}" if "val_cost" in logs else ""
            print(f"epoch {epoch + 1}: cost {logs['cost']:.4f}{dev}")

    def png(self) -> bytes:
        """The current curve as PNG bytes (needs matplotlib)."""
        from matplotlib.figure import Figure
        fig = Figure(figsize=self.figsize)
        ax = fig.subplots()
        h = self.history
        ax.plot(h["epoch"], h["cost"], label="train")
        if h["val_cost"]:
            ax.plot(h["epoch"][:len(h["val_cost"])], h["val_cost"], label="dev")
        ax.set_xlabel("epoch")
        ax.set_ylabel("cost J")
        ax.legend()
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80)
        return buf.getvalue()

    def _draw(self) -> None:
        from IPython.display import Image, display
        image = Image(data=self.png(), format="png")
        if self.handle is None:
            self.handle = display(image, display_id=True)
        else:
            self.handle.update(image)
