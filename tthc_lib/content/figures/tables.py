"""The report's tables, as HTML strings (class `tthc-table`), from the indicator rows.

Every cell is HTML-escaped; counts are written the Vietnamese way (`13.372`) and every rate is
computed exactly from the counts of its line (`85,7%`, `–` when undefined), never from the
rounded floats of the rows. A table with no line to show is None: the caller shows nothing.
Also here, because charts need them too: which lines a unit's report shows (its own line, its
children, the roll-ups) and what its lines are called ("Tại thành phố", "Cộng các phường, xã").
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from tthc_lib.content.words import levels
from tthc_lib.content.words.formatting import NO_DATA, fmt_int, fmt_pct, unavailable
from tthc_lib.indicators.flags import UNKNOWN_COUNTS
from tthc_lib.indicators.rates import RATE_PARTS, rate_of
from tthc_lib.vocab import LEVEL_LABELS

__all__ = ["DERIVED_COUNTS", "LABELS", "RATE_PARTS", "UNDEFINED", "child_rows", "communes_label",
           "count_of", "dossiers_by_field_table", "dossiers_by_unit_table", "feedback_table",
           "field_label", "fmt_rate", "league_table", "name_key", "online_digitisation_table",
           "rate_of", "rate_terms"]

UNDEFINED = "–"
TOTAL = "Tổng số"

# Canonical name -> the Vietnamese that users read (docs/indicators.md). The one place for it.
LABELS: dict[str, str] = {
    "unit_name": "Đơn vị",
    "field": "Lĩnh vực",
    "level": "Cấp thực hiện",
    "rank": "Xếp hạng",
    "carried_over": "Kỳ trước chuyển sang",
    "received_online": "Trực tuyến",
    "received_offline": "Trực tiếp",
    "received_in_period": "Trong kỳ",
    "received_in_period_chart": "Tiếp nhận trong kỳ",
    "received_total": "Số hồ sơ được tiếp nhận",
    "resolved_total": "Đã giải quyết",
    "resolved_early": "Trước hạn",
    "resolved_on_time": "Đúng hạn",
    "resolved_late": "Quá hạn",
    "resolved_timely": "Trước hạn và đúng hạn",
    "closed_other": "Rút, trả lại",
    "pending_total": "Đang giải quyết",
    "pending_in_time": "Trong hạn",
    "pending_overdue": "Quá hạn",
    "dvc_eligible": "Hồ sơ thuộc DVC trực tuyến toàn trình",
    "dvc_online": "Tiếp nhận trực tuyến",
    "digitised_on_receipt": "Số hóa thành phần hồ sơ khi tiếp nhận",
    "result_digitised": "Số hóa kết quả giải quyết",
    "feedback_received": "Đã tiếp nhận",
    "feedback_on_time": "Xử lý đúng hạn",
    "feedback_late": "Xử lý quá hạn",
    "feedback_pending": "Đang xử lý",
    "business_feedback_received": "Đã tiếp nhận",
    "business_feedback_on_time": "Xử lý đúng hạn",
    "business_feedback_late": "Xử lý quá hạn",
    "business_feedback_pending": "Đang xử lý",
    "early_rate": "Tỷ lệ trước hạn",
    "on_time_rate": "Tỷ lệ đúng hạn",
    "late_rate": "Tỷ lệ quá hạn",
    "timely_rate": "Tỷ lệ trước hạn và đúng hạn",
    "online_rate": "Tỷ lệ hồ sơ trực tuyến",
    "dvc_rate": "Tỷ lệ DVC trực tuyến",
    "digitised_on_receipt_rate": "Tỷ lệ số hóa khi tiếp nhận",
    "result_digitised_rate": "Tỷ lệ số hóa kết quả",
    "rate": "Tỷ lệ",
    "feedback": "PAKN về quy định hành chính, hành vi hành chính",
    "business_feedback": "PAKN về quy định kinh doanh",
    "province": LEVEL_LABELS["province"],
    "district": LEVEL_LABELS["district"],
    "commune": LEVEL_LABELS["commune"],
    "no_field": "Chưa xác định lĩnh vực",
    "all_fields": "Tổng cộng",
}

# Rates (RATE_PARTS, rate, rate_of) are defined once, in tthc_lib.indicators.rates.
# Counts shown that are sums of others.
DERIVED_COUNTS: dict[str, tuple[str, ...]] = {
    "resolved_timely": ("resolved_early", "resolved_on_time"),
}


# ---------------------------------------------------------------- numbers

def _pct(num, den, places: int = 1) -> str:
    """num / den as users read it in a table: "85,7%", or "–" when undefined."""
    return fmt_pct(num, den, places) or UNDEFINED


def count_of(values: Mapping, key: str) -> int:
    """A count of a line, derived counts (resolved_timely) included."""
    return sum(int(values[k]) for k in DERIVED_COUNTS.get(key, (key,)))


def rate_terms(values: Mapping, name: str) -> tuple[int, int]:
    """(numerator, denominator) of a named rate (RATE_PARTS) of a line: the one place the
    report's tables take a rate apart (indicators/rates.py defines the rate)."""
    nums, den = RATE_PARTS[name]
    return sum(int(values[n]) for n in nums), int(values[den])


def fmt_rate(values: Mapping, name: str, places: int = 1) -> str:
    """A named rate of a line as users read it: "85,7%", or "–" when undefined."""
    return _pct(*rate_terms(values, name), places)


# ---------------------------------------------------------------- units and their lines

def unit_row(rows: pd.DataFrame, unit: str, scope: str = "unit") -> pd.Series | None:
    """The row of one unit and scope, or None."""
    hit = rows[(rows["unit"] == unit) & (rows["scope"] == scope)]
    return None if hit.empty else hit.iloc[0]


def name_key(name: str) -> tuple[str, str]:
    """Sort key for Vietnamese names: letters without marks first, đ after d."""
    base = unicodedata.normalize("NFD", str(name).casefold().replace("đ", "d~"))
    return ("".join(c for c in base if not unicodedata.combining(c)), str(name))


def child_rows(rows: pd.DataFrame, parent: str) -> list[pd.Series]:
    """The lines of a unit's children, by name: each child's `total` row when it has one
    (it has children of its own), else its `unit` row."""
    kids = rows[(rows["parent_code"] == parent) & (rows["scope"] == "unit")]
    out = []
    for _, kid in kids.iterrows():
        total = unit_row(rows, kid["unit"], "total")
        out.append(kid if total is None else total)
    return sorted(out, key=lambda r: (levels.group_rank(r), name_key(r["unit_name"])))


def kind_word(row: Mapping) -> str:
    """The lower-case word for a unit's kind ("thành phố", "phường"), from its `kind` when
    the rows carry it, else from the start of its name; "đơn vị" when neither says."""
    return levels.kind_word(row)


def communes_label(rows: pd.DataFrame, parent: str) -> str:
    """The name of the communes roll-up from the kinds below: "các phường, xã"."""
    return levels.rollup_label(rows, parent, "communes")


@dataclass(frozen=True)
class Line:
    """One body line of a table: its label, its counts and a CSS class (`unit`, `rollup`,
    `total`)."""

    label: str
    values: Mapping
    css: str = "unit"


def unit_lines(rows: pd.DataFrame, parent: str, split=None) -> list[Line]:
    """The lines of a unit's tables: "Tại thành phố" (its own dossiers), one line per child,
    "Cộng các phường, xã" (a province: "Cộng các sở, ban, ngành" and its districts' and
    communes' roll-ups), "Toàn thành phố". A unit without children: its own line only.
    `split`: (own row without the old district level's dossiers, their label, their row),
    that line given after the departments and districts, before the communes."""
    own = unit_row(rows, parent, "unit")
    if own is None:
        return []
    kids = child_rows(rows, parent)
    if not kids:
        return [Line(str(own["unit_name"]), own)]
    word = kind_word(own)
    lines = [Line(f"Tại {word}", own if split is None else split[0], "own")]
    lines += [Line(str(k["unit_name"]), k) for k in kids]
    if split is not None:
        at = 1 + sum(levels.group_rank(k) < 2 for k in kids)
        lines.insert(at, Line(split[1], split[2]))
    for scope in levels.rollup_scopes(rows, parent):
        line = unit_row(rows, parent, scope)
        lines.append(Line(f"Cộng {levels.rollup_label(rows, parent, scope)}", line, "rollup"))
    total = unit_row(rows, parent, "total")
    if total is not None:
        lines.append(Line(f"Toàn {word}", total, "total"))
    return lines


# ---------------------------------------------------------------- HTML

# A table's numeric columns: groups of (group label or None, [(column label, key)]).
Groups = Sequence[tuple[str | None, Sequence[tuple[str, str]]]]

DOSSIER_GROUPS: Groups = [
    (LABELS["received_total"], [(TOTAL, "received_total"),
                                (LABELS["received_online"], "received_online"),
                                (LABELS["received_offline"], "received_offline"),
                                (LABELS["carried_over"], "carried_over")]),
    (LABELS["resolved_total"], [(TOTAL, "resolved_total"),
                                (LABELS["resolved_early"], "resolved_early"),
                                (LABELS["resolved_on_time"], "resolved_on_time"),
                                (LABELS["resolved_late"], "resolved_late")]),
    (None, [(LABELS["closed_other"], "closed_other")]),
    (None, [(LABELS["pending_total"], "pending_total")]),
    (LABELS["rate"], [(LABELS["resolved_early"], "early_rate"),
                      (LABELS["resolved_on_time"], "on_time_rate"),
                      (LABELS["resolved_late"], "late_rate")]),
]

ONLINE_GROUPS: Groups = [
    ("Dịch vụ công trực tuyến toàn trình", [(LABELS["dvc_eligible"], "dvc_eligible"),
                                            (LABELS["dvc_online"], "dvc_online"),
                                            (LABELS["rate"], "dvc_rate")]),
    (None, [(LABELS["online_rate"], "online_rate")]),
    (LABELS["digitised_on_receipt"], [("Số hồ sơ", "digitised_on_receipt"),
                                      (LABELS["rate"], "digitised_on_receipt_rate")]),
    (LABELS["result_digitised"], [("Số hồ sơ", "result_digitised"),
                                  (LABELS["rate"], "result_digitised_rate")]),
]

FEEDBACK_GROUPS: Groups = [
    (LABELS["feedback"], [(LABELS[k], k) for k in (
        "feedback_received", "feedback_on_time", "feedback_late", "feedback_pending")]),
    (LABELS["business_feedback"], [(LABELS[k], k) for k in (
        "business_feedback_received", "business_feedback_on_time", "business_feedback_late",
        "business_feedback_pending")]),
]

LEAGUE_GROUPS: Groups = [
    (None, [(LABELS["resolved_total"], "resolved_total")]),
    (None, [(LABELS["resolved_timely"], "resolved_timely")]),
    (None, [(LABELS["timely_rate"], "timely_rate")]),
    (None, [(LABELS["resolved_late"], "resolved_late")]),
    (None, [(LABELS["online_rate"], "online_rate")]),
]


def _cell(values: Mapping, key: str) -> str:
    """The text of one numeric cell."""
    if unavailable(values, key):
        return NO_DATA
    return fmt_rate(values, key) if key in RATE_PARTS else fmt_int(count_of(values, key))


def _th(text: str, **span: int) -> str:
    attrs = "".join(f' {k}="{v}"' for k, v in span.items() if v > 1)
    return f"<th{attrs}>{html.escape(text)}</th>"


def _thead(heads: Sequence[str], groups: Groups) -> str:
    """One header row, or two when some columns are grouped under a label."""
    two = any(label for label, _ in groups)
    rs = 2 if two else 1
    top = [_th(h, rowspan=rs) for h in heads]
    sub = []
    for label, cols in groups:
        if label:
            top.append(_th(label, colspan=len(cols)))
            sub += [_th(c) for c, _ in cols]
        else:
            top += [_th(c, rowspan=rs) for c, _ in cols]
    rows = [top] + ([sub] if two else [])
    return "<thead>" + "".join("<tr>" + "".join(r) + "</tr>" for r in rows) + "</thead>"


def _tbody(lines: Sequence[tuple[Sequence[str], Line]], groups: Groups) -> str:
    keys = [key for _, cols in groups for _, key in cols]
    out = []
    for heads, line in lines:
        cells = [f'<td class="name">{html.escape(h)}</td>' for h in heads]
        cells += [f'<td class="num">{html.escape(_cell(line.values, k))}</td>' for k in keys]
        out.append(f'<tr class="{line.css}">' + "".join(cells) + "</tr>")
    return "<tbody>" + "".join(out) + "</tbody>"


def render_table(caption: str, heads: Sequence[str], groups: Groups,
                 lines: Sequence[tuple[Sequence[str], Line]]) -> str | None:
    """An HTML table: caption, leading text columns `heads`, numeric `groups`; None without
    lines."""
    if not lines:
        return None
    return (f'<table class="tthc-table"><caption>{html.escape(caption)}</caption>'
            f"{_thead(heads, groups)}{_tbody(lines, groups)}</table>")


def _caption(title: str, number: int | None) -> str:
    return f"Bảng {number}. {title}" if number is not None else title


def _by_unit(rows: pd.DataFrame, parent: str, title: str, groups: Groups,
             number: int | None, split=None) -> str | None:
    lines = [([ln.label], ln) for ln in unit_lines(rows, parent, split)]
    return render_table(_caption(title, number), [LABELS["unit_name"]], groups, lines)


# ---------------------------------------------------------------- the tables

def dossiers_by_unit_table(rows: pd.DataFrame, parent: str, number: int | None = None,
                           split=None) -> str | None:
    """Dossiers received, resolved (early, on time, late, with rates), withdrawn or returned
    and pending: the unit's own line, one per child, the communes roll-up and the total."""
    return _by_unit(rows, parent, "Kết quả giải quyết hồ sơ theo đơn vị", DOSSIER_GROUPS,
                    number, split)


def online_digitisation_table(rows: pd.DataFrame, parent: str, number: int | None = None,
                              split=None) -> str | None:
    """Online public services (online / eligible, rate), online rate and digitisation (at
    receipt, of results, with rates), per line of unit_lines."""
    return _by_unit(rows, parent, "Kết quả dịch vụ công trực tuyến và số hóa hồ sơ theo đơn vị",
                    ONLINE_GROUPS, number, split)


def feedback_table(rows: pd.DataFrame, parent: str, number: int | None = None) -> str | None:
    """Feedback (PAKN) received, handled on time or late, pending, for both topics, per line
    of unit_lines."""
    return _by_unit(rows, parent, "Kết quả tiếp nhận và xử lý phản ánh, kiến nghị theo đơn vị",
                    FEEDBACK_GROUPS, number)


def dossiers_by_field_table(df_by_field: pd.DataFrame, number: int | None = None) -> str | None:
    """One line per field (lĩnh vực) and level, district level first, then a total line;
    the columns of dossiers_by_unit_table. None when there is no field."""
    if df_by_field is None or df_by_field.empty:
        return None
    df = df_by_field.assign(
        _level=df_by_field["level"].map({"province": 0, "district": 1, "commune": 2}).fillna(3),
        _name=df_by_field["field"].map(lambda f: name_key(field_label(f))))
    df = df.sort_values(["_level", "_name"], kind="stable")
    lines = [([field_label(r["field"]), LABELS.get(r["level"], str(r["level"]))], Line("", r))
             for _, r in df.iterrows()]
    counts = [k for _, cols in DOSSIER_GROUPS for _, k in cols if k not in RATE_PARTS]
    # the unknown counts too: a figure no field can give, the total cannot either
    needed = set(counts) | {d for n, d in RATE_PARTS.values()} | \
        {x for n, _ in RATE_PARTS.values() for x in n} | set(UNKNOWN_COUNTS)
    total = df_by_field[[c for c in df_by_field.columns if c in needed]].sum()
    lines.append(([LABELS["all_fields"], ""], Line("", total, "total")))
    return render_table(_caption("Kết quả giải quyết hồ sơ theo lĩnh vực", number),
                        [LABELS["field"], LABELS["level"]], DOSSIER_GROUPS, lines)


def field_label(field) -> str:
    """A field as users read it; a missing one is "Chưa xác định lĩnh vực"."""
    return LABELS["no_field"] if field is None or pd.isna(field) or not str(field).strip() \
        else str(field)


def league_lines(rows: pd.DataFrame, parent: str) -> list[tuple[int, Line]]:
    """The commune-level children ranked: by the share of resolved dossiers resolved early or
    on time, then by online rate (both exact, higher first; undefined last); equal keys share
    a rank (1, 1, 3)."""
    kids = [k for k in child_rows(rows, parent) if k["level"] == "commune"]

    def key(r):
        t, o = rate_of(r, "timely_rate"), rate_of(r, "online_rate")
        return (t is None, -(t or 0), o is None, -(o or 0))

    ranked = sorted(kids, key=lambda r: (key(r), name_key(r["unit_name"])))
    out, prev, rank = [], None, 0
    for i, r in enumerate(ranked, start=1):
        rank = rank if key(r) == prev else i
        prev = key(r)
        out.append((rank, Line(str(r["unit_name"]), r)))
    return out


def league_table(rows: pd.DataFrame, parent: str, number: int | None = None) -> str | None:
    """The ward league table of a unit with children (league_lines); None for a unit
    without commune-level children."""
    lines = [([str(rank), ln.label], ln) for rank, ln in league_lines(rows, parent)]
    word = communes_label(rows, parent)
    return render_table(_caption(f"Xếp hạng {word} theo kết quả giải quyết hồ sơ", number),
                        [LABELS["rank"], LABELS["unit_name"]], LEAGUE_GROUPS, lines)
