"""The project's documentation is its own: every citation of a spec points into docs/, to a
section that exists, and no tracked file cites a path outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = ("indicators", "input-format", "structure", "report-layout", "interfaces")

# A citation of a section: "docs/indicators.md § Rates".
SECTION = re.compile(r"docs/([\w-]+\.md) § ")
# A spec page named without docs/ (outside docs/ itself, where pages link each other).
BARE_PAGE = re.compile(r"(?<![\w./-])(?:" + "|".join(PAGES) + r")\.md\b")
# The spec and seed that lie beside the repository, by any path.
OUTSIDE = re.compile(r"shared/(?:spec|seed)\b|\.\./(?:seed|shared)/")
# Markdown links between pages: [text](page.md#anchor).
LINK = re.compile(r"\]\(([\w./-]+\.md)(?:#([^)\s]+))?\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def tracked_texts() -> dict[str, str]:
    """Every tracked text file of the repository (path -> text); binary files are left out."""
    try:
        names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                               check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    out = {}
    for name in filter(None, names):
        path = ROOT / name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue
        out[name] = data.decode("utf-8", errors="replace")
    return out


def headings(page: str) -> list[str]:
    path = DOCS / page
    return HEADING.findall(path.read_text(encoding="utf-8")) if path.is_file() else []


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def cited_section_is_a_heading(page: str, rest: str) -> bool:
    """`rest` (the text after "§ ") starts with a heading of `page`, whole words."""
    for heading in headings(page):
        if rest.startswith(heading) and not rest[len(heading):len(heading) + 1].isalnum():
            return True
    return False


def test_every_spec_page_is_in_docs():
    for page in (*PAGES, "profiles"):
        assert (DOCS / f"{page}.md").is_file(), page
        assert headings(f"{page}.md"), page


def test_no_tracked_file_cites_a_path_outside_the_repository():
    found = [f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
             for name, text in tracked_texts().items() if name != "tests/test_docs.py"
             for m in OUTSIDE.finditer(text)]
    assert found == []


def test_spec_pages_are_cited_as_docs_files():
    found = [f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
             for name, text in tracked_texts().items()
             if not name.startswith("docs/") and name != "tests/test_docs.py"
             for m in BARE_PAGE.finditer(text)]
    assert found == []


def test_every_cited_section_exists():
    bad = []
    for name, text in tracked_texts().items():
        for m in SECTION.finditer(text):
            page, rest = m.group(1), text[m.end():m.end() + 200]
            if not cited_section_is_a_heading(page, rest):
                line = text.count("\n", 0, m.start()) + 1
                bad.append(f"{name}:{line}: docs/{page} § {rest.splitlines()[0][:60]}")
    assert bad == []


def test_links_between_pages_reach_their_anchor():
    bad = []
    for page in sorted(DOCS.glob("*.md")):
        for m in LINK.finditer(page.read_text(encoding="utf-8")):
            target, anchor = (page.parent / m.group(1)).resolve(), m.group(2)
            if not target.is_file():
                bad.append(f"{page.name}: {m.group(1)}")
            elif anchor and anchor not in {slug(h) for h in headings(target.name)} \
                    and target.parent == DOCS:
                bad.append(f"{page.name}: {m.group(1)}#{anchor}")
    assert bad == []


def test_the_readme_links_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in (*PAGES, "profiles"):
        assert f"docs/{page}.md" in readme, page


def test_the_checks_find_what_they_look_for():
    assert not cited_section_is_a_heading("indicators.md", "Rate)")
    assert cited_section_is_a_heading("indicators.md", "Rates).")
    assert OUTSIDE.search("see ../shared/spec/indicators.md")
    assert BARE_PAGE.search("(input-format.md, Bad input)")
    assert not BARE_PAGE.search("docs/input-format.md § Rows set aside")
    assert slug("Read = loaded + set aside + duplicates") == "read--loaded--set-aside--duplicates"
    assert slug("Biểu 06") == "biểu-06"
