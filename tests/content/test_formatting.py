"""Vietnamese numbers, percentages and dates; rounding halves away from zero, exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tthc_lib.content.words.formatting import (
    fmt_count,
    fmt_date,
    fmt_date_legal,
    fmt_date_long,
    fmt_decimal,
    fmt_int,
    fmt_pct,
    fmt_percent,
    nfc,
    rate,
    round_half_away,
)


@pytest.mark.parametrize(
    "n, text",
    [
        (0, "0"),
        (7, "7"),
        (896, "896"),
        (1467, "1.467"),
        (13372, "13.372"),
        (1234567, "1.234.567"),
        (-1467, "-1.467"),
    ],
)
def test_fmt_int(n, text):
    assert fmt_int(n) == text


def test_rate_is_a_percentage_and_exact_when_it_terminates():
    assert rate(1, 8) == Decimal("12.5")
    assert round_half_away(rate(10049, 11722), 2) == Decimal("85.73")
    assert rate(0, 5) == 0
    assert rate(3, 0) is None
    assert round_half_away(rate(1, 3), 20) == Decimal("33.33333333333333333333")


@pytest.mark.parametrize(
    "x, places, expected",
    [
        (Decimal("12.25"), 1, "12.3"),  # Babel and round() would give 12.2 (half to even)
        (Decimal("12.35"), 1, "12.4"),
        (Decimal("-12.25"), 1, "-12.3"),  # away from zero
        (Decimal("0.125"), 2, "0.13"),
        (2.675, 2, "2.68"),  # round(2.675, 2) == 2.67 on the binary float
        (Fraction(23 * 100, 80), 1, "28.8"),
        (Fraction(-1, 8), 2, "-0.13"),
        (Fraction(2, 3), 0, "1"),
        (7, 1, "7.0"),
        ("98.305", 2, "98.31"),
    ],
)
def test_round_half_away(x, places, expected):
    assert round_half_away(x, places) == Decimal(expected)
    assert str(round_half_away(x, places)) == expected


@pytest.mark.parametrize(
    "num, den, places, text",
    [
        (10049, 11722, 1, "85,7%"),
        (1261, 11722, 1, "10,8%"),
        (412, 11722, 1, "3,5%"),
        (11009, 12476, 2, "88,24%"),
        (43134, 43924, 2, "98,20%"),
        (1, 8, 1, "12,5%"),
        (1, 16, 1, "6,3%"),  # 6.25 exactly: half away from zero, not Babel's half-even 6,2
        (23, 80, 1, "28,8%"),  # 23/80*100 is 28.749999999999996 as a float: round() gives 28.7
        (51, 160, 2, "31,88%"),  # 31.874999999999996 as a float
        (0, 9, 1, "0,0%"),
        (9, 9, 1, "100,0%"),
        (9, 9, 2, "100,00%"),
        (2, 3, 0, "67%"),
    ],
)
def test_fmt_pct(num, den, places, text):
    assert fmt_pct(num, den, places) == text


def test_float_rounding_would_go_wrong_here():
    # The point of computing exactly: the float route prints another figure.
    assert round(23 / 80 * 100, 1) == 28.7
    assert fmt_pct(23, 80) == "28,8%"


def test_fmt_pct_undefined_rate_is_none():
    assert fmt_pct(0, 0) is None
    assert fmt_pct(5, 0, 2) is None


def test_fmt_decimal():
    assert fmt_decimal(Decimal("98.305"), 2) == "98,31"
    assert fmt_decimal(Decimal("1234.5"), 0) == "1.235"
    assert fmt_decimal(Decimal("1234.5"), 1) == "1.234,5"


@pytest.mark.parametrize(
    "n, kwargs, text",
    [
        (7, {}, "07"),
        (8, {}, "08"),
        (1, {}, "01"),
        (10, {}, "10"),
        (113, {}, "113"),
        (13372, {}, "13.372"),
        (0, {}, "không"),
        (0, {"zero": "Không"}, "Không"),
        (0, {"zero": None}, "0"),
        (7, {"pad": False}, "7"),
    ],
)
def test_fmt_count(n, kwargs, text):
    assert fmt_count(n, **kwargs) == text


def test_fmt_count_accepts_numpy_like_integers():
    class Int64Like:
        def __int__(self):
            return 5

    assert fmt_count(Int64Like()) == "05"


@pytest.mark.parametrize(
    "d, short, long, legal",
    [
        (date(2023, 10, 30), "30/10/2023", "ngày 30 tháng 10 năm 2023", "30/10/2023"),
        (date(2023, 1, 1), "01/01/2023", "ngày 01 tháng 01 năm 2023", "01/01/2023"),
        (date(2023, 2, 5), "05/02/2023", "ngày 05 tháng 02 năm 2023", "05/02/2023"),
        (date(2023, 4, 28), "28/04/2023", "ngày 28 tháng 4 năm 2023", "28/4/2023"),
        (date(2023, 12, 9), "09/12/2023", "ngày 09 tháng 12 năm 2023", "09/12/2023"),
        (date(2025, 7, 1), "01/07/2025", "ngày 01 tháng 7 năm 2025", "01/7/2025"),
    ],
)
def test_dates(d, short, long, legal):
    assert fmt_date(d) == short
    assert fmt_date_long(d) == long
    assert fmt_date_legal(d) == legal


def test_nfc():
    decomposed = "ba\u0301o ca\u0301o"
    assert nfc(decomposed) == "báo cáo"
    assert len(nfc(decomposed)) == 7


@pytest.mark.parametrize(("x", "places", "text"), [
    (Decimal("85.73"), 1, "85,7%"), (Decimal("14.25"), 1, "14,3%"), (Decimal("99.955"), 1, "100,0%"),
    (Fraction(1, 8) * 100, 2, "12,50%"), (98.305, 2, "98,31%"), (20, 0, "20%"),
    (Decimal("12345.6"), 1, "12.345,6%"),
])
def test_fmt_percent(x, places, text):
    assert fmt_percent(x, places) == text


def test_fmt_percent_undefined():
    assert fmt_percent(None, 1) is None
    assert fmt_percent(None, 1, "–") == "–"


@given(st.integers(0, 10**7), st.integers(1, 10**7), st.integers(0, 3))
def test_every_percent_is_fmt_percent_of_the_exact_rate(num, den, places):
    """The ratio formatter and the decimal one agree with the one percent formatter."""
    exact = Fraction(num * 100, den)
    assert fmt_pct(num, den, places) == fmt_percent(exact, places)
    assert fmt_percent(exact, places) == fmt_decimal(exact, places) + "%"
