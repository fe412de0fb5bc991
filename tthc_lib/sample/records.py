"""The sample's published procedure changes (công bố TTHC) and feedback (PAKN)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tthc_lib.errors import SampleError
from tthc_lib.sample.model import (
    DAY,
    DUE_TIME,
    SECOND,
    Calendar,
    day64,
    office_seconds,
)
from tthc_lib.sample.write import CHANGE_LABELS


def make_changes(spec: dict, procs: pd.DataFrame, rng) -> pd.DataFrame:
    """Published changes: the target counts spread over the period's decisions, a few more on
    the decisions outside it."""
    ps, pe = day64(spec["period"]["start"]), day64(spec["period"]["end"])
    decisions = sorted(spec["changes"]["decisions"], key=lambda d: (str(d["date"]), d["number"]))
    inside = [d for d in decisions if ps <= day64(d["date"]) <= pe]
    rows = []
    taken_codes = set(procs["code"])
    for level, target in spec["targets"]["procedures_published"].items():
        pool = procs.loc[procs["level"] == level, "code"].to_numpy()
        plan = {d["number"]: {c: 0 for c in CHANGE_LABELS} for d in decisions}
        for change, n in target.items():
            for d, m in zip(inside, rng.multinomial(n, np.ones(len(inside)) / len(inside))):
                plan[d["number"]][change] += int(m)
        for d in decisions:
            if d not in inside:
                plan[d["number"]] = {"new": int(rng.integers(0, 2)),
                                 "amended": int(rng.integers(2, 9)),
                                 "abolished": int(rng.integers(0, 4))}
            rows += decision_rows(rng, d, level, plan[d["number"]], pool, taken_codes)
    return pd.DataFrame(rows)


def decision_rows(rng, d: dict, level: str, plan: dict, pool, taken: set) -> list[dict]:
    kept = plan["new"] + plan["amended"]
    if kept > len(pool):
        raise SampleError(f"sample: decision {d['no']} changes more {level} procedures than the "
                         "catalogue has")
    codes = list(rng.choice(pool, kept, replace=False))
    changes = ["new"] * plan["new"] + ["amended"] * plan["amended"]
    for _ in range(plan["abolished"]):
        code = _unused_code(rng, taken)
        taken.add(code)
        codes.append(code)
        changes.append("abolished")
    return [{"decision_no": d["number"], "decision_date": day64(d["date"]), "procedure_code": c,
             "level": level, "change": ch} for c, ch in zip(codes, changes)]


def _unused_code(rng, taken: set) -> str:
    while True:
        code = f"{rng.integers(1, 3)}.00{rng.integers(0, 10000):04d}"
        if code not in taken:
            return code


def make_feedback(spec: dict, cal: Calendar, rng) -> pd.DataFrame:
    """Feedback records: the targets within the period, a few before and after it."""
    ps, pe = day64(spec["period"]["start"]), day64(spec["period"]["end"])
    days = int(spec["feedback"]["days"])
    city, communes = spec["city"]["unit_code"], [u["code"] for u in spec["units"]]
    rows = []
    for scope, t in spec["targets"]["feedback"].items():
        for status in ("on_time", "late", "pending"):
            for _ in range(int(t[status])):
                unit = city if scope == "unit" else communes[rng.integers(len(communes))]
                rows.append(_feedback_row(rng, cal, unit, "regulation_or_conduct", status,
                                          ps, pe - 30 * DAY, pe, days))
    for _ in range(int(spec["targets"]["business_feedback"]["received"])):
        rows.append(_feedback_row(rng, cal, city, "business_regulation", "on_time", ps,
                                  pe - 30 * DAY, pe, days))
    rows += _feedback_outside(rng, cal, spec, ps, pe, days, city, communes)
    df = pd.DataFrame(rows).sort_values(["received_at", "unit_code"], kind="stable")
    df = df.reset_index(drop=True)
    year = pd.Series(np.datetime_as_string(df["received_at"].to_numpy(), unit="Y"))
    seq = year.groupby(year).cumcount() + 1
    df["feedback_id"] = [f"PAKN-{y}-{i:04d}" for y, i in zip(year, seq)]
    contents = spec["feedback"]["contents"]
    df["content"] = [contents[i] for i in rng.integers(0, len(contents), len(df))]
    return df


def _feedback_outside(rng, cal, spec, ps, pe, days, city, communes) -> list[dict]:
    """Before the period (one handled late, one business feedback, one received just before
    it and handled within it) and after it (one still pending)."""
    n = int(spec["feedback"]["outside_period"])
    before_lo = max(cal.first, ps - 365 * DAY)
    plan = [("regulation_or_conduct", "late", before_lo, ps - 60 * DAY),
            ("business_regulation", "on_time", before_lo, ps - 60 * DAY),
            ("regulation_or_conduct", "on_time", ps - 6 * DAY, ps - DAY),
            ("regulation_or_conduct", "pending", pe + 20 * DAY, cal.last - 5 * DAY)]
    while len(plan) < n:
        plan.append(("regulation_or_conduct", "on_time", before_lo, ps - 60 * DAY))
    rows = []
    for i, (topic, status, lo, hi) in enumerate(plan[:n]):
        unit = city if i % 2 == 0 else communes[rng.integers(len(communes))]
        end = cal.last if status == "pending" else hi + 60 * DAY
        rows.append(_feedback_row(rng, cal, unit, topic, status, lo, hi, end, days))
    return rows


def _feedback_row(rng, cal, unit, topic, status, lo, hi, end, days) -> dict:
    """One feedback record received in [lo, hi]: handled on time or late by `end`, or not."""
    span = int((hi - lo) // DAY)
    received = cal.offset(lo + int(rng.integers(0, span + 1)) * DAY, 0)
    if received > hi:
        received = cal.offset(hi, 0, roll="backward")
    due = cal.offset(received, days)
    handled = None
    if status == "on_time":
        handled = cal.offset(received, int(rng.integers(1, days + 1)))
    elif status == "late":
        handled = min(cal.offset(due, int(rng.integers(1, 8))), end)
    secs = office_seconds(rng, 2)
    return {
        "unit_code": unit, "topic": topic,
        "received_at": received.astype("datetime64[s]") + secs[0] * SECOND,
        "due_at": due.astype("datetime64[s]") + DUE_TIME,
        "handled_at": (np.datetime64("NaT", "s") if handled is None
                       else handled.astype("datetime64[s]") + secs[1] * SECOND),
    }
