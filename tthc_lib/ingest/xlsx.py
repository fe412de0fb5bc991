"""Grid files (.xlsx, BIFF .xls, .ods, an HTML table saved as .xls/.htm; recognised by their
bytes, `tthc_lib.ingest.grid`), read sheet by sheet: every sheet with a recognisable header row
is part of the file (docs/input-format.md § Formats by content), its rows staged with their sheet
row numbers. Sheets without a header row are named in one note. The sheet's stored dimension is not
trusted: only rows that hold a value are read."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from tthc_lib import vocab
from tthc_lib.errors import InputError
from tthc_lib.ingest import grid
from tthc_lib.ingest.base import BATCH_ROWS, Export, Reader, Shape
from tthc_lib.ingest.controls import CellCleaner
from tthc_lib.ingest.headers import Header, find_header, staged_columns
from tthc_lib.ingest.workbook import CalamineGrid

SHEET_BITS = 32               # a staged `_line` is (sheet index << SHEET_BITS) | sheet row
ROW_MASK = (1 << SHEET_BITS) - 1
ABSENT = 1 << 30              # the position of a column a sheet does not have



class XlsxExport(Export):
    """A grid file: the sheets with a recognisable header row, in workbook order."""

    def __init__(self, path, label, header, sheets: list[tuple[str, Header]],
                 skipped: list[str], fmt: str = "xlsx"):
        super().__init__(path, label, header)
        self.sheets = sheets
        self.skipped = skipped
        self.fmt = fmt

    @property
    def notes(self) -> list[str]:
        if not self.skipped:
            return super().notes
        names = ", ".join(f'"{s}"' for s in self.skipped)
        return [*super().notes,
                f"{self.label}: bỏ qua trang tính {names} vì không có dòng tiêu đề."]

    def line_label_sql(self, x: str) -> str:
        """SQL: `Sheet!row` of staged line `x`."""
        whens = " ".join(f"WHEN {i} THEN {_lit(name + '!')}"
                         for i, (name, _h) in enumerate(self.sheets))
        return f"(CASE ({x} >> {SHEET_BITS}) {whens} END || ({x} & {ROW_MASK}))"

    def sheet_sql(self, x: str) -> str:
        whens = " ".join(f"WHEN {i} THEN {_lit(name)}" for i, (name, _h) in enumerate(self.sheets))
        return f"CASE ({x} >> {SHEET_BITS}) {whens} END"

    def stage(self, con, table: str, shape: Shape) -> None:
        self.sha256 = _sha256(self.path)
        book = grid.open_grid(self.path, self.label, self.fmt)
        try:
            if isinstance(book, CalamineGrid):
                self._stage_tables(con, table, self._tables(book), shape)
            else:
                self._stage_rows(con, table, self._rows(book), shape)
        finally:
            book.close()
            grid.forget(self.path)

    def _rows(self, book):
        """(line, cells, positions, width) of every sheet's data rows: the positions of the
        staged columns in that sheet."""
        cols = staged_columns(self.header)
        for index, (name, header) in enumerate(self.sheets):
            at = [header.positions.get(c, ABSENT) for c in cols]
            for n, cells in book.rows(name):
                if n > header.line:
                    yield (index << SHEET_BITS) | n, cells, at, header.width


    def _tables(self, book):
        """Arrow tables of every sheet's data rows, column by column (a workbook); the
        characters XML cannot hold replaced in them are added to `cleaned`, as `_stage_rows`
        adds them."""
        cols = staged_columns(self.header)
        cleaner = CellCleaner()
        for index, (name, header) in enumerate(self.sheets):
            at = {c: header.positions.get(c, ABSENT) for c in cols}
            yield from book.column_batches(name, header.line, at, header.width,
                                           index << SHEET_BITS, BATCH_ROWS, cleaner)
        self.cleaned += cleaner.count


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _merged(kind: str, sheets: list[tuple[str, Header]]) -> Header:
    """One header for the file: the first sheet's, with the columns only later sheets have
    after its own, in canonical order."""
    first = sheets[0][1]
    names = set().union(*(h.positions for _n, h in sheets))
    extra = [c.name for c in vocab.SCHEMAS[kind] if c.name in names and c.name not in
             first.positions]
    positions = dict(first.positions)
    for name in extra:
        positions[name] = max(positions.values(), default=-1) + 1
    return replace(first, positions=positions, width=max(first.width, len(positions)))


class XlsxReader(Reader):
    """Grid files by content: .xlsx, BIFF .xls and .ods (python-calamine), HTML tables
    (lxml); a ZIP that is no spreadsheet and an encrypted workbook are refused here."""

    name = "grid"

    def accepts(self, path: Path, head: bytes) -> bool:
        return grid.sniff(head) != "text"

    def open(self, path: Path, label: str, head: bytes) -> Export:
        fmt = grid.grid_format(path, head)
        book = grid.open_grid(path, label, fmt)
        try:
            sheets, skipped, last_error = self._headers(book, label)
        finally:
            book.close()
        if not sheets:
            raise last_error or InputError(f"{label}: tệp bảng tính không có trang tính nào.",
                                           file=label)
        kinds = {h.kind for _n, h in sheets}
        if len(kinds) > 1:
            listed = ", ".join(f'"{n}" ({vocab.KIND_LABELS[h.kind]})' for n, h in sheets)
            raise InputError(f"{label}: các trang tính chứa nhiều loại dữ liệu ({listed}); "
                             "mỗi tệp chỉ được chứa một loại.", file=label, reason="ambiguous")
        header = _merged(sheets[0][1].kind, sheets)
        return XlsxExport(path, label, header, sheets, skipped, fmt)

    @staticmethod
    def _headers(book, label: str):
        sheets, skipped, last_error = [], [], None
        for name in book.names():
            try:
                sheets.append((name, find_header(book.rows(name), label)))
            except InputError as exc:
                if exc.attrs.get("reason") != "no_header":
                    raise
                skipped.append(name)
                last_error = exc
        return sheets, skipped, last_error
