"""Opening one grid file by its content: workbooks (.xlsx, BIFF .xls, .ods) through
python-calamine, HTML tables through lxml. Each is a `Grid`: its sheet names and, per sheet,
the rows that hold a value with their 1-based row numbers."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

from tthc_lib.errors import InputError
from tthc_lib.ingest import formats
from tthc_lib.ingest.formats import WHITE, Grid, cell_text
from tthc_lib.ingest.sheet_batches import sheet_batches

__all__ = ["CalamineGrid", "damaged"]

# The sheets last read, of one workbook: (file key, sheet name) -> calamine sheet; and that
# workbook's sheet names (file key -> names), so that recognising a file by its profiles and
# then by its header, then staging it, open the workbook once (its shared strings: 0.17 s
# for 97,201 rows).
_LAST: dict[tuple, object] = {}
_NAMES: dict[tuple, list[str]] = {}

def _texts(values: list) -> list[str]:
    """A row's cells as text. Most rows are all text in NFC: checked at once, kept as read."""
    try:
        if unicodedata.is_normalized("NFC", "".join(values)):
            return values
    except TypeError:              # a number or date among them
        pass
    nfc = unicodedata.is_normalized
    return [v if v.__class__ is str and nfc("NFC", v) else cell_text(v) for v in values]


def damaged(label: str, fmt: str, exc: BaseException) -> InputError:
    """A workbook that opened but whose cells cannot be read."""
    what, ext = formats.FORMAT_LABELS[fmt]
    return InputError(f"{label}: {what} bị hỏng hoặc không đầy đủ ({exc.__class__.__name__}); "
                      f"cần tệp {ext} lưu trọn vẹn.", file=label, reason="damaged")


class CalamineGrid(Grid):
    """An .xlsx, .xls or .ods workbook read by python-calamine (every sheet's cells, not its
    stored dimension)."""

    def __init__(self, path: Path, label: str, fmt: str):
        self.label, self.fmt, self.path = label, fmt, path
        stat = path.stat()
        self.key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        self._book = None
        if any(k[0] == self.key for k in _LAST):
            return    # opened before, its sheets kept: the workbook is read only if needed
        self._open()

    @property
    def book(self):
        if self._book is None:
            self._open()
        return self._book

    def _open(self) -> None:
        import python_calamine as pc

        label, fmt = self.label, self.fmt
        try:
            self._book = pc.CalamineWorkbook.from_path(str(self.path))
        except pc.PasswordError:
            raise formats.refuse(label, "encrypted") from None
        except Exception as exc:  # calamine raises its own and builtin errors  # noqa: BLE001
            what, ext = formats.FORMAT_LABELS[fmt]
            raise InputError(f"{label}: không mở được {what} ({exc.__class__.__name__}); "
                             f"cần tệp {ext}.", file=label, reason="damaged") from None

    def names(self) -> list[str]:
        import python_calamine as pc

        if (names := _NAMES.get(self.key)) is None:
            names = [m.name for m in self.book.sheets_metadata
                     if m.typ == pc.SheetTypeEnum.WorkSheet]
            _NAMES.clear()                 # one workbook's names are kept: the last one's
            _NAMES[self.key] = names
        return list(names)

    def rows(self, name: str) -> Iterator[tuple[int, list[str]]]:
        sheet = self._sheet(name)
        if sheet.start is None:
            return
        # calamine yields the rows from row 1 (the empty ones above the first cell as empty
        # lists' worth of cells) and the columns from the first filled one: pad them back to A.
        pad = [""] * sheet.start[1]
        for number, values in enumerate(sheet.iter_rows(), start=1):
            cells = _texts(values)
            if "".join(cells).strip(WHITE):
                yield number, pad + cells if pad else cells

    def column_batches(self, name: str, after: int, positions: dict[str, int], width: int,
                       base: int, rows_per_batch: int, cleaner=None):
        """Arrow tables of the rows of sheet `name` below row `after`, column by column
        (`tthc_lib.ingest.sheet_batches`): `positions` maps each staged column to its
        position from column A; `base` is added to each row number; `cleaner` (a
        `controls.CellCleaner`) counts the characters XML cannot hold replaced."""
        return sheet_batches(self._sheet(name), after, positions, width, base, rows_per_batch,
                             cleaner)

    def _sheet(self, name: str):
        """The sheet's cells, read once for finding the header and staging (the last
        workbook's sheets are kept between the two; reading is most of the cost)."""
        import python_calamine as pc

        key = (self.key, name)
        if (sheet := _LAST.get(key)) is not None:
            return sheet
        try:
            sheet = self.book.get_sheet_by_name(name)
        except pc.PasswordError:
            raise formats.refuse(self.label, "encrypted") from None
        except Exception as exc:  # noqa: BLE001
            raise damaged(self.label, self.fmt, exc) from None
        if not any(k[0] == self.key for k in _LAST):
            _LAST.clear()
            for other in [k for k in _NAMES if k != self.key]:
                del _NAMES[other]
        _LAST[key] = sheet
        return sheet

    @staticmethod
    def forget(path: Path) -> None:
        """Drop the kept sheets of the file at `path` (once staged)."""
        resolved = str(Path(path).resolve())
        for key in [k for k in _LAST if k[0][0] == resolved]:
            del _LAST[key]
        for key in [k for k in _NAMES if k[0] == resolved]:
            del _NAMES[key]

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
