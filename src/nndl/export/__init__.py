"""Exporting nndl models to other formats: ONNX (``to_onnx``), one exporter per layer type.

    from nndl.export import to_onnx
    to_onnx(model, "model.onnx")                  # input X: (n_x, m), the course's layout
    to_onnx(model, "model.onnx", layout="rows")   # input X: (m, n_x), examples as rows

A new layer type plugs in with ``@register_onnx_exporter("ConvLayerName")``; the tests walk
``nndl.layers.LAYERS`` and fail for any layer without an exporter.
"""

from .onnx import LAYOUTS, ONNX_EXPORTERS, OnnxGraph, register_onnx_exporter, to_onnx

__all__ = ["LAYOUTS", "ONNX_EXPORTERS", "OnnxGraph", "register_onnx_exporter", "to_onnx"]
from . import onnx_sequence  # noqa: E402,F401  (registers the sequence layers' exporters)
