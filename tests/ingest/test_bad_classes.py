"""Issue 12's classes of bad input, each with a small fixture made here, through the real
`tthc` command line: a refused file gives one line and exit 1 while the files after it still
load; every row is counted; no personal value reaches any table or column of the store."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from helpers.hostile import (
    ADDRESS,
    CCCD,
    HEAD,
    NAME,
    PERSONAL,
    REGISTRIES,
    ingest,
    rejected,
    row,
    store_text,
    tthc,
    write_csv,
)

pytestmark = pytest.mark.integration  # kernels, subprocesses or long fuzzing (conftest)


@pytest.fixture
def good(tmp_path) -> Path:
    """A good file given after the bad one: it must still load."""
    return write_csv(tmp_path / "after.csv", [row(90 + i, **{"Mã hồ sơ": f"G{i}"})
                                             for i in range(3)])


def refused_in_one_line(run, path: Path, *words: str) -> str:
    """The one stderr line of a refused file, naming it; exit 1."""
    assert run.returncode == 1, run.stderr
    [line] = run.stderr.strip().splitlines()
    assert line.startswith(f"LỖI: {path}: ") and all(w in line for w in words), line
    return line


def assert_no_personal(db: Path) -> None:
    text = store_text(db)
    assert text and not [p for p in PERSONAL if p in text]


# --------------------------------------------------------------------------- classes

def test_1_a_field_beyond_the_csv_limit_loads_and_a_long_stored_value_is_set_aside(
        tmp_path, good):
    feedback = tmp_path / "pakn_dai.csv"
    head = ["Mã PAKN", "Mã đơn vị", "Nội dung phản ánh về", "Ngày tiếp nhận", "Hạn xử lý",
            "Ngày xử lý xong", "Nội dung"]
    write_csv(feedback, [["F1", "THD", "Quy định hành chính", "03/04/2023 08:00", "10/04/2023",
                          "05/04/2023 09:00", NAME + " " * 5 + "x" * 170_000],
                         ["F2", "THD", "Hành vi hành chính", "03/04/2023 08:00", "10/04/2023",
                          "", "ngắn"]], head)
    long_name = write_csv(tmp_path / "ten_dai.csv", [row(1), row(2)],
                          HEAD + ["Tên thủ tục"])
    rows = list(csv.reader(long_name.open(encoding="utf-8")))
    rows[2].append("T" * 40_000)
    rows[1].append("Đăng ký khai sinh")
    write_csv(long_name, rows[1:], rows[0])
    run, loads = ingest(tmp_path / "s.duckdb", feedback, long_name, good)
    assert run.returncode == 0, run.stderr
    assert loads[str(feedback)] == (2, 2, 0, 0)
    assert loads[str(long_name)] == (2, 1, 1, 0) and loads[str(good)] == (3, 3, 0, 0)
    [r] = rejected(tmp_path / "s.duckdb")
    assert (r["line"], r["reason"]) == (3, ('Giá trị ở cột "Tên thủ tục" dài 40.000 ký tự, quá '
                                           'giới hạn 32.767 ký tự'))
    assert_no_personal(tmp_path / "s.duckdb")


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def rewrite_sheet(path: Path, member: str, change) -> None:
    """Rewrite one member of the workbook's zip through `change(bytes) -> bytes`."""
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            z.writestr(info, change(data) if info.filename == member else data)


def test_2_a_workbook_whose_sheet_xml_is_cut_short_is_refused_in_one_line(tmp_path, good):
    path = workbook(tmp_path / "cat_ngang.xlsx", {"Hồ sơ": [HEAD] + [row(i) for i in range(300)]})
    rewrite_sheet(path, "xl/worksheets/sheet1.xml", lambda d: d[: len(d) // 2])
    run, loads = ingest(tmp_path / "s.duckdb", path, good)
    refused_in_one_line(run, path, "Excel", "hỏng")
    assert str(path) not in loads and loads[str(good)] == (3, 3, 0, 0)


def test_3_an_unclosed_quote_refuses_the_file_with_the_line_it_opened_on(tmp_path, good):
    path = tmp_path / "ngoac_kep.csv"
    lines = [",".join(HEAD)] + [",".join(row(i)) for i in range(10)]
    lines[5] = lines[5].replace(ADDRESS, '"Số 7, ngõ Hòa Bình')     # line 6, never closed
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run, loads = ingest(tmp_path / "s.duckdb", path, good)
    line = refused_in_one_line(run, path, "dòng 6", "ngoặc kép")
    assert not [p for p in PERSONAL if p in line]
    assert str(path) not in loads and loads[str(good)] == (3, 3, 0, 0)
    assert_no_personal(tmp_path / "s.duckdb")


def test_4_shifted_rows_are_set_aside_without_any_value(tmp_path, good):
    path = tmp_path / "lech_cot.csv"
    lines = [",".join(HEAD)] + [",".join(row(i)) for i in range(4)]
    lines[2] = lines[2].replace(NAME, "Nguyễn, Văn Bình")            # one cell too many
    lines[3] = lines[3].replace(ADDRESS, f"{ADDRESS},{CCCD},Xã Tân Hưng")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    run, loads = ingest(db, path, good)
    assert run.returncode == 0 and loads[str(path)] == (4, 2, 2, 0)
    assert [(r["line"], r["reason"], r["raw"]) for r in rejected(db)] == [
        (3, "Dòng có 13 ô, tiêu đề có 12 ô: các giá trị bị lệch cột", "{}"),
        (4, "Dòng có 14 ô, tiêu đề có 12 ô: các giá trị bị lệch cột", "{}")]
    assert_no_personal(db)
    shown = tthc(db, "rejected").stdout
    assert not [p for p in PERSONAL if p in shown]


def test_5_6_every_sheet_is_read_below_its_stored_dimension(tmp_path, good):
    path = workbook(tmp_path / "thang.xlsx", {
        "Tháng 1": [["BÁO CÁO THÁNG 1"], HEAD, row(1), row(2)],
        "Ghi chú": [["Số liệu trích xuất ngày 05/03/2023"]],
        "Tháng 2": [HEAD, row(3), row(4, **{"Hình thức nộp": "Qua Zalo"}), row(5)]})
    # Tháng 2's stored dimension says it ends at row 2: rows 3 and 4 must still be read.
    rewrite_sheet(path, "xl/worksheets/sheet3.xml",
                  lambda d: d.replace(b'<dimension ref="A1:L4"/>', b'<dimension ref="A1:L2"/>'))
    with zipfile.ZipFile(path) as z:
        assert b'<dimension ref="A1:L2"/>' in z.read("xl/worksheets/sheet3.xml")
    db = tmp_path / "s.duckdb"
    run, loads = ingest(db, path, good)
    assert run.returncode == 0, run.stderr
    assert f'{path}: bỏ qua trang tính "Ghi chú" vì không có dòng tiêu đề.' in run.stdout
    assert loads[str(path)] == (5, 4, 1, 0)
    assert [(r["line"], r["reason"]) for r in rejected(db)] == [
        ("Tháng 2!3", ('Giá trị "Qua Zalo" ở cột "Hình thức nộp" không hợp lệ (cho phép: trực '
                      'tuyến, trực tiếp, dịch vụ bưu chính, bưu chính)'))]
    assert_no_personal(db)


def test_a_conflict_across_sheets_names_sheet_and_row(tmp_path):
    path = workbook(tmp_path / "hai_trang.xlsx", {
        "T1": [HEAD, row(1)], "T2": [HEAD, row(1, **{"Hình thức nộp": "Trực tiếp"})]})
    db = tmp_path / "s.duckdb"
    _run, loads = ingest(db, path)
    assert loads[str(path)] == (2, 0, 2, 0)
    assert {r["reason"] for r in rejected(db)} == {
        ('Mã hồ sơ "K01" có ở nhiều dòng (T1!2, T2!2) với giá trị khác nhau; không dòng nào '
        'được nạp')}


def test_7_rows_of_only_an_stt_or_only_personal_cells_are_read_and_set_aside(tmp_path, good):
    blank = [""] * len(HEAD)
    only_stt = ["7", *blank[1:]]
    only_personal = list(blank)
    only_personal[2], only_personal[6] = NAME, ADDRESS
    stt = write_csv(tmp_path / "stt.csv", [row(1), only_stt, blank, row(2)])
    personal = write_csv(tmp_path / "ca_nhan.csv", [blank, only_personal, row(3)])
    db = tmp_path / "s.duckdb"
    run, loads = ingest(db, stt, personal, good)
    assert run.returncode == 0
    assert loads[str(stt)] == (3, 2, 1, 0) and loads[str(personal)] == (2, 1, 1, 0)
    assert [(r["file"], r["line"]) for r in rejected(db)] == [(str(stt), 3), (str(personal), 3)]
    assert all(r["reason"].startswith('Thiếu giá trị bắt buộc ở cột "Mã hồ sơ"')
               for r in rejected(db))
    assert_no_personal(db)


def test_9_same_name_in_two_folders_keeps_both_files_rows_set_aside(tmp_path):
    db = tmp_path / "s.duckdb"
    for month, bad in (("oct", {"Hình thức nộp": "Qua Zalo"}), ("nov", {"Mã đơn vị": "XYZ"})):
        (tmp_path / month).mkdir()
        write_csv(tmp_path / month / "ho_so.csv", [row(1), row(2, **bad)])
        run, loads = ingest(db, "ho_so.csv", cwd=tmp_path / month)
        assert run.returncode == 0 and loads["ho_so.csv"] == (2, 1, 1, 0)
    reasons = [r["reason"] for r in rejected(db)]
    assert len(reasons) == 2 and "Qua Zalo" in reasons[0] and "XYZ" in reasons[1]
    # Loading the same file again replaces its own rows set aside, not the other's.
    ingest(db, "ho_so.csv", cwd=tmp_path / "nov")
    assert [r["reason"] for r in rejected(db)] == reasons


def test_10_a_db_path_that_is_not_a_duckdb_store_is_refused_in_one_line(tmp_path, good):
    not_db = write_csv(tmp_path / "ho_so.csv", [row(1)])
    before = not_db.read_bytes()
    for args in (["ingest", *REGISTRIES, str(good)], ["indicators", "--period", "2023"],
                 ["rejected"]):
        run = tthc(not_db, *args)
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert run.stderr.strip().splitlines() == [
            (f"tthc: {not_db} không phải tệp kho dữ liệu DuckDB; hãy chỉ --db tới một kho "
            "DuckDB hoặc tới một đường dẫn chưa có tệp.")]
    assert not_db.read_bytes() == before


# --------------------------------------------------------------------------- also seen

def test_codes_with_zero_width_or_full_width_characters_are_the_same_unit(tmp_path):
    path = write_csv(tmp_path / "ma.csv", [
        row(1, **{"Mã đơn vị": "ＴＨＤ"}), row(2, **{"Mã đơn vị": "T\u200bHD"}),
        row(3, **{"Mã hồ sơ": "K0\u200b1"}),                       # the same dossier as row 1
        row(4, **{"Hình thức nộp": "Trực\u200btuyến"})])
    db = tmp_path / "s.duckdb"
    _run, loads = ingest(db, path)
    assert loads[str(path)] == (4, 2, 1, 1)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT dossier_id, unit_code FROM dossiers ORDER BY 1").fetchall() == [
        ("K01", "THD"), ("K02", "THD")]
    con.close()
    # The message shows what sets the value apart from the listed one.
    assert [r["reason"] for r in rejected(db)] == [
        ('Giá trị "Trực<U+200B>tuyến" ở cột "Hình thức nộp" không hợp lệ (cho phép: trực tuyến, '
        'trực tiếp, dịch vụ bưu chính, bưu chính)')]


def test_years_and_offsets_out_of_range_are_not_dates(tmp_path):
    path = write_csv(tmp_path / "ngay.csv", [
        row(1, **{"Ngày tiếp nhận": "0023-04-03"}),
        row(2, **{"Ngày tiếp nhận": "2023-04-03T08:00:00+25:00"}),
        row(3, **{"Ngày tiếp nhận": "2023-04-03T08:00:00+14:00"})])
    db = tmp_path / "s.duckdb"
    _run, loads = ingest(db, path)
    assert loads[str(path)] == (3, 1, 2, 0)
    assert [r["reason"] for r in rejected(db)] == [
        f'Giá trị "{v}" ở cột "Ngày tiếp nhận" không phải ngày giờ hợp lệ'
        for v in ("0023-04-03", "2023-04-03T08:00:00+25:00")]


def test_a_negative_excel_serial_is_not_a_date(tmp_path):
    path = workbook(tmp_path / "serial.xlsx", {"Hồ sơ": [HEAD, row(1), row(2)]})
    wb = openpyxl.load_workbook(path)
    cell = wb["Hồ sơ"]["I3"]
    cell.value, cell.number_format = -5, "dd/mm/yyyy"
    wb.save(path)
    db = tmp_path / "s.duckdb"
    _run, loads = ingest(db, path)
    assert loads[str(path)] == (2, 1, 1, 0)
    [r] = rejected(db)
    assert r["line"] == "Hồ sơ!3" and "không phải ngày giờ hợp lệ" in r["reason"]


def test_indicators_csv_defuses_names_that_spreadsheets_would_run(tmp_path):
    units = write_csv(tmp_path / "units.csv", [["HD", "=HYPERLINK(\"x\")", "Thành phố", ""],
                                              ["P1", "@Phường 1", "Phường", "HD"]],
                      ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"])
    db = tmp_path / "s.duckdb"
    assert tthc(db, "ingest", str(units)).returncode == 0
    run = tthc(db, "indicators", "--period", "2023", "--format", "csv")
    assert run.returncode == 0, run.stderr
    names = [r["unit_name"] for r in csv.DictReader(run.stdout.splitlines())]
    assert "'=HYPERLINK(\"x\")" in names and "'@Phường 1" in names
    assert not [n for n in names if n[:1] in "=+-@"]
