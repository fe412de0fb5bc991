"""The one definition of every rate (docs/indicators.md § Rates): which counts make it, and the
exact arithmetic. Tables, prose, the index and the JSON output all take their rates from here.

- RATE_PARTS: rate -> (numerator counts, denominator count); the rate is the sum of the
  numerators over the denominator, in percent. `timely_rate` (early + on time) is a rate
  tables show; it is not a column of `tthc indicators`.
- RATES: the rates of the machine-readable output, rate -> (numerator, denominator).
- rate(num, den): the exact percentage as a Decimal, None when den is 0 (undefined).
- exact_rate / add_rates: the same on pandas columns, rounded to two decimals, halves away
  from zero, computed on integers (never on a binary float).
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import TYPE_CHECKING

__all__ = ["RATES", "RATE_PARTS", "add_rates", "exact_rate", "rate", "rate_of"]

if TYPE_CHECKING:  # pandas is imported where a frame is made: the index page needs none
    import pandas as pd

RATE_PARTS: dict[str, tuple[tuple[str, ...], str]] = {
    "early_rate": (("resolved_early",), "resolved_total"),
    "on_time_rate": (("resolved_on_time",), "resolved_total"),
    "late_rate": (("resolved_late",), "resolved_total"),
    "timely_rate": (("resolved_early", "resolved_on_time"), "resolved_total"),
    "online_rate": (("received_online",), "received_in_period"),
    "dvc_rate": (("dvc_online",), "dvc_eligible"),
    "digitised_on_receipt_rate": (("digitised_on_receipt",), "received_in_period"),
    "result_digitised_rate": (("result_digitised",), "resolved_total"),
}

# The rates of `tthc indicators` (docs/indicators.md § Machine-readable output).
RATES: dict[str, tuple[str, str]] = {
    name: (nums[0], den) for name, (nums, den) in RATE_PARTS.items() if len(nums) == 1
}

# Enough digits that a quotient can never be mistaken for a tie at any places rounded to.
_PRECISION = 60


def rate(num: int, den: int) -> Decimal | None:
    """``num / den`` as a percentage (0-100), or None when ``den`` is 0.

    Exact when the quotient terminates (1/8 -> 12.5); otherwise correct to 60 significant
    digits, which no rounding to a few places can tell apart from the exact value.
    """
    if int(den) == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return Decimal(int(num)) * 100 / Decimal(int(den))


def rate_of(values, name: str) -> Decimal | None:
    """A named rate (RATE_PARTS) of a row of counts, unrounded; None when undefined."""
    nums, den = RATE_PARTS[name]
    return rate(sum(int(values[n]) for n in nums), values[den])


def exact_rate(num, den) -> pd.Series:
    """100 * num / den rounded to 2 decimals, halves away from zero, exactly; NaN when den == 0."""
    import pandas as pd

    num = pd.Series(num, dtype="int64").reset_index(drop=True)
    den = pd.Series(den, dtype="int64").reset_index(drop=True)
    safe = den.where(den != 0, 1)
    hundredths = (num * 20000 + safe) // (2 * safe)  # counts are >= 0: half up = away from zero
    return (hundredths / 100).where(den != 0)


def add_rates(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with a column per rate of RATES (None where undefined)."""
    df = df.reset_index(drop=True)
    for name, (num, den) in RATES.items():
        df[name] = exact_rate(df[num], df[den]).astype(object).where(df[den] != 0, None)
    return df
