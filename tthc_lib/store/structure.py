"""The administrative structure on a date (docs/structure.md), as SQL over the stored registry and
successions: the one definition of the unit tree and its closure.

Use:

- ``structure_ctes(as_of)``: the text of a ``WITH RECURSIVE`` clause (without a final SELECT)
  defining, for the date ``as_of`` (a SQL date expression, e.g. ``DATE '2025-12-31'``):

  - ``heir(old_code, new_code)``: the data-taking successions effective on or before it;
  - ``counted_for(unit_code, active_code, steps)``: for every registered unit whose records
    count somewhere, the active unit they count for (itself when active), reached by
    following ``heir`` as many steps as there are; a unit not yet established, or whose
    chain ends at one, has no row (its records count for no unit);
  - ``structure(unit_code, unit_name, kind, level, role, established, parent_code)``: the
    active units, each with its effective parent (its registry parent, or where that
    parent's data-taking successions lead when the parent is no longer active; NULL for a
    root);
  - ``closure(ancestor, descendant, depth)``: the active tree, depth 0 being the unit itself.

  Append more CTEs with ``", name AS (...)"`` and end with a SELECT.
- ``unit_structure(con, as_of)``: the ``structure`` rows as a DataFrame, with ``depth``
  (0 for a root), parents before children.
- ``record_units(con, unit, scope, as_of)``: the registered codes whose records make up
  (unit, scope), predecessors included.
- ``predecessors(con, as_of)``: for each active unit, the successions that lead into it
  (directly or through ceased units): who its predecessors are, on what basis and date, and
  whether their records are counted here, in full when a split predecessor's.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

__all__ = ["SCOPE_MEMBERS", "has_units_below", "inactive_unit_reason", "predecessors", "sql_date",
           "structure_ctes", "unit_structure"]

if TYPE_CHECKING:  # pandas is imported where a frame is made: planning a batch needs none
    import pandas as pd

# The units each roll-up scope sums, as a condition on the member `m` (a `structure` row).
SCOPE_MEMBERS = {
    "departments": "m.level = 'province' AND m.role = 'department'",
    "districts": "m.level = 'district'",
    "communes": "m.level = 'commune'",
}

# The longest chain walked (successions, parents); real ones are a few steps.
MAX_STEPS = 256


def sql_date(d: date | str) -> str:
    """A date as a SQL literal."""
    return f"DATE '{d.isoformat() if isinstance(d, date) else d}'"


def structure_ctes(as_of: str) -> str:
    """The WITH RECURSIVE clause of the structure on `as_of` (a SQL date expression)."""
    return f"""
WITH RECURSIVE
heir AS (
    SELECT old_code, new_code FROM successions WHERE takes_data AND effective_date <= {as_of}
),
chain(unit_code, cur, steps) AS (
    SELECT unit_code, unit_code, 0 FROM units
    UNION ALL
    SELECT c.unit_code, h.new_code, c.steps + 1 FROM chain c JOIN heir h ON h.old_code = c.cur
    WHERE c.steps < {MAX_STEPS}
),
active AS (
    SELECT * FROM units
    WHERE (established IS NULL OR established <= {as_of})
      AND unit_code NOT IN (SELECT old_code FROM heir)
),
counted_for AS (
    SELECT c.unit_code, c.cur AS active_code, c.steps FROM chain c
    WHERE c.cur IN (SELECT unit_code FROM active)
),
parent0 AS (
    SELECT a.unit_code,
           CASE WHEN p.active_code <> a.unit_code THEN p.active_code END AS parent
    FROM active a LEFT JOIN counted_for p ON p.unit_code = a.parent_code
),
up(unit_code, cur, steps) AS (
    SELECT unit_code, parent, 1 FROM parent0 WHERE parent IS NOT NULL
    UNION ALL
    SELECT u.unit_code, p.parent, u.steps + 1 FROM up u JOIN parent0 p ON p.unit_code = u.cur
    WHERE p.parent IS NOT NULL AND u.cur <> u.unit_code AND u.steps < {MAX_STEPS}
),
structure AS (
    SELECT a.unit_code, a.unit_name, a.kind, a.level, a.role, a.established,
           CASE WHEN a.unit_code IN (SELECT unit_code FROM up WHERE cur = unit_code)
                THEN NULL ELSE p.parent END AS parent_code
    FROM active a JOIN parent0 p USING (unit_code)
),
closure(ancestor, descendant, depth) AS (
    SELECT unit_code, unit_code, 0 FROM structure
    UNION ALL
    SELECT c.ancestor, s.unit_code, c.depth + 1
    FROM closure c JOIN structure s ON s.parent_code = c.descendant
    WHERE c.depth < {MAX_STEPS}
)"""


def unit_structure(con, as_of: date) -> pd.DataFrame:
    """The active units on `as_of` with their effective parent and depth, parents first."""
    out = con.execute(f"""{structure_ctes(sql_date(as_of))}
        SELECT s.*, (SELECT max(depth) FROM closure c WHERE c.descendant = s.unit_code) AS depth
        FROM structure s ORDER BY depth, unit_code""").df()
    return _dates(out, "established")


def _dates(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """`column` as datetime.date values (None where empty), as the store holds them."""
    import pandas as pd

    df[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in df[column]]
    return df


def record_units(con, unit: str, scope: str, as_of: date) -> list[str]:
    """The registered unit codes whose records make up (unit, scope) on the structure of
    `as_of`: the active units of the scope and every unit whose records count for them."""
    cond = "c.depth = 0" if scope == "unit" else (
        "TRUE" if scope == "total" else f"c.depth > 0 AND {SCOPE_MEMBERS[scope]}")
    rows = con.execute(f"""{structure_ctes(sql_date(as_of))}
        SELECT cf.unit_code FROM closure c JOIN structure m ON m.unit_code = c.descendant
        JOIN counted_for cf ON cf.active_code = c.descendant
        WHERE c.ancestor = $unit AND {cond} ORDER BY cf.unit_code""", {"unit": unit}).fetchall()
    return [u for (u,) in rows]


def predecessors(con, as_of: date) -> pd.DataFrame:
    """Every succession effective on or before `as_of` that leads into an active unit.

    One row per (unit, succession row): ``unit`` (the active unit), ``old_code``,
    ``old_name``, ``old_kind``, ``new_code`` (the direct successor, ``unit`` itself or a
    ceased unit between), ``effective_date``, ``scope`` (whole | part), ``basis`` (may be
    NULL), ``records_here`` (the old unit's records count for ``unit``), ``split`` (the old
    unit went to several new units), ``in_full`` (split, and all its records are counted
    here), ``steps`` (1 = a direct predecessor). Ordered by unit, date, old code.
    A unit that only gave territory (``records_here`` false) still exists on its own.
    """
    out = con.execute(f"""{structure_ctes(sql_date(as_of))},
    leads AS (
        SELECT cf.active_code AS unit, cf.unit_code AS via, cf.steps FROM counted_for cf
    ),
    parts AS (
        SELECT old_code, count(*) AS n FROM successions
        WHERE effective_date <= {sql_date(as_of)} GROUP BY old_code
    )
    SELECT i.unit, s.old_code, o.unit_name AS old_name, o.kind AS old_kind, s.new_code,
           s.effective_date, s.scope, s.basis,
           coalesce(cf.active_code = i.unit, false) AS records_here,
           p.n > 1 AS split,
           p.n > 1 AND coalesce(cf.active_code = i.unit, false) AS in_full,
           i.steps + 1 AS steps
    FROM successions s
    JOIN leads i ON i.via = s.new_code
    JOIN units o ON o.unit_code = s.old_code
    JOIN parts p ON p.old_code = s.old_code
    LEFT JOIN counted_for cf ON cf.unit_code = s.old_code
    WHERE s.effective_date <= {sql_date(as_of)}
    ORDER BY i.unit, s.effective_date, s.old_code""").df()
    return _dates(out, "effective_date")


def inactive_unit_reason(con, unit: str, as_of: date) -> str | None:
    """Why `unit` has no report on the structure of `as_of`, in one Vietnamese line naming
    its successor (or its date of establishment); None when it is active or unknown."""
    row = con.execute(f"""{structure_ctes(sql_date(as_of))}
        SELECT u.unit_name, u.established, cf.active_code, a.unit_name,
               (SELECT min(effective_date) FROM successions s
                WHERE s.old_code = u.unit_code AND s.takes_data)
        FROM units u LEFT JOIN counted_for cf ON cf.unit_code = u.unit_code
        LEFT JOIN units a ON a.unit_code = cf.active_code
        WHERE u.unit_code = $unit""", {"unit": unit}).fetchone()
    if row is None:
        return None
    name, established, heir, heir_name, ceased = row
    if heir == unit:
        return None
    if heir is not None:
        old = f"{name} cũ" if name == heir_name else name
        return (f"Đơn vị {unit} ({old}) đã sắp xếp vào {heir} ({heir_name}) từ ngày "
                f"{ceased:%d/%m/%Y}: báo cáo kỳ này lập cho {heir}.")
    if established is not None and established > as_of:
        return (f"Đơn vị {unit} ({name}) thành lập ngày {established:%d/%m/%Y}, sau ngày cuối "
                f"kỳ {as_of:%d/%m/%Y}: chưa có báo cáo cho kỳ này.")
    return f"Đơn vị {unit} ({name}) không còn hoạt động ngày {as_of:%d/%m/%Y}."


def has_units_below(con, unit: str, as_of: date) -> bool:
    """Whether `unit` has any unit below it in the structure of `as_of`."""
    row = con.execute(f"""{structure_ctes(sql_date(as_of))}
        SELECT count(*) FROM closure WHERE ancestor = $unit AND depth > 0""",
                      {"unit": unit}).fetchone()
    return bool(row[0])
