"""The dossiers of the abolished district level still counted in a unit's own figures.

Districts ceased on 1/7/2025 and their records went to their province
(docs/structure.md): a province's own row for a later period then holds the old district
level's dossiers still received, resolved or pending in it. A report an official signs states
the province's own figures as its own and the old district level's apart, named as such —
with Biểu 06's definition and words: the dossiers of procedures of the district level (`Cấp
huyện`), "Cấp huyện (đã kết thúc hoạt động từ ngày 01/7/2025)". The two parts add up to the
own row, count by count; a period ending before 1/7/2025, or one without such dossiers, is not
split.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from tthc_lib.content.forms.form06 import DISTRICTS_ABOLISHED, DISTRICTS_ABOLISHED_LABEL
from tthc_lib.indicators.flags import CHANNEL_FIGURES, CHANNEL_UNKNOWN, COUNTS, DOSSIER_COUNTS
from tthc_lib.indicators.rates import RATES, add_rates

__all__ = ["DISTRICTS_ABOLISHED_WORDS", "abolished_districts_part", "report_parts"]

# "cấp huyện (đã kết thúc hoạt động từ ngày 01/7/2025)": Biểu 06's section name inside a
# sentence ("Tại cấp huyện (…):").
DISTRICTS_ABOLISHED_WORDS = DISTRICTS_ABOLISHED_LABEL[:1].lower() + DISTRICTS_ABOLISHED_LABEL[1:]

_SPLIT = (*DOSSIER_COUNTS, CHANNEL_UNKNOWN)


def abolished_districts_part(own: pd.Series | None, by_field: pd.DataFrame,
                             end: date) -> tuple[pd.Series, pd.Series] | None:
    """(the unit's own figures without the old district level's dossiers, those dossiers'
    figures), both rows like `own` with their rates; None when the period ends before
    1/7/2025 or no dossier of a district-level procedure counts in `own`. `by_field`: the
    unit's `indicators_by_field` frame of scope `unit` (Biểu 06's)."""
    if own is None or end < DISTRICTS_ABOLISHED or by_field.empty:
        return None
    district = by_field[by_field["level"] == "district"]
    if district.empty or int(district["received_total"].sum()) == 0:
        return None
    part = own.copy()
    for name in COUNTS:
        part[name] = int(district[name].sum()) if name in _SPLIT else 0
    rest = own.copy()
    for name in _SPLIT:
        rest[name] = int(own[name]) - int(part[name])
    rows = add_rates(pd.DataFrame([rest, part]))
    for name in (n for n in CHANNEL_FIGURES if n in RATES):
        rows[name] = rows[name].where(rows[CHANNEL_UNKNOWN] == 0, None)
    return rows.iloc[0], rows.iloc[1]


def report_parts(own_label: str, own: pd.Series, rollups: list, by_field: pd.DataFrame,
                 end: date) -> list[tuple[str | None, str, pd.Series]]:
    """(narrative scope, label, row) of each "Tại …:" part of a unit with units below it:
    its own, then its roll-ups (`rollups`: (scope, label, row) in the report's order); when
    the old district level's dossiers count in its own row, they are taken out of it and
    given after the departments and districts, before the communes, as Biểu 06 orders its
    sections (scope None: no analyst's words are kept for them)."""
    split = abolished_districts_part(own, by_field, end)
    if split is None:
        return [("unit", own_label, own), *rollups]
    rest, part = split
    above = [r for r in rollups if r[0] in ("departments", "districts")]
    below = [r for r in rollups if r[0] not in ("departments", "districts")]
    return [("unit", own_label, rest), *above, (None, DISTRICTS_ABOLISHED_WORDS, part), *below]
