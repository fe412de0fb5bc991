"""HTML tables saved as .xls/.htm/.html (the "Xuất Excel" of web one-stop systems): decoded
with the charset the file declares (a BOM, then `<meta charset>` or `http-equiv
Content-Type`; UTF-8, then Windows-1258, when it declares none), parsed with lxml (no network,
no entities from outside), one sheet per outermost table. A cell's `<br>` is a line break;
other white space is collapsed as a browser shows it. `colspan`/`rowspan` are spread so the
cells after them keep their positions; as in a workbook's merged cells, the text stands in
the first (top-left) position and the others are empty."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from tthc_lib.errors import InputError
from tthc_lib.ingest.formats import WHITE, Grid, declared_charset

__all__ = ["HtmlGrid", "table_rows"]

XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
EXCEL_NAME = re.compile(r"<x:Name>([^<]{1,100})</x:Name>", re.IGNORECASE)
LINE_BREAK = "\u2028"          # marks a <br> while white space is collapsed
BLOCK = "\u2029"               # marks the edge of a block inside a cell
BLOCKS = {"p", "div", "table", "tr", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
MAX_SPAN = 1000                # colspan/rowspan larger than this are taken as 1 (damaged)


def _decode(data: bytes, label: str) -> str:
    codec = declared_charset(data[:4096])
    if codec and codec.startswith("utf-8"):
        codec = "utf-8-sig"
    tried = [codec] if codec else ["utf-8-sig", "cp1258"]
    for name in tried:
        try:
            return unicodedata.normalize("NFC", data.decode(name))
        except UnicodeDecodeError:
            continue
    raise InputError(f"{label}: tệp HTML không giải mã được theo bảng mã {tried[0]} mà nó khai "
                     "báo; cần lưu lại với UTF-8.", file=label, reason="encoding")


def _span(cell, name: str) -> int:
    try:
        n = int((cell.get(name) or "1").strip())
    except ValueError:
        return 1
    return n if 1 <= n <= MAX_SPAN else 1


def table_rows(table) -> Iterator[tuple[int, list[str]]]:
    """(1-based row number, cell texts) of every row of one <table> element that holds a
    value, with colspan/rowspan spread."""
    pending: dict[int, dict[int, int]] = {}      # row -> {column: 1} taken by a rowspan above
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    for number, tr in enumerate(rows, start=1):
        taken = pending.pop(number, {})
        cells: dict[int, str] = {}
        col = 0
        for cell in tr.xpath("./td | ./th"):
            while col in taken:
                col += 1
            cells[col] = _cell_text_of(cell)
            colspan, rowspan = _span(cell, "colspan"), _span(cell, "rowspan")
            for c in range(col, col + colspan):
                for r in range(number + 1, number + rowspan):
                    pending.setdefault(r, {})[c] = 1
            col += colspan
        width = max([col - 1, *taken, -1]) + 1
        values = [cells.get(i, "") for i in range(width)]
        if any(v.strip(WHITE) for v in values):
            yield number, values


def _cell_text_of(cell) -> str:
    """A cell's text as a browser lays it out: a <br> or a block (a paragraph, a nested
    table's row) starts a line, other white space runs are one space."""
    for br in cell.iter("br"):
        br.tail = LINE_BREAK + (br.tail or "")
    text = "".join(_inner(cell))
    text = re.sub(f"{BLOCK}+", BLOCK, text).strip(BLOCK).replace(BLOCK, LINE_BREAK)
    return "\n".join(" ".join(seg.split()) for seg in text.split(LINE_BREAK)).strip()


def _inner(cell) -> Iterator[str]:
    yield cell.text or ""
    for child in cell:
        if isinstance(child.tag, str) and child.tag not in ("script", "style"):
            block = child.tag in BLOCKS
            if block:
                yield BLOCK
            yield from _inner(child)
            if block:
                yield BLOCK
        if child.tail:
            yield child.tail


class HtmlGrid(Grid):
    """An HTML file's outermost tables, one sheet each (named by the Excel worksheet name the
    file declares when it has one table, else "Bảng 1", "Bảng 2", ...)."""

    fmt = "html"

    def __init__(self, path: Path, label: str):
        import lxml.html
        from lxml import etree

        self.label = label
        text = XML_DECL.sub("", _decode(Path(path).read_bytes(), label), count=1)
        # No entity is expanded by the HTML parser; huge_tree keeps a cell over 10 MB whole
        # (libxml2 would silently drop it) for the loader to set aside as too long.
        parser = lxml.html.HTMLParser(no_network=True, huge_tree=True)
        try:
            root = lxml.html.document_fromstring(text, parser=parser) if text.strip() else None
        except (etree.ParserError, ValueError):
            root = None
        tables = root.xpath("//table[not(ancestor::table)]") if root is not None else []
        self.tables = [t for t in tables if t.xpath("./tr | ./*/tr")]
        if not self.tables:
            raise InputError(f"{label}: tệp HTML không có bảng; cần một bảng (<table>) có dòng "
                             "tiêu đề.", file=label, reason="format")
        declared = EXCEL_NAME.search(text)
        if len(self.tables) == 1 and declared:
            self._names = [declared.group(1).strip() or "Bảng 1"]
        else:
            self._names = [f"Bảng {i}" for i in range(1, len(self.tables) + 1)]

    def names(self) -> list[str]:
        return list(self._names)

    def rows(self, name: str) -> Iterator[tuple[int, list[str]]]:
        yield from table_rows(self.tables[self._names.index(name)])
