"""``nndl train --model yolo-tiny --dataset fashion-boxes``: train the YOLO detector.

RUN_DIR gets config.json, checkpoint.safetensors (every ``--checkpoint-every`` epochs; resumable
with ``--resume RUN_DIR``), model.safetensors, history.csv (cost, mAP and their dev values per
epoch), summary.json (dev and test mAP@0.5) and, with matplotlib, cost.png and detections.png
(predicted boxes on eight test canvases, ground truth dashed); the summary's test mAP comes
plain and with test-time flips (``flip_averaged_outputs``). The default recipe is the measured
run's: 20 epochs, batch 64, Adam α = 2e-3 decayed by a cosine over the run's epochs, each
training canvas mirrored with its boxes at random and moved by up to 8 pixels
(``--augment shift=8,flip``; ``flip``, ``shift=N`` alone, or ``none``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..files import atomic_write
from . import CLIError
from .common import claim_new_run_dir, emit, parse_augment, refuse_used_run_dir, run_dir_for, warn
from .resumable import resumable

# The recipe of the measured run (examples/yolo_fashion_boxes.py, BENCHMARKS.md): Adam α = 2e-3
# decayed by a cosine over the run's epochs, canvases mirrored and moved with their boxes at random.
DEFAULTS = dict(epochs=20, batch_size=64, lr=0.002, augment="shift=8,flip")
CONFIG_KEYS = ("model", "dataset", "epochs", "batch_size", "lr", "lr_schedule", "augment", "seed",
               "checkpoint_every", "data_dir")


@resumable
def run(args) -> int:
    """Train a detector run (resumed by ``resumable``); the options other models take are refused if set."""
    if args.dataset != "fashion-boxes":
        raise CLIError(f"--model yolo-tiny trains on --dataset fashion-boxes, got {args.dataset!r}")
    for flag, value in (("--layers", args.layers), ("--batch-norm", args.batch_norm),
                        ("--keep-prob", args.keep_prob), ("--lambd", args.lambd)):
        if value:
            raise CLIError(f"{flag} does not apply to --model yolo-tiny")
    cfg = {k: getattr(args, k, None) for k in CONFIG_KEYS}
    cfg["model"] = "yolo-tiny"
    for k, v in DEFAULTS.items():
        if cfg[k] is None:
            cfg[k] = v
    cfg["lr_schedule"] = cfg["lr_schedule"] or "cosine"   # "cosine": over the run's epochs, however many
    cfg["augment"] = cfg["augment"].strip().lower()
    _box_augment_options(cfg)
    run_dir = run_dir_for(args.out, "yolo-tiny")
    refuse_used_run_dir(run_dir)
    if cfg["epochs"] < 1 or cfg["batch_size"] < 1 or not cfg["lr"] > 0:
        raise CLIError("--epochs and --batch-size must be at least 1 and --lr positive")
    try:
        _schedule(cfg)
    except ValueError as e:
        raise CLIError(f"--lr-schedule: {e}") from None
    from ..datasets import load_dataset
    data = load_dataset("fashion-boxes", data_dir=cfg["data_dir"], seed=cfg["seed"])
    with claim_new_run_dir(run_dir):
        return _train(args, cfg, data, run_dir)


def _box_augment_options(cfg) -> dict:
    """--augment "shift=8,flip" → BoxAugment's keywords {"flip": ½ or 0, "shift": pixels}."""
    options = {} if cfg["augment"] == "none" else parse_augment(cfg["augment"], ("shift", "flip"))
    return {"flip": 0.5 if options.get("flip") else 0.0, "shift": options.get("shift", 0)}


def _schedule(cfg):
    """The run's --lr-schedule: "cosine" decays over the run's epochs (a resumed run's new
    --epochs included), "none" keeps α constant."""
    from ..schedules import get_schedule
    spec = cfg["lr_schedule"].strip()
    return None if spec.lower() == "none" else get_schedule(spec, cfg["epochs"])


def _train(args, cfg, data, run_dir: Path) -> int:
    from ..detection_model import BoxAugment, detector_scores, yolo_tiny
    from ..io import save

    model = yolo_tiny(seed=cfg["seed"])
    atomic_write(run_dir / "config.json", json.dumps(cfg, indent=2))
    encode = lambda boxes, classes: model.loss_fn.encode(boxes, classes, data.image_shape[0])  # noqa: E731
    Y_train, Y_dev = encode(data.boxes_train, data.classes_train), encode(data.boxes_dev, data.classes_dev)
    if not args.json:
        print(f"nndl: training yolo-tiny ({model.n_params:,} parameters) on {data.name} "
              f"({len(data.X_train)} train / {len(data.X_dev)} dev / {len(data.X_test)} test) → {run_dir}")
    start = time.perf_counter()
    model.fit(data.X_train, Y_train, epochs=cfg["epochs"], batch_size=cfg["batch_size"], optimizer="adam",
              learning_rate=cfg["lr"], lr_schedule=_schedule(cfg), validation_data=(data.X_dev, Y_dev),
              augment=BoxAugment(model.loss_fn, **_box_augment_options(cfg)),
              verbose=0 if args.no_progress else 1)
    seconds = time.perf_counter() - start
    Y_test = encode(data.boxes_test, data.classes_test)
    dev, test = model.evaluate(data.X_dev, Y_dev), detector_scores(model, data.X_test, Y_test)
    save(model, run_dir / "model.safetensors", extra_metadata={"data": {"classes": list(data.classes)}})
    model.history.write_csv(run_dir / "history.csv")
    summary = {"model": "yolo-tiny", "dataset": data.name, "seed": cfg["seed"], "epochs": model.epochs_done,
               "seconds": round(seconds, 3), "dev_mAP": dev["mAP"], "test_mAP": test["mAP"],
               "test_mAP_flip_averaged": test["mAP_flip_averaged"], "test_mAP_best_class": test["mAP_best_class"],
               "dev_cost": dev["cost"], "test_cost": test["cost"], "classes": list(data.classes),
               "run_dir": str(run_dir)}
    atomic_write(run_dir / "summary.json", json.dumps(summary, indent=2))
    if not args.no_plots:
        try:
            from .. import plots
            plots.plot_history(model.history, path=run_dir / "cost.png")
            k = min(8, len(data.X_test))
            truth = model.loss_fn.ground_truth(Y_test[:k])
            plots.plot_detections(data.X_test[:k], model.loss_fn.detections(model.predict_proba(data.X_test[:k])),
                                  truth, class_names=data.classes, path=run_dir / "detections.png", cols=4)
        except ImportError as e:
            warn(f"no plots ({e})")
    emit(args, f"dev mAP@0.5 {dev['mAP']:.4f}   test mAP@0.5 {test['mAP']:.4f} "
               f"(with test-time flips {test['mAP_flip_averaged']:.4f})\n"
               f"{model.epochs_done} epochs in {seconds:.1f} s; run directory: {run_dir}", summary)
    return 0
