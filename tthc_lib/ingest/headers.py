"""Finding the header row of an export and the kind of file it names
(docs/input-format.md § Header row and kind)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from tthc_lib import vocab
from tthc_lib.errors import InputError
from tthc_lib.ingest import profiles

HEADER_SCAN_ROWS = 50          # the header row must be among the first rows that hold something
# While set to a list, find_header appends every row it looks at (tthc inspect guesses the
# header of a file no kind recognises from them).
SCANNED: ContextVar[list | None] = ContextVar("tthc_scanned_rows", default=None)


@dataclass(frozen=True)
class Header:
    """The header row found in a file."""

    kind: str
    line: int                      # 1-based line (text) or row (sheet) of the header
    positions: dict[str, int]      # canonical column -> 0-based cell position
    width: int                     # number of cells in the header row
    cells: tuple[str, ...] = ()    # the header row's cells as written (tthc inspect)


def _kinds_of(cells: list[str]) -> list[str]:
    """Kinds whose required headers are all present as whole cells of this row."""
    present = {vocab.norm_header(c) for c in cells if c is not None}
    kinds = []
    for kind, required in vocab.RECOGNISE.items():
        lookup = profiles.header_lookup(kind)  # with the source profiles in force
        names = {col.name for h, col in lookup.items() if h in present}
        if all(r in names for r in required):
            kinds.append(kind)
    return kinds


def _positions(kind: str, cells: list[str], label: str, line: int) -> dict[str, int]:
    """Canonical column -> position for the recognised cells of a header row."""
    lookup = profiles.header_lookup(kind)  # with the source profiles in force
    out: dict[str, int] = {}
    for pos, cell in enumerate(cells):
        col = lookup.get(vocab.norm_header(cell or ""))
        if col is None:
            continue
        if col.name in out:
            raise InputError(
                f"{label}: cột \"{col.header}\" xuất hiện hai lần ở dòng tiêu đề (dòng {line}); "
                "mỗi cột chỉ được có một lần.", file=label, line=line, reason="duplicate")
        out[col.name] = pos
    return out


def _expected_text() -> str:
    parts = []
    for kind, required in vocab.RECOGNISE.items():
        heads = {c.name: c.header for c in vocab.SCHEMAS[kind]}
        parts.append(f"{vocab.KIND_LABELS[kind]} ({', '.join(heads[r] for r in required)})")
    return "; ".join(parts)


def find_header(rows, label: str) -> Header:
    """The first row (of the first HEADER_SCAN_ROWS non-blank rows) naming one kind's columns.

    `rows` yields (line, cells). Refuses (InputError) a file whose header matches no kind or
    more than one.
    """
    seen = 0
    for line, cells in rows:
        cells = ["" if c is None else str(c) for c in cells]
        if not any(c.strip() for c in cells):
            continue
        if (scanned := SCANNED.get()) is not None:
            scanned.append(cells)
        kinds = _kinds_of(cells)
        if len(kinds) > 1:
            names = ", ".join(vocab.KIND_LABELS[k] for k in kinds)
            raise InputError(
                f"{label}: dòng tiêu đề (dòng {line}) khớp với nhiều loại dữ liệu ({names}); "
                "mỗi tệp chỉ được chứa một loại.", file=label, line=line, reason="ambiguous")
        if kinds:
            return Header(kinds[0], line, _positions(kinds[0], cells, label, line), len(cells),
                          tuple(cells))
        seen += 1
        if seen >= HEADER_SCAN_ROWS:
            break
    raise InputError(
        f"{label}: không tìm thấy dòng tiêu đề; cần một bảng có đủ các cột của một loại dữ "
        f"liệu: {_expected_text()}.", file=label, reason="no_header")


def staged_columns(header: Header) -> list[str]:
    """Recognised columns that are staged: everything but personal data."""
    personal = {c.name for c in vocab.SCHEMAS[header.kind] if c.personal}
    return [name for name in header.positions if name not in personal]
