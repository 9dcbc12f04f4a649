"""What both date translators' runs write at the end (``--model date-attention`` and
``--model date-transformer``): the model, its history, the attention heat map of the first
test date and summary.json, all into the claimed run directory."""

from __future__ import annotations

import json
from pathlib import Path

from ..files import atomic_write
from ..io import save


def write_date_run(args, model, task: str, run_dir: Path, data, sizes: dict, exact: float, chars: float,
                   seconds: float, decoding: str | None = None, title: str | None = None) -> tuple[dict, str]:
    """Write model.safetensors (tagged ``task``), history.csv, attention.png (unless
    ``--no-plots``; ``model.attention_weights(text)`` is (T_y, T_x)) and summary.json; return
    the summary and the lines to print. ``exact``/``chars``: test exact match and character
    accuracy; ``sizes``: the model's size options, recorded in the summary."""
    example, expected = data.test[0]
    translation = model.translate([example])[0]
    summary = {"model": task, "dataset": "dates", **sizes, "epochs": model.epochs_done, "seconds": round(seconds, 3),
               "train_examples": len(data.train), "test_examples": len(data.test),
               "test_exact_match": exact, "test_char_accuracy": chars,
               **({"decoding": decoding} if decoding else {}),
               "example": {"input": example, "output": translation, "expected": expected},
               "run_dir": str(run_dir)}
    save(model, run_dir / "model.safetensors", extra_metadata={"task": task})
    model.history.write_csv(run_dir / "history.csv")
    if not args.no_plots:
        from ..plots import plot_attention
        plot_attention(model.attention_weights(example), example, translation, path=run_dir / "attention.png",
                       title=f"{title}: {example!r} → {translation}" if title else None)
    atomic_write(run_dir / "summary.json", json.dumps(summary, indent=2))
    how = f", {decoding} decoding" if decoding else ""
    message = (f"test exact match {exact:.2%} ({len(data.test)} held-out dates{how}), characters {chars:.2%}\n"
               f"{example!r} → {translation} (expected {expected})\n"
               f"{model.epochs_done} epochs in {seconds:.1f} s; run directory: {run_dir}")
    return summary, message
