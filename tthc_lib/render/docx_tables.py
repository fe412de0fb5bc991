"""Word tables from HTML tables: cells placed on the grid as a browser places rowspan and
colspan, widths that never break a number or a word, borders, shading and merged cells."""

from __future__ import annotations

from dataclasses import dataclass

from tthc_lib.render.docx_document import child_element, qn_tag
from tthc_lib.render.docx_looks import (
    Look,
    Node,
    look_of,
)

# Widths of Times New Roman characters, in em, rounded up: enough to keep a number or a word
# on one line; bold (headers) is wider.
EM_UPPER, EM_DIGIT, EM_LOWER, EM_OTHER = 0.72, 0.5, 0.5, 0.4
EM_CHARS = {",": 0.25, ".": 0.25, " ": 0.25, "%": 0.85, "(": 0.34, ")": 0.34, "-": 0.34}
BOLD_FACTOR, SLACK_PT = 1.08, 1.5
EMU_PER_PT = 12700


# Layout tables (no borders): column shares of the text width.
LAYOUT_COLUMNS = {"tthc-header": (0.44, 0.56), "tthc-closing": (0.45, 0.55)}


@dataclass
class Placed:
    """An HTML cell placed on the table grid."""

    node: Node
    row: int
    col: int
    rows: int
    cols: int
    header: bool        # a cell of <thead>
    row_classes: set    # its row's classes; "total" for a row of <tfoot>


@dataclass
class TableGrid:
    cells: list[Placed]
    n_rows: int
    n_cols: int
    header_rows: int

    @classmethod
    def of(cls, table: Node) -> TableGrid:
        """Cells at their grid positions, as a browser places rowspan / colspan."""
        rows = _table_rows(table)
        taken: set[tuple[int, int]] = set()
        cells = []
        for r, (tr, part) in enumerate(rows):
            row_classes = tr.classes | ({"total"} if part == "tfoot" else set())
            c = 0
            for td in tr.elements("td", "th"):
                while (r, c) in taken:
                    c += 1
                span_r, span_c = span_of(td, "rowspan"), span_of(td, "colspan")
                taken |= {(r + i, c + j) for i in range(span_r) for j in range(span_c)}
                cells.append(Placed(td, r, c, span_r, span_c, part == "thead", row_classes))
                c += span_c
        n_rows = max([p.row + p.rows for p in cells], default=0)
        n_cols = max([p.col + p.cols for p in cells], default=0)
        return cls(cells, n_rows, n_cols, sum(1 for _, part in rows if part == "thead"))


def _table_rows(table: Node) -> list[tuple[Node, str]]:
    """The rows in order, each with the part it belongs to: thead, tbody or tfoot."""
    rows = []
    for child in table.elements("thead", "tbody", "tfoot", "tr"):
        if child.tag == "tr":
            rows.append((child, "tbody"))
        else:
            rows += [(tr, child.tag) for tr in child.elements("tr")]
    return rows


def span_of(td: Node, attr: str) -> int:
    try:
        return max(1, min(int(td.attrs.get(attr, "1") or 1), 100))
    except ValueError:
        return 1


def layout_kind(table: Node) -> str | None:
    """The layout block a table is ("tthc-header", "tthc-closing", "presentation"), or None
    for a data table."""
    for cls in LAYOUT_COLUMNS:
        if cls in table.classes:
            return cls
    return "presentation" if table.attrs.get("role") == "presentation" else None


def cell_look(placed: Placed) -> Look:
    """A cell's paragraphs: no indent or spacing of their own (Word's single line), then as
    report.css sets the cell (alignment, weight, shading, a padding-top as space before)."""
    return Look(indent=0, before=0, after=0, line=1.0).over(look_of(placed.node))


def column_widths(grid: TableGrid, layout: str | None, total: int, size: float,
                   padding: float) -> list[int]:
    """Column widths (EMU) filling `total`. Layout blocks: fixed shares. Data tables: each
    column first gets its longest word (no number or word is ever broken), then what is
    left goes to the columns whose text would wrap (names, long headers), as they need it."""
    if layout in LAYOUT_COLUMNS and grid.n_cols == len(LAYOUT_COLUMNS[layout]):
        return [int(total * share) for share in LAYOUT_COLUMNS[layout]]
    least, wish = [padding + size] * grid.n_cols, [padding + size] * grid.n_cols
    for placed in grid.cells:
        if placed.cols == 1:
            word, line = _text_widths(_text_of(placed.node), size, placed.header)
            least[placed.col] = max(least[placed.col], word + padding)
            wish[placed.col] = max(wish[placed.col], line + padding)
    least_pt, wish_pt, total_pt = sum(least), sum(wish), total / EMU_PER_PT
    if wish_pt <= total_pt:
        widths = [w * total_pt / wish_pt for w in wish]
    elif least_pt >= total_pt:
        widths = [w * total_pt / least_pt for w in least]
    else:
        extra = [w - m for w, m in zip(wish, least)]
        widths = [m + e * (total_pt - least_pt) / sum(extra) for m, e in zip(least, extra)]
    return [int(w * EMU_PER_PT) for w in widths]


def _text_widths(text: str, size: float, header: bool) -> tuple[float, float]:
    """The width (pt) of the longest word of `text`, and of the line it would like: all of
    it for a body cell (up to 40 characters), a third of it for a header (headers wrap)."""
    words, size = text.split(), size * (BOLD_FACTOR if header else 1)
    longest = max((_width_pt(w, size) for w in words), default=0.0) + SLACK_PT
    line = _width_pt(" ".join(words)[:40], size) + SLACK_PT
    return longest, max(longest, line / 3 if header else line)


def _width_pt(text: str, size: float) -> float:
    ems = sum(EM_CHARS.get(c) or (EM_UPPER if c.isupper() else EM_DIGIT if c.isdigit() else
                                  EM_LOWER if c.isalpha() else EM_OTHER) for c in text)
    return ems * size


def _text_of(node: Node) -> str:
    return "".join(c if isinstance(c, str) else _text_of(c) for c in node.children)


def shape_table(table, grid: TableGrid, widths: list[int], layout: str | None) -> None:
    """Borders (data tables), fixed column widths, merged cells, header rows repeated on
    each page, rows kept whole."""
    from docx.enum.table import WD_TABLE_ALIGNMENT

    table.style = None if layout else table.part.document.styles["Table Grid"]
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for col, width in zip(table.columns, widths):
        col.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width
    for placed in grid.cells:
        if placed.rows > 1 or placed.cols > 1:
            table.cell(placed.row, placed.col).merge(
                table.cell(placed.row + placed.rows - 1, placed.col + placed.cols - 1))
    for index, row in enumerate(table.rows):
        _row_flags(row, header=not layout and index < grid.header_rows)
    if not layout:
        _vertical_centre(table)


def _row_flags(row, header: bool) -> None:
    from docx.oxml import OxmlElement

    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def _vertical_centre(table) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    for tc in table._tbl.iter(qn_tag("w:tc")):
        tc.get_or_add_tcPr().vAlign_val = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def cell_margins(table, twips: int) -> None:
    """Left and right cell margins of a table (none for a layout table: its text uses the
    full column)."""
    from docx.oxml import OxmlElement

    tblpr = table._tbl.tblPr
    margins = child_element(tblpr, "w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn_tag("w:w"), str(twips))
        edge.set(qn_tag("w:type"), "dxa")
        margins.append(edge)


def shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement

    shd = OxmlElement("w:shd")
    shd.set(qn_tag("w:val"), "clear")
    shd.set(qn_tag("w:color"), "auto")
    shd.set(qn_tag("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)
