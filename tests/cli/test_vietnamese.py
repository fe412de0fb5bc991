"""click's words in Vietnamese (issue 21, point 12): the catalog covers every message of the
installed click and its compiled .mo says the same; help and usage errors read in Vietnamese,
a usage error in one line."""

from __future__ import annotations

import gettext
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from click.testing import CliRunner

from tthc_lib.cli.app import main
from tthc_lib.cli.vietnamese import DOMAIN, LOCALE_DIR

PO = LOCALE_DIR / "vi" / "LC_MESSAGES" / f"{DOMAIN}.po"


def _click_messages() -> set[str]:
    found = set()
    for path in sorted(Path(click.__file__).parent.glob("*.py")):
        for _, message, _, _ in extract_from_file("python", str(path)):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_of_click_is_translated_and_the_mo_agrees():
    with PO.open("rb") as f:
        catalog = read_po(f)
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id: m.string
                  for m in catalog if m.id}
    assert _click_messages() - set(translated) == set()
    assert all(translated.values())
    compiled = gettext.translation(DOMAIN, str(LOCALE_DIR), languages=["vi"])
    for msgid, string in translated.items():
        expected = string[0] if isinstance(string, tuple) else string
        assert compiled.gettext(msgid) == expected


@pytest.mark.parametrize("command", sorted(main.commands))
def test_help_has_no_english_of_click(command):
    out = CliRunner().invoke(main, [command, "--help"]).output
    assert out.startswith(f"Cách dùng: tthc {command} [TÙY CHỌN]")
    assert "\nTùy chọn:\n" in out and "In hướng dẫn này rồi thoát." in out
    for english in ("Usage:", "Options:", "Show this message", "[required]", "default:",
                    " TEXT ", " INTEGER ", " FILE ", " DIRECTORY ", "[OPTIONS]"):
        assert english not in out, english


def test_the_group_usage_line():
    out = CliRunner().invoke(main, ["--help"]).output
    assert out.startswith("Cách dùng: tthc [TÙY CHỌN] LỆNH [THAM SỐ]...\n")
    assert "\nCác lệnh:\n" in out


@pytest.mark.parametrize(("args", "line"), [
    (["report"], "tthc report: Thiếu tùy chọn '--period'. Xem: tthc report --help"),
    (["ingest"], "tthc ingest: Thiếu tham số 'TỆP...'. Xem: tthc ingest --help"),
    (["reprot"], "tthc: Không có lệnh 'reprot'. (Có phải là: 'report'?) Xem: tthc --help"),
    (["form06", "--period", "2023-Q3", "--out", "x.xlsx", "--scope", "abc"],
     ("tthc form06: Giá trị của '--scope' không hợp lệ: 'abc' không phải một trong 'unit', "
      "'departments', 'districts', 'communes', 'total'. Xem: tthc form06 --help")),
    (["report", "--period", "2023-Q3", "--to", "xyz"],
     "tthc report: --to: không hỗ trợ xyz (dùng html, pdf, docx). Xem: tthc report --help"),
])
def test_a_usage_error_is_one_vietnamese_line(args, line):
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.output) == (2, line + "\n")


def test_ingest_lines_and_the_rejected_table_in_vietnamese(tmp_path):
    """`tthc ingest` names each file's kind in Vietnamese; `tthc rejected` heads its table
    and CSV in Vietnamese (the JSON keeps canonical keys for programs)."""
    units = tmp_path / "don_vi.csv"
    units.write_text("Mã đơn vị,Tên đơn vị,Loại đơn vị,Mã đơn vị cấp trên\n"
                     "X,Xã Xuân,Xã,\nY,,Xã,X\n", encoding="utf-8")
    db = str(tmp_path / "s.duckdb")
    run = CliRunner().invoke(main, ["--db", db, "ingest", str(units)])
    assert run.output == (f"{units}: danh mục đơn vị: đọc 2, nạp 1 (cập nhật 0), loại 1, "
                          "trùng 0\n")
    csv = CliRunner().invoke(main, ["--db", db, "rejected", "--format", "csv"]).output
    assert csv.splitlines()[0] == "Tệp,Dòng,Lý do,Giá trị của dòng"
    table = CliRunner().invoke(main, ["--db", db, "rejected"]).output
    assert table.split()[:5] == ["Tệp", "Dòng", "Lý", "do", "Giá"]
    data = CliRunner().invoke(main, ["--db", db, "rejected", "--format", "json"]).output
    assert '"reason"' in data and '"line": 3' in data
