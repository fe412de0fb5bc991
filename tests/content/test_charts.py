"""Charts: Vietnamese text drawn without a missing glyph in a Times-metric serif, bars equal
to the exact rates and counts, undefined rates left out, nothing to draw -> None."""

from __future__ import annotations

import warnings
from datetime import date
from fractions import Fraction

import pandas as pd
import pytest
from helpers.city_rows import city_rows, counts
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from tthc_lib.content.figures.charts import (
    PROBE,
    WIDTH_IN,
    digitisation_chart,
    dossiers_by_field_chart,
    figure_png,
    font_family,
    monthly_trend_chart,
    online_rate_chart,
    timeliness_by_unit_chart,
)

CITY = ("HD", "Thành phố Hải Dương", "district", None)


def wards() -> pd.DataFrame:
    """A city with four wards whose names use every kind of Vietnamese mark; one ward has
    no dossiers, one has dossiers received but none resolved yet."""
    return city_rows({
        CITY: counts(896, 11009, 1467, 10049, 1261, 412),
        ("W1", "Phường Nguyễn Trãi", "commune", "HD"): counts(
            0, 90, 10, 80, 15, 5, digitised_on_receipt=99, result_digitised=97),
        ("W2", "Thị trấn Ứng Hòa", "commune", "HD"): counts(
            0, 3, 5, 1, 1, 1, digitised_on_receipt=8, result_digitised=3),
        ("W3", "Xã Quyết Thắng", "commune", "HD"): counts(),
        ("W4", "Phường Ải Quốc", "commune", "HD"): counts(0, 6, 0, digitised_on_receipt=5),
    })


def months() -> pd.DataFrame:
    return pd.DataFrame([
        dict(month=date(2023, 1, 1), **counts(0, 1200, 300, 900, 100, 0)),
        dict(month=date(2023, 2, 1), **counts(0, 1500, 250, 1400, 50, 10)),
        dict(month=date(2023, 3, 1), **counts(0, 0, 0)),
    ])


def fields() -> pd.DataFrame:
    return pd.DataFrame([
        dict(field="Hộ tịch", level="commune", **counts(5, 12000, 1367)),
        dict(field="Hộ tịch", level="district", **counts(0, 10, 0)),
        dict(field="Đất đai", level="district", **counts(1, 300, 99)),
        dict(field="Chứng thực", level="commune", **counts(0, 50, 50)),
        dict(field="Xây dựng", level="district", **counts(0, 7, 0)),
        dict(field="", level="district", **counts(0, 0, 0)),
    ])


CHARTS = {
    "timeliness": lambda: timeliness_by_unit_chart(wards(), "HD"),
    "online": lambda: online_rate_chart(wards(), "HD", target=90),
    "digitisation": lambda: digitisation_chart(wards(), "HD"),
    "trend": lambda: monthly_trend_chart(months()),
    "fields": lambda: dossiers_by_field_chart(fields(), top=2),
}


def draw(fig: Figure) -> list[str]:
    """Render to PNG; the messages of every warning raised meanwhile."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert figure_png(fig).startswith(b"\x89PNG")
    return [str(w.message) for w in caught]


def family(text) -> str:
    """The family of the font file a text is drawn in."""
    path = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
    return font_manager.get_font(path).family_name


def bars(container) -> list[float]:
    """start, length, start, length... of the horizontal bars."""
    return [v for p in container.patches for v in (p.get_x(), p.get_width())]


def pct(num, den) -> float:
    return float(Fraction(100 * num, den))


def labels(ticklabels) -> list[str]:
    return [t.get_text() for t in ticklabels]


def test_the_font_is_a_times_metric_serif_with_every_vietnamese_letter():
    family = font_family()[0]
    assert family in ("Liberation Serif", "Tinos")
    path = font_manager.findfont(font_manager.FontProperties(family=family))
    assert all(ord(c) in FT2Font(path).get_charmap() for c in PROBE)


def test_a_missing_glyph_is_caught():
    # The check below must be able to fail: a letter no report font has does warn.
    fig = Figure()
    fig.text(0.5, 0.5, "\u0e01")   # Thai
    assert any("Glyph" in m for m in draw(fig))


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_draws_vietnamese_without_missing_glyphs(name):
    fig = CHARTS[name]()
    assert fig.get_size_inches()[0] == pytest.approx(WIDTH_IN)
    assert fig.dpi == 150
    assert [m for m in draw(fig) if "Glyph" in m] == []
    ax = fig.axes[0]
    texts = [ax.title, *ax.get_yticklabels(), *ax.get_xticklabels(),
             *ax.get_legend().get_texts()]
    assert {family(t) for t in texts} == {font_family()[0]}


def test_timeliness_bars_are_the_exact_shares_of_resolved():
    ax = timeliness_by_unit_chart(wards(), "HD").axes[0]
    assert ax.get_title() == ("Hồ sơ đã giải quyết của các phường, xã, thị trấn: "
                              "trước hạn, đúng hạn, quá hạn")
    # Wards without resolved dossiers are left out; highest early share first.
    assert labels(ax.get_yticklabels()) == ["Phường Nguyễn Trãi", "Thị trấn Ứng Hòa"]
    early, on_time, late = ax.containers
    assert bars(early) == pytest.approx([0, 80, 0, pct(1, 3)])
    assert bars(on_time) == pytest.approx([80, 15, pct(1, 3), pct(1, 3)])
    assert bars(late) == pytest.approx([95, 5, pct(2, 3), pct(1, 3)])
    assert labels(ax.get_legend().get_texts()) == ["Trước hạn", "Đúng hạn", "Quá hạn"]
    assert labels(ax.get_xticklabels()) == ["0%", "20%", "40%", "60%", "80%", "100%"]


def test_online_rate_bars_leave_out_undefined_and_mark_the_target():
    ax = online_rate_chart(wards(), "HD", target=90).axes[0]
    assert labels(ax.get_yticklabels()) == ["Phường Ải Quốc", "Phường Nguyễn Trãi",
                                            "Thị trấn Ứng Hòa"]  # not Xã Quyết Thắng
    (container,) = ax.containers
    assert bars(container)[1::2] == pytest.approx([100.0, 90.0, 37.5])
    assert labels(ax.texts) == ["100,0%", "90,0%", "37,5%"]
    colors = [p.get_facecolor() for p in container.patches]
    assert colors[0] == colors[1] != colors[2]          # 90% meets a 90% target
    (target,) = ax.get_lines()
    assert list(target.get_xdata()) == [90, 90]
    assert labels(ax.get_legend().get_texts()) == ["Chỉ tiêu: 90%", "Đạt chỉ tiêu",
                                                   "Chưa đạt chỉ tiêu"]


def test_online_rate_leaves_out_a_unit_whose_export_has_no_channel():
    rows = wards()
    rows["channel_unknown"] = [0] * len(rows)
    rows.loc[rows["unit"] == "W1", "channel_unknown"] = 100    # its dossiers: no channel
    ax = online_rate_chart(rows, "HD", target=90).axes[0]
    assert labels(ax.get_yticklabels()) == ["Phường Ải Quốc", "Thị trấn Ứng Hòa"]
    rows["channel_unknown"] = 5                                  # nobody's channel is known
    assert online_rate_chart(rows, "HD", target=90) is None


def test_online_rate_without_target_has_no_line():
    ax = online_rate_chart(wards(), "HD").axes[0]
    assert ax.get_lines() == [] and ax.get_legend() is None


def test_digitisation_bars_leave_out_an_undefined_rate():
    ax = digitisation_chart(wards(), "HD").axes[0]
    assert labels(ax.get_yticklabels()) == ["Phường Ải Quốc", "Phường Nguyễn Trãi",
                                            "Thị trấn Ứng Hòa"]
    receipt, result = ax.containers
    assert bars(receipt)[1::2] == pytest.approx([pct(5, 6), 99.0, 100.0])
    # Phường Ải Quốc has resolved nothing: no result bar at all, not a bar of 0.
    assert [p.get_y() + p.get_height() / 2 for p in result.patches] == pytest.approx([1.2, 2.2])
    assert bars(result)[1::2] == pytest.approx([97.0, 100.0])
    assert labels(ax.get_legend().get_texts()) == ["Số hóa thành phần hồ sơ khi tiếp nhận",
                                                   "Số hóa kết quả giải quyết"]


def test_digitisation_leaves_out_units_whose_export_has_no_such_columns():
    rows = wards()
    rows["digitisation_unknown"] = [0] * len(rows)
    rows.loc[rows["unit"] == "W1", "digitisation_unknown"] = 3
    ax = digitisation_chart(rows, "HD").axes[0]
    assert labels(ax.get_yticklabels()) == ["Phường Ải Quốc", "Thị trấn Ứng Hòa"]
    rows["digitisation_unknown"] = 1
    assert digitisation_chart(rows, "HD") is None


def test_monthly_trend_bars_and_line_equal_the_months():
    ax = monthly_trend_chart(months()).axes[0]
    online, offline = ax.containers
    assert [p.get_height() for p in online.patches] == [1200, 1500, 0]
    assert [(p.get_y(), p.get_height()) for p in offline.patches] == [(1200, 300), (1500, 250),
                                                                       (0, 0)]
    assert list(ax.get_lines()[0].get_ydata()) == [1000, 1460, 0]
    assert labels(ax.get_xticklabels()) == ["01/2023", "02/2023", "03/2023"]
    assert "1.000" in labels(ax.get_yticklabels())
    assert labels(ax.get_legend().get_texts()) == ["Trực tuyến", "Trực tiếp", "Đã giải quyết"]


def test_fields_add_levels_rank_by_received_and_group_the_rest():
    ax = dossiers_by_field_chart(fields(), top=2).axes[0]
    assert labels(ax.get_yticklabels()) == ["Hộ tịch", "Đất đai", "Các lĩnh vực khác (2)"]
    online, offline, carried = ax.containers
    assert bars(online) == [0, 12010, 0, 300, 0, 57]
    assert bars(offline) == [12010, 1367, 300, 99, 57, 50]
    assert bars(carried) == [13377, 5, 399, 1, 107, 0]
    assert labels(ax.texts) == ["13.382", "400", "107"]
    assert labels(ax.get_legend().get_texts()) == ["Trực tuyến", "Trực tiếp",
                                                   "Kỳ trước chuyển sang"]


def _no_channel(df: pd.DataFrame) -> pd.DataFrame:
    """The same dossiers from an export without a channel column (Tân Dân, e-par)."""
    return df.assign(received_online=0, received_offline=0)


def test_without_the_channel_the_month_bars_are_the_dossiers_received():
    ax = monthly_trend_chart(_no_channel(months())).axes[0]
    (received,) = ax.containers
    assert [p.get_height() for p in received.patches] == [1500, 1750, 0]
    assert list(ax.get_lines()[0].get_ydata()) == [1000, 1460, 0]
    assert labels(ax.get_legend().get_texts()) == ["Tiếp nhận trong kỳ", "Đã giải quyết"]


def test_without_the_channel_or_the_closing_dates_fields_show_only_the_period():
    for df in (_no_channel(fields()), fields().assign(closing_unknown=1)):
        ax = dossiers_by_field_chart(df, top=2).axes[0]
        assert ax.get_title() == "Số hồ sơ tiếp nhận trong kỳ theo lĩnh vực"
        assert labels(ax.get_yticklabels()) == ["Hộ tịch", "Đất đai", "Các lĩnh vực khác (2)"]
        (received,) = ax.containers
        assert bars(received) == [0, 13377, 0, 399, 0, 107]
        assert labels(ax.texts) == ["13.377", "399", "107"]
        assert labels(ax.get_legend().get_texts()) == ["Tiếp nhận trong kỳ"]


def test_nothing_to_draw_is_none():
    ward = wards()
    for chart in (timeliness_by_unit_chart, online_rate_chart, digitisation_chart):
        assert chart(ward, "W1") is None                     # no children
        assert chart(city_rows({CITY: counts(), ("W", "Xã Trống", "commune", "HD"): counts()}),
                     "HD") is None                           # children without dossiers
    zero = months().iloc[2:]
    assert monthly_trend_chart(zero) is None
    assert monthly_trend_chart(months().iloc[:0]) is None
    assert monthly_trend_chart(None) is None
    assert dossiers_by_field_chart(fields().iloc[5:]) is None
    assert dossiers_by_field_chart(pd.DataFrame()) is None
    assert dossiers_by_field_chart(None) is None


def test_charts_read_the_rows_of_compute_indicators(con):
    from helpers.city_rows import store_rows

    ax = timeliness_by_unit_chart(store_rows(con), "C").axes[0]
    assert labels(ax.get_yticklabels()) == ["Phường A", "Xã B"]
    assert [bars(c)[1::2] for c in ax.containers] == [[50, 0], [50, 0], [0, 100]]


def test_a_dollar_in_a_name_is_text_not_mathtext():
    rows = city_rows({CITY: counts(), ("W", r"Phường $\frac$", "commune", "HD"): counts(
        0, 1, 1, 1, 0, 0)})
    for chart in (timeliness_by_unit_chart, online_rate_chart, digitisation_chart):
        assert [m for m in draw(chart(rows, "HD")) if "Glyph" in m] == []


DOLLAR = r"Phường $x^2$ Đông"


def dollar_charts() -> dict[str, Figure]:
    """Every chart, with a "$" in the unit or field name it shows."""
    from helpers.scorecard import FULL, SPEC, city, line

    from tthc_lib.content.figures.scorecard import scorecard_chart, scorecards

    rows = city_rows({CITY: counts(), ("W", DOLLAR, "commune", "HD"): counts(
        0, 1, 1, 1, 0, 0, digitised_on_receipt=1, result_digitised=1)})
    by_field = pd.DataFrame([dict(field=DOLLAR, level="commune", **counts(0, 5, 1))])
    return {
        "timeliness": timeliness_by_unit_chart(rows, "HD"),
        "online": online_rate_chart(rows, "HD", target=90),
        "digitisation": digitisation_chart(rows, "HD"),
        "fields": dossiers_by_field_chart(by_field),
        "scorecard": scorecard_chart(scorecards(city(line("W1", DOLLAR, **FULL)), "C", SPEC)),
    }


@pytest.mark.parametrize("name", ["timeliness", "online", "digitisation", "fields", "scorecard"])
def test_a_dollar_in_a_name_is_a_dollar_sign_in_every_chart(name):
    fig = dollar_charts()[name]
    draw(fig)
    shown = [t for t in fig.findobj(lambda a: hasattr(a, "_preprocess_math"))
             if DOLLAR in t.get_text()]
    assert shown, "the name is drawn"
    assert [t._preprocess_math(t.get_text()) for t in shown] == [(t.get_text(), False)
                                                                for t in shown]


def test_charts_name_the_kinds_they_show():
    """Issue 21, point 5: a province's bars are its departments and its wards."""
    from tthc_lib.content.words.levels import children_label

    def line(unit, name, kind, level, role, parent):
        return dict(unit=unit, unit_name=name, kind=kind, level=level, role=role,
                    parent_code=parent, scope="unit")

    rows = pd.DataFrame([
        line("HP", "Thành phố Hải Phòng", "Thành phố trực thuộc trung ương", "province",
             "territory", None),
        line("BQL", "Ban Quản lý Khu kinh tế Hải Phòng", "Ban", "province", "department", "HP"),
        line("STP", "Sở Tư pháp", "Sở", "province", "department", "HP"),
        line("P1", "Phường Hải Dương", "Phường", "commune", "territory", "HP"),
    ])
    assert children_label(rows, "HP") == "các sở, ban và các phường"
    assert children_label(rows[rows.unit != "P1"], "HP") == "các sở, ban"
    assert children_label(wards(), "HD") == "các phường, xã, thị trấn"
