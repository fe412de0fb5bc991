"""The Word document of the report: A4, official margins, Times New Roman styles, page
numbers from page 2, and the flow of paragraphs and runs that text is written into."""

from __future__ import annotations

import re
from datetime import datetime, time

from tthc_lib.content.words.layout import ReportMeta
from tthc_lib.render.docx_looks import Look

FONT = "Times New Roman"
BODY_SIZE_PT = 14


LANGUAGE = "vi-VN"


PAGE_MM = (210, 297)


MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}


HEADER_DISTANCE_MM = 10


TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]


BODY_INDENT_CM = 1.27


def new_document(meta: ReportMeta):
    """An empty A4 document: official margins, Times New Roman styles, page numbers."""
    import docx

    doc = docx.Document()
    _page_setup(doc.sections[0])
    _base_styles(doc)
    _page_numbers(doc.sections[0])
    _properties(doc, meta)
    return doc


# An annex on A4 landscape, as report.css's `@page landscape`: the binding edge on top.
LANDSCAPE_MARGINS_MM = {"top": 30, "bottom": 15, "left": 20, "right": 20}


def landscape_section(doc):
    """Start a new section on a new A4 landscape page (an annex: its tables are the widest),
    page numbers continuing, shown on its first page too."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Mm

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(PAGE_MM[1]), Mm(PAGE_MM[0])
    margins = LANDSCAPE_MARGINS_MM
    section.top_margin, section.bottom_margin = Mm(margins["top"]), Mm(margins["bottom"])
    section.left_margin, section.right_margin = Mm(margins["left"]), Mm(margins["right"])
    section.different_first_page_header_footer = False
    return section


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

    _set_fonts(doc.styles.element.find(qn_tag("w:docDefaults")).find(qn_tag("w:rPrDefault")), 14)
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

    rpr = owner.find(qn_tag("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        owner.append(rpr)
    fonts = child_element(rpr, "w:rFonts", first=True)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn_tag(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn_tag(f"w:{attr}"), FONT)
    for tag in ("w:sz", "w:szCs"):
        child_element(rpr, tag).set(qn_tag("w:val"), str(round(size * 2)))
    lang = child_element(rpr, "w:lang")
    for attr in ("val", "eastAsia"):
        lang.set(qn_tag(f"w:{attr}"), LANGUAGE)


def child_element(parent, tag: str, first: bool = False):
    from docx.oxml import OxmlElement

    found = parent.find(qn_tag(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.insert(0, found) if first else parent.append(found)
    return found


def qn_tag(tag: str) -> str:
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
        char.set(qn_tag("w:fldCharType"), kind)
        run._r.append(char)


def _properties(doc, meta: ReportMeta) -> None:
    props = doc.core_properties
    props.title = f"{meta.title.capitalize()} {' '.join(meta.subject.split())}"
    props.author = meta.issuer_lines[-1] if meta.issuer_lines else ""
    props.comments = props.last_modified_by = props.keywords = props.subject = ""
    props.language = LANGUAGE
    props.created = props.modified = datetime.combine(meta.date, time())
    props.revision = 1


_SPACES = re.compile(r"[ \t\n\r\f]+")


class Flow:
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
            _rule_below(self.container, self.para, self.look.after)
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
    rpr = child_element(ppr, "w:rPr")
    for tag in ("w:sz", "w:szCs"):
        child_element(rpr, tag).set(qn_tag("w:val"), str(round(size * 2)))


def _format_run(run, look: Look) -> None:
    from docx.shared import Pt

    if look.size is not None:
        run.font.size = Pt(look.size)
    for attr in ("bold", "italic", "underline"):
        if getattr(look, attr) is not None:
            setattr(run.font, attr, getattr(look, attr))
    if look.caps:
        run.font.all_caps = True


def _rule_below(container, para, after: float | None = None) -> None:
    """A short centred line under `para` (40% of its column): a bottom border on an empty
    paragraph narrowed by indents, as Word templates of the form draw it. The space after
    the block (`after`, else 6 pt) goes below the line, as in the browser."""
    from docx.oxml import OxmlElement
    from docx.shared import Cm, Pt

    rule = container.add_paragraph()
    borders = OxmlElement("w:pBdr")  # first: the properties set below go after it, in order
    bottom = OxmlElement("w:bottom")
    for attr, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn_tag(f"w:{attr}"), value)
    borders.append(bottom)
    rule._p.get_or_add_pPr().append(borders)
    fmt = rule.paragraph_format
    fmt.left_indent = fmt.right_indent = int(width_of(container) * 0.3)
    fmt.first_line_indent = Cm(0)
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(after or 6), Pt(2)
    if after:
        para.paragraph_format.space_after = Pt(0)
    _mark_size(rule, 2)


def width_of(container) -> int:
    """The width (EMU) available in a table cell or the page's text column."""
    from docx.shared import Mm

    width = getattr(container, "width", None)
    if width:
        return int(width)
    sections = getattr(container, "sections", None)   # the document: its last section's
    if sections:
        last = sections[-1]
        return int(last.page_width - last.left_margin - last.right_margin)
    return int(Mm(TEXT_WIDTH_MM))
