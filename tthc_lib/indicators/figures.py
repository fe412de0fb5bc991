"""Every figure of indicators.md, for every unit and roll-up, in one pass of SQL over the store.

The dossier and feedback tables are each scanned once per query: records are flagged against
the period (local dates), summed per unit, and the per-unit sums are rolled up along the unit
tree (a closure table) into the `communes` and `total` scopes. Rates are computed from the
summed counts exactly (integer arithmetic), rounded to two decimals, halves away from zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from tthc_lib.errors import UnitError

DOSSIER_COUNTS = (
    "carried_over", "received_online", "received_offline", "received_in_period",
    "received_total", "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
    "closed_other", "pending_total", "pending_in_time", "pending_overdue",
    "dvc_eligible", "dvc_online", "digitised_on_receipt", "result_digitised",
)
FEEDBACK_COUNTS = (
    "feedback_received", "feedback_on_time", "feedback_late", "feedback_pending",
    "business_feedback_received", "business_feedback_on_time", "business_feedback_late",
    "business_feedback_pending",
)
COUNTS = DOSSIER_COUNTS + FEEDBACK_COUNTS

# rate name -> (numerator, denominator)
RATES = {
    "early_rate": ("resolved_early", "resolved_total"),
    "on_time_rate": ("resolved_on_time", "resolved_total"),
    "late_rate": ("resolved_late", "resolved_total"),
    "online_rate": ("received_online", "received_in_period"),
    "dvc_rate": ("dvc_online", "dvc_eligible"),
    "digitised_on_receipt_rate": ("digitised_on_receipt", "received_in_period"),
    "result_digitised_rate": ("result_digitised", "resolved_total"),
}

# (left, right...) : left must equal the sum of the right, for every unit and scope.
IDENTITIES = (
    ("received_total", "resolved_total", "closed_other", "pending_total"),
    ("received_total", "carried_over", "received_in_period"),
    ("received_in_period", "received_online", "received_offline"),
    ("resolved_total", "resolved_early", "resolved_on_time", "resolved_late"),
    ("pending_total", "pending_in_time", "pending_overdue"),
    ("feedback_received", "feedback_on_time", "feedback_late", "feedback_pending"),
    ("business_feedback_received", "business_feedback_on_time", "business_feedback_late",
     "business_feedback_pending"),
)

SCOPES = ("unit", "communes", "total")


def _dossier_flags(start: str, end: str) -> str:
    """SELECT list of 0/1 flags of one dossier `d` against a period [start, end] (SQL exprs)."""
    counted = (f"((d.received_date < {start} AND (d.closed_date IS NULL OR d.closed_date >= {start}))"
               f" OR d.received_date BETWEEN {start} AND {end})")
    rin = f"(d.received_date BETWEEN {start} AND {end})"
    resolved = f"({counted} AND d.status = 'resolved' AND d.closed_date BETWEEN {start} AND {end})"
    pending = f"({counted} AND (d.closed_date IS NULL OR d.closed_date > {end}))"
    flags = {
        "carried_over": f"d.received_date < {start} AND (d.closed_date IS NULL"
                        f" OR d.closed_date >= {start})",
        "received_online": f"{rin} AND d.channel = 'online'",
        "received_offline": f"{rin} AND d.channel IN ('in_person', 'post')",
        "received_in_period": rin,
        "received_total": counted,
        "resolved_total": resolved,
        "resolved_early": f"{resolved} AND d.closed_date < d.due_date",
        "resolved_on_time": f"{resolved} AND d.closed_date = d.due_date",
        "resolved_late": f"{resolved} AND d.closed_date > d.due_date",
        "closed_other": f"{counted} AND d.status IN ('withdrawn', 'returned')"
                        f" AND d.closed_date BETWEEN {start} AND {end}",
        "pending_total": pending,
        "pending_in_time": f"{pending} AND d.due_date >= {end}",
        "pending_overdue": f"{pending} AND d.due_date < {end}",
        "dvc_eligible": f"{rin} AND pr.online_service = 'full'",
        "dvc_online": f"{rin} AND pr.online_service = 'full' AND d.channel = 'online'",
        "digitised_on_receipt": f"{rin} AND d.digitised_on_receipt",
        "result_digitised": f"{resolved} AND d.result_digitised",
    }
    return ",\n".join(f"SUM(CASE WHEN {expr} THEN 1 ELSE 0 END)::BIGINT AS {name}"
                      for name, expr in flags.items())


def _feedback_flags(start: str, end: str) -> str:
    parts = []
    for prefix, topic in (("feedback", "regulation_or_conduct"),
                          ("business_feedback", "business_regulation")):
        rin = f"f.topic = '{topic}' AND f.received_date BETWEEN {start} AND {end}"
        handled = f"{rin} AND f.handled_date IS NOT NULL AND f.handled_date <= {end}"
        flags = {
            f"{prefix}_received": rin,
            f"{prefix}_on_time": f"{handled} AND f.handled_date <= f.due_date",
            f"{prefix}_late": f"{handled} AND f.handled_date > f.due_date",
            f"{prefix}_pending": f"{rin} AND (f.handled_date IS NULL OR f.handled_date > {end})",
        }
        parts += [f"SUM(CASE WHEN {e} THEN 1 ELSE 0 END)::BIGINT AS {n}" for n, e in flags.items()]
    return ",\n".join(parts)


# Unit tree as (ancestor, descendant, depth); depth 0 is the unit itself.
_CLOSURE = """
WITH RECURSIVE closure(ancestor, descendant, depth) AS (
    SELECT unit_code, unit_code, 0 FROM units
    UNION ALL
    SELECT c.ancestor, u.unit_code, c.depth + 1
    FROM closure c JOIN units u ON u.parent_code = c.descendant
    WHERE c.depth < 32
)
"""


def _per_unit_sql(start: str, end: str) -> str:
    """Per-unit sums of every count over the period (one scan of each table)."""
    zero_d = ", ".join(f"0::BIGINT AS {c}" for c in DOSSIER_COUNTS)
    zero_f = ", ".join(f"0::BIGINT AS {c}" for c in FEEDBACK_COUNTS)
    summed = ", ".join(f"SUM({c})::BIGINT AS {c}" for c in COUNTS)
    return f"""
    SELECT unit_code, {summed} FROM (
        SELECT d.unit_code, {_dossier_flags(start, end)}, {zero_f}
        FROM dossiers d LEFT JOIN procedures pr USING (procedure_code)
        GROUP BY d.unit_code
        UNION ALL
        SELECT f.unit_code, {zero_d}, {_feedback_flags(start, end)}
        FROM feedback f GROUP BY f.unit_code
    ) GROUP BY unit_code
    """


@dataclass
class IndicatorResult:
    start: date
    end: date
    rows: pd.DataFrame
    procedures_published: dict
    findings: list[dict] = field(default_factory=list)

    def row(self, unit: str, scope: str = "unit") -> pd.Series | None:
        hit = self.rows[(self.rows["unit"] == unit) & (self.rows["scope"] == scope)]
        return None if hit.empty else hit.iloc[0]

    def to_json_obj(self) -> dict:
        records = []
        for rec in self.rows.to_dict(orient="records"):
            out = {"unit": rec["unit"], "scope": rec["scope"]}
            out.update({c: int(rec[c]) for c in COUNTS})
            out.update({r: (None if pd.isna(rec[r]) else float(rec[r])) for r in RATES})
            records.append(out)
        return {
            "period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "rows": records,
            "procedures_published": self.procedures_published,
            "findings": self.findings,
        }


def exact_rate(num, den) -> pd.Series:
    """100 * num / den rounded to 2 decimals, halves away from zero, exactly; NaN when den == 0."""
    num = pd.Series(num, dtype="int64").reset_index(drop=True)
    den = pd.Series(den, dtype="int64").reset_index(drop=True)
    safe = den.where(den != 0, 1)
    hundredths = (num * 20000 + safe) // (2 * safe)  # counts are >= 0: half up = away from zero
    return (hundredths / 100).where(den != 0)


def add_rates(df: pd.DataFrame) -> pd.DataFrame:
    df = df.reset_index(drop=True)
    for name, (num, den) in RATES.items():
        df[name] = exact_rate(df[num], df[den]).astype(object).where(df[den] != 0, None)
    return df


def _sql_date(d: date) -> str:
    return f"DATE '{d.isoformat()}'"


def compute_indicators(con, start: date, end: date,
                       units: list[str] | None = None) -> IndicatorResult:
    """Every figure for every unit (scope `unit`) and, for units with children, `communes`
    and `total`; optionally only the given units' rows."""
    s, e = _sql_date(start), _sql_date(end)
    counts = ", ".join(f"COALESCE(SUM(p.{c}), 0)::BIGINT AS {c}" for c in COUNTS)
    sql = f"""
    {_CLOSURE}, per_unit AS ({_per_unit_sql(s, e)}),
    scoped AS (
        SELECT c.ancestor AS unit, 'unit' AS scope, c.descendant AS member FROM closure c
            WHERE c.depth = 0
        UNION ALL
        SELECT c.ancestor, 'communes', c.descendant FROM closure c
            JOIN units m ON m.unit_code = c.descendant
            WHERE c.depth > 0 AND m.level = 'commune'
              AND c.ancestor IN (SELECT parent_code FROM units WHERE parent_code IS NOT NULL)
        UNION ALL
        SELECT c.ancestor, 'total', c.descendant FROM closure c
            WHERE c.ancestor IN (SELECT parent_code FROM units WHERE parent_code IS NOT NULL)
    )
    SELECT s.unit, s.scope, u.unit_name, u.kind, u.level, u.parent_code, {counts}
    FROM scoped s JOIN units u ON u.unit_code = s.unit
    LEFT JOIN per_unit p ON p.unit_code = s.member
    GROUP BY s.unit, s.scope, u.unit_name, u.kind, u.level, u.parent_code
    """
    rows = con.execute(sql).df()
    if units:
        missing = sorted(set(units) - set(rows["unit"]))
        if missing:
            raise UnitError(f"Không có đơn vị {', '.join(missing)} trong danh mục đơn vị "
                            "(cần mã đơn vị đã nạp, xem tệp danh mục đơn vị).", units=missing)
        rows = rows[rows["unit"].isin(units)]
    rows = _ordered(con, rows)
    rows = add_rates(rows)
    return IndicatorResult(start, end, rows, procedures_published(con, start, end),
                           check_identities(rows))


def _ordered(con, rows: pd.DataFrame) -> pd.DataFrame:
    """Registry order: parents before children, then by name; scopes unit, communes, total."""
    order = con.execute(f"""{_CLOSURE}
        SELECT u.unit_code, max(c.depth) AS depth FROM units u
        JOIN closure c ON c.descendant = u.unit_code GROUP BY u.unit_code""").df()
    depth = dict(zip(order["unit_code"], order["depth"]))
    rows = rows.assign(_depth=rows["unit"].map(depth),
                       _scope=rows["scope"].map({s: i for i, s in enumerate(SCOPES)}))
    rows = rows.sort_values(["_depth", "unit", "_scope"], kind="stable")
    return rows.drop(columns=["_depth", "_scope"]).reset_index(drop=True)


def procedures_published(con, start: date, end: date) -> dict:
    """Changes with a decision date in the period, by level and change type."""
    out = {lvl: {"new": 0, "amended": 0, "abolished": 0} for lvl in ("district", "commune")}
    for level, change, n in con.execute(
        "SELECT level, change, count(*) FROM changes WHERE decision_date BETWEEN ? AND ? "
        "GROUP BY level, change", [start, end]).fetchall():
        out.setdefault(level, {"new": 0, "amended": 0, "abolished": 0})[change] = int(n)
    return out


def check_identities(rows: pd.DataFrame) -> list[dict]:
    """A finding for every identity of indicators.md that fails on any row."""
    findings = []
    for left, *right in IDENTITIES:
        total = rows[list(right)].sum(axis=1)
        bad = rows[rows[left] != total]
        for _, r in bad.iterrows():
            findings.append({"unit": r["unit"], "scope": r["scope"], "identity":
                             f"{left} = {' + '.join(right)}", "left": int(r[left]),
                             "right": int(total[_])})
    return findings


def _members_sql(scope: str) -> str:
    """The unit codes whose dossiers make up (unit, scope); one `?` parameter, the unit.
    Needs the closure CTE in the statement."""
    if scope == "unit":
        return "SELECT ?::VARCHAR"
    cond = "AND m.level = 'commune' AND c.depth > 0" if scope == "communes" else ""
    return ("SELECT c.descendant FROM closure c JOIN units m ON m.unit_code = c.descendant"
            f" WHERE c.ancestor = ? {cond}")


def indicators_by_field(con, start: date, end: date, unit: str,
                        scope: str = "unit") -> pd.DataFrame:
    """The dossier counts of (unit, scope) per field (lĩnh vực) and level of procedure."""
    s, e = _sql_date(start), _sql_date(end)
    sql = f"""{_CLOSURE}
    SELECT COALESCE(pr.field, '') AS field, pr.level, {_dossier_flags(s, e)}
    FROM dossiers d LEFT JOIN procedures pr USING (procedure_code)
    WHERE d.unit_code IN ({_members_sql(scope)})
    GROUP BY ALL ORDER BY received_total DESC, field
    """
    df = con.execute(sql, [unit]).df()
    return add_rates(df[df["received_total"] > 0])


def indicators_by_month(con, start: date, end: date, unit: str,
                        scope: str = "unit") -> pd.DataFrame:
    """The dossier counts of (unit, scope) for each calendar month of the period, each month
    clipped to the period and counted as a period of its own."""
    sql = f"""{_CLOSURE},
    months AS (
        SELECT m::DATE AS month,
               greatest(m::DATE, DATE '{start.isoformat()}') AS m_start,
               least((m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE, DATE '{end.isoformat()}')
                   AS m_end
        FROM range(date_trunc('month', DATE '{start.isoformat()}'),
                   DATE '{end.isoformat()}' + INTERVAL 1 DAY, INTERVAL 1 MONTH) t(m)
    )
    SELECT m.month, {_dossier_flags('m.m_start', 'm.m_end')}
    FROM months m
    LEFT JOIN (SELECT * FROM dossiers WHERE unit_code IN ({_members_sql(scope)})) d
        ON d.received_date <= m.m_end AND (d.closed_date IS NULL OR d.closed_date >= m.m_start)
    LEFT JOIN procedures pr ON pr.procedure_code = d.procedure_code
    GROUP BY m.month ORDER BY m.month
    """
    df = con.execute(sql, [unit]).df()
    df["month"] = pd.to_datetime(df["month"]).dt.date
    return add_rates(df)


# ---- every unit at once (a report batch slices these instead of querying per unit) ----------

def _scoped_sql(scopes: tuple[str, ...]) -> str:
    """(unit, scope, member) for every unit and each of `scopes`, members as in
    _members_sql. Needs the closure CTE in the statement."""
    parts = {
        "unit": "SELECT ancestor, 'unit', descendant FROM closure WHERE depth = 0",
        "communes": "SELECT c.ancestor, 'communes', c.descendant FROM closure c"
                    " JOIN units m ON m.unit_code = c.descendant"
                    " WHERE m.level = 'commune' AND c.depth > 0",
        "total": "SELECT ancestor, 'total', descendant FROM closure",
    }
    return "\nUNION ALL\n".join(parts[s] for s in scopes)


def _split(df: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    return {(unit, scope): add_rates(part.drop(columns=["unit", "scope"]))
            for (unit, scope), part in df.groupby(["unit", "scope"], sort=False)}


def indicators_by_field_all(con, start: date, end: date,
                            scopes: tuple[str, ...] = SCOPES) -> dict[tuple[str, str], pd.DataFrame]:
    """indicators_by_field for every registered unit and scope in one query: {(unit, scope):
    the frame indicators_by_field returns}; a (unit, scope) without dossiers in any field is
    absent. Each member unit's sums are computed once and added up along the unit tree."""
    s, e = _sql_date(start), _sql_date(end)
    summed = ", ".join(f"SUM(p.{c})::BIGINT AS {c}" for c in DOSSIER_COUNTS)
    sql = f"""{_CLOSURE},
    per_member AS (
        SELECT d.unit_code, COALESCE(pr.field, '') AS field, pr.level, {_dossier_flags(s, e)}
        FROM dossiers d LEFT JOIN procedures pr USING (procedure_code)
        GROUP BY ALL
    ),
    scoped(unit, scope, member) AS ({_scoped_sql(scopes)})
    SELECT s.unit, s.scope, p.field, p.level, {summed}
    FROM scoped s JOIN per_member p ON p.unit_code = s.member
    GROUP BY s.unit, s.scope, p.field, p.level
    HAVING SUM(p.received_total) > 0
    ORDER BY s.unit, s.scope, received_total DESC, p.field, p.level
    """
    return _split(con.execute(sql).df())


def indicators_by_month_all(con, start: date, end: date,
                            scopes: tuple[str, ...] = SCOPES) -> dict[tuple[str, str], pd.DataFrame]:
    """indicators_by_month for every registered unit and scope in one query: {(unit, scope):
    the frame indicators_by_month returns} (every month of the period, zeros included); a
    'communes' scope without any commune below is absent."""
    s, e = start.isoformat(), end.isoformat()
    summed = ", ".join(f"COALESCE(SUM(p.{c}), 0)::BIGINT AS {c}" for c in DOSSIER_COUNTS)
    sql = f"""{_CLOSURE},
    months AS (
        SELECT m::DATE AS month,
               greatest(m::DATE, DATE '{s}') AS m_start,
               least((m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE, DATE '{e}') AS m_end
        FROM range(date_trunc('month', DATE '{s}'), DATE '{e}' + INTERVAL 1 DAY,
                   INTERVAL 1 MONTH) t(m)
    ),
    per_member AS (
        SELECT d.unit_code, m.month, {_dossier_flags('m.m_start', 'm.m_end')}
        FROM months m
        JOIN dossiers d
            ON d.received_date <= m.m_end AND (d.closed_date IS NULL OR d.closed_date >= m.m_start)
        LEFT JOIN procedures pr ON pr.procedure_code = d.procedure_code
        GROUP BY d.unit_code, m.month
    ),
    scoped(unit, scope, member) AS ({_scoped_sql(scopes)})
    SELECT s.unit, s.scope, m.month, {summed}
    FROM scoped s CROSS JOIN months m
    LEFT JOIN per_member p ON p.unit_code = s.member AND p.month = m.month
    GROUP BY s.unit, s.scope, m.month
    ORDER BY s.unit, s.scope, m.month
    """
    df = con.execute(sql).df()
    df["month"] = pd.to_datetime(df["month"]).dt.date
    return _split(df)
