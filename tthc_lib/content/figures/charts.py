"""The report's charts (seaborn style on matplotlib), one function per chart.

Each returns a matplotlib Figure on an Agg canvas (no display, not registered with pyplot),
16 cm wide at 150 dpi for an A4 text column, set in a Times-metric serif that covers every
Vietnamese letter, with Vietnamese titles, legends and numbers ("13.372", "85,7%").
Rates are computed exactly from the counts; an undefined rate is left out, never drawn as 0.
A chart with nothing to draw (no children, no dossiers) is None: the caller shows nothing.
"""

from __future__ import annotations

import io
import warnings
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from pathlib import Path

import matplotlib as mpl
import pandas as pd
import seaborn as sns
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import FuncFormatter, MaxNLocator

from tthc_lib.content.figures.tables import (
    LABELS,
    child_rows,
    count_of,
    field_label,
    name_key,
    rate_of,
)
from tthc_lib.content.words.formatting import fmt_int, fmt_percent, unavailable
from tthc_lib.content.words.levels import children_label

WIDTH_IN = 16 / 2.54          # an A4 text column
DPI = 150
# Times-metric serifs, preferred first; each must cover PROBE or the next is tried.
SERIFS = (("Liberation Serif", "LiberationSerif-"), ("Tinos", "Tinos-"))
FALLBACK_SERIF = "DejaVu Serif"   # ships with matplotlib, covers Vietnamese
PROBE = ("ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừ"
         "ỬửỮữỰựỲỳỴỵỶỷỸỹĐđƠơƯưĂăÂâÊêÔô–")
COLORS = dict(zip(("on_time", "other", "early", "late"), sns.color_palette("colorblind", 4)))
TARGET_COLOR = sns.color_palette("colorblind")[3]


# ---------------------------------------------------------------- font and style

def _covers(family: str) -> bool:
    """True when the regular and bold faces matplotlib picks for `family` hold every PROBE
    letter (Debian's old Liberation 1.x files share the name but lack Vietnamese)."""
    for weight in ("normal", "bold"):
        prop = font_manager.FontProperties(family=family, weight=weight)
        try:
            path = font_manager.findfont(prop, fallback_to_default=False)
        except ValueError:
            return False
        charmap = FT2Font(path).get_charmap()
        if any(ord(c) not in charmap for c in PROBE):
            return False
    return True


def _register(prefix: str) -> None:
    """Add the system's font files named `prefix`* to matplotlib (its cache may predate
    them)."""
    for path in font_manager.findSystemFonts(fontext="ttf"):
        if Path(path).name.startswith(prefix):
            font_manager.fontManager.addfont(path)


@cache
def font_family() -> list[str]:
    """The font family list charts use: the first Times-metric serif covering Vietnamese
    (registered from the system at first use), then DejaVu Serif for anything it lacks."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family, prefix in SERIFS:
        if family not in known:
            _register(prefix)
        if _covers(family):
            return [family, FALLBACK_SERIF]
    return [FALLBACK_SERIF]


@contextmanager
def chart_style() -> Iterator[None]:
    """seaborn's whitegrid look, in the report's font and sizes: the one style of every
    chart of the report (scorecard.py's too)."""
    rc = {"font.family": font_family(), "font.size": 9, "axes.titlesize": 10,
          "axes.titleweight": "bold", "axes.labelsize": 9, "xtick.labelsize": 8,
          "ytick.labelsize": 8, "legend.fontsize": 8, "axes.unicode_minus": False,
          "text.parse_math": False}  # a "$" in a unit or field name is a dollar sign
    with sns.axes_style("whitegrid"), mpl.rc_context(rc):
        yield


def _figure(height_in: float) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(WIDTH_IN, min(max(height_in, 2.6), 9.5)), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


PAD_IN = 3 / 72   # between the figure's edge and the title, tick labels and legend


def _fit(fig: Figure) -> None:
    """Place the axes so that everything drawn around them (title, tick labels, legend
    below) fits the figure with PAD_IN to spare: what constrained layout does for one axes,
    measured once instead of solved in two passes."""
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    outer = ax.get_tightbbox(renderer)            # pixels, decorations included
    inner = ax.get_window_extent(renderer)
    width, height = fig.bbox.width, fig.bbox.height
    pad = PAD_IN * fig.dpi
    left = (inner.x0 - outer.x0 + pad) / width
    right = 1 - (outer.x1 - inner.x1 + pad) / width
    bottom = (inner.y0 - outer.y0 + pad) / height
    top = 1 - (outer.y1 - inner.y1 + pad) / height
    ax.set_position([left, bottom, right - left, top - bottom])


def _finish(fig: Figure) -> Figure:
    """Lay the figure out and render it once, inside the style (tick labels made now set the
    font of every later one); `figure_png` encodes this render instead of drawing again."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit(fig)
        fig.canvas.draw()
    _RENDER_WARNINGS[fig] = [(w.message, w.category) for w in caught]
    for message, category in _RENDER_WARNINGS[fig]:  # as if raised here (e.g. missing glyphs)
        warnings.warn(message, category, stacklevel=2)
    return fig


# A finished figure's render warnings, re-raised each time figure_png encodes that render.
_RENDER_WARNINGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def figure_png(fig: Figure) -> bytes:
    """The chart as PNG bytes, at the chart's dpi. A figure already rendered by `_finish` and
    unchanged since is encoded as is (its render's warnings raised again); any other is
    drawn first, its layout solved once and frozen."""
    if fig in _RENDER_WARNINGS and not fig.stale:
        for message, category in _RENDER_WARNINGS[fig]:
            warnings.warn(message, category, stacklevel=2)
    else:
        _RENDER_WARNINGS.pop(fig, None)
        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        fig.set_layout_engine(None)  # laid out when made (scorecard_chart): keep that layout
        fig.canvas.draw()
    buf = io.BytesIO()
    # What savefig(format="png") writes for an Agg canvas, without drawing again.
    mpl.image.imsave(buf, fig.canvas.buffer_rgba(), format="png", origin="upper", dpi=fig.dpi)
    return buf.getvalue()


# ---------------------------------------------------------------- axes in Vietnamese

def pct_label(x: float) -> str:
    """An axis or bar value in percent: 20 -> "20%", 98.25 -> "98,3%"."""
    x = float(x)  # tick values may be numpy numbers, which Decimal refuses
    return fmt_percent(x, 0 if x.is_integer() else 1)


def _pct_axis(ax: Axes, axis: str = "x") -> None:
    """A 0-100% axis with Vietnamese labels, room at the end for bar labels."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    (ax.set_xlim if axis == "x" else ax.set_ylim)(0, 112)
    target.set_ticks(range(0, 101, 20))
    target.set_major_formatter(FuncFormatter(lambda x, _: pct_label(x)))


def _count_axis(target) -> None:
    target.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 2.5, 5, 10]))
    target.set_major_formatter(FuncFormatter(lambda x, _: fmt_int(round(x))))


def unit_axis(ax: Axes, names: Sequence[str]) -> None:
    """Units top to bottom in the order given (every unit chart's, the scorecard's too)."""
    ax.set_yticks(range(len(names)), list(names))
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.grid(False, axis="y")


def legend_below(ax: Axes, ncols: int) -> None:
    """The legend centred under the axes, without a frame (every chart's with a legend)."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=ncols, frameon=False)


def _known_rate(row, rate: str) -> Decimal | None:
    return None if unavailable(row, rate) else rate_of(row, rate)


def _rated(kids: Sequence[pd.Series], rate: str) -> list[tuple[str, Decimal]]:
    """(name, exact rate in percent) of the units whose rate is defined and known."""
    out = [(str(k["unit_name"]), _known_rate(k, rate)) for k in kids]
    return [(n, r) for n, r in out if r is not None]


# ---------------------------------------------------------------- the charts

def timeliness_by_unit_chart(rows: pd.DataFrame, parent: str) -> Figure | None:
    """Resolved dossiers of each child unit split 100% into early / on time / late, by
    early share, highest first; units without resolved dossiers are left out."""
    kids = [k for k in child_rows(rows, parent) if int(k["resolved_total"]) > 0]
    if not kids:
        return None
    kids.sort(key=lambda k: (-rate_of(k, "early_rate"), rate_of(k, "late_rate"),
                             name_key(k["unit_name"])))
    parts = [("early_rate", "resolved_early", "early"), ("on_time_rate", "resolved_on_time",
             "on_time"), ("late_rate", "resolved_late", "late")]
    with chart_style():
        fig, ax = _figure(1.3 + 0.24 * len(kids))
        left = [0.0] * len(kids)
        for rate, label, color in parts:
            widths = [float(rate_of(k, rate)) for k in kids]
            ax.barh(range(len(kids)), widths, left=left, height=0.7, color=COLORS[color],
                    label=LABELS[label])
            left = [a + b for a, b in zip(left, widths)]
        unit_axis(ax, [str(k["unit_name"]) for k in kids])
        _pct_axis(ax)
        ax.set_xlim(0, 100)
        ax.set_title(f"Hồ sơ đã giải quyết của {children_label(rows, parent)}: "
                     "trước hạn, đúng hạn, quá hạn")
        legend_below(ax, 3)
        return _finish(fig)


def _bar_labels(ax: Axes, container, values: Sequence[Decimal]) -> None:
    """Each bar's exact rate at its end, one decimal ("96,0%"), on white so that a target
    line behind it does not cross the digits."""
    texts = ax.bar_label(container, labels=[fmt_percent(v, 1) for v in values],
                         padding=2, fontsize=7)
    for text in texts:
        text.set_bbox({"facecolor": "white", "edgecolor": "none", "pad": 0.3, "alpha": 0.8})


def online_rate_chart(rows: pd.DataFrame, parent: str,
                      target: float | None = None) -> Figure | None:
    """The online rate (received online / received in the period) of each child unit,
    highest first; with a target (percent), a target line and the units below it marked."""
    rated = sorted(_rated(child_rows(rows, parent), "online_rate"),
                   key=lambda nr: (-nr[1], name_key(nr[0])))
    if not rated:
        return None
    names, exact = [n for n, _ in rated], [v for _, v in rated]
    values = [float(v) for v in exact]
    with chart_style():
        fig, ax = _figure(1.3 + 0.24 * len(rated))
        below = [target is not None and v < target for v in values]
        colors = [COLORS["other"] if b else COLORS["on_time"] for b in below]
        bars = ax.barh(range(len(values)), values, height=0.7, color=colors)
        _bar_labels(ax, bars, exact)
        unit_axis(ax, names)
        _pct_axis(ax)
        ax.set_title(f"Tỷ lệ hồ sơ tiếp nhận trực tuyến của {children_label(rows, parent)}")
        if target is not None:
            _target_legend(ax, target, any(below))
        return _finish(fig)


def _target_legend(ax: Axes, target: float, some_below: bool) -> None:
    ax.axvline(target, color=TARGET_COLOR, linestyle="--", linewidth=1.2,
               label=f"Chỉ tiêu: {pct_label(target)}")
    handles = [mpl.patches.Patch(color=COLORS["on_time"], label="Đạt chỉ tiêu")]
    if some_below:
        handles.append(mpl.patches.Patch(color=COLORS["other"], label="Chưa đạt chỉ tiêu"))
    line = ax.get_lines()[-1]
    ax.legend(handles=[line, *handles], loc="upper center", bbox_to_anchor=(0.5, -0.08),
              ncols=3, frameon=False)


def digitisation_chart(rows: pd.DataFrame, parent: str) -> Figure | None:
    """Per child unit, two bars: dossiers fully digitised at receipt (of those received in
    the period) and results digitised (of those resolved); an undefined rate has no bar."""
    kids = child_rows(rows, parent)
    series = [("digitised_on_receipt_rate", "digitised_on_receipt", "on_time"),
              ("result_digitised_rate", "result_digitised", "early")]
    kids = [k for k in kids if any(_known_rate(k, r) is not None for r, _, _ in series)]
    if not kids:
        return None
    with chart_style():
        fig, ax = _figure(1.3 + 0.36 * len(kids))
        for i, (rate, label, color) in enumerate(series):
            pairs = [(y, _known_rate(k, rate)) for y, k in enumerate(kids)]
            pairs = [(y - 0.2 + 0.4 * i, r) for y, r in pairs if r is not None]
            bars = ax.barh([y for y, _ in pairs], [float(v) for _, v in pairs], height=0.4,
                           color=COLORS[color], label=LABELS[label])
            _bar_labels(ax, bars, [v for _, v in pairs])
        unit_axis(ax, [str(k["unit_name"]) for k in kids])
        _pct_axis(ax)
        ax.set_title(f"Tỷ lệ số hóa hồ sơ và kết quả giải quyết của "
                     f"{children_label(rows, parent)}")
        legend_below(ax, 2)
        return _finish(fig)


def month_label(month) -> str:
    """ "01/2023"."""
    return f"{month.month:02d}/{month.year}"


def monthly_trend_chart(df_by_month: pd.DataFrame | None) -> Figure | None:
    """Per month of the period: dossiers received online and in person (stacked bars) and
    dossiers resolved (a line). None when no month has any."""
    if df_by_month is None or df_by_month.empty:
        return None
    df = df_by_month.sort_values("month")
    keys = ("received_in_period", "resolved_total")
    if not any(int(df[k].sum()) for k in keys):
        return None
    x = list(range(len(df)))
    with chart_style():
        fig, ax = _figure(3.2)
        online, offline = df["received_online"].astype(int), df["received_offline"].astype(int)
        if _channel_unknown(df):     # an export without a channel column: one bar a month
            bars = [ax.bar(x, df["received_in_period"].astype(int), width=0.7,
                           color=COLORS["on_time"], label=LABELS["received_in_period_chart"])]
        else:
            bars = [ax.bar(x, online, width=0.7, color=COLORS["on_time"],
                           label=LABELS["received_online"]),
                    ax.bar(x, offline, width=0.7, bottom=online, color=COLORS["other"],
                           label=LABELS["received_offline"])]
        (line,) = ax.plot(x, df["resolved_total"].astype(int), color=COLORS["early"], marker="o",
                linewidth=1.5, markersize=4, label=LABELS["resolved_total"])
        step = max(1, -(-len(x) // 12))
        ax.set_xticks(x[::step], [month_label(m) for m in df["month"]][::step])
        ax.grid(False, axis="x")
        _count_axis(ax.yaxis)
        ax.set_ylabel("Số hồ sơ")
        ax.set_title("Hồ sơ tiếp nhận và đã giải quyết theo tháng")
        ax.legend(handles=[*bars, line], loc="upper center",
                  bbox_to_anchor=(0.5, -0.1), ncols=3, frameon=False)
        return _finish(fig)


def _channel_unknown(df: pd.DataFrame) -> bool:
    """Whether some dossiers received have no channel (an export without that column)."""
    return bool((df["received_in_period"] > df["received_online"] + df["received_offline"]).any())


def _field_totals(df_by_field: pd.DataFrame, top: int) -> pd.DataFrame:
    """Received dossiers per field (levels added), the `top` largest, the rest as one line."""
    keys = ["received_online", "received_offline", "carried_over", "received_total",
            "received_in_period"]
    df = df_by_field.assign(name=df_by_field["field"].map(field_label))
    df = df.groupby("name", as_index=False)[keys].sum()
    df = df[df["received_total"] > 0]
    df = df.assign(_key=df["name"].map(name_key)).sort_values(
        ["received_total", "_key"], ascending=[False, True])
    head, rest = df.head(top), df.iloc[top:]
    if not rest.empty:
        other = {"name": f"Các lĩnh vực khác ({len(rest)})", **rest[keys].sum().to_dict()}
        head = pd.concat([head, pd.DataFrame([other])], ignore_index=True)
    return head.drop(columns="_key").reset_index(drop=True)


def dossiers_by_field_chart(df_by_field: pd.DataFrame | None, top: int = 10) -> Figure | None:
    """Dossiers received per field (lĩnh vực), largest first, as online / in person /
    carried over, with the total at the bar's end; fields beyond `top` are one last bar."""
    if df_by_field is None or df_by_field.empty:
        return None
    # no channel, or no closing dates: only those received in the period are known
    partial = _channel_unknown(df_by_field) or (
        "closing_unknown" in df_by_field and int(df_by_field["closing_unknown"].sum()) > 0)
    df = _field_totals(df_by_field, top)
    if partial:
        df = df.assign(received_total=df["received_in_period"]).query("received_total > 0")
    if df.empty:
        return None
    y = range(len(df))
    parts = ([("received_in_period", "on_time")] if partial else
             [("received_online", "on_time"), ("received_offline", "other"),
              ("carried_over", "late")])
    with chart_style():
        fig, ax = _figure(1.3 + 0.26 * len(df))
        left = pd.Series(0, index=df.index)
        for key, color in parts:
            bars = ax.barh(y, df[key], left=left, height=0.7, color=COLORS[color],
                           label=LABELS["received_in_period_chart"] if partial else LABELS[key])
            left = left + df[key]
        ax.bar_label(bars, labels=[fmt_int(count_of(r, "received_total"))
                                   for _, r in df.iterrows()], padding=2, fontsize=7)
        unit_axis(ax, list(df["name"]))
        _count_axis(ax.xaxis)
        ax.set_xlim(0, float(df["received_total"].max()) * 1.12)
        ax.set_title("Số hồ sơ tiếp nhận trong kỳ theo lĩnh vực" if partial
                     else "Số hồ sơ được tiếp nhận theo lĩnh vực")
        legend_below(ax, 1 if partial else 3)
        return _finish(fig)
