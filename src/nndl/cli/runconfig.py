"""The types of a run directory's config.json, checked before ``nndl train --resume`` uses it."""

from __future__ import annotations

from . import CLIError

# The type of each config.json entry (None allowed where the option may be off), so a
# resumed run refuses a damaged or hand-edited config with one line instead of failing later.
CONFIG_TYPES = {
    "dataset": (str,), "layers": (str, None), "activation": (str,), "init": (str, None), "epochs": (int,),
    "batch_size": (int,), "lr": (float,), "optimizer": (str,), "beta": (float, None), "beta2": (float, None),
    "lambd": (float,), "keep_prob": (float, None), "batch_norm": (bool,), "lr_schedule": (str, None),
    "clip_value": (float, None), "clip_norm": (float, None), "early_stopping": (int, None),
    "checkpoint_every": (int,), "seed": (int,), "data_dir": (str, None), "hidden_default": (list,),
}


def check_config_types(cfg, source: str) -> dict:
    """``cfg`` (read from ``source``) if every entry has its type (ints for int entries,
    numbers for float ones, a list of positive ints for hidden_default); CLIError otherwise."""
    if not isinstance(cfg, dict):
        raise CLIError(f"{source} must hold a JSON object, got {type(cfg).__name__}")
    for key, kinds in CONFIG_TYPES.items():
        if key not in cfg:
            raise CLIError(f"{source} has no {key!r}; it was not written by nndl train, or it was edited")
        v = cfg[key]
        ok = _has_type(v, kinds)
        if key == "hidden_default" and ok:
            ok = all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in v)
        if not ok:
            want = " or ".join("null" if k is None else {float: "number"}.get(k, k.__name__) for k in kinds)
            raise CLIError(f"{source}: {key!r} must be {want}, got {v!r}")
    choices = {"activation": ("relu", "tanh", "sigmoid", "leaky_relu"), "optimizer": ("gd", "momentum", "rmsprop", "adam"),
               "init": ("he", "xavier", "glorot_uniform", "random", "zeros", None)}
    for key, allowed in choices.items():
        if cfg[key] not in allowed:
            raise CLIError(f"{source}: {key!r} must be one of {', '.join(map(str, allowed))}, got {cfg[key]!r}")
    return cfg


def _has_type(v, kinds) -> bool:
    """Whether the JSON value v is one of ``kinds``: None for null, float for any number
    (a JSON 3 is a float option's 3.0), bool only for bool (JSON true is not an int here)."""
    if v is None or isinstance(v, bool):
        return (None if v is None else bool) in kinds
    if float in kinds and isinstance(v, (int, float)):
        return True
    return any(k is not None and k is not float and isinstance(v, k) for k in kinds)
