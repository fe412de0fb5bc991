"""Whole-export profiles read CSV exports too (issue 22, docs/profiles.md): an office's CSV
with title rows above the header, procedure group rows "--- CODE - NAME", unit names instead
of codes and a personal column loads through the office's profile with the grammar of grid
files, without editing the file; read = loaded + set aside + duplicates, and the figures
equal a plain-Python count of the fixture."""

from __future__ import annotations

import csv
import io
import json
import unicodedata

import pytest
from helpers.cli import tthc_in_store

from tests.ingest.test_known_systems import FIXTURES

pytestmark = pytest.mark.integration  # runs the CLI as a subprocess (conftest)

PROFILE = r"""
system: "Một cửa huyện — danh sách hồ sơ (CSV)"
kind: dossiers
match: ["Mã hồ sơ", "Đơn vị tiếp nhận", "Trạng thái xử lý"]
columns:
  dossier_id: "Mã hồ sơ"
  unit_code: "Đơn vị tiếp nhận"
  channel: "Hình thức"
  received_at: "Ngày nhận"
  due_at: "Ngày hẹn trả"
  closed_at: "Ngày trả kết quả"
names: {unit_code: units}
layout:
  groups:
    - {column: procedure_code, name_column: procedure_name,
       pattern: '^---\s*(?P<value>\S+)\s*-\s*(?P<name>.+)$'}
derive:
  dates:
    received_at: "DD/MM/YYYY HH:mm"
    due_at: "DD/MM/YYYY HH:mm"
    closed_at: "DD/MM/YYYY HH:mm"
  status:
    - {if: {"Trạng thái xử lý": "Đã trả kết quả"}, then: resolved}
    - {if: {"Trạng thái xử lý": ["Đang xử lý", "Chờ bổ sung"]}, then: open}
"""

HEADER = ["STT", "Mã hồ sơ", "Đơn vị tiếp nhận", "Người nộp", "Ngày nhận", "Ngày hẹn trả",
          "Trạng thái xử lý", "Ngày trả kết quả", "Hình thức"]
UNIT_OF = {"UBND xã Quảng La": "HB02", "UBND Phường Tân An": "HB01"}
# Fictional rows, under their procedure's group row.
ROWS = [
    ("--- 1.001193 - Đăng ký khai sinh",),
    ("KS-01", "UBND xã Quảng La", "Nguyễn Văn An", "02/11/2026 08:00", "03/11/2026 17:00",
     "Đã trả kết quả", "03/11/2026 10:00", "Trực tuyến"),
    ("KS-02", "UBND Phường Tân An", "Trần Thị Bình", "03/11/2026 09:00", "04/11/2026 17:00",
     "Đang xử lý", "", "Trực tiếp"),
    ("--- 1.000894 - Đăng ký kết hôn",),
    ("KH-01", "UBND xã Quảng La", "Lê Văn Cường", "04/11/2026 08:00", "09/11/2026 17:00",
     "Đã trả kết quả", "12/11/2026 08:00", "Trực tiếp"),
    ("KH-01", "UBND xã Quảng La", "Lê Văn Cường", "04/11/2026 08:00", "09/11/2026 17:00",
     "Đã trả kết quả", "12/11/2026 08:00", "Trực tiếp"),                # exact duplicate
    ("KH-02", "UBND xã Đông Ngũ", "Phạm Thị Dung", "05/11/2026 08:00", "10/11/2026 17:00",
     "Chờ bổ sung", "", "Trực tuyến"),                                    # no such unit
    ("KH-03", "UBND Phường Tân An", "Hoàng Văn Em", "06/11/2026 08:00", "11/11/2026 17:00",
     "Chờ bổ sung", "", "Trực tuyến"),
    # the applicant's cell left out: every value after it is one column off
    ("KH-04", "UBND xã Quảng La", "07/11/2026 08:00", "Vũ Thị Giang, Thôn 2",
     "Đang xử lý", "", "Trực tiếp"),
]
PERSONAL = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em",
            "Vũ Thị Giang"]


def write_export(path):
    """The office's CSV as its system writes it: UTF-8 with BOM, `;`, two title lines and a
    blank line above the header, numbered data rows, group rows of one cell."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        f.write("DANH SÁCH HỒ SƠ TIẾP NHẬN\r\nTừ ngày 01/11/2026 đến ngày 30/11/2026\r\n\r\n")
        writer = csv.writer(f, delimiter=";")
        writer.writerow(HEADER)
        n = 0
        for row in ROWS:
            if len(row) == 1:
                writer.writerow(row)
            else:
                n += 1
                writer.writerow([n, *row])
    return path


def plain_count() -> dict[str, dict[str, int]]:
    """Per unit: received, resolved, pending (November 2026), counted from ROWS by hand."""
    seen, out = set(), {}
    for row in ROWS:
        if len(row) != 8 or row in seen or row[1] not in UNIT_OF:
            seen.add(row)
            continue
        seen.add(row)
        unit = out.setdefault(UNIT_OF[row[1]], {"received": 0, "resolved": 0, "pending": 0})
        unit["received"] += 1
        unit["resolved" if row[5] == "Đã trả kết quả" else "pending"] += 1
    return out


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("csv_profile")
    (cwd / "params" / "sources").mkdir(parents=True)
    (cwd / "params" / "sources" / "mot_cua.yaml").write_text(PROFILE, "utf-8")
    export = write_export(cwd / "danh_sach_ho_so.csv")
    params = ("--params", str(cwd / "params"))
    seen = tthc_in_store(cwd, "inspect", *params, str(export))
    run = tthc_in_store(cwd, "ingest", *params, str(FIXTURES / "don_vi.csv"),
               str(FIXTURES / "thu_tuc.csv"), str(export))
    return cwd, export, seen, run


def test_inspect_names_the_offices_profile_for_a_csv(loaded):
    _cwd, export, seen, _run = loaded
    assert seen.returncode == 0, seen.stderr
    lines = seen.stdout.splitlines()
    assert lines[0] == f"{export}: hồ sơ (dossiers), tiêu đề ở dòng 4, đọc 7 dòng"
    assert lines[1] == ("  nhận ra: Một cửa huyện — danh sách hồ sơ (CSV) "
                        "(hồ sơ nguồn mot_cua.yaml)")
    assert f"  {'Đơn vị tiếp nhận':<32} -> unit_code (mot_cua.yaml)" in lines
    assert '      ví dụ: "KS-01", "KS-02", "KH-01"' in lines
    assert "      Người nộp: [ẩn — dữ liệu cá nhân]" in lines
    # the row one column off is shown nowhere: the dates stay dates
    assert '      ví dụ: "02/11/2026 08:00", "03/11/2026 09:00", "04/11/2026 08:00"' in lines
    assert '      ví dụ: "03/11/2026 10:00", "12/11/2026 08:00"' in lines
    for value in PERSONAL:
        assert value not in seen.stdout


def test_a_csv_with_title_and_group_rows_loads_by_the_profile(loaded):
    cwd, export, _seen, run = loaded
    assert run.returncode == 0, run.stderr
    # 7 dossier rows: the title lines, the blank line and the 2 group rows are not rows
    assert run.stdout.splitlines()[-1] == (
        f"{export}: hồ sơ: đọc 7, nạp 4 (cập nhật 0), loại 2, trùng 1")
    rejected = json.loads(tthc_in_store(cwd, "rejected", "--format", "json").stdout)
    assert [(r["line"], r["reason"]) for r in rejected] == [
        (11, 'Tên đơn vị "UBND xã Đông Ngũ" không có trong danh mục'),
        (13, "Dòng có 8 ô, tiêu đề có 9 ô: các giá trị bị lệch cột")]
    for value in PERSONAL:
        assert value not in json.dumps(rejected, ensure_ascii=False)


def test_figures_of_the_csv_equal_a_plain_count(loaded):
    cwd, _export, _seen, _run = loaded
    run = tthc_in_store(cwd, "indicators", "--period", "2026-11-01:2026-11-30", "--format", "json")
    assert run.returncode == 0, run.stderr
    rows = {r["unit"]: r for r in json.loads(run.stdout)["rows"] if r["scope"] == "unit"}
    for unit, expected in plain_count().items():
        row = rows[unit]
        assert (row["received_in_period"], row["resolved_total"], row["pending_total"]) == (
            expected["received"], expected["resolved"], expected["pending"]), unit
    assert rows["HB02"]["received_online"] == 1 and rows["HB02"]["resolved_late"] == 1


TONES = "\u0300\u0301\u0303\u0309\u0323"      # the five tone marks, combining in cp1258


def _cp1258(text: str) -> bytes:
    """`text` in Windows-1258: each letter with its vowel marks (â, ơ, ư …) precomposed, its
    tone mark after it as the combining character that code page holds."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out.append(base + "".join(c for c in parts if c in TONES))
    return "".join(out).encode("cp1258")


@pytest.mark.parametrize("encoding, sep", [("utf-16", "\t"), ("cp1258", ";"), ("utf-8", ",")])
def test_the_csv_profile_reads_every_encoding_and_separator(tmp_path, encoding, sep):
    """The same export in UTF-16 with tabs, Windows-1258 (tone marks combining) with `;`,
    UTF-8 with `,`: read the same way, every row counted."""
    (tmp_path / "params" / "sources").mkdir(parents=True)
    (tmp_path / "params" / "sources" / "mot_cua.yaml").write_text(PROFILE, "utf-8")
    text = write_export(tmp_path / "goc.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=sep).writerows(rows)
    export = tmp_path / f"xuat_{encoding}.csv"
    data = buffer.getvalue()
    export.write_bytes(_cp1258(data) if encoding == "cp1258" else data.encode(encoding))
    run = tthc_in_store(tmp_path, "ingest", "--params", str(tmp_path / "params"),
               str(FIXTURES / "don_vi.csv"), str(FIXTURES / "thu_tuc.csv"), str(export))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == (
        f"{export}: hồ sơ: đọc 7, nạp 4 (cập nhật 0), loại 2, trùng 1")
