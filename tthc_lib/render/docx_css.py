"""report.css, the report's one stylesheet, read for the Word file.

Each qualified rule of report.css is matched (soupsieve, BeautifulSoup's selector engine)
against the displayed HTML, wrapped as the HTML report wraps it (`.tthc-page`, one
`.tthc-output` per fragment), and the declarations that matter on paper become a Look, in
cascade order (specificity, then order; inline `style` last). @page and @media rules are the
browser's page box and screen look: Word has its own (docx_document.py).

Two CSS idioms are read as what they draw: `A span::after { border-top }` is a short rule below
A's paragraph, and `height` on an empty block is the space it keeps (the space to sign).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tthc_lib.render.docx_looks import Look, Node

STYLESHEET = Path(__file__).parent.parent / "templates" / "tthc" / "report.css"
PT_PER = {"pt": 1.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "in": 72.0, "px": 0.75}
_LENGTH = re.compile(r"^(-?[0-9.]+)(pt|mm|cm|in|px)?$")
_AFTER_SPAN = re.compile(r"\s+span::after$")
# report.css's "a table with N columns", :has(tbody tr > :nth-child(N)): soupsieve refuses a
# complex selector inside :has(), and the test per cell would rescan the table. The table is
# marked once instead (class x-columns-N, in parse_html) and the selector asks for the mark.
_HAS_COLUMNS = re.compile(r":has\(tbody tr > :nth-child\((\d+)\)\)")
COLUMN_MARK = "x-columns-{}"


@dataclass(frozen=True)
class Rule:
    selector: str
    specificity: tuple[int, int, int]
    order: int
    declarations: dict[str, str]
    key_tag: str | None          # the tag and classes the matched element itself must have
    key_classes: frozenset[str]

    def may_match(self, tag: str, classes: set[str]) -> bool:
        return (self.key_tag in (None, tag)) and self.key_classes <= classes


def _key(selector: str) -> tuple[str | None, frozenset[str]]:
    """The tag and classes of the selector's last compound (outside any parentheses)."""
    depth, start = 0, 0
    for i, char in enumerate(selector):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and char in " >+~":
            start = i + 1
    last = re.sub(r"\([^()]*(\([^()]*\))*[^()]*\)", "", selector[start:])
    tag = re.match(r"[a-z][a-z0-9]*", last)
    return (tag.group(0) if tag else None), frozenset(re.findall(r"\.([\w-]+)", last))


@cache
def stylesheet_rules(path: Path = STYLESHEET) -> tuple[Rule, ...]:
    """The qualified rules of the stylesheet, one per selector of each comma list."""
    import tinycss2

    sheet = tinycss2.parse_stylesheet(path.read_text(encoding="utf-8"), skip_comments=True,
                                      skip_whitespace=True)
    rules: list[Rule] = []
    for rule in sheet:
        if rule.type != "qualified-rule":
            continue
        declarations = _declarations(rule.content)
        for selector in _selectors(rule.prelude):
            own = declarations
            if _AFTER_SPAN.search(selector) and "border-top" in declarations:
                selector, own = _AFTER_SPAN.sub("", selector), {"x-rule": "below"}
            elif "::" in selector:
                continue  # other generated content draws nothing Word needs
            selector = _HAS_COLUMNS.sub("." + COLUMN_MARK.format(r"\1"), selector)
            rules.append(Rule(selector, _specificity(selector), len(rules), own,
                              *_key(selector)))
    return tuple(rules)


def _declarations(tokens) -> dict[str, str]:
    import tinycss2

    found = tinycss2.parse_declaration_list(tokens, skip_comments=True, skip_whitespace=True)
    return {d.lower_name: tinycss2.serialize(d.value).strip() for d in found
            if d.type == "declaration"}


def _selectors(prelude) -> list[str]:
    """The selectors of a comma list (commas inside :is(...) or :has(...) stay)."""
    import tinycss2

    parts: list[list] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return [s for s in (tinycss2.serialize(p).strip() for p in parts) if s]


def _specificity(selector: str) -> tuple[int, int, int]:
    bare = re.sub(r"::[\w-]+", "", selector)
    ids = bare.count("#")
    classes = len(re.findall(r"\.[\w-]+|\[|:(?!is\(|has\(|not\(|where\()[\w-]+", bare))
    types = len(re.findall(r"(?:^|[\s>+~(,])([a-z][a-z0-9]*)", bare))
    return ids, classes, types


def matched_declarations(root) -> dict[int, dict[str, str]]:
    """id(element) -> its declarations after the cascade, for every element under `root`
    (a BeautifulSoup tree) that a rule or an inline style matches. Each element is tried
    only against the rules whose last compound it could be (as browsers do)."""
    rules = _compiled_rules()
    out: dict[int, dict[str, str]] = {}
    for element in root.find_all(True):
        classes = set(element.get("class") or ())
        matches = [(r.specificity, r.order, r.declarations) for r, compiled in rules
                   if r.may_match(element.name, classes) and compiled.match(element)]
        declared = _cascade(matches) if matches else {}
        if element.get("style"):
            declared = {**declared, **_inline(element["style"])}
        if declared:
            out[id(element)] = declared
    return out


@cache
def _compiled_rules() -> tuple[tuple[Rule, object], ...]:
    """The rules with their compiled selectors; a selector soupsieve refuses is left out
    (today: the page-break rules across outputs, `:has(+ .tthc-output > ...)`)."""
    import soupsieve

    compiled = []
    for rule in stylesheet_rules():
        try:
            compiled.append((rule, soupsieve.compile(rule.selector)))
        except soupsieve.SelectorSyntaxError:
            continue
    return tuple(compiled)


def _cascade(matches: list[tuple]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for _, _, declarations in sorted(matches, key=lambda m: (m[0], m[1])):
        merged.update(declarations)
    return merged


def _inline(style: str) -> dict[str, str]:
    import tinycss2

    return _declarations(tinycss2.parse_component_value_list(style))


# ---------------------------------------------------------------- the tree

CELL_TAGS = ("td", "th")


def parse_html(fragment: str) -> Node:
    """The fragment as a tree of Nodes, parsed by BeautifulSoup inside the HTML report's
    wrappers (so that `.tthc-page p` matches), each element with its report.css look.
    Entities are decoded (`&lt;script&gt;` is the text "<script>"); comments, doctypes and
    CDATA are not text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(f'<div class="tthc-page"><div class="tthc-output">{fragment}</div>'
                         "</div>", "html.parser")
    _mark_columns(soup)
    declared = matched_declarations(soup)
    return _node(soup.div.div, "root", declared)


@cache
def _column_marks() -> tuple[int, ...]:
    return tuple(sorted({int(n) for rule in stylesheet_rules()
                         for n in re.findall(COLUMN_MARK.format(r"(\d+)"), rule.selector)}))


def _mark_columns(soup) -> None:
    """Mark each table whose widest body row has at least N cells with x-columns-N."""
    for table in soup.find_all("table"):
        rows = [tr for body in table.find_all("tbody", recursive=False)
                for tr in body.find_all("tr", recursive=False)]
        rows += table.find_all("tr", recursive=False)  # a browser puts these in a tbody
        widest = max((len(tr.find_all(["td", "th"], recursive=False)) for tr in rows), default=0)
        marks = [COLUMN_MARK.format(n) for n in _column_marks() if widest >= n]
        if marks:
            table["class"] = [*(table.get("class") or []), *marks]


def _node(tag, name: str, declared: dict) -> Node:
    from bs4 import NavigableString, Tag

    children: list = []
    for child in tag.children:
        if isinstance(child, Tag):
            children.append(_node(child, child.name, declared))
        elif type(child) is NavigableString:  # not a Comment, Doctype, CData ...
            children.append(str(child))
    attrs = {k: " ".join(v) if isinstance(v, list) else (v or "") for k, v in tag.attrs.items()}
    css = look_from_css(declared.get(id(tag), {}), cell=name in CELL_TAGS)
    return Node(name, attrs, children, css)


# ---------------------------------------------------------------- declarations -> a Look

def look_from_css(css: dict[str, str], cell: bool = False) -> Look:
    """The Look the declarations ask for (properties Word has no use for are left out). A
    table cell's padding is its cell margin, not space around its paragraphs."""
    before, after = _margins(css, cell)
    values = {
        "bold": _choice(css.get("font-weight"), {"bold": True, "700": True, "normal": False,
                                                 "400": False}),
        "italic": _choice(css.get("font-style"), {"italic": True, "normal": False}),
        "size": _pt(css.get("font-size")),
        "align": _choice(css.get("text-align"), {a: a for a in ("left", "right", "center",
                                                                "justify")}),
        "indent": _cm(css.get("text-indent")),
        "before": before, "after": after,
        "caps": _choice(css.get("text-transform"), {"uppercase": True, "none": False}),
        "page_break": _choice(css.get("break-before"), {"page": True}),
        "keep_next": _choice(css.get("break-after"), {"avoid": True}),
        "skip": _choice(css.get("display"), {"none": True}),
        "underline": True if "solid" in css.get("border-bottom", "") else None,
        "shade": _colour(css.get("background") or css.get("background-color")),
        "rule": True if css.get("x-rule") else None,
        "padding": _horizontal_padding(css.get("padding")),
    }
    if _pt(css.get("height")):  # an empty block that keeps a space (the space to sign)
        values.update(before=_pt(css["height"]), force=True)
    return Look(**{k: v for k, v in values.items() if v is not None})


def _choice(value: str | None, choices: dict):
    return None if value is None else choices.get(value.strip().lower())


def _pt(value: str | None) -> float | None:
    match = _LENGTH.match((value or "").strip())
    if not match or (match.group(2) is None and float(match.group(1)) != 0):
        return None
    return round(float(match.group(1)) * PT_PER[match.group(2) or "pt"], 2)


def _cm(value: str | None) -> float | None:
    pt = _pt(value)
    return None if pt is None else round(pt * 2.54 / 72, 3)


def _box(value: str | None) -> list[str]:
    """A margin / padding shorthand as its four sides: top, right, bottom, left."""
    parts = (value or "").split()
    if not 1 <= len(parts) <= 4:
        return []
    if len(parts) == 1:
        return parts * 4
    if len(parts) == 2:
        return parts * 2
    return [*parts, parts[1]] if len(parts) == 3 else parts


def _margins(css: dict[str, str], cell: bool) -> tuple[float | None, float | None]:
    sides = _box(css.get("margin"))
    before = _pt(css.get("margin-top")) if "margin-top" in css else (
        _pt(sides[0]) if sides else None)
    after = _pt(css.get("margin-bottom")) if "margin-bottom" in css else (
        _pt(sides[2]) if sides else None)
    if before is None:
        before = _pt(css.get("padding-top"))
    if after is None and not cell:
        after = _pt(css.get("padding-bottom")) or (_pt(_box(css.get("padding"))[2])
                                                    if _box(css.get("padding")) else None)
    return before, after


def _horizontal_padding(value: str | None) -> float | None:
    sides = _box(value)
    return _pt(sides[1]) if sides else None


def _colour(value: str | None) -> str | None:
    match = re.fullmatch(r"#([0-9a-fA-F]{6})", (value or "").strip())
    return match.group(1).upper() if match else None
