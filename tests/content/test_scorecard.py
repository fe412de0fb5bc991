"""Scorecards after Quyết định 766/QĐ-TTg: points at and around each target, the proportional
rule, the portal's treatments (timeliness over every dossier counted, full PAKN points without
PAKN, the online-service metric for province-level units only), scaling when another component
has no dossiers, shared ranks, the table word for word, the chart, and the office's spec file."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from helpers.scorecard import FULL, SPEC, city, line
from helpers.tables import cells
from matplotlib.figure import Figure

from tthc_lib.content.figures.charts import font_family
from tthc_lib.content.figures.scorecard import (
    check_spec,
    component_points,
    load_scorecard_spec,
    scorecard_chart,
    scorecard_table_html,
    scorecards,
)
from tthc_lib.content.words.formatting import round_half_away
from tthc_lib.errors import ReportError
from tthc_lib.indicators.figures import compute_indicators

SCRIPT = "<script>alert('x')</script>"


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
    if key == "online":  # scored for province-level units only: a department
        ward["level"] = "province"
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


def test_timeliness_counts_pending_in_time_and_keeps_withdrawn_in_the_denominator():
    df = scorecards(city(line("W1", "Phường A", **FULL)), "C", SPEC)
    r = df.iloc[0]
    assert round_half_away(r["timeliness_rate"], 20) == round_half_away(Fraction(600, 13), 20)
    assert r["timeliness_points"] == Decimal("9.23")
    assert (r["digitised_on_receipt_points"], r["result_digitised_points"]) == (
        Decimal("4.00"),
        Decimal("6.00"),
    )
    assert r["feedback_on_time_points"] == Decimal("6.00")
    assert (r["total"], r["max_total"], r["rank"]) == (Decimal("25.23"), 36, 1)
    assert r["missing"] == () and r["scaled"] is False


def test_online_service_is_scored_for_province_level_units_only():
    ward = line("W1", "Phường A", **FULL)
    r = scorecards(city(ward), "C", SPEC).iloc[0]
    assert r["online_rate"] is None and r["online_points"] is None
    assert r["not_applicable"] == ("online",) and r["max_total"] == 36
    dept = dict(line("S1", "Sở Tư pháp", **FULL), level="province")
    r = scorecards(city(dept), "C", SPEC).iloc[0]
    assert (r["online_points"], r["total"], r["max_total"]) == (Decimal("12.00"),
                                                                Decimal("37.23"), 48)
    assert r["not_applicable"] == ()


# ---------------------------------------------------------------- missing components, ranks


def test_a_unit_without_feedback_gets_the_full_feedback_points():
    no_feedback = {k: v for k, v in FULL.items() if "feedback" not in k}
    r = scorecards(city(line("W1", "Phường A", **no_feedback)), "C", SPEC).iloc[0]
    assert r["feedback_on_time_rate"] is None
    assert r["feedback_on_time_points"] == Decimal("6.00")
    assert r["assumed"] == ("feedback_on_time",) and r["missing"] == ()
    assert r["scaled"] is False and r["total"] == Decimal("25.23")


def test_another_component_without_dossiers_is_left_out_and_the_total_scaled():
    carried_only = {**FULL, "received_in_period": 0, "digitised_on_receipt": 0}
    r = scorecards(city(line("W1", "Phường A", **carried_only)), "C", SPEC).iloc[0]
    assert r["digitised_on_receipt_rate"] is None and r["digitised_on_receipt_points"] is None
    assert r["missing"] == ("digitised_on_receipt",) and r["scaled"] is True
    assert r["total"] == Decimal("23.88")  # (120/13 + 6 + 6) × 36 / 32


def test_a_component_whose_export_has_no_such_column_is_not_scored_and_says_so():
    """Tân Dân's list has no digitisation columns: the two digitisation components are
    unknown ("Không có số liệu"), not 0 points, and the total is scaled over the rest."""
    no_columns = {**FULL, "digitisation_unknown": 9}
    r = scorecards(city(line("W1", "Phường A", **no_columns)), "C", SPEC).iloc[0]
    for key in ("digitised_on_receipt", "result_digitised"):
        assert r[f"{key}_rate"] is None and r[f"{key}_points"] is None
    assert r["no_data"] == ("digitised_on_receipt", "result_digitised")
    assert r["missing"] == () and r["scaled"] is True
    known = scorecards(city(line("W1", "Phường A", **FULL)), "C", SPEC).iloc[0]
    rest = (known["timeliness_points"] + known["feedback_on_time_points"])
    assert r["total"] == round_half_away(Fraction(rest) * 36 / 26, 2)
    html = scorecard_table_html(scorecards(city(line("W1", "Phường A", **no_columns)), "C",
                                           SPEC), SPEC)
    assert "Không có số liệu: Số hóa hồ sơ khi tiếp nhận, Số hóa kết quả giải quyết; tổng " \
           "điểm quy đổi" in html


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
    assert empty["missing"] == ("timeliness", "digitised_on_receipt", "result_digitised")
    assert list(df["unit"]) == ["W1", "W2"]  # unranked last
    rows = cells(scorecard_table_html(df, SPEC)).rows
    assert rows[3] == ["", "Phường Trống", "–", "–", "–", "–", "–", "–", "100,00%", "6,00", "–",
                       "Không đủ dữ liệu để tính tổng điểm"]


def test_equal_totals_share_a_rank():
    df = scorecards(
        city(
            line("W1", "Phường B", **FULL),
            line("W2", "Phường A", **FULL),
            line("W3", "Phường C", **{**FULL, "digitised_on_receipt": 0}),
        ),
        "C",
        SPEC,
    )
    assert list(zip(df["unit_name"], df["rank"])) == [
        ("Phường A", 1),
        ("Phường B", 1),
        ("Phường C", 3),
    ]
    assert list(df["total"]) == [Decimal("25.23"), Decimal("25.23"), Decimal("21.23")]


def test_departments_and_communes_are_ranked_apart_departments_first():
    df = scorecards(
        city(
            line("W1", "Phường A", **FULL),
            dict(line("S1", "Sở Tư pháp", **{**FULL, "dvc_online": 0}), level="province"),
            dict(line("S2", "Sở Nội vụ", **FULL), level="province"),
        ),
        "C",
        SPEC,
    )
    assert list(zip(df["unit"], df["rank"], df["total"], df["max_total"])) == [
        ("S2", 1, Decimal("37.23"), 48),
        ("S1", 2, Decimal("25.23"), 48),
        ("W1", 1, Decimal("25.23"), 36),
    ]
    table = cells(scorecard_table_html(df, SPEC))
    assert table.rows[0][3] == "Dịch vụ trực tuyến (tối đa 12 điểm)"
    assert table.rows[0][7] == "Tổng điểm (tối đa 48 / 36)"
    assert table.rows[4][4:6] == ["–", "–"]
    assert table.rows[4][-1] == "Dịch vụ trực tuyến: không áp dụng"


def test_children_with_wards_of_their_own_are_scored_on_their_total_row():
    district = dict(line("D", "Huyện Y"), level="district")
    df = pd.DataFrame(
        [
            dict(line("P", "Tỉnh Z"), level="province", parent_code=None),
            dict(district, parent_code="P"),
            dict(district, parent_code="P", scope="total", **FULL),
        ]
    )
    assert scorecards(df, "P", SPEC).iloc[0]["total"] == Decimal("25.23")


# ---------------------------------------------------------------- table


def test_table_word_for_word():
    no_feedback = {k: v for k, v in FULL.items() if "feedback" not in k}
    carried_only = {**FULL, "received_in_period": 0, "digitised_on_receipt": 0}
    df = scorecards(
        city(line("W1", "Phường A", **FULL), line("W2", "Phường B", **no_feedback),
             line("W3", "Phường C", **carried_only)), "C", SPEC
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
        "Số hóa hồ sơ khi tiếp nhận (tối đa 4 điểm)",
        "Số hóa kết quả giải quyết (tối đa 6 điểm)",
        "PAKN xử lý đúng hạn (tối đa 6 điểm)",
        "Tổng điểm (tối đa 36)",
        "Ghi chú",
    ]
    assert table.rows[1] == ["Tỷ lệ đạt", "Điểm"] * 4
    assert table.rows[2] == ["1", "Phường A", "46,15%", "9,23", "80,00%", "4,00", "100,00%",
                             "6,00", "100,00%", "6,00", "25,23", ""]
    assert table.rows[3] == ["1", "Phường B", "46,15%", "9,23", "80,00%", "4,00", "100,00%",
                             "6,00", "–", "6,00", "25,23",
                             "PAKN xử lý đúng hạn: không phát sinh, tính đủ điểm"]
    assert table.rows[4] == ["3", "Phường C", "46,15%", "9,23", "–", "–", "100,00%", "6,00",
                             "100,00%", "6,00", "23,88*",
                             "Không phát sinh: Số hóa hồ sơ khi tiếp nhận; tổng điểm quy đổi"]
    assert table.rows[5][0] == (
        "Điểm ước tính cho các thành phần của Bộ chỉ số tính được từ dữ liệu của Hệ thống một "
        "cửa (tối đa 36 điểm), không phải kết quả đánh giá chính thức. Thành phần đạt chỉ tiêu "
        "được điểm tối đa; dưới chỉ tiêu, điểm = điểm tối đa × tỷ lệ đạt / chỉ tiêu. Chỉ tiêu: "
        "Tiến độ giải quyết 100% (20 điểm); Dịch vụ trực tuyến 50% (12 điểm); Số hóa hồ sơ khi "
        "tiếp nhận 80% (4 điểm); Số hóa kết quả giải quyết 100% (6 điểm); PAKN xử lý đúng hạn "
        "100% (6 điểm). Tiến độ giải quyết tính hồ sơ đang giải quyết trong hạn như hồ sơ đúng "
        "hạn, trên tổng số hồ sơ tiếp nhận (kể cả hồ sơ rút, trả lại). Đơn vị không phát sinh "
        "PAKN trong kỳ được tính đủ điểm PAKN. Dịch vụ trực tuyến chỉ chấm cho cấp tỉnh. Thành "
        "phần khác không phát sinh hồ sơ được bỏ qua và tổng điểm được quy đổi theo tỷ lệ."
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
    carried_only = {**FULL, "received_in_period": 0, "digitised_on_receipt": 0}
    df = scorecards(
        city(
            line("W1", "Phường Ả", **carried_only),
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
        "Số hóa hồ sơ khi tiếp nhận",
        "Số hóa kết quả giải quyết",
        "PAKN xử lý đúng hạn",
        "Quy đổi do thiếu thành phần",
    ]
    ends = {round(p.get_y() + p.get_height() / 2): p.get_x() + p.get_width() for p in ax.patches}
    assert ends == {0: pytest.approx(25.23), 1: pytest.approx(23.88)}
    assert ax.get_yticklabels()[0].get_fontname() == font_family()[0]
    assert ax.get_title() == "Điểm đánh giá ước tính theo Quyết định 766/QĐ-TTg (tối đa 36 điểm)"


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
            "INSERT INTO dossiers (dossier_id, unit_code, procedure_code, channel, "
                "status, received_at, due_at, closed_at, received_date, due_date, closed_date, "
                "digitised_on_receipt, result_digitised) VALUES (?, 'W1', 'P1', ?, ?, ?, ?, ?, ?::DATE, ?::DATE,"
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
    # Before any feedback (PAKN) export is loaded, feedback is not known: not scored.
    rows = compute_indicators(con, date(2023, 3, 1), date(2023, 3, 31)).rows
    r = scorecards(rows, "C", SPEC).iloc[0]
    assert r["no_data"] == ("feedback_on_time",) and r["assumed"] == ()
    assert r["total"] == round_half_away((Fraction(20, 3) + 4 + 6) * 36 / 30, 2)
    # A feedback export loaded (none of it in the period): no feedback, full points.
    con.execute("INSERT INTO loads VALUES (1, 'pakn.csv', '0', now(), 'feedback', 0, 0, 0, 0, 0)")
    rows = compute_indicators(con, date(2023, 3, 1), date(2023, 3, 31)).rows
    r = scorecards(rows, "C", SPEC).iloc[0]
    # resolved early 1, late 1, pending overdue 1: 1/3 timely; online not scored for a ward;
    # all digitised; no feedback, full points: 20/3 + 4 + 6 + 6 = 22.67 of 36.
    assert (r["timeliness_points"], r["online_points"]) == (Decimal("6.67"), None)
    assert r["assumed"] == ("feedback_on_time",) and r["missing"] == ()
    assert (r["total"], r["max_total"]) == (Decimal("22.67"), 36)
