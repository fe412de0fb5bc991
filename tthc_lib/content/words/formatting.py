"""Numbers, percentages and dates as Vietnamese official documents write them.

Separators come from Babel's ``vi`` locale (``13.372``, ``85,7%``). Rates are computed from
the counts exactly and rounded half away from zero on exact decimals, never on binary floats:
Babel itself rounds half to even, so it only ever formats a number already rounded here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from babel.numbers import format_decimal, format_percent

from tthc_lib.indicators.flags import (CHANNEL_FIGURES, CHANNEL_UNKNOWN, CLOSING_FIGURES,
                                       CLOSING_UNKNOWN, DIGITISATION_FIGURES,
                                       DIGITISATION_UNKNOWN, FEEDBACK_COUNTS, FEEDBACK_UNKNOWN)
from tthc_lib.indicators.rates import rate  # the one definition, re-exported

__all__ = ["NO_DATA", "fmt_count", "fmt_date", "fmt_date_legal", "fmt_date_long", "fmt_decimal",
           "fmt_int", "fmt_pct", "fmt_percent", "nfc", "rate", "round_half_away", "unavailable"]

LOCALE = "vi"
# Enough digits that a quotient can never be mistaken for a tie at any places we round to.
_PRECISION = 60

Number = int | Decimal | Fraction | float | str


NO_DATA = "không có số liệu"


def unavailable(values: Mapping, key: str) -> bool:
    """Whether figure `key` of a row of figures is not available: it needs the channel and
    dossiers counted there came from an export without a channel column; or it is what stood
    open on a date and dossiers counted there were resolved on a date the export does not give;
    or it is a digitisation figure and dossiers counted there came without those columns; or
    it is a feedback figure and no feedback export was loaded."""
    for names, count in ((CHANNEL_FIGURES, CHANNEL_UNKNOWN), (CLOSING_FIGURES, CLOSING_UNKNOWN),
                         (DIGITISATION_FIGURES, DIGITISATION_UNKNOWN),
                         (FEEDBACK_COUNTS, FEEDBACK_UNKNOWN)):
        if key in names and int(values.get(count, 0) or 0) > 0:
            return True
    return False


def nfc(text: str) -> str:
    """``text`` in Unicode NFC, the form every user-facing string takes."""
    return unicodedata.normalize("NFC", text)


def fmt_int(n: int) -> str:
    """An integer with the Vietnamese thousands separator: 13372 -> "13.372"."""
    return format_decimal(int(n), format="#,##0", locale=LOCALE)


def round_half_away(x: Number, places: int) -> Decimal:
    """``x`` rounded to ``places`` decimals, halves away from zero, on exact decimals.

    A float is read as its shortest repr (2.675 -> 2.68, where ``round`` gives 2.67); a
    Fraction is rounded exactly.
    """
    if isinstance(x, Fraction):
        return _round_fraction(x, places)
    value = Decimal(repr(x)) if isinstance(x, float) else Decimal(x)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _round_fraction(x: Fraction, places: int) -> Decimal:
    scaled = abs(x) * 10**places
    units = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    return Decimal(-units if x < 0 else units).scaleb(-places)


def _pattern(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


def fmt_decimal(x: Number, places: int) -> str:
    """``x`` rounded half away from zero to ``places`` decimals: 98.305 -> "98,31"."""
    return format_decimal(round_half_away(x, places), format=_pattern(places), locale=LOCALE)


def fmt_percent(x: Number | None, places: int = 1, undefined: str | None = None) -> str | None:
    """A value already in percent (85.73, a Decimal or an exact Fraction) as Vietnamese writes
    it, rounded half away from zero: 85.73 -> "85,7%"; None -> ``undefined``. The one percent
    formatter of the package (Babel's ``format_percent``): every other goes through it."""
    if x is None:
        return undefined
    rounded = round_half_away(x, places)
    return format_percent(rounded / 100, format=_pattern(places) + "%", locale=LOCALE)


def fmt_pct(num: int, den: int, places: int = 1) -> str | None:
    """``num / den`` as a Vietnamese percentage: (10049, 11722) -> "85,7%"; None when den is 0."""
    if int(den) == 0:
        return None
    return fmt_percent(Fraction(int(num) * 100, int(den)), places)


def fmt_count(n: int, zero: str | None = "không", pad: bool = True) -> str:
    """A count as the reference writes it in prose: 7 -> "07" (when ``pad``), 13372 -> "13.372",
    0 -> ``zero`` ("không"; None writes the digit "0")."""
    n = int(n)
    if n == 0 and zero is not None:
        return zero
    if pad and 0 < n < 10:
        return f"0{n}"
    return fmt_int(n)


def fmt_date(d: date) -> str:
    """ "30/10/2023"."""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def nd30_day_month(d: date) -> tuple[str, str]:
    """The day and month as Nghị định 30/2020/NĐ-CP writes them in a date: days below 10 and
    months 1 and 2 take a leading zero ("05", "01"; "28", "4"). The one definition of that rule."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"{d.day:02d}", month


def fmt_date_long(d: date) -> str:
    """ "ngày 30 tháng 10 năm 2023" ("ngày 05 tháng 01 năm 2023", "ngày 28 tháng 4 năm 2023")."""
    day, month = nd30_day_month(d)
    return f"ngày {day} tháng {month} năm {d.year}"


def fmt_date_legal(d: date) -> str:
    """ "01/7/2025", "01/01/2025": a date cited in a legal sentence, zeros as Nghị định 30."""
    day, month = nd30_day_month(d)
    return f"{day}/{month}/{d.year}"
