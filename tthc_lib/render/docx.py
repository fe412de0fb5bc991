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
from dataclasses import dataclass, fields, replace
from datetime import datetime, time
from html.parser import HTMLParser
from pathlib import Path

import nbformat

from tthc_lib.atomic import atomic_path
from tthc_lib.content.layout import ReportMeta
from tthc_lib.errors import ReportError
from tthc_lib.render.html import add_frame, merge_notebooks

FONT = "Times New Roman"
LANGUAGE = "vi-VN"
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
HEADER_DISTANCE_MM = 10
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]
MAX_PICTURE_HEIGHT_MM = 230
BODY_INDENT_CM = 1.27
HEADER_FILL = "E6E6E6"
# Table type size and cell padding (pt) by number of columns, as the CSS does: wide tables
# keep to the text width.
TABLE_SIZES = ((13, 9.0, 1.5), (9, 10.0, 2.0), (0, 11.0, 4.0))
# Widths of Times New Roman characters, in em, rounded up: enough to keep a number or a word
# on one line; bold (headers) is wider.
EM_UPPER, EM_DIGIT, EM_LOWER, EM_OTHER = 0.72, 0.5, 0.5, 0.4
EM_CHARS = {",": 0.25, ".": 0.25, " ": 0.25, "%": 0.85, "(": 0.34, ")": 0.34, "-": 0.34}
BOLD_FACTOR, SLACK_PT = 1.08, 1.5
EMU_PER_PT = 12700
# Layout tables (no borders): column shares of the text width.
LAYOUT_COLUMNS = {"tthc-header": (0.44, 0.56), "tthc-closing": (0.45, 0.55)}


# ---------------------------------------------------------------- public entry point

def render_docx(notebooks: list[nbformat.NotebookNode], out: Path, meta: ReportMeta) -> Path:
    """Write the report of the executed `notebooks` (in order) to `out` as a Word file and
    return its path. As for the HTML report: a notebook that stopped on an error is refused,
    and if no notebook displayed the header (closing) block of `meta`, it is added at the top
    (end)."""
    nb = merge_notebooks(notebooks)
    add_frame(nb, meta)
    doc = _new_document(meta)
    writer = _Writer(doc)
    for fragment in shown_html(nb):
        writer.write(_parse(fragment))
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

VOID_TAGS = {"br", "img", "hr", "meta", "link", "input", "col", "area", "base", "source", "wbr"}


@dataclass
class _Node:
    tag: str
    attrs: dict
    children: list

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self, *tags: str) -> list[_Node]:
        return [c for c in self.children if isinstance(c, _Node) and c.tag in tags]


class _TreeBuilder(HTMLParser):
    """Elements and text (entities decoded: `&lt;script&gt;` is the text "<script>")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", {}, [])
        self._open = [self.root]

    def handle_starttag(self, tag, attrs) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs}, [])
        self._open[-1].children.append(node)
        if tag not in VOID_TAGS:
            self._open.append(node)

    def handle_startendtag(self, tag, attrs) -> None:
        self._open[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}, []))

    def handle_endtag(self, tag) -> None:
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data) -> None:
        self._open[-1].children.append(data)


def _parse(fragment: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(fragment)
    builder.close()
    return builder.root


# ---------------------------------------------------------------- looks (the report's CSS)

@dataclass(frozen=True)
class Look:
    """How a block and its text look; None leaves it to the enclosing block, then the style.
    Sizes in pt, indent in cm; `rule`: a short centred line below the block (issuer, subject);
    `force`: the paragraph exists even without text (the space to sign)."""

    style: str | None = None
    align: str | None = None
    indent: float | None = None
    before: float | None = None
    after: float | None = None
    line: float | None = None
    size: float | None = None
    bold: bool | None = None
    italic: bool | None = None
    underline: bool | None = None
    caps: bool | None = None
    keep_next: bool | None = None
    page_break: bool | None = None
    shade: str | None = None
    rule: bool | None = None
    force: bool | None = None
    skip: bool | None = None

    def over(self, other: Look) -> Look:
        """This look with every value `other` sets."""
        return replace(self, **{f.name: getattr(other, f.name) for f in fields(other)
                                if getattr(other, f.name) is not None})

    def inherited(self) -> Look:
        """What a block passes on to the blocks inside it."""
        return Look(align=self.align, indent=self.indent, line=self.line, size=self.size,
                    bold=self.bold, italic=self.italic, underline=self.underline, caps=self.caps)


_CENTRED = Look(align="center", indent=0)
TAG_LOOKS: dict[str, Look] = {
    "h1": Look(style="Heading 1"), "h2": Look(style="Heading 2"), "h3": Look(style="Heading 3"),
    "h4": Look(style="Heading 4"), "h5": Look(style="Heading 5"), "h6": Look(style="Heading 5"),
    "b": Look(bold=True), "strong": Look(bold=True), "i": Look(italic=True),
    "em": Look(italic=True), "u": Look(underline=True),
    "figure": _CENTRED.over(Look(before=8, keep_next=False)),
    "figcaption": _CENTRED.over(Look(italic=True, size=12, before=2)),
    "caption": _CENTRED.over(Look(bold=True, size=13, before=8, after=4, keep_next=True)),
    "div": Look(before=0),
    "script": Look(skip=True), "style": Look(skip=True), "head": Look(skip=True),
    "title": Look(skip=True), "noscript": Look(skip=True), "template": Look(skip=True),
    "svg": Look(skip=True), "iframe": Look(skip=True), "object": Look(skip=True),
    "button": Look(skip=True), "input": Look(skip=True), "select": Look(skip=True),
}
# Classes of layout.py, sections.py and the tables, as report.css styles them.
CLASS_LOOKS: dict[str, Look] = {
    "tthc-issuer": Look(size=12), "tthc-body-name": Look(bold=True, rule=True),
    "tthc-nation": Look(bold=True, size=12),
    "tthc-motto-line": Look(bold=True, underline=True, size=13),
    "tthc-dateline": Look(before=8), "tthc-number": Look(size=13),
    "tthc-date": Look(italic=True, size=14),
    "tthc-title": _CENTRED.over(Look(bold=True, size=14, before=22, after=0, keep_next=True)),
    "tthc-subject": _CENTRED.over(Look(bold=True, before=0, rule=True, keep_next=True)),
    "tthc-recipients": Look(align="left", size=11),
    "tthc-recipients-label": Look(bold=True, italic=True, size=12),
    "tthc-signature": Look(align="center"), "tthc-sign-role": Look(bold=True, size=14),
    "tthc-sign-space": Look(before=56, force=True), "tthc-sign-name": Look(bold=True, size=14),
    "tthc-note": Look(italic=True, size=12, indent=0),
    "tthc-break-before": Look(page_break=True),
    "tthc-chart": _CENTRED.over(Look(before=8)),
    "anchor-link": Look(skip=True),
}
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figure", "figcaption",
              "blockquote", "pre", "section", "article", "header", "footer", "main", "ul", "ol",
              "dl", "dt", "dd", "address"}
# Table cells whose text is not a number (left-aligned); every other td is right-aligned.
TEXT_CELL_CLASSES = {"name", "text", "note"}
BOLD_ROW_CLASSES = {"total", "section"}


def look_of(node: _Node) -> Look:
    """The look an element asks for: its tag, then its classes, then an inline text-align."""
    look = TAG_LOOKS.get(node.tag, Look())
    for cls in sorted(node.classes):
        look = look.over(CLASS_LOOKS.get(cls, Look()))
    align = re.search(r"text-align\s*:\s*(left|right|center|justify)", node.attrs.get("style", ""))
    return look.over(Look(align=align.group(1))) if align else look


# ---------------------------------------------------------------- the document and its styles

def _new_document(meta: ReportMeta):
    """An empty A4 document: official margins, Times New Roman styles, page numbers."""
    import docx

    doc = docx.Document()
    _page_setup(doc.sections[0])
    _base_styles(doc)
    _page_numbers(doc.sections[0])
    _properties(doc, meta)
    return doc


def _page_setup(section) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = section.footer_distance = Mm(HEADER_DISTANCE_MM)


def _base_styles(doc) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    _set_fonts(doc.styles.element.find(_qn("w:docDefaults")).find(_qn("w:rPrDefault")), 14)
    normal = doc.styles["Normal"]
    _set_fonts(normal.element, 14)
    fmt = normal.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Cm(BODY_INDENT_CM)
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(6), Pt(0), 1.1
    fmt.widow_control = True
    for name in ("Heading 1", "Heading 2", "Heading 3", "Heading 4", "Heading 5"):
        _heading_style(doc.styles[name], name)
    _set_fonts(doc.styles["Header"].element, 13)


def _heading_style(style, name: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    _set_fonts(style.element, 14)
    style.font.color.rgb = RGBColor(0, 0, 0)
    style.font.bold = name != "Heading 5"
    style.font.italic = name == "Heading 5"
    style.font.all_caps = name == "Heading 2"  # I. KẾT QUẢ THỰC HIỆN
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after, fmt.keep_with_next = Pt(6), Pt(0), True
    if name == "Heading 1":  # a centred title (PHỤ LỤC)
        fmt.alignment, fmt.first_line_indent = WD_ALIGN_PARAGRAPH.CENTER, Cm(0)


def _set_fonts(owner, size: float) -> None:
    """Times New Roman for every script (so Word substitutes nothing) and `size`, on the run
    properties of a style or of the document defaults; theme fonts are removed."""
    from docx.oxml import OxmlElement

    rpr = owner.find(_qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        owner.append(rpr)
    fonts = _child(rpr, "w:rFonts", first=True)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(_qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(_qn(f"w:{attr}"), FONT)
    for tag in ("w:sz", "w:szCs"):
        _child(rpr, tag).set(_qn("w:val"), str(round(size * 2)))
    lang = _child(rpr, "w:lang")
    for attr in ("val", "eastAsia"):
        lang.set(_qn(f"w:{attr}"), LANGUAGE)


def _child(parent, tag: str, first: bool = False):
    from docx.oxml import OxmlElement

    found = parent.find(_qn(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.insert(0, found) if first else parent.append(found)
    return found


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _page_numbers(section) -> None:
    """A PAGE field centred in the header, from page 2 (the first page's header is empty)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    para = section.header.paragraphs[0]
    fmt = para.paragraph_format
    fmt.alignment, fmt.first_line_indent = WD_ALIGN_PARAGRAPH.CENTER, Cm(0)
    fmt.space_before = fmt.space_after = Pt(0)
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "2"),
                       ("end", None)):
        _field_part(para.add_run(), kind, text)


def _field_part(run, kind: str, text: str | None) -> None:
    from docx.oxml import OxmlElement
    from docx.shared import Pt

    run.font.name, run.font.size = FONT, Pt(13)
    if kind == "text":
        run.text = text
    elif kind == "instr":
        instr = OxmlElement("w:instrText")
        instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        instr.text = text
        run._r.append(instr)
    else:
        char = OxmlElement("w:fldChar")
        char.set(_qn("w:fldCharType"), kind)
        run._r.append(char)


def _properties(doc, meta: ReportMeta) -> None:
    props = doc.core_properties
    props.title = f"{meta.title.capitalize()} {' '.join(meta.subject.split())}"
    props.author = meta.issuer_lines[-1] if meta.issuer_lines else ""
    props.comments = props.last_modified_by = props.keywords = props.subject = ""
    props.language = LANGUAGE
    props.created = props.modified = datetime.combine(meta.date, time())
    props.revision = 1


# ---------------------------------------------------------------- paragraphs and runs

_SPACES = re.compile(r"[ \t\n\r\f]+")


class _Flow:
    """Paragraphs appended to a container (the document or a table cell) in one look; text
    is added run by run with HTML's white-space rules (collapsed, none at a line's ends)."""

    def __init__(self, container, look: Look, first=None) -> None:
        self.container, self.look = container, look
        self.para, self._first = None, first
        self._words = self._space = False
        if first is not None:
            _format_paragraph(first, look)

    def paragraph(self):
        if self.para is None:
            if self._first is not None:
                self.para, self._first = self._first, None
            else:
                self.para = self.container.add_paragraph()
                _format_paragraph(self.para, self.look)
            self._words = self._space = False
        return self.para

    def text(self, text: str, look: Look) -> None:
        text = _SPACES.sub(" ", text)
        words = text.strip(" ")
        if not words:
            self._space = self._space or (self.para is not None and self._words and bool(text))
            return
        para = self.paragraph()
        if self._words and (self._space or text.startswith(" ")):
            words = " " + words
        _format_run(para.add_run(words), look)
        self._words, self._space = True, text.endswith(" ")

    def take_first(self):
        """The container's empty first paragraph (a table cell's), if still unused: a block
        inside the cell starts there instead of below an empty line."""
        first, self._first = self._first, None
        return first

    def text_started(self) -> None:
        """Something other than text (a picture) is on the line: a following word gets a
        space before it."""
        self._words = True

    def line_break(self, look: Look) -> None:
        run = self.paragraph().add_run()
        run.add_break()
        _format_run(run, look)
        self._words = self._space = False

    def end(self) -> None:
        """Close the current paragraph (the next text starts a new one)."""
        if self.para is None and self.look.force:
            self.paragraph()
        if self.para is not None and self.look.rule:
            _rule_below(self.container, self.para)
        self.para = None


def _format_paragraph(para, look: Look) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    if look.style:
        para.style = para.part.document.styles[look.style]
    fmt = para.paragraph_format
    aligns = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
              "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}
    if look.align:
        fmt.alignment = aligns[look.align]
    if look.indent is not None:
        fmt.first_line_indent = Cm(look.indent)
    if look.before is not None:
        fmt.space_before = Pt(look.before)
    if look.after is not None:
        fmt.space_after = Pt(look.after)
    if look.line is not None:
        fmt.line_spacing = look.line
    if look.keep_next is not None:
        fmt.keep_with_next = look.keep_next
    if look.page_break:
        fmt.page_break_before = True
    if look.size is not None:  # the paragraph mark's size sets an empty line's height
        _mark_size(para, look.size)


def _mark_size(para, size: float) -> None:
    ppr = para._p.get_or_add_pPr()
    rpr = _child(ppr, "w:rPr")
    for tag in ("w:sz", "w:szCs"):
        _child(rpr, tag).set(_qn("w:val"), str(round(size * 2)))


def _format_run(run, look: Look) -> None:
    from docx.shared import Pt

    if look.size is not None:
        run.font.size = Pt(look.size)
    for attr in ("bold", "italic", "underline"):
        if getattr(look, attr) is not None:
            setattr(run.font, attr, getattr(look, attr))
    if look.caps:
        run.font.all_caps = True


def _rule_below(container, para) -> None:
    """A short centred line under `para` (40% of its column): a bottom border on an empty
    paragraph narrowed by indents, as Word templates of the form draw it."""
    from docx.oxml import OxmlElement
    from docx.shared import Cm, Pt

    rule = container.add_paragraph()
    borders = OxmlElement("w:pBdr")  # first: the properties set below go after it, in order
    bottom = OxmlElement("w:bottom")
    for attr, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(_qn(f"w:{attr}"), value)
    borders.append(bottom)
    rule._p.get_or_add_pPr().append(borders)
    fmt = rule.paragraph_format
    fmt.left_indent = fmt.right_indent = int(_width_of(container) * 0.3)
    fmt.first_line_indent = Cm(0)
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(6), Pt(2)
    _mark_size(rule, 2)


def _width_of(container) -> int:
    """The width (EMU) available in a table cell or the page's text column."""
    from docx.shared import Mm

    width = getattr(container, "width", None)
    return int(width) if width else int(Mm(TEXT_WIDTH_MM))


# ---------------------------------------------------------------- the walker

class _Writer:
    """Turns parsed HTML fragments into paragraphs, tables and pictures of `doc`."""

    def __init__(self, doc) -> None:
        self.doc = doc

    def write(self, root: _Node) -> None:
        flow = _Flow(self.doc, Look())
        self._children(root, flow, Look())
        flow.end()

    def _children(self, node: _Node, flow: _Flow, look: Look) -> None:
        for child in node.children:
            if isinstance(child, str):
                flow.text(child, look)
            else:
                self._element(child, flow, look)

    def _element(self, node: _Node, flow: _Flow, look: Look) -> None:
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
        elif node.tag in BLOCK_TAGS:
            self._block(node, flow, look.inherited().over(own))
        else:  # inline: span, b, i, a, code ...
            self._children(node, flow, look.over(own))

    def _block(self, node: _Node, flow: _Flow, look: Look, marker: str = "") -> None:
        flow.end()
        inner = _Flow(flow.container, look, first=flow.take_first())
        if marker:
            inner.text(marker, look)
        self._children(node, inner, look)
        inner.end()

    def _list(self, node: _Node, flow: _Flow, look: Look) -> None:
        """Items as paragraphs, marked as the reference marks them: "- " or "1. "."""
        start = _span(node, "start") if node.tag == "ol" else 1
        for number, item in enumerate(node.elements("li"), start=start):
            marker = f"{number}. " if node.tag == "ol" else "- "
            self._block(item, flow, look.inherited().over(look_of(item)), marker)

    # ---- pictures

    def _picture(self, node: _Node, flow: _Flow) -> None:
        blob = _data_uri_image(node.attrs.get("src", ""))
        if blob is None:
            return  # nothing is ever fetched: only embedded images are shown
        width, height = _picture_size(blob, _width_of(flow.container), node.attrs.get("alt", ""))
        shape = flow.paragraph().add_run().add_picture(io.BytesIO(blob), width, height)
        shape._inline.docPr.set("descr", node.attrs.get("alt", ""))
        flow.text_started()

    # ---- tables

    def _table(self, node: _Node, container, look: Look) -> None:
        grid = _TableGrid.of(node)
        if not grid.cells:
            return
        layout = _layout_kind(node)
        caption = node.elements("caption")
        if caption and not layout:
            self._block(caption[0], _Flow(container, Look()), look.over(look_of(caption[0])))
        table = container.add_table(rows=grid.n_rows, cols=grid.n_cols)
        size, padding = next((s, p) for n, s, p in TABLE_SIZES if grid.n_cols >= n)
        widths = _column_widths(grid, layout, _width_of(container), size, 2 * padding)
        _shape_table(table, grid, widths, layout)
        _cell_margins(table, 0 if layout else round(padding * 20))
        for placed in grid.cells:
            self._cell(table.cell(placed.row, placed.col), placed,
                       look.over(_cell_look(placed, layout, size)), shaded=not layout)

    def _cell(self, cell, placed: _Placed, look: Look, shaded: bool) -> None:
        """The content of one (merged) cell; a header cell of a data table is shaded."""
        if placed.header and shaded:
            _shade(cell, HEADER_FILL)
        flow = _Flow(cell, look, first=cell.paragraphs[0])
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

@dataclass
class _Placed:
    """An HTML cell placed on the table grid."""

    node: _Node
    row: int
    col: int
    rows: int
    cols: int
    header: bool        # a cell of <thead>
    row_classes: set    # its row's classes; "total" for a row of <tfoot>


@dataclass
class _TableGrid:
    cells: list[_Placed]
    n_rows: int
    n_cols: int
    header_rows: int

    @classmethod
    def of(cls, table: _Node) -> _TableGrid:
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
                span_r, span_c = _span(td, "rowspan"), _span(td, "colspan")
                taken |= {(r + i, c + j) for i in range(span_r) for j in range(span_c)}
                cells.append(_Placed(td, r, c, span_r, span_c, part == "thead", row_classes))
                c += span_c
        n_rows = max([p.row + p.rows for p in cells], default=0)
        n_cols = max([p.col + p.cols for p in cells], default=0)
        return cls(cells, n_rows, n_cols, sum(1 for _, part in rows if part == "thead"))


def _table_rows(table: _Node) -> list[tuple[_Node, str]]:
    """The rows in order, each with the part it belongs to: thead, tbody or tfoot."""
    rows = []
    for child in table.elements("thead", "tbody", "tfoot", "tr"):
        if child.tag == "tr":
            rows.append((child, "tbody"))
        else:
            rows += [(tr, child.tag) for tr in child.elements("tr")]
    return rows


def _span(td: _Node, attr: str) -> int:
    try:
        return max(1, min(int(td.attrs.get(attr, "1") or 1), 100))
    except ValueError:
        return 1


def _layout_kind(table: _Node) -> str | None:
    """The layout block a table is ("tthc-header", "tthc-closing", "presentation"), or None
    for a data table."""
    for cls in LAYOUT_COLUMNS:
        if cls in table.classes:
            return cls
    return "presentation" if table.attrs.get("role") == "presentation" else None


def _cell_look(placed: _Placed, layout: str | None, size: float) -> Look:
    """A data cell: header bold and centred, numbers right, names left; a layout cell: as
    its classes say, centred by default."""
    base = Look(indent=0, before=0, after=0, line=1.0)
    row_look = Look()
    for cls in sorted(placed.row_classes):
        row_look = row_look.over(CLASS_LOOKS.get(cls, Look()))
    if layout:
        return base.over(Look(align="center")).over(row_look).over(look_of(placed.node))
    base = base.over(Look(size=size))
    if placed.header:
        return base.over(Look(align="center", bold=True))
    classes = placed.node.classes
    align = "right"
    if placed.node.tag == "th" or placed.col == 0 or classes & TEXT_CELL_CLASSES:
        align = "left"
    if classes & {"center", "stt"}:
        align = "center"
    bold = bool(placed.row_classes & BOLD_ROW_CLASSES) or None
    return base.over(Look(align=align, bold=bold)).over(look_of(placed.node))


def _column_widths(grid: _TableGrid, layout: str | None, total: int, size: float,
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


def _text_of(node: _Node) -> str:
    return "".join(c if isinstance(c, str) else _text_of(c) for c in node.children)


def _shape_table(table, grid: _TableGrid, widths: list[int], layout: str | None) -> None:
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

    for tc in table._tbl.iter(_qn("w:tc")):
        tc.get_or_add_tcPr().vAlign_val = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _cell_margins(table, twips: int) -> None:
    """Left and right cell margins of a table (none for a layout table: its text uses the
    full column)."""
    from docx.oxml import OxmlElement

    tblpr = table._tbl.tblPr
    margins = _child(tblpr, "w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(_qn("w:w"), str(twips))
        edge.set(_qn("w:type"), "dxa")
        margins.append(edge)


def _shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement

    shd = OxmlElement("w:shd")
    shd.set(_qn("w:val"), "clear")
    shd.set(_qn("w:color"), "auto")
    shd.set(_qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


# ---------------------------------------------------------------- files

def _save_atomic(doc, out: Path) -> None:
    """Save through a temporary file beside `out`, then os.replace: no half-written file."""
    with atomic_path(out) as tmp:
        doc.save(str(tmp))
