"""The notebooks run from top to bottom on small settings, and match their build script."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["whatif_staffing.ipynb", "sla_analysis.ipynb"]


def _builder():
    spec = importlib.util.spec_from_file_location(
        "build_notebooks", NOTEBOOKS / "build_notebooks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", NAMES)
def test_notebook_file_matches_its_build_script(name):
    built = _builder().build(name)
    stored = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert [c.source for c in stored.cells] == [c.source for c in built.cells]
    assert stored.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_small_settings_without_errors(name, monkeypatch):
    # The kernel inherits the environment; "python" in the kernelspec is this interpreter.
    monkeypatch.setenv("WFM_NB_SMALL", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))
    client = NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the notebook draws its plots"
    # The kernel ran on this interpreter's environment (the venv), not some other Python.
    assert nb.cells[-1].outputs[0]["text"].strip() == sys.prefix
