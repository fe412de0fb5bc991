"""What DuckDB's CSV reader is handed: a file name it cannot read as a pattern, and the SQL
that tells a row with fewer cells than the header's from one whose last cells are empty."""

from __future__ import annotations

import os
from pathlib import Path


def _sql_str(value) -> str:
    return str(value).replace("'", "''")


NO_CELL = "\x01\x02tthc: no such cell\x03"   # DuckDB's null string: never a cell's text


def short_sql(width: int) -> str:
    """SQL over DuckDB's cells c0..: the cell count of a row with fewer cells than the
    header's `width` that holds a value (its values are off their columns), else NULL."""
    cells = [f"c{i}" for i in range(width)]
    ws = _sql_str(" \t\u00a0")
    count = " + ".join(f"({c} IS NOT NULL)::INTEGER" for c in cells)
    return (f"CASE WHEN {cells[-1]} IS NULL AND trim(concat({', '.join(cells)}), '{ws}') <> '' "
            f"THEN {count} END")


def plain_link(path: Path, link: Path) -> Path | None:
    """`link`, a link to the file at `path` under a name DuckDB cannot read as a pattern;
    None when the system makes no link (the file is then copied as UTF-8 first)."""
    target = Path(path).resolve()
    for make in (os.symlink, os.link):
        try:
            make(target, link)
            return link
        except OSError:
            continue
    return None
