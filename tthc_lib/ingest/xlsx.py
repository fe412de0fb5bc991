"""Excel workbooks, read sheet by sheet: every sheet with a recognisable header row is part of
the file (input-format.md), its rows staged with their sheet row numbers. Sheets without a
header row are named in one note. The sheet's stored dimension is not trusted."""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path
from xml.etree.ElementTree import ParseError

from tthc_lib import vocab
from tthc_lib.errors import InputError
from tthc_lib.ingest.base import Export, Reader, Shape
from tthc_lib.ingest.headers import Header, find_header, staged_columns

SHEET_BITS = 32               # a staged `_line` is (sheet index << SHEET_BITS) | sheet row
ROW_MASK = (1 << SHEET_BITS) - 1
ABSENT = 1 << 30              # the position of a column a sheet does not have

# What a damaged workbook raises while its XML is read (cut short, bad compression).
BROKEN = (zipfile.BadZipFile, zlib.error, ParseError, EOFError, KeyError, OSError, ValueError,
          TypeError, IndexError, AttributeError, UnicodeError)


class XlsxExport(Export):
    """An Excel workbook: the sheets with a recognisable header row, in workbook order."""

    def __init__(self, path, label, header, sheets: list[tuple[str, Header]],
                 skipped: list[str]):
        super().__init__(path, label, header)
        self.sheets = sheets
        self.skipped = skipped

    @property
    def notes(self) -> list[str]:
        if not self.skipped:
            return []
        names = ", ".join(f'"{s}"' for s in self.skipped)
        return [f"{self.label}: bỏ qua trang tính {names} vì không có dòng tiêu đề."]

    def line_label_sql(self, x: str) -> str:
        """SQL: `Sheet!row` of staged line `x`."""
        whens = " ".join(f"WHEN {i} THEN {_lit(name + '!')}"
                         for i, (name, _h) in enumerate(self.sheets))
        return f"(CASE ({x} >> {SHEET_BITS}) {whens} END || ({x} & {ROW_MASK}))"

    def sheet_sql(self, x: str) -> str:
        whens = " ".join(f"WHEN {i} THEN {_lit(name)}" for i, (name, _h) in enumerate(self.sheets))
        return f"CASE ({x} >> {SHEET_BITS}) {whens} END"

    def stage(self, con, table: str, shape: Shape) -> None:
        self.sha256 = hashlib.sha256(self.path.read_bytes()).hexdigest()
        wb = _open_workbook(self.path, self.label)
        try:
            self._stage_rows(con, table, self._rows(wb), shape)
        except BROKEN as exc:
            raise _damaged(self.label, exc) from None
        finally:
            wb.close()

    def _rows(self, wb):
        """(line, cells, positions, width) of every sheet's data rows: the positions of the
        staged columns in that sheet."""
        cols = staged_columns(self.header)
        for index, (name, header) in enumerate(self.sheets):
            at = [header.positions.get(c, ABSENT) for c in cols]
            for n, cells in _sheet_rows(wb[name]):
                if n > header.line:
                    yield (index << SHEET_BITS) | n, cells, at, header.width


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _damaged(label: str, exc: Exception) -> InputError:
    return InputError(f"{label}: tệp Excel bị hỏng hoặc không đầy đủ ({exc.__class__.__name__}); "
                      "cần tệp .xlsx lưu trọn vẹn.", file=label, reason="damaged")


def _open_workbook(path: Path, label: str):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (*BROKEN, InvalidFileException) as exc:
        raise InputError(f"{label}: không mở được tệp Excel ({exc.__class__.__name__}); "
                         "cần tệp .xlsx.", file=label) from None


def _cell_text(value):
    """A cell as text: dates as ISO 8601 (local time), whole numbers without `.0`."""
    from tthc_lib.ingest.dates import excel_cell_text

    return excel_cell_text(value)


def _sheet_rows(ws):
    """(row number, cells) of every row of the sheet, however far its stored dimension says
    the sheet reaches."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()
    for line, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
        yield line, [_cell_text(v) for v in values]


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
    """Excel .xlsx workbooks (openpyxl, read-only)."""

    name = "xlsx"

    def accepts(self, path: Path, head: bytes) -> bool:
        return head.startswith(b"PK\x03\x04")

    def open(self, path: Path, label: str, head: bytes) -> Export:
        wb = _open_workbook(path, label)
        try:
            sheets, skipped, last_error = self._headers(wb, label)
        except BROKEN as exc:
            raise _damaged(label, exc) from None
        finally:
            wb.close()
        if not sheets:
            raise last_error or InputError(f"{label}: tệp Excel không có trang tính nào.",
                                           file=label)
        kinds = {h.kind for _n, h in sheets}
        if len(kinds) > 1:
            listed = ", ".join(f'"{n}" ({vocab.KIND_LABELS[h.kind]})' for n, h in sheets)
            raise InputError(f"{label}: các trang tính chứa nhiều loại dữ liệu ({listed}); "
                             "mỗi tệp chỉ được chứa một loại.", file=label, reason="ambiguous")
        header = _merged(sheets[0][1].kind, sheets)
        return XlsxExport(path, label, header, sheets, skipped)

    @staticmethod
    def _headers(wb, label: str):
        sheets, skipped, last_error = [], [], None
        for ws in wb.worksheets:
            try:
                sheets.append((ws.title, find_header(_sheet_rows(ws), label)))
            except InputError as exc:
                if exc.attrs.get("reason") != "no_header":
                    raise
                skipped.append(ws.title)
                last_error = exc
        return sheets, skipped, last_error
