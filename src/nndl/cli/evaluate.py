"""``nndl evaluate MODEL --dataset NAME``: cost, accuracy, per-class precision/recall, confusion matrix."""

from __future__ import annotations

from . import CLIError
from .common import check_data_meta, emit, load_dataset


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="evaluate a saved model on a dataset split",
                       description="Cost, accuracy, per-class precision and recall, and the confusion matrix "
                                   "of a saved model on a dataset's test (or dev/train) split.")
    p.add_argument("model", help="a model file written by nndl (model.safetensors)")
    p.add_argument("--dataset", help="dataset name (default: the one the model was trained on)")
    p.add_argument("--split", default="test", choices=["train", "dev", "test"], help="which split (default: test)")
    p.add_argument("--seed", type=int, help="split seed (default: the training run's)")
    p.add_argument("--data-dir", help="folder with the dataset's files")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..io import load_with_extras
    from ..metrics import confusion_matrix, format_confusion_matrix, precision_recall_f1
    model, meta, tensors = load_with_extras(args.model)
    data_meta = check_data_meta(meta, tensors, model, args.model, for_raw_inputs=False)
    name = args.dataset or data_meta.get("dataset")
    if name is None:
        raise CLIError("the model file does not say which dataset it was trained on; pass --dataset")
    seed = args.seed if args.seed is not None else _training_seed(args.model)
    dataset = load_dataset(name, args.data_dir, seed)
    X, Y = getattr(dataset, f"X_{args.split}"), getattr(dataset, f"Y_{args.split}")
    if X.shape[0] != model.input_shape[0]:
        raise CLIError(f"the model expects {model.input_shape[0]} features, {name} has {X.shape[0]}")
    result = model.evaluate(X, Y)
    n_classes = dataset.n_classes
    cm = confusion_matrix(Y, model.predict(X), n_classes)
    precision, recall, f1 = precision_recall_f1(cm)[:3]
    classes = list(dataset.classes)
    payload = {"dataset": name, "split": args.split, "m": int(Y.shape[1]), **result,
               "per_class": {c: {"precision": float(p), "recall": float(r), "f1": float(f)}
                             for c, p, r, f in zip(classes, precision, recall, f1)},
               "confusion_matrix": cm.tolist()}
    lines = [f"{name} {args.split} ({Y.shape[1]} examples): cost {result['cost']:.4f}   accuracy {result['accuracy']:.2%}",
             "", f"{'class':<16}{'precision':>10}{'recall':>10}{'f1':>10}"]
    lines += [f"{c[:15]:<16}{p:>10.3f}{r:>10.3f}{f:>10.3f}" for c, p, r, f in zip(classes, precision, recall, f1)]
    lines += ["", "confusion matrix (rows: true class, columns: predicted):", format_confusion_matrix(cm, classes)]
    emit(args, "\n".join(lines), payload)
    return 0


def _training_seed(model_path) -> int:
    import json
    from pathlib import Path
    summary = Path(model_path).with_name("summary.json")
    if summary.is_file():
        try:
            return int(json.loads(summary.read_text()).get("seed", 1))
        except (ValueError, TypeError, AttributeError, OSError):  # a damaged summary: the default seed
            pass
    return 1
