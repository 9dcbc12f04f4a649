"""``nndl export MODEL_OR_RUN_DIR out.onnx``: a trained network as an ONNX file.

The graph computes A[L] (probabilities for a classifier) from the network's input — the
features after the preprocessing recorded in the model file (images scaled to [0, 1],
tabular data standardized); that preprocessing and the class names are stored in the
file's metadata ("nndl_data").
"""

from __future__ import annotations

from pathlib import Path

from . import CLIError
from .common import emit


def add_parser(sub) -> None:
    """Register the ``export`` verb on the subparsers ``sub``."""
    p = sub.add_parser("export", help="export a trained network as ONNX",
                       description="Write a trained network (a model file, or a run directory with "
                                   "model.safetensors) as an ONNX file, checked with onnx.checker. "
                                   "Needs the onnx package: pip install onnx.")
    p.add_argument("model", help="model.safetensors, or a run directory written by nndl train")
    p.add_argument("out", help="the ONNX file to write, e.g. digits.onnx")
    p.add_argument("--layout", choices=["course", "rows"], default="course",
                   help="input/output layout: course = X (n_x, m) → A (n_y, m) (default); "
                        "rows = X (m, n_x) → A (m, n_y)")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    p.set_defaults(handler=run)


def run(args) -> int:
    from ..io import load_with_extras
    path = Path(args.model)
    if path.is_dir():
        path = path / "model.safetensors"
    model, meta, _ = load_with_extras(path)
    try:
        from ..export import to_onnx
        proto = to_onnx(model, args.out, layout=args.layout, opset=args.opset,
                        metadata={"nndl_data": meta["data"]} if "data" in meta else None)
    except ImportError as e:
        raise CLIError(str(e)) from None
    shape = lambda v: tuple(d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim)  # noqa: E731
    x, a = proto.graph.input[0], proto.graph.output[0]
    text = (f"wrote {args.out}: X {shape(x)} → A {shape(a)} ({args.layout} layout, opset {args.opset}, "
            f"{len(proto.graph.node)} nodes); checked with onnx.checker")
    emit(args, text, {"out": args.out, "layout": args.layout, "input_shape": list(shape(x)),
                      "output_shape": list(shape(a)), "opset": args.opset})
    return 0
