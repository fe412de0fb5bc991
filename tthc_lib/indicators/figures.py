"""Every figure of docs/indicators.md, for every active unit and roll-up, in one pass of SQL.

The structure is that of the period's last day, or of `as_of` (store/structure.py): records
follow data-taking successions to the active unit they count for, parents run through ceased
units, and only active units get rows. Dossiers and feedback are each scanned once: flagged
against the period (local dates), summed per record unit, carried to their active unit and
rolled up along the closure into the scopes below. Rates come from indicators/rates.py.

API (the report side and scripts use these):

- ``compute_indicators(con, start, end, units=None, as_of=None) -> IndicatorResult``:
  ``rows`` (one per unit and scope: unit, scope, unit_name, kind, level, role, parent_code
  (effective), every count, every rate), ``procedures_published`` ({level: {change: n}}),
  ``findings`` (identity failures; records received before their unit's Ngày thành lập).
  A per-unit query is a slice of the all-units one (`units=`).
- Scopes (SCOPES): ``unit``; for a unit with units below it ``communes`` and ``total``
  always, ``departments`` (province-level bodies below) and ``districts`` where present.
- ``indicators_by_field`` / ``indicators_by_month`` (and their ``_all`` forms):
  indicators/breakdowns.py, re-exported here.
- The structure itself (effective parents, predecessors): tthc_lib.store.structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from tthc_lib.errors import UnitError
from tthc_lib.indicators.flags import (
    CHANNEL_FIGURES,
    CHANNEL_UNKNOWN,
    CLOSING_ESTIMATED,
    CLOSING_FIGURES,
    CLOSING_UNKNOWN,
    DIGITISATION_FIGURES,
    DIGITISATION_UNKNOWN,
    FEEDBACK_COUNTS,
    FEEDBACK_UNKNOWN,
    UNKNOWN_COUNTS,
    COUNTS,
    DOSSIER_COUNTS,
    FEEDBACK_COUNTS,
    IDENTITIES,
    SCOPES,
    per_member_sql,
    scoped_sql,
)
from tthc_lib.indicators.rates import RATE_PARTS, RATES, add_rates, exact_rate
from tthc_lib.store.structure import sql_date, structure_ctes


@dataclass
class IndicatorResult:
    start: date
    end: date
    rows: pd.DataFrame
    procedures_published: dict | None      # None: no publication export loaded
    findings: list[dict] = field(default_factory=list)
    # (unit, scope) -> figures not available there (an export without a channel column)
    unavailable: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def available(self, unit: str, scope: str, name: str) -> bool:
        """Whether figure `name` of (unit, scope) is known ("không có số liệu" if not)."""
        return name not in self.unavailable.get((unit, scope), ())

    def shown_rows(self) -> pd.DataFrame:
        """`rows` with every figure that is not available empty (CSV and table output)."""
        out = self.rows.drop(columns=[*UNKNOWN_COUNTS, FEEDBACK_UNKNOWN], errors="ignore")
        out = out.astype({c: object for c in (*CHANNEL_FIGURES, *CLOSING_FIGURES,
                                              *DIGITISATION_FIGURES, *FEEDBACK_COUNTS)})
        for i, key in enumerate(zip(out["unit"], out["scope"])):
            for name in self.unavailable.get(key, ()):
                out.iat[i, out.columns.get_loc(name)] = None
        return out

    def row(self, unit: str, scope: str = "unit") -> pd.Series | None:
        """The first row of (unit, scope), or None; found through a position index of
        `rows`, built on first use (a report asks for rows dozens of times)."""
        index = self.__dict__.get("_positions")
        if index is None or index[0] is not self.rows or index[1] != len(self.rows):
            positions: dict = {}
            for i, key in enumerate(zip(self.rows["unit"], self.rows["scope"])):
                positions.setdefault(key, i)
            index = self.__dict__["_positions"] = (self.rows, len(self.rows), positions)
        position = index[2].get((unit, scope))
        return None if position is None else self.rows.iloc[position]

    def to_json_obj(self) -> dict:
        records = []
        for rec in self.rows.to_dict(orient="records"):
            out = {"unit": rec["unit"], "scope": rec["scope"]}
            out.update({c: int(rec[c]) for c in COUNTS})
            out.update({r: (None if pd.isna(rec[r]) else float(rec[r])) for r in RATES})
            out.update({n: None for n in self.unavailable.get((rec["unit"], rec["scope"]), ())})
            records.append(out)
        return {
            "period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "rows": records,
            "procedures_published": self.procedures_published,
            "findings": self.findings,
        }


def compute_indicators(con, start: date, end: date, units: list[str] | None = None,
                       as_of: date | None = None) -> IndicatorResult:
    """Every figure for every unit active on `as_of` (default: `end`), scope `unit`, and the
    roll-ups of units with units below them; optionally only the given units' rows."""
    as_of = as_of or end
    s, e = sql_date(start), sql_date(end)
    counts = ", ".join(f"COALESCE(SUM(p.{c}), 0)::BIGINT AS {c}"
                       for c in (*COUNTS, *UNKNOWN_COUNTS))
    sql = f"""{structure_ctes(sql_date(as_of))},
    per_member AS ({per_member_sql(s, e)}),
    scoped(unit, scope, member) AS ({scoped_sql()}),
    depth AS (SELECT descendant AS unit_code, max(depth) AS depth FROM closure GROUP BY ALL)
    SELECT s.unit, s.scope, u.unit_name, u.kind, u.level, u.role, u.parent_code, {counts}
    FROM scoped s JOIN structure u ON u.unit_code = s.unit
    JOIN depth USING (unit_code)
    LEFT JOIN per_member p ON p.unit_code = s.member
    GROUP BY s.unit, s.scope, u.unit_name, u.kind, u.level, u.role, u.parent_code, depth.depth
    ORDER BY depth.depth, s.unit, list_position({list(SCOPES)}, s.scope)
    """
    rows = con.execute(sql).df()
    if units:
        _check_units(con, units, set(rows["unit"]), as_of)
        rows = rows[rows["unit"].isin(units)]
    rows = add_rates(rows)
    feedback_loaded = _loaded(con, "feedback")
    rows[FEEDBACK_UNKNOWN] = 0 if feedback_loaded else 1
    unavailable = _unavailable(rows)         # the unknown counts are kept: content reads them
    findings = (check_identities(rows, unavailable) + before_established(con, end, units)
                + columns_missing(con) + closing_estimated(rows) if unavailable else
                check_identities(rows) + before_established(con, end, units))
    if not feedback_loaded:
        findings.append({"finding": "feedback_not_loaded"})
    # Before any publication (công bố TTHC) export is loaded, what was published is not known.
    published = procedures_published(con, start, end) if _loaded(con, "changes") else None
    if published is None:
        findings.append({"finding": "changes_not_loaded"})
    return IndicatorResult(start, end, rows, published, findings, unavailable)


def _loaded(con, kind: str) -> bool:
    """Whether any export of `kind` was ever loaded into the store."""
    return con.execute("SELECT count(*) FROM loads WHERE kind = ?", [kind]).fetchone()[0] > 0


def _unavailable(rows: pd.DataFrame) -> dict[tuple[str, str], tuple[str, ...]]:
    """(unit, scope) -> the figures it cannot give: the online figures where a dossier has no
    channel, what stood open on a date where a dossier's closing date is unknown. Rates among
    them are emptied in `rows`."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for count, names in ((CHANNEL_UNKNOWN, CHANNEL_FIGURES), (CLOSING_UNKNOWN, CLOSING_FIGURES),
                         (DIGITISATION_UNKNOWN, DIGITISATION_FIGURES),
                         (FEEDBACK_UNKNOWN, FEEDBACK_COUNTS)):
        unknown = rows[count]
        for unit, scope, n in zip(rows["unit"], rows["scope"], unknown):
            if n > 0:
                out[(unit, scope)] = out.get((unit, scope), ()) + names
        for rate_name in (n for n in names if n in RATES):
            rows[rate_name] = rows[rate_name].where(unknown == 0, None)
    return out


def closing_estimated(rows: pd.DataFrame) -> list[dict]:
    """A finding per unit whose resolved dossiers include some counted on the earliest date
    they can have been resolved on, their closing date unknown and their window reaching
    past the period (flags.EARLIEST_CLOSING): its resolved figures are estimates."""
    own = rows[(rows["scope"] == "unit") & (rows[CLOSING_ESTIMATED] > 0)]
    return [{"finding": "closing_estimated", "unit": unit, "count": int(n)}
            for unit, n in zip(own["unit"], own[CLOSING_ESTIMATED])]


def columns_missing(con) -> list[dict]:
    """A finding per loaded file that lacked a required column (a source profile's `lacks`):
    the figures that need it are not available."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() "
                       "WHERE table_name = 'load_gaps'").fetchall()[0][0]:
        return []
    return [{"finding": "column_missing", "file": file, "kind": kind, "column": column}
            for file, kind, column in con.execute(
                "SELECT file, kind, column_name FROM load_gaps ORDER BY file, column_name"
            ).fetchall()]


def _check_units(con, units: list[str], active: set[str], as_of: date) -> None:
    missing = sorted(set(units) - active)
    if not missing:
        return
    known = {u for (u,) in con.execute("SELECT unit_code FROM units").fetchall()}
    ceased = [u for u in missing if u in known]
    if ceased:
        raise UnitError(f"Đơn vị {', '.join(ceased)} không hoạt động vào ngày "
                        f"{as_of:%d/%m/%Y} (chưa thành lập hoặc đã sắp xếp vào đơn vị khác); "
                        "số liệu của nó được tính cho đơn vị kế thừa.", units=ceased)
    raise UnitError(f"Không có đơn vị {', '.join(missing)} trong danh mục đơn vị "
                    "(cần mã đơn vị đã nạp, xem tệp danh mục đơn vị).", units=missing)


def before_established(con, end: date, units: list[str] | None = None) -> list[dict]:
    """A finding per unit with records received before its own Ngày thành lập (on or
    before `end`): how many dossiers and feedback records, and the date."""
    rows = con.execute("""
        WITH early AS (
            SELECT unit_code, count(*) AS n, 'dossiers' AS what FROM dossiers d
            JOIN units u USING (unit_code)
            WHERE d.received_date < u.established AND d.received_date <= $end GROUP BY ALL
            UNION ALL
            SELECT unit_code, count(*), 'feedback' FROM feedback f JOIN units u USING (unit_code)
            WHERE f.received_date < u.established AND f.received_date <= $end GROUP BY ALL
        )
        SELECT u.unit_code, u.established,
               coalesce(sum(n) FILTER (WHERE what = 'dossiers'), 0),
               coalesce(sum(n) FILTER (WHERE what = 'feedback'), 0)
        FROM early JOIN units u USING (unit_code) GROUP BY ALL ORDER BY u.unit_code""",
                       {"end": end}).fetchall()
    return [{"unit": code, "finding": "received_before_established",
             "established": est.isoformat(), "dossiers": int(nd), "feedback": int(nf)}
            for code, est, nd, nf in rows
            if (nd or nf) and (not units or code in units)]


def procedures_published(con, start: date, end: date) -> dict:
    """Changes with a decision date in the period, by level and change type; `district`
    and `commune` always, `province` when a province-level record is in the period."""
    out = {lvl: {"new": 0, "amended": 0, "abolished": 0} for lvl in ("district", "commune")}
    for level, change, n in con.execute(
        "SELECT level, change, count(*) FROM changes WHERE decision_date BETWEEN ? AND ? "
        "GROUP BY level, change ORDER BY level", [start, end]).fetchall():
        out.setdefault(level, {"new": 0, "amended": 0, "abolished": 0})[change] = int(n)
    return out


def check_identities(rows: pd.DataFrame, unavailable: dict | None = None) -> list[dict]:
    """A finding for every identity (docs/indicators.md § Identities) that fails on any row (an
    identity with a figure not available on a row is not checked there)."""
    findings = []
    for left, *right in IDENTITIES:
        total = rows[list(right)].sum(axis=1)
        bad = rows[rows[left] != total]
        for _, r in bad.iterrows():
            gone = (unavailable or {}).get((r["unit"], r["scope"]), ())
            if gone and {left, *right} & set(gone):
                continue
            findings.append({"unit": r["unit"], "scope": r["scope"], "identity":
                             f"{left} = {' + '.join(right)}", "left": int(r[left]),
                             "right": int(total[_])})
    return findings


from tthc_lib.indicators.breakdowns import (
    indicators_by_field,
    indicators_by_field_all,
    indicators_by_month,
    indicators_by_month_all,
)

__all__ = ["COUNTS", "DOSSIER_COUNTS", "FEEDBACK_COUNTS", "IDENTITIES", "RATES", "RATE_PARTS",
           "SCOPES", "IndicatorResult", "add_rates", "compute_indicators", "exact_rate",
           "indicators_by_field", "indicators_by_field_all", "indicators_by_month",
           "indicators_by_month_all", "procedures_published", "scoped_sql"]
