"""Biểu số 06/VPCP/KSTT as an .xlsx laid out like the paper form: the title block, merged
headers, the row of column numbers, a bordered body in Times New Roman, counts as numbers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from tthc_lib.atomic import atomic_path
from tthc_lib.content.forms.form06 import (
    FORM_CODE,
    FORM_TITLE,
    HEADER_CELLS,
    HEADER_ROWS,
    N_COLUMNS,
    NUMBER_COLUMNS,
    form_cell,
    form_note,
)
from tthc_lib.content.words.formatting import fmt_date
from tthc_lib.xmltext import xml_safe

__all__ = ["FormMeta", "build_form06_workbook", "form06_meta", "write_form06_xlsx"]


@dataclass(frozen=True)
class FormMeta:
    """What the form's title block names: the reporting unit ("UBND thành phố Hải Dương"),
    the period in words ("10 tháng năm 2023"), its dates, and optionally the recipient."""

    unit_name: str
    period_label: str
    start: date | None = None
    end: date | None = None
    recipient: str | None = None

    def title_lines(self) -> list[str]:
        """The lines under the form's title, as printed."""
        lines = [f"Kỳ báo cáo: {self.period_label}"]
        if self.start and self.end:
            lines.append(f"(Từ ngày {fmt_date(self.start)} đến ngày {fmt_date(self.end)})")
        return lines


def form06_meta(con, start: date, end: date, unit: str, period_label: str,
                recipient: str | None = None) -> FormMeta:
    """The title block of the form for a unit of the store: "UBND phường …"."""
    hit = con.execute("SELECT unit_name FROM units WHERE unit_code = ?", [unit]).fetchone()
    name = str(hit[0]) if hit else unit
    return FormMeta(f"UBND {name[:1].lower()}{name[1:]}", period_label, start, end, recipient)


def write_form06_xlsx(frame: pd.DataFrame, path: str | os.PathLike,
                      meta: FormMeta | Mapping) -> Path:
    """Write the form as an .xlsx laid out like the paper form (title block, merged headers,
    the row of column numbers, bordered body in Times New Roman, counts as numbers), replacing
    `path` atomically; returns the path. Raises ReportError when it cannot be written."""
    meta = meta if isinstance(meta, FormMeta) else FormMeta(**dict(meta))
    path = Path(path)
    workbook = build_form06_workbook(frame, meta)
    with atomic_path(path) as tmp:
        workbook.save(tmp)
    return path


FONT_NAME = "Times New Roman"
TITLE_ROWS = 7  # rows above the header: code, title, period lines, unit, recipient, unit of count
COLUMN_WIDTHS = {1: 6, 2: 38, **{n: 12 for n in range(3, N_COLUMNS + 1)}}


def build_form06_workbook(frame: pd.DataFrame, meta: FormMeta):
    """The openpyxl Workbook of the form (see write_form06_xlsx)."""
    from openpyxl import Workbook

    frame = frame.map(lambda v: xml_safe(v) if isinstance(v, str) else v)
    meta = FormMeta(**{k: xml_safe(v) if isinstance(v, str) else v
                       for k, v in vars(meta).items()})
    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu 06"
    first_header = _write_title_block(ws, meta)
    body_start = _write_header(ws, first_header)
    _write_body(ws, frame, body_start)
    _page_setup(ws, first_header, body_start - 1)
    _texts_stay_text(ws)
    return wb


def _texts_stay_text(ws) -> None:
    """A field or unit name from an export that starts with "=" is text, never a live formula
    in a workbook that offices e-mail (formula injection)."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def _font(**kw):
    from openpyxl.styles import Font

    return Font(name=FONT_NAME, size=kw.pop("size", 12), **kw)


def _merged_text(ws, row: int, text: str, **font) -> None:
    from openpyxl.styles import Alignment

    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=N_COLUMNS)
    cell = ws.cell(row=row, column=1, value=text)
    cell.font = _font(**font)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _write_title_block(ws, meta: FormMeta) -> int:
    """Rows 1..: form code, title, period, unit, recipient, unit of count; returns the first
    header row."""
    from openpyxl.styles import Alignment

    code = ws.cell(row=1, column=1, value=FORM_CODE)
    code.font = _font(bold=True)
    _merged_text(ws, 2, FORM_TITLE, bold=True, size=13)
    ws.row_dimensions[2].height = 36
    lines = meta.title_lines()
    _merged_text(ws, 3, lines[0], bold=True)
    _merged_text(ws, 4, lines[1] if len(lines) > 1 else "", italic=True)
    ws.cell(row=5, column=2, value=f"Đơn vị báo cáo: {meta.unit_name}").font = _font()
    if meta.recipient:
        ws.cell(row=6, column=2, value=f"Đơn vị nhận báo cáo: {meta.recipient}").font = _font()
    unit = ws.cell(row=TITLE_ROWS, column=N_COLUMNS, value="Đơn vị tính: Số hồ sơ TTHC")
    unit.font = _font(italic=True)
    unit.alignment = Alignment(horizontal="right")
    return TITLE_ROWS + 1


def _border():
    from openpyxl.styles import Border, Side

    thin = Side(style="thin")
    return Border(left=thin, right=thin, top=thin, bottom=thin)


def _write_header(ws, top: int) -> int:
    """The merged header cells and the row of column numbers; returns the first body row."""
    from openpyxl.styles import Alignment

    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in range(top, top + HEADER_ROWS + 1):  # border every cell, merged ones included
        for col in range(1, N_COLUMNS + 1):
            ws.cell(row=row, column=col).border = _border()
    for text, r, c, rs, cs in HEADER_CELLS:
        cell = ws.cell(row=top + r, column=c, value=text)
        cell.font = _font(bold=True)
        cell.alignment = centre
        if rs > 1 or cs > 1:
            ws.merge_cells(start_row=top + r, start_column=c,
                           end_row=top + r + rs - 1, end_column=c + cs - 1)
    numbers = top + HEADER_ROWS
    for col in range(1, N_COLUMNS + 1):
        cell = ws.cell(row=numbers, column=col, value=f"({col})")
        cell.font = _font(italic=True, size=11)
        cell.alignment = centre
    ws.row_dimensions[top + 2].height = 78
    return numbers + 1


def _write_body(ws, frame: pd.DataFrame, start: int) -> None:
    from openpyxl.styles import Alignment

    for i, (_, r) in enumerate(frame.iterrows()):
        row = start + i
        bold = r["row_kind"] in ("section", "total")
        values = [_stt_value(r["c1"]), str(r["c2"])] + [form_cell(r, c, frame.attrs)
                                                         for c in NUMBER_COLUMNS]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.font = _font(bold=bold)
            cell.border = _border()
            if col == 1:
                cell.alignment = Alignment(horizontal="center", vertical="center")
            elif col == 2:
                cell.alignment = Alignment(vertical="center", wrap_text=True)
            else:
                cell.number_format = "#,##0"
                cell.alignment = Alignment(horizontal="right", vertical="center")
    if (note := form_note(frame.attrs)) is not None:
        row = start + len(frame) + 1
        _merged_text(ws, row, note, italic=True)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="left", wrap_text=True)
        ws.row_dimensions[row].height = 32


def _stt_value(stt: str) -> int | str | None:
    """A field's number as a number, a section's Roman numeral as text, none on the total."""
    return int(stt) if stt.isdigit() else (stt or None)


def _page_setup(ws, first_header: int, last_header: int) -> None:
    from openpyxl.utils import get_column_letter

    for col, width in COLUMN_WIDTHS.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.print_title_rows = f"{first_header}:{last_header}"
    ws.freeze_panes = ws.cell(row=last_header + 1, column=3)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
