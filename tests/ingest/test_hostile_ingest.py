"""Issue 20, points 1-3, through the real `tthc` command line: a file name is data, never a
pattern; a row whose cell count differs from the header's is set aside with its counts and
no value; text that cannot go into XML never reaches the store."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import duckdb
import pytest
from helpers.hostile import (
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
from helpers.stored import stored_ids

from tthc_lib.ingest.controls import NOT_XML_TEXT

pytestmark = pytest.mark.integration  # the CLI as a subprocess (conftest)


def decoy(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(path, [row(9, **{"Mã hồ sơ": "SAI"}), row(8, **{"Mã hồ sơ": "SAI2"})])


def ingest_from(tmp_path, work: Path, relative: str, home: Path):
    """`tthc ingest` of `relative` run from `work` with $HOME at `home`."""
    env = {**os.environ, "HOME": str(home)}
    run = subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db",
                          str(tmp_path / "s.duckdb"), "ingest", *REGISTRIES, relative],
                         capture_output=True, text=True, cwd=work, env=env, timeout=300,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert f"{relative}: hồ sơ: đọc 2, nạp 2 (cập nhật 0), loại 0, trùng 0" in run.stdout
    return stored_ids(tmp_path / "s.duckdb")


# (folder, file name, decoys its pattern reading would match, relative to the folder's parent)
CASES = [
    ("hồ sơ tháng 3", "ho_so[12].csv", ["hồ sơ tháng 3/ho_so1.csv"]),
    ("hồ sơ tháng 3", "ho_so*.csv", ["hồ sơ tháng 3/ho_so1.csv"]),
    ("hồ sơ tháng 3", "ho_so?.csv", ["hồ sơ tháng 3/ho_so1.csv"]),
    ("hồ sơ tháng 3", "ho_so{1,2}.csv", ["hồ sơ tháng 3/ho_so1.csv"]),
    ("d[ab]", "hồ sơ.csv", ["da/hồ sơ.csv"]),
    ("tệp {x,y} *?", "x.csv", ["tệp {x,y} ab/x.csv"]),
    ("~", "x.csv", ["HOME/x.csv"]),
]


@pytest.mark.parametrize(("folder", "name", "decoys"), CASES)
def test_a_path_with_pattern_characters_is_read_as_it_is_named(tmp_path, folder, name,
                                                                 decoys):
    """Beside the file stand files its path would match read as a pattern ($HOME for `~`);
    the command runs from another folder with a relative path: only the named file's rows
    are stored."""
    home = tmp_path / "home"
    for d in decoys:
        decoy(home / d[5:] if d.startswith("HOME/") else tmp_path / "x" / d)
    write_csv(tmp_path / "x" / folder / name if (tmp_path / "x" / folder).is_dir()
              else _mkdir(tmp_path / "x" / folder) / name,
              [row(1, **{"Mã hồ sơ": "DUNG1"}), row(2, **{"Mã hồ sơ": "DUNG2"})])
    work = _mkdir(tmp_path / "khac")
    ids = ingest_from(tmp_path, work, f"../x/{folder}/{name}", home)
    assert ids == ["DUNG1", "DUNG2"]


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_a_folder_named_tilde_is_not_the_home_folder(tmp_path):
    """`./~/x.csv` from the folder holding `~`: not $HOME/x.csv."""
    decoy(tmp_path / "home" / "x.csv")
    write_csv(_mkdir(tmp_path / "x" / "~") / "x.csv",
              [row(1, **{"Mã hồ sơ": "DUNG1"}), row(2, **{"Mã hồ sơ": "DUNG2"})])
    assert ingest_from(tmp_path, tmp_path / "x", "./~/x.csv", tmp_path / "home") == [
        "DUNG1", "DUNG2"]


# --------------------------------------------------------------------------- short rows

FEEDBACK_HEAD = ["Mã PAKN", "Người gửi", "Số CCCD", "Mã đơn vị", "Nội dung phản ánh về",
                 "Ngày tiếp nhận", "Hạn xử lý", "Ngày xử lý xong", "Nội dung"]
TEXT = "Cán bộ Nguyễn Văn Bình đòi tiền ở ngõ Hòa Bình"


def feedback_row(i: int) -> list[str]:
    return [f"F{i}", NAME, CCCD, "THD", "Hành vi hành chính", "03/04/2023 08:00",
            "10/04/2023", "05/04/2023 09:00", TEXT]


@pytest.mark.parametrize("reader", ["duckdb", "python"])
@pytest.mark.parametrize(("head", "make"), [(HEAD, row), (FEEDBACK_HEAD, feedback_row)],
                         ids=["dossiers", "feedback"])
def test_a_row_one_cell_short_is_set_aside_with_its_counts_and_no_value(tmp_path, head, make,
                                                                          reader):
    """Each row loses one cell at another position (a procedure code, an empty closing date,
    the citizen's text): every one is set aside with its counts, no value stored or shown.
    A quoted line break in the last good row sends the file through the Python reader."""
    rows = [make(i) for i in range(len(head) + 2)]
    for i, r in enumerate(rows[:len(head)]):
        del r[i]
    if reader == "python":
        rows[-1][2] += "\ndòng hai"      # Số CCCD: a personal column
    path = write_csv(tmp_path / "thieu o.csv", rows, head)
    db = tmp_path / "s.duckdb"
    run, loads = ingest(db, path)
    assert run.returncode == 0, run.stderr
    n = len(head)
    assert loads[str(path)] == (n + 2, 2, n, 0)
    reason = f"Dòng có {n - 1} ô, tiêu đề có {n} ô: các giá trị bị lệch cột"
    assert [(r["line"], r["reason"], r["raw"]) for r in rejected(db)] == [
        (line, reason, "{}") for line in range(2, n + 2)]
    shown = tthc(db, "rejected").stdout
    text = store_text(db)
    for value in (*PERSONAL, TEXT, "đòi tiền"):
        assert value not in shown and value not in text and value not in run.stdout + run.stderr


# --------------------------------------------------------------------------- control characters

PROCEDURE_HEAD = ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện",
                  "Mức độ DVC trực tuyến"]
DIRTY = [["9.000001", "Đăng ký\x07 khai sinh", "Hộ\x0btịch", "Cấp xã", "Toàn trình"],
         ["9.000002", "Cấp\x1f bản sao\ufffe", "Chứng\x0cthực", "Cấp xã", "Một phần"],
         ["9.000003", "Đăng ký kết hôn", "Hộ tịch", "Cấp xã", "Một phần"]]
CLEAN = [("9.000001", "Đăng ký  khai sinh", "Hộ tịch"),
         ("9.000002", "Cấp  bản sao", "Chứng thực"),   # trimmed as every value
         ("9.000003", "Đăng ký kết hôn", "Hộ tịch")]


TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese software writes it: a letter it lacks as base + tone."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tone = next(m for m in parts if m in TONES)
            out += (unicodedata.normalize("NFC", parts.replace(tone, "")) + tone).encode("cp1258")
    return bytes(out)


def stored_procedures(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT procedure_code, procedure_name, field FROM procedures "
                           "WHERE procedure_code LIKE '9.%' ORDER BY 1").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("form", ["utf-8", "cp1258"])
def test_characters_xml_cannot_hold_are_replaced_by_spaces_at_ingest(tmp_path, form):
    """A vertical tab in `Lĩnh vực` (and other C0 controls, U+FFFE) never reaches the store,
    which every HTML/DOCX/XLSX output is made from: each is a space, the row kept, the
    office told how many."""
    path = tmp_path / "thu tuc.csv"
    text = "\n".join(",".join(r) for r in [PROCEDURE_HEAD, *DIRTY]) + "\n"
    path.write_bytes(text.encode("utf-8") if form == "utf-8"
                     else cp1258(text.replace("\ufffe", "\x1f")))
    db = tmp_path / "s.duckdb"
    run = tthc(db, "ingest", str(path))
    assert run.returncode == 0, run.stderr
    assert f"{path}: danh mục thủ tục: đọc 3, nạp 3 (cập nhật 0), loại 0, trùng 0" in run.stdout
    assert stored_procedures(db) == CLEAN
    assert (f"{path}: đã thay 5 ký tự điều khiển (không đưa được vào báo cáo, ví dụ dấu tab "
            "dọc) bằng dấu cách.") in run.stdout
    assert not NOT_XML_TEXT.search(store_text(db))
