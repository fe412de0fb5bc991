"""`tthc inspect` and source profiles: an export of an invented one-stop system, whose every
column name and status word differs from docs/input-format.md, is read after pasting the profile
snippet that inspect prints (docs/input-format.md § Other systems' exports)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tthc_lib.errors import InputError
from tthc_lib.ingest.profiles import load_profiles

pytestmark = pytest.mark.integration  # kernels, subprocesses or long fuzzing (conftest)

UNITS = [("UB", "Thành phố Uông Bí", "Thành phố", ""),
         ("UB01", "Phường Quang Trung", "Phường", "UB"),
         ("UB02", "Xã Thượng Yên Công", "Xã", "UB")]
PROCEDURES = [("2.000001", "Đăng ký kết hôn", "Hộ tịch", "Cấp xã", "Toàn trình"),
              ("2.000002", "Cấp giấy phép xây dựng", "Xây dựng", "Cấp huyện", "Một phần")]
# The invented system: every header and every status and channel word is its own.
OTHER_HEADER = ["Số biên nhận", "Mã cơ quan", "Mã TTHC", "Kênh nộp", "Thời điểm tiếp nhận",
                "Hạn trả", "Tình trạng", "Ngày có kết quả", "Họ tên người nộp"]
OTHER_ROWS = [
    ("UB-1", "UB01", "2.000001", "Qua mạng", "02/03/2023 08:00", "03/03/2023 17:00",
     "Đã xử lý xong", "03/03/2023 09:00", "Nguyễn Văn An"),
    ("UB-2", "UB01", "2.000001", "Tại quầy", "06/03/2023 08:00", "07/03/2023 17:00",
     "Đang thụ lý", "", "Trần Thị Bình"),
    ("UB-3", "UB02", "2.000001", "Qua mạng", "07/03/2023 08:00", "08/03/2023 17:00",
     "Công dân rút", "07/03/2023 10:00", "Lê Văn Cường"),
    ("UB-4", "UB", "2.000002", "Tại quầy", "01/02/2023 08:00", "20/02/2023 17:00",
     "Đã xử lý xong", "25/02/2023 10:00", "Phạm Thị Dung"),
    ("UB-5", "UB", "2.000002", "Qua mạng", "01/02/2023 08:00", "20/02/2023 17:00",
     "Đã xử lý xong", "10/02/2023 10:00", "Hoàng Văn Em"),
]


def write_csv(path: Path, header: list[str], rows, sep: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=sep)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def held_out_exports(folder: Path) -> dict[str, Path]:
    """The held-out city's registry and catalogue (docs/input-format.md headers) and its dossiers
    from "another system"."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "units": write_csv(folder / "don_vi.csv", ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị",
                                                   "Mã đơn vị cấp trên"], UNITS),
        "procedures": write_csv(folder / "thu_tuc.csv", ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực",
                                                         "Cấp thực hiện", "Mức độ DVC trực tuyến"],
                                PROCEDURES),
        "dossiers": write_csv(folder / "he_thong_khac.csv", OTHER_HEADER, OTHER_ROWS, sep=";"),
    }


def tthc(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TTHC_DB", "TTHC_DEBUG")}
    return subprocess.run([sys.executable, "-m", "tthc_lib.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def snippet_of(stdout: str) -> str:
    """The profile snippet inspect prints: from its kind line to the blank line after it."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line in ("dossiers:", "units:"))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return "\n".join(lines[start:end]) + "\n"


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
        assert f"-> {column} (đoán)" in next(line for line in out.splitlines() if header in line)
    assert "bỏ qua: Họ tên người nộp" in out
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
