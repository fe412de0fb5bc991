"""Grid files: any export that is a table of cells rather than delimited text — an Excel
workbook (.xlsx), an Excel 97-2003 workbook (BIFF .xls), an OpenDocument spreadsheet (.ods) or
an HTML table saved under any name (the usual "Xuất Excel" of a web one-stop system) — read as
rows of cell texts, sheet by sheet, with the row number a user finds each row on.

The format is recognised by the file's bytes, never by its extension (`sniff`). Workbooks are
read with python-calamine, HTML tables with lxml (`tthc_lib.ingest.html_table`). Only rows
that hold a value are yielded: a sheet whose stored dimension reaches row 1,048,576 with three
data rows yields three rows (plus its header), and costs as little.

This is the seam the source profiles build on: `grid_rows(path)` yields `GridRow(sheet, row,
cells)` for every sheet of any grid file; its shape stays stable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from tthc_lib.errors import InputError
from tthc_lib.ingest import formats
from tthc_lib.ingest.formats import Grid, cell_text, grid_format, sniff
from tthc_lib.ingest.html_table import HtmlGrid
from tthc_lib.ingest.workbook import CalamineGrid

__all__ = ["GridRow", "cell_text", "forget", "grid_format", "grid_rows", "open_grid",
           "sheet_names", "sheet_rows", "sniff"]


def forget(path: str | os.PathLike) -> None:
    """Release what was kept of the file at `path` between finding its header and staging."""
    CalamineGrid.forget(Path(path))


class GridRow(NamedTuple):
    """One row of a grid file: its sheet's name, the 1-based row number a user sees in that
    sheet, and the texts of its cells ("" for an empty cell), from column A (the first)."""

    sheet: str
    row: int
    cells: list[str]


def open_grid(path: str | os.PathLike, label: str | None = None,
              fmt: str | None = None) -> Grid:
    """The grid of a file recognised by its bytes; InputError for a file that is no grid
    (a text file included) or that cannot be opened. Close it when done."""
    path = Path(path)
    label = label if label is not None else str(path)
    fmt = fmt or grid_format(path)
    if fmt in ("xlsx", "xls", "ods"):
        return CalamineGrid(path, label, fmt)
    if fmt == "html":
        return HtmlGrid(path, label)
    if fmt in ("zip", "encrypted"):
        raise formats.refuse(label, fmt)
    raise InputError(f"{label}: không phải bảng tính hay bảng HTML (tệp văn bản); đọc bằng "
                     "tthc ingest như tệp CSV.", file=label, reason="format")


def sheet_names(path: str | os.PathLike, label: str | None = None) -> list[str]:
    """The sheets of a grid file, in workbook order (an HTML file: one per table)."""
    path = Path(path)
    label = label if label is not None else str(path)
    return open_grid(path, label).names()


def sheet_rows(path: str | os.PathLike, sheet: str,
               label: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) of the rows of one sheet that hold a value."""
    path = Path(path)
    label = label if label is not None else str(path)
    grid = open_grid(path, label)
    try:
        yield from grid.rows(sheet)
    finally:
        grid.close()


def grid_rows(path: str | os.PathLike, label: str | None = None) -> Iterator[GridRow]:
    """Every row that holds a value, of every sheet of a grid file, in workbook order.

    Raises InputError (one Vietnamese line naming the file) for a file that is no grid file,
    a damaged or encrypted workbook, or an HTML file without a table.
    """
    path = Path(path)
    label = label if label is not None else str(path)
    grid = open_grid(path, label)
    try:
        for name in grid.names():
            for row, cells in grid.rows(name):
                yield GridRow(name, row, cells)
    finally:
        grid.close()
