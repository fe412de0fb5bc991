"""An office's whole-export profile for a tracking book laid out like e-par's (title rows, the
unit only in a title row, a header over two merged rows with a numbering row under it,
procedure group rows "--- CODE - NAME", dates as dd-mm-yyyy with text after them, the status
from which dates are filled), as .xlsx with merged cells: loaded through the CLI without
editing the file, every row counted."""

from __future__ import annotations

import json

import pytest
from helpers.cli import tthc_in_store

from tests.ingest.test_known_systems import FIXTURES

pytestmark = pytest.mark.integration  # runs the CLI as a subprocess (conftest)

PROFILE = r"""
system: "Sổ theo dõi hồ sơ (mẫu e-par)"
kind: dossiers
match: ["Mã hồ sơ", "Ngày nhận", "Kết quả giải quyết"]
columns:
  dossier_id: "Mã hồ sơ"
  received_at: "Ngày nhận"
  due_at: "Ngày hẹn trả"
  closed_at: "Kết quả giải quyết / Ngày trả"
names: {unit_code: units}
layout:
  header_rows: 2
  title_values: {unit_code: '^Đơn vị:\s*(.+)$'}
  constants: {channel: "Trực tiếp"}
  groups:
    - {column: procedure_code, name_column: procedure_name,
       pattern: '^---\s*(?P<value>\S+)\s*-\s*(?P<name>.+)$'}
derive:
  dates: {received_at: dd-mm-yyyy, due_at: dd-mm-yyyy, closed_at: dd-mm-yyyy}
  status:
    - {if: {closed_at: filled}, then: resolved}
    - {then: open}
"""

ROWS = [  # (id, received, due, closed) under their procedure
    ("--- 1.001193 - Đăng ký khai sinh",),
    ("HS-01", "02-11-2026\nTừ 13:30 đến 16:00", "03-11-2026", "03-11-2026"),
    ("HS-02", "03-11-2026", "04-11-2026", "-"),
    ("--- 1.000894 - Đăng ký kết hôn",),
    ("HS-03", "04-11-2026", "09-11-2026", "12-11-2026"),
    ("HS-04", "31-11-2026", "09-11-2026", ""),            # no 31 November: set aside
]


def write_book(path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["SỔ THEO DÕI HỒ SƠ"])
    ws.append(["Đơn vị: UBND xã Quảng La"])
    ws.append([])
    ws.append(["TT", "Mã hồ sơ", "Ngày nhận", "Ngày hẹn trả", "Kết quả giải quyết", None])
    ws.append([None, None, None, None, "Ngày trả", "Ghi chú"])
    for col in "ABCD":
        ws.merge_cells(f"{col}4:{col}5")
    ws.merge_cells("E4:F4")
    ws.append([f"({i})" for i in range(1, 7)])
    n = 0
    for row in ROWS:
        if len(row) == 1:
            ws.append([row[0]])
        else:
            n += 1
            ws.append([n, *row, ""])
    wb.save(path)


def test_a_tracking_book_loads_by_the_offices_profile(tmp_path):
    (tmp_path / "params" / "sources").mkdir(parents=True)
    (tmp_path / "params" / "sources" / "so_theo_doi.yaml").write_text(PROFILE, "utf-8")
    book = tmp_path / "so_theo_doi.xlsx"
    write_book(book)
    params = ("--params", str(tmp_path / "params"))
    seen = tthc_in_store(tmp_path, "inspect", *params, str(book))
    assert seen.returncode == 0, seen.stderr
    assert "  nhận ra: Sổ theo dõi hồ sơ (mẫu e-par) (hồ sơ nguồn so_theo_doi.yaml)" in seen.stdout
    assert "  Kết quả giải quyết / Ngày trả    -> closed_at (so_theo_doi.yaml)" in seen.stdout
    run = tthc_in_store(tmp_path, "ingest", *params, str(FIXTURES / "don_vi.csv"),
               str(FIXTURES / "thu_tuc.csv"), str(book))
    assert run.returncode == 0, run.stderr
    # 4 dossiers read: title rows, the numbering row and the 2 group rows are not rows
    assert run.stdout.splitlines()[-1] == (
        f"{book}: hồ sơ: đọc 4, nạp 3 (cập nhật 0), loại 1, trùng 0")
    out = json.loads(tthc_in_store(tmp_path, "indicators", "--period", "2026-11-01:2026-11-30",
                          "--unit", "HB02", "--format", "json").stdout)
    row = out["rows"][0]
    assert (row["received_in_period"], row["received_offline"], row["resolved_on_time"],
            row["resolved_late"], row["pending_total"]) == (3, 3, 1, 1, 1)
    rejected = json.loads(tthc_in_store(tmp_path, "rejected", "--format", "json").stdout)
    assert [(r["line"], r["reason"]) for r in rejected] == [
        (12, 'Giá trị "31-11-2026" ở cột "Ngày tiếp nhận" không phải ngày giờ hợp lệ')]
