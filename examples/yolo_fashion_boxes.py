"""A YOLO-style detector trained from scratch on fashion-boxes (Course 4, week 3).

fashion-boxes: 1–4 Fashion-MNIST items on 64×64 canvases (20,000 train / 2,000 dev / 2,000
test). ``yolo_tiny()`` predicts, on an 8×8 grid with 3 anchors, objectness, box and one of
10 classes; it is trained with the YOLO loss and Adam (each canvas mirrored at random and moved
by up to 8 pixels, its boxes with it: ``BoxAugment``), and measured by mAP@0.5 (VOC's
all-point AP per class, averaged over the 10 classes) on the test canvases. A plot of the
predicted boxes on test canvases is written to docs/detections.png.

    python examples/yolo_fashion_boxes.py                      # the full run (20,000 canvases, 20 epochs)
    python examples/yolo_fashion_boxes.py --train 2000 --epochs 2   # a quick look
    python examples/yolo_fashion_boxes.py --load yolo.safetensors   # measure a saved detector

mAP counts every box as a detection of each class whose score p_o·p(class) reaches 0.01 (as
VOC's detectors report); the test line also gives the mAP with each box's best class only, and
with test-time flips (``flip_averaged_outputs``: the outputs on each canvas averaged with those
on its mirror image).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import nndl
from nndl.datasets import load_dataset
from nndl.detection_model import BoxAugment, detector_scores, yolo_tiny
from nndl.plots import plot_detections
from nndl.schedules import CosineDecay, Schedule

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--train", type=int, default=20_000, help="training canvases used")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--learning-rate", type=float, default=2e-3)
    ap.add_argument("--schedule", choices=("cosine", "constant"), default="cosine",
                    help="α per epoch: cosine decay from --learning-rate to 0 over the epochs, or constant")
    ap.add_argument("--flip", action=argparse.BooleanOptionalAction, default=True,
                    help="mirror each training canvas and its boxes with probability ½ (default: on)")
    ap.add_argument("--shift", type=int, default=8,
                    help="move each training canvas and its boxes by up to this many pixels (default: 8)")
    ap.add_argument("--widths", default="16,32,64,192", help="yolo_tiny's four stage widths (default: 16,32,64,192)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plot", default=str(DOCS / "detections.png"))
    ap.add_argument("--save", default=None, help="write the model to this .safetensors file after every epoch")
    ap.add_argument("--load", default=None, help="measure this saved detector instead of training one")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    data = load_dataset("fashion-boxes")
    widths = tuple(int(w) for w in args.widths.split(","))
    model = nndl.load(args.load) if args.load else yolo_tiny(widths=widths, seed=args.seed)
    encode = lambda boxes, classes: model.loss_fn.encode(boxes, classes, 64)  # noqa: E731
    X, Y = data.X_train[:args.train], encode(data.boxes_train[:args.train], data.classes_train[:args.train])
    Y_dev = encode(data.boxes_dev, data.classes_dev)
    schedule = CosineDecay(total_epochs=args.epochs) if args.schedule == "cosine" else Schedule()
    for epoch in range(0 if args.load else args.epochs):
        history = model.fit(X, Y, epochs=1, batch_size=args.batch_size, optimizer="adam" if epoch == 0 else None,
                            learning_rate=schedule(epoch, args.learning_rate), seed=args.seed + epoch,
                            augment=BoxAugment(model.loss_fn, flip=0.5 if args.flip else 0.0, shift=args.shift),
                            verbose=0)
        if args.save:
            model.save(args.save)
        dev = model.evaluate(data.X_dev, Y_dev)
        print(f"epoch {epoch + 1}: cost {history.history['cost'][-1]:.3f}, dev cost {dev['cost']:.3f}, "
              f"dev mAP@0.5 {dev['mAP']:.4f} ({time.perf_counter() - start:.0f} s)", flush=True)
    Y_test = encode(data.boxes_test, data.classes_test)
    test = detector_scores(model, data.X_test, Y_test)
    elapsed = time.perf_counter() - start
    print(f"test mAP@0.5 {test['mAP']:.4f} (best class only: {test['mAP_best_class']:.4f}; cost {test['cost']:.3f}); "
          f"with the flip-averaged outputs {test['mAP_flip_averaged']:.4f}; total {elapsed:.0f} s")
    if args.plot:
        P = model.predict_proba(data.X_test[:8])
        truth = model.loss_fn.ground_truth(encode(data.boxes_test[:8], data.classes_test[:8]))
        plot_detections(data.X_test[:8], model.loss_fn.detections(P), truth, class_names=data.classes,
                        min_score=0.3, path=args.plot, cols=4)
    return {"test_mAP": test["mAP"], "test_mAP_flip_averaged": test["mAP_flip_averaged"], "seconds": elapsed}


if __name__ == "__main__":
    main()
