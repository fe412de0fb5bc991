"""Indicators of docs/indicators.md at their boundaries, and their identities for any data."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tthc_lib.indicators.figures import (
    COUNTS,
    compute_indicators,
    indicators_by_field,
    indicators_by_month,
)
from tthc_lib.store.connection import connect

START, END = date(2023, 1, 1), date(2023, 10, 30)
LOCAL = timezone(timedelta(hours=7))


def _units(con):
    con.execute("""INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES
        ('C', 'Thành phố X', 'Thành phố', 'district', NULL),
        ('W1', 'Phường A', 'Phường', 'commune', 'C'),
        ('W2', 'Xã B', 'Xã', 'commune', 'C'),
        ('W3', 'Phường Trống', 'Phường', 'commune', 'C')""")
    con.execute("""INSERT INTO procedures VALUES
        ('P1', 'Đăng ký khai sinh', 'Hộ tịch', 'commune', 'full'),
        ('P2', 'Cấp giấy chứng nhận', 'Đất đai', 'district', 'partial'),
        ('P3', 'Chứng thực bản sao', 'Chứng thực', 'commune', 'none')""")
    # a feedback (PAKN) and a publication export were loaded, none of them here: known none
    con.execute("INSERT INTO loads VALUES (1, 'pakn.csv', '0', now(), 'feedback', 0, 0, 0, 0, 0)")
    con.execute("INSERT INTO loads VALUES (2, 'cong_bo.csv', '0', now(), 'changes', 0, 0, 0, 0, 0)")


def _dossier(con, did, unit, received, due, status="open", closed=None, channel="online",
             proc="P1", dig=False, res_dig=False):
    """Insert one dossier; instants are aware datetimes, local dates derived as ingest does."""
    con.execute(
        """INSERT INTO dossiers (dossier_id, unit_code, procedure_code, channel,
            status, received_at, due_at, closed_at, received_date, due_date, closed_date,
            digitised_on_receipt, result_digitised) VALUES (?, ?, ?, ?, ?, ?, ?, ?,
           timezone('Asia/Ho_Chi_Minh', ?::TIMESTAMPTZ)::DATE,
           timezone('Asia/Ho_Chi_Minh', ?::TIMESTAMPTZ)::DATE,
           timezone('Asia/Ho_Chi_Minh', ?::TIMESTAMPTZ)::DATE, ?, ?)""",
        [did, unit, proc, channel, status, received, due, closed, received, due, closed, dig,
         res_dig])


def local(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL)


@pytest.fixture
def store(con):
    _units(con)
    return con


def row(result, unit, scope="unit"):
    r = result.row(unit, scope)
    assert r is not None, (unit, scope)
    return r


def test_first_and_last_day_of_period_are_in(store):
    _dossier(store, "a", "W1", local(2023, 1, 1, 0, 0), local(2023, 1, 3))
    _dossier(store, "b", "W1", local(2023, 10, 30, 23, 59), local(2023, 11, 2))
    _dossier(store, "c", "W1", local(2023, 10, 31, 0, 0), local(2023, 11, 2))
    _dossier(store, "d", "W1", local(2022, 12, 31, 23, 59), local(2023, 1, 3),
             "resolved", local(2022, 12, 31, 23, 59))
    r = row(compute_indicators(store, START, END), "W1")
    assert (r.received_in_period, r.carried_over, r.received_total) == (2, 0, 2)


def test_midnight_utc_is_the_next_local_day(store):
    # 2022-12-31T17:30Z is 2023-01-01 00:30 in Hanoi: received in the period.
    _dossier(store, "utc", "W1", datetime(2022, 12, 31, 17, 30, tzinfo=timezone.utc),
             local(2023, 1, 5))
    # 2023-10-30T17:30Z is 2023-10-31 00:30 local: after the period.
    _dossier(store, "late", "W1", datetime(2023, 10, 30, 17, 30, tzinfo=timezone.utc),
             local(2023, 11, 5))
    r = row(compute_indicators(store, START, END), "W1")
    assert r.received_in_period == 1 and r.received_total == 1


def test_timeliness_by_local_date_of_closing_against_due(store):
    _dossier(store, "early", "W1", local(2023, 3, 1), local(2023, 3, 10, 17), "resolved",
             local(2023, 3, 9, 23, 59))
    _dossier(store, "ontime", "W1", local(2023, 3, 1), local(2023, 3, 10, 8), "resolved",
             local(2023, 3, 10, 23, 0))
    _dossier(store, "late", "W1", local(2023, 3, 1), local(2023, 3, 10, 17), "resolved",
             local(2023, 3, 11, 0, 0))
    r = row(compute_indicators(store, START, END), "W1")
    assert (r.resolved_early, r.resolved_on_time, r.resolved_late) == (1, 1, 1)
    assert (r.early_rate, r.on_time_rate, r.late_rate) == (33.33, 33.33, 33.33)


def test_due_on_the_last_day_pending_is_in_time(store):
    _dossier(store, "due_end", "W1", local(2023, 10, 20), local(2023, 10, 30, 17))
    _dossier(store, "due_before", "W1", local(2023, 10, 20), local(2023, 10, 29, 17))
    _dossier(store, "closed_after", "W1", local(2023, 10, 20), local(2023, 11, 3),
             "resolved", local(2023, 10, 31, 8))
    r = row(compute_indicators(store, START, END), "W1")
    assert (r.pending_total, r.pending_in_time, r.pending_overdue) == (3, 2, 1)
    assert r.resolved_total == 0 and r.early_rate is None


def test_carried_over_then_withdrawn(store):
    _dossier(store, "co", "W2", local(2022, 12, 20), local(2023, 1, 10), "withdrawn",
             local(2023, 1, 4), channel="in_person")
    r = row(compute_indicators(store, START, END), "W2")
    assert (r.carried_over, r.received_in_period, r.received_total) == (1, 0, 1)
    assert (r.closed_other, r.resolved_total, r.pending_total) == (1, 0, 0)


def test_unit_with_no_dossiers_has_zero_counts_and_undefined_rates(store):
    result = compute_indicators(store, START, END)
    r = row(result, "W3")
    assert all(int(r[c]) == 0 for c in COUNTS)
    assert r.early_rate is None and r.online_rate is None and r.dvc_rate is None
    assert result.findings == []


def test_before_any_feedback_export_is_loaded_feedback_is_not_known(con):
    _units(con)
    con.execute("DELETE FROM loads WHERE kind = 'feedback'")
    result = compute_indicators(con, START, END)
    assert result.findings == [{"finding": "feedback_not_loaded"}]   # publications: loaded
    shown = result.shown_rows()
    assert shown[["feedback_received", "feedback_on_time", "business_feedback_pending"]
                 ].isna().all().all()
    assert result.available("W1", "unit", "received_total")
    assert not result.available("W1", "unit", "feedback_received")


def test_rollups_add_counts_and_recompute_rates(store):
    _dossier(store, "c1", "C", local(2023, 2, 1), local(2023, 2, 5), "resolved",
             local(2023, 2, 2), proc="P2", channel="post")
    _dossier(store, "w1", "W1", local(2023, 2, 1), local(2023, 2, 5), "resolved",
             local(2023, 2, 6))
    _dossier(store, "w2", "W2", local(2023, 2, 1), local(2023, 2, 5), "resolved",
             local(2023, 2, 3), channel="in_person")
    result = compute_indicators(store, START, END)
    communes, total = row(result, "C", "communes"), row(result, "C", "total")
    assert (communes.received_total, communes.resolved_early, communes.resolved_late) == (2, 1, 1)
    assert (total.received_total, total.received_online, total.received_offline) == (3, 1, 2)
    assert total.online_rate == 33.33 and communes.dvc_rate == 50.0
    assert row(result, "W1").get("scope") == "unit"
    assert result.row("W1", "communes") is None  # no children, no roll-up


def test_rates_round_halves_away_from_zero_exactly(store):
    # 1/8 = 12.5% exactly; 2 decimals: 12.5. 1/16 = 6.25%, 1/32 = 3.125% -> 3.13.
    for i in range(32):
        _dossier(store, f"d{i}", "W1", local(2023, 5, 1), local(2023, 5, 10),
                 channel="online" if i == 0 else "in_person")
    assert row(compute_indicators(store, START, END), "W1").online_rate == 3.13


def test_feedback_counts_by_topic_and_handling(con):
    _units(con)
    con.execute("""INSERT INTO feedback VALUES
      ('f1','C','regulation_or_conduct','2023-02-01 08:00+07','2023-02-10 17:00+07','2023-02-10 20:00+07','2023-02-01','2023-02-10','2023-02-10'),
      ('f2','W1','regulation_or_conduct','2023-02-01 08:00+07','2023-02-10 17:00+07','2023-02-11 08:00+07','2023-02-01','2023-02-10','2023-02-11'),
      ('f3','W1','regulation_or_conduct','2023-10-25 08:00+07','2023-11-05 17:00+07','2023-11-01 08:00+07','2023-10-25','2023-11-05','2023-11-01'),
      ('f4','W1','regulation_or_conduct','2022-12-25 08:00+07','2023-01-05 17:00+07','2023-01-03 08:00+07','2022-12-25','2023-01-05','2023-01-03'),
      ('f5','W2','business_regulation','2023-03-01 08:00+07','2023-03-10 17:00+07',NULL,'2023-03-01','2023-03-10',NULL)""")
    result = compute_indicators(con, START, END)
    t = row(result, "C", "total")
    assert (t.feedback_received, t.feedback_on_time, t.feedback_late, t.feedback_pending) == (3, 1, 1, 1)
    assert (t.business_feedback_received, t.business_feedback_pending) == (1, 1)
    assert row(result, "C", "communes").feedback_received == 2


def test_procedures_published_by_level_and_change(con):
    con.execute("""INSERT INTO changes VALUES
      ('1/QĐ-UBND', '2023-01-01', 'P1', 'commune', 'new'),
      ('1/QĐ-UBND', '2023-01-01', 'P2', 'district', 'amended'),
      ('2/QĐ-UBND', '2023-10-31', 'P3', 'commune', 'abolished')""")
    # before any publication export is loaded, what was published is not known
    result = compute_indicators(con, START, END)
    assert result.procedures_published is None
    assert {"finding": "changes_not_loaded"} in result.findings
    con.execute("INSERT INTO loads VALUES (2, 'cong_bo.csv', '0', now(), 'changes', 3, 3, 0, 0, 0)")
    pub = compute_indicators(con, START, END).procedures_published
    assert pub == {"district": {"new": 0, "amended": 1, "abolished": 0},
                   "commune": {"new": 1, "amended": 0, "abolished": 0}}


def test_by_field_and_by_month_add_up_to_the_period(store):
    _dossier(store, "a", "W1", local(2023, 1, 15), local(2023, 1, 20), "resolved",
             local(2023, 2, 2), proc="P1")
    _dossier(store, "b", "W2", local(2023, 2, 15), local(2023, 2, 20), "resolved",
             local(2023, 2, 16), proc="P3")
    _dossier(store, "c", "C", local(2023, 3, 1), local(2023, 3, 5), proc="P2")
    fields = indicators_by_field(store, START, END, "C", "total")
    assert dict(zip(fields["field"], fields["received_total"])) == {
        "Hộ tịch": 1, "Chứng thực": 1, "Đất đai": 1}
    months = indicators_by_month(store, START, date(2023, 3, 31), "C", "communes")
    assert list(months["received_in_period"]) == [1, 1, 0]
    assert list(months["resolved_total"]) == [0, 2, 0]
    assert list(months["carried_over"]) == [0, 1, 0]


# ---- identities for any data (hypothesis) ----

day = st.dates(min_value=date(2022, 11, 1), max_value=date(2023, 12, 31))


@st.composite
def dossier_records(draw):
    received = draw(day)
    due = received + timedelta(days=draw(st.integers(0, 30)))
    status = draw(st.sampled_from(["open", "resolved", "withdrawn", "returned"]))
    closed = None if status == "open" else received + timedelta(days=draw(st.integers(0, 60)))
    return dict(unit=draw(st.sampled_from(["C", "W1", "W2", "W3"])), received=received, due=due,
                status=status, closed=closed,
                channel=draw(st.sampled_from(["online", "in_person", "post"])),
                proc=draw(st.sampled_from(["P1", "P2", "P3"])), dig=draw(st.booleans()),
                res_dig=draw(st.booleans()))


def _expected(records, units, start, end):
    """Indicators of docs/indicators.md computed record by record, independently of the SQL."""
    out = {u: dict.fromkeys(COUNTS, 0) for u in units}
    full = {"P1"}
    for r in records:
        o, rec, cl = out[r["unit"]], r["received"], r["closed"]
        rin = start <= rec <= end
        carried = rec < start and (cl is None or cl >= start)
        if not (rin or carried):
            continue
        o["carried_over"] += carried
        o["received_in_period"] += rin
        o["received_online"] += rin and r["channel"] == "online"
        o["received_offline"] += rin and r["channel"] != "online"
        o["received_total"] += 1
        closed_in = cl is not None and start <= cl <= end
        if r["status"] == "resolved" and closed_in:
            o["resolved_total"] += 1
            o["resolved_early"] += cl < r["due"]
            o["resolved_on_time"] += cl == r["due"]
            o["resolved_late"] += cl > r["due"]
            o["result_digitised"] += r["res_dig"]
        elif closed_in:
            o["closed_other"] += 1
        else:
            o["pending_total"] += 1
            o["pending_in_time"] += r["due"] >= end
            o["pending_overdue"] += r["due"] < end
        o["dvc_eligible"] += rin and r["proc"] in full
        o["dvc_online"] += rin and r["proc"] in full and r["channel"] == "online"
        o["digitised_on_receipt"] += rin and r["dig"]
    return out


@pytest.mark.integration  # a long property run (make test-fast leaves it out)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(dossier_records(), max_size=40),
       start=day, length=st.integers(0, 200))
def test_identities_and_independent_counts_for_any_data(tmp_path_factory, records, start, length):
    end = start + timedelta(days=length)
    con = connect(tmp_path_factory.mktemp("h") / "s.duckdb")
    try:
        _units(con)
        for i, r in enumerate(records):
            _dossier(con, f"d{i}", r["unit"], local(r["received"].year, r["received"].month,
                     r["received"].day), local(r["due"].year, r["due"].month, r["due"].day),
                     r["status"], None if r["closed"] is None else
                     local(r["closed"].year, r["closed"].month, r["closed"].day),
                     r["channel"], r["proc"], r["dig"], r["res_dig"])
        result = compute_indicators(con, start, end)
        assert result.findings == []
        expected = _expected(records, ["C", "W1", "W2", "W3"], start, end)
        for unit, counts in expected.items():
            got = row(result, unit)
            assert {c: int(got[c]) for c in counts if not c.startswith(("feedback", "business"))} \
                == {c: v for c, v in counts.items() if not c.startswith(("feedback", "business"))}
        total = row(result, "C", "total")
        for c in ("received_total", "resolved_total", "pending_total", "dvc_online"):
            assert int(total[c]) == sum(expected[u][c] for u in expected)
    finally:
        con.close()
