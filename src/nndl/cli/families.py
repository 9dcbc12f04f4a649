"""Model families ``nndl train --model NAME`` builds, each trained by its own module.

``FAMILIES`` maps a name to ``"module:function"`` under ``nndl.cli``; the function takes the
parsed arguments and returns the exit code. None: trained by ``nndl train`` itself on the
dataset's arrays — "mlp" (the default L-layer network) and the convolutional "lenet5" and
"resnet" (images kept (m, n_H, n_W, n_C)). A new family adds one line here; its runner gets
per-epoch checkpoints and ``--resume RUN_DIR`` with the decorator ``@resumable``
(``cli.resumable``) when it trains with ``fit`` inside ``claim_new_run_dir``, as these do.
"""

from __future__ import annotations

import importlib

FAMILIES: dict[str, str | None] = {
    "mlp": None,
    "lenet5": None,
    "resnet": None,
    "char-rnn": "char_rnn:train",
    "word2vec": "train_word2vec:run",
    "yolo-tiny": "train_detection:run",
    "lstm-classifier": "text_clf:train",
    "transformer-classifier": "text_clf:train",
    "date-attention": "date_attention:train",
    "date-transformer": "date_transformer:train",
}


def family_runner(name: str):
    """The training function of family ``name`` (None for those ``nndl train`` trains itself)."""
    target = FAMILIES[name]
    if target is None:
        return None
    module, fn = target.split(":")
    return getattr(importlib.import_module(f".{module}", __package__), fn)
