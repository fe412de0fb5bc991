"""Peak memory of loading a 2,000,000-row dossier export in one file (issues 6 and 13):
`tthc ingest` of the registries and one generated export, measured with `/usr/bin/time -v`
(maximum resident set size of the process). The export is written to a temporary folder,
never kept. Target: < 1 GB.

Usage: python benchmarks/bench_memory.py [--rows 2000000] [--encoding utf-8|utf-16]
       [--line-breaks] [--limit-mb 1024] [--json FILE]
Exits 1 when the peak exceeds the limit or a row is not accounted for.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTRIES = [ROOT / "tests" / "data" / "ingest" / n for n in ("units.csv", "procedures.csv")]
HEADER = ["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Tên thủ tục", "Hình thức nộp",
          "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái", "Ngày kết thúc",
          "Số hóa thành phần hồ sơ", "Số hóa kết quả", "Người nộp", "Số CCCD", "Số điện thoại",
          "Địa chỉ"]
UNITS = ["HD", "THD", "NT", "TH"]
PROCEDURES = ["1.001193", "1.000656", "2.000908", "1.004227"]


def write_export(path: Path, rows: int, encoding: str = "utf-8", line_breaks: bool = False,
                 seed: int = 6) -> dict[str, int]:
    """A dossier export like the one-stop system's (UTF-8 CSV, or Excel's UTF-16 "Unicode
    text" with tabs), with 1 row in 200 bad and 1 in 500 an exact duplicate of the row
    before; with `line_breaks`, 1 address in 1,000 holds a line break (quoted), which sends
    the file through the Python reader. Returns the expected counts."""
    rng = random.Random(seed)
    bad = dups = 0
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter="\t" if encoding == "utf-16" else ",")
        w.writerow(HEADER)
        previous = None
        for i in range(rows):
            if previous is not None and i % 500 == 499:
                w.writerow(previous)
                dups += 1
                continue
            day = rng.randrange(1, 29)
            month = rng.randrange(1, 11)
            open_ = rng.random() < 0.1
            row = [f"H{i:07d}", rng.choice(UNITS), rng.choice(PROCEDURES), "Thủ tục",
                   rng.choice(["Trực tuyến", "Trực tiếp", "Bưu chính"]),
                   f"{day:02d}/{month:02d}/2023 08:{rng.randrange(60):02d}",
                   f"{day:02d}/{month + 1:02d}/2023", "Đang giải quyết" if open_ else "Đã giải quyết",
                   "" if open_ else f"{min(day + 3, 28):02d}/{month:02d}/2023 15:00",
                   rng.choice(["Có", "Không", "1", ""]), rng.choice(["Có", "Không"]),
                   "Nguyễn Văn A", f"0010900{i:05d}", "0912000000", "Số 1 phố Trần Hưng Đạo"]
            if line_breaks and i % 1000 == 7:
                row[14] = "Số 1\nphố Trần Hưng Đạo"
            if i % 200 == 199:
                row[4] = "Qua Zalo"
                bad += 1
            w.writerow(row)
            previous = row
    return {"read": rows, "rejected": bad, "duplicates": dups, "loaded": rows - bad - dups}


def measure(db: Path, files: list[Path]) -> tuple[dict, float, float]:
    """(ingest JSON, peak RSS in MB, seconds) of one `tthc ingest` run."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "tthc_lib.cli", "--db", str(db),
           "ingest", "--json", *map(str, files)]
    began = time.monotonic()
    run = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT)
    seconds = time.monotonic() - began
    if run.returncode != 0:
        raise SystemExit(f"tthc ingest failed:\n{run.stderr[-3000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))
    return json.loads(run.stdout), peak_kb / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--limit-mb", type=float, default=1024)
    parser.add_argument("--encoding", choices=["utf-8", "utf-16"], default="utf-8")
    parser.add_argument("--line-breaks", action="store_true",
                        help="quoted line breaks in some cells (the Python reader's path)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tthc-mem-") as tmp:
        export = Path(tmp) / "dossiers.csv"
        expected = write_export(export, args.rows, args.encoding, args.line_breaks)
        size_mb = export.stat().st_size / 1e6
        result, peak_mb, seconds = measure(Path(tmp) / "store.duckdb", REGISTRIES + [export])
    got = result["files"][-1]
    counts = {k: got[k] for k in expected}
    report = {"rows": args.rows, "encoding": args.encoding,
              "line_breaks": args.line_breaks, "export_mb": round(size_mb, 1), "peak_rss_mb": round(peak_mb),
              "seconds": round(seconds, 1), "expected": expected, "counts": counts,
              "identity": got["read"] == got["loaded"] + got["rejected"] + got["duplicates"]}
    print(json.dumps(report, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    if counts != expected or not report["identity"] or peak_mb > args.limit_mb:
        sys.exit(1)


if __name__ == "__main__":
    main()
