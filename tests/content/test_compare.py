"""Comparisons with the same period a year earlier and the period before: exact wording, the
labels of the earlier periods (quarter, month, cut-off calendar), and omission when the store
does not cover the earlier period for the unit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from helpers.tables import cells

from tthc_lib.content.figures.compare import (
    change_phrase,
    comparison,
    comparison_prose,
    comparison_table_html,
    has_data,
)
from tthc_lib.errors import UnitError
from tthc_lib.periods import Period, parse_period

LOCAL = timezone(timedelta(hours=7))
Q3 = parse_period("2023-Q3")
Y = "cùng kỳ năm 2022"
Q2 = "kỳ trước (quý II năm 2023)"


def _at(day: date | None) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL)


def add(
    con,
    did: str,
    unit: str,
    received: date,
    due: date,
    closed: date | None = None,
    channel: str = "in_person",
) -> None:
    """One dossier of the fully-online procedure P1, resolved when ``closed`` is given."""
    con.execute(
        "INSERT INTO dossiers (dossier_id, unit_code, procedure_code, channel, "
            "status, received_at, due_at, closed_at, received_date, due_date, closed_date, "
            "digitised_on_receipt, result_digitised) VALUES (?, ?, 'P1', ?, ?, ?, ?, ?, ?::DATE, ?::DATE, ?::DATE,"
        " false, false)",
        [
            did,
            unit,
            channel,
            "open" if closed is None else "resolved",
            _at(received),
            _at(due),
            _at(closed),
            received,
            due,
            closed,
        ],
    )


def batch(
    con, prefix: str, unit: str, received: date, due: date, closings: list[date | None], online: int
) -> None:
    """Dossiers received on one day, closed on the given days (None: open), the first
    ``online`` of them online."""
    for i, closed in enumerate(closings):
        add(
            con,
            f"{prefix}{i}",
            unit,
            received,
            due,
            closed,
            "online" if i < online else "in_person",
        )


@pytest.fixture
def units(con):
    con.execute("""INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES
        ('C', 'Thành phố X', 'Thành phố', 'district', NULL),
        ('W1', 'Phường A', 'Phường', 'commune', 'C'),
        ('W2', 'Phường Mới', 'Phường', 'commune', 'C')""")
    con.execute("INSERT INTO procedures VALUES ('P1', 'Khai sinh', 'Hộ tịch', 'commune', 'full')")
    return con


@pytest.fixture
def store(units):
    """W1 since mid-2022: Q3 2022 (20 received, all early, 10 online), Q2 2023 (22, 11 early,
    11 late, 11 online), Q3 2023 (21: 16 early, 4 late, 1 open; 14 online). W2: only Q3 2023,
    with one dossier received in Q2 2023 and carried over into Q3."""
    con = units
    d = date
    add(con, "cut", "W1", d(2022, 6, 16), d(2022, 6, 20), d(2022, 6, 17))
    batch(con, "y", "W1", d(2022, 7, 1), d(2022, 7, 10), [d(2022, 7, 5)] * 20, online=10)
    batch(
        con,
        "p",
        "W1",
        d(2023, 4, 3),
        d(2023, 4, 10),
        [d(2023, 4, 5)] * 11 + [d(2023, 4, 12)] * 11,
        online=11,
    )
    batch(
        con,
        "c",
        "W1",
        d(2023, 7, 3),
        d(2023, 7, 10),
        [d(2023, 7, 5)] * 16 + [d(2023, 7, 12)] * 4 + [None],
        online=14,
    )
    add(con, "w2co", "W2", d(2023, 6, 20), d(2023, 7, 10), d(2023, 7, 4))
    batch(con, "w2", "W2", d(2023, 7, 3), d(2023, 7, 10), [d(2023, 7, 5)] * 3, online=1)
    return con


# ---------------------------------------------------------------- wording


@pytest.mark.parametrize(
    "current, earlier, label, text",
    [
        (1052, 1000, Y, "tăng 5,2% so với cùng kỳ năm 2022"),
        (969, 1000, "kỳ trước", "giảm 3,1% so với kỳ trước"),
        (1000, 1000, Y, "bằng cùng kỳ năm 2022"),
        (2001, 2000, Y, "tăng 0,1% so với cùng kỳ năm 2022"),  # 0,05: half away from zero
        (20001, 20000, Y, "tăng dưới 0,1% so với cùng kỳ năm 2022"),  # 0,005%: never "tăng 0,0%"
        (3000, 1000, Y, "tăng 200,0% so với cùng kỳ năm 2022"),
        (25000, 1000, Y, "tăng 2.400,0% so với cùng kỳ năm 2022"),
        (
            Fraction(857, 10),
            Fraction(845, 10),
            Y,
            "tăng 1,2 điểm phần trăm so với cùng kỳ năm 2022",
        ),
        (
            Decimal("84.5"),
            Decimal("85.75"),
            Q2,
            "giảm 1,3 điểm phần trăm so với kỳ trước (quý II năm 2023)",
        ),
        (Fraction(100, 3), Fraction(100, 3), Y, "bằng cùng kỳ năm 2022"),
        (85.73, 85.7, Y, "tăng dưới 0,1 điểm phần trăm so với cùng kỳ năm 2022"),
    ],
)
def test_change_phrase_wording(current, earlier, label, text):
    assert change_phrase(current, earlier, label) == text


@pytest.mark.parametrize(
    "current, earlier",
    [
        (5, 0),  # no "tăng 100%" from nothing
        (0, 0),
        (None, 5),
        (5, None),
        (Fraction(50), None),  # an undefined rate
    ],
)
def test_undefined_changes_are_none(current, earlier):
    assert change_phrase(current, earlier, Y) is None


# ---------------------------------------------------------------- data and omission


def test_prose_against_both_earlier_periods(store):
    comp = comparison(store, "W1", "unit", Q3)
    assert comparison_prose(comp) == [
        f"Số hồ sơ được tiếp nhận tăng 5,0% so với {Y}, giảm 4,5% so với {Q2}.",
        f"Số hồ sơ đã giải quyết bằng {Y}, giảm 9,1% so với {Q2}.",
        (
            f"Tỷ lệ hồ sơ giải quyết trước hạn giảm 20,0 điểm phần trăm so với {Y}, "
            f"tăng 30,0 điểm phần trăm so với {Q2}."
        ),
        (
            f"Tỷ lệ hồ sơ tiếp nhận trực tuyến tăng 16,7 điểm phần trăm so với {Y}, "
            f"tăng 16,7 điểm phần trăm so với {Q2}."
        ),
    ]


def test_table_word_for_word(store):
    # The city in Q2 2023: W1's 22 dossiers and W2's dossier received on 20/6, pending at 30/6.
    comp = comparison(store, "C", "total", Q3)
    table = cells(
        comparison_table_html(
            comp, ("received_total", "early_rate", "online_rate", "pending_total"), number=2
        )
    )
    assert table.caption == (
        "Bảng 2. So sánh kết quả quý III năm 2023 với cùng kỳ năm 2022 và "
        "kỳ trước (quý II năm 2023)"
    )
    assert table.rows == [
        ["Chỉ tiêu", "Quý III năm 2023", "Cùng kỳ năm 2022", "Kỳ trước (quý II năm 2023)"],
        ["Số liệu", "Tăng/giảm", "Số liệu", "Tăng/giảm"],
        ["Số hồ sơ được tiếp nhận", "25", "20", "tăng 25,0%", "23", "tăng 8,7%"],
        [
            "Tỷ lệ hồ sơ giải quyết trước hạn",
            "83,3%",
            "100,0%",
            "giảm 16,7 điểm phần trăm",
            "50,0%",
            "tăng 33,3 điểm phần trăm",
        ],
        [
            "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
            "62,50%",
            "50,00%",
            "tăng 12,5 điểm phần trăm",
            "47,83%",
            "tăng 14,7 điểm phần trăm",
        ],
        ["Số hồ sơ đang giải quyết", "1", "0", "–", "1", "không đổi"],
    ]


def test_a_report_may_compare_with_last_year_only(store):
    comp = comparison(store, "W1", "unit", Q3)
    assert comparison_prose(comp, ("received_total",), against=("previous_year",)) == [
        f"Số hồ sơ được tiếp nhận tăng 5,0% so với {Y}."
    ]
    table = cells(comparison_table_html(comp, ("received_total",), against=("previous_year",)))
    assert table.rows[0] == ["Chỉ tiêu", "Quý III năm 2023", "Cùng kỳ năm 2022"]


def test_no_comparison_for_a_unit_without_earlier_data(store):
    # W2's only earlier dossier was received in Q2 but closed in Q3: carried over, which the
    # current export holds; not a sign that Q2 was loaded.
    comp = comparison(store, "W2", "unit", Q3)
    assert comp.previous_year is None and comp.previous_period is None
    assert int(comp.current["received_total"]) == 4
    assert comparison_prose(comp) == []
    assert comparison_table_html(comp) is None


def test_no_comparison_from_the_carried_over_dossiers_of_the_current_export(units):
    add(units, "co", "W1", date(2023, 6, 1), date(2023, 6, 30), date(2023, 7, 3))
    add(units, "old", "W1", date(2022, 8, 1), date(2022, 8, 30))  # still open
    batch(units, "c", "W1", date(2023, 7, 3), date(2023, 7, 10), [date(2023, 7, 5)] * 5, 2)
    comp = comparison(units, "W1", "unit", Q3)
    assert (comp.previous_year, comp.previous_period) == (None, None)
    assert comparison_prose(comp) == []


def test_an_earlier_period_loaded_only_in_part_is_not_compared(units):
    # The store begins in mid-May: Q2 2023 is only partly there.
    batch(units, "p", "W1", date(2023, 5, 20), date(2023, 5, 30), [date(2023, 5, 25)] * 3, 1)
    batch(units, "c", "W1", date(2023, 7, 3), date(2023, 7, 10), [date(2023, 7, 5)] * 5, 2)
    assert not has_data(units, "W1", "unit", parse_period("2023-Q2"))
    assert has_data(units, "W1", "unit", parse_period("2023-05-15:2023-06-30"))
    assert comparison(units, "W1", "unit", Q3).previous_period is None


def test_a_scope_the_unit_does_not_have_is_a_clear_error(store):
    with pytest.raises(UnitError, match="W1"):
        comparison(store, "W1", "total", Q3)


# ---------------------------------------------------------------- labels and calendars


@pytest.mark.parametrize(
    "text, previous, last_year",
    [
        ("2023-Q3", "kỳ trước (quý II năm 2023)", "cùng kỳ năm 2022"),
        ("2023-Q1", "kỳ trước (quý IV năm 2022)", "cùng kỳ năm 2022"),
        ("2023-10", "kỳ trước (tháng 9 năm 2023)", "cùng kỳ năm 2022"),
        ("2023-01", "kỳ trước (tháng 12 năm 2022)", "cùng kỳ năm 2022"),
        ("2023-H1", "kỳ trước (6 tháng cuối năm 2022)", "cùng kỳ năm 2022"),
    ],
)
def test_labels_of_the_earlier_periods(units, text, previous, last_year):
    comp = comparison(units, "W1", "unit", parse_period(text))
    assert (comp.previous_period_label, comp.previous_year_label) == (previous, last_year)


def test_cutoff_calendar(store):
    period = parse_period("2023-Q3", "cutoff14")  # 15/6 - 14/9/2023
    comp = comparison(store, "W1", "unit", period, calendar="cutoff14")
    assert comp.previous_period_span == Period(date(2023, 3, 15), date(2023, 6, 14))
    assert comp.previous_year_span == Period(date(2022, 6, 15), date(2022, 9, 14))
    assert (comp.previous_period_label, comp.previous_year_label) == (Q2, Y)
    # the dossier of 16/6/2022 belongs to Q3 2022 in this calendar: 21 then, 21 now
    assert comparison_prose(comp, ("received_total",)) == [
        f"Số hồ sơ được tiếp nhận bằng {Y}, giảm 4,5% so với {Q2}."
    ]
    # in the calendar of months, Q3 2022 starts on 1/7 and holds only 20
    assert comparison_prose(comparison(store, "W1", "unit", Q3), ("received_total",))[0].startswith(
        f"Số hồ sơ được tiếp nhận tăng 5,0% so với {Y}"
    )


# ---------------------------------------------------------------- helpers




def test_a_change_agrees_with_the_rounded_figures_beside_it():
    """Issue 21, point 7: 88,75% and 88,84% both show as 88,8%, so the change is none, and
    never "88,8% | 88,8% | tăng 0,1 điểm phần trăm"."""
    from tthc_lib.content.figures.compare import change_words, figure_text, shown_value

    now = {"resolved_early": 8884, "resolved_total": 10000}
    before = {"resolved_early": 8875, "resolved_total": 10000}
    assert [figure_text(r, "early_rate") for r in (now, before)] == ["88,8%", "88,8%"]
    assert change_words(shown_value(now, "early_rate"), shown_value(before, "early_rate")) == \
        "bằng"
    later = {"resolved_early": 8885, "resolved_total": 10000}            # 88,85% shows 88,9%
    assert change_words(shown_value(later, "early_rate"), shown_value(now, "early_rate")) == \
        "tăng 0,1 điểm phần trăm"
    assert shown_value({"received_total": 7}, "received_total") == 7


def test_a_unit_established_inside_the_earlier_period_says_which_days_it_covers():
    """Issue 21, point 3: Sở Tư pháp, established 01/07/2025, against 11 months of 2025."""
    import pandas as pd

    from tthc_lib.content.figures.compare import Comparison, partial_note

    row = pd.Series({"received_total": 10})
    comp = Comparison("HPSTP", "unit", "calendar",
                      Period(date(2026, 1, 1), date(2026, 11, 30)), row, row, None,
                      Period(date(2025, 1, 1), date(2025, 11, 30)),
                      Period(date(2025, 2, 1), date(2025, 12, 31)), False, date(2025, 7, 1))
    assert partial_note(comp, ("previous_year", "previous_period")) == (
        "Đơn vị thành lập ngày 01/7/2025: số liệu cùng kỳ năm 2025 chỉ gồm từ ngày 01/7/2025 "
        "đến ngày 30/11/2025, không đủ cả kỳ như kỳ báo cáo.")
    assert partial_note(replace(comp, established=date(2024, 1, 1))) is None
    assert partial_note(replace(comp, restated=True)) is None
