"""examples/quickstart.ipynb runs end to end in a real Jupyter kernel (nbclient + ipykernel),
and its outputs show what the text promises."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parent.parent


def test_quickstart_notebook_runs_end_to_end(tmp_path, monkeypatch):
    # the kernel imports nndl from this checkout, whatever is installed
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    nb = nbformat.read(ROOT / "examples" / "quickstart.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs if "data" in o)
    accuracy = float(text.split("test accuracy ")[1].split("%")[0])
    assert accuracy > 90
    assert float(text.split("scikit-learn score ")[1].split("%")[0]) > 90
    assert "{'a': 3.0, 'b': 6.0, 'c': 9.0}" in text
    assert "<table class='nndl-summary'>" in html  # the model's _repr_html_
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images and all(o.output_type == "display_data" for o in images)  # the live learning curve
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)  # the computation graph
    assert list((tmp_path / "runs" / "quickstart").glob("events.out.tfevents.*"))
