"""The sample continued after its base period: the structure over time (eras between
reorganisations), and dossiers drawn at the base period's rates, unit by unit.

A continuation spec (`params/sample_city_2026.yaml`) names its `base` spec; nothing here knows a
particular city. Its draws use random streams of their own, so the base files stay the same
bytes. Unlike the base period, nothing after it is a target: the figures follow from the draws
and tests recount them from the written files.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from tthc_lib.errors import SampleError
from tthc_lib.sample.dossiers import closing_times
from tthc_lib.sample.model import (
    DAY,
    DUE_TIME,
    SECOND,
    Calendar,
    day64,
    pick_workday,
    receipt_seconds,
    sample_days,
)

OUTCOME_KEYS = ("early", "on_time", "late", "withdrawn", "returned")


@dataclass(frozen=True)
class Era:
    """A stretch of days with one structure: the active units of each level and their
    relative dossier weights."""

    start: np.datetime64
    end: np.datetime64
    weights: dict[str, float]         # commune-level unit -> weight
    district: list[str]               # district-level units active (resolve district procedures)
    province: dict[str, float]        # province-level body -> weight (province itself included)


def successions_frame(spec: dict) -> pd.DataFrame:
    """The succession rows with their defaults filled: old, new, date, scope (whole/part),
    takes_data (bool), share, basis, and `written` (the flag as the office wrote it)."""
    change = day64(spec["change_date"])
    rows = []
    for s in spec["successions"]:
        whole = s["scope"] == "whole"
        written = s.get("takes_data")
        rows.append({
            "old": s["old"], "new": s["new"], "date": day64(s.get("date", change)),
            "scope": s["scope"], "takes_data": whole if written is None else bool(written),
            "written": written, "share": float(s.get("share", 1.0)),
            "basis": s.get("basis", spec["default_basis"]),
        })
    df = pd.DataFrame(rows)
    taking = df[df["takes_data"]].groupby("old").size()
    if (taking > 1).any() or not set(df["old"]) <= set(taking.index):
        raise SampleError("sample: every old unit needs exactly one data-taking succession")
    return df


def eras(spec: dict, base: dict) -> list[Era]:
    """The continuation window cut at every succession date, with the weights of the units
    active in each piece (a ceased unit's weight goes to its successors by share)."""
    cal = spec["calendar"]
    succ = successions_frame(spec)
    first, last = day64(cal["data_start"]), day64(cal["data_end"])
    cuts = sorted({d for d in succ["date"] if first < d <= last})
    bounds = [first, *cuts, last + DAY]
    weights = {u["code"]: float(u["weight"]) for u in base["units"]}
    district = [base["city"]["unit_code"]]
    prov = spec["province"]
    bodies = {prov["code"]: float(prov["weight"]),
              **{d["code"]: float(d["weight"]) for d in prov["departments"]}}
    out = []
    for lo, hi in pairwise(bounds):
        for _, row in succ[succ["date"] == lo].iterrows():
            if row["old"] in weights:
                weights[row["new"]] = weights.get(row["new"], 0.0) \
                    + weights[row["old"]] * row["share"]
        for old in set(succ.loc[(succ["date"] == lo) & succ["takes_data"], "old"]):
            weights.pop(old, None)
            if old in district:
                district.remove(old)
        active_prov = bodies if lo >= day64(spec["change_date"]) else {}
        out.append(Era(lo, hi - DAY, dict(weights), list(district), dict(active_prov)))
    return out


def later_calendar(spec: dict) -> Calendar:
    return Calendar.from_spec(spec["calendar"])


def base_rates(base: dict, base_cal: Calendar) -> dict[str, float]:
    """Dossiers per unit of working-day weight in the base period: for the city itself, and
    per unit weight for its wards and communes."""
    ps, pe = day64(base["period"]["start"]), day64(base["period"]["end"])
    inside = (base_cal.days >= ps) & (base_cal.days <= pe)
    mass = base_cal.weights(False)[inside].sum()
    t = base["targets"]["dossiers"]
    total_w = sum(float(u["weight"]) for u in base["units"])
    return {"district": t["unit"]["received_in_period"] / mass,
            "commune": t["communes"]["received_in_period"] / mass / total_w}


def _mass(cal: Calendar, lo, hi) -> float:
    inside = (cal.days >= lo) & (cal.days <= hi)
    return float(cal.weights(False)[inside].sum())


def volume_between(spec: dict, cal: Calendar, lo, hi) -> float:
    """Working-day mass of [lo, hi] with each year's volume factor."""
    total = 0.0
    for year, factor in spec["volume"].items():
        a = max(lo, np.datetime64(f"{year}-01-01"))
        b = min(hi, np.datetime64(f"{year}-12-31"))
        if a <= b:
            total += _mass(cal, a, b) * float(factor)
    return total


def draw_block(rng, cal: Calendar, spec: dict, units: dict[str, float], procs: pd.DataFrame,
               lo, hi, n: int) -> pd.DataFrame:
    """n dossiers received in [lo, hi] by `units` (code -> weight) for procedures `procs`,
    each drawn at the spec's shares: channel, outcome, closing, digitisation."""
    shape = spec["shape"]
    codes = np.array(list(units), dtype=object)
    w = np.array(list(units.values()), dtype=float)
    unit = rng.choice(len(codes), n, p=w / w.sum())
    pw = procs["weight"].to_numpy(dtype=float)
    proc = rng.choice(len(procs), n, p=pw / pw.sum())
    kind = procs["online"].to_numpy()[proc]
    p_online = np.select([kind == "full", kind == "partial"],
                         [shape["online"]["full"], shape["online"]["partial"]], 0.0)
    online = rng.random(n) < p_online
    day = np.empty(n, dtype=np.int64)
    lo_i, hi_i = cal.index(lo), cal.index(hi)
    for flag in (True, False):
        rows = online == flag
        day[rows] = sample_days(rng, cal.weights(flag), np.full(rows.sum(), lo_i),
                                 np.full(rows.sum(), hi_i))
    received = cal.days[day]
    k = procs["days"].to_numpy(dtype=np.int64)[proc]
    no_due = np.isin(procs["code"].to_numpy()[proc], spec.get("no_appointment", []))
    due = np.where(no_due, np.datetime64("NaT"), cal.offset(received, k))
    post = ~online & (rng.random(n) < float(shape["post_share"]))
    df = pd.DataFrame({
        "unit_code": codes[unit], "procedure_code": procs["code"].to_numpy()[proc],
        "procedure_name": procs["name"].to_numpy()[proc], "online": online,
        "channel": np.where(online, "online", np.where(post, "post", "in_person")).astype(object),
        "received": received,
        "received_at": received.astype("datetime64[s]") + receipt_seconds(rng, online) * SECOND,
        "due": due.astype("datetime64[D]"), "block": "later",
    })
    _outcomes(rng, cal, spec, df)
    _digitisation(rng, spec, df)
    return df


def _outcomes(rng, cal: Calendar, spec: dict, df: pd.DataFrame) -> None:
    """Closing day and status: drawn outcome, then everything closing after the export's last
    day is still pending there (open, or paused waiting for the applicant)."""
    shape, n = spec["shape"], len(df)
    p = np.array([shape["outcome"][o] for o in OUTCOME_KEYS], dtype=float)
    outcome = np.array(OUTCOME_KEYS, dtype=object)[rng.choice(len(p), n, p=p / p.sum())]
    recv = df["received"].to_numpy().astype("datetime64[D]")
    due = df["due"].to_numpy().astype("datetime64[D]")
    no_due = np.isnat(due)
    closed = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    spans = {"early": (recv, due - DAY), "on_time": (due, due),
             "late": (due + DAY, due + int(shape["late_days"]) * DAY),
             "withdrawn": (recv, recv + 10 * DAY), "returned": (recv, recv + 10 * DAY)}
    for o, (a, b) in spans.items():
        rows = (outcome == o) & ~no_due if o in ("early", "on_time", "late") else outcome == o
        if o == "on_time":
            closed[rows] = due[rows]
        elif rows.any():
            closed[rows] = pick_workday(rng, cal, a[rows], b[rows], 1.5)
    rows = no_due & np.isin(outcome, ("early", "on_time", "late"))
    closed[rows] = pick_workday(rng, cal, recv[rows], recv[rows] + 30 * DAY, 1.2)
    closed[rng.random(n) < float(shape["stuck_share"])] = np.datetime64("NaT")
    last = day64(spec["calendar"]["data_end"])
    closed[closed > last] = np.datetime64("NaT")
    pending = np.isnat(closed)
    status = np.where(np.isin(outcome, ("withdrawn", "returned")), outcome, "resolved")
    paused = pending & (rng.random(n) < float(shape["paused_share"]))
    status = np.where(pending, np.where(paused, "paused", "open"), status).astype(object)
    df["closed"], df["status"] = closed, status
    df["closed_at"] = _closing_instants(rng, df)
    df["due_at"] = due.astype("datetime64[s]") + DUE_TIME


def _closing_instants(rng, df: pd.DataFrame) -> np.ndarray:
    return closing_times(rng, df)


def _digitisation(rng, spec: dict, df: pd.DataFrame) -> None:
    """Shares rising linearly over the continuation window."""
    cal = spec["calendar"]
    first, last = day64(cal["data_start"]), day64(cal["data_end"])
    frac = ((df["received"].to_numpy().astype("datetime64[D]") - first) / (last - first))
    lo, hi = spec["shape"]["digitised"]
    df["digitised_on_receipt"] = rng.random(len(df)) < lo + (hi - lo) * frac
    lo, hi = spec["shape"]["result_digitised"]
    df["result_digitised"] = (df["status"] == "resolved").to_numpy() \
        & (rng.random(len(df)) < lo + (hi - lo) * frac)


def with_old_codes(rng, spec: dict, df: pd.DataFrame, succ: pd.DataFrame) -> pd.DataFrame:
    """A few dossiers received by new units in the first working days after the change still
    carry a predecessor's old code (the old system kept running): one whose records the new
    unit takes."""
    shape, change = spec["shape"], day64(spec["change_date"])
    until = np.busday_offset(change, int(shape["old_code_days"]), roll="forward")
    direct = succ[succ["takes_data"] & (succ["date"] == change)]
    recv = df["received"].to_numpy()
    for new, olds in direct.groupby("new")["old"]:
        rows = np.flatnonzero((df["unit_code"] == new).to_numpy() & (recv >= change)
                              & (recv < until))
        rows = rows[rng.random(len(rows)) < float(shape["old_code_share"])]
        df.loc[rows, "unit_code"] = rng.choice(sorted(olds), len(rows))
    return df


def close_base_open(rng, spec: dict, cal: Calendar, base_dossiers: pd.DataFrame) -> pd.DataFrame:
    """The base export's dossiers still open at its export, as the newer export shows them:
    most closed early in the continuation (a later row with the same id replaces the stored
    one), a few still open."""
    shape = spec["shape"]
    df = base_dossiers[base_dossiers["status"] == "open"].copy().reset_index(drop=True)
    n = len(df)
    first = day64(spec["calendar"]["data_start"])
    closing = rng.random(n) < float(shape["update_share"])
    due = df["due"].to_numpy().astype("datetime64[D]")
    a = np.maximum(due, first)
    closed = np.where(closing, pick_workday(rng, cal, a, a + 30 * DAY, 1.5),
                      np.datetime64("NaT")).astype("datetime64[D]")
    u = rng.random(n)
    status = np.where(closing, np.where(u < 0.92, "resolved", np.where(u < 0.97, "withdrawn",
                                                                        "returned")), "open")
    df["closed"], df["status"] = closed, status.astype(object)
    df["closed_at"] = _closing_instants(rng, df)
    df["result_digitised"] = (df["status"] == "resolved") & (rng.random(n) < 0.95)
    df["block"] = "update"
    return df
