"""Issue 20, control characters inside an XLSX cell (CLI as a subprocess): a vertical tab in
`Lĩnh vực` and a U+0001 in a procedure's name, written into the sheet's XML as the character
itself (as some exporters do) or as Excel's `_x000B_` escape, are replaced by spaces at ingest,
the office told how many, as for a CSV file (ingest/controls.py); the HTML and DOCX reports
and Biểu 06 are then written with the cleaned text."""

from __future__ import annotations

import duckdb
import pytest
from helpers.cli import PROCEDURES, held_out_exports, tthc
from helpers.xlsx import write_xlsx

HEAD = ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện", "Mức độ DVC trực tuyến"]
DIRTY = {("2.000001", 1): "Đăng ký\x01kết hôn", ("2.000001", 2): "Hộ\x0btịch",
         ("2.000002", 2): "Xây\x0c\x1fdựng"}
CONTROLS = "\x00\x01\x0b\x0c\x1f"


def dirty_rows() -> list[list[str]]:
    """The held-out catalogue, header first, with the DIRTY cells."""
    return [HEAD, *([DIRTY.get((r[0], i), v) for i, v in enumerate(r)] for r in PROCEDURES)]


@pytest.fixture(scope="module", params=["raw", "escape"])
def workspace(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"xlsx-{request.param}")
    ws = root / "uong-bi"
    assert tthc(root, "init", str(ws), "--period", "2023-Q1").returncode == 0
    files = held_out_exports(root / "exports")
    files["procedures"] = write_xlsx(root / "exports" / "thu_tuc.xlsx", dirty_rows(),
                                     request.param)
    lines = tthc(ws, "inspect", str(files["dossiers"])).stdout.splitlines()
    start = lines.index("dossiers:")
    (ws / "params" / "sources" / "khac.yaml").write_text(
        "\n".join(lines[start:lines.index("", start)]) + "\n", encoding="utf-8")
    run = tthc(ws, "ingest", *map(str, files.values()))
    assert run.returncode == 0, run.stderr
    return ws, files["procedures"], run


def test_ingest_replaces_the_control_characters_and_says_how_many(workspace):
    ws, path, run = workspace
    assert (f"{path}: đã thay 4 ký tự điều khiển (không đưa được vào báo cáo, ví dụ dấu tab "
            "dọc) bằng dấu cách.") in run.stdout.splitlines()
    assert f"{path}: danh mục thủ tục: đọc 2, nạp 2 (cập nhật 0), loại 0, trùng 0" in run.stdout
    with duckdb.connect(str(ws / "data" / "tthc.duckdb"), read_only=True) as con:
        stored = con.execute("SELECT procedure_code, procedure_name, field FROM procedures "
                             "ORDER BY 1").fetchall()
    assert stored == [("2.000001", "Đăng ký kết hôn", "Hộ tịch"),
                      ("2.000002", "Cấp giấy phép xây dựng", "Xây  dựng")]


def test_html_and_docx_reports_and_form06_are_written(workspace):
    import docx
    import openpyxl

    ws, _, _ = workspace
    run = tthc(ws, "report", "--period", "2023-Q1", "--unit", "UB01", "--to", "html,docx")
    assert run.returncode == 0, run.stdout + run.stderr
    folder = ws / "outputs" / "2023-01-01_2023-03-31"
    page = (folder / "UB01.html").read_text(encoding="utf-8")
    assert "Hộ tịch" in page and not any(ch in page for ch in CONTROLS)
    cells = [c.text for t in docx.Document(str(folder / "UB01.docx")).tables
             for r in t.rows for c in r.cells]
    assert "Hộ tịch" in cells
    form = tthc(ws, "form06", "--period", "2023-Q1", "--scope", "total", "--out", "bieu06.xlsx")
    assert form.returncode == 0 and "Traceback" not in form.stderr, form.stderr
    sheet = openpyxl.load_workbook(ws / "bieu06.xlsx").active
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Hộ tịch" in texts
    assert not [t for t in texts if any(ch in t for ch in CONTROLS)]
