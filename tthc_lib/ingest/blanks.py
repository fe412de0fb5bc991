"""Blank lines and blank rows of delimited text read by DuckDB's reader: the empty lines it
skips (so that rows keep their line numbers), and rows whose staged cells are empty but whose
line holds something else (such a row is a row:
docs/input-format.md § Read = loaded + set aside + duplicates)."""

from __future__ import annotations

from pathlib import Path

from tthc_lib.ingest.base import Export
from tthc_lib.ingest.headers import Header, staged_columns

CHUNK_BYTES = 8 * 1024 * 1024
MAX_BLANK_LINES = 10_000      # beyond this many blank lines, stage through Python


def _sql_str(value) -> str:
    return str(value).replace("'", "''")


def blank_line_numbers(path: Path, limit: int = MAX_BLANK_LINES) -> list[int] | None:
    """Line numbers of the empty lines (DuckDB's reader skips them); None beyond `limit`.
    A second pass, only for files whose rows do not line up with their lines."""
    blanks, lines, rest = [], 0, b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            block = rest + chunk
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            blanks.extend(lines + n for n in _blank_lines(block))
            if len(blanks) > limit:
                return None
            lines += block.count(b"\n")
    return sorted(blanks)


def _blank_lines(block: bytes):
    """1-based numbers (within `block`, which starts a line) of its empty lines."""
    probe = b"\n" + block
    for pattern in (b"\n\n", b"\n\r\n"):
        i = probe.find(pattern)
        while i != -1:
            yield block.count(b"\n", 0, i) + 1
            i = probe.find(pattern, i + 1)


WHITE = " \t\u00a0"            # what a blank cell may hold


def filled_sql(header: Header) -> str:
    """SQL over DuckDB's cells c0..: a staged cell holds a value. The first staged column
    settles most rows; the other cells (STT, personal data) are not read here, which would
    cost every row: unblank_lines looks at the few rows this finds blank."""
    ws = _sql_str(WHITE)
    staged = [f"c{header.positions[c]}" for c in staged_columns(header)]
    # A first character that is not white proves it without trimming (a copy of every value).
    starts = ", ".join(f"'{ch}'" for ch in ("", *_sql_str(WHITE)))
    return (f"CASE WHEN {staged[0]} IS NOT NULL AND left({staged[0]}, 1) NOT IN ({starts}) "
            f"THEN true ELSE trim(concat({', '.join(staged)}), '{ws}') <> '' END")


def unblank_lines(con, table: str, path: Path, sep: str) -> None:
    """Rows whose staged cells are all empty but whose line holds something else (a row with
    only an STT number or only personal columns) are rows, not blank: look at those lines
    (DuckDB's reader staged one line per row) and mark them."""
    blank = {n for (n,) in con.execute(f'SELECT _line FROM "{table}" WHERE NOT _filled')
             .fetchall()}
    if not blank:
        return
    held = []
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        for n, text in enumerate(fh, start=1):
            if n in blank and _holds_value(text, sep):
                held.append(n)
    if not held:
        return
    listed = ", ".join(map(str, held))
    fixes = [f"_filled OR _line IN ({listed}) AS _filled"]
    columns = {r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()}
    if "_blank" in columns:   # the loader's shape has read _filled already
        fixes.append(f"_blank AND _line NOT IN ({listed}) AS _blank")
    con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}_fix" AS SELECT * REPLACE '
                f'({", ".join(fixes)}) FROM "{table}"')
    Export.unstage(con, table)
    con.execute(f'ALTER TABLE "{table}_fix" RENAME TO "{table}"')


def _holds_value(line: str, sep: str) -> bool:
    """Whether a line (one record: DuckDB's rows line up with the lines here) holds a cell
    with a value besides blanks, as Python's csv module reads its cells (the Python reader's
    test): quotes are not blank, for four quotes are a cell holding one quote, and a quoted
    separator is a cell holding that character."""
    import csv

    if not line.strip(WHITE + sep + "\r\n"):     # no quote: separators and blanks only
        return False
    cells = next(csv.reader([line], delimiter=sep, quotechar='"', doublequote=True,
                            strict=False), [])
    return bool("".join(cells).strip(WHITE))
