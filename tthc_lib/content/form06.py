"""The official form table: Biểu số 06/VPCP/KSTT (Thông tư 01/2020/TT-VPCP), "Tình hình, kết
quả giải quyết TTHC tại cơ quan, đơn vị trực tiếp giải quyết TTHC".

One line per field (lĩnh vực), grouped by the level of its procedures (a section line "Cấp
huyện", "Cấp xã" carrying the subtotal of its fields), and a grand total line "Tổng cộng".
Columns (1)..(13) as on the paper form. Withdrawn and returned dossiers have no column there:
as the one-stop systems do, they are counted as resolved on time, so (7) = resolved_total +
closed_other and (9) = resolved_on_time + closed_other (report-layout.md).

The frame (`form06_frame`) is the one source of both outputs: an HTML annex table
(`form06_html`) and a spreadsheet laid out like the paper form (`write_form06_xlsx`).
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from tthc_lib.atomic import atomic_path
from tthc_lib.content.formatting import fmt_date, fmt_int
from tthc_lib.content.tables import field_label, name_key
from tthc_lib.indicators.figures import indicators_by_field
from tthc_lib.indicators.flags import CHANNEL_UNKNOWN
from tthc_lib.vocab import LEVEL_LABELS

FORM_CODE = "Biểu số 06/VPCP/KSTT"
FORM_TITLE = ("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP "
              "GIẢI QUYẾT TTHC")
GRAND_TOTAL = "Tổng cộng"
NO_DATA = "không có số liệu"
CHANNEL_COLUMNS = ("c4", "c5")          # online, in person and by post

# Column number -> the indicator counts it adds up (indicators.md names).
COLUMN_COUNTS: dict[int, tuple[str, ...]] = {
    3: ("received_total",),
    4: ("received_online",),
    5: ("received_offline",),
    6: ("carried_over",),
    7: ("resolved_total", "closed_other"),
    8: ("resolved_early",),
    9: ("resolved_on_time", "closed_other"),
    10: ("resolved_late",),
    11: ("pending_total",),
    12: ("pending_in_time",),
    13: ("pending_overdue",),
}
NUMBER_COLUMNS = tuple(f"c{n}" for n in COLUMN_COUNTS)
# (left column, right columns): left must equal the sum of the right on every line.
FORM_IDENTITIES = ((3, (4, 5, 6)), (3, (7, 11)), (7, (8, 9, 10)), (11, (12, 13)))

# Sections of the form, by the level of the procedures; None: any other level, or a procedure
# missing from the catalogue.
# The form's sections by level of procedure, in the order of the paper form (sở, ban, ngành /
# cấp huyện / cấp xã); a section appears only when it has a field.
LEVEL_SECTIONS = (("province", f"{LEVEL_LABELS['province']} (sở, ban, ngành)"),
                  ("district", LEVEL_LABELS["district"]), ("commune", LEVEL_LABELS["commune"]),
                  (None, "Chưa xác định cấp thực hiện"))
ROMAN = ("I", "II", "III", "IV")

# The paper form's headers, as (text, row, column, rows spanned, columns spanned) on a grid
# whose first row is 0 and first column is 1 (the column numbers of the form).
HEADER_CELLS = (
    ("STT", 0, 1, 3, 1),
    ("Lĩnh vực, công việc giải quyết theo cấp", 0, 2, 3, 1),
    ("Số hồ sơ nhận giải quyết", 0, 3, 1, 4),
    ("Kết quả giải quyết", 0, 7, 1, 7),
    ("Tổng số", 1, 3, 2, 1),
    ("Trong đó", 1, 4, 1, 3),
    ("Số hồ sơ đã giải quyết", 1, 7, 1, 4),
    ("Số hồ sơ đang giải quyết", 1, 11, 1, 3),
    ("Số mới tiếp nhận trực tuyến", 2, 4, 1, 1),
    ("Số mới tiếp nhận trực tiếp và qua dịch vụ bưu chính công ích", 2, 5, 1, 1),
    ("Số kỳ trước chuyển qua", 2, 6, 1, 1),
    ("Tổng số", 2, 7, 1, 1),
    ("Trả trước hạn", 2, 8, 1, 1),
    ("Trả đúng thời hạn", 2, 9, 1, 1),
    ("Trả quá hạn", 2, 10, 1, 1),
    ("Tổng số", 2, 11, 1, 1),
    ("Trong hạn", 2, 12, 1, 1),
    ("Quá hạn", 2, 13, 1, 1),
)
HEADER_ROWS = 3
N_COLUMNS = 13


# ---------------------------------------------------------------- the frame

def form06_frame(con, start: date, end: date, unit: str, scope: str = "unit",
                 by_field: pd.DataFrame | None = None) -> pd.DataFrame:
    """The form's lines for (unit, scope) over the period: columns `c1` (STT), `c2` (label),
    `c3`..`c13` (ints), `row_kind` ('section' | 'field' | 'total') and `level`. Section lines
    carry the subtotal of their fields; the last line is the grand total (zeros when the
    unit has no dossier). `by_field`: the unit's `indicators_by_field` frame when the caller
    has it already (then `con` is not used)."""
    if by_field is None:
        by_field = indicators_by_field(con, start, end, unit, scope)
    lines: list[dict] = []
    for number, (level, label) in enumerate(_present_sections(by_field)):
        fields = _section_fields(by_field, level)
        lines.append(_line(ROMAN[number], label, "section", level, _sum_columns(fields)))
        for i, (_, r) in enumerate(fields.iterrows(), start=1):
            lines.append(_line(str(i), field_label(r["field"]), "field", level, _columns(r)))
    lines.append(_line("", GRAND_TOTAL, "total", None, _sum_columns(by_field)))
    frame = pd.DataFrame(lines)
    frame[list(NUMBER_COLUMNS)] = frame[list(NUMBER_COLUMNS)].astype("int64")
    # Dossiers from an export without a channel column: (4) and (5) are not known.
    unknown = CHANNEL_UNKNOWN in by_field and by_field[CHANNEL_UNKNOWN].sum() > 0
    frame.attrs["unavailable"] = CHANNEL_COLUMNS if unknown else ()
    return frame


def _cell(r: pd.Series, column: str, frame_attrs: dict):
    return NO_DATA if column in frame_attrs.get("unavailable", ()) else int(r[column])


_KNOWN_LEVELS = [lvl for lvl, _ in LEVEL_SECTIONS if lvl is not None]


def _present_sections(by_field: pd.DataFrame) -> list[tuple[str | None, str]]:
    return [(lvl, label) for lvl, label in LEVEL_SECTIONS
            if _level_mask(by_field, lvl).any()]


def _level_mask(by_field: pd.DataFrame, level: str | None) -> pd.Series:
    """The fields of a section; None gathers every level the form has no section for."""
    known = by_field["level"].isin(_KNOWN_LEVELS)
    return ~known if level is None else by_field["level"] == level


def _section_fields(by_field: pd.DataFrame, level: str | None) -> pd.DataFrame:
    fields = by_field[_level_mask(by_field, level)]
    order = sorted(fields.index, key=lambda i: name_key(field_label(fields.at[i, "field"])))
    return fields.loc[order]


def _columns(counts: Mapping) -> dict[str, int]:
    return {f"c{n}": sum(int(counts[k]) for k in keys) for n, keys in COLUMN_COUNTS.items()}


def _sum_columns(rows: pd.DataFrame) -> dict[str, int]:
    needed = {k for keys in COLUMN_COUNTS.values() for k in keys}
    totals = {k: int(rows[k].sum()) if not rows.empty else 0 for k in needed}
    return _columns(totals)


def _line(stt: str, label: str, kind: str, level: str | None, columns: dict) -> dict:
    return {"c1": stt, "c2": label, "row_kind": kind, "level": level, **columns}


def check_form06(frame: pd.DataFrame) -> list[dict]:
    """A finding (dict with `table`, `row`, `identity`, `left`, `right`, `message`) for every
    identity of the form that fails on a line: (3) = (4)+(5)+(6) = (7)+(11); (7) = (8)+(9)+(10);
    (11) = (12)+(13). An identity with a column not available is not checked."""
    gone = {int(c[1:]) for c in frame.attrs.get("unavailable", ())}
    findings = []
    for _, r in frame.iterrows():
        for left, right in (i for i in FORM_IDENTITIES if not gone & {i[0], *i[1]}):
            total = sum(int(r[f"c{n}"]) for n in right)
            if int(r[f"c{left}"]) != total:
                findings.append(_identity_finding(r, left, right, total))
    return findings


def _identity_finding(r: pd.Series, left: int, right: tuple[int, ...], total: int) -> dict:
    identity = f"({left}) = " + " + ".join(f"({n})" for n in right)
    message = (f"{FORM_CODE}, dòng «{r['c2']}»: cột ({left}) là {fmt_int(r[f'c{left}'])} "
               f"nhưng {' + '.join(f'({n})' for n in right)} = {fmt_int(total)}")
    return {"table": FORM_CODE, "row": str(r["c2"]), "identity": identity,
            "left": int(r[f"c{left}"]), "right": total, "message": message}


# ---------------------------------------------------------------- HTML

def form06_html(frame: pd.DataFrame, title: str | None = None,
                number: int | None = None) -> str:
    """The form as an HTML annex table (class `tthc-table tthc-form06`): the paper form's
    merged header rows, the row of column numbers (1)..(13), one body row per line (class
    `section`, `field` or `total`); counts written "1.234", every text escaped."""
    caption = title or f"{FORM_CODE}. Tình hình, kết quả giải quyết TTHC tại cơ quan, " \
                       "đơn vị trực tiếp giải quyết TTHC"
    if number is not None:
        caption = f"Phụ lục {number}. {caption}"
    return (f'<table class="tthc-table tthc-form06"><caption>{html.escape(caption)}</caption>'
            f"<thead>{_header_rows_html()}{_numbers_row_html()}</thead>"
            f"<tbody>{''.join(_body_row_html(r, frame.attrs) for _, r in frame.iterrows())}"
            "</tbody></table>")


def _header_rows_html() -> str:
    rows = []
    for row in range(HEADER_ROWS):
        cells = sorted((c for c in HEADER_CELLS if c[1] == row), key=lambda c: c[2])
        rows.append("<tr>" + "".join(_th(text, rs, cs) for text, _, _, rs, cs in cells) + "</tr>")
    return "".join(rows)


def _th(text: str, rowspan: int, colspan: int) -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + \
            (f' colspan="{colspan}"' if colspan > 1 else "")
    return f'<th scope="col"{attrs}>{html.escape(text)}</th>'


def _numbers_row_html() -> str:
    return '<tr class="numbers">' + "".join(
        f"<th>({n})</th>" for n in range(1, N_COLUMNS + 1)) + "</tr>"


def _body_row_html(r: pd.Series, attrs: dict) -> str:
    cells = [f'<td class="stt">{html.escape(str(r["c1"]))}</td>',
             f'<td class="name">{html.escape(str(r["c2"]))}</td>']
    shown = [_cell(r, c, attrs) for c in NUMBER_COLUMNS]
    cells += [f'<td class="num">{html.escape(v if isinstance(v, str) else fmt_int(v))}</td>'
              for v in shown]
    return f'<tr class="{html.escape(str(r["row_kind"]))}">' + "".join(cells) + "</tr>"


# ---------------------------------------------------------------- spreadsheet

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
        values = [_stt_value(r["c1"]), str(r["c2"])] + [_cell(r, c, frame.attrs)
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
