"""The output formats of a report, one entry each: adding a format is one `register_format`.

A format names its file (`{unit}{extension}` in the period folder), the label of its link on
the index page, and how it is made: `render(notebooks, out, meta) -> Path` from the executed
section notebooks, or, with `browser`, printed by Chromium from the unit's HTML report (the
worker's long-lived browser, or the one of the process running the batch). The batch's file
names, `tthc report --to`, the worker's rendering, the index's links and the manifest's
record all read this registry. Light to import: a renderer's module is imported when it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BASE_FORMAT", "DEFAULT_FORMATS", "FORMATS", "OutputFormat", "format_names", "register_format",
           "unregister_format"]

BASE_FORMAT = "html"  # always rendered first: the index's first link, what the browser prints
DEFAULT_FORMATS = ("html", "pdf")  # tthc report without --to


@dataclass(frozen=True)
class OutputFormat:
    name: str                       # as given to --to, and the manifest's key
    extension: str                  # ".html": the unit's file is {unit}{extension}
    label: str                      # the link's text on the index page
    render: Callable | None = None  # (notebooks, out, meta) -> Path; None when `browser`
    browser: bool = False           # printed by the browser from the unit's HTML report


def _html(notebooks: list, out: Path, meta) -> Path:
    from tthc_lib.render.html import render_html

    return render_html(notebooks, out, meta)


def _docx(notebooks: list, out: Path, meta) -> Path:
    from tthc_lib.render.docx import render_docx

    return render_docx(notebooks, out, meta)


FORMATS: dict[str, OutputFormat] = {}  # in rendering and link order


def register_format(fmt: OutputFormat) -> None:
    """Add (or replace) an output format."""
    if (fmt.render is None) == (not fmt.browser):
        raise ValueError(f"format {fmt.name!r}: either a renderer or printed by the browser")
    FORMATS[fmt.name] = fmt


def unregister_format(name: str) -> None:
    if name == BASE_FORMAT:
        raise ValueError("the HTML report is what every other format is made beside")
    FORMATS.pop(name, None)


def format_names() -> tuple[str, ...]:
    return tuple(FORMATS)


register_format(OutputFormat("html", ".html", "HTML", _html))
register_format(OutputFormat("pdf", ".pdf", "PDF", browser=True))
register_format(OutputFormat("docx", ".docx", "DOCX", _docx))
