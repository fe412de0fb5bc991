"""Executed section notebooks -> the report as an editable Word file (.docx), official layout.

The same content as the HTML report (render.render_html): markdown cells and the display
outputs of the notebooks, in order. The small, known set of HTML elements the sections display
(paragraphs, headings, `tthc-table` tables with merged cells, PNG charts as data URIs, the
`tthc-header` and `tthc-closing` blocks of layout.py) becomes Word paragraphs, tables and
pictures; the look follows the report's CSS (Nghị định 30/2020/NĐ-CP, Phụ lục I): A4, margins
20/15/20/30 mm, Times New Roman 14 pt, justified, first-line indent 1,27 cm, page numbers
centred at the top from page 2. Only what the notebooks display goes in: scripts, styles and
plain-text reprs are dropped, escaped text stays text. The file is written atomically.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Iterator
from pathlib import Path

import nbformat

from tthc_lib.atomic import atomic_path
from tthc_lib.content.words.layout import ReportMeta
from tthc_lib.errors import ReportError
from tthc_lib.render.docx_css import parse_html
from tthc_lib.render.docx_document import (
    BODY_SIZE_PT,
    Flow,
    landscape_section,
    new_document,
    width_of,
)
from tthc_lib.render.docx_looks import (
    BLOCK_TAGS,
    Look,
    Node,
    look_of,
)
from tthc_lib.render.docx_tables import (
    Placed,
    TableGrid,
    cell_look,
    cell_margins,
    column_widths,
    layout_kind,
    shade,
    shape_table,
    span_of,
)
from tthc_lib.render.html import add_frame, merge_notebooks
from tthc_lib.xmltext import xml_safe

__all__ = ["render_docx", "shown_html"]

MAX_PICTURE_HEIGHT_MM = 230


# ---------------------------------------------------------------- public entry point

def render_docx(notebooks: list[nbformat.NotebookNode], out: Path, meta: ReportMeta) -> Path:
    """Write the report of the executed `notebooks` (in order) to `out` as a Word file and
    return its path. As for the HTML report: a notebook that stopped on an error is refused,
    and if no notebook displayed the header (closing) block of `meta`, it is added at the top
    (end)."""
    nb = merge_notebooks(notebooks)
    add_frame(nb, meta)
    doc = new_document(meta)
    writer = _Writer(doc)
    for fragment in shown_html(nb):
        writer.write(parse_html(xml_safe(fragment)))
    _save_atomic(doc, Path(out))
    return Path(out)


def shown_html(nb: nbformat.NotebookNode) -> Iterator[str]:
    """What the report shows of `nb`, as HTML fragments in order: markdown cells (as HTML)
    and the best display of each execute_result / display_data output; cells tagged
    `remove_cell` and outputs of cells tagged `remove_output` are left out, like in HTML."""
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove_cell" in tags:
            continue
        if cell.cell_type == "markdown":
            yield _markdown(_joined(cell.source))
        elif cell.cell_type == "code" and "remove_output" not in tags:
            for output in cell.get("outputs", []):
                if output.get("output_type") in ("execute_result", "display_data"):
                    fragment = _output_html(output)
                    if fragment:
                        yield fragment


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _markdown(source: str) -> str:
    import mistune  # nbconvert's own markdown renderer: no new dependency

    return mistune.html(source)


def _output_html(output) -> str | None:
    data = output.get("data", {})
    alt = output.get("metadata", {}).get("tthc", {}).get("alt", "Biểu đồ")
    if "text/html" in data:
        return _joined(data["text/html"])
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            b64 = "".join(_joined(data[mime]).split())
            return (f'<figure class="tthc-chart"><img src="data:{mime};base64,{b64}" '
                    f'alt="{_attr(alt)}"></figure>')
    if "text/markdown" in data:
        return _markdown(_joined(data["text/markdown"]))
    return None  # text/plain reprs, scripts and SVG are not shown


def _attr(text: str) -> str:
    from html import escape

    return escape(str(text), quote=True)


# ---------------------------------------------------------------- HTML -> a small tree


# ---------------------------------------------------------------- looks (the report's CSS)


# ---------------------------------------------------------------- the document and its styles


# ---------------------------------------------------------------- paragraphs and runs


# ---------------------------------------------------------------- the walker

class _Writer:
    """Turns parsed HTML fragments into paragraphs, tables and pictures of `doc`."""

    def __init__(self, doc) -> None:
        self.doc = doc

    def write(self, root: Node) -> None:
        flow = Flow(self.doc, Look())
        self._children(root, flow, Look())
        flow.end()

    def _children(self, node: Node, flow: Flow, look: Look) -> None:
        for child in node.children:
            if isinstance(child, str):
                flow.text(child, look)
            else:
                self._element(child, flow, look)

    def _element(self, node: Node, flow: Flow, look: Look) -> None:
        own = look_of(node)
        if own.skip:
            return
        if node.tag == "br":
            flow.line_break(look)
        elif node.tag == "img":
            self._picture(node, flow)
        elif node.tag == "table":
            flow.end()
            self._table(node, flow.container, look.inherited())
        elif node.tag in ("ul", "ol"):
            self._list(node, flow, look.inherited().over(own))
        elif node.tag == "h1" and "tthc-annex" in node.classes:
            flow.end()   # an annex: its own landscape section, which starts the new page
            landscape_section(self.doc)
            self._block(node, flow, look.inherited().over(own).over(Look(page_break=False)))
        elif node.tag in BLOCK_TAGS:
            self._block(node, flow, look.inherited().over(own))
        else:  # inline: span, b, i, a, code ...
            self._children(node, flow, look.over(own))

    def _block(self, node: Node, flow: Flow, look: Look, marker: str = "") -> None:
        flow.end()
        inner = Flow(flow.container, look, first=flow.take_first())
        if marker:
            inner.text(marker, look)
        self._children(node, inner, look)
        inner.end()

    def _list(self, node: Node, flow: Flow, look: Look) -> None:
        """Items as paragraphs, marked as the reference marks them: "- " or "1. "."""
        start = span_of(node, "start") if node.tag == "ol" else 1
        for number, item in enumerate(node.elements("li"), start=start):
            marker = f"{number}. " if node.tag == "ol" else "- "
            self._block(item, flow, look.inherited().over(look_of(item)), marker)

    # ---- pictures

    def _picture(self, node: Node, flow: Flow) -> None:
        blob = _data_uri_image(node.attrs.get("src", ""))
        if blob is None:
            return  # nothing is ever fetched: only embedded images are shown
        width, height = _picture_size(blob, width_of(flow.container), node.attrs.get("alt", ""))
        shape = flow.paragraph().add_run().add_picture(io.BytesIO(blob), width, height)
        shape._inline.docPr.set("descr", node.attrs.get("alt", ""))
        flow.text_started()

    # ---- tables

    def _table(self, node: Node, container, look: Look) -> None:
        grid = TableGrid.of(node)
        if not grid.cells:
            return
        layout = layout_kind(node)
        own = look.over(look_of(node))  # the table's type size (report.css, by its columns)
        caption = node.elements("caption")
        if caption and not layout:  # the table's top margin goes above its caption
            self._block(caption[0], Flow(container, Look()),
                        own.inherited().over(Look(before=own.before)).over(look_of(caption[0])))
        table = container.add_table(rows=grid.n_rows, cols=grid.n_cols)
        size = own.size or BODY_SIZE_PT
        padding = next((look_of(p.node).padding for p in grid.cells
                        if look_of(p.node).padding is not None), 0.0)
        widths = column_widths(grid, layout, width_of(container), size, 2 * padding)
        shape_table(table, grid, widths, layout)
        cell_margins(table, round(padding * 20))
        for placed in grid.cells:
            self._cell(table.cell(placed.row, placed.col), placed,
                       own.inherited().over(cell_look(placed)))

    def _cell(self, cell, placed: Placed, look: Look) -> None:
        """The content of one (merged) cell, shaded as report.css shades it."""
        if look.shade:
            shade(cell, look.shade)
        flow = Flow(cell, look, first=cell.paragraphs[0])
        self._children(placed.node, flow, look)
        flow.end()


def _data_uri_image(src: str) -> bytes | None:
    match = re.match(r"data:image/(png|jpe?g|gif|bmp);base64,(.*)$", src.strip(), re.DOTALL)
    if not match:
        return None
    try:
        return base64.b64decode("".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError):
        raise ReportError("Hình ảnh trong báo cáo bị hỏng (dữ liệu base64 sai).") from None


def _picture_size(blob: bytes, width: int, alt: str) -> tuple[int, int]:
    """The picture at `width`, or smaller so that it is at most MAX_PICTURE_HEIGHT_MM tall;
    ReportError for data that is no image."""
    from docx.image.exceptions import (
        InvalidImageStreamError,
        UnexpectedEndOfFileError,
        UnrecognizedImageError,
    )
    from docx.image.image import Image
    from docx.shared import Mm

    try:
        image = Image.from_blob(blob)
    except (InvalidImageStreamError, UnexpectedEndOfFileError, UnrecognizedImageError):
        raise ReportError(f"Không đọc được hình ảnh trong báo cáo ({alt or 'biểu đồ'}).") from None
    height = width * image.px_height // max(image.px_width, 1)
    limit = int(Mm(MAX_PICTURE_HEIGHT_MM))
    if height > limit:
        width, height = width * limit // height, limit
    return int(width), int(height)


# ---------------------------------------------------------------- table grid


# ---------------------------------------------------------------- files

def _save_atomic(doc, out: Path) -> None:
    """Save through a temporary file beside `out`, then os.replace: no half-written file."""
    with atomic_path(out) as tmp:
        doc.save(str(tmp))
