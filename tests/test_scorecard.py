"""Scorecards after Quyết định 766/QĐ-TTg: points at and around each target, the proportional
rule, scaling when a component has no dossiers, shared ranks, the table word for word, the
chart, and the office's spec file."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from conftest import ROOT, cells
from matplotlib.figure import Figure

from tthc_lib.content.charts import font_family
from tthc_lib.content.formatting import round_half_away
from tthc_lib.content.scorecard import (
    check_spec,
    component_points,
    load_scorecard_spec,
    scorecard_chart,
    scorecard_table_html,
    scorecards,
)
from tthc_lib.errors import ReportError
from tthc_lib.indicators.figures import COUNTS, compute_indicators

SPEC = load_scorecard_spec(ROOT / "tthc_lib" / "data" / "scorecard_766.yaml")
SCRIPT = "<script>alert('x')</script>"


def line(code: str, name: str, **counts: int) -> dict:
    """One ward's `unit` row of the contract, every count 0 unless given."""
    return dict(
        unit=code,
        scope="unit",
        unit_name=name,
        level="commune",
        parent_code="C",
        **{**dict.fromkeys(COUNTS, 0), **counts},
    )


def city(*wards: dict) -> pd.DataFrame:
    root = dict(line("C", "Thành phố X"), level="district", parent_code=None)
    return pd.DataFrame([root, *wards])


# A ward with every component defined: timeliness 15/20 (6 of 8), online, digitisation and
# feedback at their targets.
FULL = {
    "resolved_total": 4,
    "resolved_early": 2,
    "resolved_on_time": 1,
    "resolved_late": 1,
    "pending_total": 4,
    "pending_in_time": 3,
    "pending_overdue": 1,
    "closed_other": 5,
    "received_in_period": 10,
    "dvc_eligible": 2,
    "dvc_online": 1,
    "digitised_on_receipt": 8,
    "result_digitised": 4,
    "feedback_received": 1,
    "business_feedback_received": 1,
    "feedback_on_time": 1,
    "business_feedback_on_time": 1,
}




# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    "key, num, den, points",
    [
        # timeliness: target 100%, 20 points
        ("timeliness", 1000, 1000, "20.00"),
        ("timeliness", 999, 1000, "19.98"),
        # online: target 50%, 12 points
        ("online", 500, 1000, "12.00"),
        ("online", 499, 1000, "11.98"),
        ("online", 501, 1000, "12.00"),
        ("online", 1000, 1000, "12.00"),
        # digitisation at receipt: target 80%, 4 points; 3.995 rounds half away to 4.00
        ("digitised_on_receipt", 800, 1000, "4.00"),
        ("digitised_on_receipt", 799, 1000, "4.00"),
        ("digitised_on_receipt", 79, 100, "3.95"),
        ("digitised_on_receipt", 81, 100, "4.00"),
        # results digitised and feedback on time: target 100%, 6 points
        ("result_digitised", 1000, 1000, "6.00"),
        ("result_digitised", 999, 1000, "5.99"),
        ("feedback_on_time", 3, 3, "6.00"),
        ("feedback_on_time", 2, 3, "4.00"),
    ],
)
def test_points_at_just_below_and_just_above_each_target(key, num, den, points):
    comp = next(c for c in SPEC["components"] if c["key"] == key)
    ward = line("W1", "Phường A", **{comp["numerator"][0]: num, comp["denominator"][0]: den})
    df = scorecards(city(ward), "C", SPEC)
    assert df.loc[0, f"{key}_points"] == Decimal(points)
    exact = Fraction(num * 100, den)
    assert round_half_away(df.loc[0, f"{key}_rate"], 20) == round_half_away(exact, 20)


def test_the_proportional_rule_is_exact():
    assert component_points(1, 3, 50, 12) == Fraction(8)  # 33,3…% of 50% of 12
    assert component_points(1, 3, 100, 6) == Fraction(2)
    assert component_points(2, 2, 80, 4) == Fraction(4)  # capped at the maximum
    assert component_points(0, 5, 80, 4) == Fraction(0)
    assert component_points(0, 0, 80, 4) is None


def test_timeliness_counts_pending_in_time_and_leaves_withdrawn_out():
    df = scorecards(city(line("W1", "Phường A", **FULL)), "C", SPEC)
    r = df.iloc[0]
    assert r["timeliness_rate"] == Decimal(75)  # (2+1+3) / (4+4)
    assert r["timeliness_points"] == Decimal("15.00")
    assert (r["online_points"], r["digitised_on_receipt_points"]) == (
        Decimal("12.00"),
        Decimal("4.00"),
    )
    assert (r["result_digitised_points"], r["feedback_on_time_points"]) == (
        Decimal("6.00"),
        Decimal("6.00"),
    )
    assert (r["total"], r["max_total"], r["rank"]) == (Decimal("43.00"), 48, 1)
    assert r["missing"] == () and r["scaled"] is False


# ---------------------------------------------------------------- missing components, ranks


def test_a_component_without_dossiers_is_left_out_and_the_total_scaled():
    no_feedback = {k: v for k, v in FULL.items() if "feedback" not in k}
    r = scorecards(city(line("W1", "Phường A", **no_feedback)), "C", SPEC).iloc[0]
    assert r["feedback_on_time_rate"] is None and r["feedback_on_time_points"] is None
    assert r["missing"] == ("feedback_on_time",) and r["scaled"] is True
    assert r["total"] == Decimal("42.29")  # 37 × 48 / 42


def test_a_ward_with_no_dossiers_has_no_total_and_no_rank():
    df = scorecards(
        city(
            line("W1", "Phường A", **FULL),
            line("W2", "Phường Trống", feedback_received=2, feedback_on_time=2),
        ),
        "C",
        SPEC,
    )
    empty = df[df["unit"] == "W2"].iloc[0]
    assert empty["total"] is None and empty["rank"] is None and empty["scaled"] is False
    assert empty["missing"] == ("timeliness", "online", "digitised_on_receipt", "result_digitised")
    assert list(df["unit"]) == ["W1", "W2"]  # unranked last
    rows = cells(scorecard_table_html(df, SPEC)).rows
    assert rows[3] == [
        "",
        "Phường Trống",
        "–",
        "–",
        "–",
        "–",
        "–",
        "–",
        "–",
        "–",
        "100,00%",
        "6,00",
        "–",
        "Không đủ dữ liệu để tính tổng điểm",
    ]


def test_equal_totals_share_a_rank():
    df = scorecards(
        city(
            line("W1", "Phường B", **FULL),
            line("W2", "Phường A", **FULL),
            line("W3", "Phường C", **{**FULL, "dvc_online": 0}),
        ),
        "C",
        SPEC,
    )
    assert list(zip(df["unit_name"], df["rank"])) == [
        ("Phường A", 1),
        ("Phường B", 1),
        ("Phường C", 3),
    ]
    assert list(df["total"]) == [Decimal("43.00"), Decimal("43.00"), Decimal("31.00")]


def test_children_with_wards_of_their_own_are_scored_on_their_total_row():
    district = dict(line("D", "Huyện Y"), level="district")
    df = pd.DataFrame(
        [
            dict(line("P", "Tỉnh Z"), level="province", parent_code=None),
            dict(district, parent_code="P"),
            dict(district, parent_code="P", scope="total", **FULL),
        ]
    )
    assert scorecards(df, "P", SPEC).iloc[0]["total"] == Decimal("43.00")


# ---------------------------------------------------------------- table


def test_table_word_for_word():
    no_feedback = {k: v for k, v in FULL.items() if "feedback" not in k}
    df = scorecards(
        city(line("W1", "Phường A", **FULL), line("W2", "Phường B", **no_feedback)), "C", SPEC
    )
    table = cells(scorecard_table_html(df, SPEC, number=7))
    assert table.caption == (
        "Bảng 7. Điểm đánh giá ước tính theo Quyết định 766/QĐ-TTg "
        "(tính từ dữ liệu của Hệ thống một cửa)"
    )
    assert table.rows[0] == [
        "Xếp hạng",
        "Đơn vị",
        "Tiến độ giải quyết (tối đa 20 điểm)",
        "Dịch vụ trực tuyến (tối đa 12 điểm)",
        "Số hóa hồ sơ khi tiếp nhận (tối đa 4 điểm)",
        "Số hóa kết quả giải quyết (tối đa 6 điểm)",
        "PAKN xử lý đúng hạn (tối đa 6 điểm)",
        "Tổng điểm (tối đa 48)",
        "Ghi chú",
    ]
    assert table.rows[1] == ["Tỷ lệ đạt", "Điểm"] * 5
    assert table.rows[2] == [
        "1",
        "Phường A",
        "75,00%",
        "15,00",
        "50,00%",
        "12,00",
        "80,00%",
        "4,00",
        "100,00%",
        "6,00",
        "100,00%",
        "6,00",
        "43,00",
        "",
    ]
    assert table.rows[3] == [
        "2",
        "Phường B",
        "75,00%",
        "15,00",
        "50,00%",
        "12,00",
        "80,00%",
        "4,00",
        "100,00%",
        "6,00",
        "–",
        "–",
        "42,29*",
        "Không phát sinh: PAKN xử lý đúng hạn; tổng điểm quy đổi",
    ]
    assert table.rows[4][0].startswith("Điểm ước tính cho các thành phần của Bộ chỉ số")
    assert (
        "Chỉ tiêu: Tiến độ giải quyết 100% (20 điểm); Dịch vụ trực tuyến 50% (12 điểm)"
        in table.rows[4][0]
    )


def test_every_text_of_the_table_is_escaped():
    spec = {**SPEC, "components": [{**SPEC["components"][0], "label": "Tiến độ <b>&</b>"}]}
    html = scorecard_table_html(scorecards(city(line("W1", SCRIPT, **FULL)), "C", spec), spec)
    assert SCRIPT not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "Tiến độ &lt;b&gt;&amp;&lt;/b&gt; (tối đa 20 điểm)" in html
    assert html.startswith('<table class="tthc-table tthc-scorecard"><caption>')


def test_no_ward_no_table():
    assert scorecard_table_html(scorecards(city(), "C", SPEC), SPEC) is None


# ---------------------------------------------------------------- chart


def test_chart_stacks_components_best_first_in_the_report_font():
    no_feedback = {k: v for k, v in FULL.items() if "feedback" not in k}
    df = scorecards(
        city(
            line("W1", "Phường Ả", **no_feedback),
            line("W2", "Phường Đ", **FULL),
            line("W3", "Xã Trống"),
        ),
        "C",
        SPEC,
    )
    fig = scorecard_chart(df)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Phường Đ", "Phường Ả*"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Tiến độ giải quyết",
        "Dịch vụ trực tuyến",
        "Số hóa hồ sơ khi tiếp nhận",
        "Số hóa kết quả giải quyết",
        "PAKN xử lý đúng hạn",
        "Quy đổi do thiếu thành phần",
    ]
    ends = {round(p.get_y() + p.get_height() / 2): p.get_x() + p.get_width() for p in ax.patches}
    assert ends == {0: pytest.approx(43.0), 1: pytest.approx(42.29)}
    assert ax.get_yticklabels()[0].get_fontname() == font_family()[0]
    assert ax.get_title() == "Điểm đánh giá ước tính theo Quyết định 766/QĐ-TTg (tối đa 48 điểm)"


def test_no_chart_without_a_scored_ward():
    assert scorecard_chart(scorecards(city(line("W1", "Xã Trống")), "C", SPEC)) is None


# ---------------------------------------------------------------- spec and store


def test_the_office_spec_follows_the_decision_where_it_is_explicit():
    comps = {c["key"]: c for c in SPEC["components"]}
    assert comps["timeliness"]["max_points"] == 20 and comps["timeliness"]["target"] == 100
    assert comps["feedback_on_time"]["max_points"] == 6
    assert "766/QĐ-TTg" in SPEC["decision"]


def test_a_wrong_spec_is_one_clear_error(tmp_path):
    bad = tmp_path / "scorecard.yaml"
    bad.write_text(
        "components:\n  - {key: x, label: X, group: G, numerator: [nope], "
        "denominator: [resolved_total], target: 50, max_points: 5}\n",
        encoding="utf-8",
    )
    with pytest.raises(ReportError, match="scorecard.yaml: thành phần x: không có chỉ số nope"):
        load_scorecard_spec(bad)
    with pytest.raises(ReportError, match="chỉ tiêu"):
        check_spec({"components": [{**SPEC["components"][0], "target": 0}]})


def test_scorecards_from_the_store(con):
    local = timezone(timedelta(hours=7))
    con.execute("""INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES ('C', 'Thành phố X', 'Thành phố', 'district', NULL),
        ('W1', 'Phường A', 'Phường', 'commune', 'C')""")
    con.execute("INSERT INTO procedures VALUES ('P1', 'Khai sinh', 'Hộ tịch', 'commune', 'full')")
    for i, (closed, channel) in enumerate([(3, "online"), (5, "in_person"), (None, "online")]):
        at = lambda d: None if d is None else datetime(2023, 3, d, 9, tzinfo=local)
        con.execute(
            "INSERT INTO dossiers VALUES (?, 'W1', 'P1', ?, ?, ?, ?, ?, ?::DATE, ?::DATE,"
            " ?::DATE, true, true)",
            [
                f"d{i}",
                channel,
                "open" if closed is None else "resolved",
                at(1),
                at(4),
                at(closed),
                at(1),
                at(4),
                at(closed),
            ],
        )
    rows = compute_indicators(con, date(2023, 3, 1), date(2023, 3, 31)).rows
    r = scorecards(rows, "C", SPEC).iloc[0]
    # resolved early 1, late 1, pending overdue 1: 1/3 timely; 2 of 3 online (>= 50%);
    # all digitised; no feedback: (20/3 + 12 + 4 + 6) × 48 / 42 = 32.76.
    assert (r["timeliness_points"], r["online_points"]) == (Decimal("6.67"), Decimal("12.00"))
    assert r["missing"] == ("feedback_on_time",) and r["total"] == Decimal("32.76")
