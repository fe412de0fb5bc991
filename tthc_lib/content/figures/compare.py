"""Each figure against the same period a year earlier and against the period before, in
tables and in prose ("tăng 5,2% so với cùng kỳ năm 2022"), when the store holds that data.

A store loaded for the current period already holds some earlier dossiers (those still open
at its start): counting them would compare 13.372 dossiers with a few dozen. So an earlier
period counts as covered only when the store reaches back to it (its first closing date is at
most COVERAGE_SLACK_DAYS after that period's start: New Year and Tết have no closings) and the
unit's scope has a dossier both received and closed within it, which only an export of that
period can hold. Otherwise that comparison is left out. A count's change is in percent of the
earlier count (undefined when 0), a rate's in percentage points; both rounded once to one
decimal, halves away from zero.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from tthc_lib.content.figures.tables import (
    DERIVED_COUNTS,
    LABELS,
    RATE_PARTS,
    UNDEFINED,
    rate_terms,
)
from tthc_lib.content.words.formatting import (
    fmt_date,
    fmt_date_legal,
    fmt_decimal,
    fmt_int,
    fmt_percent,
    nfc,
    round_half_away,
)
from tthc_lib.content.words.prose import SERVICE_PLACES, TIMELINESS_PLACES
from tthc_lib.errors import UnitError
from tthc_lib.indicators.figures import compute_indicators
from tthc_lib.periods import Period, label_vi, previous_period, same_period_last_year, whole_months
from tthc_lib.store.structure import sql_date, structure_ctes

__all__ = ["Comparison", "change_phrase", "change_words", "comparison", "comparison_prose",
           "comparison_table_html", "figure_text", "has_data", "partial_note", "shown_value"]

COVERAGE_SLACK_DAYS = 10
CHANGE_PLACES = 1

# What a figure is called as a line of the table and as the subject of a sentence.
FIGURE_LABELS: dict[str, str] = {
    "received_total": "Số hồ sơ được tiếp nhận",
    "received_in_period": "Số hồ sơ tiếp nhận trong kỳ",
    "received_online": "Số hồ sơ tiếp nhận trực tuyến",
    "resolved_total": "Số hồ sơ đã giải quyết",
    "pending_total": "Số hồ sơ đang giải quyết",
    "early_rate": "Tỷ lệ hồ sơ giải quyết trước hạn",
    "on_time_rate": "Tỷ lệ hồ sơ giải quyết đúng hạn",
    "late_rate": "Tỷ lệ hồ sơ giải quyết quá hạn",
    "timely_rate": "Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn",
    "online_rate": "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
    "dvc_rate": "Tỷ lệ hồ sơ dịch vụ công trực tuyến toàn trình tiếp nhận trực tuyến",
    "digitised_on_receipt_rate": "Tỷ lệ hồ sơ số hóa khi tiếp nhận",
    "result_digitised_rate": "Tỷ lệ hồ sơ số hóa kết quả giải quyết",
    "feedback_received": "Số PAKN đã tiếp nhận",
}
TABLE_FIGURES = ("received_total", "received_in_period", "resolved_total", "early_rate",
                 "on_time_rate", "late_rate", "online_rate", "dvc_rate",
                 "digitised_on_receipt_rate", "result_digitised_rate")
PROSE_FIGURES = ("received_total", "resolved_total", "early_rate", "online_rate")
# Both earlier periods; a year-to-date report may keep only ("previous_year",).
AGAINST = ("previous_year", "previous_period")
_ONE_DECIMAL_RATES = {"early_rate", "on_time_rate", "late_rate", "timely_rate"}

Value = int | Fraction | Decimal | float


# ---------------------------------------------------------------- the earlier rows


@dataclass(frozen=True)
class Comparison:
    """The rows (docs/indicators.md names) of one unit and scope for the period, the same period a
    year earlier and the period before; an earlier row is None when the store lacks it."""

    unit: str
    scope: str
    calendar: str
    period: Period
    current: pd.Series
    previous_year: pd.Series | None
    previous_period: pd.Series | None
    previous_year_span: Period
    previous_period_span: Period
    restated: bool = False  # earlier periods include predecessors' records
    established: date | None = None  # the unit's Ngày thành lập (no predecessors counted)

    @property
    def previous_year_label(self) -> str:
        """ "cùng kỳ năm 2022" (or "cùng kỳ năm trước" for a span across two years)."""
        return previous_year_label(self.previous_year_span, self.calendar)

    @property
    def previous_period_label(self) -> str:
        """ "kỳ trước (quý II năm 2023)"."""
        return f"kỳ trước ({label_vi(self.previous_period_span, self.calendar)})"

    def earlier(self, against: Sequence[str] = AGAINST) -> list[tuple[str, pd.Series]]:
        """(label, row) of the earlier periods named in ``against`` ("previous_year",
        "previous_period") that have data, in that order."""
        labels = {
            "previous_year": self.previous_year_label,
            "previous_period": self.previous_period_label,
        }
        pairs = [(labels[name], getattr(self, name)) for name in against]
        return [(label, row) for label, row in pairs if row is not None]


def previous_year_label(span: Period, calendar: str = "calendar") -> str:
    """ "cùng kỳ năm 2022": the year of the earlier span in the report's calendar."""
    months = whole_months(span, calendar)
    years = {months[0][0], months[1][0]} if months else {span.start.year, span.end.year}
    return f"cùng kỳ năm {years.pop()}" if len(years) == 1 else "cùng kỳ năm trước"


def _members(con, unit: str, scope: str, as_of=None) -> list[str]:
    """The unit codes whose dossiers make up (unit, scope) on the structure of ``as_of``
    (docs/structure.md § The structure of a period): the active units of the scope and every unit
    whose records count for one of them (predecessors under their old codes). Without ``as_of``: the
    registry tree."""
    if as_of is None:
        return _registry_members(con, unit, scope)
    level = "AND s.level = 'commune'" if scope == "communes" else ""
    depth = "AND c.depth = 0" if scope == "unit" else ""
    return [r[0] for r in con.execute(f"""{structure_ctes(sql_date(as_of))}
        SELECT DISTINCT cf.unit_code FROM closure c
        JOIN structure s ON s.unit_code = c.descendant
        JOIN counted_for cf ON cf.active_code = c.descendant
        WHERE c.ancestor = ? {level} {depth}""", [unit]).fetchall()]


def _registry_members(con, unit: str, scope: str) -> list[str]:
    if scope == "unit":
        return [unit]
    kids, level = defaultdict(list), {}
    for code, lvl, parent in con.execute(
        "SELECT unit_code, level, parent_code FROM units"
    ).fetchall():
        kids[parent].append(code)
        level[code] = lvl
    found, frontier = [], [unit]
    while frontier:
        frontier = [k for u in frontier for k in kids.get(u, [])]
        found += frontier
    if scope == "communes":
        return [u for u in found if level[u] == "commune"]
    return [unit, *found]


def restated(con, unit: str, scope: str, as_of) -> bool:
    """True when (unit, scope) on the structure of ``as_of`` counts records of units that
    have ceased (its predecessors): then an earlier period is counted on this structure."""
    active = {r[0] for r in con.execute(
        f"{structure_ctes(sql_date(as_of))} SELECT unit_code FROM structure").fetchall()}
    return bool(set(_members(con, unit, scope, as_of)) - active)


def has_data(con, unit: str, scope: str, span: Period, as_of=None) -> bool:
    """True when the store covers ``span`` for (unit, scope) (see the module's docstring),
    the scope taken on the structure of ``as_of`` when given."""
    first_closed = con.execute("SELECT min(closed_date) FROM dossiers").fetchone()[0]
    if first_closed is None or first_closed > span.start + timedelta(days=COVERAGE_SLACK_DAYS):
        return False
    found = con.execute(
        "SELECT count(*) FROM dossiers WHERE list_contains(?, unit_code)"
        " AND received_date BETWEEN ? AND ? AND closed_date BETWEEN ? AND ?",
        [_members(con, unit, scope, as_of), span.start, span.end, span.start, span.end],
    ).fetchone()[0]
    return found > 0


def comparison(
    con, unit: str, scope: str, period: Period, calendar: str = "calendar", indicators=None
) -> Comparison:
    """The figures of (unit, scope) for ``period`` and, where the store has them, for the same
    period a year earlier and the period before (periods.same_period_last_year and
    previous_period in ``calendar``). UnitError when the unit has no such scope.
    ``indicators(span) -> IndicatorResult`` may serve all units' figures from a cache (a batch
    compares every unit against the same earlier periods; it must count every period on the
    structure of ``period.end``, docs/structure.md). Earlier periods are counted on the structure of
    the period's end, so that a new ward is compared with its predecessors' figures."""
    if indicators is None:
        def indicators(span: Period):
            return compute_indicators(con, span.start, span.end, units=[unit], as_of=period.end)

    def _row(con, unit: str, scope: str, span: Period) -> pd.Series | None:
        return indicators(span).row(unit, scope)

    current = _row(con, unit, scope, period)
    if current is None:
        raise UnitError(f"Đơn vị {unit} không có số liệu phạm vi {scope!r}.", unit=unit)
    year_span = same_period_last_year(period, calendar)
    prev_span = previous_period(period, calendar)
    earlier = {
        s: _row(con, unit, scope, s) if has_data(con, unit, scope, s, period.end) else None
        for s in (year_span, prev_span)
    }
    return Comparison(
        unit,
        scope,
        calendar,
        period,
        current,
        earlier[year_span],
        earlier[prev_span],
        year_span,
        prev_span,
        restated(con, unit, scope, period.end),
        con.execute("SELECT max(established) FROM units WHERE unit_code = ?", [unit]).fetchone()[0],
    )


# ---------------------------------------------------------------- changes in words


def _is_count(x) -> bool:
    return isinstance(x, int) or (hasattr(x, "dtype") and x.dtype.kind in "iu")


def change_words(current: Value | None, earlier: Value | None) -> str | None:
    """The change alone: "tăng 5,2%" for counts (ints), "giảm 1,2 điểm phần trăm" for rates
    (Decimal / Fraction / float, in percent), "bằng" when equal; None when undefined (a value
    missing, or an earlier count of 0)."""
    if current is None or earlier is None or pd.isna(current) or pd.isna(earlier):
        return None
    count = _is_count(current) and _is_count(earlier)
    if count and int(earlier) == 0:
        return None
    if count:
        diff = Fraction(int(current) - int(earlier)) * 100 / int(earlier)
    else:
        diff = _fraction(current) - _fraction(earlier)
    if diff == 0:
        return "bằng"
    verb = "tăng" if diff > 0 else "giảm"
    size = round_half_away(abs(diff), CHANGE_PLACES)
    shown = size or Decimal(1).scaleb(-CHANGE_PLACES)  # "dưới 0,1%": not "tăng 0,0%"
    amount = (fmt_percent(shown, CHANGE_PLACES) if count
              else f"{fmt_decimal(shown, CHANGE_PLACES)} điểm phần trăm")
    return f"{verb} {'dưới ' if size == 0 else ''}{amount}"


def _fraction(x: Value) -> Fraction:
    # a float is read as its shortest repr (85.73, not its binary expansion)
    return Fraction(repr(float(x))) if isinstance(x, float) else Fraction(x)


def change_phrase(current: Value | None, earlier: Value | None, earlier_label: str) -> str | None:
    """ "tăng 5,2% so với cùng kỳ năm 2022", "giảm 1,2 điểm phần trăm so với kỳ trước (…)",
    "bằng cùng kỳ năm 2022"; None when the change is undefined (see change_words)."""
    words = change_words(current, earlier)
    if words is None:
        return None
    return nfc(f"bằng {earlier_label}" if words == "bằng" else f"{words} so với {earlier_label}")


# ---------------------------------------------------------------- figures of a row


def figure_value(row: Mapping, figure: str) -> int | Fraction | None:
    """A count (int) or a rate in percent (exact Fraction, None when undefined) of a row."""
    if figure in RATE_PARTS:
        num, den = rate_terms(row, figure)
        return None if den == 0 else Fraction(num * 100, den)
    return sum(int(row[k]) for k in DERIVED_COUNTS.get(figure, (figure,)))


def figure_text(row: Mapping, figure: str) -> str:
    """A figure as a table cell: "13.372", "85,7%" (timeliness) or "98,31%", "–"."""
    if figure not in RATE_PARTS:
        return fmt_int(figure_value(row, figure))
    places = TIMELINESS_PLACES if figure in _ONE_DECIMAL_RATES else SERVICE_PLACES
    return fmt_percent(figure_value(row, figure), places, UNDEFINED)


def shown_value(row: Mapping, figure: str) -> Value | None:
    """The figure as the report shows it: a rate rounded to its places (85,7%), so that a
    change computed from it agrees with the figures beside it (never "88,8% | 88,8% | tăng
    0,1 điểm phần trăm")."""
    value = figure_value(row, figure)
    if figure not in RATE_PARTS or value is None:
        return value
    places = TIMELINESS_PLACES if figure in _ONE_DECIMAL_RATES else SERVICE_PLACES
    return Fraction(round_half_away(value, places))


def figure_label(figure: str) -> str:
    return FIGURE_LABELS.get(figure) or LABELS.get(figure, figure)


# ---------------------------------------------------------------- prose and table


def comparison_prose(
    comp: Comparison, figures: Sequence[str] = PROSE_FIGURES, against: Sequence[str] = AGAINST
) -> list[str]:
    """One sentence per key figure with a defined change: "Số hồ sơ được tiếp nhận tăng 5,2%
    so với cùng kỳ năm 2022, giảm 3,1% so với kỳ trước (quý II năm 2023)." Empty without
    earlier data."""
    out = []
    for figure in figures:
        now = shown_value(comp.current, figure)
        phrases = [
            change_phrase(now, shown_value(row, figure), label)
            for label, row in comp.earlier(against)
        ]
        phrases = [p for p in phrases if p]
        if phrases:
            out.append(nfc(f"{figure_label(figure)} {', '.join(phrases)}."))
    if out and comp.restated:
        out.append(restated_note(comp, against))
    out += [note for note in [partial_note(comp, against)] if out and note]
    return out


def partial_note(comp: Comparison, against: Sequence[str] = AGAINST) -> str | None:
    """For a unit established inside an earlier period (no predecessor counted), the days
    that period's figures cover, so that no change reads as like for like when it is not."""
    if comp.restated or comp.established is None:
        return None
    labels = {name: comp.earlier([name])[0][0] for name in against if comp.earlier([name])}
    parts = [f"số liệu {labels[name]} chỉ gồm từ ngày {fmt_date_legal(comp.established)} đến ngày "
             f"{fmt_date_legal(span.end)}" for name in against if name in labels
             and (span := getattr(comp, f"{name}_span")).start < comp.established <= span.end]
    if not parts:
        return None
    return nfc(f"Đơn vị thành lập ngày {fmt_date_legal(comp.established)}: {'; '.join(parts)}, "
               "không đủ cả kỳ như kỳ báo cáo.")


def restated_note(comp: Comparison, against: Sequence[str] = AGAINST) -> str:
    """The sentence saying that the earlier periods are counted on today's structure."""
    labels = " và ".join(label for label, _ in comp.earlier(against))
    return nfc(f"Số liệu {labels} được tính theo cơ cấu đơn vị hành chính tại ngày "
               f"{fmt_date(comp.period.end)}, gồm số liệu của các đơn vị trước sắp xếp, "
               "để so sánh trên cùng phạm vi.")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def comparison_table_html(
    comp: Comparison,
    figures: Sequence[str] = TABLE_FIGURES,
    number: int | None = None,
    against: Sequence[str] = AGAINST,
) -> str | None:
    """The figures of the period beside those of each earlier period that has data, with the
    change ("tăng 5,2%", "giảm 1,2 điểm phần trăm", "không đổi", "–"); class `tthc-table`,
    every text escaped. None when no earlier period has data."""
    earlier = comp.earlier(against)
    if not earlier or not figures:
        return None
    esc = html.escape
    now_label = _cap(label_vi(comp.period, comp.calendar))
    top = [f'<th rowspan="2">Chỉ tiêu</th><th rowspan="2">{esc(now_label)}</th>']
    top += [f'<th colspan="2">{esc(_cap(label))}</th>' for label, _ in earlier]
    sub = "<th>Số liệu</th><th>Tăng/giảm</th>" * len(earlier)
    body = []
    for figure in figures:
        now = shown_value(comp.current, figure)
        tds = [("name", figure_label(figure)), ("num", figure_text(comp.current, figure))]
        for _, row in earlier:
            words = change_words(now, shown_value(row, figure))
            tds += [
                ("num", figure_text(row, figure)),
                ("num", {None: UNDEFINED, "bằng": "không đổi"}.get(words, words)),
            ]
        body.append(
            "<tr>" + "".join(f'<td class="{c}">{esc(nfc(t))}</td>' for c, t in tds) + "</tr>"
        )
    title = " và ".join(label for label, _ in earlier)
    caption = f"So sánh kết quả {label_vi(comp.period, comp.calendar)} với {title}"
    caption = f"Bảng {number}. {_cap(caption)}" if number is not None else _cap(caption)
    return (
        f'<table class="tthc-table tthc-comparison"><caption>{esc(nfc(caption))}</caption>'
        f"<thead><tr>{''.join(top)}</tr><tr>{sub}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
