"""The registry of model classes, so that model files name a class and nothing imports it.

``@register_model`` on a ``Model`` subclass makes ``nndl.load``, checkpoints and ``--resume``
rebuild it from its config by class name (``MODELS[name].from_config(config)``); loading
never executes code from a file.
"""

from __future__ import annotations

MODELS: dict[str, type] = {}


def register_model(cls: type) -> type:
    """Class decorator: make a model class known to model files by its name."""
    MODELS[cls.__name__] = cls
    return cls
