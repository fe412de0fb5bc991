"""Fuzzing the loader with damaged files (issue 12): unbalanced quotes, huge fields,
multi-sheet workbooks, workbooks cut short (the zip, or one sheet's XML). Whatever comes in:
one line per refused file naming it, never a traceback, read = loaded + set aside +
duplicates, a refusal changes nothing (check_promises).

Runs briefly in `make test`; `make fuzz` sets TTHC_FUZZ_EXAMPLES for a longer run.
"""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from helpers.fuzz import (
    Store,
    blank_row,
    build_registry_store,
    check_promises,
    csv_text,
    fuzz_settings,
    tables,
)
from hypothesis import example, given
from hypothesis import strategies as st

from tthc_lib import vocab

pytestmark = pytest.mark.integration  # kernels, subprocesses or long fuzzing (conftest)


@pytest.fixture(scope="module")
def store_template(tmp_path_factory):
    return build_registry_store(tmp_path_factory)


def _plain(cell: str, sep: str) -> str:
    """A cell that needs no quoting: no quote, separator or line break."""
    for ch in ('"', sep, "\n", "\r"):
        cell = cell.replace(ch, " ")
    return cell


def _save(store_template, folder, name: str, data: bytes):
    path = folder / name
    path.write_bytes(data)
    return path, Store(store_template, folder)


@fuzz_settings(brief=6)
@given(table=tables(), pick=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
       sep=st.sampled_from([",", ";", "\t"]), encoding=st.sampled_from(["utf-8", "utf-16"]))
def test_an_unbalanced_quote_is_refused_with_its_line_or_swallows_nothing(
        store_template, tmp_path_factory, table, pick, sep, encoding):
    kind, header, rows, _staged = table
    rows = [[_plain(c, sep) for c in r] for r in rows] or [[""] * len(header)]
    r, c = pick[0] % len(rows), pick[1] % len(header)
    rows[r][c] = '"' + rows[r][c]                 # a quote opened, never closed
    text = "".join(sep.join(x) + "\n" for x in [header] + rows)
    lines = list(range(2, len(rows) + 2))
    path, store = _save(store_template, tmp_path_factory.mktemp("quote"), f"{kind}_q.csv",
                        text.encode(encoding))
    try:
        result = check_promises(store, path, set(lines))
    finally:
        store.close()
    later = [line for line in lines if line > lines[r]]
    if later:   # rows follow the open quote: refused, naming the line it opened on
        assert result.error is not None and f"dòng {lines[r]} " in result.error, result
    else:
        assert result.error is None and result.read == sum(not blank_row(x) for x in rows)


@fuzz_settings(brief=4)
@given(table=tables(), size=st.integers(100_000, 400_000), pick=st.integers(0, 10**6),
       char=st.sampled_from(["x", "Đ", "ư", " ", "\n", '"', ","]))
# The only value of its row in a column not staged: a line of quotes and separators alone
# was taken for a blank line, though the csv module reads a cell of `"` (or `,`) there.
@example(table=("units", ["unit_code", "unit_name", "kind", "Ghi chú", "parent_code", "STT"],
                [], [0, 1, 2, 4]), size=100_000, pick=195, char='"')
@example(table=("units", ["unit_code", "unit_name", "kind", "Ghi chú", "parent_code", "STT"],
                [], [0, 1, 2, 4]), size=100_000, pick=195, char=",")
def test_huge_fields_never_stop_the_reader(store_template, tmp_path_factory, table, size, pick,
                                          char):
    kind, header, rows, _staged = table
    rows = rows or [[""] * len(header)]
    r = pick % len(rows)
    rows[r] = list(rows[r])
    rows[r][pick % len(header)] = char * size
    text, lines = csv_text([header] + rows, ",", "\n", False)
    path, store = _save(store_template, tmp_path_factory.mktemp("huge"), f"{kind}_huge.csv",
                        text.encode("utf-8"))
    try:
        result = check_promises(store, path, set(lines))
    finally:
        store.close()
    assert result.error is None, result.error
    assert result.read == sum(not blank_row(x) for x in rows)


def _xlsx_cell(text: str):
    """What a workbook cell holds once openpyxl wrote `text` (`=…` is a formula: no value)."""
    return None if text.startswith("=") or not text else text


@st.composite
def workbooks(draw):
    """(kind, sheets): one to three sheets of one kind, each its own table; sheets without
    a header row between them; perhaps one sheet of another kind."""
    kind = draw(st.sampled_from(list(vocab.SCHEMAS)))
    sheets = []
    for i in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 4)) == 0:
            sheets.append((f"Ghi chú {i}", None, [["Số liệu trích xuất"]]))
            continue
        table = draw(tables().filter(lambda t, k=kind: t[0] == k))
        sheets.append((f"Trang {i}", table[1], table[2]))
    if draw(st.integers(0, 5)) == 0:
        other = draw(tables().filter(lambda t, k=kind: t[0] != k))
        sheets.append(("Khác", other[1], other[2]))
    return kind, sheets


def _write_workbook(path, sheets, title: bool) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, header, rows in sheets:
        ws = wb.create_sheet(name)
        if title and header is not None:
            ws.append(["BÁO CÁO"])
        for row in ([header] if header is not None else []) + rows:
            ws.append([_clean(c) for c in row])
    wb.save(path)


def _clean(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


@fuzz_settings(brief=5)
@given(book=workbooks(), title=st.booleans())
def test_every_sheet_of_a_workbook_is_read(store_template, tmp_path_factory, book, title):
    kind, sheets = book
    folder = tmp_path_factory.mktemp("book")
    path = folder / f"{kind}_book.xlsx"
    _write_workbook(path, sheets, title)
    store = Store(store_template, folder)
    try:
        result = check_promises(store, path)
        lines = [str(x) for (x,) in store.con.execute(
            "SELECT sheet || '!' || line FROM rejected").fetchall()]
    finally:
        store.close()
    with_header = [s for s in sheets if s[1] is not None]
    if not with_header:
        assert result.error is not None and "không tìm thấy dòng tiêu đề" in result.error
        return
    if {s[0] == "Khác" for s in with_header} == {True, False}:   # two kinds in one file
        assert result.error is not None and "nhiều loại" in result.error
        return
    assert result.error is None, result.error
    rows = [[_xlsx_cell(_clean(c)) for c in r] for _n, _h, rs in with_header for r in rs]
    assert result.read == sum(not blank_row(r) for r in rows)
    first = 2 + title
    assert all(n.split("!")[0] in {s[0] for s in with_header} and int(n.split("!")[1]) >= first
               for n in lines)


@fuzz_settings(brief=5)
@given(book=workbooks(), cut=st.floats(0.0, 1.0), member=st.booleans())
def test_a_workbook_cut_short_is_refused_in_one_line_or_read(store_template, tmp_path_factory,
                                                            book, cut, member):
    kind, sheets = book
    folder = tmp_path_factory.mktemp("cut")
    path = folder / f"{kind}_cut.xlsx"
    _write_workbook(path, sheets, False)
    if member:   # a valid zip whose first sheet's XML is cut short
        with zipfile.ZipFile(path) as z:
            items = [(i, z.read(i)) for i in z.infolist()]
        with zipfile.ZipFile(path, "w") as z:
            for info, data in items:
                if info.filename == "xl/worksheets/sheet1.xml":
                    data = data[: int(len(data) * cut)]
                z.writestr(info, data)
    else:        # the zip itself cut short
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * cut)])
    store = Store(store_template, folder)
    try:
        check_promises(store, path)
    finally:
        store.close()
