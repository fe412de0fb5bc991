"""A small city store and the fixture notebooks the batch tests render (tests/conftest.py
holds the `batch` fixture built on them)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from helpers.paths import ROOT, data_path
from tthc_lib.batch.runner import output_path, render_reports
from tthc_lib.content.request import report_request
from tthc_lib.periods import Period
from tthc_lib.store.connection import connect

PERIOD = Period(date(2023, 1, 1), date(2023, 10, 30))
NOTEBOOKS = data_path("notebooks_broken")


def city_store(path: Path) -> Path:
    """A city C with wards W1 and W2, a few dossiers each."""
    con = connect(path)
    con.execute("""INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES
        ('C', 'Thành phố X', 'Thành phố', 'district', NULL),
        ('W1', 'Phường A', 'Phường', 'commune', 'C'),
        ('W2', 'Xã B', 'Xã', 'commune', 'C')""")
    con.execute("INSERT INTO procedures VALUES ('P1', 'Đăng ký khai sinh', 'Hộ tịch', "
                "'commune', 'full')")
    for i, unit in enumerate(["C", "W1", "W1", "W2"]):
        add_dossier(con, f"d{i}", unit)
    con.close()
    return path


def add_dossier(con, did: str, unit: str, day: int = 1) -> None:
    con.execute("""INSERT INTO dossiers (dossier_id, unit_code, procedure_code, channel,
        status, received_at, due_at, closed_at, received_date, due_date, closed_date,
        digitised_on_receipt, result_digitised) VALUES (?, ?, 'P1', 'online', 'resolved',
        ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?::DATE, ?::DATE, ?::DATE, false, false)""",
                [did, unit, f"2023-03-{day:02d} 09:00+07", f"2023-03-{day + 5:02d} 17:00+07",
                 f"2023-03-{day + 2:02d} 10:00+07", f"2023-03-{day:02d}",
                 f"2023-03-{day + 5:02d}", f"2023-03-{day + 2:02d}"])


def ran(summary) -> dict[str, int]:
    """unit -> sections executed, for the units that ran."""
    return {o.unit: o.executed for o in summary.outcomes if not o.skipped}


def make_batch(tmp_path: Path):
    """A store, a copy of params/ and of the fixture notebooks, an output folder; `run(**kw)`
    renders the reports (HTML only unless told) and returns the summary."""
    db = city_store(tmp_path / "store.duckdb")
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    out = tmp_path / "out"

    class Batch:
        def run(self, units=None, to=("html",), **kw):
            return render_reports(report_request("", PERIOD, db, params, to), units, out,
                                  notebooks_dir=notebooks, **kw)

        def path(self, name, unit="", section=""):
            return output_path(out, name, PERIOD, unit, section)

    b = Batch()
    b.db, b.params, b.notebooks, b.out = db, params, notebooks, out
    return b
