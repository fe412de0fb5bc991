"""The papermill engine `tthc` (batch/engine.py): found through papermill's entry point, runs
an analyst's `papermill --engine tthc` on a section notebook, and keeps one warm kernel for
the notebooks a process runs, each in a fresh namespace."""

from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat
import papermill
from conftest import ROOT, data_path
from papermill.engines import papermill_engines
from test_runner import _store

from tthc_lib.batch.engine import TthcEngine
from tthc_lib.batch.state import worker_state


def _html(nb) -> str:
    return "\n".join("".join(o.get("data", {}).get("text/html", ""))
                     for c in nb.cells for o in c.get("outputs", []))


def test_the_engine_is_registered_through_the_entry_point():
    assert papermill_engines.get_engine("tthc") is TthcEngine


def test_papermill_cli_runs_a_section_notebook_with_engine_tthc(tmp_path):
    db = _store(tmp_path / "store.duckdb")
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    out = tmp_path / "W1.ipynb"
    done = subprocess.run(
        [sys.executable, "-m", "papermill", "--engine", "tthc", "--no-progress-bar",
         str(ROOT / "notebooks" / "02_giai_quyet_ho_so.ipynb"), str(out), "-p", "unit", "W1",
         "-p", "db", str(db), "-p", "params_dir", str(params)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata.papermill.parameters["unit"] == "W1"
    assert 'unit = "W1"' in nb.cells[1].source  # papermill's injected parameters
    assert all(c.metadata.papermill.status == "completed" for c in nb.cells)
    assert "Phường A" in _html(nb) or "phường A" in _html(nb)


def test_a_process_keeps_one_kernel_and_isolates_notebooks(tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(data_path("notebooks_broken"), notebooks)
    db = _store(tmp_path / "store.duckdb")
    shutil.copytree(ROOT / "params", tmp_path / "params")
    parameters = {"unit": "W2", "db": str(db), "params_dir": str(tmp_path / "params")}
    first = papermill.execute_notebook(notebooks / "00_header.ipynb", None, parameters,
                                       engine_name="tthc", progress_bar=False)
    kernel = worker_state().session._km
    second = papermill.execute_notebook(notebooks / "01_maybe_broken.ipynb", None, parameters,
                                        engine_name="tthc", progress_bar=False)
    assert worker_state().session._km is kernel and kernel.is_alive()
    # 01 asserts that 00's variable is gone: it ran to the end
    assert second.metadata.papermill.exception is None
    assert "Xã B" in _html(first) or "XÃ B" in _html(first)
