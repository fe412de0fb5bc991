"""Report rows of a small city: counts, rows and the store they come from."""

from __future__ import annotations

import pandas as pd

COUNTS = (
    "carried_over", "received_online", "received_offline", "received_in_period",
    "received_total", "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
    "closed_other", "pending_total", "pending_in_time", "pending_overdue", "dvc_eligible",
    "dvc_online", "digitised_on_receipt", "result_digitised", "feedback_received",
    "feedback_on_time", "feedback_late", "feedback_pending", "business_feedback_received",
    "business_feedback_on_time", "business_feedback_late", "business_feedback_pending",
)
SCRIPT = "<script>alert(1)</script>"


def counts(carried=0, online=0, offline=0, early=0, on_time=0, late=0, other=0, **more):
    """A full set of counts obeying the identities of docs/indicators.md (pending = the rest)."""
    c = dict.fromkeys(COUNTS, 0)
    resolved = early + on_time + late
    c.update(carried_over=carried, received_online=online, received_offline=offline,
             received_in_period=online + offline, received_total=carried + online + offline,
             resolved_total=resolved, resolved_early=early, resolved_on_time=on_time,
             resolved_late=late, closed_other=other)
    c["pending_total"] = c["received_total"] - resolved - other
    c["pending_in_time"] = c["pending_total"]
    c.update(more)
    return c


def city_rows(units: dict | None = None) -> pd.DataFrame:
    """Rows of the contract for a city HD and its children, with both roll-ups."""
    units = units if units is not None else {
        ("HD", "Thành phố Hải Dương", "district", None): counts(
            896, 11009, 1467, 10049, 1261, 412, dvc_eligible=3752, dvc_online=3670,
            digitised_on_receipt=12265, result_digitised=11394, feedback_received=5,
            feedback_on_time=5),
        ("P01", "Phường Trần Hưng Đạo", "commune", "HD"): counts(
            10, 90, 10, 95, 4, 1, other=2, dvc_eligible=80, dvc_online=79,
            digitised_on_receipt=99, result_digitised=98, feedback_received=2,
            feedback_on_time=1, feedback_late=1, business_feedback_received=1,
            business_feedback_pending=1),
        ("X01", "Xã Tân Hưng", "commune", "HD"): counts(),
        ("P02", SCRIPT, "commune", "HD"): counts(0, 1, 1, 1, 1, 0, dvc_eligible=1,
                                                dvc_online=1),
    }
    recs = [dict(unit=u, scope="unit", unit_name=n, level=lv, parent_code=p, **c)
            for (u, n, lv, p), c in units.items()]
    kids = [r for r in recs if r["parent_code"] == "HD"]
    if kids:
        root = recs[0]
        communes = {k: sum(r[k] for r in kids if r["level"] == "commune") for k in COUNTS}
        total = {k: root[k] + sum(r[k] for r in kids) for k in COUNTS}
        base = {k: root[k] for k in ("unit", "unit_name", "level", "parent_code")}
        recs += [dict(base, scope="communes", **communes), dict(base, scope="total", **total)]
    return pd.DataFrame(recs)


def store_rows(con) -> pd.DataFrame:
    """The rows of the real compute_indicators for a city with two wards and four dossiers."""
    from datetime import date

    from tthc_lib.indicators.figures import compute_indicators

    con.execute("""INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES
        ('C', 'Thành phố X', 'Thành phố', 'district', NULL),
        ('W1', 'Phường A', 'Phường', 'commune', 'C'), ('W2', 'Xã B', 'Xã', 'commune', 'C');
        INSERT INTO procedures VALUES ('P1', 'Đăng ký khai sinh', 'Hộ tịch', 'commune', 'full');
        INSERT INTO dossiers (dossier_id, unit_code, procedure_code, channel,
            status, received_at, due_at, closed_at, received_date, due_date, closed_date,
            digitised_on_receipt, result_digitised) VALUES
        ('a', 'W1', 'P1', 'online', 'resolved', '2023-01-05 09:00+07', '2023-01-09 09:00+07',
         '2023-01-08 09:00+07', '2023-01-05', '2023-01-09', '2023-01-08', true, true),
        ('b', 'W1', 'P1', 'in_person', 'resolved', '2023-02-05 09:00+07', '2023-02-09 09:00+07',
         '2023-02-09 16:00+07', '2023-02-05', '2023-02-09', '2023-02-09', false, false),
        ('c', 'W2', 'P1', 'online', 'resolved', '2023-03-05 09:00+07', '2023-03-09 09:00+07',
         '2023-03-12 09:00+07', '2023-03-05', '2023-03-09', '2023-03-12', true, false),
        ('d', 'C', 'P1', 'online', 'open', '2023-03-05 09:00+07', '2023-03-09 09:00+07',
         NULL, '2023-03-05', '2023-03-09', NULL, false, false)""")
    return compute_indicators(con, date(2023, 1, 1), date(2023, 10, 30)).rows
