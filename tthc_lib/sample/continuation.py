"""Entry point of the sample's continuation: `generate_later` writes, after the base files,
the exports of the years after the base period (see tthc_lib.sample.later)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tthc_lib.sample.later import base_rates, close_base_open, later_calendar, successions_frame
from tthc_lib.sample.later_write import (
    LATER_FILES,
    later_dossiers,
    later_feedback,
    later_procedures,
    registry_rows,
    write_later_dossiers,
    write_later_feedback,
    write_registry,
    write_successions,
)
from tthc_lib.sample.people import add_applicants
from tthc_lib.sample.records import decision_rows
from tthc_lib.sample.write import write_changes, write_procedures


def later_tables(spec: dict, base: dict, base_cal, base_procs: pd.DataFrame,
                 base_dossiers: pd.DataFrame, seed: int) -> dict:
    """Every table of the continuation, drawn from streams of its own (the base draws are
    untouched): registry, successions, procedures, changes, dossiers, updates (base dossiers
    closed later), feedback."""
    streams = [np.random.default_rng(s)
               for s in np.random.SeedSequence([seed, 2026]).spawn(7)]
    cal = later_calendar(spec)
    procs = later_procedures(spec)
    dossiers = later_dossiers(streams[0], spec, base, cal, base_rates(base, base_cal),
                              base_procs, procs)
    dossiers = _applicants(streams[1], spec, base, dossiers)
    return {
        "registry": registry_rows(spec, base), "successions": successions_frame(spec),
        "procedures": procs, "dossiers": dossiers,
        "changes": later_changes(streams[2], spec, base_procs, procs),
        "updates": close_base_open(streams[3], spec, cal, base_dossiers),
        "feedback": later_feedback(streams[4], spec, cal, base),
        "streams": streams[5:],
    }


def _applicants(rng, spec: dict, base: dict, dossiers: pd.DataFrame) -> pd.DataFrame:
    """Ids and invented applicants, with addresses in the city of the day of receipt."""
    change = np.datetime64(str(spec["change_date"]))
    after = (dossiers["received"] >= change).to_numpy()
    units = base["units"] + spec["wards"]
    before_spec = {**base, "units": units}
    after_spec = {**base, "units": units,
                  "city": {**base["city"], "unit_name": spec["province"]["name"]}}
    parts = [add_applicants(dossiers[~after], before_spec, rng),
             add_applicants(dossiers[after], after_spec, rng)]
    return pd.concat(parts, ignore_index=True)


def later_changes(rng, spec: dict, base_procs: pd.DataFrame, procs: pd.DataFrame):
    """Decisions publishing procedures: the old province's for district and commune levels,
    the new province's for province and commune levels."""
    taken = set(base_procs["code"]) | set(procs["code"])
    pools = {"old": {lvl: base_procs.loc[base_procs["level"] == lvl, "code"].to_numpy()
                     for lvl in ("district", "commune")},
             "new": {"province": procs.loc[procs["level"] == "province", "code"].to_numpy(),
                     "commune": procs.loc[procs["level"] == "commune", "code"].to_numpy()}}
    rows = []
    for d in spec["changes"]["decisions"]:
        for level, pool in pools[d["authority"]].items():
            plan = {"new": int(rng.integers(0, 3)), "amended": int(rng.integers(1, 7)),
                    "abolished": int(rng.integers(0, 3))}
            plan["new"] = min(plan["new"], len(pool))
            plan["amended"] = min(plan["amended"], len(pool) - plan["new"])
            rows += decision_rows(rng, d, level, plan, pool, taken)
    return pd.DataFrame(rows)


def generate_later(spec: dict, base: dict, base_cal, base_procs: pd.DataFrame,
                   base_dossiers: pd.DataFrame, out_dir: Path, seed: int) -> list[Path]:
    """Write the continuation's exports into `out_dir`; their paths in load order (units,
    successions, procedures, changes, dossiers by year, feedback)."""
    t = later_tables(spec, base, base_cal, base_procs, base_dossiers, seed)
    write_rng, xlsx_rng = t["streams"]
    names = dict(zip(t["registry"]["code"], t["registry"]["name"]))
    export = spec["calendar"]["export_date"]
    title = (f"DANH MỤC THỦ TỤC HÀNH CHÍNH CẤP TỈNH VÀ CẤP XÃ CÔNG BỐ SAU NĂM "
             f"{base['calendar']['data_end'].year} - {spec['province']['name'].upper()}")
    xlsx_spec = {"city": base["city"], "calendar": {"export_date": export}}
    paths = [write_registry(out_dir, t["registry"]),
             write_successions(out_dir, t["successions"], names),
             write_procedures(out_dir, xlsx_spec, t["procedures"], xlsx_rng,
                               name=LATER_FILES["procedures"], title=title),
             write_changes(out_dir, t["changes"], name=LATER_FILES["changes"])]
    paths += write_later_dossiers(out_dir, write_rng, spec, t["dossiers"], t["updates"])
    paths.append(write_later_feedback(out_dir, t["feedback"], write_rng))
    return paths
