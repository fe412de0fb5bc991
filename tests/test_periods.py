"""Periods: every form of docs/interfaces.md § Periods, both calendars, Vietnamese names,
neighbours."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from tthc_lib.errors import PeriodError, TthcError
from tthc_lib.periods import (
    Period,
    label_vi,
    parse_period,
    previous_period,
    range_vi,
    same_period_last_year,
)

SEED = Period(date(2023, 1, 1), date(2023, 10, 30))


def P(a: str, b: str) -> Period:
    return Period(date.fromisoformat(a), date.fromisoformat(b))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023-01-01:2023-10-30", P("2023-01-01", "2023-10-30")),
        ("2023-10", P("2023-10-01", "2023-10-31")),
        ("2024-02", P("2024-02-01", "2024-02-29")),
        ("2023-02", P("2023-02-01", "2023-02-28")),
        ("2023-Q1", P("2023-01-01", "2023-03-31")),
        ("2023-Q3", P("2023-07-01", "2023-09-30")),
        ("2023-q4", P("2023-10-01", "2023-12-31")),
        ("2023-H1", P("2023-01-01", "2023-06-30")),
        ("2023-H2", P("2023-07-01", "2023-12-31")),
        ("2023", P("2023-01-01", "2023-12-31")),
        ("2023-01:2023-10", P("2023-01-01", "2023-10-31")),
        ("2022-11:2023-02", P("2022-11-01", "2023-02-28")),
        (" 2023-10 ", P("2023-10-01", "2023-10-31")),
        ("2023-10-30:2023-10-30", P("2023-10-30", "2023-10-30")),
    ],
)
def test_parse_calendar_forms(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023-10", P("2023-09-15", "2023-10-14")),
        ("2023-01", P("2022-12-15", "2023-01-14")),
        ("2023-Q1", P("2022-12-15", "2023-03-14")),
        ("2023-Q3", P("2023-06-15", "2023-09-14")),
        ("2023-H1", P("2022-12-15", "2023-06-14")),
        ("2023-H2", P("2023-06-15", "2023-12-14")),
        ("2023", P("2022-12-15", "2023-12-14")),
        ("2023-01:2023-10", P("2022-12-15", "2023-10-14")),
        # explicit dates are taken as given
        ("2023-01-01:2023-10-30", P("2023-01-01", "2023-10-30")),
    ],
)
def test_parse_cutoff14_forms(text, expected):
    assert parse_period(text, calendar="cutoff14") == expected


@pytest.mark.parametrize(
    "text, why",
    [
        ("2023-10-30:2023-01-01", "ngày bắt đầu sau ngày kết thúc"),
        ("2023-02-30:2023-03-01", "ngày tháng không tồn tại"),
        ("2023-13", "ngày tháng không tồn tại"),
        ("2023-00", "ngày tháng không tồn tại"),
        ("2023-10:2023-02", "ngày bắt đầu sau ngày kết thúc"),
        ("2023-Q5", "không đúng dạng"),
        ("2023-H3", "không đúng dạng"),
        ("10/2023", "không đúng dạng"),
        ("2023-1", "không đúng dạng"),
        ("2023-01-01:2023-10", "không đúng dạng"),
        ("", "không đúng dạng"),
        ("quý 3", "không đúng dạng"),
    ],
)
def test_parse_refuses_with_one_clear_line(text, why):
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"Kỳ báo cáo không hợp lệ: {text!r} ({why});")
    assert "2023-01-01:2023-10-30" in message and "2023-Q3" in message
    assert info.value.period == text


def test_period_error_is_expected_and_picklable():
    with pytest.raises(TthcError) as info:
        parse_period("2023-Q9")
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and again.period == "2023-Q9"


def test_unknown_calendar_is_refused():
    with pytest.raises(PeriodError, match="cutoff14"):
        parse_period("2023", calendar="fiscal")


def test_period_properties():
    assert SEED.days == 303
    assert SEED.iso == "2023-01-01:2023-10-30" == str(SEED)
    assert date(2023, 10, 30) in SEED and date(2023, 10, 31) not in SEED


@pytest.mark.parametrize(
    "text, label",
    [
        ("2023-01-01:2023-10-30", "10 tháng năm 2023"),
        ("2023-01-01:2023-10-31", "10 tháng năm 2023"),
        ("2023-01:2023-10", "10 tháng năm 2023"),
        ("2023-10", "tháng 10 năm 2023"),
        ("2023-01", "tháng 1 năm 2023"),
        ("2023-Q1", "quý I năm 2023"),
        ("2023-Q3", "quý III năm 2023"),
        ("2023-Q4", "quý IV năm 2023"),
        ("2023-H1", "6 tháng đầu năm 2023"),
        ("2023-01-01:2023-06-20", "6 tháng đầu năm 2023"),
        ("2023-H2", "6 tháng cuối năm 2023"),
        ("2023-01:2023-09", "9 tháng năm 2023"),
        ("2023-01-01:2023-09-30", "9 tháng năm 2023"),
        ("2023", "năm 2023"),
        ("2023-01-05:2023-02-20", "từ ngày 05/01/2023 đến ngày 20/02/2023"),
        ("2023-01-01:2023-01-15", "từ ngày 01/01/2023 đến ngày 15/01/2023"),
        ("2023-03:2023-05", "từ ngày 01/03/2023 đến ngày 31/05/2023"),
        ("2022-11:2023-02", "từ ngày 01/11/2022 đến ngày 28/02/2023"),
    ],
)
def test_label_vi_calendar(text, label):
    assert label_vi(parse_period(text)) == label


@pytest.mark.parametrize(
    "text, label",
    [
        ("2023-10", "tháng 10 năm 2023"),
        ("2023-Q3", "quý III năm 2023"),
        ("2023-H1", "6 tháng đầu năm 2023"),
        ("2023", "năm 2023"),
        ("2023-01:2023-10", "10 tháng năm 2023"),
        ("2022-12-15:2023-10-10", "10 tháng năm 2023"),
        # 1 January does not start the cut-off year
        ("2023-01-01:2023-10-30", "từ ngày 01/01/2023 đến ngày 30/10/2023"),
    ],
)
def test_label_vi_cutoff14(text, label):
    assert label_vi(parse_period(text, "cutoff14"), "cutoff14") == label


def test_range_vi():
    assert range_vi(SEED) == "từ ngày 01/01/2023 đến hết ngày 30/10/2023"


@pytest.mark.parametrize(
    "text, calendar, previous",
    [
        ("2023-10", "calendar", P("2023-09-01", "2023-09-30")),
        ("2023-03", "calendar", P("2023-02-01", "2023-02-28")),
        ("2023-01", "calendar", P("2022-12-01", "2022-12-31")),
        ("2023-Q3", "calendar", P("2023-04-01", "2023-06-30")),
        ("2023-Q1", "calendar", P("2022-10-01", "2022-12-31")),
        ("2023-H2", "calendar", P("2023-01-01", "2023-06-30")),
        ("2023", "calendar", P("2022-01-01", "2022-12-31")),
        ("2023-Q3", "cutoff14", P("2023-03-15", "2023-06-14")),
        ("2023", "cutoff14", P("2021-12-15", "2022-12-14")),
        # not whole months: the same number of days, ending the day before
        ("2023-01-01:2023-10-30", "calendar", P("2022-03-04", "2022-12-31")),
        ("2023-03-10:2023-03-19", "calendar", P("2023-02-28", "2023-03-09")),
    ],
)
def test_previous_period(text, calendar, previous):
    period = parse_period(text, calendar)
    assert previous_period(period, calendar) == previous


@pytest.mark.parametrize(
    "text, last_year",
    [
        ("2023-01-01:2023-10-30", P("2022-01-01", "2022-10-30")),
        ("2024-02", P("2023-02-01", "2023-02-28")),
        ("2025-02", P("2024-02-01", "2024-02-29")),
        ("2024-01-01:2024-02-29", P("2023-01-01", "2023-02-28")),
        ("2024-02-29:2024-03-10", P("2023-02-28", "2023-03-10")),
        ("2024-02-10:2024-02-29", P("2023-02-10", "2023-02-28")),
        ("2023-Q3", P("2022-07-01", "2022-09-30")),
    ],
)
def test_same_period_last_year(text, last_year):
    assert same_period_last_year(parse_period(text)) == last_year


def test_same_period_last_year_cutoff14():
    period = parse_period("2023-Q1", "cutoff14")
    assert same_period_last_year(period, "cutoff14") == P("2021-12-15", "2022-03-14")
