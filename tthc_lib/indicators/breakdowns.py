"""The dossier counts of a unit and scope broken down by field (lĩnh vực and level of
procedure) or by calendar month, on the structure of the period's end (or `as_of`).

Each breakdown is one SQL statement over every active unit and scope; the per-unit functions
are that statement filtered to one (unit, scope), so the two cannot disagree:

- ``indicators_by_field_all(con, start, end, scopes, as_of)`` -> {(unit, scope): frame};
  ``indicators_by_field(con, start, end, unit, scope, as_of)`` -> that frame (empty when the
  unit has no dossier in any field).
- ``indicators_by_month_all`` / ``indicators_by_month``: every month of the period, each month
  clipped to the period and counted as a period of its own (zeros included).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from tthc_lib.indicators.flags import (
    UNKNOWN_COUNTS,
    DOSSIER_COUNTS,
    SCOPES,
    channel_unknown_sum,
    dossier_flags,
    scoped_sql,
)
from tthc_lib.indicators.rates import add_rates
from tthc_lib.store.structure import sql_date, structure_ctes

_ALL_SCOPES = SCOPES


def _scoped(scopes: tuple[str, ...]) -> str:
    return scoped_sql(scopes, empty_communes=False)


def _where(one: bool) -> str:
    return "WHERE s.unit = $unit AND s.scope = $scope" if one else ""


def _by_field_sql(start: date, end: date, as_of: date, scopes, one: bool) -> str:
    s, e = sql_date(start), sql_date(end)
    counts = (*DOSSIER_COUNTS, *UNKNOWN_COUNTS)     # the last: see flags.CHANNEL_FIGURES
    summed = ", ".join(f"SUM(p.{c})::BIGINT AS {c}" for c in counts)
    return f"""{structure_ctes(sql_date(as_of))},
    per_member AS (
        SELECT cf.active_code AS unit_code, r.field, r.level,
               {", ".join(f"SUM(r.{c})::BIGINT AS {c}" for c in counts)}
        FROM (SELECT d.unit_code, COALESCE(pr.field, '') AS field, pr.level,
                     {dossier_flags(s, e)}, {channel_unknown_sum(s, e)}
              FROM dossiers d LEFT JOIN procedures pr USING (procedure_code)
              GROUP BY ALL) r
        JOIN counted_for cf ON cf.unit_code = r.unit_code
        GROUP BY ALL
    ),
    scoped(unit, scope, member) AS ({_scoped(scopes)})
    SELECT s.unit, s.scope, p.field, p.level, {summed}
    FROM scoped s JOIN per_member p ON p.unit_code = s.member
    {_where(one)}
    GROUP BY s.unit, s.scope, p.field, p.level
    HAVING SUM(p.received_total) > 0
    ORDER BY s.unit, s.scope, received_total DESC, p.field, p.level
    """


def _by_month_sql(start: date, end: date, as_of: date, scopes, one: bool) -> str:
    s, e = start.isoformat(), end.isoformat()
    summed = ", ".join(f"COALESCE(SUM(p.{c}), 0)::BIGINT AS {c}" for c in DOSSIER_COUNTS)
    return f"""{structure_ctes(sql_date(as_of))},
    months AS (
        SELECT m::DATE AS month,
               greatest(m::DATE, DATE '{s}') AS m_start,
               least((m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE, DATE '{e}') AS m_end
        FROM range(date_trunc('month', DATE '{s}'), DATE '{e}' + INTERVAL 1 DAY,
                   INTERVAL 1 MONTH) t(m)
    ),
    per_member AS (
        SELECT cf.active_code AS unit_code, r.month,
               {", ".join(f"SUM(r.{c})::BIGINT AS {c}" for c in DOSSIER_COUNTS)}
        FROM (SELECT d.unit_code, m.month, {dossier_flags('m.m_start', 'm.m_end')}
              FROM months m
              JOIN dossiers d ON d.received_date <= m.m_end
                             AND (d.closed_date IS NULL OR d.closed_date >= m.m_start)
              LEFT JOIN procedures pr ON pr.procedure_code = d.procedure_code
              GROUP BY d.unit_code, m.month) r
        JOIN counted_for cf ON cf.unit_code = r.unit_code
        GROUP BY ALL
    ),
    scoped(unit, scope, member) AS ({_scoped(scopes)})
    SELECT s.unit, s.scope, m.month, {summed}
    FROM scoped s CROSS JOIN months m
    LEFT JOIN per_member p ON p.unit_code = s.member AND p.month = m.month
    {_where(one)}
    GROUP BY s.unit, s.scope, m.month
    ORDER BY s.unit, s.scope, m.month
    """


def _split(df: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    return {(unit, scope): add_rates(part.drop(columns=["unit", "scope"]))
            for (unit, scope), part in df.groupby(["unit", "scope"], sort=False)}


def _months(df: pd.DataFrame) -> pd.DataFrame:
    df["month"] = pd.to_datetime(df["month"]).dt.date
    return df


def indicators_by_field_all(con, start: date, end: date, scopes: tuple[str, ...] = _ALL_SCOPES,
                            as_of: date | None = None) -> dict[tuple[str, str], pd.DataFrame]:
    """{(unit, scope): indicators_by_field's frame} for every active unit and scope in one
    query; a (unit, scope) without dossiers in any field is absent."""
    return _split(con.execute(_by_field_sql(start, end, as_of or end, scopes, False)).df())


def indicators_by_field(con, start: date, end: date, unit: str, scope: str = "unit",
                        as_of: date | None = None) -> pd.DataFrame:
    """The dossier counts of (unit, scope) per field (lĩnh vực) and level of procedure."""
    sql = _by_field_sql(start, end, as_of or end, (scope,), True)
    df = con.execute(sql, {"unit": unit, "scope": scope}).df()
    return add_rates(df.drop(columns=["unit", "scope"]))


def indicators_by_month_all(con, start: date, end: date, scopes: tuple[str, ...] = _ALL_SCOPES,
                            as_of: date | None = None) -> dict[tuple[str, str], pd.DataFrame]:
    """{(unit, scope): indicators_by_month's frame} for every active unit and scope in one
    query; a roll-up scope without any unit of its kind below is absent."""
    return _split(_months(con.execute(_by_month_sql(start, end, as_of or end, scopes,
                                                    False)).df()))


def indicators_by_month(con, start: date, end: date, unit: str, scope: str = "unit",
                        as_of: date | None = None) -> pd.DataFrame:
    """The dossier counts of (unit, scope) for each calendar month of the period."""
    sql = _by_month_sql(start, end, as_of or end, (scope,), True)
    df = _months(con.execute(sql, {"unit": unit, "scope": scope}).df())
    return add_rates(df.drop(columns=["unit", "scope"]))
