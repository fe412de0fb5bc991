"""Estimated points of each child unit under the index of Quyết định 766/QĐ-TTg.

The components, their targets and maximum points live in tthc_lib/data/scorecard_766.yaml
(the spec; an office may override it in params/scorecard.yaml); this module only applies the
decision's rule: a component at or above its target scores its maximum, below it scores
``max_points × achieved / target``. Everything is computed exactly (Fractions) from the counts
of the indicator rows and rounded once, to two decimals, halves away from zero.

Where the national portal's scores show how it treats a case (as worked back by a public
third-party dashboard of the index; unofficial, hence "estimate"), a component says so in the
spec: ``levels`` — the unit levels it is scored for (the province-only online-service metric
is not scored for communes: it is left out of their maximum); ``if_undefined: full`` — a unit
without anything to count gets the full points (PAKN). Any other undefined component
(denominator 0) is left out and the total is scaled to the unit's maximum (total = points of
the defined ones × the unit's maximum / their maxima); a unit whose defined components carry
less than ``min_defined_share`` of its maximum gets no total and no rank. Ranks follow the
total as shown (two decimals) among units with the same maximum; equal totals share a rank
(1, 1, 3).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd
import yaml

from tthc_lib.content.figures.tables import UNDEFINED, child_rows, name_key
from tthc_lib.content.words.formatting import (
    fmt_decimal,
    fmt_percent,
    nfc,
    rate,
    round_half_away,
    unavailable,
)
from tthc_lib.errors import ReportError
from tthc_lib.indicators.figures import COUNTS

__all__ = ["check_spec", "component_points", "load_scorecard_spec", "scorecard_chart",
           "scorecard_table_html", "scorecards"]

POINT_PLACES = 2
RATE_PLACES = 2
CAPTION = "Điểm đánh giá ước tính theo Quyết định 766/QĐ-TTg (tính từ dữ liệu của Hệ thống một cửa)"
_FIELDS = ("key", "label", "group", "numerator", "denominator", "target", "max_points")
LEVELS = ("province", "district", "commune")
LEVEL_WORDS = {"province": "cấp tỉnh", "district": "cấp huyện", "commune": "cấp xã"}


# ---------------------------------------------------------------- the spec


def load_scorecard_spec(path: str | Path) -> dict:
    """The scorecard spec of a YAML file (params/scorecard.yaml), checked; ReportError names
    the file and what is wrong."""
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"Không đọc được tệp {path.name}: {exc.strerror}", path=str(path))
    except yaml.YAMLError as exc:
        raise ReportError(f"Tệp {path.name} không đúng cú pháp YAML: {exc}", path=str(path))
    return check_spec(spec, path.name)


def check_spec(spec, source: str = "scorecard") -> dict:
    """``spec`` when it is a valid scorecard spec, else ReportError naming the fault."""

    def fail(why: str) -> ReportError:
        return ReportError(f"Tệp {source}: {why}", path=source)

    if not isinstance(spec, Mapping) or not spec.get("components"):
        raise fail("cần danh sách components")
    for comp in spec["components"]:
        missing = [f for f in _FIELDS if not isinstance(comp, Mapping) or f not in comp]
        if missing:
            raise fail(f"thành phần thiếu {', '.join(missing)}")
        unknown = [c for c in [*comp["numerator"], *comp["denominator"]] if c not in COUNTS]
        if unknown:
            raise fail(f"thành phần {comp['key']}: không có chỉ số {', '.join(unknown)}")
        if not 0 < _exact(comp["target"]) <= 100 or not _exact(comp["max_points"]) > 0:
            raise fail(f"thành phần {comp['key']}: chỉ tiêu phải trong (0, 100], điểm tối đa > 0")
        if not set(comp.get("levels", LEVELS)) <= set(LEVELS) or not comp.get("levels", LEVELS):
            raise fail(f"thành phần {comp['key']}: levels chỉ gồm {', '.join(LEVELS)}")
        if comp.get("if_undefined", "omit") not in ("omit", "full"):
            raise fail(f"thành phần {comp['key']}: if_undefined là omit hoặc full")
    share = _exact(spec.get("min_defined_share", 0))
    if not 0 <= share <= 1:
        raise fail("min_defined_share phải trong [0, 1]")
    return dict(spec)


def _exact(x) -> Fraction:
    """A YAML number as an exact fraction (80 -> 80, 0.5 -> 1/2)."""
    return Fraction(str(x))


def max_total(spec: Mapping) -> Fraction:
    """The points of all components together: the scale of the total."""
    return sum((_exact(c["max_points"]) for c in spec["components"]), Fraction(0))


# ---------------------------------------------------------------- points


def component_points(num: int, den: int, target, max_points) -> Fraction | None:
    """Exact points of one component: ``max_points`` at or above ``target`` (percent), else
    ``max_points × achieved / target``; None when ``den`` is 0."""
    if int(den) == 0:
        return None
    achieved = Fraction(int(num) * 100, int(den))
    return _exact(max_points) * min(Fraction(1), achieved / _exact(target))


def _sum(row: Mapping, keys: Sequence[str]) -> int:
    return sum(int(row[k]) for k in keys)


def applies(comp: Mapping, level) -> bool:
    """Whether a component is scored for a unit of `level` (every level unless it says)."""
    return level is None or level in comp.get("levels", LEVELS)


def score_row(row: Mapping, spec: Mapping) -> dict:
    """One unit's rates (Decimal, exact), points (2 decimals), total (scaled when components
    are missing, None when too few are defined), its maximum, and the keys of the components
    missing, not applicable to its level, and given full points for want of data."""
    out, exact, defined_max, unit_max = {}, {}, Fraction(0), Fraction(0)
    lists = {"missing": [], "not_applicable": [], "assumed": [], "no_data": []}
    for comp in spec["components"]:
        key, top = comp["key"], _exact(comp["max_points"])
        out[f"{key}_rate"], out[f"{key}_points"] = None, None
        if not applies(comp, row.get("level")):
            lists["not_applicable"].append(key)
            continue
        unit_max += top
        if any(unavailable(row, k) for k in (*comp["numerator"], *comp["denominator"])):
            lists["no_data"].append(key)      # its export has no such column: not scored
            continue
        num, den = _sum(row, comp["numerator"]), _sum(row, comp["denominator"])
        pts = component_points(num, den, comp["target"], top)
        if pts is None and comp.get("if_undefined") == "full":
            pts = top
            lists["assumed"].append(key)
        out[f"{key}_rate"] = rate(num, den)
        if pts is None:
            lists["missing"].append(key)
            continue
        out[f"{key}_points"] = round_half_away(pts, POINT_PLACES)
        exact[key] = pts
        defined_max += top
    share = _exact(spec.get("min_defined_share", 0))
    total = None
    if exact and defined_max >= share * unit_max:
        total = round_half_away(sum(exact.values()) * unit_max / defined_max, POINT_PLACES)
    out.update({k: tuple(v) for k, v in lists.items()})
    out.update(total=total, max_total=unit_max,
               scaled=bool(lists["missing"] or lists["no_data"]) and total is not None)
    return out


def _ranks(totals: Sequence[Decimal | None]) -> list[int | None]:
    """Competition ranks of the totals, highest first; equal totals share a rank."""
    known = [t for t in totals if t is not None]
    return [None if t is None else 1 + sum(1 for o in known if o > t) for t in totals]


def scorecards(rows: pd.DataFrame, parent: str, spec: Mapping) -> pd.DataFrame:
    """One line per child unit of ``parent`` (its `total` row when it has children): unit,
    unit_name, ``<key>_rate`` and ``<key>_points`` per component, total, max_total, rank,
    missing / not_applicable / assumed (component keys), scaled. Units with the larger
    maximum first (a province's departments before its communes), then best first, unranked
    last; ranks are counted among units with the same maximum."""
    spec = check_spec(spec)
    lines = [
        {"unit": k["unit"], "unit_name": str(k["unit_name"]), **score_row(k, spec)}
        for k in child_rows(rows, parent)
    ]
    for top in {ln["max_total"] for ln in lines}:
        group = [ln for ln in lines if ln["max_total"] == top]
        for line, rank in zip(group, _ranks([ln["total"] for ln in group])):
            line["rank"] = rank
    lines.sort(key=lambda ln: (-ln["max_total"], ln["rank"] is None, ln["rank"] or 0,
                               name_key(ln["unit_name"])))
    # object columns: ranks stay int or None, rates and points stay Decimal or None
    df = pd.DataFrame(lines, columns=_columns(spec), dtype=object)
    df.attrs["scorecard_spec"] = spec
    return df


def _columns(spec: Mapping) -> list[str]:
    per = [f"{c['key']}_{s}" for c in spec["components"] for s in ("rate", "points")]
    return ["unit", "unit_name", *per, "total", "max_total", "rank", "missing",
            "not_applicable", "assumed", "no_data", "scaled"]


def shown_components(df: pd.DataFrame, spec: Mapping) -> list[Mapping]:
    """The components scored for at least one line of the table."""
    na = [set(x) for x in df["not_applicable"]] if len(df) else []
    return [c for c in spec["components"] if not na or any(c["key"] not in s for s in na)]


def _maxima(df: pd.DataFrame) -> list[Fraction]:
    return sorted({Fraction(x) for x in df["max_total"]}, reverse=True)


# ---------------------------------------------------------------- HTML


def _num(x) -> str:
    """A number the Vietnamese way: 20 -> "20", 12.5 -> "12,5"."""
    x = Fraction(x)
    places = 0 if x.denominator == 1 else POINT_PLACES
    text = fmt_decimal(x, places)
    return text.rstrip("0").rstrip(",") if places else text


def _points(x: Decimal | None) -> str:
    return UNDEFINED if x is None else fmt_decimal(x, POINT_PLACES)


def _pct(x: Decimal | None) -> str:
    return fmt_percent(x, RATE_PLACES, UNDEFINED)


def _note(line: Mapping, labels: Mapping[str, str], shown: set[str]) -> str:
    if line["total"] is None:
        return "Không đủ dữ liệu để tính tổng điểm"
    notes = [f"{labels[k]}: không phát sinh, tính đủ điểm" for k in line["assumed"]]
    notes += [f"{labels[k]}: không áp dụng" for k in line["not_applicable"] if k in shown]
    if line["missing"]:
        named = ", ".join(labels[k] for k in line["missing"])
        notes.append(f"Không phát sinh: {named}; tổng điểm quy đổi")
    if line.get("no_data"):
        named = ", ".join(labels[k] for k in line["no_data"])
        notes.append(f"Không có số liệu: {named}; tổng điểm quy đổi")
    return "; ".join(notes)


def _numbers(values) -> str:
    return " / ".join(_num(v) for v in values)


def footnote(spec: Mapping, maxima: Sequence | None = None) -> str:
    """The rule, the targets and each component's own treatment (its `note` in the spec), in
    words, under the table; `maxima`: the units' maxima shown (default: every component's)."""
    targets = "; ".join(
        f"{c['label']} {_num(c['target'])}% ({_num(c['max_points'])} điểm)"
        for c in spec["components"]
    )
    notes = " ".join(c["note"].strip() for c in spec["components"] if c.get("note"))
    scope = "; ".join(
        f"{c['label']} chỉ chấm cho {', '.join(LEVEL_WORDS[lv] for lv in c['levels'])}"
        for c in spec["components"] if set(c.get("levels", LEVELS)) != set(LEVELS)
    )
    return nfc(
        "Điểm ước tính cho các thành phần của Bộ chỉ số tính được từ dữ liệu của Hệ thống một "
        f"cửa (tối đa {_numbers(maxima or [max_total(spec)])} điểm), không phải kết quả đánh "
        "giá chính thức. Thành phần đạt chỉ tiêu được điểm tối đa; dưới chỉ tiêu, điểm = điểm "
        f"tối đa × tỷ lệ đạt / chỉ tiêu. Chỉ tiêu: {targets}."
        + (f" {notes}" if notes else "") + (f" {scope}." if scope else "")
        + " Thành phần khác không phát sinh hồ sơ được bỏ qua và tổng điểm được quy đổi theo "
        "tỷ lệ."
    )


def _th(text: str, rowspan: int = 1, colspan: int = 1) -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (
        f' colspan="{colspan}"' if colspan > 1 else ""
    )
    return f"<th{attrs}>{html.escape(text)}</th>"


def _thead(comps: Sequence[Mapping], maxima: Sequence) -> str:
    top = [_th("Xếp hạng", 2), _th("Đơn vị", 2)]
    top += [
        _th(f"{c['label']} (tối đa {_num(c['max_points'])} điểm)", colspan=2) for c in comps
    ]
    top += [_th(f"Tổng điểm (tối đa {_numbers(maxima)})", 2), _th("Ghi chú", 2)]
    sub = [_th(t) for _ in comps for t in ("Tỷ lệ đạt", "Điểm")]
    return f"<thead><tr>{''.join(top)}</tr><tr>{''.join(sub)}</tr></thead>"


def _tr(line: Mapping, spec: Mapping, comps: Sequence[Mapping]) -> str:
    labels = {c["key"]: c["label"] for c in spec["components"]}
    rank = "" if line["rank"] is None else str(int(line["rank"]))
    cells = [("num", rank), ("name", str(line["unit_name"]))]
    for c in comps:
        cells += [("num", _pct(line[f"{c['key']}_rate"])),
                  ("num", _points(line[f"{c['key']}_points"]))]
    total = _points(line["total"]) + ("*" if line["scaled"] else "")
    cells += [("num", total), ("note", _note(line, labels, {c["key"] for c in comps}))]
    css = "unit scaled" if line["scaled"] else "unit"
    tds = "".join(f'<td class="{c}">{html.escape(nfc(t))}</td>' for c, t in cells)
    return f'<tr class="{css}">{tds}</tr>'


def scorecard_table_html(df: pd.DataFrame, spec: Mapping, number: int | None = None) -> str | None:
    """The scorecards as an HTML table (class `tthc-table`), captioned "Bảng N. Điểm đánh
    giá ước tính theo Quyết định 766/QĐ-TTg (…)", with the rule and targets in a footnote;
    only the components scored for some unit of the table have columns; every text escaped.
    None when there is no unit."""
    if df is None or df.empty:
        return None
    spec = check_spec(spec)
    comps, maxima = shown_components(df, spec), _maxima(df)
    caption = f"Bảng {number}. {CAPTION}" if number is not None else CAPTION
    body = "".join(_tr(line, spec, comps) for line in df.to_dict(orient="records"))
    width = 4 + 2 * len(comps)
    note = footnote(spec, maxima)
    foot = f'<tfoot><tr><td colspan="{width}">{html.escape(note)}</td></tr></tfoot>'
    return (
        f'<table class="tthc-table tthc-scorecard"><caption>{html.escape(nfc(caption))}'
        f"</caption>{_thead(comps, maxima)}<tbody>{body}</tbody>{foot}</table>"
    )


# ---------------------------------------------------------------- chart


def _stack(scored: list[dict], comps: Sequence[Mapping]) -> list[tuple[str, list[float]]]:
    """(legend label, widths) of each segment: the components' points, then for scaled
    totals the points the scaling adds."""
    parts = [(c["label"], [float(ln[f"{c['key']}_points"] or 0) for ln in scored])
             for c in comps]
    shown = [sum(w) for w in zip(*(widths for _, widths in parts))]
    extra = [float(ln["total"]) - s if ln["scaled"] else 0.0 for ln, s in zip(scored, shown)]
    if any(e > 0 for e in extra):
        parts.append((SCALED_LABEL, [max(e, 0.0) for e in extra]))
    return parts


SCALED_LABEL = "Quy đổi do thiếu thành phần"


def scorecard_chart(df: pd.DataFrame, spec: Mapping | None = None):
    """Total points per unit as horizontal bars stacked by component (seaborn style, the
    report's serif, Vietnamese labels), best first, the total at each bar's end; the points a
    scaled total adds are a hatched segment and the unit's name gets "*". ``spec`` defaults to
    the one scorecards() used. A matplotlib Figure, or None when no unit has a total."""
    if df is None or df.empty:
        return None
    spec = check_spec(spec or df.attrs.get("scorecard_spec"))
    scored = [ln for ln in df.to_dict(orient="records") if ln["total"] is not None]
    if not scored:
        return None
    import seaborn as sns
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from tthc_lib.content.figures.charts import (
        DPI,
        WIDTH_IN,
        chart_style,
        legend_below,
        unit_axis,
    )

    comps = shown_components(df, spec)
    n, top = len(scored), float(max(_maxima(df)))
    colors = sns.color_palette("colorblind", len(comps))
    with chart_style():
        fig = Figure(figsize=(WIDTH_IN, min(max(1.6 + 0.26 * n, 2.8), 9.5)), dpi=DPI,
                     layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        left = [0.0] * n
        for i, (label, widths) in enumerate(_stack(scored, comps)):
            style = (
                {"color": colors[i]}
                if label != SCALED_LABEL
                else {"color": "white", "edgecolor": "0.45", "hatch": "///", "linewidth": 0.6}
            )
            ax.barh(range(n), widths, left=left, height=0.7, label=label, **style)
            left = [a + b for a, b in zip(left, widths)]
        for y, ln in enumerate(scored):
            ax.text(float(ln["total"]) + top * 0.01, y, fmt_decimal(ln["total"], POINT_PLACES),
                    va="center", fontsize=7)
        unit_axis(ax, [ln["unit_name"] + ("*" if ln["scaled"] else "") for ln in scored])
        ax.set_xlim(0, top * 1.1)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt_decimal(float(x), 0)))
        ax.axvline(top, color="0.3", linestyle="--", linewidth=1)
        ax.set_title(f"Điểm đánh giá ước tính theo Quyết định 766/QĐ-TTg (tối đa {_num(top)} điểm)")
        legend_below(ax, 3)
        fig.draw_without_rendering()
    return fig
