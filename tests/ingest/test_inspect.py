"""`tthc inspect` and source profiles: an export of an invented one-stop system, whose every
column name and status word differs from docs/input-format.md, is read after pasting the profile
snippet that inspect prints (docs/input-format.md § Other systems' exports)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import OTHER_HEADER, OTHER_ROWS, held_out_exports, snippet_of, tthc, write_csv

from tthc_lib.errors import InputError
from tthc_lib.ingest.profiles import load_profiles

pytestmark = pytest.mark.integration  # kernels, subprocesses or long fuzzing (conftest)


@pytest.fixture
def workspace(tmp_path) -> Path:
    ws = tmp_path / "uong-bi"
    assert tthc(tmp_path, "init", str(ws)).returncode == 0
    return ws


def test_inspect_then_pasted_snippet_then_ingest_reads_every_row(workspace, tmp_path):
    files = held_out_exports(tmp_path / "exports")
    first = tthc(workspace, "inspect", str(files["dossiers"]))
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "hồ sơ (dossiers), tiêu đề ở dòng 1, đọc 5 dòng" in out
    for header, column in [("Số biên nhận", "dossier_id"), ("Mã cơ quan", "unit_code"),
                           ("Kênh nộp", "channel"), ("Tình trạng", "status"),
                           ("Hạn trả", "due_at"), ("Ngày có kết quả", "closed_at")]:
        assert f"-> {column} (đoán: chắc chắn)" in next(line for line in out.splitlines()
                                                       if header in line)
    assert "bỏ qua: Họ tên người nộp" in out
    assert '      ví dụ: "UB-1", "UB-2", "UB-3"' in out.splitlines()
    assert "      Họ tên người nộp: [ẩn — dữ liệu cá nhân]" in out.splitlines()
    assert ("giá trị ngoài danh sách ở cột status: 'Đã xử lý xong' ×3, 'Công dân rút' ×1, "
            "'Đang thụ lý' ×1") in out
    assert "giá trị ngoài danh sách ở cột channel: 'Qua mạng' ×3, 'Tại quầy' ×2" in out
    assert not (workspace / "data" / "tthc.duckdb").exists()   # inspect loads nothing

    snippet = snippet_of(out)
    assert '"Đã xử lý xong": resolved' in snippet and '"Công dân rút": withdrawn' in snippet
    (workspace / "params" / "sources" / "he_thong_khac.yaml").write_text(snippet, "utf-8")

    again = tthc(workspace, "inspect", str(files["dossiers"]))
    assert "-> dossier_id (he_thong_khac.yaml)" in again.stdout
    assert "ngoài danh sách" not in again.stdout and "Hồ sơ nguồn gợi ý" not in again.stdout

    loaded = tthc(workspace, "ingest", str(files["units"]), str(files["procedures"]),
                  str(files["dossiers"]))
    assert loaded.returncode == 0, loaded.stderr
    assert f"{files['dossiers']}: hồ sơ: đọc 5, nạp 5 (cập nhật 0), loại 0, trùng 0" \
        in loaded.stdout.splitlines()


def test_a_standard_export_maps_through_the_standard_names(workspace, tmp_path):
    files = held_out_exports(tmp_path / "exports")
    result = tthc(workspace, "inspect", str(files["units"]))
    assert result.returncode == 0
    assert "danh mục đơn vị (units), tiêu đề ở dòng 1, đọc 3 dòng" in result.stdout
    assert "-> unit_code (chuẩn)" in result.stdout and "Hồ sơ nguồn gợi ý" not in result.stdout


def test_a_header_nothing_can_guess_is_left_for_the_office_to_fill(workspace, tmp_path):
    header = ["Số biên nhận", "Mã cơ quan", "Mã TTHC", "Kênh nộp", "Thời điểm tiếp nhận",
              "Hạn trả", "Cột 7"]
    path = write_csv(tmp_path / "x.csv", header, [r[:7] for r in OTHER_ROWS])
    result = tthc(workspace, "inspect", str(path))
    assert result.returncode == 1
    assert "còn thiếu cột: status" in result.stdout
    assert "    status: []   # điền tên cột của tệp ứng với cột này" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_inspect_of_a_file_that_is_no_table_is_one_line(workspace, tmp_path):
    path = tmp_path / "anh.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    result = tthc(workspace, "inspect", str(path))
    assert result.returncode == 1
    assert len(result.stdout.strip().splitlines()) == 1 and result.stdout.startswith("LỖI: ")


@pytest.mark.parametrize("text, message", [
    ("dossiers:\n  headers:\n    due_date: [\"Hạn\"]\n",
     "Hồ sơ nguồn bad.yaml: dossiers: cột 'due_date' không có"),
    ("dossiers:\n  values:\n    status: {\"Xong\": done}\n",
     ("Hồ sơ nguồn bad.yaml: dossiers.values.status: \"Xong\" phải ánh xạ tới một trong open, "
      "paused, resolved, returned, withdrawn (đang là 'done').")),
    ("dossier:\n  headers: {}\n", "Hồ sơ nguồn bad.yaml: loại tệp 'dossier' không có"),
    ("dossiers:\n  headers:\n    status: [\"Mã hồ sơ\"]\n",
     "Hồ sơ nguồn bad.yaml: dossiers: tiêu đề \"Mã hồ sơ\" đã là của cột dossier_id"),
    ("dossiers: [\n", "Hồ sơ nguồn bad.yaml: không đọc được"),
])
def test_a_wrong_profile_is_refused_in_one_line_naming_the_file(tmp_path, text, message):
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_profiles(tmp_path)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_profiles_only_add_spellings_the_rules_still_apply(workspace, tmp_path):
    """A profile maps a status; a row of that status without its closing date is still set
    aside by the rule of docs/input-format.md."""
    files = held_out_exports(tmp_path / "exports")
    (workspace / "params" / "sources" / "p.yaml").write_text(
        snippet_of(tthc(workspace, "inspect", str(files["dossiers"])).stdout), "utf-8")
    rows = [list(OTHER_ROWS[0]), list(OTHER_ROWS[1])]
    rows[0][0], rows[0][7] = "UB-9", ""          # "Đã xử lý xong" without "Ngày có kết quả"
    bad = write_csv(tmp_path / "bad.csv", OTHER_HEADER, rows, sep=";")
    result = tthc(workspace, "ingest", str(files["units"]), str(files["procedures"]), str(bad))
    assert f"{bad}: hồ sơ: đọc 2, nạp 1 (cập nhật 0), loại 1, trùng 0" in result.stdout
    reasons = tthc(workspace, "rejected", "--format", "csv").stdout
    assert 'thiếu ""Ngày kết thúc""' in reasons or 'thiếu "Ngày kết thúc"' in reasons


# Fictional applicants: every value below is planted in the export and must never be shown.
PERSONAL_HEADER = [*OTHER_HEADER, "Số CCCD/CMND", "Điện thoại liên hệ", "Email",
                   "Địa chỉ thường trú", "Nội dung yêu cầu", "Đại diện", "Thông tin thêm"]
PLANTED = [
    ("001090012345", "0912345678", "an.nguyen@example.com", "Thôn 3, xã Thượng Yên Công",
     "Tôi đề nghị cấp lại giấy khai sinh cho con", "Nguyễn Thị Hoa", "gọi 0987.654.321"),
    ("012345678", "+84 987 654 321", "binh.tran@example.org", "Số 12 đường Trần Phú",
     "Xin hỏi về lệ phí", "Trần Văn Khánh", "đã hẹn"),
    ("034187000111", "0203 3456 789", "cuong@example.net", "Tổ 5, phường Quang Trung",
     "Hồ sơ của tôi đã nộp đủ", "Lê Thị Lan", "Lê Văn Cường nhận thay"),
    ("001190000222", "0911000222", "dung.pham@example.com", "Xóm 2, xã Thượng Yên Công",
     "Đề nghị trả kết quả qua bưu điện", "Phạm Văn Hùng", ""),
    ("038090000333", "0911000333", "em.hoang@example.com", "Ấp 4",
     "Tôi cần bản sao", "Hoàng Thị Mai", "email em.hoang@example.com"),
]


def test_inspect_masks_every_personal_column_and_shows_the_others(workspace, tmp_path):
    """Personal columns are masked by header (name, CCCD, phone, email, address, the text of a
    request) and by the shape of their values (a full name under "Đại diện", a phone number
    inside "Thông tin thêm"); other columns show three distinct values; each guess says how
    sure it is; inspect writes no file."""
    rows = [(*base, *extra) for base, extra in zip(OTHER_ROWS, PLANTED)]
    path = write_csv(tmp_path / "ca_nhan.csv", PERSONAL_HEADER, rows, sep=";")
    before = sorted(p for p in workspace.rglob("*"))
    result = tthc(workspace, "inspect", str(path))
    assert result.returncode == 0, result.stderr
    assert sorted(p for p in workspace.rglob("*")) == before          # nothing written
    out = result.stdout + result.stderr
    for row in rows:
        for value in [row[8], *row[9:]]:
            if value:
                assert value not in out, value
    for word in ("0987", "001090", "@example", "Hoa", "Khánh", "Trần Phú"):
        assert word not in out
    lines = result.stdout.splitlines()
    for header in PERSONAL_HEADER[8:]:
        assert f"      {header}: [ẩn — dữ liệu cá nhân]" in lines, header
    assert '      ví dụ: "Đã xử lý xong", "Đang thụ lý", "Công dân rút"' in lines
    assert f"  {'Kênh nộp':<32} -> channel (đoán: chắc chắn)" in lines


def test_an_ambiguous_header_gets_no_guess_and_stays_blank(workspace, tmp_path):
    """"Ngày hẹn" is as close to the received date as to the due date: no guess is used; the
    snippet leaves due_at blank with a comment naming the candidate."""
    header = ["Ngày hẹn" if h == "Hạn trả" else h for h in OTHER_HEADER]
    path = write_csv(tmp_path / "mo_ho.csv", header, OTHER_ROWS, sep=";")
    result = tthc(workspace, "inspect", str(path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"  {'Ngày hẹn':<32} -> ? (chưa chắc: có thể là due_at; để trống)" in lines
    assert ('    due_at: []   # chưa chắc (có thể là cột "Ngày hẹn"): điền tên cột của tệp ứng '
            'với cột này') in lines
    assert not any('["Ngày hẹn"]' in line for line in lines)
    assert f"  {'Thời điểm tiếp nhận':<32} -> received_at (đoán: chắc chắn)" in lines
    assert "Traceback" not in result.stdout + result.stderr


def test_a_file_of_data_rows_only_shows_none_of_them(workspace, tmp_path):
    """No header row at all: inspect refuses in one line, and no row is shown as headers."""
    path = tmp_path / "khong_tieu_de.csv"
    path.write_text("".join(f"{n};Nguyễn Văn An;0912345678;Thôn 3\n" for n in range(1, 4)),
                    encoding="utf-8")
    result = tthc(workspace, "inspect", str(path))
    assert result.returncode == 1
    assert result.stdout.startswith(f"LỖI: {path}: không tìm thấy dòng tiêu đề")
    assert len(result.stdout.strip().splitlines()) == 1
    for value in ("Nguyễn Văn An", "0912345678", "Thôn 3"):
        assert value not in result.stdout + result.stderr


def test_the_legend_says_what_each_level_means(workspace, tmp_path):
    files = held_out_exports(tmp_path / "exports")
    lines = tthc(workspace, "inspect", str(files["dossiers"])).stdout.splitlines()
    assert ("  (đoán: chắc chắn = tiêu đề là một tên quen dùng của cột; có thể = gần giống, hãy "
            "kiểm tra;") in lines
    assert "   chưa chắc = không dùng, để trống trong hồ sơ nguồn gợi ý)" in lines


def test_a_workbook_shows_samples_of_its_first_sheet_personal_ones_masked(workspace, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Hình thức nộp", "Ngày tiếp nhận",
                  "Ngày hẹn trả", "Trạng thái", "Số điện thoại"])
    for n in range(1, 6):
        sheet.append([f"HS-{n}", "UB01", "2.000001", "Trực tuyến", f"0{n}/03/2023 08:00",
                      f"0{n}/04/2023", "Đang giải quyết", f"091234567{n}"])
    path = tmp_path / "ho_so.xlsx"
    book.save(path)
    result = tthc(workspace, "inspect", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert '      ví dụ: "HS-1", "HS-2", "HS-3"' in lines
    assert '      ví dụ: "Đang giải quyết"' in lines
    assert f"  {'Số điện thoại':<32} -> applicant_phone (chuẩn; dữ liệu cá nhân, không nạp)" \
        in lines
    assert "      ví dụ: [ẩn — dữ liệu cá nhân]" in lines
    assert "0912345671" not in result.stdout
