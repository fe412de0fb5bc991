"""Benchmark of the report batch (issue 4), in one run:

1. the naive loop (papermill CLI per section notebook, then a fresh process per report
   rendering HTML and PDF) against `tthc report` on the sample set, HTML + PDF;
2. a no-op re-run of `tthc report` against the full run;
3. a province-sized synthetic set (1 province, 10 districts, 240 communes: 251 units), HTML,
   with --jobs 1, --jobs 2, Dask LocalCluster 1 and 2 workers;
4. a sizing of a national run (11,000 units) on a Dask cluster from the measured per-unit cost.

The code under test is first copied to a snapshot folder (tthc_lib, notebooks, params) and run
from there, so edits to the working tree during the benchmark do not trigger re-runs.
Usage: python benchmarks/bench_batch.py [--naive-units N] [--province-communes N] [--json F]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2023-01-01:2023-10-30"
PERIOD_DIR = "2023-01-01_2023-10-30"
NATIONAL_UNITS = 11_000
RESULTS = ROOT / "benchmarks" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-units", type=int, default=0,
                        help="run the naive loop on the city and N-1 wards only and extrapolate "
                             "to the sample set (0: all units)")
    parser.add_argument("--province-districts", type=int, default=10)
    parser.add_argument("--province-communes", type=int, default=24, help="per district")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--json", type=Path, default=RESULTS / "bench_batch.json",
                        help="where to write the results as JSON")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tthc-bench-"))
    try:
        results = run(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=1))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


def run(work: Path, args) -> dict:
    snap = snapshot(work / "code")
    env = dict(os.environ, PYTHONPATH=str(snap), TTHC_DEBUG="")
    results: dict = {"cpus": os.cpu_count()}
    sample_db = make_sample_store(work, env)
    units = registry(sample_db, env)
    results["sample_units"] = len(units)
    results["sections"] = len(list((snap / "notebooks").glob("[0-9][0-9]_*.ipynb")))

    full = timed_report(env, snap, sample_db, work / "out-sample", ["--to", "html,pdf",
                                                                    "--jobs", "2"])
    noop = timed_report(env, snap, sample_db, work / "out-sample", ["--to", "html,pdf",
                                                                    "--jobs", "2"])
    notebooks = results["sample_units"] * results["sections"]
    results["fast_jobs2_s"] = full
    results["fast_per_section_s"] = full / notebooks
    results["noop_s"] = noop
    results["noop_ratio"] = noop / full
    if not args.skip_naive:
        naive_units = units if not args.naive_units else units[: args.naive_units]
        per_unit = naive_loop(env, snap, sample_db, work / "out-naive", naive_units)
        estimate = sum(per_unit)
        if len(naive_units) < len(units):  # the city, then wards: the rest at the wards' mean
            estimate = per_unit[0] + sum(per_unit[1:]) / len(per_unit[1:]) * (len(units) - 1)
        results["naive_units_run"] = len(naive_units)
        results["naive_s"] = sum(per_unit)
        results["naive_sample_set_s"] = estimate
        results["naive_per_section_s"] = estimate / notebooks
        results["speedup"] = estimate / full

    province_db = make_province_store(work, env, args.province_districts, args.province_communes)
    n = len(registry(province_db, env))
    results["province_units"] = n
    for label, opts in (("jobs1", ["--jobs", "1"]), ("jobs2", ["--jobs", "2"]),
                        ("dask1", ["--executor", "dask", "--jobs", "1"]),
                        ("dask2", ["--executor", "dask", "--jobs", "2"])):
        out = work / f"out-province-{label}"
        results[f"province_{label}_s"] = timed_report(env, snap, province_db, out,
                                                      ["--to", "html", *opts])
        shutil.rmtree(out, ignore_errors=True)
        print(f"province {label}: {results[f'province_{label}_s']:.1f} s", file=sys.stderr)
    results["province_local_scaling"] = results["province_jobs1_s"] / results["province_jobs2_s"]
    results["province_dask_scaling"] = results["province_dask1_s"] / results["province_dask2_s"]
    results["national"] = national_sizing(results["province_dask1_s"] / n)
    results["runs"] = LOADS
    return results


def snapshot(dest: Path) -> Path:
    """A copy of the code under test; the benchmark runs it, not the working tree."""
    for name in ("tthc_lib", "notebooks", "params"):
        shutil.copytree(ROOT / name, dest / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return dest


def tthc(env: dict, snap: Path, db: Path, *args: str, check: bool = True) -> None:
    subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db", str(db), *args], env=env,
                   cwd=snap, check=check, stdout=subprocess.DEVNULL)


LOADS: list[dict] = []   # per timed report: its options, load average before/after, CPU used


def timed_report(env: dict, snap: Path, db: Path, out: Path, options: list[str]) -> float:
    """Wall seconds of one `tthc report`; its load averages and CPU seconds go to LOADS."""
    before, cpu = os.getloadavg(), _children_cpu()
    began = time.monotonic()
    tthc(env, snap, db, "report", "--period", PERIOD, "--unit", "all", "--out", str(out),
         *options)
    wall = time.monotonic() - began
    LOADS.append({"db": db.stem, "options": " ".join(options), "wall_s": round(wall, 1),
                  "cpu_s": round(_children_cpu() - cpu, 1),
                  "load_before": [round(x, 2) for x in before],
                  "load_after": [round(x, 2) for x in os.getloadavg()]})
    return wall


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes (and theirs, when waited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_sample_store(work: Path, env: dict) -> Path:
    sample, db = work / "sample", work / "sample.duckdb"
    snap = Path(env["PYTHONPATH"])
    tthc(env, snap, db, "sample", "--out", str(sample), "--spec", "params/sample_city.yaml")
    tthc(env, snap, db, "ingest", *map(str, sorted(sample.iterdir())))
    return db


def registry(db: Path, env: dict) -> list[str]:
    """Unit codes, parents first (the runner's order)."""
    code = ("import sys; from tthc_lib.batch.runner import _registry_units; "
            "print('\\n'.join(_registry_units(sys.argv[1])))")
    out = subprocess.run([sys.executable, "-c", code, str(db)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return out.split()


RENDER_ONE = """
import sys, nbformat
from pathlib import Path
from tthc_lib.render.html import render_html
from tthc_lib.render.pdf import html_to_pdf
from tthc_lib.content.sections import context
unit, start, end, db, params, out, *nbs = sys.argv[1:]
ctx = context(unit, start, end, db, params)
html = render_html([nbformat.read(p, as_version=4) for p in nbs],
                          Path(out) / f"{unit}.html", ctx.meta)
html_to_pdf(html, Path(out) / f"{unit}.pdf")
"""


def naive_loop(env: dict, snap: Path, db: Path, out: Path, units: list[str]) -> list[float]:
    """Today's way: papermill (CLI) per section notebook, then a process per report."""
    notebooks = sorted((snap / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    start, end = PERIOD.split(":")
    per_unit = []
    for unit in units:
        began = time.monotonic()
        executed = []
        for nb in notebooks:
            target = out / unit / nb.name
            target.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, "-m", "papermill", str(nb), str(target),
                            "-p", "unit", unit, "-p", "period_start", start,
                            "-p", "period_end", end, "-p", "db", str(db),
                            "-p", "params_dir", str(snap / "params"), "-k", "python3",
                            "--cwd", str(nb.parent), "--no-progress-bar"],
                           env=env, check=True, capture_output=True)
            executed.append(str(target))
        subprocess.run([sys.executable, "-c", RENDER_ONE, unit, start, end, str(db),
                        str(snap / "params"), str(out), *executed], env=env, check=True)
        per_unit.append(time.monotonic() - began)
        print(f"naive {unit}: {per_unit[-1]:.1f} s", file=sys.stderr)
    return per_unit


def make_province_store(work: Path, env: dict, districts: int, communes: int) -> Path:
    """A province, its districts and their communes, ~150 dossiers a commune and 400 a
    district in 2023, a few feedback rows; deterministic."""
    db = work / "province.duckdb"
    code = PROVINCE_SQL.format(districts=districts, communes=communes)
    script = ("import sys; from tthc_lib.store.connection import connect; con = connect(sys.argv[1]); "
              "con.execute(sys.argv[2]); con.close()")
    subprocess.run([sys.executable, "-c", script, str(db), code], env=env, check=True)
    return db


PROVINCE_SQL = """
-- The root is level 'district': prose.procedures_published_prose knows no 'province' level.
INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES ('T', 'Tỉnh Mẫu', 'Tỉnh', 'district', NULL);
INSERT INTO units (unit_code, unit_name, kind, level, parent_code) SELECT 'T' || lpad(d::VARCHAR, 2, '0'), 'Huyện ' || d, 'Huyện', 'district', 'T'
    FROM range(1, {districts} + 1) t(d);
INSERT INTO units (unit_code, unit_name, kind, level, parent_code) SELECT 'T' || lpad(d::VARCHAR, 2, '0') || lpad(c::VARCHAR, 3, '0'),
        CASE WHEN c % 3 = 0 THEN 'Phường ' ELSE 'Xã ' END || d || '-' || c,
        CASE WHEN c % 3 = 0 THEN 'Phường' ELSE 'Xã' END, 'commune',
        'T' || lpad(d::VARCHAR, 2, '0')
    FROM range(1, {districts} + 1) t(d), range(1, {communes} + 1) s(c);
INSERT INTO procedures VALUES
    ('P1', 'Đăng ký khai sinh', 'Hộ tịch', 'commune', 'full'),
    ('P2', 'Chứng thực bản sao', 'Chứng thực', 'commune', 'partial'),
    ('P3', 'Cấp giấy chứng nhận quyền sử dụng đất', 'Đất đai', 'district', 'none'),
    ('P4', 'Cấp giấy phép xây dựng', 'Xây dựng', 'district', 'full');
CREATE TEMP TABLE g AS
SELECT u.unit_code, u.level, i,
       hash(u.unit_code, i) AS h,
       DATE '2023-01-01' + (hash(u.unit_code, i, 1) % 300)::INTEGER AS rd
FROM units u, range(0, 400) r(i)
WHERE u.unit_code <> 'T' AND (u.level = 'district' OR i < 150);
INSERT INTO dossiers
SELECT unit_code || '-' || i, unit_code,
       CASE WHEN level = 'commune' THEN (CASE WHEN h % 2 = 0 THEN 'P1' ELSE 'P2' END)
            ELSE (CASE WHEN h % 2 = 0 THEN 'P3' ELSE 'P4' END) END,
       CASE h % 5 WHEN 0 THEN 'in_person' WHEN 1 THEN 'post' ELSE 'online' END,
       CASE WHEN h % 17 = 0 THEN 'open' WHEN h % 31 = 0 THEN 'withdrawn' ELSE 'resolved' END,
       (rd::TIMESTAMP + INTERVAL 9 HOUR) AT TIME ZONE 'Asia/Ho_Chi_Minh',
       ((rd + 10)::TIMESTAMP + INTERVAL 17 HOUR) AT TIME ZONE 'Asia/Ho_Chi_Minh',
       CASE WHEN h % 17 = 0 THEN NULL ELSE
           ((rd + (h % 13)::INTEGER)::TIMESTAMP + INTERVAL 10 HOUR)
               AT TIME ZONE 'Asia/Ho_Chi_Minh' END,
       rd, rd + 10, CASE WHEN h % 17 = 0 THEN NULL ELSE rd + (h % 13)::INTEGER END,
       h % 3 = 0, h % 4 <> 0
FROM g;
INSERT INTO feedback
SELECT 'F-' || unit_code || '-' || i, unit_code,
       CASE WHEN h % 2 = 0 THEN 'regulation_or_conduct' ELSE 'business_regulation' END,
       (rd::TIMESTAMP + INTERVAL 9 HOUR) AT TIME ZONE 'Asia/Ho_Chi_Minh',
       ((rd + 15)::TIMESTAMP + INTERVAL 17 HOUR) AT TIME ZONE 'Asia/Ho_Chi_Minh',
       ((rd + 7)::TIMESTAMP + INTERVAL 10 HOUR) AT TIME ZONE 'Asia/Ho_Chi_Minh',
       rd, rd + 15, rd + 7
FROM g WHERE i < 2;
"""


def national_sizing(per_unit_one_worker: float, startup: float = 5.0) -> list[dict]:
    """Wall time of 11,000 units on W single-threaded Dask workers, from the per-unit cost of
    one worker (measured), assuming the 1.7x-per-2 scaling floor holds per pair (0.85
    efficiency) and each worker pays `startup` seconds once (kernel, browser)."""
    rows = []
    for workers in (8, 16, 32, 64, 128):
        wall = NATIONAL_UNITS * per_unit_one_worker / (workers * 0.85) + startup
        rows.append({"workers": workers, "minutes": round(wall / 60, 1)})
    return rows


if __name__ == "__main__":
    main()
