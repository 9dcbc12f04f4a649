"""``nndl train``: train an L-layer network on a dataset and write a run directory.

RUN_DIR holds config.json (every option, so ``--resume`` repeats the run exactly),
checkpoint.safetensors (weights + optimizer + random state, every ``--checkpoint-every``
epochs), model.safetensors (final weights with the dataset's classes and input
preprocessing), history.csv, summary.json and, with matplotlib, cost.png (plus decision_boundary.png for 2-D data
and first_layer_weights.png for images into an mlp; conv_filters.png and feature_maps.png for
``--model lenet5`` / ``resnet``, which keep the images (m, n_H, n_W, n_C)).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..files import LOCK_NAME, atomic_write, lock_run_dir
from ..limits import check_optional
from ..schedules import get_schedule
from . import CLIError
from ..preprocessing import as_model_input
from .common import (emit, load_dataset, parse_augment, parse_layers, preprocessing_of, refuse_used_run_dir,
                     run_dir_for, warn)
from .runconfig import check_config_types

# Per dataset: hidden layer sizes, epochs, mini-batch size, Adam's learning rate, L2 λ
# (chosen on the dev split over seeds 1–5).
DEFAULTS = {
    "digits": dict(hidden=[16, 16], epochs=150, batch_size=32, lr=0.003, lambd=0.1),  # 3Blue1Brown's network
    "mnist": dict(hidden=[16, 16], epochs=10, batch_size=64, lr=0.001),
    "fashion-mnist": dict(hidden=[16, 16], epochs=10, batch_size=64, lr=0.001),
    "fashion-mnist-shifted": dict(hidden=[16, 16], epochs=10, batch_size=64, lr=0.001),
    "breast-cancer": dict(hidden=[16], epochs=100, batch_size=32, lr=0.001),
    "flower": dict(hidden=[16, 16], epochs=150, batch_size=32, lr=0.01),
    "moons": dict(hidden=[16, 16], epochs=150, batch_size=32, lr=0.01),
    "circles": dict(hidden=[16, 16], epochs=150, batch_size=32, lr=0.01),
    "spirals": dict(hidden=[32, 32], epochs=300, batch_size=32, lr=0.01),
    "xor": dict(hidden=[16, 16], epochs=150, batch_size=32, lr=0.01),
    "football": dict(hidden=[16, 16], epochs=150, batch_size=32, lr=0.01),
}
FALLBACK = dict(hidden=[16, 16], epochs=20, batch_size=64, lr=0.001)
# Convolutional networks on images (m, n_H, n_W, n_C), per --model: Adam with mini-batches of
# 128, α decayed by a cosine over the run's epochs ("cosine"), and the
# augmentation of the training mini-batches (an --augment spec, None: none). LeNet-5's was
# chosen on the dev split (BENCHMARKS.md); the ResNet's is the recipe of its measured run.
CNN_DEFAULTS = {
    "lenet5": dict(hidden=[], epochs=10, batch_size=128, lr=0.005, lr_schedule="cosine", augment=None),
    "resnet": dict(hidden=[], epochs=24, batch_size=128, lr=0.001, lr_schedule="cosine", augment="shift=2,flip"),
}
DEFAULT_LR = {"gd": 0.1, "sgd": 0.1, "momentum": 0.1, "rmsprop": 0.001}
CONFIG_KEYS = ("dataset", "layers", "activation", "init", "epochs", "batch_size", "lr", "optimizer", "beta",
               "beta2", "lambd", "keep_prob", "batch_norm", "lr_schedule", "clip_value", "clip_norm",
               "early_stopping", "checkpoint_every", "seed", "data_dir", "model", "augment")


def _per_dataset(key: str, fallback=None) -> str:
    """"0.003 for digits; 0.001 for mnist, fashion-mnist; …" from DEFAULTS, for --help."""
    groups: dict = {}
    for name, d in DEFAULTS.items():
        groups.setdefault(d.get(key, fallback), []).append(name)
    return "; ".join(f"{v:g} for {', '.join(names)}" if isinstance(v, float) else f"{v} for {', '.join(names)}"
                     for v, names in groups.items())


def _recipe_help(key: str) -> str:
    """"10 for --model lenet5; 12 for --model resnet" from CNN_DEFAULTS, for --help."""
    return "; ".join(f"{d[key] or 'none'} for --model {name}" for name, d in CNN_DEFAULTS.items())


def add_parser(sub) -> None:
    from .common import dataset_names
    p = sub.add_parser(
        "train", help="train a network and write a run directory",
        description="Train an L-layer network (default: the 3Blue1Brown digit network, two hidden layers "
                    "of 16, on the embedded 8x8 digits). Writes RUN_DIR with the model, history.csv, "
                    "summary.json and a cost curve.")
    from .families import FAMILIES
    p.add_argument("--model", default="mlp", choices=sorted(FAMILIES),
                   help="model family (default: mlp, the L-layer network); lenet5, resnet: convolutional "
                        "networks on the dataset's images, kept (m, n_H, n_W, n_C); yolo-tiny: the detector of "
                        "--dataset fashion-boxes; char-rnn: a character language model of --dataset names; "
                        "word2vec: skip-gram word vectors of --dataset kjv; lstm-classifier, "
                        "transformer-classifier: text classifiers of --dataset fortunes")
    p.add_argument("--augment", metavar="SPEC",
                   help="data augmentation of training images, e.g. shift=2,flip or crop=3 "
                        "(random shifts, crops, horizontal flips; convolutional models; default: "
                        f"{_recipe_help('augment')}; shift=8,flip for --model yolo-tiny, which moves "
                        "the boxes with the canvases and takes shift and flip only; none: no augmentation)")
    p.add_argument("--dataset", default="digits",
                   help=f"one of: {', '.join(dataset_names())} (default: digits); for the other --model "
                        "families: fashion-boxes (yolo-tiny), names (char-rnn), kjv (word2vec), fortunes "
                        "(the text classifiers)")
    p.add_argument("--layers", help="layer sizes n_x,n[1],…,n[L], e.g. 784,256,128,10 "
                                    "(default: the dataset's input, 16, 16, its classes)")
    p.add_argument("--activation", default="relu", choices=["relu", "tanh", "sigmoid", "leaky_relu"],
                   help="hidden activation (default: relu)")
    p.add_argument("--init", choices=["he", "xavier", "glorot_uniform", "random", "zeros"],
                   help="weight initialization (default: he for relu, xavier for tanh/sigmoid)")
    p.add_argument("--epochs", type=int, help=f"epochs (default: {_per_dataset('epochs')}; "
                                              f"{_recipe_help('epochs')})")
    p.add_argument("--batch-size", type=int, help="mini-batch size; 0 = batch gradient descent "
                                                  f"(default: {_per_dataset('batch_size')}; "
                                                  f"{_recipe_help('batch_size')})")
    p.add_argument("--lr", type=float, help=f"learning rate α (default with adam: {_per_dataset('lr')}; "
                                            f"{_recipe_help('lr')}; 0.1 with gd and momentum, 0.001 with rmsprop)")
    p.add_argument("--optimizer", default="adam", choices=["gd", "momentum", "rmsprop", "adam"],
                   help="optimizer (default: adam)")
    p.add_argument("--beta", type=float, help="momentum β, or Adam's β1 (default 0.9)")
    p.add_argument("--beta2", type=float, help="RMSprop/Adam β2 (default 0.999)")
    p.add_argument("--lambd", type=float, help=f"L2 regularization λ (default: {_per_dataset('lambd', 0.0)})")
    p.add_argument("--keep-prob", type=float, help="dropout keep probability for hidden layers (default: none)")
    p.add_argument("--batch-norm", action="store_true", help="batch normalization in hidden layers")
    p.add_argument("--lr-schedule", help="learning-rate decay, e.g. inverse_time:decay_rate=1, "
                                         "exponential:decay_rate=0.95, step:drop=0.5,every=10, cosine (over the run's "
                                         "epochs), cosine:total_epochs=20 (default: none for mlp; cosine for lenet5, "
                                         "resnet and yolo-tiny; none: a constant α)")
    p.add_argument("--clip-value", type=float, help="clip each gradient element to ±value")
    p.add_argument("--clip-norm", type=float, help="clip the gradients' global norm")
    p.add_argument("--early-stopping", type=int, metavar="PATIENCE",
                   help="stop when the dev cost has not improved for PATIENCE epochs; keep the best weights")
    p.add_argument("--checkpoint-every", type=int, default=1, metavar="N", help="checkpoint every N epochs (default 1)")
    p.add_argument("--seed", type=int, default=1, help="seed for splits, initialization, shuffling, dropout "
                                                       "(default 1, as nndl tune's)")
    p.add_argument("--out", help="run directory (default: runs/DATASET-TIMESTAMP)")
    p.add_argument("--n-examples", type=int, help="generated datasets (dates): distinct examples, split 80/10/10")
    p.add_argument("--data-dir", help="folder with the dataset's files (MNIST/Fashion-MNIST IDX)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR (any --model) from its "
                                                       "checkpoint, optionally to a new --epochs; every other "
                                                       "option comes from the run (RUN_DIR/config.json)")
    p.add_argument("--tensorboard", metavar="DIR", help="write TensorBoard event files to DIR (scalars, "
                                                        "weight/gradient histograms, first-layer weights)")
    p.add_argument("--json", action="store_true", help="print one machine-readable summary line")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-plots", action="store_true", help="do not write cost.png")
    from .train_word2vec import add_options as add_word2vec_options
    add_word2vec_options(p)
    from .text_clf import add_options as add_text_classifier_options
    add_text_classifier_options(p)
    p.set_defaults(handler=run, parser_defaults=vars(p.parse_args([])), parser_types=_option_types(p))


def _option_types(p) -> dict[str, tuple[str, list | None]]:
    """Each option's value type ("bool", "int", "float" or "str") and choices, by name: what a
    run's recorded options are checked against before ``--resume`` replays them."""
    types = {}
    for action in p._actions:
        if action.dest != "help":
            kind = "bool" if action.nargs == 0 else (action.type or str).__name__
            types[action.dest] = (kind, list(action.choices) if action.choices else None)
    return types


def _ignored_on_resume(args, cfg: dict) -> list[str]:
    """The options given on the command line that --resume does not apply (all but --epochs:
    a resumed run repeats RUN_DIR/config.json), as "--lr 0.1 (the run's: 0.003)"."""
    defaults = getattr(args, "parser_defaults", {})
    ignored = []
    for key in (*CONFIG_KEYS, "out"):
        given = getattr(args, key, None)
        if key == "epochs" or key not in defaults or given == defaults[key] or given == cfg.get(key):
            continue
        flag = "--" + key.replace("_", "-")
        ignored.append(f"{flag} {given}" if key == "out" else f"{flag} {given} (the run's: {cfg.get(key)})")
    return ignored


def _config_from_args(args) -> dict:
    cfg = {k: getattr(args, k) for k in CONFIG_KEYS}
    defaults = DEFAULTS.get(args.dataset, FALLBACK) if args.model == "mlp" else CNN_DEFAULTS[args.model]
    cfg["hidden_default"] = defaults["hidden"]
    for key in ("epochs", "batch_size"):
        if cfg[key] is None:
            cfg[key] = defaults[key]
    for key in ("lr_schedule", "augment"):  # "none" turns a family's default off
        if cfg[key] is None and defaults.get(key):
            cfg[key] = defaults[key]
        elif cfg[key] is not None and cfg[key].strip().lower() == "none":
            cfg[key] = None
    if cfg["lambd"] is None:
        cfg["lambd"] = defaults.get("lambd", 0.0)
    if cfg["lr"] is None:
        cfg["lr"] = defaults["lr"] if args.optimizer == "adam" else DEFAULT_LR[args.optimizer]
    return cfg


def _validate(cfg: dict) -> None:
    """Every option in its range and finite, before any data is loaded."""
    def check(flag, key, **limits):
        try:
            check_optional(flag, cfg[key], **limits)
        except ValueError as e:
            raise CLIError(str(e)) from None

    if cfg["epochs"] < 1:
        raise CLIError(f"--epochs must be at least 1, got {cfg['epochs']}")
    if cfg["batch_size"] < 0:
        raise CLIError(f"--batch-size must be positive (or 0 for batch gradient descent), got {cfg['batch_size']}")
    if cfg["batch_norm"] and cfg["batch_size"] == 1:
        raise CLIError("--batch-norm needs mini-batches of at least 2 examples (it normalizes over the batch), "
                       "got --batch-size 1")
    check("--lr", "lr", low=0, low_open=True)
    check("--keep-prob", "keep_prob", low=0, high=1, low_open=True)
    check("--lambd", "lambd", low=0)
    check("--beta", "beta", low=0, high=1, high_open=True)
    check("--beta2", "beta2", low=0, high=1, high_open=True)
    check("--clip-value", "clip_value", low=0, low_open=True)
    check("--clip-norm", "clip_norm", low=0, low_open=True)
    if cfg["early_stopping"] is not None and cfg["early_stopping"] < 0:
        raise CLIError(f"--early-stopping must be >= 0 epochs of patience, got {cfg['early_stopping']}")
    if cfg["checkpoint_every"] < 1:
        raise CLIError(f"--checkpoint-every must be at least 1, got {cfg['checkpoint_every']}")
    if cfg["layers"]:
        if cfg["model"] != "mlp":
            raise CLIError(f"--layers sets the sizes of the mlp; --model {cfg['model']} has its own layers")
        parse_layers(cfg["layers"])
    _augment(cfg)
    try:
        get_schedule(cfg["lr_schedule"], cfg["epochs"])
    except (ValueError, TypeError) as e:
        raise CLIError(f"--lr-schedule: {e}") from None


def _augment(cfg: dict):
    """--augment "shift=2,crop=1,flip" → an nndl.augment.Augment (None without the option)."""
    if not cfg.get("augment"):
        return None
    from ..augment import Augment
    if cfg["model"] == "mlp":
        raise CLIError("--augment transforms images: use it with --model lenet5 or resnet")
    options = parse_augment(cfg["augment"], ("shift", "crop", "flip"))
    try:
        return Augment(shift=options.get("shift", 0), crop=options.get("crop", 0), flip=bool(options.get("flip")))
    except ValueError as e:
        raise CLIError(f"--augment {cfg['augment']!r}: {e}") from None


def _check_augment_fits(cfg: dict, dataset) -> None:
    """--augment's shift and crop smaller than the dataset's images, before a run directory exists."""
    augment = _augment(cfg)
    if augment is not None and dataset.image_shape:
        try:
            augment.check_images((1, *dataset.image_shape[:2], 1))
        except ValueError as e:
            raise CLIError(f"--augment {cfg['augment']!r}: {e}") from None


def _build_model(cfg: dict, dataset):
    from ..models import lenet5, mlp, resnet
    if cfg["model"] != "mlp":
        if not dataset.image_shape:
            raise CLIError(f"--model {cfg['model']} needs images; {dataset.name} has {dataset.n_x} plain features")
        shape = tuple(dataset.image_shape) + ((1,) if len(dataset.image_shape) == 2 else ())
        build = lenet5 if cfg["model"] == "lenet5" else resnet
        return build(input_shape=shape, n_classes=max(dataset.n_classes, 2), seed=cfg["seed"])
    n_out = 1 if dataset.n_classes == 2 else dataset.n_classes
    dims = parse_layers(cfg["layers"]) if cfg["layers"] else [dataset.n_x, *cfg["hidden_default"], n_out]
    if dims[0] != dataset.n_x:
        raise CLIError(f"--layers starts with {dims[0]}, but {dataset.name} examples have {dataset.n_x} features")
    if dims[-1] not in (n_out, dataset.n_classes):
        raise CLIError(f"--layers ends with {dims[-1]}, but {dataset.name} has {dataset.n_classes} classes "
                       f"(use {n_out})")
    output = "sigmoid" if dims[-1] == 1 else "softmax"
    return mlp(dims, hidden=cfg["activation"], output=output, init=cfg["init"], keep_prob=cfg["keep_prob"],
               batch_norm=cfg["batch_norm"], lambd=cfg["lambd"], seed=cfg["seed"])


def _optimizer(cfg: dict):
    from ..optimizers import get_optimizer
    kwargs = {"learning_rate": cfg["lr"]}
    if cfg["optimizer"] == "momentum":
        kwargs["beta"] = cfg["beta"]
    elif cfg["optimizer"] == "adam":
        kwargs.update(beta1=cfg["beta"], beta2=cfg["beta2"])
    elif cfg["optimizer"] == "rmsprop":
        kwargs["beta2"] = cfg["beta2"]
    return get_optimizer(cfg["optimizer"], **kwargs)


def run(args) -> int:
    """Train (or resume) the run the parsed ``args`` describe, holding RUN_DIR's lock throughout."""
    from .families import family_runner
    from .resumable import resumed_family
    if args.resume:  # the run's own family: an mlp's, a ConvNet's, or a family runner's (cli.resumable)
        args.model = resumed_family(args)
    runner = family_runner(getattr(args, "model", "mlp"))
    if runner is not None:
        return runner(args)
    if args.resume:
        run_dir = Path(args.resume)
        cfg = _resumed_config(run_dir, args.epochs)
        ignored = _ignored_on_resume(args, cfg)
        if ignored:
            warn(f"--resume continues {run_dir} with the options of its config.json; ignored: "
                 + ", ".join(ignored) + " (start a new run with --out to change them)")
    else:
        cfg = _config_from_args(args)
        run_dir = run_dir_for(args.out, args.dataset)
        _refuse_used(run_dir)
    _validate(cfg)
    dataset = load_dataset(cfg["dataset"], cfg["data_dir"], cfg["seed"])
    _check_augment_fits(cfg, dataset)
    fresh = not run_dir.exists()
    with lock_run_dir(run_dir):  # one run at a time writes here; a second one stops at once
        if not args.resume:
            _refuse_used(run_dir)  # another run may have written here since the first look
        try:
            return _train(args, cfg, dataset, run_dir)
        except BaseException:
            if fresh:
                _remove_if_unused(run_dir)
            raise


def _remove_if_unused(run_dir: Path) -> None:
    """Remove a run directory this command created when it failed before its first checkpoint
    (only config.json and the lock in it), so that the same --out can simply be tried again."""
    names = {p.name for p in run_dir.iterdir()}
    if names <= {LOCK_NAME, "config.json"}:
        for name in names - {LOCK_NAME}:
            (run_dir / name).unlink()
        (run_dir / LOCK_NAME).unlink()
        run_dir.rmdir()


def _refuse_used(run_dir: Path) -> None:
    refuse_used_run_dir(run_dir, "choose another --out or continue it with --resume")


def _resumed_config(run_dir: Path, epochs: int | None) -> dict:
    """RUN_DIR/config.json, its types checked, with a new --epochs if given."""
    from .resumable import checkpoint_path
    config_path = run_dir / "config.json"
    if not config_path.is_file():
        raise CLIError(f"{run_dir} is not a run directory (no config.json); nothing to resume")
    try:
        cfg = json.loads(config_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CLIError(f"{config_path} is not valid JSON ({e}); it was damaged or edited") from None
    if isinstance(cfg, dict):  # runs written before convolutional models: an mlp, no augmentation
        cfg.setdefault("model", "mlp")
        cfg.setdefault("augment", None)
    cfg = check_config_types(cfg, str(config_path))
    if epochs is not None:
        if cfg.get("lr_schedule") == f"cosine:total_epochs={cfg['epochs']}":  # as earlier versions wrote a cosine
            cfg["lr_schedule"] = "cosine"                                     # over the run: it spans the new total
        cfg["epochs"] = epochs
    checkpoint_path(run_dir)  # a run stopped before its first checkpoint is refused here
    return cfg


def _train(args, cfg: dict, dataset, run_dir: Path) -> int:
    from ..backup import BackupAndRestore
    from ..callbacks import EarlyStopping
    from ..models import TrainingDiverged
    from .resumable import checkpoint_epoch

    checkpoint = run_dir / "checkpoint.safetensors"
    # Every epoch's checkpoint also records the dataset's classes and input preprocessing, so that
    # ``nndl predict RUN/checkpoint.safetensors`` treats raw inputs as the final model does; with
    # --resume the freshly built model continues from it (nndl.backup), as every family's does.
    meta, tensors = preprocessing_of(dataset)
    backup = BackupAndRestore(checkpoint, cfg["checkpoint_every"], restore=bool(args.resume),
                              extra_metadata=meta, extra_tensors=tensors)
    model = _build_model(cfg, dataset)
    if args.resume:
        done = checkpoint_epoch(checkpoint)
        if done >= cfg["epochs"]:
            raise CLIError(f"the run already has {done} epochs; pass --epochs N with N > {done}")
        if not args.json:
            print(f"nndl: resuming {run_dir} at epoch {done}, training to epoch {cfg['epochs']}")
    atomic_write(run_dir / "config.json", json.dumps(cfg, indent=2))

    callbacks = []
    if cfg["early_stopping"]:  # its state goes into each epoch's checkpoint (written after every callback)
        callbacks.append(EarlyStopping("val_cost", patience=cfg["early_stopping"]))
    if getattr(args, "tensorboard", None):
        from ..tensorboard import TensorBoard
        callbacks.append(TensorBoard(args.tensorboard, image_shape=dataset.image_shape))
    verbose = 0 if args.no_progress else 1
    if not args.json:
        name = 'x'.join(map(str, _dims(model, dataset))) if cfg["model"] == "mlp" else cfg["model"]
        print(f"nndl: training {name} "
              f"on {dataset.name} ({dataset.X_train.shape[1]} train / {dataset.X_dev.shape[1]} dev / "
              f"{dataset.X_test.shape[1]} test) → {run_dir}")
    start = time.perf_counter()
    try:
        model.fit(as_model_input(model, dataset.X_train), dataset.Y_train, epochs=cfg["epochs"],
                  batch_size=cfg["batch_size"] or None, optimizer=_optimizer(cfg), augment=_augment(cfg),
                  validation_data=(as_model_input(model, dataset.X_dev), dataset.Y_dev),
                  callbacks=callbacks, verbose=verbose, backup=backup,
                  lr_schedule=get_schedule(cfg["lr_schedule"], cfg["epochs"]), clip_value=cfg["clip_value"],
                  clip_norm=cfg["clip_norm"])
    except TrainingDiverged as e:
        model.history.write_csv(run_dir / "history.csv")
        kept = f"the last good checkpoint is {checkpoint}" if checkpoint.exists() else "no checkpoint was written yet"
        raise CLIError(f"{e}; {kept}") from None
    seconds = time.perf_counter() - start
    return _finish(args, cfg, dataset, model, run_dir, seconds, backup.restored_epoch or 0)


def _finish(args, cfg, dataset, model, run_dir: Path, seconds: float, first_epoch: int = 0) -> int:
    from ..io import save
    results = {split: model.evaluate(as_model_input(model, getattr(dataset, f"X_{split}")), getattr(dataset, f"Y_{split}"))
               for split in ("train", "dev", "test")}
    if getattr(dataset, "X_train_dev", None) is not None:  # Course 3's train-dev set, when the dataset has one
        results["train_dev"] = model.evaluate(dataset.X_train_dev, dataset.Y_train_dev)
    meta, tensors = preprocessing_of(dataset)
    save(model, run_dir / "model.safetensors", extra_metadata=meta, extra_tensors=tensors)
    model.history.write_csv(run_dir / "history.csv")
    summary = {
        "dataset": dataset.name, "seed": cfg["seed"], "model": cfg["model"], "layers": _dims(model, dataset),
        "epochs": model.epochs_done, "seconds": round(seconds, 3),
        **{f"{s}_accuracy": r["accuracy"] for s, r in results.items()},
        **{f"{s}_cost": r["cost"] for s, r in results.items()},
        "classes": list(dataset.classes), "image_shape": list(dataset.image_shape) if dataset.image_shape else None,
        "run_dir": str(run_dir),
    }
    atomic_write(run_dir / "summary.json", json.dumps(summary, indent=2))
    if not args.no_plots:
        _plot(model, dataset, run_dir)
    text = (f"train accuracy {results['train']['accuracy']:.2%}   dev accuracy {results['dev']['accuracy']:.2%}   "
            f"test accuracy {results['test']['accuracy']:.2%}\n"
            + (f"{model.epochs_done} epochs in {seconds:.1f} s" if not first_epoch else
               f"epochs {first_epoch + 1}–{model.epochs_done} (resumed at epoch {first_epoch}) in {seconds:.1f} s")
            + f"; run directory: {run_dir}")
    emit(args, text, summary)
    return 0


def _dims(model, dataset) -> list[int]:
    return [dataset.n_x] + [layer.units for layer in model.layers if hasattr(layer, "units")]


def _plot(model, dataset, run_dir: Path) -> None:
    """cost.png always; decision_boundary.png for 2-D data; first_layer_weights.png for images
    into an mlp; conv_filters.png and feature_maps.png (the first test image) for a ConvNet."""
    try:
        from .. import plots
        lambd = max((float(getattr(layer, "l2", 0.0) or 0.0) for layer in model.layers), default=0.0)
        plots.plot_history(model.history, path=run_dir / "cost.png", lambd=lambd)  # says when J has the L2 term
        if dataset.n_x == 2:
            plots.plot_decision_boundary(model, dataset.X_train, dataset.Y_train,
                                         path=run_dir / "decision_boundary.png")
        if len(model.input_shape) == 3:
            plots.plot_conv_filters(model, path=run_dir / "conv_filters.png")
            plots.plot_feature_maps(model, as_model_input(model, dataset.X_test[:, :1])[0],
                                    path=run_dir / "feature_maps.png")
        elif dataset.image_shape:
            plots.plot_first_layer_weights(model, dataset.image_shape, path=run_dir / "first_layer_weights.png")
    except ImportError as e:  # matplotlib is an optional extra
        warn(f"no plots ({e})")
