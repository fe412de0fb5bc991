"""Executed section notebooks -> one report as a self-contained HTML page (our nbconvert
template). Beside it in render/: fonts (the embedded serif), pdf (Chromium printers), index
(the index page), docx (the Word file).

Every file written here opens offline, from an e-mail attachment: fonts and images are data
URIs, nothing is fetched, no script runs (a Content-Security-Policy says so to the browser).
Files are written through the one atomic writer (tthc_lib.atomic).
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

import nbformat

from tthc_lib.atomic import write_bytes_atomic
from tthc_lib.content.layout import ReportMeta, closing_html, header_html
from tthc_lib.errors import ReportError
from tthc_lib.render.fonts import font_css

TEMPLATES = Path(__file__).parent.parent / "templates"
TEMPLATE_NAME = "tthc"
# Display outputs worth showing, best first; text/plain (reprs) and scripts are never shown.
OUTPUT_PRIORITY = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown"]


# ---------------------------------------------------------------- HTML report

def render_html(notebooks: list[nbformat.NotebookNode], out: Path, meta: ReportMeta) -> Path:
    """Write the report of the executed `notebooks` (in order) to `out` as one self-contained
    HTML page and return its path. Only display outputs are shown; if no notebook displayed
    the header (closing) block of `meta`, it is added at the top (end)."""
    nb = merge_notebooks(notebooks)
    add_frame(nb, meta)
    with warnings.catch_warnings():  # outputs without a shown type (scripts) are dropped
        warnings.filterwarnings("ignore", message="Your element with mimetype")
        body, _ = _exporter().from_notebook_node(nb, resources={"tthc": _page_resources(meta)})
    write_bytes_atomic(Path(out), body.encode("utf-8"))
    return Path(out)


def merge_notebooks(notebooks: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """One notebook holding the cells of all; refuses a notebook that stopped on an error."""
    if not notebooks:
        raise ReportError("Không có phần nào để dựng báo cáo.")
    cells = []
    for number, nb in enumerate(notebooks, start=1):
        _check_no_error(nb, _section_name(nb, number))
        cells.extend(nb.cells)
    return nbformat.v4.new_notebook(cells=cells, metadata={"language_info": {"name": "python"}})


def _section_name(nb: nbformat.NotebookNode, number: int) -> str:
    path = nb.metadata.get("papermill", {}).get("input_path")
    return Path(path).stem if path else f"thứ {number}"


def _check_no_error(nb: nbformat.NotebookNode, section: str) -> None:
    for index, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                # The error's value is left out: it could quote data (personal data rule).
                raise ReportError(
                    f"Phần {section} của báo cáo bị lỗi khi chạy (ô {index}: "
                    f"{output.get('ename', 'lỗi')}); xem notebook đã chạy.",
                    section=section,
                )


def add_frame(nb: nbformat.NotebookNode, meta: ReportMeta) -> None:
    """Add the header / closing block when no notebook displayed it."""
    shown = "".join(
        str(output.get("data", {}).get("text/html", ""))
        for cell in nb.cells for output in cell.get("outputs", [])
    )
    if 'class="tthc-header"' not in shown:
        nb.cells.insert(0, _html_cell(header_html(meta)))
    if 'class="tthc-closing"' not in shown:
        nb.cells.append(_html_cell(closing_html(meta)))


def _html_cell(html: str) -> nbformat.NotebookNode:
    output = nbformat.v4.new_output("display_data", data={"text/html": html})
    return nbformat.v4.new_code_cell(source="", outputs=[output])


@cache
def _exporter():
    """One exporter per process: building it compiles the templates (~0.1 s a report)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove_output"}
    config.NbConvertBase.display_data_priority = OUTPUT_PRIORITY
    return HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def _page_resources(meta: ReportMeta) -> dict:
    subject = " ".join(meta.subject.split())
    return {"title": f"{meta.title.capitalize()} {subject}", "font_css": font_css(),
            "css": static_text("report.css")}


def static_text(name: str) -> str:
    """A file of our nbconvert template (report.css, index.css) as text."""
    return (TEMPLATES / TEMPLATE_NAME / name).read_text(encoding="utf-8")

