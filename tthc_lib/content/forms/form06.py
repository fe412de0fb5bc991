"""The official form table: Biểu số 06/VPCP/KSTT (Thông tư 01/2020/TT-VPCP), "Tình hình, kết
quả giải quyết TTHC tại cơ quan, đơn vị trực tiếp giải quyết TTHC".

One line per field (lĩnh vực), grouped by the level of its procedures (a section line "Cấp
huyện", "Cấp xã" carrying the subtotal of its fields), and a grand total line "Tổng cộng".
Columns (1)..(13) as on the paper form. Withdrawn and returned dossiers have no column there:
as the one-stop systems do, they are counted as resolved on time, so (7) = resolved_total +
closed_other and (9) = resolved_on_time + closed_other (docs/report-layout.md § Biểu 06).

The frame (`form06_frame`) is the one source of both outputs: an HTML annex table
(`form06_html`) and a spreadsheet laid out like the paper form (`workbook.write_form06_xlsx`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date

import pandas as pd

from tthc_lib.content.figures.tables import field_label, name_key
from tthc_lib.content.words.formatting import fmt_count, fmt_int
from tthc_lib.indicators.figures import indicators_by_field
from tthc_lib.indicators.flags import CHANNEL_UNKNOWN, CLOSING_ESTIMATED, CLOSING_UNKNOWN
from tthc_lib.vocab import LEVEL_LABELS

__all__ = ["DISTRICTS_ABOLISHED", "DISTRICTS_ABOLISHED_LABEL", "FORM_CODE", "FORM_TITLE",
           "HEADER_CELLS", "HEADER_ROWS", "NUMBER_COLUMNS", "N_COLUMNS", "annex_scope", "check_form06", "form06_frame", "form06_html", "form_cell",
           "form_note"]

FORM_CODE = "Biểu số 06/VPCP/KSTT"
FORM_TITLE = ("TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP "
              "GIẢI QUYẾT TTHC")
GRAND_TOTAL = "Tổng cộng"
NO_DATA = "không có số liệu"
CHANNEL_COLUMNS = ("c4", "c5")          # online, in person and by post
CLOSING_COLUMNS = ("c3", "c6", "c11", "c12", "c13")   # what stood open on a date

# Column number -> the indicator counts it adds up (docs/indicators.md names).
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
# Districts ceased on 1/7/2025 (Nghị quyết số 202/2025/QH15): a later form says whose its
# "Cấp huyện" lines are (dossiers of that level still counted in the period).
DISTRICTS_ABOLISHED = date(2025, 7, 1)
DISTRICTS_ABOLISHED_LABEL = "Cấp huyện (đã kết thúc hoạt động từ ngày 01/7/2025)"

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

def annex_scope(has_units_below: bool) -> str:
    """The one scope of the form in the report's annex and `tthc form06` by default: a unit
    with units below it (a province: its departments, districts, communes) reports all of
    them with its own ("total"); any other unit its own dossiers ("unit")."""
    return "total" if has_units_below else "unit"


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
        if level == "district" and end >= DISTRICTS_ABOLISHED:
            label = DISTRICTS_ABOLISHED_LABEL
        fields = _section_fields(by_field, level)
        lines.append(_line(ROMAN[number], label, "section", level, _sum_columns(fields)))
        for i, (_, r) in enumerate(fields.iterrows(), start=1):
            lines.append(_line(str(i), field_label(r["field"]), "field", level, _columns(r)))
    lines.append(_line("", GRAND_TOTAL, "total", None, _sum_columns(by_field)))
    frame = pd.DataFrame(lines)
    frame[list(NUMBER_COLUMNS)] = frame[list(NUMBER_COLUMNS)].astype("int64")
    # Dossiers from an export without a channel column: (4) and (5) are not known.
    unknown = CHANNEL_UNKNOWN in by_field and by_field[CHANNEL_UNKNOWN].sum() > 0
    # Dossiers resolved on a date the export does not give (e-par): what stood open is not.
    undated = CLOSING_UNKNOWN in by_field and by_field[CLOSING_UNKNOWN].sum() > 0
    frame.attrs["unavailable"] = ((CHANNEL_COLUMNS if unknown else ())
                                  + (CLOSING_COLUMNS if undated else ()))
    # Of those, the ones counted on the earliest date they can have been resolved on, their
    # window reaching past the period: columns (7)-(10) are estimates, said under the form.
    frame.attrs["estimated"] = (int(by_field[CLOSING_ESTIMATED].sum())
                                if CLOSING_ESTIMATED in by_field else 0)
    return frame


def form_note(frame_attrs: dict) -> str | None:
    """The line under the form when its resolved columns are estimates, else None."""
    n = int(frame_attrs.get("estimated", 0) or 0)
    if not n:
        return None
    return (f"Ghi chú: số hồ sơ đã giải quyết (cột 7 đến cột 10) gồm {fmt_count(n)} hồ sơ "
            "không có ngày giải quyết trong dữ liệu, được tính vào ngày sớm nhất có thể "
            "(số liệu ước tính).")


def form_cell(r: pd.Series, column: str, frame_attrs: dict):
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
            "</tbody></table>" + (f'<p class="tthc-form-note">{html.escape(note)}</p>'
                                  if (note := form_note(frame.attrs)) else ""))


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
    shown = [form_cell(r, c, attrs) for c in NUMBER_COLUMNS]
    cells += [f'<td class="num">{html.escape(v if isinstance(v, str) else fmt_int(v))}</td>'
              for v in shown]
    return f'<tr class="{html.escape(str(r["row_kind"]))}">' + "".join(cells) + "</tr>"
