"""The element tree the DOCX writer walks, and the look (paragraph and run format) each
element asks for: the browser's defaults for its tag, then report.css (docx_css.py)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace


@dataclass
class Node:
    """An element of a displayed fragment: tag, attributes, children (Nodes and text), and
    the look report.css gives it (docx_css.parse_html)."""

    tag: str
    attrs: dict
    children: list
    css: Look = field(default_factory=lambda: Look())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self, *tags: str) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and c.tag in tags]


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
    padding: float | None = None  # a table cell's left and right padding (pt)

    def over(self, other: Look) -> Look:
        """This look with every value `other` sets."""
        return replace(self, **{f.name: getattr(other, f.name) for f in fields(other)
                                if getattr(other, f.name) is not None})

    def inherited(self) -> Look:
        """What a block passes on to the blocks inside it."""
        return Look(align=self.align, indent=self.indent, line=self.line, size=self.size,
                    bold=self.bold, italic=self.italic, underline=self.underline, caps=self.caps)


# The browser's own defaults (report.css does not restate them) and Word's heading styles;
# everything else comes from report.css (docx_css.py).
TAG_LOOKS: dict[str, Look] = {
    "h1": Look(style="Heading 1"), "h2": Look(style="Heading 2"), "h3": Look(style="Heading 3"),
    "h4": Look(style="Heading 4"), "h5": Look(style="Heading 5"), "h6": Look(style="Heading 5"),
    "b": Look(bold=True), "strong": Look(bold=True), "i": Look(italic=True),
    "em": Look(italic=True), "u": Look(underline=True), "th": Look(bold=True, align="center"),
    # Word's Normal paragraph is report.css's `.tthc-page p` (6 pt before, 1,27 cm indent);
    # these blocks have neither in the browser.
    "caption": Look(align="center", before=0, indent=0), "figure": Look(before=0, indent=0),
    "figcaption": Look(before=0, indent=0), "div": Look(before=0),
    "script": Look(skip=True), "style": Look(skip=True), "head": Look(skip=True),
    "title": Look(skip=True), "noscript": Look(skip=True), "template": Look(skip=True),
    "svg": Look(skip=True), "iframe": Look(skip=True), "object": Look(skip=True),
    "button": Look(skip=True), "input": Look(skip=True), "select": Look(skip=True),
}


BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figure", "figcaption",
              "blockquote", "pre", "section", "article", "header", "footer", "main", "ul", "ol",
              "dl", "dt", "dd", "address"}


def look_of(node: Node) -> Look:
    """The look an element asks for: the browser's default for its tag, then report.css."""
    return TAG_LOOKS.get(node.tag, Look()).over(node.css)
