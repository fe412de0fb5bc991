"""The papermill engine `tthc` (batch/engine.py): found through papermill's entry point, runs
an analyst's `papermill --engine tthc` on a section notebook, and keeps one warm kernel for
the notebooks a process runs, each in a fresh namespace."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date

import nbformat
import papermill
from helpers.batch import city_store
from helpers.paths import ROOT, data_path
from papermill.engines import papermill_engines

from tthc_lib.batch.engine import TthcEngine
from tthc_lib.batch.state import worker_state
from tthc_lib.content.request import notebook_parameters
from tthc_lib.periods import Period


def _html(nb) -> str:
    return "\n".join("".join(o.get("data", {}).get("text/html", ""))
                     for c in nb.cells for o in c.get("outputs", []))


def test_the_engine_is_registered_through_the_entry_point():
    assert papermill_engines.get_engine("tthc") is TthcEngine


def test_papermill_cli_runs_a_section_notebook_with_engine_tthc(tmp_path):
    db = city_store(tmp_path / "store.duckdb")
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
    db = city_store(tmp_path / "store.duckdb")
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


def _without_times(nb) -> dict:
    """The notebook as JSON, without papermill's clock readings, its output path, the random
    id of its injected cell and the execution counts (which go on in a warm kernel)."""
    import json

    data = json.loads(nbformat.writes(nb))
    clock = ("start_time", "end_time", "duration")
    for part in [data["metadata"]["papermill"]] + [c["metadata"].get("papermill", {})
                                                    for c in data["cells"]]:
        for key in clock + ("output_path",):
            part.pop(key, None)
    for cell in data["cells"]:
        cell["metadata"].pop("execution", None)
        cell.pop("execution_count", None)
        if "injected-parameters" in cell["metadata"].get("tags", []):
            cell.pop("id")
        for output in cell.get("outputs", []):
            output.pop("execution_count", None)
    return data


def _task(tmp_path, unit: str, notebooks):
    from tthc_lib.batch.tasks import UnitTask
    from tthc_lib.content.request import report_request

    db = city_store(tmp_path / "store.duckdb")
    if not (tmp_path / "params").exists():
        shutil.copytree(ROOT / "params", tmp_path / "params")
    request = report_request(unit, Period(date(2023, 1, 1), date(2023, 10, 30)), db,
                             tmp_path / "params", ("html",))
    return UnitTask(request, str(tmp_path / "out"), tuple((p.stem, str(p)) for p in notebooks),
                    frozenset(p.stem for p in notebooks))


def test_the_worker_writes_papermills_notebook_once_and_uses_it_as_written(tmp_path):
    """The executed notebook the worker writes is valid nbformat, is what papermill itself
    writes for the same run (clock readings apart), names its own path, and the notebook the
    worker goes on with equals the file."""
    from tthc_lib.batch.worker import _execute_section

    source = ROOT / "notebooks" / "02_giai_quyet_ho_so.ipynb"
    task = _task(tmp_path, "W1", [source])
    target = tmp_path / "out" / "{W1}" / "02.ipynb"  # papermill formats paths: braces stay
    nb, failure = _execute_section(task, "02", source, target)
    assert failure is None
    written = nbformat.read(target, as_version=4)
    nbformat.validate(written)
    assert nb == written
    assert written.metadata.papermill.output_path == str(target)
    assert written.metadata.papermill.input_path == str(source)
    by_papermill = papermill.execute_notebook(
        str(source), str(tmp_path / "papermill.ipynb"), notebook_parameters(task.request), engine_name="tthc",
        kernel_name="python3", language="python", request_save_on_cell_execute=False,
        progress_bar=False, kernel_cwd=str(source.parent))
    assert _without_times(written) == _without_times(
        nbformat.read(tmp_path / "papermill.ipynb", as_version=4))
    assert _without_times(by_papermill) == _without_times(written)
    assert sorted(p.name for p in target.parent.iterdir()) == ["02.ipynb"]  # no temporary


def test_a_failed_section_is_written_with_papermills_error_marker(tmp_path):
    from tthc_lib.batch.worker import _execute_section

    notebooks = tmp_path / "notebooks"
    shutil.copytree(data_path("notebooks_broken"), notebooks)
    source = notebooks / "01_maybe_broken.ipynb"
    task = _task(tmp_path, "W2", [source])
    (tmp_path / "params" / "broken_units.txt").write_text("W2\n")
    target = tmp_path / "out" / "W2_01.ipynb"
    nb, failure = _execute_section(task, "01", source, target)
    assert (failure.unit, failure.section, failure.path) == ("W2", "01", str(target))
    assert failure.error == "RuntimeError: mục hỏng cho đơn vị W2"
    written = nbformat.read(target, as_version=4)
    assert nb == written
    assert written.cells[0].metadata.tags == ["papermill-error-cell-tag"]
    assert "An Exception was encountered at" in written.cells[0].source
