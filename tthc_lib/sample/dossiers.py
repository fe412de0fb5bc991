"""Drawing the sample's dossiers: counts per group that reproduce the spec's targets exactly,
then receipts, outcomes, closing times and digitisation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tthc_lib.errors import SampleError
from tthc_lib.sample.model import (
    ASSIGN_ORDER,
    DAY,
    DUE_TIME,
    OUTCOMES,
    RESOLVED,
    SECOND,
    Calendar,
    TargetGroup,
    choose_rows,
    day64,
    office_seconds,
    pick_rows,
    pick_workday,
    receipt_seconds,
    sample_days,
)


def make_dossiers(spec: dict, cal: Calendar, groups: list[TargetGroup], rng) -> pd.DataFrame:
    """Every dossier of every group, with its dates, status and flags."""
    frames = [_group_dossiers(spec, cal, g, rng) for g in groups]
    return pd.concat(frames, ignore_index=True)


def _group_dossiers(spec: dict, cal: Calendar, g: TargetGroup, rng) -> pd.DataFrame:
    t = spec["targets"]["dossiers"][g.scope]
    shape = spec["shape"]
    ps, pe = day64(spec["period"]["start"]), day64(spec["period"]["end"])
    carried_n = _carried_counts(t, shape["carried_over"])
    carried = _draw_carried(rng, cal, g, carried_n, ps, pe, shape)
    period, other_rate = _draw_period(rng, cal, g, t, carried_n, ps, pe, shape)
    blocks = [carried, period]
    for i, bg in enumerate(shape["background"]):
        thin = _carried_density(cal, g, carried_n, ps, shape) if bg["pending"] is False else None
        blocks.append(_draw_background(rng, cal, g, t, bg, other_rate, ps, pe, shape, thin,
                                       f"background{i}"))
    df = pd.concat(blocks, ignore_index=True)
    _set_result_digitised(rng, df, t, shape)
    _check_group(df, t, ps, pe, g.scope)
    return df


def _carried_counts(t: dict, c: dict) -> dict:
    """Outcomes, within the period, of the dossiers carried over into it."""
    n = t["carried_over"]
    counts = {
        "late": min(round(n * c["late"]), t["resolved_late"] // 2),
        "on_time": min(round(n * c["on_time"]), t["resolved_on_time"] // 2),
        "other": round(n * c["other"]),
        "pending_overdue": round(n * c["pending_overdue"]),
        "pending_in_time": 0,
    }
    counts["early"] = n - sum(counts.values())
    rest = t["received_total"] - t["resolved_total"]
    if counts["early"] < 0 or counts["early"] > t["resolved_early"] \
            or counts["other"] + counts["pending_overdue"] > rest:
        raise SampleError("shape.carried_over does not fit the targets")
    return counts


def _draw_carried(rng, cal: Calendar, g: TargetGroup, counts: dict, ps, pe, shape: dict):
    """Dossiers received shortly before the period and still open at its start."""
    c = shape["carried_over"]
    outcome = np.repeat(np.array(OUTCOMES, dtype=object), [counts[o] for o in OUTCOMES])
    n = len(outcome)
    w_lo = max(ps - int(c["window_days"]) * DAY, cal.first)
    proc = _carried_procedures(rng, cal, g, outcome, ps, w_lo)
    online = rng.random(n) < float(c["online_share"])
    k = g.procs["days"].to_numpy()[proc]
    lo = np.empty(n, dtype="datetime64[D]")
    hi = np.empty(n, dtype="datetime64[D]")
    for o in OUTCOMES:
        rows = outcome == o
        lo[rows], hi[rows] = _carried_bounds(cal, o, k[rows], ps)
    lo = np.maximum(lo, w_lo)
    recency = _recency(cal, ps, c)
    day = np.empty(n, dtype=np.int64)
    for flag in (True, False):
        rows = online == flag
        day[rows] = sample_days(rng, cal.weights(flag) * recency, cal.index(lo[rows]),
                                 cal.index(hi[rows]))
    df = _frame(rng, cal, g, proc, online, cal.days[day], "carried")
    df["outcome"] = outcome
    df["digitised_on_receipt"] = rng.random(n) < float(c["digitised_share"])
    _close(rng, cal, df, ps, pe, cal.last, shape)
    return df


def _carried_procedures(rng, cal, g: TargetGroup, outcome: np.ndarray, ps, w_lo) -> np.ndarray:
    """A procedure per carried-over dossier, among those that can end as its outcome;
    long procedures are the ones that get carried over."""
    days = g.procs["days"].to_numpy()
    proc = np.zeros(len(outcome), dtype=np.int64)
    for o in OUTCOMES:
        rows = np.flatnonzero(outcome == o)
        if not len(rows):
            continue
        lo, hi = _carried_bounds(cal, o, days, ps)
        ok = np.maximum(lo, w_lo) <= hi
        if not ok.any():
            raise SampleError(f"sample: no procedure can be carried over as {o}")
        proc[rows] = pick_rows(rng, g.procs["weight"].to_numpy() * days * ok, len(rows))
    return proc


def _recency(cal: Calendar, ps, c: dict) -> np.ndarray:
    """Per day, how likely a dossier carried over into the period was received then."""
    w_lo = ps - int(c["window_days"]) * DAY
    recency = np.exp(-((ps - cal.days) // DAY) / float(c["recency_days"]))
    recency[(cal.days < w_lo) | (cal.days >= ps)] = 0.0
    return recency


def _carried_bounds(cal: Calendar, outcome: str, k: np.ndarray, ps):
    """Days of receipt, before the period, from which a procedure of k working days can
    end as `outcome` within the period: (first, last)."""
    n = len(k)
    hi = np.full(n, ps - DAY)
    lo = np.full(n, cal.first)
    if outcome == "early":     # due after the period's second working day
        lo = cal.offset(cal.offset(np.full(n, ps), 1), -k)
    elif outcome == "on_time":  # due within the period
        lo = cal.offset(np.full(n, ps), -k)
    elif outcome == "pending_in_time":
        lo = np.full(n, ps)     # never: nothing carried over is still in time at the end
    return lo, hi


def _carried_density(cal: Calendar, g: TargetGroup, counts: dict, ps, shape: dict) -> np.ndarray:
    """Per day, the share of background receipts left once the carried-over dossiers
    (received in the weeks before the period) are counted: keeps the monthly volume smooth."""
    dens = cal.weights(False) * _recency(cal, ps, shape["carried_over"])
    return dens * (sum(counts.values()) / dens.sum()) if dens.sum() else dens


def _frame(rng, cal, g: TargetGroup, proc, online, received, block: str) -> pd.DataFrame:
    """Dossiers as rows: unit, procedure, channel, receipt and due date."""
    n = len(proc)
    unit_w = np.where(online[:, None], g.weight[None, :],
                      (g.weight * g.offline_bias)[None, :])
    cum = np.cumsum(unit_w / unit_w.sum(axis=1, keepdims=True), axis=1)
    unit = np.minimum((cum < rng.random(n)[:, None]).sum(axis=1), len(g.units) - 1)
    k = g.procs["days"].to_numpy()[proc]
    received_at = received.astype("datetime64[s]") + receipt_seconds(rng, online) * SECOND
    return pd.DataFrame({
        "scope": g.scope, "block": block,
        "unit_code": g.units[unit], "unit_idx": unit,
        "procedure_code": g.procs["code"].to_numpy()[proc],
        "procedure_name": g.procs["name"].to_numpy()[proc],
        "full": g.procs["online"].to_numpy()[proc] == "full",
        "k": k, "online": online,
        "channel": np.where(online, "online", "in_person").astype(object),
        "received": received, "received_at": received_at,
        "due": cal.offset(received, k),
    })


def _draw_period(rng, cal, g: TargetGroup, t: dict, carried: dict, ps, pe, shape: dict):
    """Dossiers received in the period, with every margin and outcome count exact.
    Returns the frame and the share of them withdrawn or returned."""
    margins = {
        "online": t["received_online"], "offline": t["received_offline"],
        "full": t["dvc_eligible"], "full_online": t["dvc_online"],
        "digitised": t["digitised_on_receipt"],
    }
    df = _draw_receipts(rng, cal, g, ps, pe, margins, shape, None, "period")
    cand_in_time = int((df["due"].to_numpy() >= pe).sum())
    counts = _period_counts(t, carried, cand_in_time, shape)
    _assign_outcomes(rng, cal, df, counts, pe, g)
    _close(rng, cal, df, ps, pe, cal.last, shape)
    return df, counts["other"] / max(len(df), 1)


def _period_counts(t: dict, carried: dict, cand_in_time: int, shape: dict) -> dict:
    rest = (t["received_total"] - t["resolved_total"] - carried["other"]
            - carried["pending_overdue"])
    counts = {o: t[f"resolved_{o}"] - carried[o] for o in RESOLVED}
    counts["pending_in_time"] = min(rest, round(shape["pending_in_time_share"] * cand_in_time))
    counts["pending_overdue"] = min(rest - counts["pending_in_time"],
                                    round(shape["pending_overdue_per_late"] * counts["late"]))
    counts["other"] = rest - counts["pending_in_time"] - counts["pending_overdue"]
    return counts


def _draw_receipts(rng, cal, g: TargetGroup, lo, hi, m: dict, shape: dict, thin, block: str):
    """Dossiers received in [lo, hi] with exact margins: online, offline, full (procedure
    offered fully online), full_online, digitised; days follow the seasonality."""
    full_off = m["full"] - m["full_online"]
    sizes = [m["full_online"], full_off, m["online"] - m["full_online"], m["offline"] - full_off]
    if min(sizes) < 0:
        raise SampleError(f"sample: inconsistent margins {m}")
    online = np.repeat([True, False, True, False], sizes)
    kinds = g.procs["online"].to_numpy()
    allowed = [kinds == "full", kinds == "full", kinds == "partial", kinds != "full"]
    proc = np.concatenate([
        pick_rows(rng, g.procs["weight"].to_numpy() * ok, size) if size else np.zeros(0, int)
        for ok, size in zip(allowed, sizes)
    ]).astype(np.int64)
    day = np.empty(len(online), dtype=np.int64)
    lo_i, hi_i = cal.index(lo), cal.index(hi)
    for flag in (True, False):
        rows = online == flag
        w = cal.weights(flag) * (1.0 if thin is None else thin)
        day[rows] = sample_days(rng, w, np.full(rows.sum(), lo_i), np.full(rows.sum(), hi_i))
    df = _frame(rng, cal, g, proc, online, cal.days[day], block)
    offline = np.flatnonzero(~online)
    post = choose_rows(rng, round(shape["post_share"] * len(offline)), ~online)
    df.loc[post, "channel"] = "post"
    not_dig = choose_rows(rng, len(df) - m["digitised"], np.ones(len(df), bool),
                      np.where(online, 1.0, 8.0), "not digitised")
    dig = np.ones(len(df), bool)
    dig[not_dig] = False
    df["digitised_on_receipt"] = dig
    return df


def _assign_outcomes(rng, cal, df: pd.DataFrame, counts: dict, end, g: TargetGroup) -> None:
    """Give each dossier an outcome at `end`, with exact counts, each where it is possible:
    pending in time needs a deadline >= end, late or overdue one before it."""
    due = df["due"].to_numpy()
    k = df["k"].to_numpy().astype(float)
    end_wd = cal.offset(end, 0, roll="backward")
    everywhere = np.ones(len(df), bool)
    where = {"pending_in_time": due >= end, "late": due < end_wd, "pending_overdue": due < end,
             "on_time": due <= end, "other": everywhere, "early": everywhere}
    age = (end - df["received"].to_numpy()) / np.timedelta64(90, "D")
    weights = {"late": k ** 0.8 * g.late_bias[df["unit_idx"].to_numpy()],
               "pending_overdue": k * np.exp(-age)}  # stuck: long procedures, recent ones
    outcome = np.full(len(df), "", dtype=object)
    free = np.ones(len(df), bool)
    if min(counts.values()) < 0:
        raise SampleError(f"sample: the targets leave negative outcome counts {counts}")
    for o in ASSIGN_ORDER:
        picked = choose_rows(rng, counts[o], free & where[o], weights.get(o), o)
        outcome[picked] = o
        free[picked] = False
    if free.any():
        raise AssertionError("sample: outcome counts do not add up")
    df["outcome"] = outcome


def _close(rng, cal: Calendar, df: pd.DataFrame, start, end, after_limit, shape: dict):
    """Closing day, time and status from each dossier's outcome at `end`: resolved ones and
    withdrawn/returned ones close within [start, end]; pending ones after `end` (up to
    after_limit) or stay open."""
    n = len(df)
    o = df["outcome"].to_numpy()
    recv = df["received"].to_numpy().astype("datetime64[D]")
    due = df["due"].to_numpy().astype("datetime64[D]")
    closed = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    first = np.maximum(recv, start)
    rows = o == "early"
    closed[rows] = pick_workday(rng, cal, first[rows], np.minimum(due[rows] - DAY, end), 1.5)
    rows = o == "on_time"
    closed[rows] = due[rows]
    rows = o == "late"
    a = np.maximum(due[rows] + DAY, start)
    closed[rows] = pick_workday(rng, cal, a, np.minimum(a + 20 * DAY, end), 1.5)
    rows = o == "other"
    closed[rows] = pick_workday(rng, cal, first[rows], np.minimum(first[rows] + 10 * DAY, end),
                                 1.5)
    rows = np.isin(o, ("pending_in_time", "pending_overdue"))
    later = rows & (rng.random(n) >= float(shape["pending_open_share"]))
    if end + DAY <= after_limit:  # closed after the end: around its deadline, or late
        a = np.full(later.sum(), end + DAY)
        slack = np.where(due[later] >= end, 5, 45) * DAY
        b = np.minimum(np.maximum(due[later], a) + slack, after_limit)
        closed[later] = pick_workday(rng, cal, a, b, 1.5)
    df["closed"] = closed
    df["status"] = _statuses(rng, o, ~np.isnat(closed), float(shape["withdrawn_share"]))
    df["closed_at"] = closing_times(rng, df)
    df["due_at"] = due.astype("datetime64[s]") + DUE_TIME


def _statuses(rng, outcome: np.ndarray, closed: np.ndarray, withdrawn_share: float):
    u = rng.random(len(outcome))
    off = np.where(u < withdrawn_share, "withdrawn", "returned")
    status = np.where(np.isin(outcome, RESOLVED), "resolved", off)
    pending = np.isin(outcome, ("pending_in_time", "pending_overdue"))
    after = np.where(u < 0.9, "resolved", off)
    status = np.where(pending, np.where(closed, after, "open"), status)
    return status.astype(object)


def closing_times(rng, df: pd.DataFrame) -> np.ndarray:
    """Closing instants: in office hours, or shortly after receipt when closed the same day."""
    closed = df["closed"].to_numpy()
    same_day = closed == df["received"].to_numpy()
    office = closed.astype("datetime64[s]") + office_seconds(rng, len(df)) * SECOND
    soon = df["received_at"].to_numpy() + rng.integers(600, 5400, len(df)) * SECOND
    at = np.where(same_day | (office <= df["received_at"].to_numpy()), soon, office)
    return np.where(np.isnat(closed), np.datetime64("NaT"), at).astype("datetime64[s]")


def _draw_background(rng, cal, g: TargetGroup, t: dict, bg: dict, other_rate: float, ps, pe,
                     shape: dict, carried_dens, block: str) -> pd.DataFrame:
    """Dossiers received outside the period, at its rates shifted by `bg`; none of them is
    counted in the period (received outside it and, before it, closed before it)."""
    lo, hi = day64(bg["window"][0]), day64(bg["window"][1])
    inside = (cal.days >= lo) & (cal.days <= hi)
    in_period = (cal.days >= ps) & (cal.days <= pe)
    density = float(bg["volume"]) * t["received_in_period"] / cal.weights(False)[in_period].sum()
    expected = cal.weights(False) * density
    thin = np.ones(len(cal.days))
    if carried_dens is not None:
        ratio = np.divide(carried_dens, expected, out=np.zeros_like(expected),
                          where=expected > 0)
        thin = np.clip(1.0 - ratio, 0.15, 1.0)
    n = round(float((expected * thin)[inside].sum()))
    df = _draw_receipts(rng, cal, g, lo, hi, _background_margins(t, n, bg), shape, thin, block)
    cand_in_time = int((df["due"].to_numpy() >= hi).sum())
    counts = _background_counts(t, n, cand_in_time, bg, other_rate, shape)
    _assign_outcomes(rng, cal, df, counts, hi, g)
    _close(rng, cal, df, lo, hi, hi, shape)
    return df


def _background_margins(t: dict, n: int, bg: dict) -> dict:
    def share(num, den, shift=0.0):
        return float(np.clip(num / den + shift, 0.0, 1.0))

    online = round(n * share(t["received_online"], t["received_in_period"], bg["online_shift"]))
    full = round(n * share(t["dvc_eligible"], t["received_in_period"]))
    full_online = round(full * share(t["dvc_online"], t["dvc_eligible"], bg["online_shift"]))
    full_online = min(max(full_online, full - (n - online)), online, full)
    digitised = round(n * share(t["digitised_on_receipt"], t["received_in_period"],
                                bg["digitised_shift"]))
    return {"online": online, "offline": n - online, "full": full,
            "full_online": full_online, "digitised": digitised}


def _background_counts(t, n, cand_in_time, bg, other_rate, shape) -> dict:
    n_p = t["received_in_period"]
    counts = {
        "late": round(n * t["resolved_late"] / n_p * float(bg["late_factor"])),
        "on_time": round(n * t["resolved_on_time"] / n_p),
        "other": round(n * other_rate),
        "pending_in_time": 0, "pending_overdue": 0,
    }
    if bg["pending"]:
        counts["pending_in_time"] = round(shape["pending_in_time_share"] * cand_in_time)
        counts["pending_overdue"] = round(shape["pending_overdue_per_late"] * counts["late"])
    counts["early"] = n - sum(counts.values())
    return counts


def _set_result_digitised(rng, df: pd.DataFrame, t: dict, shape: dict) -> None:
    """Exactly the target number among the dossiers resolved in the period; at the same rate,
    shifted like the rest of the background, among those resolved outside it."""
    resolved = (df["status"] == "resolved").to_numpy()
    exact = resolved & df["block"].isin(["carried", "period"]).to_numpy() \
        & df["outcome"].isin(RESOLVED).to_numpy()
    rate = t["result_digitised"] / t["resolved_total"]
    shift = np.zeros(len(df))
    for i, bg in enumerate(shape["background"]):
        shift[(df["block"] == f"background{i}").to_numpy()] = float(bg["digitised_shift"])
    flag = resolved & (rng.random(len(df)) < rate + shift)
    flag[exact] = True
    flag[choose_rows(rng, int(exact.sum()) - t["result_digitised"], exact)] = False
    df["result_digitised"] = flag


def _check_group(df: pd.DataFrame, t: dict, ps, pe, scope: str) -> None:
    """Recount the targets from the generated dates: a generator bug fails here, loudly."""
    recv, closed, due = df["received"], df["closed"], df["due"]
    in_p = (recv >= ps) & (recv <= pe)
    carried = (recv < ps) & ~(closed < ps)
    counted = carried | in_p
    res = counted & (df["status"] == "resolved") & (closed >= ps) & (closed <= pe)
    got = {
        "carried_over": carried.sum(),
        "received_online": (in_p & (df["channel"] == "online")).sum(),
        "received_offline": (in_p & (df["channel"] != "online")).sum(),
        "resolved_early": (res & (closed < due)).sum(),
        "resolved_on_time": (res & (closed == due)).sum(),
        "resolved_late": (res & (closed > due)).sum(),
        "dvc_eligible": (in_p & df["full"]).sum(),
        "dvc_online": (in_p & df["full"] & (df["channel"] == "online")).sum(),
        "digitised_on_receipt": (in_p & df["digitised_on_receipt"]).sum(),
        "result_digitised": (res & df["result_digitised"]).sum(),
    }
    bad = {k: (int(v), t[k]) for k, v in got.items() if int(v) != t[k]}
    if bad:
        raise AssertionError(f"sample: {scope} misses its targets (got, want): {bad}")
