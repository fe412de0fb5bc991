"""Notebook defaults that run (issue 21, point 14): a fresh workspace with the 2026 sample
loaded, `tthc init .`, then every section notebook executed with nbclient from the notebooks
folder, as JupyterLab's Run All does, with the defaults init wrote."""

from __future__ import annotations

from datetime import date

import nbformat
import pytest
from helpers.paths import ROOT
from nbclient import NotebookClient

from tthc_lib.periods import Period
from tthc_lib.workspace.defaults import NotebookDefaults, last_complete_quarter, write_defaults
from tthc_lib.workspace.find import packaged_notebooks
from tthc_lib.workspace.init import init_workspace


@pytest.mark.parametrize(("today", "data_end", "calendar", "expected"), [
    (date(2026, 12, 5), date(2026, 11, 30), "calendar", (date(2026, 7, 1), date(2026, 9, 30))),
    (date(2026, 12, 5), date(2023, 10, 30), "calendar", (date(2023, 7, 1), date(2023, 9, 30))),
    (date(2026, 10, 1), None, "calendar", (date(2026, 7, 1), date(2026, 9, 30))),
    (date(2026, 9, 30), None, "calendar", (date(2026, 4, 1), date(2026, 6, 30))),
    (date(2026, 12, 5), None, "cutoff14", (date(2026, 6, 15), date(2026, 9, 14))),
    (date(2026, 1, 3), None, "calendar", (date(2025, 10, 1), date(2025, 12, 31))),
])
def test_the_last_complete_quarter(today, data_end, calendar, expected):
    assert last_complete_quarter(today, data_end, calendar) == Period(*expected)


def test_a_parameters_cell_the_analyst_rewrote_is_left_alone(tmp_path):
    src = packaged_notebooks() / "00_mo_dau.ipynb"
    dst = tmp_path / "00_mo_dau.ipynb"
    q3 = NotebookDefaults("HP", Period(date(2026, 7, 1), date(2026, 9, 30)))
    assert write_defaults(src, dst, q3) and not write_defaults(src, dst, q3)
    nb = nbformat.read(dst, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = "unit = 'HP03'\nperiod_start = '2026-01-01'\nperiod_end = '2026-06-30'"
    nbformat.write(nb, dst)
    assert not write_defaults(src, dst, NotebookDefaults("HP", Period(date(2026, 10, 1),
                                                                        date(2026, 12, 31))))
    assert "unit = 'HP03'" in dst.read_text(encoding="utf-8")


def test_every_notebook_of_a_fresh_2026_workspace_runs_all(tmp_path):
    from tthc_lib.ingest.load import load_exports
    from tthc_lib.sample.city import generate_sample
    from tthc_lib.store.connection import connect

    ws = tmp_path / "hai-phong"
    first = init_workspace(ws, today=date(2026, 12, 5))
    assert first.defaults.unit == ""               # nothing loaded yet
    files = generate_sample(ROOT / "params" / "sample_city_2026.yaml", tmp_path / "exports")
    con = connect(ws / "data" / "tthc.duckdb")
    try:
        assert not [r for r in load_exports(con, files) if r.error]
    finally:
        con.close()
    again = init_workspace(ws, today=date(2026, 12, 5))
    assert (again.defaults.unit, again.defaults.period) == (
        "HP", Period(date(2026, 7, 1), date(2026, 9, 30)))
    assert len(again.notebooks_updated) == 7
    assert (ws / "params" / "narrative" / "2026-07-01_2026-09-30.yaml").exists()
    for path in sorted((ws / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        assert errors == [], path.name
        shown = "".join(str(o.get("data", {}).get("text/markdown", "")) +
                        str(o.get("data", {}).get("text/html", ""))
                        for c in nb.cells for o in c.get("outputs", []))
        if path.name == "00_mo_dau.ipynb":
            assert "THÀNH PHỐ HẢI PHÒNG" in shown.upper()
