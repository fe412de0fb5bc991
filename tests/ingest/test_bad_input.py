"""The bad-input corpus (tests/data/bad, written by make_corpus.py): every rule of
docs/input-format.md § Rows set aside, every encoding and separator, truncated, empty, foreign and
broken files, and big ones made here. Each file is loaded (its bad rows set aside with line
and reason, read = loaded + set aside + duplicates) or refused in one line naming the file;
never a traceback, and a refusal changes nothing stored."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.paths import data_path

from tthc_lib.ingest.load import FileResult, list_rejected, load_exports
from tthc_lib.vocab import KIND_LABELS

pytestmark = pytest.mark.integration  # kernels, subprocesses or long fuzzing (conftest)

BAD = data_path("bad")
REGISTRIES = [str(data_path("ingest", "units.csv")), str(data_path("ingest", "procedures.csv"))]
TABLES = ("units", "successions", "procedures", "changes", "dossiers", "feedback", "loads",
          "rejected")

CHANNELS = "trực tuyến, trực tiếp, dịch vụ bưu chính, bưu chính"
STATUSES = ("đang giải quyết, đang xử lý, chờ bổ sung, tạm dừng, đã giải quyết, đã trả kết quả, "
            "đã rút, rút hồ sơ, trả lại, từ chối")
FLAGS = "có, true, 1, x, yes, không, false, 0, no"
LEVELS = "cấp tỉnh, cấp huyện, cấp xã"
KINDS = ("tỉnh, thành phố trực thuộc trung ương, sở, ban, cơ quan, trung tâm, thành phố, thị xã, "
         "huyện, quận, phường, xã, thị trấn, đặc khu")


def missing(header: str) -> str:
    return f'Thiếu giá trị bắt buộc ở cột "{header}"'


def invalid(value: str, header: str, allowed: str) -> str:
    return f'Giá trị "{value}" ở cột "{header}" không hợp lệ (cho phép: {allowed})'


def not_date(value: str, header: str, what: str = "ngày giờ") -> str:
    return f'Giá trị "{value}" ở cột "{header}" không phải {what} hợp lệ'


def unknown_unit(code: str) -> str:
    return f'Mã đơn vị "{code}" không có trong danh mục đơn vị'


# file -> (kind, read, loaded, duplicates, {line: reason of the row set aside})
SET_ASIDE: dict[str, tuple[str, int, int, int, dict[int, str]]] = {
    # An empty "Ngày hẹn trả" (line 8) is a procedure without an appointment date: loaded.
    "dossiers_missing_required.csv": ("dossiers", 8, 2, 0, {
        3: missing("Mã hồ sơ"), 4: missing("Mã đơn vị"), 5: missing("Mã thủ tục"),
        6: missing("Hình thức nộp"), 7: missing("Ngày tiếp nhận"), 9: missing("Trạng thái")}),
    "dossiers_bad_channel.csv": ("dossiers", 2, 1, 0, {
        3: invalid("Qua Zalo", "Hình thức nộp", CHANNELS)}),
    "dossiers_bad_status.csv": ("dossiers", 2, 1, 0, {
        3: invalid("Đã hủy", "Trạng thái", STATUSES)}),
    "dossiers_bad_flags.csv": ("dossiers", 4, 2, 0, {
        3: invalid("Chưa", "Số hóa thành phần hồ sơ", FLAGS),
        4: invalid("2", "Số hóa kết quả", FLAGS)}),
    "dossiers_unknown_unit.csv": ("dossiers", 2, 1, 0, {3: unknown_unit("XYZ")}),
    "dossiers_unknown_procedure.csv": ("dossiers", 2, 1, 0, {
        3: 'Mã thủ tục "9.999999" không có trong danh mục thủ tục'}),
    "dossiers_bad_dates.csv": ("dossiers", 6, 1, 0, {
        3: not_date("31/02/2023 08:00", "Ngày tiếp nhận"),
        4: not_date("2023-13-01", "Ngày hẹn trả"),
        5: not_date("hôm qua", "Ngày kết thúc"),
        6: not_date("03/04/23 08:00", "Ngày tiếp nhận"),
        7: not_date("03/04/2023 25:00", "Ngày tiếp nhận")}),
    "dossiers_closed_before_received.csv": ("dossiers", 3, 2, 0, {
        3: '"Ngày kết thúc" sớm hơn "Ngày tiếp nhận"'}),
    "dossiers_due_before_received.csv": ("dossiers", 3, 2, 0, {
        3: '"Ngày hẹn trả" rơi vào ngày trước "Ngày tiếp nhận"'}),
    "dossiers_open_with_closed.csv": ("dossiers", 2, 1, 0, {
        3: 'Trạng thái "Đang giải quyết" nhưng có "Ngày kết thúc"'}),
    "dossiers_closed_without_date.csv": ("dossiers", 3, 2, 0, {
        3: 'Trạng thái "Đã giải quyết" nhưng thiếu "Ngày kết thúc"'}),
    "dossiers_exact_duplicates.csv": ("dossiers", 5, 1, 3, {
        5: invalid("Qua Zalo", "Hình thức nộp", CHANNELS)}),
    "dossiers_conflicting_ids.csv": ("dossiers", 3, 1, 0, {
        line: 'Mã hồ sơ "B01" có ở nhiều dòng (3, 4) với giá trị khác nhau; không dòng nào '
              'được nạp' for line in (3, 4)}),
    # The last row, cut short, has fewer cells than the header: set aside with the counts.
    "dossiers_truncated.csv": ("dossiers", 3, 2, 0, {
        4: "Dòng có 4 ô, tiêu đề có 10 ô: các giá trị bị lệch cột"}),
    "dossiers_formulas.csv": ("dossiers", 4, 2, 0, {
        4: unknown_unit("=1+1"), 5: invalid("@SUM(A1)", "Hình thức nộp", CHANNELS)}),
    "dossiers_header_only.csv": ("dossiers", 0, 0, 0, {}),
    # Formula cells of a workbook never computed by Excel carry no value: set aside as missing.
    # A workbook's lines are `Sheet!row`.
    "spreadsheet_formulas.xlsx": ("dossiers", 3, 1, 0, {
        "Sheet!4": missing("Mã hồ sơ"), "Sheet!5": missing("Mã đơn vị")}),
    "feedback_bad_rows.csv": ("feedback", 6, 1, 0, {
        3: invalid("Thủ tục đất đai", "Nội dung phản ánh về",
                   "quy định hành chính, hành vi hành chính, quy định kinh doanh"),
        4: unknown_unit("XYZ"),
        5: '"Ngày xử lý xong" sớm hơn "Ngày tiếp nhận"',
        6: missing("Ngày tiếp nhận"),
        7: not_date("30/02/2023", "Hạn xử lý")}),
    "procedures_bad_rows.csv": ("procedures", 4, 1, 0, {
        3: invalid("Cấp trung ương", "Cấp thực hiện", LEVELS), 4: missing("Tên thủ tục"),
        5: invalid("Mức 3", "Mức độ DVC trực tuyến", "toàn trình, một phần, không")}),
    "changes_bad_rows.csv": ("changes", 5, 1, 0, {
        3: invalid("Đình chỉ", "Loại công bố", "ban hành mới, sửa đổi, bổ sung, bãi bỏ"),
        4: not_date("32/03/2023", "Ngày quyết định", "ngày"),
        5: invalid("Cấp trung ương", "Cấp thực hiện", LEVELS), 6: missing("Số quyết định")}),
    "units_bad_rows.csv": ("units", 5, 1, 0, {
        3: invalid("Làng", "Loại đơn vị", KINDS),
        4: 'Mã đơn vị cấp trên "ZZ" không có trong danh mục đơn vị',
        5: missing("Mã đơn vị"), 6: missing("Tên đơn vị")}),
}

# The same table in every encoding and separator: same rows loaded, same lines set aside.
ENCODED = sorted(p.name for p in BAD.glob("encoded_*"))
for _name in ENCODED:
    SET_ASIDE[_name] = ("dossiers", 4, 2, 0, {
        3: invalid("Qua Zalo", "Hình thức nộp", CHANNELS), 5: unknown_unit("XYZ")})
_VN = dt.timezone(dt.timedelta(hours=7))
ENCODED_STORED = [(i, "THD", "online", "resolved", dt.datetime(2023, 4, 3, 8, tzinfo=_VN),
                   dt.datetime(2023, 4, 4, 16, 30, tzinfo=_VN), True, False)
                  for i in ("B00", "B03")]

NO_HEADER = "không tìm thấy dòng tiêu đề; cần một bảng có đủ các cột của một loại dữ liệu: hồ sơ ("
ENCODING = "không đọc được bảng mã ký tự ở dòng {} (cần UTF-8, UTF-16 hoặc Windows-1258)."
EMPTY = "tệp rỗng; cần một bảng có dòng tiêu đề."
NOT_XLSX = "không mở được tệp Excel ({}); cần tệp .xlsx."

# file -> the start of the one-line message after "FILE: "
REFUSED: dict[str, str] = {
    "empty.csv": EMPTY,
    "blank_lines_only.csv": EMPTY,
    "not_a_table.txt": NO_HEADER,
    "headerless.csv": NO_HEADER,
    "content_is_not_topic.csv": NO_HEADER,
    "report.pdf": NO_HEADER,
    "spreadsheet_no_header.xlsx": NO_HEADER,
    "ambiguous_header.csv": ("dòng tiêu đề (dòng 1) khớp với nhiều loại dữ liệu (danh mục thủ "
                             "tục, danh mục đơn vị); mỗi tệp chỉ được chứa một loại."),
    "duplicate_column.csv": ('cột "Mã đơn vị" xuất hiện hai lần ở dòng tiêu đề (dòng 1); mỗi '
                             'cột chỉ được có một lần.'),
    "binary_junk.bin": ENCODING.format(1),
    "image.png": ENCODING.format(1),
    "undecodable_bytes.csv": ENCODING.format(2),
    "truncated_utf8_char.csv": ENCODING.format(3),
    "truncated_utf16.txt": ENCODING.format(3),
    "archive.zip": "tệp ZIP không phải bảng tính; cần tệp .xlsx, .xls, .ods, CSV hoặc bảng HTML.",
    "spreadsheet_truncated.xlsx": NOT_XLSX.format("ZipError"),
}


def corpus() -> list[str]:
    return sorted(p.name for p in BAD.iterdir() if p.suffix != ".py")


def snapshot(con) -> dict[str, list]:
    return {t: con.execute(f"SELECT * EXCLUDE ({_volatile(t)}) FROM {t} ORDER BY ALL").fetchall()
            if _volatile(t) else con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in TABLES}


def _volatile(table: str) -> str:
    return "loaded_at" if table == "loads" else ""


@pytest.fixture(scope="module")
def registry_store(tmp_path_factory) -> Path:
    """A store holding the registries of tests/data/ingest, copied for each test."""
    from tthc_lib.store.connection import connect

    path = tmp_path_factory.mktemp("bad") / "registries.duckdb"
    con = connect(path)
    try:
        assert not [r for r in load_exports(con, REGISTRIES) if r.error]
    finally:
        con.close()
    return path


@pytest.fixture
def store(registry_store, tmp_path):
    """A fresh connection to a copy of the registry store."""
    from tthc_lib.store.connection import connect

    path = tmp_path / "store.duckdb"
    shutil.copyfile(registry_store, path)
    c = connect(path)
    yield c
    c.close()


def load_one(store, path: Path) -> FileResult:
    [result] = load_exports(store, [str(path)])
    return result


def test_every_corpus_file_has_an_expectation():
    assert sorted(set(SET_ASIDE) | set(REFUSED)) == corpus()
    assert len(ENCODED) == 8


@pytest.mark.parametrize("name", sorted(SET_ASIDE))
def test_bad_rows_are_set_aside_with_line_and_reason(store, name):
    kind, read, loaded, duplicates, reasons = SET_ASIDE[name]
    result = load_one(store, BAD / name)
    assert (result.kind, result.read, result.loaded, result.duplicates, result.rejected,
            result.error) == (kind, read, loaded, duplicates, len(reasons), None)
    assert result.read == result.loaded + result.rejected + result.duplicates
    rejected = list_rejected(store)
    rejected = rejected[rejected.file == str(BAD / name)]
    assert dict(zip(rejected.line, rejected.reason)) == reasons
    registry_rows = {"units": 4, "procedures": 5}.get(kind, 0)
    stored = store.execute(f"SELECT count(*) FROM {kind}").fetchone()[0]
    assert stored == registry_rows + loaded - result.updated
    if name in ENCODED:  # every encoding and separator stores the very same records
        assert store.execute("SELECT dossier_id, unit_code, channel, status, received_at, "
                             "closed_at, digitised_on_receipt, result_digitised FROM dossiers "
                             "ORDER BY 1").fetchall() == ENCODED_STORED


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unreadable_files_are_refused_in_one_line_and_change_nothing(store, name):
    before = snapshot(store)
    [result] = load_exports(store, [str(BAD / name)])
    label = str(BAD / name)
    assert result.kind is None and result.read == result.loaded == result.rejected == 0
    assert result.error.startswith(f"{label}: {REFUSED[name]}")
    assert "\n" not in result.error
    assert snapshot(store) == before


CLI_SET_ASIDE = ["encoded_utf16_tab.txt", "feedback_bad_rows.csv", "procedures_bad_rows.csv",
                 "units_bad_rows.csv"]


def test_the_command_line_prints_one_line_per_file_and_no_traceback(registry_store, tmp_path):
    db = tmp_path / "cli.duckdb"
    shutil.copyfile(registry_store, db)
    names = CLI_SET_ASIDE + sorted(REFUSED)
    run = subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db", str(db), "ingest",
                          *[str(BAD / n) for n in names]], capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "Traceback" not in run.stdout + run.stderr
    expected_out = []
    for name in CLI_SET_ASIDE:
        kind, read, loaded, dups, reasons = SET_ASIDE[name]
        expected_out.append(f"{BAD / name}: {KIND_LABELS[kind]}: đọc {read}, nạp {loaded} (cập nhật 0), "
                            f"loại {len(reasons)}, trùng {dups}")
    assert run.stdout.splitlines() == expected_out
    errors = run.stderr.splitlines()
    assert len(errors) == len(REFUSED)
    for name, line in zip(sorted(REFUSED), errors):
        assert line.startswith(f"LỖI: {BAD / name}: {REFUSED[name]}")


# --------------------------------------------------------------------------- made at test time

DOSSIER_HEAD = ["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Hình thức nộp", "Ngày tiếp nhận",
                "Ngày hẹn trả", "Trạng thái", "Ngày kết thúc"]
ROW = ["THD", "1.001193", "Trực tuyến", "03/04/2023 08:00", "05/04/2023", "Đã giải quyết",
       "04/04/2023 16:30"]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def test_a_file_of_200_columns_loads_its_known_columns(store, tmp_path):
    extra = [f"Cột thêm {i}" for i in range(192)]
    header = extra[:100] + DOSSIER_HEAD + extra[100:]
    rows = [[f"x{i}-{j}" for j in range(100)] + [f"W{i}", *ROW] + ["y"] * 92 for i in range(50)]
    rows[7][100 + 3] = "Qua Zalo"
    path = _write_csv(tmp_path / "dossiers_wide.csv", header, rows)
    assert len(header) == 200
    result = load_one(store, path)
    assert (result.kind, result.read, result.loaded, result.rejected) == ("dossiers", 50, 49, 1)
    assert list_rejected(store).line.tolist() == [9]


def test_a_cell_of_one_megabyte_loads_or_is_set_aside_in_one_line(store, tmp_path):
    big = "Đ" * 500_000 + "x" * 100                     # 1 MB of UTF-8
    rows = [[f"M{i}", *ROW] for i in range(5)]
    rows[1][1] = big                                   # a unit code nobody has
    rows[3][0] = "M1"                                  # ... and a repeated id, with a long note
    header = DOSSIER_HEAD + ["Ghi chú"]
    rows = [r + ([big] if i == 2 else [""]) for i, r in enumerate(rows)]
    path = _write_csv(tmp_path / "dossiers_big_cell.csv", header, rows)
    assert path.stat().st_size > 2_000_000
    result = load_one(store, path)
    assert (result.read, result.loaded, result.rejected) == (5, 3, 2)
    reasons = dict(zip(list_rejected(store).line, list_rejected(store).reason))
    assert sorted(reasons) == [3, 5]
    # The value is too long, and the reason quotes its first characters, on one short line.
    assert reasons[3].startswith('Giá trị ở cột "Mã đơn vị" dài 500.100 ký tự, quá giới hạn '
                                 '32.767 ký tự; Mã đơn vị "' + "Đ" * 79 + '…" không có trong '
                                 'danh mục đơn vị')
    assert max(len(r) for r in reasons.values()) < 400


def test_a_line_break_inside_a_cell_keeps_the_reason_on_one_line(store, tmp_path):
    rows = [["L1", *ROW], ["L2", *ROW]]
    rows[1][3] = "Trực\r\ntiếp qua\nmạng"
    path = _write_csv(tmp_path / "dossiers_line_break.csv", DOSSIER_HEAD, rows)
    result = load_one(store, path)
    assert (result.read, result.loaded, result.rejected) == (2, 1, 1)
    [(line, reason)] = zip(list_rejected(store).line, list_rejected(store).reason)
    assert (line, reason) == (3, invalid("Trực tiếp qua mạng", "Hình thức nộp", CHANNELS))


def test_a_header_below_a_megabyte_of_title_is_refused(store, tmp_path):
    path = tmp_path / "dossiers_late_header.csv"
    path.write_text("Tiêu đề " * 140_000 + "\n" + ",".join(DOSSIER_HEAD) + "\n", encoding="utf-8")
    [result] = load_exports(store, [str(path)])
    assert result.error.startswith(f"{path}: {NO_HEADER}")


def test_formula_text_is_kept_as_text(store):
    result = load_one(store, BAD / "dossiers_formulas.csv")
    assert result.loaded == 2
    ids = [r[0] for r in store.execute("SELECT dossier_id FROM dossiers ORDER BY 1").fetchall()]
    assert ids == ['=HYPERLINK("http://evil.example","B01")', "B00"]
