"""Opening one grid file by its content: workbooks (.xlsx, BIFF .xls, .ods) through
python-calamine, HTML tables through lxml. Each is a `Grid`: its sheet names and, per sheet,
the rows that hold a value with their 1-based row numbers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tthc_lib.errors import InputError
from tthc_lib.ingest import formats
from tthc_lib.ingest.formats import WHITE, Grid, cell_text

__all__ = ["CalamineGrid", "damaged"]

def damaged(label: str, fmt: str, exc: BaseException) -> InputError:
    """A workbook that opened but whose cells cannot be read."""
    what, ext = formats.FORMAT_LABELS[fmt]
    return InputError(f"{label}: {what} bị hỏng hoặc không đầy đủ ({exc.__class__.__name__}); "
                      f"cần tệp {ext} lưu trọn vẹn.", file=label, reason="damaged")


class CalamineGrid(Grid):
    """An .xlsx, .xls or .ods workbook read by python-calamine (every sheet's cells, not its
    stored dimension)."""

    def __init__(self, path: Path, label: str, fmt: str):
        import python_calamine as pc

        self.label, self.fmt = label, fmt
        try:
            self.book = pc.CalamineWorkbook.from_path(str(path))
        except pc.PasswordError:
            raise formats.refuse(label, "encrypted") from None
        except Exception as exc:  # calamine raises its own and builtin errors  # noqa: BLE001
            what, ext = formats.FORMAT_LABELS[fmt]
            raise InputError(f"{label}: không mở được {what} ({exc.__class__.__name__}); "
                             f"cần tệp {ext}.", file=label, reason="damaged") from None

    def names(self) -> list[str]:
        import python_calamine as pc

        return [m.name for m in self.book.sheets_metadata
                if m.typ == pc.SheetTypeEnum.WorkSheet]

    def rows(self, name: str) -> Iterator[tuple[int, list[str]]]:
        import python_calamine as pc

        try:
            sheet = self.book.get_sheet_by_name(name)
        except pc.PasswordError:
            raise formats.refuse(self.label, "encrypted") from None
        except Exception as exc:  # noqa: BLE001
            raise damaged(self.label, self.fmt, exc) from None
        if sheet.start is None:
            return
        # calamine yields the rows from row 1 (the empty ones above the first cell as empty
        # lists' worth of cells) and the columns from the first filled one: pad them back to A.
        pad = [""] * sheet.start[1]
        for number, values in enumerate(sheet.iter_rows(), start=1):
            cells = [cell_text(v) for v in values]
            if any(c.strip(WHITE) for c in cells):
                yield number, pad + cells

    def close(self) -> None:
        self.book.close()
