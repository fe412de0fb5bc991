"""Benchmark of the report batch (issue 13, item 2), in one run:

1. the naive loop (papermill CLI per section notebook, then `jupyter nbconvert --to html` per
   executed notebook, per unit) on the city and N wards: the 4-unit set (city + 3 wards)
   exactly, the sample set (26 units) extrapolated (city + the wards' mean × 25);
2. `tthc report --to html --jobs 2` on the 4 units and on the 26: ratios to the naive loop;
3. `--to html,pdf --jobs 2` on the 26: what the PDF adds per unit (medians of --repeat runs
   of 2 and 3, in turn); then its no-op re-run;
4. a province-sized synthetic set (1 province, 10 districts, 240 communes: 251 units), HTML:
   Dask (packed tasks: the workers read nothing but the task) on 1 and 2 isolated workers,
   one core each (cluster.py), --province-rounds times each in the order 1, 2, 2, 1 (the
   means count), and the local executor with --jobs 1 and 2 for reference;
5. the national plan: the per-unit cost of HTML + PDF on one Dask worker (the sample set),
   the client's snapshot and collection cost per unit (measured in-process, CPU of the
   client's threads), and what they mean for ~4,000 units in one hour.

Each measure starts from an empty output folder and records the load average before and after
and the CPU seconds of its processes (benchmarks/results/bench_batch.json). The code under test
is first copied to a snapshot folder and run from there, so edits to the working tree during
the run change nothing.

    python benchmarks/bench_batch.py [--naive-wards 3] [--province-communes 24] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cluster

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2023-01-01:2023-10-30"
RESULTS = ROOT / "benchmarks" / "results"
# The national plan: communes, provinces and their departments (about 20 a province).
NATIONAL = {"communes": 3_300, "provinces": 34, "departments": 680}
HOUR_S = 3600.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-wards", type=int, default=3,
                        help="wards the naive loop runs after the city (the 4-unit set: 3)")
    parser.add_argument("--province-districts", type=int, default=10)
    parser.add_argument("--province-communes", type=int, default=24, help="per district")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-local-province", action="store_true",
                        help="no --jobs 1/2 reference runs on the province")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs of each sample-set measure (the median counts)")
    parser.add_argument("--province-rounds", type=int, default=2,
                        help="runs of the province on 1 and on 2 Dask workers each, in the "
                             "order 1, 2, 2, 1, ... (the means count)")
    parser.add_argument("--localcluster", action="store_true",
                        help="also Dask's LocalCluster (unpinned workers) on the province")
    parser.add_argument("--quick", action="store_true",
                        help="a check that the benchmark runs: 1 naive ward, 2 × 3 communes")
    parser.add_argument("--json", type=Path, default=RESULTS / "bench_batch.json",
                        help="where to write the results as JSON")
    args = parser.parse_args()
    if args.quick:
        args.naive_wards, args.province_districts, args.province_communes = 1, 2, 3
        args.repeat = args.province_rounds = 1
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
    results: dict = {"cpus": os.cpu_count(), "load_start": _load()}
    sample_db = make_sample_store(work, env)
    units = registry(sample_db, env)
    four = units[: 1 + args.naive_wards]
    results["sample_units"], results["small_set"] = len(units), four
    results["sections"] = len(list((snap / "notebooks").glob("[0-9][0-9]_*.ipynb")))

    if not args.skip_naive:
        per_unit = naive_loop(env, snap, sample_db, work / "out-naive", four)
        results["naive_per_unit_s"] = dict(zip(four, [round(s, 1) for s in per_unit]))
        results["naive_small_set_s"] = sum(per_unit)
        results["naive_sample_set_s"] = (per_unit[0] + sum(per_unit[1:]) / len(per_unit[1:])
                                         * (len(units) - 1))
    html4 = median_of(args.repeat, results, "html_small_set", env, snap, sample_db, work,
                      ["--to", "html", "--jobs", "2", *_units(four)])
    # HTML and HTML + PDF in turn, so that a slower spell of the machine falls on both
    html26, pdf26 = median_of(args.repeat, results, ("html_sample_set", "html_pdf_sample_set"),
                              env, snap, sample_db, work,
                              (["--to", "html", "--jobs", "2", "--unit", "all"],
                               ["--to", "html,pdf", "--jobs", "2", "--unit", "all"]),
                              keep=True)
    noop = measure(results, "noop_rerun", env, snap, sample_db, work,
                   ["--to", "html,pdf", "--jobs", "2", "--unit", "all"],
                   out=work / "out-html_pdf_sample_set")
    results["pdf_adds_per_unit_s"] = (pdf26 - html26) / len(units)
    results["noop_share"] = noop / pdf26
    if not args.skip_naive:
        results["ratio_small_set"] = results["naive_small_set_s"] / html4
        results["ratio_sample_set"] = results["naive_sample_set_s"] / html26

    province(results, env, snap, work, args)
    one = measure(results, "dask1_html_pdf_sample_set", env, snap, sample_db, work,
                  ["--to", "html,pdf", "--executor", "dask", "--jobs", "1", "--unit", "all"])
    results["client_sample"] = client_cost(env, sample_db, work / "client-sample")
    results["national"] = national_plan(one / len(units), results)
    results["load_end"] = _load()
    results["runs"] = LOADS
    return results


def province(results: dict, env: dict, snap: Path, work: Path, args) -> None:
    """The province set, HTML: Dask on 1 and 2 isolated workers, one core each (cluster.py;
    without root, a LocalCluster), a LocalCluster with --localcluster, local for reference."""
    data = work / "province"  # the store and the outputs: what the isolated workers cannot see
    data.mkdir()
    db = make_province_store(data, env, args.province_districts, args.province_communes)
    results["province_units"] = len(registry(db, env))
    html = ["--to", "html", "--unit", "all"]
    results["province_isolated"] = cluster.available()
    walls: dict[int, list[float]] = {1: [], 2: []}
    # 1, 2, 2, 1, ... workers: a machine that drifts slower or faster during the runs weighs
    # on both counts alike
    for workers in ([1, 2, 2, 1] * args.province_rounds)[: 2 * args.province_rounds]:
        label = f"province_dask{workers}"
        if not cluster.available():
            walls[workers].append(measure(results, label, env, snap, db, data,
                                          [*html, "--executor", "dask", "--jobs", str(workers)]))
            continue
        with cluster.isolated_workers(workers, data, work / "elsewhere", env) as workers_of:
            walls[workers].append(measure(
                results, label, env, snap, db, data,
                [*html, "--executor", "dask", "--scheduler", workers_of.address]))
        LOADS[-1]["workers_cpu_s"] = round(workers_of.cpu_s, 1)
    for workers, runs in walls.items():
        results[f"province_dask{workers}_runs_s"] = [round(w, 2) for w in runs]
        results[f"province_dask{workers}_s"] = statistics.mean(runs)
    runs = []
    if args.localcluster:
        runs += [(f"province_localcluster{n}", ["--executor", "dask", "--jobs", str(n)])
                 for n in (1, 2)]
    if not args.skip_local_province:
        runs += [("province_local1", ["--jobs", "1"]), ("province_local2", ["--jobs", "2"])]
    for label, opts in runs:
        measure(results, label, env, snap, db, data, [*html, *opts])
    results["province_dask_scaling"] = results["province_dask1_s"] / results["province_dask2_s"]
    if args.localcluster:
        results["province_localcluster_scaling"] = (results["province_localcluster1_s"]
                                                    / results["province_localcluster2_s"])
    if not args.skip_local_province:
        results["province_local_scaling"] = (results["province_local1_s"]
                                             / results["province_local2_s"])
    results["client_province"] = client_cost(env, db, work / "client-province")


def _units(codes: list[str]) -> list[str]:
    return [arg for code in codes for arg in ("--unit", code)]


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def snapshot(dest: Path) -> Path:
    """A copy of the code under test; the benchmark runs it, not the working tree."""
    for name in ("tthc_lib", "notebooks", "params"):
        shutil.copytree(ROOT / name, dest / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return dest


def tthc(env: dict, snap: Path, db: Path, *args: str, check: bool = True) -> int:
    return subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db", str(db), *args],
                          env=env, cwd=snap, check=check, stdout=subprocess.DEVNULL).returncode


LOADS: list[dict] = []   # per measure: its options, load average before/after, CPU used


def measure(results: dict, label: str, env: dict, snap: Path, db: Path, work: Path,
            options: list[str], out: Path | None = None, keep: bool = False) -> float:
    """Wall seconds of one `tthc report` into `out` (default: a new empty folder, removed
    after unless `keep`); recorded as results[label + '_s'] and in LOADS."""
    folder = out or work / f"out-{label}"
    before, cpu = _load(), _children_cpu()
    began = time.monotonic()
    # A unit that fails (exit 1, e.g. a kernel killed for memory on a busy machine) is
    # recorded, not fatal: the run's other measures still count.
    code = tthc(env, snap, db, "report", "--period", PERIOD, "--out", str(folder), *options,
                check=False)
    wall = time.monotonic() - began
    LOADS.append({"measure": label, "db": db.stem, "options": " ".join(options), "exit": code,
                  "wall_s": round(wall, 2), "cpu_s": round(_children_cpu() - cpu, 1),
                  "load_before": before, "load_after": _load()})
    results[f"{label}_s"] = wall
    print(f"{label}: {wall:.1f} s (load {before[0]} -> {_load()[0]})", file=sys.stderr)
    if out is None and not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return wall


def median_of(repeat: int, results: dict, labels, env: dict, snap: Path, db: Path, work: Path,
              options, keep: bool = False):
    """`measure` `repeat` times (several labels: in turn), each label's median recorded as
    results[label + '_s'] and its runs as results[label + '_runs_s']; the last run's output
    folder kept when `keep`. The median(s), as `measure` returns."""
    several = isinstance(labels, tuple)
    labels, options = (labels, options) if several else ((labels,), (options,))
    runs: dict[str, list[float]] = {label: [] for label in labels}
    for round_ in range(repeat):
        for label, opts in zip(labels, options):
            last = round_ == repeat - 1
            runs[label].append(measure(results, label, env, snap, db, work, opts,
                                       keep=keep and last))
    medians = []
    for label in labels:
        results[f"{label}_runs_s"] = [round(w, 2) for w in runs[label]]
        results[f"{label}_s"] = statistics.median(runs[label])
        medians.append(results[f"{label}_s"])
    return tuple(medians) if several else medians[0]


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
    """The period's active unit codes, parents first (the runner's order)."""
    code = ("import sys; from tthc_lib.batch.runner import _registry_units; "
            "print('\\n'.join(_registry_units(sys.argv[1], sys.argv[2])[1]))")
    out = subprocess.run([sys.executable, "-c", code, str(db), PERIOD.split(":")[1]], env=env,
                         check=True, capture_output=True, text=True).stdout
    return out.split()


def naive_loop(env: dict, snap: Path, db: Path, out: Path, units: list[str]) -> list[float]:
    """The naive way, per unit: papermill (CLI) per section notebook, then `jupyter nbconvert
    --to html` per executed notebook. Wall seconds per unit."""
    notebooks = sorted((snap / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    start, end = PERIOD.split(":")
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    before, cpu = _load(), _children_cpu()
    per_unit = []
    for unit in units:
        began = time.monotonic()
        for nb in notebooks:
            target = out / unit / nb.name
            target.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, "-m", "papermill", str(nb), str(target),
                            "-p", "unit", unit, "-p", "period_start", start,
                            "-p", "period_end", end, "-p", "db", str(db),
                            "-p", "params_dir", str(snap / "params"), "-k", "python3",
                            "--cwd", str(nb.parent), "--no-progress-bar"],
                           env=env, check=True, capture_output=True)
            subprocess.run([jupyter, "nbconvert", "--to", "html", str(target)], env=env,
                           check=True, capture_output=True)
        per_unit.append(time.monotonic() - began)
        print(f"naive {unit}: {per_unit[-1]:.1f} s", file=sys.stderr)
    LOADS.append({"measure": "naive", "db": db.stem, "options": " ".join(units),
                  "wall_s": round(sum(per_unit), 1), "cpu_s": round(_children_cpu() - cpu, 1),
                  "load_before": before, "load_after": _load()})
    shutil.rmtree(out, ignore_errors=True)
    return per_unit


CLIENT_COST = r"""
import json, sys, time
from pathlib import Path
from tthc_lib.batch.bundle import PackedOutcome, Snapshots, unpack
from tthc_lib.batch.executors import chunk_size
from tthc_lib.batch.manifest import Manifest
from tthc_lib.batch.runner import _registry_units, output_path, plan_batch
from tthc_lib.batch.tasks import UnitOutcome
from tthc_lib.content.request import report_request
from tthc_lib.content.words.narrative import Settings
from tthc_lib.periods import parse_period

db, work = Path(sys.argv[1]), Path(sys.argv[2])
period = parse_period(sys.argv[3])
units = _registry_units(db, period.end)[1]
out = work / "out"
plan = plan_batch(report_request("", period, db, Path("params"), ("html", "pdf")), units, out,
                  Path("notebooks"), Manifest(work))
began_cpu, began = time.process_time(), time.monotonic()
snapshots = Snapshots(db, period, Settings.load(Path("params")).calendar)
shared = snapshots.shared(Path("params"), plan.tasks[0].notebooks)
shared_cpu = time.process_time() - began_cpu
rows = []  # per packed task (units as Dask on 2 workers packs them)
size = chunk_size(len(plan.tasks), 2)
for i in range(0, len(plan.tasks), size):
    chunk = plan.tasks[i:i + size]
    cpu = time.process_time()
    packed = snapshots.pack(chunk)
    rows.append((chunk[0].unit, time.process_time() - cpu, packed.size))
single = []  # one unit alone: the root, then a leaf
for task in (plan.tasks[0], plan.tasks[-1]):
    cpu = time.process_time()
    packed = snapshots.pack([task])
    single.append({"unit": task.unit, "pack_cpu_s": round(time.process_time() - cpu, 4),
                   "bytes": packed.size})
snapshots.close()
pack_wall = time.monotonic() - began
# Collection: a unit's files as a worker returns them (an HTML report of 60 kB, a PDF of
# 250 kB, 7 executed notebooks of 40 kB: the sample ward's sizes), written under `out`.
files = {"{u}.html": 60_000, "{u}.pdf": 250_000,
         **{f"notebooks/{{u}}/{i:02d}.ipynb": 40_000 for i in range(7)}}
collect = []
for task in plan.tasks:
    folder = output_path(out, "period_dir", period).relative_to(out).as_posix()
    made = {f"{folder}/" + k.format(u=task.unit): bytes(n) for k, n in files.items()}
    outcome = UnitOutcome(task.unit, html=f"{folder}/{task.unit}.html",
                          pdf=f"{folder}/{task.unit}.pdf")
    cpu = time.process_time()
    unpack(PackedOutcome([outcome], made), (task,))
    collect.append(time.process_time() - cpu)
n = len(plan.tasks)
print(json.dumps({
    "units": n, "units_per_task": size, "shared_bytes": sum(map(len, shared.files.values())),
    "shared_cpu_s": round(shared_cpu, 3),
    "pack_cpu_per_unit_s": round(sum(r[1] for r in rows) / n, 4),
    "pack_bytes_per_unit": round(sum(r[2] for r in rows) / n),
    "pack_wall_s": round(pack_wall, 2), "alone": single,
    "collect_cpu_per_unit_s": round(sum(collect) / n, 4),
}))
"""


def client_cost(env: dict, db: Path, work: Path) -> dict:
    """The client's CPU per unit (its whole process, DuckDB's threads included): the units'
    snapshots (bundle.Snapshots) and the collection of their files, on the store `db`."""
    work.mkdir(parents=True, exist_ok=True)
    before = _load()
    out = subprocess.run([sys.executable, "-c", CLIENT_COST, str(db), str(work), PERIOD],
                         env=env, cwd=env["PYTHONPATH"], check=True, capture_output=True,
                         text=True).stdout
    shutil.rmtree(work, ignore_errors=True)
    return dict(json.loads(out), load_before=before, load_after=_load())


def national_plan(per_unit_s: float, results: dict) -> dict:
    """Workers for the national set in one hour, from the measured per-unit cost (HTML + PDF,
    one worker), the province's 2-worker efficiency, and what the client then costs."""
    units = sum(NATIONAL.values())
    efficiency = min(1.0, results["province_dask_scaling"] / 2)
    worker_s = units * per_unit_s
    workers = math.ceil(worker_s / (HOUR_S * efficiency))
    client = results["client_province"]
    client_s = units * (client["pack_cpu_per_unit_s"] + client["collect_cpu_per_unit_s"])
    return {"units": units, **NATIONAL, "per_unit_one_worker_s": round(per_unit_s, 3),
            "efficiency": round(efficiency, 3), "worker_cpu_h": round(worker_s / HOUR_S, 2),
            "workers_for_one_hour": workers,
            "client_cpu_s": round(client_s, 1),
            "client_share_of_hour": round(client_s / HOUR_S, 4),
            "workers_one_client_can_feed": math.floor(
                per_unit_s / (client["pack_cpu_per_unit_s"] + client["collect_cpu_per_unit_s"]))}


def make_province_store(work: Path, env: dict, districts: int, communes: int) -> Path:
    """A province, its districts and their communes, ~150 dossiers a commune and 400 a
    district in 2023, a few feedback rows; deterministic."""
    db = work / "province.duckdb"
    code = PROVINCE_SQL.format(districts=districts, communes=communes)
    script = ("import sys; from tthc_lib.store.connection import connect; "
              "con = connect(sys.argv[1]); con.execute(sys.argv[2]); con.close()")
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


if __name__ == "__main__":
    main()
