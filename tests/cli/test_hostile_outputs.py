"""Issue 20, outside ingest's readers: what a store loaded before ingest cleaned control
characters holds never breaks a renderer, and a bad --out is one line (CLI as a subprocess)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_inspect import held_out_exports, tthc

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


@pytest.mark.parametrize("out, says", [
    ("", "tthc: --out để trống: cần đường dẫn tệp .xlsx (ví dụ bieu06.xlsx)."),
    ("  ", "tthc: --out để trống: cần đường dẫn tệp .xlsx (ví dụ bieu06.xlsx)."),
    ("outputs", "tthc: --out outputs: là một thư mục, cần đường dẫn tệp .xlsx trong đó "
                "(ví dụ bieu06.xlsx)."),
    ("bieu/", "tthc: --out bieu/: là một thư mục, cần đường dẫn tệp .xlsx trong đó "
              "(ví dụ bieu06.xlsx)."),
    ("..", "tthc: --out ..: là một thư mục, cần đường dẫn tệp .xlsx trong đó "
           "(ví dụ bieu06.xlsx)."),
    ("README.txt/bieu06.xlsx", "tthc: --out README.txt/bieu06.xlsx: README.txt là một tệp, "
                               "không phải thư mục; cần đường dẫn tệp .xlsx trong một thư mục."),
])
def test_a_bad_form06_out_is_one_line(old_store, out, says):
    (old_store / "README.txt").write_text("x", encoding="utf-8")
    run = tthc(old_store, "form06", "--period", "2023-Q1", "--out", out)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [says]
