"""A workbook sheet's data rows staged column by column (issue 22, "Speed").

python-calamine gives a sheet as rectangular rows of cells. Instead of looking at each row
and each cell in Python, a batch of rows is turned into columns at once (`zip`), and every
test is made per column: text in NFC (one check over the column's joined text), characters
XML cannot hold (one search), blank and misaligned rows (Arrow kernels over the columns).
Only a column that holds a non-text cell (a number, a date) or text to fix is converted
cell by cell. The batches are the ones `base._columns` makes from rows, with the same
meaning (`tests/ingest/test_sheet_batches.py` compares them):

- a row none of whose cells holds a value (after blanks, tabs and no-break spaces are
  trimmed) is left out, as `CalamineGrid.rows` leaves it out;
- a row with a value beyond the header's `width` cells is misaligned: `_extra` is its cell
  count and none of its values is staged;
- an empty cell is NULL;
- a character XML cannot hold in a staged cell becomes a space, and is counted
  (`controls.CellCleaner`) as the row path counts it: not in a misaligned row's cells.
"""

from __future__ import annotations

import gc
import itertools
import unicodedata
from contextlib import contextmanager

from tthc_lib.ingest.controls import NOT_XML_TEXT, holds_not_xml
from tthc_lib.ingest.formats import WHITE, cell_text


def sheet_batches(sheet, after: int, positions: dict[str, int], width: int, base: int,
                  rows_per_batch: int, cleaner=None):
    """Arrow tables (`_line`, the staged columns, `_filled`, `_extra`) of the rows of a
    calamine `sheet` numbered above `after` (row 1 is the first `iter_rows` gives), in
    batches of `rows_per_batch` rows; `positions`: each staged column's position from
    column A (out of the sheet: all NULL); `base` is added to each row number; `cleaner`
    (a `controls.CellCleaner`) counts the characters replaced."""
    pad = sheet.start[1] if sheet.start is not None else 0
    rows = itertools.islice(sheet.iter_rows(), after, None) if sheet.start is not None else ()
    first = after + 1
    while True:
        with _no_gc():   # a batch is ~10^6 new objects, none in a cycle: no collection pays
            chunk = list(itertools.islice(rows, rows_per_batch))
            n = len(chunk)
            table = (columns_table(chunk, first + base, pad, positions, width, cleaner)
                     if n else None)
            del chunk
        if table is None:
            return
        first += n
        if table.num_rows:
            yield table


@contextmanager
def _no_gc():
    """Python's cyclic garbage collector off (if it was on) for the block."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def columns_table(chunk: list[list], first: int, pad: int, positions: dict[str, int],
                  width: int, cleaner=None):
    """The Arrow table of one batch of rectangular rows: row i is numbered first + i; its
    cells start at column `pad` (0 = column A); `positions`: staged column -> position;
    `cleaner.count` grows by the characters XML cannot hold replaced in staged cells."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(chunk)
    columns = list(zip(*chunk))
    texts: dict[int, tuple] = {}

    def text(j: int):
        if j not in texts:
            texts[j] = _text_array(columns[j])
        return texts[j][0]

    at = [p - pad if 0 <= p - pad < len(columns) else None for p in positions.values()]
    staged = [None if j is None else text(j) for j in at]
    held = _any_filled([a for a in staged if a is not None], n)
    if not pc.all(held).as_py():
        held = _any_filled([text(j) for j in range(len(columns))], n)
    beyond = [text(j) for j in range(max(width - pad, 0), len(columns))]
    shifted = _any_filled(beyond, n) if beyond else None
    if shifted is not None and not pc.any(shifted).as_py():
        shifted = None
    kept = None if shifted is None else pc.invert(shifted).to_pylist()
    cells = []
    for j in at:
        if j is None:
            cells.append(pa.nulls(n, pa.string()))
            continue
        array, replaced = _cleaned(*texts[j], kept)
        if cleaner is not None:
            cleaner.count += replaced
        cells.append(pc.if_else(pc.equal(texts[j][0], ""), None, array))
    extra = pa.nulls(n, pa.int32())
    if shifted is not None:
        cells = [pc.if_else(shifted, None, a) for a in cells]
        extra = pc.if_else(shifted, pa.scalar(pad + len(columns), pa.int32()), extra)
    table = pa.table({"_line": pa.array(range(first, first + n), pa.int64()),
                      **dict(zip(positions, cells)), "_filled": held, "_extra": extra})
    return table if pc.all(held).as_py() else table.filter(held)


def _text_array(column: tuple):
    """(Arrow text, whether it holds characters XML cannot hold) of a column of cells: cells
    as a CSV export carries them (`cell_text`), in NFC. The tests read the column's UTF-8
    bytes at once."""
    import pyarrow as pa

    try:
        array = pa.array(column, pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):   # a number, date or other cell among them
        array = pa.array([v if v.__class__ is str else cell_text(v) for v in column],
                         pa.string())
    if array.null_count:
        array = array.fill_null("")
    data = _utf8(array)
    if not _surely_nfc(data) and not unicodedata.is_normalized("NFC", data.decode()):
        array = pa.array([unicodedata.normalize("NFC", v) for v in array.to_pylist()],
                         pa.string())
    return array, holds_not_xml(data)


def _utf8(array) -> bytes:
    """The UTF-8 bytes of every value of a text array, one after the other."""
    import numpy as np

    _valid, offsets, values = array.buffers()
    if len(array) == 0 or values is None:
        return b""
    at = np.frombuffer(offsets, np.int32)
    return values.to_pybytes()[at[array.offset]:at[array.offset + len(array)]]


def _surely_nfc(data: bytes) -> bool:
    """Whether UTF-8 text is in NFC by its bytes alone: it holds only characters below
    U+0300 and of U+1E00-U+1EFF (Vietnamese letters with their marks, precomposed), none of
    which normalisation changes or composes (checked over the Unicode database by
    test_sheet_batches). False means: look closer."""
    import numpy as np

    if data.isascii():
        return True
    b = np.frombuffer(data, np.uint8)
    if ((b >= 0xCC) & (b != 0xE1)).any():
        return False
    second = b[np.flatnonzero(b == 0xE1) + 1]
    return bool(((second >= 0xB8) & (second <= 0xBB)).all())


def _cleaned(array, dirty: bool, kept: list[bool] | None = None):
    """(A text column with the characters XML cannot hold replaced by spaces, how many
    were replaced in the rows `kept`: every row if None. A misaligned row's cells are not
    staged, so what they hold is not counted.)"""
    import pyarrow as pa

    if not dirty:
        return array, 0
    values, count = [], 0
    for i, v in enumerate(array.to_pylist()):
        if v is not None:
            v, k = NOT_XML_TEXT.subn(" ", v)
            if kept is None or kept[i]:
                count += k
        values.append(v)
    return pa.array(values, pa.string()), count


def _any_filled(arrays: list, n: int):
    """Per row: whether any of the text `arrays` holds a value besides blanks."""
    import pyarrow as pa
    import pyarrow.compute as pc

    held = pa.array([False] * n, pa.bool_())
    for a in arrays:
        held = pc.or_(held, pc.not_equal(pc.utf8_trim(a, WHITE), ""))
    return held
