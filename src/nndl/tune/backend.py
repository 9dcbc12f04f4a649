"""Optuna, the optional dependency every part of the search goes through."""


def import_optuna():
    """The optuna module, or an ImportError that says how to install it."""
    try:
        import optuna
    except ImportError:
        raise ImportError("hyperparameter search needs Optuna, an optional extra: "
                          "pip install optuna (or pip install nndl[tune])") from None
    return optuna
