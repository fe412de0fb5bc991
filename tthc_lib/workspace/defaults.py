"""What a workspace's section notebooks run with when an analyst presses Run All: the office's
active top unit and its last complete period (a quarter of the office's calendar), taken from
the store, and the `parameters` cell that says so. `tthc init .` keeps them current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import nbformat

from tthc_lib.periods import Period, parse_period

__all__ = ["NotebookDefaults", "active_top_unit", "last_complete_quarter", "parameters_source",
           "store_defaults", "write_defaults"]

PARAMETERS_HEAD = "# Tham số: đơn vị, kỳ báo cáo, kho dữ liệu, thư mục params"


@dataclass(frozen=True)
class NotebookDefaults:
    unit: str
    period: Period


def last_complete_quarter(today: date, data_end: date | None = None,
                          calendar: str = "calendar") -> Period:
    """The last quarter of `calendar` that has ended before `today` and, when the store holds
    dossiers, on or before the last day they were received (`data_end`)."""
    limit = today - timedelta(days=1)
    if data_end is not None:
        limit = min(limit, data_end)
    year, quarter = limit.year, (limit.month - 1) // 3 + 1
    for _ in range(6):
        period = parse_period(f"{year}-Q{quarter}", calendar)
        if period.end <= limit:
            return period
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return period


def active_top_unit(con, as_of: date) -> str:
    """The root of the structure on `as_of` with the most units below it ('' before any ingest):
    the province after 1/7/2025, the old district or city before."""
    from tthc_lib.store.structure import sql_date, structure_ctes

    row = con.execute(f"""{structure_ctes(sql_date(as_of))}
        SELECT s.unit_code FROM structure s JOIN closure c ON c.ancestor = s.unit_code
        WHERE s.parent_code IS NULL GROUP BY s.unit_code
        ORDER BY count(*) DESC, s.unit_code LIMIT 1""").fetchone()
    return row[0] if row else ""


def store_defaults(db: Path, today: date, calendar: str = "calendar",
                   period: Period | None = None) -> NotebookDefaults:
    """The notebooks' defaults for the workspace whose store is `db` (`period` when given)."""
    if not db.exists():
        return NotebookDefaults("", period or last_complete_quarter(today, None, calendar))
    from tthc_lib.store.connection import open_store

    with open_store(db, read_only=True) as con:
        (data_end,) = con.execute("SELECT max(received_date) FROM dossiers").fetchone()
        period = period or last_complete_quarter(today, data_end, calendar)
        return NotebookDefaults(active_top_unit(con, period.end), period)


def parameters_source(defaults: NotebookDefaults) -> str:
    return "\n".join([
        f"{PARAMETERS_HEAD} (của thư mục làm việc này;",
        "# tthc init . đặt đơn vị cấp cao nhất đang hoạt động và kỳ đủ dữ liệu gần nhất)",
        f"unit = {defaults.unit!r}",
        f"period_start = {defaults.period.start.isoformat()!r}",
        f"period_end = {defaults.period.end.isoformat()!r}",
        'db = "../data/tthc.duckdb"',
        'params_dir = "../params"',
    ])


def write_defaults(src: Path, dst: Path, defaults: NotebookDefaults) -> bool:
    """Write `dst` from the packaged `src` (when missing) or refresh the parameters cell that
    init wrote there; a cell the analyst rewrote is left alone. True when `dst` changed."""
    nb = nbformat.read(dst if dst.exists() else src, as_version=4)
    cell = next((c for c in nb.cells
                 if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        return False
    written_by_init = cell.source.startswith("# Tham số: đơn vị, kỳ báo cáo")
    new = parameters_source(defaults)
    if dst.exists() and (not written_by_init or cell.source == new):
        return False
    cell.source = new
    nbformat.write(nb, dst)
    return True
