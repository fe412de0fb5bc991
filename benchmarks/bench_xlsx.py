"""Ingest speed by CPU time (issue 22, "Speed"): XLSX against CSV, and CSV against DuckDB.

1. *XLSX against CSV*: the sample's largest dossier export (`tthc sample`, `ho_so_2023.csv`,
   97,201 rows) and the same rows written as an .xlsx workbook (one sheet, the CSV's header
   row; `STT` as a number, every other cell the CSV's text; `--xlsx excel`, the default:
   shared strings and UTF-8 as Excel saves, or `--xlsx openpyxl`: inline strings with
   character references, as openpyxl's write-only mode saves), each loaded by
   `load_exports` into a fresh store holding the sample's registries. Target: XLSX CPU time
   <= 3x the CSV's. The counts (read, loaded, set aside, duplicates) must be equal.
2. *CSV against DuckDB*: 2,000,000 dossiers of the province of `province.py` in **one**
   export (544 MB), loaded by `load_exports` (every rule, set-aside rows, duplicates,
   one row per id, commit) against DuckDB's own `CREATE TABLE AS SELECT * FROM read_csv(...)`
   into a fresh database file. Target: our rate >= 60% of DuckDB's (CPU time of DuckDB's
   CTAS / ours), peak memory < 1 GB.

Every measure runs in a fresh process of its own (so its peak memory is its own); the
process reports the CPU time (user + system, all threads: `getrusage(RUSAGE_SELF)`) of the
measured call only (the registries are loaded before, untimed) and its peak resident memory
(`VmHWM`, imports included). Runs are interleaved `--repeat` times; medians count. The
machine is shared, so wall time is shown but not compared.

    python benchmarks/bench_xlsx.py [--repeat 5] [--work DIR] [--part xlsx|csv|both]
        [--rows 2000000]

Writes benchmarks/results/xlsx.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

RESULTS = HERE / "results" / "xlsx.json"
TARGET_XLSX_RATIO = 3.0
TARGET_CSV_SHARE = 0.60
TARGET_PEAK_MB = 1024
SAMPLE_FILE = "ho_so_2023.csv"
SAMPLE_REGISTRIES = ("don_vi.csv", "thu_tuc_hanh_chinh.xlsx")


# --------------------------------------------------------------------------- child process

def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _hwm_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child(mode: str, store: Path, files: list[Path]) -> dict:
    """One measure in this process: `ours` loads files[:-1] (untimed), then files[-1];
    `ctas` is DuckDB's CREATE TABLE AS read_csv of files[-1] into a fresh file."""
    import duckdb

    for p in (store, store.with_name(store.name + ".wal")):
        p.unlink(missing_ok=True)
    out: dict = {}
    if mode == "ctas":
        con = duckdb.connect(str(store))
        wall, cpu = time.perf_counter(), _cpu()
        con.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{files[-1]}', header=true)")
        con.close()
    else:
        from tthc_lib.ingest.load import load_exports
        from tthc_lib.store.connection import connect

        con = connect(store)
        pre = load_exports(con, files[:-1])
        assert not any(r.error for r in pre), pre
        wall, cpu = time.perf_counter(), _cpu()
        (res,) = load_exports(con, files[-1:])
        con.close()
        assert res.error is None, res.error
        out["counts"] = [res.read, res.loaded, res.rejected, res.duplicates]
    out.update(cpu_s=round(_cpu() - cpu, 3), wall_s=round(time.perf_counter() - wall, 3),
               peak_mb=_hwm_mb())
    return out


def _run_child(mode: str, store: Path, files: list[Path]) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(store),
           *map(str, files)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- data

def sample_files(work: Path, style: str) -> dict:
    """The sample (written once into work/sample) and its 2023 export as .xlsx."""
    sample = work / "sample"
    if not (sample / SAMPLE_FILE).exists():
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "tthc_lib.cli", "sample", "--out", str(sample)],
                       check=True, env=env, capture_output=True)
    xlsx = work / f"ho_so_2023_{style}.xlsx"
    if not xlsx.exists():
        write_xlsx(sample / SAMPLE_FILE, xlsx, style)
    return {"registries": [sample / n for n in SAMPLE_REGISTRIES],
            "csv": sample / SAMPLE_FILE, "xlsx": xlsx}


def write_xlsx(src: Path, dest: Path, style: str = "excel") -> None:
    """The CSV's rows as one sheet: `STT` a number, every other cell the CSV's text. `excel`:
    text in a shared-strings table, UTF-8, as Excel saves a workbook (written here by
    hand); `openpyxl`: openpyxl's write-only workbook (inline strings, every non-ASCII
    character as a character reference, so a sheet 3.5x larger)."""
    with open(src, encoding="utf-8", newline="") as fh:
        rows = [[int(r[0]) if i else r[0]] + r[1:] for i, r in enumerate(csv.reader(fh))]
    part = dest.with_suffix(".part")
    if style == "openpyxl":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Danh sách hồ sơ")
        for row in rows:
            ws.append(row)
        wb.save(part)
    else:
        _write_excel_like(rows, part)
    part.replace(dest)


def _col(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(65 + r) + name
    return name


def _write_excel_like(rows: list[list], dest: Path) -> None:
    import zipfile
    from xml.sax.saxutils import escape

    ns = "http://schemas.openxmlformats.org"
    strings: dict[str, int] = {}
    cols = [_col(i) for i in range(max(map(len, rows)))]
    sheet = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
             f'xmlns="{ns}/spreadsheetml/2006/main"><sheetData>']
    for n, row in enumerate(rows, start=1):
        cells = []
        for c, v in zip(cols, row):
            if isinstance(v, int):
                cells.append(f'<c r="{c}{n}"><v>{v}</v></c>')
            elif v != "":
                cells.append(f'<c r="{c}{n}" t="s"><v>{strings.setdefault(v, len(strings))}</v></c>')
        sheet.append(f'<row r="{n}">{"".join(cells)}</row>')
    sheet.append("</sheetData></worksheet>")
    shared = "".join(f"<si><t>{escape(t)}</t></si>" for t in strings)
    count = sum(1 for r in rows for v in r if isinstance(v, str) and v)
    rel = f"{ns}/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{ns}/package/2006/content-types"><Default '
        'Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/'
        'sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship '
        f'Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{rel}">'
        '<sheets><sheet name="Danh sách hồ sơ" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{ns}/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/sharedStrings.xml": f'<sst xmlns="{ns}/spreadsheetml/2006/main" count="{count}" '
        f'uniqueCount="{len(strings)}">{shared}</sst>',
        "xl/worksheets/sheet1.xml": "".join(sheet),
    }
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))


def province_files(work: Path, rows: int) -> dict:
    import province

    spec = province.ProvinceSpec(dossiers=rows, dossier_files=1)
    marker = work / "province" / "spec.json"
    wanted = json.dumps(spec.__dict__, sort_keys=True)
    if not marker.exists() or marker.read_text() != wanted:
        files = province.write_province(work / "province", spec)
        (work / "province" / "files.json").write_text(
            json.dumps({k: [str(p) for p in v] for k, v in files.items()}))
        marker.write_text(wanted)
    files = json.loads((work / "province" / "files.json").read_text())
    return {"registries": [Path(p) for p in files["units"] + files["procedures"]],
            "csv": Path(files["dossiers"][0])}


# --------------------------------------------------------------------------- measures

def _summary(runs: list[dict]) -> dict:
    return {"cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
            "wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
            "peak_mb": max(r["peak_mb"] for r in runs),
            "runs_cpu_s": [r["cpu_s"] for r in runs]}


def bench_xlsx(work: Path, repeat: int, style: str) -> dict:
    f = sample_files(work, style)
    runs: dict[str, list] = {"csv": [], "xlsx": []}
    for _ in range(repeat):
        for kind in runs:
            runs[kind].append(_run_child("ours", work / f"{kind}.duckdb",
                                         f["registries"] + [f[kind]]))
    counts = {k: v[0]["counts"] for k, v in runs.items()}
    assert counts["csv"] == counts["xlsx"], counts
    out = {"rows": counts["csv"][0], "counts": counts["csv"], "xlsx_style": style,
           "csv_mb": round(f["csv"].stat().st_size / 1e6, 1),
           "xlsx_mb": round(f["xlsx"].stat().st_size / 1e6, 1),
           **{k: _summary(v) for k, v in runs.items()}}
    out["cpu_ratio"] = round(out["xlsx"]["cpu_s"] / out["csv"]["cpu_s"], 2)
    out["meets_target"] = out["cpu_ratio"] <= TARGET_XLSX_RATIO
    return out


def bench_csv(work: Path, repeat: int, rows: int) -> dict:
    f = province_files(work, rows)
    runs: dict[str, list] = {"ctas": [], "ours": []}
    for _ in range(repeat):
        runs["ctas"].append(_run_child("ctas", work / "raw.duckdb", [f["csv"]]))
        runs["ours"].append(_run_child("ours", work / "ours.duckdb", f["registries"] + [f["csv"]]))
    out = {"rows": rows, "csv_mb": round(f["csv"].stat().st_size / 1e6, 1),
           "counts": runs["ours"][0]["counts"], **{k: _summary(v) for k, v in runs.items()}}
    out["cpu_share"] = round(out["ctas"]["cpu_s"] / out["ours"]["cpu_s"], 3)
    out["meets_target"] = (out["cpu_share"] >= TARGET_CSV_SHARE
                           and out["ours"]["peak_mb"] < TARGET_PEAK_MB)
    return out


def machine() -> dict:
    import duckdb

    return {"python": platform.python_version(), "duckdb": duckdb.__version__,
            "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def print_table(res: dict) -> None:
    if "xlsx" in res:
        x = res["xlsx"]
        print(f"XLSX ({x['xlsx_style']}) against CSV, {x['rows']:,} rows (CSV {x['csv_mb']} MB, "
              f"XLSX {x['xlsx_mb']} MB), medians:")
        for kind in ("csv", "xlsx"):
            m = x[kind]
            print(f"  {kind:5} CPU {m['cpu_s']:7.2f} s  wall {m['wall_s']:7.2f} s  "
                  f"peak {m['peak_mb']:6.0f} MB  runs {m['runs_cpu_s']}")
        print(f"  XLSX / CSV by CPU: {x['cpu_ratio']:.2f}x (target <= {TARGET_XLSX_RATIO}x)")
    if "csv" in res:
        c = res["csv"]
        print(f"CSV against DuckDB, {c['rows']:,} rows in one file ({c['csv_mb']} MB), medians:")
        for kind, label in (("ctas", "DuckDB CTAS into a file"), ("ours", "load_exports")):
            m = c[kind]
            print(f"  {label:24} CPU {m['cpu_s']:7.2f} s  wall {m['wall_s']:7.2f} s  "
                  f"peak {m['peak_mb']:6.0f} MB  runs {m['runs_cpu_s']}")
        print(f"  ours / DuckDB's by CPU: {c['cpu_share']:.0%} (target >= "
              f"{TARGET_CSV_SHARE:.0%}, peak < {TARGET_PEAK_MB} MB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--part", choices=("xlsx", "csv", "both"), default="both")
    parser.add_argument("--xlsx", choices=("excel", "openpyxl"), default="excel",
                        help="how the workbook is written (see write_xlsx)")
    parser.add_argument("--work", type=Path, help="keep the generated data here (reused)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, store, *files = args.child
        print(json.dumps(child(mode, Path(store), [Path(p) for p in files])))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="tthc-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    res = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "machine": machine()}
    try:
        if args.part in ("xlsx", "both"):
            res["xlsx"] = bench_xlsx(work, args.repeat, args.xlsx)
        if args.part in ("csv", "both"):
            res["csv"] = bench_csv(work, args.repeat, args.rows)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    res["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    print_table(res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
