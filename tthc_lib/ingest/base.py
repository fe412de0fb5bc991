"""The shared steps of every reader: an `Export` whose rows are staged into DuckDB in batches,
the `Reader` base class and the registry readers are kept in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

from tthc_lib import vocab
from tthc_lib.errors import InputError
from tthc_lib.ingest.controls import CellCleaner, clean_cell, cleaned_note
from tthc_lib.ingest.headers import Header, staged_columns

BATCH_ROWS = 100_000          # rows the Python reader holds before handing them to DuckDB


# What the loader selects from the staged columns, row by row: relation (SQL) -> SELECT
# statement. The Python reader applies it to one batch of rows at a time.
Shape = Callable[[str], str]


def unsaid_flags(header: Header) -> frozenset[str]:
    """The flag columns (digitisation) an export of this header has no column for: what it
    does not say is unknown, never "Không" (the value of an empty cell)."""
    given = set(staged_columns(header))
    return frozenset(c.name for c in vocab.SCHEMAS.get(header.kind, ())
                     if c.type == "flag" and c.name not in given)


def lacks_notes(label: str, kind: str, lacks) -> list[str]:
    """One line per column an export lacks: its figures read "không có số liệu"."""
    heads = {c.name: c.header for c in vocab.SCHEMAS[kind]}
    return [f"{label}: không có cột \"{heads[name]}\"; các số liệu cần cột này ghi "
            "\"không có số liệu\"." for name in sorted(lacks)]


class Export(ABC):
    """One export file whose header has been found; its rows can be staged into DuckDB."""

    def __init__(self, path: Path, label: str, header: Header):
        self.path = path
        self.label = label
        self.header = header
        self.sha256: str | None = None
        self.staged_by: str | None = None      # "duckdb" (read_csv) or "python"
        # Columns whose figures it cannot give: required ones it lacks by its profile, and
        # the digitisation flags when it has no such column (profiled.py sets its own).
        self.lacks: frozenset[str] = unsaid_flags(header)
        self.reasoned = False                  # stages its own `_reason` (profiled.py)
        # Cells are placed by position (delimited text): a row with fewer cells than the
        # header is misaligned too, not only one with values beyond it.
        self.counts_cells = False
        self.cleaned = 0            # characters XML cannot hold, replaced by spaces

    @property
    def kind(self) -> str:
        return self.header.kind

    @property
    def notes(self) -> list[str]:
        """Lines to tell the user besides the counts: characters replaced, the columns it
        lacks (a workbook adds the sheets it left out)."""
        return [*self.cleaned_notes(), *lacks_notes(self.label, self.kind, self.lacks)]

    def cleaned_notes(self) -> list[str]:
        """The line saying how many characters XML cannot hold were replaced, if any."""
        return [cleaned_note(self.label, self.cleaned)] if self.cleaned else []

    def line_label_sql(self, x: str) -> str:
        """SQL: how staged line `x` is shown in a reason (a workbook says `Sheet!row`)."""
        return f"CAST({x} AS VARCHAR)"

    def sheet_sql(self, x: str) -> str:
        """SQL: the sheet of staged line `x` (NULL outside workbooks)."""
        return "NULL::VARCHAR"

    @abstractmethod
    def stage(self, con, table: str, shape: Shape) -> None:
        """Create temp relation `table`: `_line` and what `shape(relation)` selects from the
        staged columns; set sha256. Raises InputError when the rows cannot be read."""

    @staticmethod
    def unstage(con, table: str) -> None:
        """Drop whatever `stage` created under `table`."""
        import duckdb

        for name in (table, f"{table}_csv", f"{table}_shift"):
            for what in ("VIEW", "TABLE"):
                try:
                    con.execute(f'DROP {what} IF EXISTS "{name}"')
                except duckdb.CatalogException:
                    continue

    def _stage_rows(self, con, table: str, rows, shape: Shape) -> None:
        """Stage (line, cells) rows, in file order, in batches of BATCH_ROWS rows: each is
        shaped through Arrow and appended to temp table `table`, so Python holds one batch
        (of staged cells only) at a time and memory does not grow with the file."""
        cols = staged_columns(self.header)
        positions = [self.header.positions[c] for c in cols]
        self.staged_by = "python"
        verb = f'CREATE OR REPLACE TEMP TABLE "{table}" AS'
        cleaner = CellCleaner()
        try:
            for batch in _batches(rows, positions, self.header.width, self.counts_cells,
                                  cleaner.clean):
                _stage_batch(con, verb, f"{table}_arrow", shape, cols, *batch)
                verb = f'INSERT INTO "{table}"'
        except BaseException:
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
            raise
        self.cleaned += cleaner.count

    def _stage_tables(self, con, table: str, tables, shape: Shape) -> None:
        """Stage Arrow tables of rows (`_line`, the staged columns, `_filled`, `_extra`: the
        batches `_columns` makes), in file order, into temp table `table`."""
        import pyarrow as pa

        self.staged_by = "python"
        empty = pa.table({"_line": pa.array([], pa.int64()),
                          **{c: pa.array([], pa.string()) for c in staged_columns(self.header)},
                          "_filled": pa.array([], pa.bool_()), "_extra": pa.array([], pa.int32())})
        verb = f'CREATE OR REPLACE TEMP TABLE "{table}" AS'
        try:
            for arrow in tables:
                _stage_arrow(con, verb, f"{table}_arrow", shape, arrow)
                verb = f'INSERT INTO "{table}"'
            if verb.startswith("CREATE"):
                _stage_arrow(con, verb, f"{table}_arrow", shape, empty)
        except BaseException:
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
            raise


WHITE = " \t\u00a0"            # what a blank cell may hold


def _batches(rows, positions: list[int], width: int, short: bool = False, clean=clean_cell):
    """(lines, one list of cells per position, filled, extra) for every BATCH_ROWS rows; at
    least one batch, perhaps empty. Empty and missing cells are None. `filled`: the row holds
    a value in some cell, staged or not; `extra`: the row's cell count when its values are
    shifted off their columns (a value beyond the header's `width` cells, or with `short`,
    a filled row of fewer cells), else None. A row may bring its own
    (positions, width) as third and fourth items (a workbook's sheets differ in layout).
    `clean` cleans each staged cell (controls.CellCleaner counts what it replaced)."""
    chunk: list = []
    yielded = False
    for row in rows:
        chunk.append(row)
        if len(chunk) >= BATCH_ROWS:
            yield _columns(chunk, positions, width, short, clean)
            chunk, yielded = [], True
    if chunk or not yielded:
        yield _columns(chunk, positions, width, short, clean)


def _columns(chunk: list, positions: list[int], width: int, short: bool = False,
             clean=clean_cell):
    """One batch, column by column (comprehensions over the rows of a layout at a time). A
    misaligned row's values may be personal data in another column: none is staged."""
    lines = [row[0] for row in chunk]
    values: list[list] = [[] for _ in positions]
    filled, extra = [], []
    start = 0
    while start < len(chunk):
        layout = chunk[start][2:4] or (positions, width)
        end = start + 1
        while end < len(chunk) and (chunk[end][2:4] or (positions, width)) == layout:
            end += 1
        at, w = layout
        cells = [row[1] for row in chunk[start:end]]
        held = [bool("".join(filter(None, c)).strip(WHITE)) for c in cells]
        shifted = [(len(c) > w and bool("".join(filter(None, c[w:])).strip(WHITE)))
                   or (short and h and len(c) < w) for c, h in zip(cells, held)]
        for column, pos in zip(values, at):
            column.extend([clean(c[pos] or None) if pos < len(c) and not s else None
                           for c, s in zip(cells, shifted)])
        filled.extend(held)
        extra.extend([len(c) if s else None for c, s in zip(cells, shifted)])
        start = end
    return lines, values, filled, extra


def _stage_batch(con, verb: str, view: str, shape: Shape, cols: list[str],
                 lines: list[int], values: list[list], filled: list[bool],
                 extra: list[bool]) -> None:
    """Run `verb` (CREATE ... AS, or INSERT INTO ...) on one shaped batch of rows."""
    import pyarrow as pa

    arrow = pa.table({"_line": pa.array(lines, pa.int64()),
                      **{c: pa.array(v, pa.string()) for c, v in zip(cols, values)},
                      "_filled": pa.array(filled, pa.bool_()),
                      "_extra": pa.array(extra, pa.int32())})
    _stage_arrow(con, verb, view, shape, arrow)


def _stage_arrow(con, verb: str, view: str, shape: Shape, arrow) -> None:
    """Run `verb` on the shaped rows of one Arrow table."""
    con.register(view, arrow)
    try:
        con.execute(f"{verb} SELECT _line, * EXCLUDE (_line) FROM ({shape(view)})")
    finally:
        con.unregister(view)


class Reader(ABC):
    """Opens files of one family: recognises them, finds the header, returns an Export."""

    name = "reader"

    @abstractmethod
    def accepts(self, path: Path, head: bytes) -> bool:
        """Whether this reader reads a file that starts with `head`."""

    @abstractmethod
    def open(self, path: Path, label: str, head: bytes) -> Export:
        """Find the header row; raise InputError when the file cannot be read as an export."""


class ReaderRegistry:
    """Readers by name; the first that accepts a file reads it (papermill's engine registry)."""

    def __init__(self):
        self._readers: dict[str, Reader] = {}

    def register(self, name: str, reader: Reader) -> None:
        self._readers[name] = reader

    def get(self, name: str) -> Reader:
        return self._readers[name]

    def for_file(self, path: Path, head: bytes) -> Reader:
        for reader in self._readers.values():
            if reader.accepts(path, head):
                return reader
        raise InputError(f"{path}: không đọc được định dạng tệp.", file=str(path))
