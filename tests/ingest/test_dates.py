"""Dates and times as the exports write them (tthc_lib/dates.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tthc_lib.ingest.dates import excel_cell_text, parse_instant, parse_instants

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("03/04/2023", dt.datetime(2023, 4, 3, tzinfo=VN)),            # day first, always
    ("3/4/2023", dt.datetime(2023, 4, 3, tzinfo=VN)),
    ("03/04/2023 08:00", dt.datetime(2023, 4, 3, 8, 0, tzinfo=VN)),
    ("03/04/2023 08:00:00", dt.datetime(2023, 4, 3, 8, 0, tzinfo=VN)),
    ("13/12/2023 23:59:59", dt.datetime(2023, 12, 13, 23, 59, 59, tzinfo=VN)),
    ("2023-10-30", dt.datetime(2023, 10, 30, tzinfo=VN)),
    ("2023-10-30T16:05:00", dt.datetime(2023, 10, 30, 16, 5, tzinfo=VN)),
    ("2023-10-30 16:05", dt.datetime(2023, 10, 30, 16, 5, tzinfo=VN)),
    ("2023-10-30T16:05:00.250", dt.datetime(2023, 10, 30, 16, 5, 0, 250000, tzinfo=VN)),
    ("2023-10-30T16:05:00+07:00", dt.datetime(2023, 10, 30, 9, 5, tzinfo=UTC)),
    ("2023-10-30T16:05:00Z", dt.datetime(2023, 10, 30, 16, 5, tzinfo=UTC)),
    ("2023-10-30T16:05:00+0000", dt.datetime(2023, 10, 30, 16, 5, tzinfo=UTC)),
    ("2023-10-30T16:05-05:00", dt.datetime(2023, 10, 30, 21, 5, tzinfo=UTC)),
    ("  03/04/2023  ", dt.datetime(2023, 4, 3, tzinfo=VN)),
])
def test_accepted_forms(text, expected):
    assert parse_instant(text) == expected


@pytest.mark.parametrize("text", [
    "31/02/2023", "29/02/2023", "32/01/2023", "03/13/2023", "03/04/2023 25:00",
    "03/04/23", "2023-02-30", "hôm qua", "", None, "2023/04/03",
])
def test_impossible_or_unknown_dates_do_not_parse(text):
    assert parse_instant(text) is None


def test_leap_day_parses():
    assert parse_instant("29/02/2024") == dt.datetime(2024, 2, 29, tzinfo=VN)


def test_naive_is_local_time_so_late_evening_utc_is_next_local_day():
    late = parse_instant("2023-10-30T20:00:00Z")
    assert late.astimezone(VN).date() == dt.date(2023, 10, 31)


def test_many_values_keep_their_order():
    assert parse_instants(["01/01/2023", "x", "02/01/2023"]) == [
        dt.datetime(2023, 1, 1, tzinfo=VN), None, dt.datetime(2023, 1, 2, tzinfo=VN)]


@pytest.mark.parametrize("value, text", [
    (dt.datetime(2023, 4, 3, 8, 30), "2023-04-03T08:30:00"),
    (dt.datetime(2023, 4, 3), "2023-04-03"),
    (dt.date(2023, 4, 3), "2023-04-03"),
    (12.0, "12"),
    (1.5, "1.5"),
    (True, "true"),
    (None, None),
    ("Xa\u0303", "Xã"),
])
def test_excel_cells_as_text(value, text):
    assert excel_cell_text(value) == text


def test_excel_cell_text_parses_back():
    text = excel_cell_text(dt.datetime(2023, 4, 3, 8, 30))
    assert parse_instant(text) == dt.datetime(2023, 4, 3, 8, 30, tzinfo=VN)
