"""Fuzzing ingest with hostile input (issue 20): rows with missing and extra cells at every
position among planted personal values (names, CCCD numbers, feedback text), characters XML
cannot hold, and pattern characters in folder and file names (CSV and every grid format:
XLSX, BIFF .xls, HTML saved as .xls, .ods). Whatever comes in: every row
is counted, a misaligned row is set aside with its cell counts only, no planted value reaches
the store (records, set-aside rows, loads) or what the command prints, nothing XML cannot
hold is stored, and a file is read under its own name.

Runs briefly in `make test`; `make fuzz` sets TTHC_FUZZ_EXAMPLES for a longer run.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import pytest
from helpers.fuzz import build_registry_store
from helpers.grid_files import FORMATS as GRID_FORMATS
from helpers.xlsx import write_xlsx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tthc_lib import vocab
from tthc_lib.ingest.controls import NOT_XML_TEXT, cleaned_note
from tthc_lib.ingest.load import load_exports

pytestmark = pytest.mark.integration  # long fuzzing (conftest)

FUZZ = int(os.environ.get("TTHC_FUZZ_EXAMPLES", "0"))
PLANTED = ["Trần Thị Hòa Bình", "001190054321", "Ông Lý Văn Khoa phản ánh cán bộ gây phiền hà",
           "0912 345 678", "Thôn Đông Hòa Khánh"]
# A kind without personal columns still meets them in a column it does not read.
CONTACT = "Người liên hệ"
VALUES = {"text": ["HD", "THD", "1.001193", "A1", "Hộ tịch", "820/QĐ-UBND"],
          "date": ["03/04/2023", "2023-04-05"], "datetime": ["03/04/2023 08:00", "05/04/2023"],
          "flag": ["Có", "Không"]}


def fuzz_settings(brief: int):
    return settings(max_examples=FUZZ or brief, deadline=None, derandomize=not FUZZ,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return build_registry_store(tmp_path_factory)


def load(template: Path, folder: Path, path: Path):
    """Load `path` into a copy of the registry store: (result, every stored value as text)."""
    from tthc_lib.store.connection import connect

    shutil.copyfile(template, folder / "store.duckdb")
    con = connect(folder / "store.duckdb")
    try:
        [result] = load_exports(con, [str(path)])
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()]
        stored = "\n".join(str(v) for t in tables for r in con.execute(
            f'SELECT * FROM "{t}"').fetchall() for v in r)
        rejected = dict(con.execute("SELECT line, reason FROM rejected WHERE file = ?",
                                    [str(path)]).fetchall())
    finally:
        con.close()
    assert result.error is None, result.error
    assert result.read == result.loaded + result.rejected + result.duplicates
    assert len(rejected) == result.rejected
    return result, stored, rejected


def write_csv(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


# --------------------------------------------------------------------------- misaligned rows

def _cell(col: vocab.Column) -> st.SearchStrategy[str]:
    if col.personal:
        return st.sampled_from(PLANTED)
    if col.type == "enum":
        return st.sampled_from([k for k in col.values if k])
    return st.sampled_from(VALUES.get(col.type, VALUES["text"]))


@st.composite
def misaligned(draw):
    """(kind, rows, {line: cell count}): a table of every column of a kind, a personal column
    besides, and rows with cells missing or added at any position."""
    kind = draw(st.sampled_from(list(vocab.SCHEMAS)))
    cols = list(vocab.SCHEMAS[kind])
    personal = [c for c in cols if c.personal]
    header = [c.header for c in cols] + ([] if personal else [CONTACT])
    width = len(header)
    cells = [_cell(c) for c in cols] + ([] if personal else [st.sampled_from(PLANTED)])
    rows = draw(st.lists(st.tuples(*cells).map(list), min_size=1, max_size=10))
    broken = {}
    for i, row in enumerate(rows):
        change = draw(st.sampled_from(["none", "none", "missing", "extra"]))
        if change == "missing":
            for _ in range(draw(st.integers(1, width - 1))):
                del row[draw(st.integers(0, len(row) - 1))]
        elif change == "extra":
            for _ in range(draw(st.integers(1, 3))):
                row.insert(draw(st.integers(0, len(row))), draw(st.sampled_from(PLANTED)))
        if change != "none":
            broken[i + 2] = len(row)
    return kind, header, rows, broken


@fuzz_settings(brief=10)
@given(table=misaligned(), python=st.booleans())
def test_rows_with_missing_or_extra_cells_are_set_aside_with_their_counts_only(
        template, tmp_path_factory, table, python):
    """A quoted line break in the personal column of the first row sends the file through
    the Python reader; otherwise DuckDB's reader stages it."""
    kind, header, rows, broken = table
    if python:
        rows[0][-1] += "\ndòng hai"
        broken = {line + 1 if line > 2 else line: n for line, n in broken.items()}
    folder = tmp_path_factory.mktemp("misaligned")
    path = folder / f"{kind}.csv"
    write_csv(path, [header, *rows])
    result, stored, rejected = load(template, folder, path)
    assert result.kind == kind and result.read == len(rows)
    for line, n in broken.items():
        if n != len(header):    # as many cells lost as added cannot be told from a good row
            assert rejected[line] == (f"Dòng có {n} ô, tiêu đề có {len(header)} ô: các giá "
                                      "trị bị lệch cột")
    shown = "\n".join([str(result.to_dict()), *result.notes])
    for value in PLANTED:
        assert value not in stored and value not in shown


# --------------------------------------------------------------------------- control characters

# NUL is left out: a NUL in the first 256 KiB refuses the file as not a table.
CONTROLS = st.sampled_from([ch for ch in map(chr, range(1, 32)) if NOT_XML_TEXT.match(ch)]
                           + ["\ufffe", "\uffff"])
NAMES = st.lists(st.one_of(CONTROLS, st.sampled_from(list("Đăng ký khai sinh ,\"\t"))),
                 min_size=1, max_size=20).map("".join)


@fuzz_settings(brief=10)
@given(names=st.lists(st.tuples(NAMES, NAMES), min_size=1, max_size=8),
       form=st.sampled_from(["csv", "raw", "escape"]))
@example(names=[("\x01", "\x01")], form="raw")  # staged column by column: count once lost
def test_characters_xml_cannot_hold_never_reach_the_store(template, tmp_path_factory, names,
                                                          form):
    """In a CSV file, or in an XLSX file's cells as themselves ("raw") or as Excel's
    `_x000B_` escapes."""
    folder = tmp_path_factory.mktemp("controls")
    path = folder / ("thu_tuc.csv" if form == "csv" else "thu_tuc.xlsx")
    rows = [[f"9.{i}", name, field, "Cấp xã", "Toàn trình"]
            for i, (name, field) in enumerate(names)]
    table = [["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện",
              "Mức độ DVC trực tuyến"], *rows]
    write_csv(path, table) if form == "csv" else write_xlsx(path, table, form)
    result, stored, _ = load(template, folder, path)
    assert result.kind == "procedures" and result.read == len(rows)
    assert not NOT_XML_TEXT.search(stored)
    count = sum(len(NOT_XML_TEXT.findall(a + b)) for a, b in names)
    assert result.notes == ([cleaned_note(str(path), count)] if count else [])
    # A name that holds a letter once cleaned is loaded.
    assert result.loaded == sum(bool(NOT_XML_TEXT.sub("", n).strip(" \t")) for n, _ in names
                                ) - result.duplicates


# --------------------------------------------------------------------------- pattern names

PATTERN = st.text(st.sampled_from(list("[]*?~{},-! ab1ơĐ")), min_size=1, max_size=8)


def _decoys(name: str) -> set[str]:
    """Names a pattern reading of `name` could match: pattern characters as letters."""
    out = set()
    for fill in ("a", "b", "1", ""):
        out.add("".join(fill if ch in "[]*?{}," else ch for ch in name))
    out.add(name.replace("[", "").replace("]", ""))
    return {d for d in out if d and d not in (".", "..") and d != name}


# format -> (extension, writer of rows, header first): CSV and every grid format
WRITERS = {"csv": (".csv", write_csv), **GRID_FORMATS}


@fuzz_settings(brief=10)
@given(folder=PATTERN, name=PATTERN, fmt=st.sampled_from(sorted(WRITERS)))
def test_a_path_with_pattern_characters_reads_that_file_only(template, tmp_path_factory,
                                                            folder, name, fmt):
    root = tmp_path_factory.mktemp("names")
    ext, write = WRITERS[fmt]
    head = ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện", "Mức độ DVC trực tuyến"]
    for d in _decoys(folder) | {folder}:
        for n in _decoys(name + ext) | {name + ext}:
            (root / d).mkdir(exist_ok=True)
            if (d, n) != (folder, name + ext):
                write(root / d / n, [head, ["8.1", "Sai", "Sai", "Cấp xã", "Toàn trình"],
                                     ["8.2", "Sai", "Sai", "Cấp xã", "Toàn trình"]])
    path = root / folder / (name + ext)
    write(path, [head, ["9.1", "Đúng", "Hộ tịch", "Cấp xã", "Toàn trình"],
                 ["9.2", "Đúng", "Hộ tịch", "Cấp xã", "Toàn trình"]])
    result, stored, _ = load(template, root, path)
    assert (result.read, result.loaded) == (2, 2)
    assert "Đúng" in stored and "Sai" not in stored
