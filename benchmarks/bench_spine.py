"""The spine benchmark (issue 2): ingest and indicators on a province-sized data set.

1. Ingest: a 1,000,000-row dossier export (with the unit and procedure registries) loaded by
   `tthc_lib.ingest.load.load_exports` into a fresh store, against DuckDB's own `read_csv` of the
   same file (a count over all-VARCHAR columns, and CREATE TABLE AS with detected types, into
   memory and into a fresh database file). Target: our rate >= 50% of DuckDB's CREATE TABLE AS
   into a file. Peak memory of loading all 2,000,000 dossiers as one export, in a process
   of its own (GNU `time -v`; target < 1 GB).
2. Indicators: a store of 2,000,000 dossiers over 250 units; `compute_indicators` for every
   unit and roll-up (target < 5 s) against a per-unit pandas filter loop computing the same
   figures from a DataFrame loaded once (target >= 5x slower than ours). The loop's figures
   must equal ours for every unit and scope before any time counts.

Each measurement runs `--repeat` times (interleaved, so background load hits all alike); the
best time counts and the spread is reported. Prints a table; writes benchmarks/results/spine.json.

    python benchmarks/bench_spine.py [--repeat 3] [--dossiers 2000000] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import province

from tthc_lib.indicators.figures import COUNTS, RATES, compute_indicators
from tthc_lib.ingest.load import load_exports
from tthc_lib.store.connection import connect

RESULTS = HERE / "results" / "spine.json"
TARGET_INGEST_SHARE = 0.50
TARGET_INDICATORS_S = 5.0
TARGET_SPEEDUP = 5.0


# --------------------------------------------------------------------------- timing

def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, all its threads) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _spread(runs: list[tuple[float, float]]) -> dict:
    """Best, median and worst wall time of repeated runs, the worst's excess over the best,
    and the least CPU time (less disturbed than wall time by other processes)."""
    times = [wall for wall, _ in runs]
    best = min(times)
    return {"best_s": round(best, 3), "median_s": round(statistics.median(times), 3),
            "worst_s": round(max(times), 3), "runs_s": [round(t, 3) for t in times],
            "spread_pct": round(100 * (max(times) - best) / best, 1),
            "cpu_s": round(min(cpu for _, cpu in runs), 3)}


def _fresh(path: Path) -> Path:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
    return path


# --------------------------------------------------------------------------- ingest

def _duckdb_count(csv: Path) -> None:
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*) FROM read_csv('{csv}', all_varchar=true, "
                    "header=true)").fetchone()[0]
    con.close()
    assert n > 0


def _duckdb_ctas(csv: Path, db: str) -> None:
    con = duckdb.connect(db)
    con.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{csv}', header=true)")
    con.close()


def _our_load(paths: list[Path], db: Path) -> None:
    con = connect(_fresh(db))
    try:
        results = load_exports(con, paths)
    finally:
        con.close()
    bad = [r for r in results if r.error or r.rejected or r.duplicates]
    assert not bad, bad


def bench_ingest(files: dict, work: Path, repeat: int) -> dict:
    """DuckDB's read_csv against load_exports on the first dossier export."""
    csv = files["dossiers"][0]
    with open(csv, "rb") as fh:
        rows = sum(1 for _ in fh) - 1
    registries = files["units"] + files["procedures"]
    _duckdb_count(csv)                                   # page cache warm for everyone
    runs = {"duckdb_count": [], "duckdb_ctas_memory": [], "duckdb_ctas_file": [], "ours": []}
    for _ in range(repeat):
        runs["duckdb_count"].append(_timed(lambda: _duckdb_count(csv)))
        runs["duckdb_ctas_memory"].append(_timed(lambda: _duckdb_ctas(csv, ":memory:")))
        raw_db = _fresh(work / "raw.duckdb")
        runs["duckdb_ctas_file"].append(_timed(lambda db=raw_db: _duckdb_ctas(csv, str(db))))
        runs["ours"].append(_timed(lambda: _our_load(registries + [csv], work / "ingest.duckdb")))
    out = {"rows": rows, "file_mb": round(csv.stat().st_size / 1e6, 1)}
    for name, times in runs.items():
        out[name] = {**_spread(times), "rows_per_s": round(rows / _best(times))}
    ours = out["ours"]["rows_per_s"]
    for raw in ("file", "memory"):
        out[f"cpu_share_of_duckdb_ctas_{raw}"] = round(out[f"duckdb_ctas_{raw}"]["cpu_s"]
                                                       / out["ours"]["cpu_s"], 3)
    out["share_of_duckdb_ctas_file"] = round(ours / out["duckdb_ctas_file"]["rows_per_s"], 3)
    out["share_of_duckdb_ctas_memory"] = round(ours / out["duckdb_ctas_memory"]["rows_per_s"], 3)
    out["share_of_duckdb_count"] = round(ours / out["duckdb_count"]["rows_per_s"], 3)
    out["target_share"] = TARGET_INGEST_SHARE
    out["meets_target"] = out["share_of_duckdb_ctas_file"] >= TARGET_INGEST_SHARE
    return out


def _best(runs: list[tuple[float, float]]) -> float:
    return min(wall for wall, _ in runs)


def peak_rss_mb(files: dict, work: Path) -> float | None:
    """Maximum resident set size of a process doing only the load of the province's
    2,000,000 dossiers as one export (GNU `time -v`); None where GNU time is not installed."""
    gnu_time = shutil.which("time")
    if gnu_time is None:
        return None
    one = _prepare(work / "one_file", province.ProvinceSpec(dossier_files=1))
    paths = one["units"] + one["procedures"] + one["dossiers"]
    cmd = [gnu_time, "-v", sys.executable, str(Path(__file__).resolve()), "--load-only",
           str(_fresh(work / "rss.duckdb")), *map(str, paths)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    kb = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return round(int(kb.group(1)) / 1024, 1) if kb else None


# --------------------------------------------------------------------------- indicators

def build_store(files: dict, db: Path) -> dict:
    """Every export of the province loaded into one store (timed once, for the record)."""
    began = time.perf_counter()
    _our_load(province.all_paths(files), db)
    con = connect(db)
    n = con.execute("SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM units), "
                    "(SELECT count(*) FROM feedback)").fetchone()
    con.close()
    return {"dossiers": n[0], "units": n[1], "feedback": n[2],
            "load_s": round(time.perf_counter() - began, 1)}


def _scopes(units: pd.DataFrame) -> list[tuple[str, str, list[str]]]:
    """(unit, scope, member units) for every unit and, where it has children, its roll-ups."""
    children: dict[str, list[str]] = {}
    for code, parent in zip(units["unit_code"], units["parent_code"]):
        if isinstance(parent, str):
            children.setdefault(parent, []).append(code)
    level = dict(zip(units["unit_code"], units["level"]))

    def below(code: str) -> list[str]:
        return [d for c in children.get(code, []) for d in (c, *below(c))]

    out = []
    for code in units["unit_code"]:
        out.append((code, "unit", [code]))
        if code in children:
            desc = below(code)
            out.append((code, "communes", [d for d in desc if level[d] == "commune"]))
            out.append((code, "total", [code, *desc]))
    return out


def _dossier_counts(d: pd.DataFrame, start, end) -> dict:
    """docs/indicators.md's dossier counts, on the dossiers of one scope."""
    rd, dd, cd = d["received_date"], d["due_date"], d["closed_date"]
    carried = (rd < start) & (cd.isna() | (cd >= start))
    rin = (rd >= start) & (rd <= end)
    counted = carried | rin
    closed_in = (cd >= start) & (cd <= end)
    resolved = counted & (d["status"] == "resolved") & closed_in
    pending = counted & (cd.isna() | (cd > end))
    online = d["channel"] == "online"
    full = d["online_service"] == "full"
    masks = {
        "carried_over": carried, "received_online": rin & online,
        "received_offline": rin & d["channel"].isin(["in_person", "post"]),
        "received_in_period": rin, "received_total": counted, "resolved_total": resolved,
        "resolved_early": resolved & (cd < dd), "resolved_on_time": resolved & (cd == dd),
        "resolved_late": resolved & (cd > dd),
        "closed_other": counted & d["status"].isin(["withdrawn", "returned"]) & closed_in,
        "pending_total": pending, "pending_in_time": pending & (dd >= end),
        "pending_overdue": pending & (dd < end), "dvc_eligible": rin & full,
        "dvc_online": rin & full & online, "digitised_on_receipt": rin & d["digitised_on_receipt"],
        "result_digitised": resolved & d["result_digitised"],
    }
    return {name: int(mask.sum()) for name, mask in masks.items()}


def _feedback_counts(f: pd.DataFrame, start, end) -> dict:
    out = {}
    for prefix, topic in (("feedback", "regulation_or_conduct"),
                          ("business_feedback", "business_regulation")):
        hd = f["handled_date"]
        rin = (f["topic"] == topic) & (f["received_date"] >= start) & (f["received_date"] <= end)
        handled = rin & hd.notna() & (hd <= end)
        out[f"{prefix}_received"] = int(rin.sum())
        out[f"{prefix}_on_time"] = int((handled & (hd <= f["due_date"])).sum())
        out[f"{prefix}_late"] = int((handled & (hd > f["due_date"])).sum())
        out[f"{prefix}_pending"] = int((rin & (hd.isna() | (hd > end))).sum())
    return out


def _rate(num: int, den: int) -> float | None:
    """Percent to two decimals, halves away from zero, exactly; None when den is 0."""
    return None if den == 0 else ((num * 20000 + den) // (2 * den)) / 100


def pandas_loop(frames: dict, start: date, end: date) -> pd.DataFrame:
    """The figures of every unit and roll-up, by filtering the DataFrames scope by scope."""
    d, f = frames["dossiers"], frames["feedback"]
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    rows = []
    for unit, scope, members in _scopes(frames["units"]):
        counts = {**_dossier_counts(d[d["unit_code"].isin(members)], s, e),
                  **_feedback_counts(f[f["unit_code"].isin(members)], s, e)}
        rates = {name: _rate(counts[num], counts[den]) for name, (num, den) in RATES.items()}
        rows.append({"unit": unit, "scope": scope, **counts, **rates})
    return pd.DataFrame(rows)


def load_frames(db: Path) -> dict:
    """The store's records as DataFrames (the loop's input; not timed). Text columns are
    categorical, which makes the loop's filters faster: the baseline is not a straw man."""
    con = connect(db, read_only=True)
    try:
        d = con.execute("""SELECT d.unit_code, d.channel, d.status, d.received_date,
                d.due_date, d.closed_date, d.digitised_on_receipt, d.result_digitised,
                p.online_service FROM dossiers d LEFT JOIN procedures p USING (procedure_code)
                """).df()
        f = con.execute("SELECT unit_code, topic, received_date, due_date, handled_date "
                        "FROM feedback").df()
        units = con.execute("SELECT unit_code, level, parent_code FROM units").df()
    finally:
        con.close()
    for col in ("unit_code", "channel", "status", "online_service"):
        d[col] = d[col].astype("category")
    return {"dossiers": d, "feedback": f, "units": units}


def compare(ours: pd.DataFrame, loop: pd.DataFrame) -> list[str]:
    """Every figure on which the loop and compute_indicators disagree (empty when none)."""
    a = ours.set_index(["unit", "scope"]).sort_index()
    b = loop.set_index(["unit", "scope"]).sort_index()
    if list(a.index) != list(b.index):
        return [f"scopes differ: {len(a)} rows against {len(b)}"]
    diffs = []
    for col in (*COUNTS, *RATES):
        for key, x, y in zip(a.index, a[col], b[col]):
            same = (pd.isna(x) and pd.isna(y)) or (not pd.isna(x) and not pd.isna(y)
                                                   and float(x) == float(y))
            if not same:
                diffs.append(f"{key[0]}/{key[1]} {col}: {x} != {y}")
    return diffs


def bench_indicators(db: Path, repeat: int) -> dict:
    """compute_indicators against the pandas loop, checked figure by figure first."""
    start, end = province.PERIOD
    frames = load_frames(db)
    con = connect(db, read_only=True)
    try:
        result = compute_indicators(con, start, end)
        loop = pandas_loop(frames, start, end)
        diffs = compare(result.rows, loop)
        if diffs:
            raise SystemExit("pandas loop and compute_indicators disagree:\n" +
                             "\n".join(diffs[:20]))
        ours, theirs = [], []
        for _ in range(repeat):
            ours.append(_timed(lambda: compute_indicators(con, start, end)))
            theirs.append(_timed(lambda: pandas_loop(frames, start, end)))
    finally:
        con.close()
    speedup = _best(theirs) / _best(ours)
    return {"period": [start.isoformat(), end.isoformat()], "rows": len(result.rows),
            "scopes": result.rows["scope"].value_counts().to_dict(),
            "figures_checked": len(result.rows) * (len(COUNTS) + len(RATES)),
            "findings": len(result.findings),
            "compute_indicators": _spread(ours), "pandas_loop": _spread(theirs),
            "speedup": round(speedup, 1),
            "target_s": TARGET_INDICATORS_S, "target_speedup": TARGET_SPEEDUP,
            "cpu_speedup": round(min(c for _, c in theirs) / min(c for _, c in ours), 1),
            "meets_target": _best(ours) < TARGET_INDICATORS_S and speedup >= TARGET_SPEEDUP}


# --------------------------------------------------------------------------- report

def machine() -> dict:
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in
                      Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": model or platform.processor(),
            "python": platform.python_version(), "duckdb": duckdb.__version__,
            "pandas": pd.__version__, "numpy": np.__version__,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def print_table(res: dict) -> None:
    ing, ind = res["ingest"], res.get("indicators")
    rows = [
        ("DuckDB count(*) read_csv all_varchar", ing["duckdb_count"]),
        ("DuckDB CREATE TABLE AS read_csv (memory)", ing["duckdb_ctas_memory"]),
        ("DuckDB CREATE TABLE AS read_csv (file)", ing["duckdb_ctas_file"]),
        ("tthc load_exports (fresh store)", ing["ours"]),
    ]
    print(f"\nIngest: {ing['rows']:,} dossier rows ({ing['file_mb']} MB)")
    print(f"  {'':44} {'best s':>7} {'spread':>7} {'CPU s':>7} {'rows/s':>10}")
    for name, r in rows:
        print(f"  {name:44} {r['best_s']:7.2f} {r['spread_pct']:6.0f}% {r['cpu_s']:7.2f} "
              f"{r['rows_per_s']:10,}")
    print(f"  ours / DuckDB CTAS (file): {ing['share_of_duckdb_ctas_file']:.0%} "
          f"(memory: {ing['share_of_duckdb_ctas_memory']:.0%}); by CPU time: "
          f"{ing['cpu_share_of_duckdb_ctas_file']:.0%} (memory: "
          f"{ing['cpu_share_of_duckdb_ctas_memory']:.0%}); target >= 50%")
    print(f"  peak RSS of loading 2,000,000 rows (one file): {res['peak_rss_mb']} MB "
          "(target < 1024 MB)")
    if "indicators" not in res:
        return
    print(f"\nIndicators: {res['store']['dossiers']:,} dossiers, {res['store']['units']} units, "
          f"{ind['rows']} unit/scope rows, {ind['figures_checked']:,} figures equal in both")
    for name in ("compute_indicators", "pandas_loop"):
        r = ind[name]
        print(f"  {name:44} {r['best_s']:7.2f} {r['spread_pct']:6.0f}% {r['cpu_s']:7.2f}")
    print(f"  speed-up: {ind['speedup']}x (by CPU time {ind['cpu_speedup']}x; "
          "target >= 5x, ours < 5 s)\n")


def _prepare(work: Path, spec: province.ProvinceSpec) -> dict:
    """The province's exports in `work` (written again unless the same spec wrote them)."""
    marker = work / "exports" / "spec.json"
    files_json = work / "exports" / "files.json"
    if marker.exists() and marker.read_text() == json.dumps(spec.__dict__, sort_keys=True) \
            and files_json.exists():
        return {k: [Path(p) for p in v] for k, v in json.loads(files_json.read_text()).items()}
    wanted = json.dumps(spec.__dict__, sort_keys=True)
    files = province.write_province(work / "exports", spec)
    files_json.write_text(json.dumps({k: [str(p) for p in v] for k, v in files.items()}))
    marker.write_text(wanted)
    return files


def run(work: Path, repeat: int, dossiers: int, ingest_only: bool = False) -> dict:
    spec = province.ProvinceSpec(dossiers=dossiers)
    began = time.perf_counter()
    res = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "machine": machine(), "spec": spec.__dict__}
    t = time.perf_counter()
    files = _prepare(work, spec)
    res["generate_s"] = round(time.perf_counter() - t, 1)
    res["ingest"] = bench_ingest(files, work, repeat)
    res["peak_rss_mb"] = peak_rss_mb(files, work)
    if not ingest_only:
        res["store"] = build_store(files, _fresh(work / "province.duckdb"))
        res["indicators"] = bench_indicators(work / "province.duckdb", repeat)
    res["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    res["total_s"] = round(time.perf_counter() - began, 1)
    return res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dossiers", type=int, default=province.ProvinceSpec.dossiers)
    parser.add_argument("--work", type=Path, help="keep the generated data here (reused)")
    parser.add_argument("--ingest-only", action="store_true", help="skip the indicators part")
    parser.add_argument("--load-only", nargs="+", metavar=("STORE", "FILE"),
                        help=argparse.SUPPRESS)     # the process whose peak memory is measured
    args = parser.parse_args(argv)
    if args.load_only:
        _our_load([Path(p) for p in args.load_only[1:]], Path(args.load_only[0]))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="tthc-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        res = run(work, args.repeat, args.dossiers, args.ingest_only)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    print_table(res)
    print(f"Wrote {RESULTS.relative_to(HERE.parent)} ({res['total_s']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
