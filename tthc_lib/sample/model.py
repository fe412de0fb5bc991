"""The sample's spec, calendar and unit groups, and the random draws every table shares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from tthc_lib.errors import SampleError

# Outcome of a dossier with respect to a block's end: resolved early / on time / late,
# withdrawn or returned ("other"), or still pending at the end (within or past its deadline).
DISTRICT_KIND_OF = {"Thành phố", "Thị xã", "Huyện", "Quận"}
COMMUNE_KINDS = ("Thị trấn", "Phường", "Xã")

OUTCOMES = ("early", "on_time", "late", "other", "pending_in_time", "pending_overdue")


RESOLVED = ("early", "on_time", "late")


# Outcomes are drawn in this order: the most constrained first.
ASSIGN_ORDER = ("pending_in_time", "late", "pending_overdue", "on_time", "other", "early")


DAY = np.timedelta64(1, "D")


SECOND = np.timedelta64(1, "s")


DUE_TIME = np.timedelta64(17 * 3600, "s")


LOCAL_OFFSET = np.timedelta64(7 * 3600, "s")  # Asia/Ho_Chi_Minh has no daylight saving


def load_spec(spec_path: Path) -> dict:
    """The sample city's spec, with its target identities checked."""
    spec = yaml.safe_load(Path(spec_path).read_text(encoding="utf-8"))
    for scope, t in spec["targets"]["dossiers"].items():
        _check_targets(scope, t)
    if any(int(p["days"]) < 1 for p in spec["procedures"]):
        raise SampleError("every procedure needs at least one working day to its appointment")
    return spec


def _check_targets(scope: str, t: dict) -> None:
    derived = {
        "received_in_period": t["received_online"] + t["received_offline"],
        "resolved_total": t["resolved_early"] + t["resolved_on_time"] + t["resolved_late"],
    }
    derived["received_total"] = t["carried_over"] + derived["received_in_period"]
    for name, value in derived.items():
        if t.get(name, value) != value:
            raise SampleError(f"targets.{scope}.{name} = {t[name]}, its parts give {value}")
    if t["dvc_online"] > min(t["dvc_eligible"], t["received_online"]):
        raise SampleError(f"targets.{scope}: dvc_online exceeds what it is part of")


def day64(value) -> np.datetime64:
    return np.datetime64(str(value), "D")


@dataclass(frozen=True)
class Calendar:
    first: np.datetime64
    last: np.datetime64
    bdc: np.busdaycalendar
    days: np.ndarray
    workday: np.ndarray
    month_weight: np.ndarray
    weekend_online: float

    @classmethod
    def from_spec(cls, cal: dict) -> Calendar:
        first, last = day64(cal["data_start"]), day64(cal["data_end"])
        bdc = np.busdaycalendar(holidays=[day64(h) for h in cal["holidays"]])
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


def procedures_frame(spec: dict) -> pd.DataFrame:
    procs = pd.DataFrame(spec["procedures"])
    if procs["code"].duplicated().any():
        raise SampleError("procedure codes must be unique")
    procs["days"] = procs["days"].astype(int)
    procs["weight"] = procs["weight"].astype(float)
    return procs


@dataclass(frozen=True)
class TargetGroup:
    """Units whose dossiers share targets: the city alone, or all its wards and communes."""

    scope: str
    level: str
    units: np.ndarray
    weight: np.ndarray
    offline_bias: np.ndarray
    late_bias: np.ndarray
    procs: pd.DataFrame


def target_groups(spec: dict, procs: pd.DataFrame, rng) -> list[TargetGroup]:
    city = spec["city"]
    level = "district" if city["kind"] in DISTRICT_KIND_OF else "commune"
    codes = np.array([u["code"] for u in spec["units"]])
    weight = np.array([float(u["weight"]) for u in spec["units"]])
    sigma = float(spec["shape"]["unit_spread"])
    one = np.ones(1)
    return [
        TargetGroup("unit", level, np.array([city["unit_code"]]), one, one, one,
               procs[procs["level"] == level].reset_index(drop=True)),
        TargetGroup("communes", "commune", codes, weight / weight.sum(),
               rng.lognormal(0.0, sigma, len(codes)), rng.lognormal(0.0, 2 * sigma, len(codes)),
               procs[procs["level"] == "commune"].reset_index(drop=True)),
    ]


def choose_rows(rng, n_pick: int, mask: np.ndarray, weights: np.ndarray | None = None,
            what: str = "") -> np.ndarray:
    """Indices of exactly n_pick rows where mask holds, drawn without replacement with weights
    (Efraimidis–Spirakis keys)."""
    idx = np.flatnonzero(mask)
    if n_pick > len(idx):
        raise SampleError(f"sample: cannot draw {n_pick} {what} dossiers from {len(idx)}")
    w = np.ones(len(idx)) if weights is None else np.asarray(weights, dtype=float)[idx]
    keys = np.log(rng.random(len(idx))) / w
    return idx[np.argsort(-keys, kind="stable")[:n_pick]]


def sample_days(rng, weights: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """One day index per row, in [lo, hi] (inclusive), drawn with the day weights."""
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    mass = cum[hi + 1] - cum[lo]
    if (mass <= 0).any():
        raise SampleError("sample: a dossier has no admissible day of receipt")
    target = cum[lo] + rng.random(len(lo)) * mass
    return np.clip(np.searchsorted(cum, target, side="right") - 1, lo, hi)


def pick_rows(rng, table_weights: np.ndarray, n: int) -> np.ndarray:
    p = table_weights / table_weights.sum()
    return rng.choice(len(p), size=n, p=p)


def pick_workday(rng, cal: Calendar, a: np.ndarray, b: np.ndarray, skew: float) -> np.ndarray:
    """A working day in [a, b] per row (earlier ones likelier when skew > 1); a itself when
    the span holds no working day."""
    a, b = a.astype("datetime64[D]"), b.astype("datetime64[D]")
    if (a > b).any():
        raise AssertionError("sample: empty closing window")
    n = cal.count(a, b + DAY)
    j = np.floor(rng.random(len(a)) ** skew * n).astype(np.int64)
    j = np.minimum(j, np.maximum(n - 1, 0))
    return np.where(n > 0, cal.offset(a, j), a)


def office_seconds(rng, n: int) -> np.ndarray:
    """Times of day within office hours (07:30–11:30, 13:30–17:00), in seconds."""
    morning = rng.random(n) < 0.55
    start = np.where(morning, 27000, 48600)
    span = np.where(morning, 14400, 12600)
    return start + (rng.random(n) * span).astype(np.int64)


def receipt_seconds(rng, online: np.ndarray) -> np.ndarray:
    """Times of receipt: office hours in person, 06:00–22:00 online."""
    web = 21600 + (rng.random(len(online)) * 57600).astype(np.int64)
    return np.where(online, web, office_seconds(rng, len(online)))
