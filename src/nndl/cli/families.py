"""Model families ``nndl train --model NAME`` builds, each trained by its own module.

``FAMILIES`` maps a name to ``"module:function"`` under ``nndl.cli``; the function takes the
parsed arguments and returns the exit code. "mlp" (the default) is the L-layer network of
``nndl train`` itself. A new family adds one line here.
"""

from __future__ import annotations

import importlib

FAMILIES: dict[str, str | None] = {
    "mlp": None,
    "char-rnn": "char_rnn:train",
    "date-attention": "date_attention:train",
}


def family_runner(name: str):
    """The training function of family ``name`` (None for the default mlp)."""
    target = FAMILIES[name]
    if target is None:
        return None
    module, fn = target.split(":")
    return getattr(importlib.import_module(f".{module}", __package__), fn)
