"""Bad input through the real `tthc` command line: rows with personal values, the CSV they
are written to, and what the store keeps of them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import duckdb

from helpers.paths import data_path

REGISTRIES = [str(data_path("ingest", "units.csv")), str(data_path("ingest", "procedures.csv"))]
NAME, CCCD, ADDRESS = "Nguyễn Văn Bình", "001090012345", "Số 7 ngõ Hòa Bình"
PERSONAL = (NAME, CCCD, ADDRESS, "Văn Bình", "ngõ Hòa")


# Personal columns between the stored ones, so that a shifted row moves them into others.
HEAD = ["STT", "Mã hồ sơ", "Người nộp", "Số CCCD", "Mã đơn vị", "Mã thủ tục", "Địa chỉ",
        "Hình thức nộp", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái", "Ngày kết thúc"]


def row(i: int, **cells) -> list[str]:
    values = dict(zip(HEAD, [str(i), f"K{i:02d}", NAME, CCCD, "THD", "1.001193", ADDRESS,
                             "Trực tuyến", "03/04/2023 08:00", "05/04/2023", "Đã giải quyết",
                             "04/04/2023 16:30"]))
    values.update(cells)
    return list(values.values())


def write_csv(path: Path, rows: list[list[str]], header=HEAD) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def tthc(db: Path, *args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db", str(db), *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300, check=False)


def ingest(db: Path, *files, cwd=None) -> tuple[subprocess.CompletedProcess, dict]:
    """Run `tthc ingest` (lines) and read back each file's load record by name."""
    run = tthc(db, "ingest", *REGISTRIES, *map(str, files), cwd=cwd)
    assert "Traceback" not in run.stderr, run.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        loads = {f: (r, n, j, d) for f, r, n, j, d in con.execute(
            "SELECT file, n_read, n_loaded, n_rejected, n_duplicates FROM loads").fetchall()}
    finally:
        con.close()
    return run, loads


def store_text(db: Path) -> str:
    """Every value of every column of every table of the store, as text."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()]
        return "\n".join(str(v) for t in tables for r in con.execute(
            f'SELECT * FROM "{t}"').fetchall() for v in r)
    finally:
        con.close()


def rejected(db: Path) -> list[dict]:
    return json.loads(tthc(db, "rejected", "--format", "json").stdout)
