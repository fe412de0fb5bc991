"""Tâm Việt e-par's "BÁO CÁO CHI TIẾT TIẾP NHẬN HỒ SƠ" (report_7) exported to Excel 97–2003
loads with no configuration (docs/profiles.md): BIFF8
.xls, title rows, a header over two rows, a numbering row, group rows by field and by
procedure ("--- CODE - NAME"), the unit only in the title ("Đơn vị: …<br>"), no status and no
closing date — the business days early, on time (0) or late in one of three columns, "-" in
the others. The fixture is written by make_fixture.py from its BODY; the CLI runs as a
subprocess and its figures are checked against a plain count of BODY."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest
from helpers.cli import tthc_in_store

pytestmark = pytest.mark.integration  # runs the CLI as a subprocess (conftest)

FIXTURES = Path(__file__).parent / "fixtures" / "e_par"
REPORT = FIXTURES / "Báo cáo chi tiết hồ sơ e-par.xls"
CATALOGUE = {"1.001193", "1.000894", "1.009994"}       # thu_tuc.csv
PERSONAL = ["Nguyễn Văn An", "Phạm Thị Dung", "Thôn 1, xã Quảng La", "0912345678"]


def _fixture_module():
    spec = importlib.util.spec_from_file_location("e_par_fixture", FIXTURES / "make_fixture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _body() -> list:
    return _fixture_module().BODY


WINDOW = ("2026-10-01", "2026-12-31")   # the title's "Từ ngày 01-10-2026 đến ngày 31-12-2026"


def plain_count(start: str, end: str) -> dict[str, int]:
    """By hand, over [start, end] (yyyy-mm-dd): the dossiers received, and those resolved
    early / on time / late. A row is a dossier when its procedure is in the catalogue,
    exactly one of its three columns holds a number and it is not a repeat of an earlier
    row. The report lists the dossiers resolved in its window, on dates it does not give: a
    dossier counts as resolved on the earliest of them, its date of receipt or the window's
    first day when that is later."""
    seen, out = set(), {"received": 0, "early": 0, "on_time": 0, "late": 0}
    procedure = None
    for item in _body():
        if isinstance(item, str):
            procedure = item[4:].split(" - ")[0] if item.startswith("--- ") else None
            continue
        if item in seen:
            continue
        seen.add(item)
        days = dict(zip(("early", "on_time", "late"), item[3:]))
        given = [k for k, v in days.items() if v != "-"]
        d, m, y = item[1].split("\n")[0].split("-")
        if procedure not in CATALOGUE or len(given) != 1:
            continue
        received = f"{y}-{m}-{d}"
        out["received"] += start <= received <= end
        out[given[0]] += start <= max(received, WINDOW[0]) <= end
    return out


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    cwd = tmp_path_factory.mktemp("e_par")
    run = tthc_in_store(cwd, "ingest", str(FIXTURES / "don_vi.csv"), str(FIXTURES / "thu_tuc.csv"),
               str(REPORT))
    return cwd, run


def test_inspect_names_e_par_and_reads_the_three_timeliness_columns(tmp_path):
    run = tthc_in_store(tmp_path, "inspect", str(REPORT))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"{REPORT}: hồ sơ (dossiers), tiêu đề ở dòng 4, đọc 11 dòng"
    assert lines[1] == ("  nhận ra: e-par (Tâm Việt) — báo cáo chi tiết hồ sơ đã giải quyết "
                        "(hồ sơ nguồn e_par_chi_tiet.yaml (gói))")
    for word, column in (("early", "Trước hạn"), ("on_time", "Đúng hạn"), ("late", "Quá hạn")):
        assert any(line.startswith(f"  Trả kết quả(đv: ngày) / {column}")
                   and line.split("-> ")[1].startswith(f"timeliness ({word})") for line in lines)
    assert "  bỏ qua: STT, Người nộp, Địa chỉ, Số điện thoại" in lines
    # the dates of receipt, with their times, are shown (a date is not an ID number)
    received = lines.index(next(x for x in lines if x.startswith("  Ngày tiếp nhận ")))
    assert lines[received + 1] == ('      ví dụ: "01-10-2026 08:15", "05-10-2026 14:02", '
                                   '"03-11-2026 09:40"')
    for value in PERSONAL:
        assert value not in run.stdout


def test_the_report_loads_with_no_profile_and_every_row_is_counted(loaded):
    _cwd, run = loaded
    assert run.returncode == 0, run.stderr
    # 12 table rows under the numbering row, 7 group rows among 18: 11 read
    assert run.stdout.splitlines()[-1] == (
        f"{REPORT}: hồ sơ: đọc 11, nạp 8 (cập nhật 0), loại 2, trùng 1")
    assert (f'{REPORT}: không có cột "Ngày kết thúc", chỉ có số ngày trước hạn, đúng hạn, '
            'quá hạn; số hồ sơ kỳ trước chuyển sang và đang giải quyết ghi "không có số liệu".'
            ) in run.stdout.splitlines()


def test_rows_set_aside_say_why_and_keep_no_personal_data(loaded):
    cwd, _run = loaded
    run = tthc_in_store(cwd, "rejected", "--format", "json")
    assert run.returncode == 0, run.stderr
    reasons = {r["line"]: r["reason"] for r in json.loads(run.stdout)}
    assert reasons == {
        17: ("Có số ngày ở nhiều cột tiến độ (Trả kết quả(đv: ngày) / Trước hạn, "
             "Trả kết quả(đv: ngày) / Quá hạn), cần đúng một"),
        23: 'Tên thủ tục "9.999999" không có trong danh mục',
    }
    for value in PERSONAL:
        assert value not in run.stdout


def test_figures_equal_a_plain_count_and_what_stood_open_is_not_available(loaded):
    cwd, _run = loaded
    run = tthc_in_store(cwd, "indicators", "--period", "2026-Q4", "--format", "json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    row = next(r for r in out["rows"] if r["unit"] == "HB02" and r["scope"] == "unit")
    expected = plain_count("2026-10-01", "2026-12-31")
    resolved = expected["early"] + expected["on_time"] + expected["late"]
    assert (row["received_in_period"], row["resolved_total"], row["resolved_early"],
            row["resolved_on_time"], row["resolved_late"]) == (
        expected["received"], resolved, expected["early"], expected["on_time"], expected["late"])
    assert (row["early_rate"], row["on_time_rate"], row["late_rate"]) == (
        round(100 * expected["early"] / resolved, 2),
        round(100 * expected["on_time"] / resolved, 2),
        round(100 * expected["late"] / resolved, 2))
    # the closing dates are unknown: what stood open on a date cannot be told
    assert (row["carried_over"], row["received_total"], row["pending_total"],
            row["pending_in_time"], row["pending_overdue"]) == (None,) * 5
    assert (row["received_online"], row["online_rate"]) == (None, None)
    assert not [f for f in out["findings"] if "identity" in f]
    for column in ("channel", "closed_at"):
        assert {"finding": "column_missing", "file": str(REPORT), "kind": "dossiers",
                "column": column} in out["findings"]


def test_a_dossier_received_before_the_window_counts_as_resolved_in_it(loaded):
    """QL-2609-0009 was received on 28/9 and is listed as resolved between 01/10 and 31/12:
    it is received in September, resolved in the fourth quarter, never in September."""
    cwd, _run = loaded
    for period, start, end in (("2026-09-01:2026-09-30", "2026-09-01", "2026-09-30"),
                               ("2026-Q3", "2026-07-01", "2026-09-30"),
                               ("2026", "2026-01-01", "2026-12-31")):
        run = tthc_in_store(cwd, "indicators", "--period", period, "--format", "json")
        assert run.returncode == 0, run.stderr
        out = json.loads(run.stdout)
        row = next(r for r in out["rows"] if r["unit"] == "HB02" and r["scope"] == "unit")
        expected = plain_count(start, end)
        resolved = expected["early"] + expected["on_time"] + expected["late"]
        assert (row["received_in_period"], row["resolved_total"]) == (
            expected["received"], resolved), period
        # a period holding the whole window counts exactly: no estimate
        assert not [f for f in out["findings"] if f["finding"] == "closing_estimated"], period
    assert plain_count("2026-09-01", "2026-09-30") == {
        "received": 1, "early": 0, "on_time": 0, "late": 0}


def test_a_month_of_the_window_counts_on_the_earliest_date_and_says_it_estimates(loaded):
    cwd, _run = loaded
    months = [("2026-10-01", "2026-10-31"), ("2026-11-01", "2026-11-30"),
              ("2026-12-01", "2026-12-31")]
    total = 0
    for start, end in months:
        run = tthc_in_store(cwd, "indicators", "--period", f"{start}:{end}", "--format", "json")
        assert run.returncode == 0, run.stderr
        out = json.loads(run.stdout)
        row = next(r for r in out["rows"] if r["unit"] == "HB02" and r["scope"] == "unit")
        expected = plain_count(start, end)
        resolved = expected["early"] + expected["on_time"] + expected["late"]
        assert row["resolved_total"] == resolved, start
        total += resolved
        # the window reaches past every month but the last
        estimated = [f for f in out["findings"] if f["finding"] == "closing_estimated"]
        assert estimated == ([{"finding": "closing_estimated", "unit": "HB02",
                               "count": resolved}] if end < WINDOW[1] and resolved else []), start
    q4 = plain_count(*WINDOW)
    assert total == q4["early"] + q4["on_time"] + q4["late"] == 8   # the months add up


def test_form06_counts_the_resolved_and_says_no_data_for_what_stood_open(loaded):
    import openpyxl

    cwd, _run = loaded
    out = cwd / "bieu06.xlsx"
    run = tthc_in_store(cwd, "form06", "--period", "2026-Q4", "--unit", "HB02", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""                          # no identity of the form reported broken
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    total = next(r for r in rows if r[1] == "Tổng cộng")
    expected = plain_count("2026-10-01", "2026-12-31")
    resolved = expected["early"] + expected["on_time"] + expected["late"]
    no = "không có số liệu"
    assert total[2:13] == (no, no, no, no, resolved, expected["early"], expected["on_time"],
                           expected["late"], no, no, no)


def test_form06_of_a_month_says_its_resolved_columns_are_estimates(loaded):
    import openpyxl

    cwd, _run = loaded
    note = ("Ghi chú: số hồ sơ đã giải quyết (cột 7 đến cột 10) gồm 05 hồ sơ không có ngày giải "
            "quyết trong dữ liệu, được tính vào ngày sớm nhất có thể (số liệu ước tính).")
    for period, shown in (("2026-10-01:2026-10-31", True), ("2026-Q4", False)):
        out = cwd / f"bieu06-{shown}.xlsx"
        run = tthc_in_store(cwd, "form06", "--period", period, "--unit", "HB02", "--out", str(out))
        assert run.returncode == 0, run.stderr
        rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
        total = next(i for i, r in enumerate(rows) if r[1] == "Tổng cộng")
        expected = plain_count(*period.split(":")) if shown else plain_count(*WINDOW)
        assert rows[total][6] == expected["early"] + expected["on_time"] + expected["late"]
        assert (note in [r[0] for r in rows[total + 1:]]) == shown, period


@pytest.mark.parametrize("window, window_from, window_to", [
    ("Từ ngày: 01/10/2026 đến ngày 31/12/2026", "2026-10-01", "2026-12-31"),   # date picker
    ("Từ ngày: 01-10-2026", "2026-10-01", None),                               # no end given
    ("", None, None),                                                           # no window
], ids=["slashes", "no end", "no window"])
def test_the_window_as_the_title_gives_it(tmp_path, window, window_from, window_to):
    """The title names the window as the office picked it: dates with slashes, only a start,
    or none. What it gives is kept; what it does not is not invented."""
    report = tmp_path / "Báo cáo.xls"
    _fixture_module().main(report, window)
    run = tthc_in_store(tmp_path, "ingest", str(FIXTURES / "don_vi.csv"), str(FIXTURES / "thu_tuc.csv"),
               str(report))
    assert run.returncode == 0, run.stderr
    import duckdb

    with duckdb.connect(str(tmp_path / "t.duckdb"), read_only=True) as con:
        windows = con.execute("SELECT DISTINCT strftime(closed_from, '%Y-%m-%d'), "
                              "strftime(closed_to, '%Y-%m-%d') FROM dossiers").fetchall()
    assert windows == [(window_from, window_to)]
    run = tthc_in_store(tmp_path, "indicators", "--period", "2026-Q4", "--format", "json")
    out = json.loads(run.stdout)
    row = next(r for r in out["rows"] if r["unit"] == "HB02" and r["scope"] == "unit")
    estimated = [f["count"] for f in out["findings"] if f["finding"] == "closing_estimated"]
    if window_to:          # the quarter holds the whole window: exact
        assert (row["resolved_total"], estimated) == (8, [])
    elif window_from:      # from 01/10 on, the end unknown: counted in Q4, an estimate
        assert (row["resolved_total"], estimated) == (8, [8])
    else:                  # no window: each on its date of receipt (28/9 is in Q3)
        assert (row["resolved_total"], estimated) == (7, [7])
