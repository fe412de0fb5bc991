"""HTML fragments -> a small element tree, and the look (paragraph and run format) each
element asks for by its tag and classes."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace


@dataclass
class Node:
    tag: str
    attrs: dict
    children: list

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self, *tags: str) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and c.tag in tags]


def parse_html(fragment: str) -> Node:
    """The fragment as a tree of Nodes, parsed by BeautifulSoup (entities decoded:
    `&lt;script&gt;` is the text "<script>"; comments, doctypes and CDATA are not text)."""
    from bs4 import BeautifulSoup

    return _node(BeautifulSoup(fragment, "html.parser"), "root")


def _node(tag, name: str) -> Node:
    from bs4 import NavigableString, Tag

    children: list = []
    for child in tag.children:
        if isinstance(child, Tag):
            children.append(_node(child, child.name))
        elif type(child) is NavigableString:  # not a Comment, Doctype, CData ...
            children.append(str(child))
    attrs = {k: " ".join(v) if isinstance(v, list) else (v or "") for k, v in tag.attrs.items()}
    return Node(name, attrs, children)


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


def look_of(node: Node) -> Look:
    """The look an element asks for: its tag, then its classes, then an inline text-align."""
    look = TAG_LOOKS.get(node.tag, Look())
    for cls in sorted(node.classes):
        look = look.over(CLASS_LOOKS.get(cls, Look()))
    align = re.search(r"text-align\s*:\s*(left|right|center|justify)", node.attrs.get("style", ""))
    return look.over(Look(align=align.group(1))) if align else look
