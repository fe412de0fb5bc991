"""Properties of figures on a structure, for any generated registry and successions: every
counted record counts for exactly one active unit (the one an independent walk finds), the
roll-ups add up, `as_of = end` is the default, and per-unit queries are slices of the
all-units ones."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tthc_lib.indicators.figures import (
    COUNTS,
    compute_indicators,
    indicators_by_field,
    indicators_by_field_all,
    indicators_by_month,
    indicators_by_month_all,
)
from tthc_lib.store.connection import DDL

START, END = date(2025, 1, 1), date(2025, 12, 31)
DATES = [date(2025, 3, 1), date(2025, 7, 1), date(2026, 1, 1)]
AS_OF = [date(2025, 6, 30), date(2025, 7, 1), END]
LEVEL_OF = {"province": "Tỉnh", "department": "Sở", "district": "Huyện", "commune": "Xã"}


@st.composite
def structures(draw):
    n = draw(st.integers(1, 9))
    units = []
    for i in range(n):
        kind = draw(st.sampled_from(sorted(LEVEL_OF)))
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        units.append({"code": f"U{i}", "kind": kind,
                      "parent": None if parent is None else f"U{parent}",
                      "established": draw(st.sampled_from([None, *DATES])),
                      "dossiers": draw(st.integers(0, 3))})
    successions = {}
    for i in range(n - 1):
        for j in draw(st.lists(st.integers(i + 1, n - 1), max_size=2, unique=True)):
            successions[(f"U{i}", f"U{j}")] = {"date": draw(st.sampled_from(DATES)),
                                               "takes": False}
        mine = [k for k in successions if k[0] == f"U{i}"]
        if mine and draw(st.booleans()):
            successions[draw(st.sampled_from(mine))]["takes"] = True
    return units, successions, draw(st.sampled_from(AS_OF))


def _store(units, successions):
    con = duckdb.connect()
    con.execute(DDL)
    for u in units:
        level = "province" if u["kind"] == "department" else u["kind"]
        role = "department" if u["kind"] == "department" else "territory"
        con.execute("INSERT INTO units VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [u["code"], "Đơn vị " + u["code"], LEVEL_OF[u["kind"]], level, u["parent"],
                     role, u["established"]])
        for k in range(u["dossiers"]):
            con.execute("""INSERT INTO dossiers (dossier_id, unit_code, procedure_code, channel,
                status, received_at, due_at, closed_at, received_date, due_date, closed_date,
                digitised_on_receipt, result_digitised) VALUES (?, ?, 'P', 'online', 'resolved',
                TIMESTAMPTZ '2025-02-01 08:00:00+07', TIMESTAMPTZ '2025-02-05 08:00:00+07',
                TIMESTAMPTZ '2025-02-02 08:00:00+07', DATE '2025-02-01', DATE '2025-02-05',
                DATE '2025-02-02', true, false)""", [f"{u['code']}-{k}", u["code"]])
    for (old, new), s in successions.items():
        con.execute("INSERT INTO successions VALUES (?, ?, ?, 'part', ?, NULL)",
                    [old, new, s["date"], s["takes"]])
    con.execute("INSERT INTO procedures VALUES ('P', 'Thủ tục', 'Hộ tịch', 'commune', 'full')")
    return con


def _expected(units, successions, as_of):
    """An independent walk: each unit's active target, each active unit's parent."""
    by_code = {u["code"]: u for u in units}
    heir = {old: new for (old, new), s in successions.items() if s["takes"] and s["date"] <= as_of}

    def active(code):
        est = by_code[code]["established"]
        return (est is None or est <= as_of) and code not in heir

    def target(code):
        while code in heir:
            code = heir[code]
        return code if active(code) else None

    parent = {}
    for u in units:
        if active(u["code"]):
            p = target(u["parent"]) if u["parent"] else None
            parent[u["code"]] = None if p == u["code"] else p
    looped = set()
    for code in list(parent):  # a unit on a loop of effective parents is a root
        seen, cur = set(), parent[code]
        while cur is not None and cur not in seen and cur != code:
            seen.add(cur)
            cur = parent[cur]
        if cur == code:
            looped.add(code)
    parent = {c: (None if c in looped else p) for c, p in parent.items()}
    own = {c: 0 for c in parent}
    for u in units:
        t = target(u["code"])
        if t is not None:
            own[t] += u["dossiers"]
    return parent, own


def _descendants(parent, code):
    out, frontier = [], [code]
    while frontier:
        kids = [c for c, p in parent.items() if p in frontier]
        out += kids
        frontier = kids
    return out


@pytest.mark.integration  # a long property run (make test-fast leaves it out)
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(structures())
def test_every_record_counts_once_and_roll_ups_add_up(case):
    units, successions, as_of = case
    con = _store(units, successions)
    parent, own = _expected(units, successions, as_of)
    result = compute_indicators(con, START, END, as_of=as_of)
    rows = {(r["unit"], r["scope"]): r for r in result.rows.to_dict("records")}
    assert {u for u, s in rows if s == "unit"} == set(parent)
    assert {u: int(rows[u, "unit"]["received_total"]) for u in parent} == own
    assert {u: None if pd.isna(p := rows[u, "unit"]["parent_code"]) else p for u in parent} == \
        parent
    levels = {u["code"]: u["kind"] for u in units}
    for code in parent:
        below = _descendants(parent, code)
        if not below:
            assert (code, "total") not in rows and (code, "communes") not in rows
            continue
        assert rows[code, "total"]["received_total"] == own[code] + sum(own[c] for c in below)
        for scope, kind in (("communes", "commune"), ("districts", "district"),
                            ("departments", "department")):
            members = [c for c in below if levels[c] == kind]
            if members or scope == "communes":
                assert rows[code, scope]["received_total"] == sum(own[c] for c in members)
            else:
                assert (code, scope) not in rows
    assert [f for f in result.findings if "identity" in f] == []
    counted = sum(own.values())
    roots = [c for c, p in parent.items() if p is None]
    assert sum(rows[c, "total" if (c, "total") in rows else "unit"]["received_total"]
               for c in roots) == counted
    con.close()


@pytest.mark.integration  # a long property run (make test-fast leaves it out)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(structures())
def test_as_of_end_is_the_default_and_per_unit_queries_are_slices(case):
    units, successions, _ = case
    con = _store(units, successions)
    full = compute_indicators(con, START, END)
    pd.testing.assert_frame_equal(full.rows, compute_indicators(con, START, END, as_of=END).rows)
    by_field = indicators_by_field_all(con, START, END)
    by_month = indicators_by_month_all(con, START, END)
    pairs = list(full.rows[["unit", "scope"]].itertuples(index=False))
    for unit, scope in pairs[::max(1, len(pairs) // 4)]:  # a few slices of each kind
        one = compute_indicators(con, START, END, units=[unit]).rows
        mine = full.rows[full.rows["unit"] == unit].reset_index(drop=True)
        pd.testing.assert_frame_equal(one.reset_index(drop=True), mine)
        field = indicators_by_field(con, START, END, unit, scope)
        if (unit, scope) in by_field:
            pd.testing.assert_frame_equal(field, by_field[unit, scope], check_dtype=False)
        else:
            assert field.empty
        month = indicators_by_month(con, START, END, unit, scope)
        if (unit, scope) in by_month:
            pd.testing.assert_frame_equal(month, by_month[unit, scope], check_dtype=False)
        else:
            assert month.empty
    for c in COUNTS:
        assert (full.rows[c] >= 0).all()
    con.close()
