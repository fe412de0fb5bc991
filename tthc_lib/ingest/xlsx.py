"""Excel workbooks: the header row found on the sheet, rows staged with their sheet row numbers."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from tthc_lib.errors import InputError
from tthc_lib.ingest.base import Export, Reader, Shape
from tthc_lib.ingest.headers import find_header


class XlsxExport(Export):
    """An Excel workbook: the first sheet with a recognisable header row."""

    def __init__(self, path, label, header, sheet: str):
        super().__init__(path, label, header)
        self.sheet = sheet

    def stage(self, con, table: str, shape: Shape) -> None:
        self.sha256 = hashlib.sha256(self.path.read_bytes()).hexdigest()
        wb = _open_workbook(self.path, self.label)
        try:
            rows = _sheet_rows(wb[self.sheet])
            self._stage_rows(con, table, ((n, c) for n, c in rows if n > self.header.line),
                             shape)
        finally:
            wb.close()


def _open_workbook(path: Path, label: str):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException) as exc:
        raise InputError(f"{label}: không mở được tệp Excel ({exc.__class__.__name__}); "
                         "cần tệp .xlsx.", file=label) from None


def _cell_text(value):
    """A cell as text: dates as ISO 8601 (local time), whole numbers without `.0`."""
    from tthc_lib.ingest.dates import excel_cell_text

    return excel_cell_text(value)


def _sheet_rows(ws):
    for line, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
        yield line, [_cell_text(v) for v in values]


class XlsxReader(Reader):
    """Excel .xlsx workbooks (openpyxl, read-only)."""

    name = "xlsx"

    def accepts(self, path: Path, head: bytes) -> bool:
        return head.startswith(b"PK\x03\x04")

    def open(self, path: Path, label: str, head: bytes) -> Export:
        wb = _open_workbook(path, label)
        try:
            last_error = None
            for ws in wb.worksheets:
                try:
                    header = find_header(_sheet_rows(ws), label)
                except InputError as exc:
                    if exc.attrs.get("reason") != "no_header":
                        raise
                    last_error = exc
                    continue
                return XlsxExport(path, label, header, ws.title)
        finally:
            wb.close()
        raise last_error or InputError(f"{label}: tệp Excel không có trang tính nào.",
                                       file=label)
