"""The continuation's exports: the registry as an office keeps it after the reorganisation
(with `Cấp` and `Ngày thành lập`), the succession file, the later catalogue and decisions,
dossiers per year and feedback, written like the base files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tthc_lib.sample.later import (
    close_base_open,
    draw_block,
    eras,
    successions_frame,
    volume_between,
    with_old_codes,
)
from tthc_lib.sample.model import DAY, DUE_TIME, SECOND, day64, office_seconds
from tthc_lib.sample.write import (
    FILES,
    feedback_table,
    header_of,
    unit_kind,
    write_csv,
    write_dossiers,
)

LATER_FILES = {
    "units": "don_vi_2026.csv",
    "successions": "sap_xep_don_vi.csv",
    "procedures": "thu_tuc_hanh_chinh_2026.xlsx",
    "changes": "cong_bo_tthc_2026.csv",
    "feedback": "phan_anh_kien_nghi_2026.csv",
}
# Headers of docs/structure.md § Levels and kinds that the base exports do not carry.
LEVEL_HEADER, ESTABLISHED_HEADER = "Cấp", "Ngày thành lập"
SUCCESSION_HEADERS = {"old_code": "Mã đơn vị cũ", "new_code": "Mã đơn vị mới",
                      "effective_date": "Ngày hiệu lực", "scope": "Phạm vi",
                      "takes_data": "Nhận số liệu", "basis": "Căn cứ"}
SCOPE_LABELS = {"whole": "Toàn bộ", "part": "Một phần"}
FLAG_LABELS = {None: "", True: "Có", False: "Không"}


def registry_rows(spec: dict, base: dict) -> pd.DataFrame:
    """Every unit the office keeps: the base ones (no date: they always existed) and those
    established by the reorganisation. Columns: code, name, kind, level label, established,
    parent."""
    city, prov = base["city"], spec["province"]
    change = day64(spec["change_date"])
    rows = [(city["unit_code"], city["unit_name"], city["kind"], "Cấp huyện", None, "")]
    rows += [(u["code"], u["name"], unit_kind(u), "", None, city["unit_code"])
             for u in base["units"]]
    rows.append((prov["code"], prov["name"], prov["kind"], "Cấp tỉnh", change, ""))
    rows += [(d["code"], d["name"], d["kind"], "Cấp tỉnh", change, prov["code"])
             for d in prov["departments"]]
    rows += [(w["code"], w["name"], unit_kind(w), "Cấp xã", change, prov["code"])
             for w in spec["wards"]]
    return pd.DataFrame(rows, columns=["code", "name", "kind", "level", "established",
                                       "parent"])


def _dmy(day) -> str:
    """A day as dd/mm/yyyy, empty when there is none."""
    return "" if day is None or pd.isna(day) else pd.Timestamp(day).strftime("%d/%m/%Y")


def write_registry(out_dir: Path, reg: pd.DataFrame) -> Path:
    established = [_dmy(d) for d in reg["established"].to_numpy(dtype=object)]
    table = pd.DataFrame({
        "STT": range(1, len(reg) + 1),
        header_of("units", "unit_code"): reg["code"], header_of("units", "unit_name"): reg["name"],
        header_of("units", "kind"): reg["kind"], LEVEL_HEADER: reg["level"],
        ESTABLISHED_HEADER: established, header_of("units", "parent_code"): reg["parent"],
    })
    return write_csv(out_dir / LATER_FILES["units"], table)


def write_successions(out_dir: Path, succ: pd.DataFrame, names: dict) -> Path:
    """As an office keeps the table: the old and new names beside the codes (extra columns
    the loader ignores), `Nhận số liệu` only where it was written."""
    h = SUCCESSION_HEADERS
    table = pd.DataFrame({
        "STT": range(1, len(succ) + 1),
        h["old_code"]: succ["old"], "Tên đơn vị cũ": succ["old"].map(names),
        h["new_code"]: succ["new"], "Tên đơn vị mới": succ["new"].map(names),
        h["effective_date"]: [_dmy(d) for d in succ["date"].to_numpy(dtype=object)],
        h["scope"]: succ["scope"].map(SCOPE_LABELS),
        h["takes_data"]: [FLAG_LABELS[w] for w in succ["written"]],
        h["basis"]: succ["basis"],
    })
    return write_csv(out_dir / LATER_FILES["successions"], table)


def later_procedures(spec: dict) -> pd.DataFrame:
    procs = pd.DataFrame(spec["procedures"])
    procs["days"] = procs["days"].astype(int)
    procs["weight"] = procs["weight"].astype(float)
    return procs


def later_dossiers(rng, spec: dict, base: dict, cal, rates: dict, base_procs: pd.DataFrame,
                   procs: pd.DataFrame) -> pd.DataFrame:
    """Every dossier received in the continuation window, era by era: wards and communes at
    the base rate per weight, the district-level city at its own, and after the change the
    province's bodies and the procedures decentralised to the new wards."""
    succ = successions_frame(spec)
    pools = {"commune": base_procs[base_procs["level"] == "commune"],
             "district": base_procs[base_procs["level"] == "district"],
             "moved": procs[procs["level"] == "commune"], "bodies": procs}
    pools = {k: v.reset_index(drop=True) for k, v in pools.items()}
    frames = [with_old_codes(rng, spec, _era_dossiers(rng, spec, cal, era, rates, pools), succ)
              for era in eras(spec, base)]
    return pd.concat(frames, ignore_index=True)


def _era_dossiers(rng, spec: dict, cal, era, rates: dict, pools: dict) -> pd.DataFrame:
    vol = volume_between(spec, cal, era.start, era.end)
    plan = [(era.weights, pools["commune"], rates["commune"])]
    if era.district:
        plan.append(({c: 1.0 for c in era.district}, pools["district"], rates["district"]))
    if era.province:
        share = float(spec["decentralised_volume"]) / sum(era.weights.values())
        plan.append((era.weights, pools["moved"], rates["district"] * share))
        bodies = sum(era.province.values())
        per_body = rates["district"] * float(spec["province"]["volume"]) / bodies
        for code, w in era.province.items():
            pool = pools["bodies"][pools["bodies"]["body"] == code].reset_index(drop=True)
            plan.append(({code: 1.0}, pool, per_body * w))
    parts = []
    for units, pool, rate in plan:
        n = int(rng.poisson(rate * vol * sum(units.values())))
        parts.append(draw_block(rng, cal, spec, units, pool, era.start, era.end, n))
    return pd.concat(parts, ignore_index=True)


def write_later_dossiers(out_dir: Path, rng, spec: dict, dossiers: pd.DataFrame,
                          updates: pd.DataFrame) -> list[Path]:
    """One file per year of receipt; the base export's open dossiers, now closed, lead the
    first one."""
    years = np.datetime_as_string(dossiers["received"].to_numpy(), unit="Y").astype(int)
    paths = []
    for i, year in enumerate(sorted(set(years))):
        part = dossiers[years == year]
        if i == 0:
            part = pd.concat([updates, part], ignore_index=True)
        fake = {"period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
                "city": {"unit_code": spec["province"]["code"]}}
        paths.append(write_dossiers(out_dir, part.reset_index(drop=True), year, old=False,
                                     rng=rng, spec=fake))
    return paths


def later_feedback(rng, spec: dict, cal, base: dict) -> pd.DataFrame:
    """Feedback per era and unit (Poisson by weight; the units listed in `without` get none),
    handled on time, late, or still pending at the export's last day."""
    fb = spec["feedback"]
    last = day64(spec["calendar"]["data_end"])
    rows = []
    for era in eras(spec, base):
        years = float((era.end - era.start) // DAY + 1) / 365.0
        units = {**era.weights, **{c: 1.0 for c in era.district}, **era.province}
        for code, w in units.items():
            if code in fb.get("without", []):
                continue
            for _ in range(int(rng.poisson(float(fb["per_weight_year"]) * w * years))):
                rows.append(_feedback_row(rng, cal, code, era.start, era.end, last, fb))
    df = pd.DataFrame(rows).sort_values(["received_at", "unit_code"], kind="stable")
    df = df.reset_index(drop=True)
    year = pd.Series(np.datetime_as_string(df["received_at"].to_numpy(), unit="Y"))
    df["feedback_id"] = [f"PAKN-{y}-{i:04d}" for y, i in
                         zip(year, year.groupby(year).cumcount() + 1)]
    contents = base["feedback"]["contents"]
    df["content"] = [contents[i] for i in rng.integers(0, len(contents), len(df))]
    return df


def _feedback_row(rng, cal, unit: str, lo, hi, last, fb: dict) -> dict:
    span = int((hi - lo) // DAY)
    received = cal.offset(lo + int(rng.integers(0, span + 1)) * DAY, 0)
    received = min(received, cal.offset(hi, 0, roll="backward"))
    due = cal.offset(received, 10)
    late = rng.random() < float(fb["late_share"])
    handled = cal.offset(due, int(rng.integers(1, 8))) if late \
        else cal.offset(received, int(rng.integers(1, 11)))
    topic = "business_regulation" if rng.random() < 0.1 else "regulation_or_conduct"
    secs = office_seconds(rng, 2)
    return {"unit_code": unit, "topic": topic,
            "received_at": received.astype("datetime64[s]") + secs[0] * SECOND,
            "due_at": due.astype("datetime64[s]") + DUE_TIME,
            "handled_at": (np.datetime64("NaT", "s") if handled > last
                           else handled.astype("datetime64[s]") + secs[1] * SECOND)}


def write_later_feedback(out_dir: Path, fb: pd.DataFrame, rng) -> Path:
    return write_csv(out_dir / LATER_FILES["feedback"], feedback_table(fb, rng))


__all__ = ["FILES", "LATER_FILES", "close_base_open", "later_dossiers", "later_feedback",
           "later_procedures", "registry_rows", "write_later_dossiers", "write_later_feedback",
           "write_registry", "write_successions"]
