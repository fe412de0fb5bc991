"""Issue 20, outside ingest's readers: what a store loaded before ingest cleaned control
characters holds never breaks a renderer, and a bad --out is one line (CLI as a subprocess)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from helpers.cli import held_out_exports, tthc

# A vertical tab, a NUL and a unit separator inside one field, as pasted from Word into an
# export before ingest cleaned them (an old store keeps them).
DIRTY_FIELD = "Hộ\x0btịch\x00\x1f"


@pytest.fixture(scope="module")
def old_store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    ws = root / "uong-bi"
    assert tthc(root, "init", str(ws), "--period", "2023-Q1").returncode == 0
    files = held_out_exports(root / "exports")
    lines = tthc(ws, "inspect", str(files["dossiers"])).stdout.splitlines()
    start = lines.index("dossiers:")
    (ws / "params" / "sources" / "khac.yaml").write_text(
        "\n".join(lines[start:lines.index("", start)]) + "\n", encoding="utf-8")
    assert tthc(ws, "ingest", *map(str, files.values())).returncode == 0
    with duckdb.connect(str(ws / "data" / "tthc.duckdb")) as con:
        con.execute("UPDATE procedures SET field = ? WHERE field = 'Hộ tịch'", [DIRTY_FIELD])
        assert con.execute("SELECT count(*) FROM procedures WHERE field = ?",
                           [DIRTY_FIELD]).fetchone() == (1,)
    return ws


def test_form06_writes_a_field_holding_control_characters(old_store):
    import openpyxl

    run = tthc(old_store, "form06", "--period", "2023-Q1", "--scope", "total", "--out",
               "bieu06.xlsx")
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    sheet = openpyxl.load_workbook(old_store / "bieu06.xlsx").active
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Hộ tịch" in texts                      # the tab was a space; NUL and US dropped


def test_html_and_docx_reports_are_written_with_the_field_cleaned(old_store):
    import docx

    run = tthc(old_store, "report", "--period", "2023-Q1", "--unit", "UB01", "--to",
               "html,docx")
    assert run.returncode == 0, run.stdout + run.stderr
    folder = old_store / "outputs" / "2023-01-01_2023-03-31"
    page = (folder / "UB01.html").read_text(encoding="utf-8")
    assert "Hộ tịch" in page
    assert not any(ch in page for ch in "\x00\x0b\x0c\x1f")
    document = docx.Document(str(folder / "UB01.docx"))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "Hộ tịch" in cells


IS_DIR = "là một thư mục, cần đường dẫn tệp .xlsx trong đó (ví dụ bieu06.xlsx)."


@pytest.mark.parametrize("out, says", [
    ("", "tthc: --out để trống: cần đường dẫn tệp .xlsx (ví dụ bieu06.xlsx)."),
    ("  ", "tthc: --out để trống: cần đường dẫn tệp .xlsx (ví dụ bieu06.xlsx)."),
    ("outputs", "tthc: --out outputs: " + IS_DIR),
    ("bieu/", "tthc: --out bieu/: " + IS_DIR),
    ("..", "tthc: --out ..: " + IS_DIR),
    ("README.txt/bieu06.xlsx", ("tthc: --out README.txt/bieu06.xlsx: README.txt là một tệp, "
                                "không phải thư mục; cần đường dẫn tệp .xlsx trong một thư mục.")),
])
def test_a_bad_form06_out_is_one_line(old_store, out, says):
    (old_store / "README.txt").write_text("x", encoding="utf-8")
    run = tthc(old_store, "form06", "--period", "2023-Q1", "--out", out)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [says]


# ---------------------------------------------------------------- params, one schema

BOMB = "".join(f"{x}: &{x} [{', '.join([f'*{p}'] * 10)}]\n" for p, x in zip("abcdefg", "bcdefgh"))
BOMB = 'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]\n' + BOMB + \
    "units:\n  UB01: {name: *h}\n"
NARRATIVE = "params/narrative/2023-01-01_2023-03-31.yaml"
AGAIN = "; hãy sửa tệp rồi chạy lại."


@pytest.fixture
def params(old_store):
    """The workspace; every params file as it was is put back after the test."""
    saved = {p: p.read_bytes() for p in (old_store / "params").rglob("*.yaml")}
    yield old_store
    for path in (old_store / "params").rglob("*.yaml"):
        if path not in saved:
            path.unlink()
    for path, data in saved.items():
        path.write_bytes(data)


@pytest.mark.parametrize("name, content, says", [
    ("params/report.yaml", "calendar: calendar\nplaces: [W1, W2]\n",
     "tthc: Tệp report.yaml, khóa places: cần một bảng khóa: giá trị, không phải danh sách"
     + AGAIN),
    ("params/report.yaml", "plases: {UB01: Uông Bí}\n",
     "tthc: Tệp report.yaml, khóa plases: khóa không biết (có phải “places”?); các khóa: "
     "calendar, place, places, reports_to, online_target_pct" + AGAIN),
    ("params/report.yaml", "online_target_pct: tám mươi\n",
     "tthc: Tệp report.yaml, khóa online_target_pct: cần một số từ 0 đến 100" + AGAIN),
    ("params/report.yaml", 'place: "Uông Bí"\n'.encode("cp1258"),
     ("tthc: Tệp report.yaml không phải UTF-8 (có vẻ là Windows-1258, “ANSI” của Notepad); "
      "hãy lưu lại với mã hóa UTF-8 rồi chạy lại.")),
    ("params/units.yaml", "units: <text>\n",
     "tthc: Tệp units.yaml, khóa units: cần một bảng khóa: giá trị, không phải “<text>”"
     + AGAIN),
    ("params/units.yaml", "units:\n  UB01: {nmae: Nguyễn Văn A}\n",
     "tthc: Tệp units.yaml, khóa units.UB01.nmae: khóa không biết (có phải “name”?); các "
     "khóa: authority, title, name, doc_suffix" + AGAIN),
    ("params/units.yaml", BOMB,
     "tthc: Tệp units.yaml: các bí danh YAML (&, *) bung ra quá 200.000 giá trị (bom bí "
     "danh?)" + AGAIN),
    ("params/recipients.yaml", "commune: Lưu VT\n",
     "tthc: Tệp recipients.yaml, khóa commune: cần danh sách nơi nhận, mỗi dòng một nơi"
     + AGAIN),
    (NARRATIVE, "document: {number: '12', date: 31/03/2023}\n",
     "tthc: Tệp narrative/2023-01-01_2023-03-31.yaml, khóa document.date: “31/03/2023” không "
     "phải ngày dạng NĂM-THÁNG-NGÀY (ghi 2023-03-31)" + AGAIN),
    (NARRATIVE, "texts:\n  opening: 'Đã tiếp nhận {so_ho_so_sai} hồ sơ.'\n",
     "tthc: Tệp narrative/2023-01-01_2023-03-31.yaml, khóa texts.opening: không có số liệu "
     "{so_ho_so_sai} (có phải “resolved_on_time”?)" + AGAIN),
    (NARRATIVE, "units:\n  UB01:\n    texts:\n      closing: 'Tỷ lệ {online_rte}.'\n",
     "tthc: Tệp narrative/2023-01-01_2023-03-31.yaml, khóa units.UB01.texts.closing: không có "
     "số liệu {online_rte} (có phải “online_rate”?)" + AGAIN),
])
def test_bad_params_are_one_line_before_anything_runs(params, name, content, says):
    path = params / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    folder = params / "outputs" / "2023-01-01_2023-03-31"
    before = sorted((p, p.stat().st_mtime_ns) for p in folder.rglob("*")) \
        if folder.exists() else []
    run = tthc(params, "report", "--period", "2023-Q1", "--unit", "UB01", "--to", "html")
    assert run.returncode == 1
    assert run.stderr.splitlines() == [says]
    after = sorted((p, p.stat().st_mtime_ns) for p in folder.rglob("*")) \
        if folder.exists() else []
    assert after == before                        # no kernel ran, nothing was written
    assert tthc(params, "form06", "--period", "2023-Q1", "--out", "b.xlsx").stderr \
        .splitlines() == ([says] if "narrative" not in name else [])


def test_braces_that_name_no_figure_render_as_written(params):
    (params / NARRATIVE).write_text(
        "texts:\n  opening: 'Ngoặc } lẻ, { mở, tập {1,2}, { received_total } và "
        "{received_total} hồ sơ.'\n", encoding="utf-8")
    run = tthc(params, "report", "--period", "2023-Q1", "--unit", "UB01", "--to", "html")
    assert run.returncode == 0, run.stdout + run.stderr
    page = (params / "outputs" / "2023-01-01_2023-03-31" / "UB01.html").read_text("utf-8")
    assert "Ngoặc } lẻ, { mở, tập {1,2}, { received_total } và 2 hồ sơ." in page


# ---------------------------------------------------------------- tthc init


def test_init_below_a_file_or_in_a_read_only_place_is_one_line(tmp_path):
    import os

    (tmp_path / "afile").write_text("x", encoding="utf-8")
    run = tthc(tmp_path, "init", "afile/ws")
    assert run.returncode == 1
    assert run.stderr.splitlines() == [("tthc: Không tạo được thư mục làm việc afile/ws: afile là "
                                       "một tệp, không phải thư mục; hãy chọn thư mục khác.")]
    if os.geteuid() == 0:                 # root writes through file modes: a read-only /sys
        target = Path("/sys/tthc-ws")
    else:
        (tmp_path / "ro").mkdir(mode=0o555)
        target = tmp_path / "ro" / "ws"
    run = tthc(tmp_path, "init", str(target))
    assert run.returncode == 1
    assert run.stderr.splitlines() == [(f"tthc: Không tạo được thư mục làm việc {target}: không "
                                       f"có quyền ghi vào {target}; hãy chọn thư mục khác.")]


def test_init_dot_reads_the_store_the_commands_use(old_store, tmp_path):
    import os
    import subprocess
    import sys

    store = old_store / "data" / "tthc.duckdb"
    ws = tmp_path / "khac"
    assert tthc(tmp_path, "init", str(ws)).returncode == 0
    run = tthc(ws, "--db", str(store), "init", ".")
    assert run.stdout.splitlines()[0] == ("Thư mục làm việc .: tạo 1 tệp/thư mục, thêm 3 đơn "
                                          "vị vào params/units.yaml.")
    units = (ws / "params" / "units.yaml").read_text(encoding="utf-8")
    assert all(f"\n  {code}:" in units for code in ("UB", "UB01", "UB02"))
    other = tmp_path / "theo-bien"
    assert tthc(tmp_path, "init", str(other)).returncode == 0
    env = {**os.environ, "TTHC_DB": str(store)}
    run = subprocess.run([sys.executable, "-m", "tthc_lib.cli", "init", "."], cwd=other, env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.stdout.splitlines()[0] == ("Thư mục làm việc .: tạo 1 tệp/thư mục, thêm 3 đơn "
                                          "vị vào params/units.yaml.")


# ---------------------------------------------------------------- Ctrl+C


def ctrl_c_reaches() -> None:
    """In the child: Ctrl+C as in a terminal, even when the tests run as a background job
    (whose shell ignores SIGINT, and Python keeps an inherited SIG_IGN)."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_during_ingest_is_one_line_saying_what_the_store_holds(old_store, tmp_path):
    """A real SIGINT at several moments of loading a 400,000-row export: each run ends with
    one line, and the store holds exactly the files that line names, each whole."""
    import csv
    import os
    import signal
    import subprocess
    import sys
    import time

    from helpers.cli import OTHER_HEADER, OTHER_ROWS, UNITS, write_csv

    units = write_csv(tmp_path / "don_vi.csv", ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị",
                                                "Mã đơn vị cấp trên"], UNITS)
    big = tmp_path / "ho_so_lon.csv"
    with big.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(OTHER_HEADER)
        writer.writerows([f"BIG-{i}", *OTHER_ROWS[i % 5][1:]] for i in range(400_000))
    store = old_store / "data" / "tthc.duckdb"
    env = {k: v for k, v in os.environ.items() if k not in ("TTHC_DB", "TTHC_DEBUG")}
    interrupted = 0
    for delay in (0.3, 0.6, 0.9):
        with duckdb.connect(str(store), read_only=True) as con:
            loads_before = con.execute("SELECT count(*) FROM loads").fetchone()[0]
            big_before = con.execute("SELECT count(*) FROM dossiers WHERE dossier_id LIKE "
                                     "'BIG-%'").fetchone()[0]
        run = subprocess.Popen([sys.executable, "-m", "tthc_lib.cli", "ingest", str(units),
                                str(big)], cwd=old_store, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_reaches)  # noqa: PLW1509
        time.sleep(delay)
        run.send_signal(signal.SIGINT)
        _out, err = run.communicate(timeout=600)
        with duckdb.connect(str(store), read_only=True) as con:
            files = [r[0] for r in con.execute("SELECT file FROM loads ORDER BY load_id")
                     .fetchall()[loads_before:]]
            big_after = con.execute("SELECT count(*) FROM dossiers WHERE dossier_id LIKE "
                                    "'BIG-%'").fetchone()[0]
        assert "Traceback" not in err
        # it had finished: both files, whole (a Ctrl+C while Python exits ends it by the
        # signal, as a terminal would)
        if run.returncode in (0, -signal.SIGINT):
            assert files == [str(units), str(big)] and big_after == 400_000
            continue
        assert run.returncode == 130
        if files == [str(units)]:
            assert err.splitlines() == [(
                f"tthc: đã dừng (Ctrl+C). Đã nạp trọn 1 tệp ({units}); 1 tệp còn lại chưa nạp, "
                "kho không giữ phần nào của chúng; chạy lại lệnh cho các tệp đó.")]
            assert big_after == big_before
            interrupted += 1
        else:
            assert files == [], files
            # before loading began (a busy machine may still be importing) or during it
            assert err.splitlines() in (
                [("tthc: đã dừng (Ctrl+C). Chưa nạp tệp nào: kho dữ liệu giữ nguyên như "
                  "trước; chạy lại lệnh để nạp.")],
                [("tthc: đã dừng (Ctrl+C). Kho dữ liệu giữ nguyên như trước; chạy lại lệnh "
                  "khi cần.")]), err
            assert big_after == big_before
            interrupted += 1
    assert interrupted, "no run was interrupted while loading"


def test_ctrl_c_mid_report_is_one_line_and_the_next_run_finishes(old_store):
    import hashlib
    import os
    import signal
    import subprocess
    import sys
    import time

    store = old_store / "data" / "tthc.duckdb"
    digest = hashlib.sha256(store.read_bytes()).hexdigest()
    env = {k: v for k, v in os.environ.items() if k not in ("TTHC_DB", "TTHC_DEBUG")}
    folder = old_store / "outputs" / "2023-01-01_2023-03-31"
    interrupted = False
    for delay in (1.5, 0.5, 3.0, 0.2):       # until one Ctrl+C lands while the batch runs
        run = subprocess.Popen([sys.executable, "-m", "tthc_lib.cli", "report", "--period",
                                "2023-Q1", "--unit", "all", "--force", "--to", "html,pdf"],
                               cwd=old_store, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=ctrl_c_reaches)  # noqa: PLW1509
        for _ in range(600):                 # the batch has begun: its folder is there
            if folder.is_dir() or run.poll() is not None:
                break
            time.sleep(0.1)
        time.sleep(delay)
        run.send_signal(signal.SIGINT)
        _out, err = run.communicate(timeout=600)
        assert "Traceback" not in err, err
        if run.returncode in (0, -signal.SIGINT):    # it had finished (or was exiting)
            continue
        assert run.returncode == 130, err
        assert err.splitlines() == [(
            "tthc: đã dừng (Ctrl+C). Kho dữ liệu giữ nguyên như trước (lệnh chỉ đọc kho); báo "
            "cáo của các đơn vị đã xong được giữ, chạy lại lệnh để làm các đơn vị còn lại.")]
        interrupted = True
        break
    assert interrupted, "no run was interrupted while it ran"
    assert hashlib.sha256(store.read_bytes()).hexdigest() == digest
    again = tthc(old_store, "report", "--period", "2023-Q1", "--unit", "all", "--to",
                 "html,pdf")
    assert again.returncode == 0, again.stdout + again.stderr
    for unit in ("UB", "UB01", "UB02"):
        assert (folder / f"{unit}.html").stat().st_size > 0
        assert (folder / f"{unit}.pdf").read_bytes()[:5] == b"%PDF-"


# ---------------------------------------------------------------- failed runs


HOLD = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
        "time.sleep(600)")


def test_store_busy_keeps_the_last_good_reports_and_is_not_replayed(old_store):
    import subprocess
    import sys

    folder = old_store / "outputs" / "2023-01-01_2023-03-31"
    first = tthc(old_store, "report", "--period", "2023-Q1", "--unit", "all", "--to", "html")
    assert first.returncode == 0, first.stdout + first.stderr
    good = {u: (folder / f"{u}.html").read_bytes() for u in ("UB", "UB01", "UB02")}
    holder = subprocess.Popen(        # another process holds the store (DuckDB's file lock)
        [sys.executable, "-c", HOLD, str(old_store / "data" / "tthc.duckdb")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        busy = tthc(old_store, "report", "--period", "2023-Q1", "--unit", "all", "--force",
                    "--to", "html")
    finally:
        holder.terminate()
        holder.wait(timeout=60)
    assert busy.returncode == 1
    said = busy.stdout + busy.stderr
    # refused whole while planning (one line), or each unit failed on opening the store
    lines = busy.stderr.splitlines()
    assert (len(lines) == 1 and lines[0].startswith("tthc: Kho dữ liệu ")
            and lines[0].endswith("đang được một tiến trình khác ghi; hãy chờ tiến trình đó "
                                  "xong rồi chạy lại.")) \
        or said.count("đang được một tiến trình khác ghi") == 3, said
    assert {u: (folder / f"{u}.html").read_bytes() for u in good} == good   # kept
    again = tthc(old_store, "report", "--period", "2023-Q1", "--unit", "all", "--to", "html")
    assert again.returncode == 0, again.stdout + again.stderr   # run again, not replayed
    assert "lỗi" not in again.stdout + again.stderr
    summary = (folder / "run-summary.json").read_text(encoding="utf-8")
    assert "đang được một tiến trình khác ghi" not in summary


@pytest.mark.parametrize("error, transient", [
    (("StoreError: Kho dữ liệu x.duckdb đang được một tiến trình khác ghi; hãy chờ tiến trình "
      "đó xong rồi chạy lại."), True),
    ("ReportError: Chromium không in được UB01.html ra PDF: Target closed", True),
    ("ValueError: Số liệu sai ở mục 02", False),
])
def test_only_real_failures_are_replayed_from_the_manifest(old_store, error, transient):
    """A failure the manifest remembers with the unit's current keys: a real one is listed
    again without a run (until --retry-failed); a transient one is simply run again."""
    import json

    folder = old_store / "outputs" / "2023-01-01_2023-03-31"
    assert tthc(old_store, "report", "--period", "2023-Q1", "--unit", "UB01", "--to",
                "html").returncode == 0
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    record = manifest["units"]["UB01"]
    record.update(status="failed", formats=[], html=None, pdf=None, entry=None, failure={
        "unit": "UB01", "section": "02_giai_quyet_ho_so", "error": error, "path": None,
        "keys": dict(record["sections"])})
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    run = tthc(old_store, "report", "--period", "2023-Q1", "--unit", "UB01", "--to", "html")
    said = run.stdout + run.stderr
    if transient:
        assert run.returncode == 0 and error not in said, said
    else:
        assert run.returncode == 1 and error in said, said
        retried = tthc(old_store, "report", "--period", "2023-Q1", "--unit", "UB01", "--to",
                       "html", "--retry-failed")
        assert retried.returncode == 0, retried.stdout + retried.stderr


def test_a_symlink_planted_under_notebooks_is_never_written_through(old_store, tmp_path):
    folder = old_store / "outputs" / "2023-01-01_2023-03-31"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    planted = folder / "notebooks" / "UB01"
    planted.parent.mkdir(parents=True, exist_ok=True)
    if planted.exists():
        import shutil

        shutil.rmtree(planted)
    planted.symlink_to(elsewhere, target_is_directory=True)
    run = tthc(old_store, "report", "--period", "2023-Q1", "--unit", "UB01", "--unit", "UB02",
               "--force", "--to", "html")
    said = run.stdout + run.stderr
    assert run.returncode == 1
    assert (f"UB01 | (dựng báo cáo) | ReportError: {planted} là một liên kết tượng trưng "
            "(symlink), không phải thư mục: báo cáo không ghi qua đó; hãy xóa liên kết rồi chạy "
            "lại.") in said, said
    assert list(elsewhere.iterdir()) == []
    assert (folder / "UB02.html").stat().st_size > 0           # the other unit is not held back
    assert "UB02 |" not in said
    planted.unlink()
