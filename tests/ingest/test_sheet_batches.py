"""A workbook's rows staged column by column (`sheet_batches`) give the batches the row by row
path gave (`CalamineGrid.rows` then `base._columns`): same rows left out, same values, same
misaligned rows."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

import pytest

from tthc_lib.ingest import base, workbook
from tthc_lib.ingest.controls import CellCleaner
from tthc_lib.ingest.formats import WHITE, cell_text
from tthc_lib.ingest.sheet_batches import columns_table

CELLS = ["", "", "", " ", " \t", "\u00a0", "HD01", "Đã trả kết quả", "01/02/2023 07:05",
         unicodedata.normalize("NFD", "Nguyễn Văn Hưng"), "x", "\x0bA", "\x0b", "a\x1fb",
         3.0, 2.5, 7, 0, True, False, dt.datetime(2023, 2, 1, 7, 5), dt.datetime(2023, 2, 1),
         dt.date(2023, 2, 1), dt.time(7, 5), dt.timedelta(hours=3)]


def _row_path(chunk, first, pad, positions, width, clean=base.clean_cell):
    """The batch of the row by row path (what `CalamineGrid.rows` yielded, then `_columns`)."""
    rows = []
    for n, values in enumerate(chunk, start=first):
        cells = [""] * pad + _texts(values)
        if "".join(cells).strip(WHITE):
            rows.append((n, cells))
    return base._columns(rows, positions, width, clean=clean)


def _texts(values):
    nfc = unicodedata.is_normalized
    return [v if v.__class__ is str and nfc("NFC", v) else cell_text(v) for v in values]


def _case(rng: random.Random):
    cols = rng.randint(1, 7)
    chunk = [[rng.choice(CELLS) for _ in range(cols)] for _ in range(rng.randint(1, 12))]
    pad = rng.choice([0, 0, 1, 2])
    width = rng.randint(max(pad, 1), pad + cols + 1)
    positions = [rng.randint(0, pad + cols + 1) for _ in range(rng.randint(1, 4))]
    return chunk, rng.randint(1, 40), pad, positions, width


@pytest.mark.parametrize("seed", range(300))
def test_column_batches_equal_the_row_path(seed):
    chunk, first, pad, positions, width = _case(random.Random(seed))
    names = [f"k{i}" for i in range(len(positions))]
    by_column, by_row = CellCleaner(), CellCleaner()
    got = columns_table(chunk, first, pad, dict(zip(names, positions)), width,
                        by_column).to_pydict()
    lines, values, filled, extra = _row_path(chunk, first, pad, positions, width, by_row.clean)
    assert got["_line"] == lines
    assert [got[n] for n in names] == values
    assert got["_filled"] == filled == [True] * len(lines)
    assert got["_extra"] == extra
    assert by_column.count == by_row.count      # the characters replaced, said to the office


def test_a_sheet_is_read_in_batches_with_its_row_numbers(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Mã", "Tên"])
    for i in range(25):
        ws.append([f"M{i}", "" if i % 5 == 0 else i])
    wb.save(tmp_path / "a.xlsx")
    grid = workbook.CalamineGrid(tmp_path / "a.xlsx", "a.xlsx", "xlsx")
    try:
        name = grid.names()[0]
        tables = list(grid.column_batches(name, 1, {"code": 0, "name": 1}, 2, 5 << 32, 10))
    finally:
        grid.close()
        workbook.CalamineGrid.forget(tmp_path / "a.xlsx")
    assert [t.num_rows for t in tables] == [10, 10, 5]
    rows = [r for t in tables for r in t.to_pylist()]
    assert [r["_line"] - (5 << 32) for r in rows] == list(range(2, 27))
    assert [r["name"] for r in rows[:6]] == [None, "1", "2", "3", "4", None]


def test_text_held_surely_nfc_by_its_bytes_is_nfc_for_every_such_character():
    """`_surely_nfc` passes only characters below U+0300 and of U+1E00-U+1EFF: none of them
    is changed by NFC, none combines with the one before (no canonical mapping ends in it)."""
    from tthc_lib.ingest import sheet_batches

    seconds = set()
    for cp in range(0x110000):
        mapping = unicodedata.decomposition(chr(cp))
        if mapping and not mapping.startswith("<") and len(mapping.split()) == 2:
            seconds.add(int(mapping.split()[1], 16))
    for cp in [*range(0x20, 0x300), *range(0x1E00, 0x1F00)]:
        c = chr(cp)
        assert sheet_batches._surely_nfc(c.encode())
        assert cp not in seconds and not unicodedata.combining(c)
        assert unicodedata.is_normalized("NFC", c)
    for c in ["\u0301", "\u1100", "\u1f71", "\u2126", "\ufb1d", "\U0001d15e", "e\u0301"]:
        assert not sheet_batches._surely_nfc(c.encode())
