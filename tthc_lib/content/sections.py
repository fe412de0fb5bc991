"""What each section notebook shows: one function per paragraph, table or chart.

A notebook builds the context once (`context(unit, period_start, period_end, db, params_dir)`,
from context.py, importable from here) and then calls one function per cell; each returns an
HTML display object, or None when there is nothing to show (a chart of a unit without wards).
Narrative text is escaped here; the building blocks (paragraphs, figures) are in blocks.py.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from html import escape
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from tthc_lib.content.blocks import figure, html_parts, listed, paras, show
from tthc_lib.content.context import (
    ReportContext,
    cached_indicators,
    context,  # the notebooks call s.context(...)
    issuer_name,
    unit_word,
)
from tthc_lib.content.figures import charts, tables
from tthc_lib.content.forms.abolished import abolished_districts_part, report_parts
from tthc_lib.content.forms.form06 import DISTRICTS_ABOLISHED, DISTRICTS_ABOLISHED_LABEL
from tthc_lib.content.record import RECORD_KEY, record
from tthc_lib.content.words import levels, prose
from tthc_lib.content.words.layout import closing_html, header_html
from tthc_lib.indicators.figures import (
    IndicatorResult,
    indicators_by_field,
    indicators_by_field_all,
    indicators_by_month,
    indicators_by_month_all,
)
from tthc_lib.periods import Period, label_vi, range_vi
from tthc_lib.store.connection import open_store

__all__ = ["annex_heading", "closing", "comparisons", "context", "digitisation",
           "digitisation_chart", "dossiers", "dossiers_by_field_chart", "dossiers_by_field_table",
           "dossiers_by_unit_table", "feedback", "feedback_table", "form06", "header",
           "league_table", "monthly_trend_chart", "narrative", "online_digitisation_table",
           "online_rate_chart", "online_services", "procedures_published", "scorecard_chart",
           "scorecard_table", "show", "tasks", "timeliness_chart"]

def narrative(ctx: ReportContext, key: str) -> HTML | None:
    """One narrative key's paragraphs, figures filled, text escaped; a marked gap when the
    office has not written the key (never another office's words)."""
    if ctx.narrative.unwritten(key):
        return html_parts([paras([ctx.narrative.gap_note(key)], "tthc-note tthc-gap")])
    return html_parts([paras(ctx.narrative.text(key, ctx.values))])


# ---- header and opening, closing ---------------------------------------------------------

def header(ctx: ReportContext) -> HTML:
    """The header block; its output metadata records the unit's meta, index line and
    findings for the batch (content/record.py)."""
    return HTML(header_html(ctx.meta), metadata={RECORD_KEY: record(ctx)})


def closing(ctx: ReportContext) -> HTML:
    return HTML(closing_html(ctx.meta))


# ---- I.1.3 procedures published ---------------------------------------------------------

def procedures_published(ctx: ReportContext) -> HTML:
    return HTML(paras([prose.procedures_published_prose(
        ctx.result.procedures_published, ctx.info["level"],
        department=ctx.info.get("role") == "department")]))


# ---- I.2.2 dossiers ---------------------------------------------------------------------

def dossiers(ctx: ReportContext) -> HTML | None:
    """The prose of 2.2 for the unit itself and, for a unit with wards, "Tại các phường, xã"
    (a province: "Tại các sở, ban, ngành", its districts' and its communes'), after the
    sentence naming the predecessors whose records the figures include."""
    head = f"* Kết quả giải quyết TTHC (Số liệu {range_vi(ctx.period)}):"
    parts = [paras([head]), paras([t for t in [predecessors_text(ctx)] if t], "tthc-note")]
    for scope, label, row in own_and_rollups(ctx):
        reason = scope and " ".join(ctx.narrative.text(f"late_reason_{scope}", ctx.values))
        if label:
            parts.append(paras([f"Tại {label}:"], "tthc-lead"))
        parts.append(paras(listed(prose.dossiers_prose(row, reason or None))))
    return html_parts(parts)


def own_label(ctx: ReportContext) -> str:
    """ "thành phố Hải Dương" (the reference's city); a province's own dossiers are its
    UBND's, beside its departments': "UBND thành phố Hải Phòng"."""
    if ctx.info["level"] == "province" and ctx.row("departments") is not None:
        return issuer_name(ctx.info)
    return unit_word(ctx.info)


def own_and_rollups(ctx: ReportContext) -> list[tuple[str | None, str | None, pd.Series]]:
    """(narrative scope, label, row) of each part of 2.2 and 2.4: the unit's own, its
    roll-ups, the old district level's dossiers apart from its own (forms/abolished.py)."""
    if not ctx.has_children:
        return [("unit", None, ctx.row("unit"))]
    return report_parts(own_label(ctx), ctx.row("unit"), rollups(ctx), _own_by_field(ctx),
                        ctx.period.end)


def _own_by_field(ctx: ReportContext) -> pd.DataFrame:
    """The unit's own dossiers by field and level (Biểu 06's); empty before 1/7/2025."""
    if ctx.period.end < DISTRICTS_ABOLISHED:
        return pd.DataFrame()
    return _breakdowns(str(ctx.db), ctx.db.stat().st_mtime, ctx.period.start, ctx.period.end,
                       "field").get((ctx.unit, "unit"), pd.DataFrame())


def _table_split(ctx: ReportContext):
    """(own without the old district level's dossiers, their label, theirs) or None."""
    split = abolished_districts_part(ctx.row("unit"), _own_by_field(ctx), ctx.period.end)
    return None if split is None else (split[0], DISTRICTS_ABOLISHED_LABEL, split[1])


def rollups(ctx: ReportContext) -> list[tuple[str, str, pd.Series]]:
    """(scope, label, row) of the unit's roll-ups below its own line, in the report's order:
    departments, districts, communes (levels.py)."""
    return [(scope, levels.rollup_label(ctx.rows, ctx.unit, scope), ctx.row(scope))
            for scope in levels.rollup_scopes(ctx.rows, ctx.unit)]


@lru_cache(maxsize=64)
def _predecessors(db: str, mtime: float, unit: str, name: str, start: date,
                  end: date) -> str | None:
    from tthc_lib.content.words.predecessors import counted_predecessors, predecessors_sentence

    with open_store(db, read_only=True) as con:
        return predecessors_sentence(name, counted_predecessors(con, unit, start, end))


def predecessors_text(ctx: ReportContext) -> str | None:
    """ "Số liệu của phường Hải Dương gồm số liệu của phường …, trước ngày 01/7/2025 (…)."
    or None (predecessors.py)."""
    return _predecessors(str(ctx.db), ctx.db.stat().st_mtime, ctx.unit, unit_word(ctx.info),
                         ctx.period.start, ctx.period.end)


def dossiers_by_unit_table(ctx: ReportContext) -> HTML | None:
    if not ctx.has_children:
        return None
    return html_parts([tables.dossiers_by_unit_table(ctx.rows, ctx.unit, split=_table_split(ctx))])


@lru_cache(maxsize=8)
def _breakdowns(db: str, mtime: float, start: date, end: date,
                kind: str) -> dict[tuple[str, str], pd.DataFrame]:
    """Every unit's figures by field or by month for a period, once per kernel while the store
    is unchanged (one query instead of one per unit and chart)."""
    everyone = {"field": indicators_by_field_all, "month": indicators_by_month_all}[kind]
    with open_store(db, read_only=True) as con:
        return everyone(con, start, end, ("unit", "total"))


def _frame(ctx: ReportContext, fn) -> pd.DataFrame:
    """fn(con, start, end, unit, scope) of the unit's own or total scope (fn is
    indicators_by_field or indicators_by_month), sliced from the kernel's cache."""
    scope = "total" if ctx.has_children else "unit"
    kind = {indicators_by_field: "field", indicators_by_month: "month"}.get(fn)
    if kind is not None:
        frames = _breakdowns(str(ctx.db), ctx.db.stat().st_mtime, ctx.period.start,
                             ctx.period.end, kind)
        if (ctx.unit, scope) in frames:
            return frames[(ctx.unit, scope)].copy()
    return _query(ctx, fn, scope)  # e.g. a unit without dossiers: the query's empty frame


def _query(ctx: ReportContext, fn, scope: str) -> pd.DataFrame:
    with open_store(ctx.db, read_only=True) as con:
        return fn(con, ctx.period.start, ctx.period.end, ctx.unit, scope)


def dossiers_by_field_table(ctx: ReportContext) -> HTML | None:
    return html_parts([tables.dossiers_by_field_table(_frame(ctx, indicators_by_field))])


def dossiers_by_field_chart(ctx: ReportContext) -> HTML | None:
    return figure(charts.dossiers_by_field_chart(_frame(ctx, indicators_by_field)),
                  "Số hồ sơ tiếp nhận theo lĩnh vực")


def timeliness_chart(ctx: ReportContext) -> HTML | None:
    if not ctx.has_children:
        return None
    return figure(charts.timeliness_by_unit_chart(ctx.rows, ctx.unit),
                  "Hồ sơ đã giải quyết theo mức độ đúng hạn của "
                  + levels.children_label(ctx.rows, ctx.unit))


def monthly_trend_chart(ctx: ReportContext) -> HTML | None:
    return figure(charts.monthly_trend_chart(_frame(ctx, indicators_by_month)),
                  "Hồ sơ tiếp nhận và giải quyết theo tháng")


def league_table(ctx: ReportContext) -> HTML | None:
    return html_parts([tables.league_table(ctx.rows, ctx.unit)]) if ctx.has_children else None


# ---- I.2.3 online services, I.2.4 digitisation -----------------------------------------

def online_services(ctx: ReportContext) -> HTML:
    total = ctx.row("total") if ctx.has_children else ctx.row("unit")
    parts = []
    if ctx.has_children and ctx.info["level"] == "province":
        parts = [(own_label(ctx), ctx.row("unit"))] + [(label, row) for _, label, row in rollups(ctx)]
    text = prose.online_services_prose(total, ctx.row("unit"), ctx.row("communes"), ctx.period,
                                       parts)
    return HTML(paras([text]))


def online_rate_chart(ctx: ReportContext) -> HTML | None:
    if not ctx.has_children:
        return None
    target = ctx.settings.report.get("online_target_pct")
    return figure(charts.online_rate_chart(ctx.rows, ctx.unit, target),
                  "Tỷ lệ hồ sơ tiếp nhận trực tuyến của " + levels.children_label(ctx.rows, ctx.unit))


def online_digitisation_table(ctx: ReportContext) -> HTML | None:
    if not ctx.has_children:
        return None
    return html_parts([tables.online_digitisation_table(ctx.rows, ctx.unit, split=_table_split(ctx))])


def digitisation(ctx: ReportContext) -> HTML:
    head = f"* Kết quả thực hiện số hóa hồ sơ, giấy tờ, kết quả giải quyết TTHC (Số liệu {range_vi(ctx.period)}):"
    parts = [paras([head])]
    for scope, label, row in own_and_rollups(ctx):
        if scope is None and not (row["received_in_period"] or row["resolved_total"]):
            continue  # the old district level's dossiers: none to digitise in the period
        if label:
            parts.append(paras([f"Tại {label}:"], "tthc-lead"))
        parts.append(paras(prose.digitisation_prose(row)))
    return HTML("\n".join(parts))


def digitisation_chart(ctx: ReportContext) -> HTML | None:
    if not ctx.has_children:
        return None
    return figure(charts.digitisation_chart(ctx.rows, ctx.unit),
                  "Tỷ lệ số hóa hồ sơ và kết quả giải quyết của "
                  + levels.children_label(ctx.rows, ctx.unit))


# ---- I.3 feedback -----------------------------------------------------------------------

def feedback(ctx: ReportContext) -> HTML:
    own = ctx.row("total") if ctx.has_children else ctx.row("unit")
    parts, word = [], ctx.info["kind"].lower()
    if ctx.has_children and ctx.info["level"] == "province":
        parts, word = [(label, row) for _, label, row in rollups(ctx)], own_label(ctx)
    first, business = prose.feedback_prose(
        own, ctx.row("unit") if ctx.has_children else None, ctx.row("communes"),
        unit_word=word, parts=parts)
    return HTML(paras([f"- {prose.FEEDBACK_HEADING}", first,
                        f"- {prose.BUSINESS_FEEDBACK_HEADING} {business}"]))


def feedback_table(ctx: ReportContext) -> HTML | None:
    return html_parts([tables.feedback_table(ctx.rows, ctx.unit)]) if ctx.has_children else None


# ---- III tasks --------------------------------------------------------------------------

def tasks(ctx: ReportContext) -> HTML | None:
    """The key tasks, numbered 1., 2., ... as in the reference."""
    if ctx.narrative.unwritten("tasks"):
        return narrative(ctx, "tasks")
    items = ctx.narrative.text("tasks", ctx.values)
    return html_parts([paras([f"{i}. {t}" for i, t in enumerate(items, 1)])])


# ---- comparisons with earlier periods ------------------------------------------------------

def _comparison(ctx: ReportContext):
    from tthc_lib.content.figures.compare import comparison

    mtime = ctx.db.stat().st_mtime

    def cached(span: Period) -> IndicatorResult:  # on the structure of the period's end
        return cached_indicators(str(ctx.db), mtime, span.start, span.end, ctx.period.end)[0]

    with open_store(ctx.db, read_only=True) as con:
        return comparison(con, ctx.unit, "total" if ctx.has_children else "unit", ctx.period,
                          ctx.settings.calendar, indicators=cached)


def _against(ctx: ReportContext) -> tuple[str, ...]:
    """A report from the year's start compares with the same period last year only: the
    period "before" it would straddle two years. Other periods compare with both."""
    start = ctx.period.start
    year_to_date = (start.month, start.day) == (1, 1) or (
        ctx.settings.calendar == "cutoff14" and (start.month, start.day) == (12, 15))
    return ("previous_year",) if year_to_date else ("previous_year", "previous_period")


def comparisons(ctx: ReportContext) -> HTML | None:
    """Key figures against earlier periods, prose and table; nothing when the store has no
    earlier data for the unit."""
    from tthc_lib.content.figures.compare import comparison_prose, comparison_table_html

    comp, against = _comparison(ctx), _against(ctx)
    lines = comparison_prose(comp, against=against)
    if not lines:
        return None
    return html_parts([paras(["* So sánh với các kỳ trước:"] + [f"- {t}" for t in lines]),
                  comparison_table_html(comp, against=against)])


# ---- annexes: scorecards (766/QĐ-TTg) and the form table (Biểu số 06) ------------------------

DEFAULT_SCORECARD = Path(__file__).parent.parent / "data" / "scorecard_766.yaml"


def _scorecards(ctx: ReportContext):
    from tthc_lib.content.figures.scorecard import load_scorecard_spec, scorecards

    # The decision is national: its targets ship with the library; an office may override
    # them in params/scorecard.yaml.
    own = Path(ctx.params_dir) / "scorecard.yaml"
    spec = load_scorecard_spec(own if own.exists() else DEFAULT_SCORECARD)
    return scorecards(ctx.rows, ctx.unit, spec), spec


def scorecard_table(ctx: ReportContext) -> HTML | None:
    if not ctx.has_children:
        return None
    from tthc_lib.content.figures.scorecard import scorecard_table_html

    df, spec = _scorecards(ctx)
    return html_parts([scorecard_table_html(df, spec)])


def scorecard_chart(ctx: ReportContext) -> HTML | None:
    if not ctx.has_children:
        return None
    from tthc_lib.content.figures.scorecard import scorecard_chart as chart

    df, spec = _scorecards(ctx)
    return figure(chart(df, spec), "Điểm đánh giá ước tính theo Quyết định 766/QĐ-TTg")


def form06(ctx: ReportContext) -> HTML | None:
    """Biểu số 06/VPCP/KSTT for the unit (its own dossiers and, for a unit with wards, all)."""
    from tthc_lib.content.forms.form06 import annex_scope, form06_frame, form06_html

    frame = form06_frame(None, ctx.period.start, ctx.period.end, ctx.unit,
                         annex_scope(ctx.has_children),
                         by_field=_frame(ctx, indicators_by_field))
    return html_parts([form06_html(frame)])


def annex_heading(ctx: ReportContext) -> HTML:
    """The annex starts on a new page, titled as an annex of the report."""
    return HTML('<h1 class="tthc-annex tthc-break-before">PHỤ LỤC</h1>'
                f'<p class="tthc-note tthc-annex-note">(Kèm theo Báo cáo của '
                f'{escape(issuer_name(ctx.info))} {escape(label_vi(ctx.period, ctx.settings.calendar))})</p>')
