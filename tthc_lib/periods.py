"""Reporting periods: their forms (docs/interfaces.md § Periods) and their Vietnamese names.

A period is two days, both included. Shorthands (a month, quarter, half-year, year, or a run of
whole months) follow one of two calendars:

- ``calendar``: months run from the 1st to their last day.
- ``cutoff14``: the Government's cut-off on the 14th (docs/interfaces.md § Periods):
  month M runs from the 15th of month M-1 to the 14th of M, so Q3 = 15/6-14/9,
  H1 = 15/12 of the year before - 14/6, the year = 15/12 of the year before - 14/12.

Explicit ``START:END`` dates are taken as given in both calendars.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from tthc_lib.errors import PeriodError

__all__ = ["Period", "check_reportable", "label_vi", "parse_period", "previous_period", "range_vi",
           "same_period_last_year", "whole_months"]

CALENDARS = ("calendar", "cutoff14")
CUTOFF_DAY = 14

FORMS_HINT = (
    "dùng BẮT_ĐẦU:KẾT_THÚC (2023-01-01:2023-10-30) hoặc 2023-10, 2023-Q3, 2023-H1, 2023, "
    "2023-01:2023-10"
)
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

_DATE = r"(\d{4})-(\d{2})-(\d{2})"
_MONTH = r"(\d{4})-(\d{2})"
_PATTERNS = {
    "dates": re.compile(rf"{_DATE}:{_DATE}"),
    "months": re.compile(rf"{_MONTH}:{_MONTH}"),
    "month": re.compile(_MONTH),
    "quarter": re.compile(r"(\d{4})-[Qq]([1-4])"),
    "half": re.compile(r"(\d{4})-[Hh]([12])"),
    "year": re.compile(r"(\d{4})"),
}

Month = tuple[int, int]  # (year, month)


@dataclass(frozen=True)
class Period:
    """Two days, both included; ``start <= end``."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Number of days in the period, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def iso(self) -> str:
        """``START:END`` in ISO dates, the form the command line accepts."""
        return f"{self.start.isoformat()}:{self.end.isoformat()}"

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.iso


# --- calendars -------------------------------------------------------------------------------


def _check_calendar(calendar: str) -> None:
    if calendar not in CALENDARS:
        raise PeriodError(
            f"Lịch kỳ báo cáo không hợp lệ: {calendar!r}; dùng 'calendar' hoặc 'cutoff14'",
            calendar=calendar,
        )


def _shift_month(month: Month, by: int) -> Month:
    index = month[0] * 12 + month[1] - 1 + by
    return index // 12, index % 12 + 1


def _month_start(month: Month, calendar: str) -> date:
    if calendar == "cutoff14":
        year, mon = _shift_month(month, -1)
        return date(year, mon, CUTOFF_DAY + 1)
    return date(month[0], month[1], 1)


def _month_end(month: Month, calendar: str) -> date:
    if calendar == "cutoff14":
        return date(month[0], month[1], CUTOFF_DAY)
    return _month_start(_shift_month(month, 1), calendar) - timedelta(days=1)


def _month_of(day: date, calendar: str) -> Month:
    """The (year, month) of the calendar's month that holds ``day``."""
    if calendar == "cutoff14" and day.day > CUTOFF_DAY:
        return _shift_month((day.year, day.month), 1)
    return day.year, day.month


def months_period(first: Month, last: Month, calendar: str = "calendar") -> Period:
    """The whole months ``first`` .. ``last`` (both included) of ``calendar``."""
    _check_calendar(calendar)
    return Period(_month_start(first, calendar), _month_end(last, calendar))


def whole_months(period: Period, calendar: str = "calendar") -> tuple[Month, Month] | None:
    """The first and last month when ``period`` is a run of whole months of ``calendar``."""
    _check_calendar(calendar)
    first, last = _month_of(period.start, calendar), _month_of(period.end, calendar)
    if period.start == _month_start(first, calendar) and period.end == _month_end(last, calendar):
        return first, last
    return None


# --- parsing ---------------------------------------------------------------------------------


def parse_period(text: str, calendar: str = "calendar") -> Period:
    """The period that ``text`` names (any form of docs/interfaces.md § Periods), in ``calendar``.

    Raises PeriodError with one line naming the text and the accepted forms.
    """
    _check_calendar(calendar)
    cleaned = str(text).strip()
    for form, pattern in _PATTERNS.items():
        match = pattern.fullmatch(cleaned)
        if match:
            numbers = [int(group) for group in match.groups()]
            try:
                period = _BUILDERS[form](numbers, calendar)
            except ValueError as exc:
                raise _period_error(text, "ngày tháng không tồn tại") from exc
            if period.start > period.end:
                raise _period_error(text, "ngày bắt đầu sau ngày kết thúc")
            return period
    raise _period_error(text, "không đúng dạng")


def _period_error(text: str, why: str) -> PeriodError:
    return PeriodError(f"Kỳ báo cáo không hợp lệ: {text!r} ({why}); {FORMS_HINT}", period=text)


def _months(first: Month, last: Month, calendar: str) -> Period:
    for _, mon in (first, last):
        if not 1 <= mon <= 12:
            raise ValueError(f"month {mon}")
    return months_period(first, last, calendar)


_BUILDERS = {
    "dates": lambda n, cal: Period(date(n[0], n[1], n[2]), date(n[3], n[4], n[5])),
    "months": lambda n, cal: _months((n[0], n[1]), (n[2], n[3]), cal),
    "month": lambda n, cal: _months((n[0], n[1]), (n[0], n[1]), cal),
    "quarter": lambda n, cal: _months((n[0], 3 * n[1] - 2), (n[0], 3 * n[1]), cal),
    "half": lambda n, cal: _months((n[0], 6 * n[1] - 5), (n[0], 6 * n[1]), cal),
    "year": lambda n, cal: _months((n[0], 1), (n[0], 12), cal),
}


# --- Vietnamese wording ----------------------------------------------------------------------


def label_vi(period: Period, calendar: str = "calendar") -> str:
    """The period named as a Vietnamese report names it.

    "tháng 10 năm 2023", "quý III năm 2023", "6 tháng đầu năm 2023", "6 tháng cuối năm 2023",
    "năm 2023"; from the year's start to any day of month M (2..12) "M tháng năm 2023" (M = 6:
    "6 tháng đầu năm 2023"), as the reference names 01/01-30/10 "10 tháng năm 2023";
    anything else "từ ngày 05/01/2023 đến ngày 20/02/2023".
    """
    months = whole_months(period, calendar)
    label = _label_whole_months(*months) if months else None
    return label or _label_year_to_date(period, calendar) or _label_dates(period)


def _label_whole_months(first: Month, last: Month) -> str | None:
    year = first[0]
    span = (first[1], last[1]) if last[0] == year else None
    if span is None:
        return None
    if span[0] == span[1]:
        return f"tháng {span[0]} năm {year}"
    if span == (1, 12):
        return f"năm {year}"
    if span[1] - span[0] == 2 and span[0] % 3 == 1:
        return f"quý {ROMAN[span[1] // 3]} năm {year}"
    if span == (7, 12):
        return f"6 tháng cuối năm {year}"
    if span[0] == 1:
        return _label_months_of_year(span[1], year)
    return None


def _label_year_to_date(period: Period, calendar: str) -> str | None:
    year, month = _month_of(period.end, calendar)
    starts_year = period.start == _month_start((year, 1), calendar)
    if starts_year and month >= 2:
        return _label_months_of_year(month, year)
    return None


def _label_months_of_year(month: int, year: int) -> str:
    if month == 6:
        return f"6 tháng đầu năm {year}"
    return f"{month} tháng năm {year}"


def _label_dates(period: Period) -> str:
    return f"từ ngày {_dmy(period.start)} đến ngày {_dmy(period.end)}"


def range_vi(period: Period) -> str:
    """ "từ ngày 01/01/2023 đến hết ngày 30/10/2023"."""
    return f"từ ngày {_dmy(period.start)} đến hết ngày {_dmy(period.end)}"


def _dmy(day: date) -> str:
    # Kept here rather than imported from formatting so periods has no Babel dependency.
    return day.strftime("%d/%m/%Y")


# --- neighbouring periods --------------------------------------------------------------------


def previous_period(period: Period, calendar: str = "calendar") -> Period:
    """The period of the same length immediately before ``period``.

    A run of whole months (a month, quarter, half-year, year) gives the same number of whole
    months before it (Q3 -> Q2, February -> January); any other period the same number of days.
    """
    months = whole_months(period, calendar)
    if months:
        first, last = months
        count = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
        return months_period(_shift_month(first, -count), _shift_month(last, -count), calendar)
    end = period.start - timedelta(days=1)
    return Period(end - timedelta(days=period.days - 1), end)


def same_period_last_year(period: Period, calendar: str = "calendar") -> Period:
    """The same period a year earlier: whole months stay whole months (February 2024 ->
    1-28/02/2023, and back to 29/02 the other way), 29 February becomes 28 February."""
    months = whole_months(period, calendar)
    if months:
        return months_period(*(_shift_month(m, -12) for m in months), calendar)
    return Period(_year_earlier(period.start), _year_earlier(period.end))


def _year_earlier(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


# A report compares with the period before and the same period a year earlier, and looks a
# day past the end; the calendar of `datetime` stops at years 1 and 9999.
REPORTABLE_YEARS = (2, 9998)


def check_reportable(period: Period) -> Period:
    """`period` when a report can cover it, else a PeriodError of one line."""
    low, high = REPORTABLE_YEARS
    if period.start.year < low or period.end.year > high:
        raise PeriodError(
            f"Kỳ báo cáo {period.iso} nằm ngoài các năm {low:04d}–{high}: báo cáo cần so sánh "
            "với kỳ trước và cùng kỳ năm trước; hãy chọn kỳ trong khoảng đó.", period=period.iso)
    return period
