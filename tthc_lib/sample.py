"""A realistic, deterministic sample of one-stop exports for a sample city.

The city, its units, its procedure catalogue and the figures to reproduce live in a YAML spec
(`params/sample_city.yaml`); nothing here knows a particular city. For the spec's period the
written records reproduce the target counts exactly under the definitions of indicators.md;
outside it they follow the same rates, shifted as the spec says. The files carry the everyday
messiness of real exports (encodings, separators, date forms, synonyms, duplicates, a few bad
rows) so that the loader is exercised; bad and duplicate rows never change a target count.

Entry point: `generate_sample(spec_path, out_dir, seed)`.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import vocab

# Outcome of a dossier with respect to a block's end: resolved early / on time / late,
# withdrawn or returned ("other"), or still pending at the end (within or past its deadline).
OUTCOMES = ("early", "on_time", "late", "other", "pending_in_time", "pending_overdue")
RESOLVED = ("early", "on_time", "late")
# Outcomes are drawn in this order: the most constrained first.
ASSIGN_ORDER = ("pending_in_time", "late", "pending_overdue", "on_time", "other", "early")

DAY = np.timedelta64(1, "D")
SECOND = np.timedelta64(1, "s")
DUE_TIME = np.timedelta64(17 * 3600, "s")
LOCAL_OFFSET = np.timedelta64(7 * 3600, "s")  # Asia/Ho_Chi_Minh has no daylight saving

# What the exports write for each canonical value (all are synonyms known to vocab).
CHANNEL_LABELS = {"online": "Trực tuyến", "in_person": "Trực tiếp"}
POST_LABELS = ("Dịch vụ bưu chính", "Bưu chính")
STATUS_LABELS = {
    "open": ("Đang giải quyết",),
    "resolved": ("Đã giải quyết", "Đã trả kết quả"),
    "withdrawn": ("Đã rút", "Rút hồ sơ"),
    "returned": ("Trả lại", "Từ chối"),
}
LEVEL_LABELS = {"district": "Cấp huyện", "commune": "Cấp xã"}
ONLINE_LABELS = {"full": "Toàn trình", "partial": "Một phần", "none": ("", "Không")}
CHANGE_LABELS = {"new": "Ban hành mới", "amended": "Sửa đổi, bổ sung", "abolished": "Bãi bỏ"}
TOPIC_LABELS = {
    "regulation_or_conduct": ("Quy định hành chính", "Hành vi hành chính"),
    "business_regulation": ("Quy định kinh doanh",),
}
DISTRICT_KIND_OF = {"Thành phố", "Thị xã", "Huyện", "Quận"}
COMMUNE_KINDS = ("Thị trấn", "Phường", "Xã")

# Fake applicants: common Vietnamese names, mobile prefixes.
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Phan", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Đinh", "Trịnh", "Lương", "Mạc", "Lý")
FAMILY_WEIGHT = (31, 11, 9, 7, 5, 5, 4, 2, 2, 2, 1.5, 1.5, 1, 1, 1, 0.5, 0.5, 0.5)
MIDDLE = {"m": ("Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thanh", "Tiến"),
          "f": ("Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Phương", "Minh", "Thị")}
GIVEN = {"m": ("Hùng", "Dũng", "Tuấn", "Hải", "Nam", "Long", "Thắng", "Hoàng", "Sơn", "Trung",
               "Cường", "Đức", "Phong", "Quân", "Khánh", "Bình", "Toàn", "Huy", "Việt", "Tùng"),
         "f": ("Lan", "Hương", "Mai", "Hoa", "Linh", "Trang", "Hằng", "Thảo", "Nga", "Yến",
               "Hạnh", "Huyền", "Ngọc", "Phương", "Thủy", "Loan", "Dung", "Vân", "Anh", "Quỳnh")}
PHONE_PREFIXES = ("091", "094", "088", "083", "084", "085", "096", "097", "098", "086", "032",
                  "033", "034", "035", "036", "037", "038", "039", "090", "093", "089", "070",
                  "077", "078", "079")
VILLAGES = ("Đông", "Đoài", "Nam", "Bắc", "Thượng", "Hạ", "Trung", "Tân")

FILES = {
    "units": "don_vi.csv",
    "procedures": "thu_tuc_hanh_chinh.xlsx",
    "changes": "cong_bo_tthc.csv",
    "dossiers": "ho_so_{year}.csv",
    "feedback": "phan_anh_kien_nghi.csv",
}


def generate_sample(spec_path: Path, out_dir: Path, seed: int = 2023) -> list[Path]:
    """Write the sample exports described by `spec_path` into `out_dir`; return their paths
    in load order (units, procedures, changes, dossiers, feedback). Same seed, same bytes."""
    spec = load_spec(spec_path)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    cal = _Calendar.from_spec(spec["calendar"])
    procs = _procedures(spec)
    groups = _groups(spec, procs, streams[0])
    dossiers = _make_dossiers(spec, cal, groups, streams[1])
    dossiers = _add_applicants(dossiers, spec, streams[2])
    changes = _make_changes(spec, procs, streams[3])
    feedback = _make_feedback(spec, cal, streams[4])
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return _write_all(out_dir, spec, procs, changes, dossiers, feedback, streams[5])


def load_spec(spec_path: Path) -> dict:
    """The sample city's spec, with its target identities checked."""
    spec = yaml.safe_load(Path(spec_path).read_text(encoding="utf-8"))
    for scope, t in spec["targets"]["dossiers"].items():
        _check_targets(scope, t)
    if any(int(p["days"]) < 1 for p in spec["procedures"]):
        raise ValueError("every procedure needs at least one working day to its appointment")
    return spec


def _check_targets(scope: str, t: dict) -> None:
    derived = {
        "received_in_period": t["received_online"] + t["received_offline"],
        "resolved_total": t["resolved_early"] + t["resolved_on_time"] + t["resolved_late"],
    }
    derived["received_total"] = t["carried_over"] + derived["received_in_period"]
    for name, value in derived.items():
        if t.get(name, value) != value:
            raise ValueError(f"targets.{scope}.{name} = {t[name]}, its parts give {value}")
    if t["dvc_online"] > min(t["dvc_eligible"], t["received_online"]):
        raise ValueError(f"targets.{scope}: dvc_online exceeds what it is part of")


# --------------------------------------------------------------------------------------------
# Calendar, registries, groups


def _d(value) -> np.datetime64:
    return np.datetime64(str(value), "D")


@dataclass(frozen=True)
class _Calendar:
    first: np.datetime64
    last: np.datetime64
    bdc: np.busdaycalendar
    days: np.ndarray
    workday: np.ndarray
    month_weight: np.ndarray
    weekend_online: float

    @classmethod
    def from_spec(cls, cal: dict) -> _Calendar:
        first, last = _d(cal["data_start"]), _d(cal["data_end"])
        bdc = np.busdaycalendar(holidays=[_d(h) for h in cal["holidays"]])
        days = np.arange(first, last + DAY)
        months = days.astype("datetime64[M]").astype(np.int64) % 12
        weights = np.asarray(cal["month_weights"], dtype=float)[months]
        return cls(first, last, bdc, days, np.is_busday(days, busdaycal=bdc), weights,
                   float(cal["weekend_online"]))

    def weights(self, online: bool) -> np.ndarray:
        """Relative number of dossiers received each day, by channel."""
        off_day = self.weekend_online if online else 0.0
        return self.month_weight * np.where(self.workday, 1.0, off_day)

    def index(self, dates) -> np.ndarray:
        return ((np.asarray(dates, dtype="datetime64[D]") - self.first) // DAY).astype(np.int64)

    def offset(self, dates, n, roll: str = "forward") -> np.ndarray:
        return np.busday_offset(np.asarray(dates, dtype="datetime64[D]"), n, roll=roll,
                                busdaycal=self.bdc)

    def count(self, begin, end) -> np.ndarray:
        """Working days in [begin, end)."""
        return np.busday_count(begin, end, busdaycal=self.bdc)


def _procedures(spec: dict) -> pd.DataFrame:
    procs = pd.DataFrame(spec["procedures"])
    if procs["code"].duplicated().any():
        raise ValueError("procedure codes must be unique")
    procs["days"] = procs["days"].astype(int)
    procs["weight"] = procs["weight"].astype(float)
    return procs


@dataclass(frozen=True)
class _Group:
    """Units whose dossiers share targets: the city alone, or all its wards and communes."""

    scope: str
    level: str
    units: np.ndarray
    weight: np.ndarray
    offline_bias: np.ndarray
    late_bias: np.ndarray
    procs: pd.DataFrame


def _groups(spec: dict, procs: pd.DataFrame, rng) -> list[_Group]:
    city = spec["city"]
    level = "district" if city["kind"] in DISTRICT_KIND_OF else "commune"
    codes = np.array([u["code"] for u in spec["units"]])
    weight = np.array([float(u["weight"]) for u in spec["units"]])
    sigma = float(spec["shape"]["unit_spread"])
    one = np.ones(1)
    return [
        _Group("unit", level, np.array([city["unit_code"]]), one, one, one,
               procs[procs["level"] == level].reset_index(drop=True)),
        _Group("communes", "commune", codes, weight / weight.sum(),
               rng.lognormal(0.0, sigma, len(codes)), rng.lognormal(0.0, 2 * sigma, len(codes)),
               procs[procs["level"] == "commune"].reset_index(drop=True)),
    ]


# --------------------------------------------------------------------------------------------
# Sampling helpers


def _choose(rng, n_pick: int, mask: np.ndarray, weights: np.ndarray | None = None,
            what: str = "") -> np.ndarray:
    """Indices of exactly n_pick rows where mask holds, drawn without replacement with weights
    (Efraimidis–Spirakis keys)."""
    idx = np.flatnonzero(mask)
    if n_pick > len(idx):
        raise ValueError(f"sample: cannot draw {n_pick} {what} dossiers from {len(idx)}")
    w = np.ones(len(idx)) if weights is None else np.asarray(weights, dtype=float)[idx]
    keys = np.log(rng.random(len(idx))) / w
    return idx[np.argsort(-keys, kind="stable")[:n_pick]]


def _sample_days(rng, weights: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """One day index per row, in [lo, hi] (inclusive), drawn with the day weights."""
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    mass = cum[hi + 1] - cum[lo]
    if (mass <= 0).any():
        raise ValueError("sample: a dossier has no admissible day of receipt")
    target = cum[lo] + rng.random(len(lo)) * mass
    return np.clip(np.searchsorted(cum, target, side="right") - 1, lo, hi)


def _pick_rows(rng, table_weights: np.ndarray, n: int) -> np.ndarray:
    p = table_weights / table_weights.sum()
    return rng.choice(len(p), size=n, p=p)


def _pick_workday(rng, cal: _Calendar, a: np.ndarray, b: np.ndarray, skew: float) -> np.ndarray:
    """A working day in [a, b] per row (earlier ones likelier when skew > 1); a itself when
    the span holds no working day."""
    a, b = a.astype("datetime64[D]"), b.astype("datetime64[D]")
    if (a > b).any():
        raise AssertionError("sample: empty closing window")
    n = cal.count(a, b + DAY)
    j = np.floor(rng.random(len(a)) ** skew * n).astype(np.int64)
    j = np.minimum(j, np.maximum(n - 1, 0))
    return np.where(n > 0, cal.offset(a, j), a)


def _office_seconds(rng, n: int) -> np.ndarray:
    """Times of day within office hours (07:30–11:30, 13:30–17:00), in seconds."""
    morning = rng.random(n) < 0.55
    start = np.where(morning, 27000, 48600)
    span = np.where(morning, 14400, 12600)
    return start + (rng.random(n) * span).astype(np.int64)


def _receipt_seconds(rng, online: np.ndarray) -> np.ndarray:
    """Times of receipt: office hours in person, 06:00–22:00 online."""
    web = 21600 + (rng.random(len(online)) * 57600).astype(np.int64)
    return np.where(online, web, _office_seconds(rng, len(online)))


# --------------------------------------------------------------------------------------------
# Dossiers


def _make_dossiers(spec: dict, cal: _Calendar, groups: list[_Group], rng) -> pd.DataFrame:
    """Every dossier of every group, with its dates, status and flags."""
    frames = [_group_dossiers(spec, cal, g, rng) for g in groups]
    return pd.concat(frames, ignore_index=True)


def _group_dossiers(spec: dict, cal: _Calendar, g: _Group, rng) -> pd.DataFrame:
    t = spec["targets"]["dossiers"][g.scope]
    shape = spec["shape"]
    ps, pe = _d(spec["period"]["start"]), _d(spec["period"]["end"])
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
        raise ValueError("shape.carried_over does not fit the targets")
    return counts


def _draw_carried(rng, cal: _Calendar, g: _Group, counts: dict, ps, pe, shape: dict):
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
        day[rows] = _sample_days(rng, cal.weights(flag) * recency, cal.index(lo[rows]),
                                 cal.index(hi[rows]))
    df = _frame(rng, cal, g, proc, online, cal.days[day], "carried")
    df["outcome"] = outcome
    df["digitised_on_receipt"] = rng.random(n) < float(c["digitised_share"])
    _close(rng, cal, df, ps, pe, cal.last, shape)
    return df


def _carried_procedures(rng, cal, g: _Group, outcome: np.ndarray, ps, w_lo) -> np.ndarray:
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
            raise ValueError(f"sample: no procedure can be carried over as {o}")
        proc[rows] = _pick_rows(rng, g.procs["weight"].to_numpy() * days * ok, len(rows))
    return proc


def _recency(cal: _Calendar, ps, c: dict) -> np.ndarray:
    """Per day, how likely a dossier carried over into the period was received then."""
    w_lo = ps - int(c["window_days"]) * DAY
    recency = np.exp(-((ps - cal.days) // DAY) / float(c["recency_days"]))
    recency[(cal.days < w_lo) | (cal.days >= ps)] = 0.0
    return recency


def _carried_bounds(cal: _Calendar, outcome: str, k: np.ndarray, ps):
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


def _carried_density(cal: _Calendar, g: _Group, counts: dict, ps, shape: dict) -> np.ndarray:
    """Per day, the share of background receipts left once the carried-over dossiers
    (received in the weeks before the period) are counted: keeps the monthly volume smooth."""
    dens = cal.weights(False) * _recency(cal, ps, shape["carried_over"])
    return dens * (sum(counts.values()) / dens.sum()) if dens.sum() else dens


def _frame(rng, cal, g: _Group, proc, online, received, block: str) -> pd.DataFrame:
    """Dossiers as rows: unit, procedure, channel, receipt and due date."""
    n = len(proc)
    unit_w = np.where(online[:, None], g.weight[None, :],
                      (g.weight * g.offline_bias)[None, :])
    cum = np.cumsum(unit_w / unit_w.sum(axis=1, keepdims=True), axis=1)
    unit = np.minimum((cum < rng.random(n)[:, None]).sum(axis=1), len(g.units) - 1)
    k = g.procs["days"].to_numpy()[proc]
    received_at = received.astype("datetime64[s]") + _receipt_seconds(rng, online) * SECOND
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


def _draw_period(rng, cal, g: _Group, t: dict, carried: dict, ps, pe, shape: dict):
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


def _draw_receipts(rng, cal, g: _Group, lo, hi, m: dict, shape: dict, thin, block: str):
    """Dossiers received in [lo, hi] with exact margins: online, offline, full (procedure
    offered fully online), full_online, digitised; days follow the seasonality."""
    full_off = m["full"] - m["full_online"]
    sizes = [m["full_online"], full_off, m["online"] - m["full_online"], m["offline"] - full_off]
    if min(sizes) < 0:
        raise ValueError(f"sample: inconsistent margins {m}")
    online = np.repeat([True, False, True, False], sizes)
    kinds = g.procs["online"].to_numpy()
    allowed = [kinds == "full", kinds == "full", kinds == "partial", kinds != "full"]
    proc = np.concatenate([
        _pick_rows(rng, g.procs["weight"].to_numpy() * ok, size) if size else np.zeros(0, int)
        for ok, size in zip(allowed, sizes)
    ]).astype(np.int64)
    day = np.empty(len(online), dtype=np.int64)
    lo_i, hi_i = cal.index(lo), cal.index(hi)
    for flag in (True, False):
        rows = online == flag
        w = cal.weights(flag) * (1.0 if thin is None else thin)
        day[rows] = _sample_days(rng, w, np.full(rows.sum(), lo_i), np.full(rows.sum(), hi_i))
    df = _frame(rng, cal, g, proc, online, cal.days[day], block)
    offline = np.flatnonzero(~online)
    post = _choose(rng, round(shape["post_share"] * len(offline)), ~online)
    df.loc[post, "channel"] = "post"
    not_dig = _choose(rng, len(df) - m["digitised"], np.ones(len(df), bool),
                      np.where(online, 1.0, 8.0), "not digitised")
    dig = np.ones(len(df), bool)
    dig[not_dig] = False
    df["digitised_on_receipt"] = dig
    return df


def _assign_outcomes(rng, cal, df: pd.DataFrame, counts: dict, end, g: _Group) -> None:
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
        raise ValueError(f"sample: the targets leave negative outcome counts {counts}")
    for o in ASSIGN_ORDER:
        picked = _choose(rng, counts[o], free & where[o], weights.get(o), o)
        outcome[picked] = o
        free[picked] = False
    if free.any():
        raise AssertionError("sample: outcome counts do not add up")
    df["outcome"] = outcome


def _close(rng, cal: _Calendar, df: pd.DataFrame, start, end, after_limit, shape: dict):
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
    closed[rows] = _pick_workday(rng, cal, first[rows], np.minimum(due[rows] - DAY, end), 1.5)
    rows = o == "on_time"
    closed[rows] = due[rows]
    rows = o == "late"
    a = np.maximum(due[rows] + DAY, start)
    closed[rows] = _pick_workday(rng, cal, a, np.minimum(a + 20 * DAY, end), 1.5)
    rows = o == "other"
    closed[rows] = _pick_workday(rng, cal, first[rows], np.minimum(first[rows] + 10 * DAY, end),
                                 1.5)
    rows = np.isin(o, ("pending_in_time", "pending_overdue"))
    later = rows & (rng.random(n) >= float(shape["pending_open_share"]))
    if end + DAY <= after_limit:  # closed after the end: around its deadline, or late
        a = np.full(later.sum(), end + DAY)
        slack = np.where(due[later] >= end, 5, 45) * DAY
        b = np.minimum(np.maximum(due[later], a) + slack, after_limit)
        closed[later] = _pick_workday(rng, cal, a, b, 1.5)
    df["closed"] = closed
    df["status"] = _statuses(rng, o, ~np.isnat(closed), float(shape["withdrawn_share"]))
    df["closed_at"] = _closing_times(rng, df)
    df["due_at"] = due.astype("datetime64[s]") + DUE_TIME


def _statuses(rng, outcome: np.ndarray, closed: np.ndarray, withdrawn_share: float):
    u = rng.random(len(outcome))
    off = np.where(u < withdrawn_share, "withdrawn", "returned")
    status = np.where(np.isin(outcome, RESOLVED), "resolved", off)
    pending = np.isin(outcome, ("pending_in_time", "pending_overdue"))
    after = np.where(u < 0.9, "resolved", off)
    status = np.where(pending, np.where(closed, after, "open"), status)
    return status.astype(object)


def _closing_times(rng, df: pd.DataFrame) -> np.ndarray:
    """Closing instants: in office hours, or shortly after receipt when closed the same day."""
    closed = df["closed"].to_numpy()
    same_day = closed == df["received"].to_numpy()
    office = closed.astype("datetime64[s]") + _office_seconds(rng, len(df)) * SECOND
    soon = df["received_at"].to_numpy() + rng.integers(600, 5400, len(df)) * SECOND
    at = np.where(same_day | (office <= df["received_at"].to_numpy()), soon, office)
    return np.where(np.isnat(closed), np.datetime64("NaT"), at).astype("datetime64[s]")


def _draw_background(rng, cal, g: _Group, t: dict, bg: dict, other_rate: float, ps, pe,
                     shape: dict, carried_dens, block: str) -> pd.DataFrame:
    """Dossiers received outside the period, at its rates shifted by `bg`; none of them is
    counted in the period (received outside it and, before it, closed before it)."""
    lo, hi = _d(bg["window"][0]), _d(bg["window"][1])
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
    flag[_choose(rng, int(exact.sum()) - t["result_digitised"], exact)] = False
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


# --------------------------------------------------------------------------------------------
# Applicants (fake personal data)


def _add_applicants(df: pd.DataFrame, spec: dict, rng) -> pd.DataFrame:
    """Sort the dossiers by receipt, give them one-stop ids, and fake applicants."""
    df = df.assign(_key=rng.random(len(df)))
    df = df.sort_values(["received_at", "unit_code", "_key"], kind="stable")
    df = df.drop(columns="_key").reset_index(drop=True)
    seq = df.groupby(["unit_code", "received"], sort=False).cumcount().to_numpy() + 1
    ymd = _rearrange(np.datetime_as_string(df["received"].to_numpy(), unit="s"),
                     [2, 3, 5, 6, 8, 9])
    df["dossier_id"] = [f"{u}-{d}-{s:04d}"
                        for u, d, s in zip(df["unit_code"].to_numpy(dtype=object), ymd, seq)]
    n = len(df)
    male = rng.random(n) < 0.5
    df["applicant_name"] = _names(rng, male)
    df["applicant_id"] = _citizen_ids(rng, male, str(spec["city"]["citizen_id_prefix"]))
    prefix = np.array(PHONE_PREFIXES)[rng.integers(0, len(PHONE_PREFIXES), n)]
    digits = rng.integers(0, 10_000_000, n)
    df["applicant_phone"] = [f"{p}{d:07d}" for p, d in zip(prefix, digits)]
    df["applicant_address"] = _addresses(rng, df["unit_code"].to_numpy(), spec)
    return df


def _names(rng, male: np.ndarray) -> list[str]:
    n = len(male)
    fam = np.array(FAMILY)[rng.choice(len(FAMILY), n, p=np.array(FAMILY_WEIGHT) /
                                      sum(FAMILY_WEIGHT))]
    mid_i, giv_i = rng.integers(0, 100, n), rng.integers(0, 100, n)
    out = []
    for f, m, a, b in zip(fam, male, mid_i, giv_i):
        sex = "m" if m else "f"
        out.append(f"{f} {MIDDLE[sex][a % len(MIDDLE[sex])]} {GIVEN[sex][b % len(GIVEN[sex])]}")
    return out


def _citizen_ids(rng, male: np.ndarray, prefix: str) -> list[str]:
    """12-digit CCCD numbers: province, sex and century, year of birth, serial."""
    n = len(male)
    year = rng.integers(1950, 2006, n)
    century = np.where(year >= 2000, 2, 0) + np.where(male, 0, 1)
    serial = rng.integers(0, 1_000_000, n)
    return [f"{prefix}{c}{y % 100:02d}{s:06d}" for c, y, s in zip(century, year, serial)]


def _addresses(rng, unit_codes: np.ndarray, spec: dict) -> list[str]:
    """An address in the dossier's ward or commune (the city's own: any of them)."""
    units = spec["units"]
    names = {u["code"]: u["name"] for u in units}
    village_kind = {u["code"]: _unit_kind(u) == "Xã" for u in units}
    n = len(unit_codes)
    anywhere = np.array([u["code"] for u in units])[rng.integers(0, len(units), n)]
    home = np.where(np.isin(unit_codes, list(names)), unit_codes, anywhere)
    streets = spec["streets"]
    street_i, house, village = (rng.integers(0, len(streets), n), rng.integers(1, 250, n),
                                rng.integers(0, len(VILLAGES), n))
    city = spec["city"]["unit_name"]
    out = []
    for code, s, h, v in zip(home, street_i, house, village):
        if village_kind[code]:
            out.append(f"Thôn {VILLAGES[v]}, {names[code]}, {city}")
        else:
            out.append(f"Số {h} đường {streets[s]}, {names[code]}, {city}")
    return out


# --------------------------------------------------------------------------------------------
# Procedure changes and feedback


def _make_changes(spec: dict, procs: pd.DataFrame, rng) -> pd.DataFrame:
    """Published changes: the target counts spread over the period's decisions, a few more on
    the decisions outside it."""
    ps, pe = _d(spec["period"]["start"]), _d(spec["period"]["end"])
    decisions = sorted(spec["changes"]["decisions"], key=lambda d: (str(d["date"]), d["number"]))
    inside = [d for d in decisions if ps <= _d(d["date"]) <= pe]
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
            rows += _decision_rows(rng, d, level, plan[d["number"]], pool, taken_codes)
    return pd.DataFrame(rows)


def _decision_rows(rng, d: dict, level: str, plan: dict, pool, taken: set) -> list[dict]:
    kept = plan["new"] + plan["amended"]
    if kept > len(pool):
        raise ValueError(f"sample: decision {d['no']} changes more {level} procedures than the "
                         "catalogue has")
    codes = list(rng.choice(pool, kept, replace=False))
    changes = ["new"] * plan["new"] + ["amended"] * plan["amended"]
    for _ in range(plan["abolished"]):
        code = _unused_code(rng, taken)
        taken.add(code)
        codes.append(code)
        changes.append("abolished")
    return [{"decision_no": d["number"], "decision_date": _d(d["date"]), "procedure_code": c,
             "level": level, "change": ch} for c, ch in zip(codes, changes)]


def _unused_code(rng, taken: set) -> str:
    while True:
        code = f"{rng.integers(1, 3)}.00{rng.integers(0, 10000):04d}"
        if code not in taken:
            return code


def _make_feedback(spec: dict, cal: _Calendar, rng) -> pd.DataFrame:
    """Feedback records: the targets within the period, a few before and after it."""
    ps, pe = _d(spec["period"]["start"]), _d(spec["period"]["end"])
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
    secs = _office_seconds(rng, 2)
    return {
        "unit_code": unit, "topic": topic,
        "received_at": received.astype("datetime64[s]") + secs[0] * SECOND,
        "due_at": due.astype("datetime64[s]") + DUE_TIME,
        "handled_at": (np.datetime64("NaT", "s") if handled is None
                       else handled.astype("datetime64[s]") + secs[1] * SECOND),
    }


# --------------------------------------------------------------------------------------------
# Writing the exports


def _header(kind: str, name: str) -> str:
    return next(c.header for c in vocab.SCHEMAS[kind] if c.name == name)


def _headers(kind: str):
    """name -> Vietnamese header, for one kind."""
    return {c.name: c.header for c in vocab.SCHEMAS[kind]}.__getitem__


def _write_all(out_dir: Path, spec, procs, changes, dossiers, feedback, rng) -> list[Path]:
    paths = [_write_units(out_dir, spec), _write_procedures(out_dir, spec, procs, rng),
             _write_changes(out_dir, changes)]
    years = np.datetime_as_string(dossiers["received"].to_numpy(), unit="Y").astype(int)
    first_year = years.min()
    for year in sorted(set(years)):
        part = dossiers[years == year].reset_index(drop=True)
        paths.append(_write_dossiers(out_dir, part, year, old=(year == first_year), rng=rng,
                                     spec=spec))
    paths.append(_write_feedback(out_dir, feedback, spec, rng))
    return paths


def _write_csv(path: Path, table: pd.DataFrame, sep: str = ",", bom: bool = False) -> Path:
    """CSV as spreadsheets write it: fields quoted only when they need it, CRLF lines."""
    def cell(v) -> str:
        v = "" if v is None else str(v)
        if sep in v or '"' in v or "\n" in v:
            return '"' + v.replace('"', '""') + '"'
        return v

    columns = [[cell(v) for v in table[c].to_numpy(dtype=object)] for c in table.columns]
    lines = [sep.join(cell(c) for c in table.columns)]
    lines += [sep.join(row) for row in zip(*columns)]
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _write_units(out_dir: Path, spec: dict) -> Path:
    city = spec["city"]
    rows = [(city["unit_code"], city["unit_name"], city["kind"], "")]
    rows += [(u["code"], u["name"], _unit_kind(u), city["unit_code"])
             for u in spec["units"]]
    table = pd.DataFrame(rows, columns=[_header("units", c) for c in
                                        ("unit_code", "unit_name", "kind", "parent_code")])
    table.insert(0, "STT", range(1, len(table) + 1))
    return _write_csv(out_dir / FILES["units"], table)


def _unit_kind(unit: dict) -> str:
    """A ward or commune's kind: as given, else the start of its name."""
    if unit.get("kind"):
        return unit["kind"]
    return next(k for k in COMMUNE_KINDS if unit["name"].startswith(k + " "))


def _write_procedures(out_dir: Path, spec: dict, procs: pd.DataFrame, rng) -> Path:
    """The catalogue as an Excel export: two title lines, a blank line, then the table."""
    from openpyxl import Workbook

    none_labels = ONLINE_LABELS["none"]
    online = [ONLINE_LABELS[o] if o != "none" else none_labels[int(rng.integers(2))]
              for o in procs["online"]]
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh mục TTHC"
    city = spec["city"]
    title = (f"DANH MỤC THỦ TỤC HÀNH CHÍNH THUỘC THẨM QUYỀN GIẢI QUYẾT CỦA "
             f"UBND {city['unit_name'].upper()} VÀ UBND CẤP XÃ")
    exported = spec["calendar"]["export_date"].strftime("%d/%m/%Y")
    ws.append([title])
    ws.append([f"(Dữ liệu xuất từ Hệ thống thông tin giải quyết TTHC ngày {exported})"])
    ws.append([])
    ws.append(["STT"] + [_header("procedures", c) for c in
                         ("procedure_code", "procedure_name", "field", "level", "online_service")]
              + ["Thời hạn giải quyết"])
    for i, (p, label) in enumerate(zip(procs.itertuples(), online), start=1):
        ws.append([i, p.code, p.name, p.field, LEVEL_LABELS[p.level], label,
                   f"{p.days:02d} ngày làm việc"])
    for col, width in zip("ABCDEFG", (6, 12, 80, 30, 12, 22, 20)):
        ws.column_dimensions[col].width = width
    path = out_dir / FILES["procedures"]
    path.write_bytes(_stable_xlsx(wb, spec["calendar"]["export_date"]))
    return path


def _stable_xlsx(wb, when) -> bytes:
    """The workbook's bytes with fixed timestamps (zip entries and document properties), so
    that the same sample is the same file."""
    raw = io.BytesIO()
    wb.save(raw)
    stamp = f"{when.isoformat()}T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                              lambda m: m.group(1) + stamp.encode(), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(when.year, when.month, when.day,
                                                              0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()


def _write_changes(out_dir: Path, changes: pd.DataFrame) -> Path:
    """Semicolon-separated, as a regional Excel saves CSV."""
    table = pd.DataFrame({
        "STT": range(1, len(changes) + 1),
        _header("changes", "decision_no"): changes["decision_no"],
        _header("changes", "decision_date"): _format_dates(changes["decision_date"].to_numpy()
                                                           .astype("datetime64[s]"), "dmy"),
        _header("changes", "procedure_code"): changes["procedure_code"],
        _header("changes", "level"): changes["level"].map(LEVEL_LABELS),
        _header("changes", "change"): changes["change"].map(CHANGE_LABELS),
    })
    return _write_csv(out_dir / FILES["changes"], table, sep=";")


_D, _M, _Y = [8, 9], [5, 6], [0, 1, 2, 3]
_HM, _HMS, _ISO = list(range(11, 16)), list(range(11, 19)), list(range(19))
# Each form as positions in "YYYY-MM-DDTHH:MM:SS" (ints) and literal characters (str).
DATE_FORMS = {
    "dmy": _D + ["/"] + _M + ["/"] + _Y,
    "dmy_hm": _D + ["/"] + _M + ["/"] + _Y + [" "] + _HM,
    "dmy_hms": _D + ["/"] + _M + ["/"] + _Y + [" "] + _HMS,
    "iso": _ISO,
    "iso_offset": _ISO + list("+07:00"),
    "utc": _ISO + ["Z"],
}


def _format_dates(ts: np.ndarray, form) -> np.ndarray:
    """Local instants (datetime64[s], NaT = empty) written in a form per row: dmy, dmy_hm,
    dmy_hms, iso, iso_offset (+07:00) or utc (Z)."""
    ts = np.asarray(ts, dtype="datetime64[s]")
    forms = np.broadcast_to(np.asarray(form, dtype=object), ts.shape)
    out = np.full(ts.shape, "", dtype=object)
    for name, layout in DATE_FORMS.items():
        rows = (forms == name) & ~np.isnat(ts)
        if rows.any():
            shifted = ts[rows] - LOCAL_OFFSET if name == "utc" else ts[rows]
            out[rows] = _rearrange(np.datetime_as_string(shifted, unit="s"), layout)
    return out


def _rearrange(iso: np.ndarray, layout: list) -> np.ndarray:
    """Fixed-width ISO strings rebuilt character by character (vectorised)."""
    codes = iso.astype("<U19").view(np.uint32).reshape(len(iso), 19)
    out = np.empty((len(iso), len(layout)), dtype=np.uint32)
    for j, part in enumerate(layout):
        out[:, j] = codes[:, part] if isinstance(part, int) else ord(part)
    return out.view(f"<U{len(layout)}").ravel()


def _labels(rng, values: pd.Series, table: dict) -> list[str]:
    """Each canonical value as one of its export labels, picked at random."""
    pick = rng.integers(0, 2, len(values))
    out = []
    for v, i in zip(values.to_numpy(dtype=object), pick):
        options = table[v]
        out.append(options if isinstance(options, str) else options[i % len(options)])
    return out


def _write_dossiers(out_dir, df: pd.DataFrame, year: int, old: bool, rng, spec) -> Path:
    """One year of dossiers. The older export: UTF-8 with BOM, dd/mm/yyyy HH:MM:SS, Có/Không.
    The newer: dates in mixed forms, x/empty flags. Both: status synonyms, a few exact
    duplicates and a few rows the loader must set aside."""
    n = len(df)
    if old:
        form = np.full(n, "dmy_hms", dtype=object)
        due_form = form
        flags = ("Có", "Không")
    else:
        form = rng.choice(np.array(["dmy_hm", "iso", "iso_offset", "utc"], dtype=object), n,
                          p=[0.75, 0.15, 0.06, 0.04])
        due_form = rng.choice(np.array(["dmy", "dmy_hm"], dtype=object), n)
        flags = ("x", "")
    post = POST_LABELS[1] if old else POST_LABELS[0]
    channel = [CHANNEL_LABELS.get(c, post) for c in df["channel"].to_numpy(dtype=object)]
    h = _headers("dossiers")
    table = pd.DataFrame({
        "STT": np.arange(1, n + 1),
        h("dossier_id"): df["dossier_id"], h("unit_code"): df["unit_code"],
        h("procedure_code"): df["procedure_code"], h("procedure_name"): df["procedure_name"],
        h("channel"): channel,
        h("applicant_name"): df["applicant_name"], h("applicant_id"): df["applicant_id"],
        h("applicant_phone"): df["applicant_phone"],
        h("applicant_address"): df["applicant_address"],
        h("received_at"): _format_dates(df["received_at"].to_numpy(), form),
        h("due_at"): _format_dates(df["due_at"].to_numpy(), due_form),
        h("closed_at"): _format_dates(df["closed_at"].to_numpy(), form),
        h("status"): _labels(rng, df["status"], STATUS_LABELS),
        h("digitised_on_receipt"): np.where(df["digitised_on_receipt"], *flags),
        h("result_digitised"): np.where(df["result_digitised"], *flags),
    })
    table = _with_messiness(rng, table, df, spec, old)
    return _write_csv(out_dir / FILES["dossiers"].format(year=year), table, bom=old)


def _with_messiness(rng, table: pd.DataFrame, df: pd.DataFrame, spec: dict, old: bool):
    """Insert exact duplicates of a few rows, and a few bad rows: an unknown unit, an
    unparseable date and, in the newer file, a closing before the receipt. Bad rows get ids
    of their own so that they cannot clash with good ones."""
    h = _headers("dossiers")
    ps, pe = _d(spec["period"]["start"]), _d(spec["period"]["end"])
    recv = df["received"].to_numpy()
    if old:
        pool = np.flatnonzero((df["block"] == "carried").to_numpy())
        bad_kinds = ("unit", "date")
    else:
        pool = np.flatnonzero((recv >= ps) & (recv <= pe) & (df["status"] == "resolved"))
        bad_kinds = ("unit", "date", "order")
    dups = rng.choice(pool, 2 if old else 4, replace=False)
    bad_src = rng.choice(np.setdiff1d(pool, dups), len(bad_kinds), replace=False)
    extra = [table.iloc[[i]] for i in dups]
    codes = set(df["unit_code"]) | {spec["city"]["unit_code"]}
    for j, (kind, i) in enumerate(zip(bad_kinds, bad_src), start=1):
        row = table.iloc[[i]].copy()
        row[h("dossier_id")] = df["dossier_id"].iloc[i][:-4] + f"9{j:03d}"
        if kind == "unit":
            row[h("unit_code")] = _unknown_unit(spec["city"]["unit_code"], codes)
        elif kind == "date":
            row[h("received_at")] = "không rõ" if old else "31/02/2023 08:15"
        else:
            closed = df["received_at"].to_numpy()[i] - np.timedelta64(2, "D")
            row[h("closed_at")] = _format_dates(np.array([closed]), "dmy_hm")[0]
        extra.append(row)
    positions = np.concatenate([dups, bad_src]) + 0.5
    merged = pd.concat([table] + extra, ignore_index=True)
    order = np.argsort(np.concatenate([np.arange(len(table)), positions]), kind="stable")
    return merged.iloc[order].reset_index(drop=True)


def _unknown_unit(city_code: str, codes: set) -> str:
    i = 99
    while f"{city_code}{i:02d}" in codes:
        i -= 1
    return f"{city_code}{i:02d}"


def _write_feedback(out_dir: Path, fb: pd.DataFrame, spec: dict, rng) -> Path:
    """Feedback export with free-text content; one exact duplicate and one row with a unit
    outside the registry (received in the period: it must be set aside, not counted)."""
    h = _headers("feedback")
    n = len(fb)
    table = pd.DataFrame({
        h("feedback_id"): fb["feedback_id"], h("unit_code"): fb["unit_code"],
        h("topic"): _labels(rng, fb["topic"], TOPIC_LABELS),
        h("received_at"): _format_dates(fb["received_at"].to_numpy(), ["dmy_hm"] * n),
        h("due_at"): _format_dates(fb["due_at"].to_numpy(), ["dmy"] * n),
        h("handled_at"): _format_dates(fb["handled_at"].to_numpy(), ["dmy_hm"] * n),
        h("content"): fb["content"],
    })
    ps, pe = _d(spec["period"]["start"]), _d(spec["period"]["end"])
    recv = fb["received_at"].to_numpy().astype("datetime64[D]")
    i = int(np.flatnonzero((recv >= ps) & (recv <= pe))[0])
    bad = table.iloc[[i]].copy()
    bad[h("feedback_id")] = f"{fb['feedback_id'].iloc[i]}-B"
    codes = {spec["city"]["unit_code"]} | {u["code"] for u in spec["units"]}
    bad[h("unit_code")] = _unknown_unit(spec["city"]["unit_code"], codes)
    table = pd.concat([table.iloc[: i + 1], table.iloc[[i]], bad, table.iloc[i + 1:]],
                      ignore_index=True)
    return _write_csv(out_dir / FILES["feedback"], table)
