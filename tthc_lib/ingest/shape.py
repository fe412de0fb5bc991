"""The shape of a real export's grid, as a source profile's `layout:` describes it
(docs/input-format.md § Other systems' exports; grammar in docs/profiles.md).

Pure functions over rows of cell texts (what `grid.grid_rows` or a CSV reader yields): title
rows above the header, a header over several rows (merged cells spread or left blank, a
numbering row "(1) … (n)" under it), group rows ("Hộ tịch", "--- CODE - NAME") that set a
column for the rows under them, values taken from a title row ("Đơn vị: …") or constants for
every row. The result is one flat header and data rows with their row numbers; group rows and
the numbering row are not data rows and are not counted in `read`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tthc_lib import vocab

__all__ = ["Group", "Layout", "LayoutError", "Shaped", "flat_header", "is_numbering_row", "parse_layout",
           "shape_rows"]

_NUMBER = re.compile(r"^\(?\s*\d+\s*\)?$")
HEADER_JOIN = " / "


@dataclass(frozen=True)
class Group:
    """A group row: its only filled cell matches `pattern`; named groups `value` (required)
    and optionally `name` set `column` (and `name_column`) for the rows under it. Groups are
    listed outermost first: a group row clears what the groups listed after it had set."""

    column: str
    pattern: re.Pattern
    name_column: str | None = None


@dataclass(frozen=True)
class Layout:
    header_rows: int = 1
    title_values: dict[str, re.Pattern] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    groups: tuple[Group, ...] = ()
    first_header: str | None = None      # a header the header row's first line holds


@dataclass
class Shaped:
    """A grid once its layout is read: one flat header, the data rows (row number, cells,
    the columns set by title rows, constants and group rows), and what was skipped."""

    header: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]]
    title_rows: int = 0
    group_rows: int = 0
    numbering_row: int | None = None


def is_numbering_row(cells: list[str]) -> bool:
    """A row "(1) (2) … (n)" or "1 2 … n" under a header: every filled cell a number, at
    least two of them, rising by one."""
    filled = [c.strip() for c in cells if c and c.strip()]
    if len(filled) < 2 or not all(_NUMBER.match(c) for c in filled):
        return False
    numbers = [int(re.sub(r"\D", "", c)) for c in filled]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def flat_header(rows: list[list[str]]) -> list[str]:
    """One header from a header over several rows: a cell left blank by a horizontal merge
    takes its left neighbour's text when a lower row is filled under it; each column's parts
    are joined top to bottom with " / ", a part repeated by a vertical merge written once."""
    width = max((len(r) for r in rows), default=0)
    grid = [list(r) + [""] * (width - len(r)) for r in rows]
    for top in range(len(grid) - 1):
        for col in range(1, width):
            below = any(grid[r][col].strip() for r in range(top + 1, len(grid)))
            if not grid[top][col].strip() and below:
                grid[top][col] = grid[top][col - 1]
    header = []
    for col in range(width):
        parts: list[str] = []
        for row in grid:
            text = " ".join(row[col].split())
            if text and (not parts or vocab.norm_header(parts[-1]) != vocab.norm_header(text)):
                parts.append(text)
        header.append(HEADER_JOIN.join(parts))
    return header


def _group_of(cells: list[str], groups: tuple[Group, ...]) -> tuple[Group, re.Match] | None:
    filled = [c.strip() for c in cells if c and c.strip()]
    if len(filled) != 1:
        return None
    for group in groups:
        match = group.pattern.match(" ".join(filled[0].split()))
        if match:
            return group, match
    return None


def shape_rows(rows: Iterable[tuple[int, list[str]]], header_row: int,
               layout: Layout) -> Shaped:
    """The rows of one sheet read by `layout`, given the number of the header's first row
    (found by headers.py or the profile). Title rows above it feed `title_values`."""
    rows = list(rows)
    titles = [cells for number, cells in rows if number < header_row]
    top = [cells for number, cells in rows if header_row <= number < header_row + layout.header_rows]
    header = flat_header(top)
    extra = _title_values(titles, layout)
    extra.update(layout.constants)
    shaped = Shaped(header=header, header_row=header_row, rows=[], title_rows=len(titles))
    carried: dict[str, str] = {}
    added = list(dict.fromkeys([*extra, *(n for g in layout.groups
                                          for n in (g.column, g.name_column) if n)]))
    shaped.header = header + added
    for number, cells in rows:
        if number < header_row + layout.header_rows or not any(c.strip() for c in cells):
            continue                      # the header, title rows, and blank rows: not rows
        if shaped.numbering_row is None and not shaped.rows and is_numbering_row(cells):
            shaped.numbering_row = number
            continue
        found = _group_of(cells, layout.groups)
        if found is not None:
            group, match = found
            for inner in layout.groups[layout.groups.index(group):]:
                carried.pop(inner.column, None)
                carried.pop(inner.name_column or "", None)
            carried[group.column] = match.group("value").strip()
            if group.name_column and "name" in match.groupdict():
                carried[group.name_column] = (match.group("name") or "").strip()
            shaped.group_rows += 1
            continue
        cells = list(cells) + [""] * (len(header) - len(cells))
        values = {**extra, **carried}
        shaped.rows.append((number, cells[:len(header)] + [values.get(n, "") for n in added]))
    return shaped


def _title_values(titles: list[list[str]], layout: Layout) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, pattern in layout.title_values.items():
        for cells in titles:
            hit = next((m for c in cells if c and (m := pattern.search(" ".join(c.split())))),
                       None)
            if hit:
                found[name] = (hit.group(1) if hit.groups() else hit.group(0)).strip()
                break
    return found


# --------------------------------------------------------------------------- grammar


class LayoutError(ValueError):
    """A `layout:` that cannot be read; the message is one Vietnamese clause."""


def parse_layout(spec: dict) -> Layout:
    """A Layout from a profile's `layout:` mapping (docs/profiles.md); LayoutError naming the
    key that is wrong."""
    if not isinstance(spec, dict):
        raise LayoutError("layout: cần một bảng (header_rows:, title_values:, ...)")
    known = {"header_rows", "title_values", "constants", "groups", "first_header"}
    if set(spec) - known:
        raise LayoutError(f"layout: khóa {sorted(set(spec) - known)} không có "
                          f"(dùng {', '.join(sorted(known))})")
    rows = spec.get("header_rows", 1)
    if not isinstance(rows, int) or not 1 <= rows <= 5:
        raise LayoutError("layout.header_rows: cần một số từ 1 đến 5")
    constants = spec.get("constants") or {}
    if not isinstance(constants, dict):
        raise LayoutError("layout.constants: cần dạng {cột: giá trị}")
    return Layout(header_rows=rows,
                  title_values={k: _regex(f"layout.title_values.{k}", v)
                                for k, v in (spec.get("title_values") or {}).items()},
                  constants={k: str(v) for k, v in constants.items()},
                  groups=tuple(_group(i, g) for i, g in enumerate(spec.get("groups") or [])),
                  first_header=spec.get("first_header"))


def _regex(where: str, text) -> re.Pattern:
    try:
        return re.compile(str(text), re.IGNORECASE)
    except re.error as exc:
        raise LayoutError(f"{where}: biểu thức không hợp lệ ({exc})") from None


def _group(index: int, spec) -> Group:
    where = f"layout.groups[{index}]"
    if not isinstance(spec, dict) or "column" not in spec or "pattern" not in spec:
        raise LayoutError(f"{where}: cần column: và pattern:")
    pattern = _regex(where, spec["pattern"])
    if "value" not in pattern.groupindex:
        raise LayoutError(f"{where}: pattern cần nhóm (?P<value>...)")
    return Group(column=str(spec["column"]), pattern=pattern,
                 name_column=spec.get("name_column"))
