"""Faults injected on purpose, each in a subprocess: `kill -9` at every step of a load, a full
disk, an unwritable store or output folder, two loads at once, and a report run killed
mid-way. The store is left exactly as before (or as after, once committed), errors are one
clear line, and no half-written report looks complete; the next run finishes the rest."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.city import PERIOD, PERIOD_DIR, build_city, tthc
from helpers.paths import data_path

from tthc_lib.store.connection import connect

REGISTRIES = [str(data_path("ingest", n)) for n in ("units.csv", "procedures.csv")]
DOSSIERS = str(data_path("ingest", "dossiers.csv"))
UPDATE = str(data_path("ingest", "dossiers_update.csv"))       # replaces HS002, adds HS006
TABLES = ("units", "successions", "procedures", "changes", "dossiers", "feedback", "loads",
          "rejected")

# A load in a subprocess that kills itself (SIGKILL, as `kill -9`) before or after the first
# statement containing a given text: the store must recover to before or after the load.
KILLER = """
import os, signal, sys
from tthc_lib.ingest.load import load_exports
from tthc_lib.store.connection import connect

when, text, db, *files = sys.argv[1:]

class KilledAt:
    def __init__(self, con):
        self._con = con
    def __getattr__(self, name):
        return getattr(self._con, name)
    def execute(self, sql, *args):
        if when == "before" and text in sql:
            os.kill(os.getpid(), signal.SIGKILL)
        result = self._con.execute(sql, *args)
        if when == "after" and text in sql:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

load_exports(KilledAt(connect(db)), files)
print("finished")
"""

# (before|after, text of the statement): every step of one file's load.
KILL_POINTS = [
    ("before", "CREATE OR REPLACE TEMP TABLE"),      # staging the file
    ("after", "BEGIN TRANSACTION"),
    ("after", "INTO dossiers"),                      # good rows written, not committed
    ("after", "INSERT INTO loads"),
    ("after", "INSERT INTO rejected"),
    ("before", "COMMIT"),
    ("after", "COMMIT"),                             # committed: the load is complete
]


def snapshot(db: Path) -> dict[str, list]:
    con = connect(db, read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
    finally:
        con.close()


def loaded_store(folder: Path, files: list[str]) -> Path:
    db = folder / "store.duckdb"
    con = connect(db)
    try:
        from tthc_lib.ingest.load import load_exports

        assert not [r for r in load_exports(con, files) if r.error]
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return db


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """A store before the update file is loaded, and the same store after a clean load."""
    folder = tmp_path_factory.mktemp("faults")
    before = loaded_store(folder / "before", REGISTRIES + [DOSSIERS])
    after = folder / "after" / "store.duckdb"
    after.parent.mkdir()
    shutil.copyfile(before, after)
    con = connect(after)
    try:
        from tthc_lib.ingest.load import load_exports

        load_exports(con, [UPDATE])
    finally:
        con.close()
    return before, after


def _without_load_times(snap: dict) -> dict:
    return dict(snap, loads=[row[:3] + row[4:] for row in snap["loads"]])


@pytest.mark.parametrize("when, text", KILL_POINTS)
def test_kill_9_during_a_load_leaves_the_store_as_before_or_as_after(stores, tmp_path, when,
                                                                     text):
    before, after = stores
    db = tmp_path / "store.duckdb"
    shutil.copyfile(before, db)
    run = subprocess.run([sys.executable, "-c", KILLER, when, text, str(db), UPDATE],
                         capture_output=True, text=True, check=False)
    assert run.returncode == -signal.SIGKILL, run.stderr
    expected = after if (when, text) == ("after", "COMMIT") else before
    assert _without_load_times(snapshot(db)) == _without_load_times(snapshot(expected))
    if expected == before:                            # the next load completes it
        again = tthc(db, "ingest", UPDATE)
        assert again.returncode == 0, again.stderr
        assert _without_load_times(snapshot(db)) == _without_load_times(snapshot(after))


def _full_disk(limit: int):
    """preexec_fn: files of this process may not grow beyond `limit` bytes (EFBIG), as
    when the disk is full."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def _big_dossiers(path: Path, rows: int) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Hình thức nộp", "Ngày tiếp nhận",
                    "Ngày hẹn trả", "Trạng thái", "Ngày kết thúc"])
        w.writerows([f"BIG{i}", "THD", "1.001193", "Trực tuyến", "03/04/2023 08:00",
                     "05/04/2023", "Đã giải quyết", "04/04/2023 16:30"] for i in range(rows))
    return path


def test_a_full_disk_during_a_load_is_one_clear_line_and_changes_nothing(stores, tmp_path):
    before, _ = stores
    db = tmp_path / "store.duckdb"
    shutil.copyfile(before, db)
    big = _big_dossiers(tmp_path / "dossiers_big.csv", 100_000)
    run = subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db", str(db), "ingest",
                          str(big)], capture_output=True, text=True, check=False,
                         preexec_fn=_full_disk(db.stat().st_size + 50_000))
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.startswith(f"tthc: {big}: không ghi được vào kho dữ liệu, kho giữ "
                                 "nguyên như trước (")
    assert run.stderr.endswith(": File too large).\n") and run.stderr.count("\n") == 1
    assert snapshot(db) == snapshot(before)


def test_an_unusable_store_path_is_one_clear_line(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    run = tthc(blocker / "store.duckdb", "ingest", *REGISTRIES)
    assert run.returncode == 1
    assert run.stderr.startswith(f"tthc: Không tạo được kho dữ liệu {blocker / 'store.duckdb'}: ")
    assert run.stderr.count("\n") == 1


def test_a_load_while_another_process_writes_fails_cleanly_then_succeeds(stores, tmp_path):
    before, after = stores
    db = tmp_path / "store.duckdb"
    shutil.copyfile(before, db)
    holder = connect(db)                       # another process holds the store for writing
    try:
        run = tthc(db, "ingest", UPDATE)
    finally:
        holder.close()
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr == (f"tthc: Kho dữ liệu {db} đang được một tiến trình khác ghi; hãy chờ "
                          "tiến trình đó xong rồi chạy lại.\n")
    assert snapshot(db) == snapshot(before)
    assert tthc(db, "ingest", UPDATE).returncode == 0
    assert _without_load_times(snapshot(db)) == _without_load_times(snapshot(after))


def test_two_loads_at_once_serialise_or_fail_cleanly(stores, tmp_path):
    before, _ = stores
    db = tmp_path / "store.duckdb"
    shutil.copyfile(before, db)
    big = _big_dossiers(tmp_path / "dossiers_big.csv", 20_000)
    cmd = [sys.executable, "-m", "tthc_lib.cli", "--db", str(db), "ingest"]
    runs = [subprocess.Popen(cmd + [f], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for f in (str(big), UPDATE)]
    results = [(p.wait(), *p.communicate()) for p in runs]
    locked = (f"tthc: Kho dữ liệu {db} đang được một tiến trình khác ghi; hãy chờ tiến trình "
              "đó xong rồi chạy lại.\n")
    assert [r[0] for r in results].count(0) >= 1
    for code, _out, err in results:
        assert code == 0 or err == locked, err
    dossiers = {r[0] for r in snapshot(db)["dossiers"]}
    assert ("BIG19999" in dossiers) == (results[0][0] == 0)
    assert ("HS006" in dossiers) == (results[1][0] == 0)
    assert len(dossiers) == 5 + 20_000 * (results[0][0] == 0) + (results[1][0] == 0)


# --------------------------------------------------------------------------- report runs

def _report(db: Path, out: Path, params: Path, *extra: str) -> list[str]:
    """The `tthc report` command (HTML) for the fault city."""
    return [sys.executable, "-m", "tthc_lib.cli", "--db", str(db), "report", "--period", PERIOD,
            "--to", "html", "--out", str(out), "--params", str(params), *extra]


def _complete(path: Path) -> bool:
    return path.read_bytes().rstrip().endswith(b"</html>")


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults_city")
    files, params = build_city(root / "exports")
    db = root / "store.duckdb"
    assert tthc(db, "ingest", *map(str, files)).returncode == 0
    return db, root / "out", params


def test_report_runs_with_a_full_disk_then_killed_then_finished(city):
    db, out, params = city
    folder = out / PERIOD_DIR
    # 1. The disk fills up: every unit fails with a clear line, no report is written.
    cmd = _report(db, out, params, "--unit", "all")
    full = subprocess.run(cmd, capture_output=True, text=True, check=False, preexec_fn=_full_disk(300_000))
    assert full.returncode == 1 and "Traceback" not in full.stderr
    for unit in ("PX", "PX01", "PX02"):
        assert (f"  {unit} | (dựng báo cáo) | ReportError: Không ghi được tệp "
                f"{folder / unit}.html: File too large") in full.stderr
        assert not (folder / f"{unit}.html").exists()
    # 2. Space freed, the rerun (every unit) is killed once the first report is written.
    cmd = _report(db, out, params, "--unit", "all", "--force")
    run = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        while run.poll() is None and not list(folder.glob("PX*.html")):
            time.sleep(0.05)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    written = sorted(p.name for p in folder.glob("PX*.html"))
    assert 1 <= len(written) < 3, written             # killed mid-way
    assert all(_complete(folder / name) for name in written)
    # 3. The next run finishes the rest.
    cmd = _report(db, out, params, "--unit", "all", "--retry-failed")
    rest = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert rest.returncode == 0, rest.stderr[-2000:]
    for unit in ("PX", "PX01", "PX02"):
        assert _complete(folder / f"{unit}.html"), unit
    assert _complete(folder / "index.html")
    text = (folder / "PX01.html").read_text(encoding="utf-8")
    assert "Số hồ sơ được tiếp nhận 02 hồ sơ" in text


def test_an_unwritable_output_folder_is_one_clear_line(city, tmp_path):
    db, _, params = city
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the output folder should be")
    run = subprocess.run(_report(db, blocker / "out", params, "--unit", "PX"),
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert len(run.stderr.splitlines()) == 1 and str(blocker) in run.stderr
