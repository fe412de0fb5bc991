"""Where our nbconvert template lives, and its static files (report.css, index.css) as text.
A module of its own so that the index page is written without importing nbformat."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).parent.parent / "templates"
TEMPLATE_NAME = "tthc"


def static_text(name: str) -> str:
    """A file of our nbconvert template (report.css, index.css) as text."""
    return (TEMPLATES / TEMPLATE_NAME / name).read_text(encoding="utf-8")
