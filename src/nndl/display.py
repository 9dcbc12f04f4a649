"""A model's summary as HTML: what Jupyter shows for a model (``model._repr_html_()``)."""

from __future__ import annotations

import html

from .validation import batch_shape


def summary_html(model) -> str:
    """The model's summary (layers, output shapes, parameters) as an HTML table."""
    rows = []
    layers = getattr(model, "layers", None) or list(model.named_layers().values())
    for layer in layers:
        shape = layer.output_shape
        shape_s = "?" if shape is None else batch_shape(shape, layer.output_batch_axis)
        rows.append(f"<tr><td>{html.escape(repr(layer))}</td><td>{html.escape(str(shape_s))}</td>"
                    f"<td style='text-align:right'>{layer.n_params:,}</td></tr>")
    n_params = model.n_params if model.built else 0
    return ("<table class='nndl-summary'><thead><tr><th>Layer</th><th>Output shape</th><th>Params</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody><tfoot><tr><td colspan='3'>Total params: {n_params:,}"
            f" &nbsp; loss: {html.escape(model.loss)} &nbsp; dtype: {model.dtype.name}</td></tr></tfoot></table>")
