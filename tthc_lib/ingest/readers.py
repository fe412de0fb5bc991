"""Readers: turn an export file (CSV/TSV/TXT in any of the seen encodings, or XLSX) into a
staged DuckDB table of text values, one row per data row, with the line a user finds it on.

Every reader follows the same steps (the `Reader` base class): sample the first rows, find the
header row (the first row whose whole headers name every required column of exactly one kind),
then stage the rows below it. Staging hands the caller's `shape` a relation with one VARCHAR
column per recognised column, named canonically, in file order, and materialises what `shape`
selects from it, with `_line` (the line or sheet row a user finds the row on) beside. Personal
data and extra columns are never staged.
"""

from __future__ import annotations

import os
from pathlib import Path

from tthc_lib.errors import InputError
from tthc_lib.ingest import profiles, text
from tthc_lib.ingest.base import Export, ReaderRegistry
from tthc_lib.ingest.profiled import open_profiled
from tthc_lib.ingest.text import TextReader
from tthc_lib.ingest.xlsx import XlsxReader

READERS = ReaderRegistry()
READERS.register("grid", XlsxReader())
READERS.register("text", TextReader())


def open_export(path: str | os.PathLike, label: str | None = None) -> Export:
    """Open one export: recognise its reader and find its header. Raises InputError."""
    path = Path(path)
    label = label if label is not None else str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(text.SNIFF_BYTES)
    except FileNotFoundError:
        raise InputError(f"{label}: không tìm thấy tệp.", file=label) from None
    except IsADirectoryError:
        raise InputError(f"{label}: là thư mục, không phải tệp bảng.", file=label) from None
    except OSError as exc:
        raise InputError(f"{label}: không đọc được tệp ({exc.strerror}).", file=label) from None
    if not head.strip():
        raise InputError(f"{label}: tệp rỗng; cần một bảng có dòng tiêu đề.", file=label)
    reader = READERS.for_file(path, head)
    if reader.name in ("grid", "text"):     # a CSV with title or group rows too (profiles.md)
        profiled = open_profiled(path, label, profiles.office_sources())
        if profiled is not None:
            return profiled
    return reader.open(path, label, head)
