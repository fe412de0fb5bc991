"""Executed section notebooks -> one report as a self-contained HTML page (our nbconvert
template). Beside it in render/: fonts (the embedded serif), pdf (Chromium printers), index
(the index page), docx (the Word file).

Every file written here opens offline, from an e-mail attachment: fonts and images are data
URIs, nothing is fetched, no script runs (a Content-Security-Policy says so to the browser).
Files are written through the one atomic writer (tthc_lib.atomic).
"""

from __future__ import annotations

import re
import warnings
from functools import cache
from pathlib import Path

import nbformat

from tthc_lib.atomic import write_bytes_atomic
from tthc_lib.content.words.layout import ReportMeta, closing_html, header_html
from tthc_lib.errors import ReportError
from tthc_lib.render.assets import TEMPLATE_NAME, TEMPLATES, static_text
from tthc_lib.render.fonts import font_css
from tthc_lib.xmltext import xml_safe

__all__ = ["IMG_WITHOUT_ALT", "NON_ASCII_REFERENCE", "TEMPLATES", "TEMPLATE_NAME", "add_frame",
           "characters", "merge_notebooks", "render_html"]

# Display outputs worth showing, best first; text/plain (reprs) and scripts are never shown.
NON_ASCII_REFERENCE = re.compile(r"&#([0-9]+|[xX][0-9a-fA-F]+);")
# An <img> tag with no alt attribute.
IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt\s*=)[^>]*>", re.IGNORECASE)
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
    write_bytes_atomic(Path(out), xml_safe(body).encode("utf-8"))
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
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove_output"}
    config.NbConvertBase.display_data_priority = OUTPUT_PRIORITY
    # The merged notebook is validated once, after every preprocessor, not after each one.
    config.Exporter.optimistic_validation = True
    exporter = _report_exporter_class()(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_filter("characters", characters)
    return exporter


def characters(html: str) -> str:
    """Numeric references to non-ASCII characters (`K&#7870;T`, which nbconvert's markdown
    writes) as the UTF-8 characters themselves (`KẾT`): the page reads and searches as text.
    ASCII references (`&#60;`) stay: they may stand for markup."""
    return NON_ASCII_REFERENCE.sub(_character, html)


def _character(match: re.Match) -> str:
    number = match.group(1)
    code = int(number[1:], 16) if number[:1] in "xX" else int(number)
    return chr(code) if 127 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match[0]


@cache
def _report_exporter_class():
    """nbconvert's HTMLExporter for our template, without its BeautifulSoup pass.

    That pass parses the whole page and writes it out again to give an alt text to images
    that have none and a tab stop to Jupyter's input and output areas. Our template has no
    Jupyter areas, and every image it writes carries an alt text (the chart's caption, or
    "Biểu đồ"), so the pass changed nothing but the spelling of the markup (`<br/>`, `'`
    for `&#x27;`) and cost about a fifth of a report's rendering. A page with an image
    without alt text (a notebook an analyst edited) still gets nbconvert's whole pass."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            """HTMLExporter.from_notebook_node up to its template output."""
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            if IMG_WITHOUT_ALT.search(html):  # an image of a notebook someone edited
                return super().from_notebook_node(nb, resources, **kw)
            return html, resources

    return ReportExporter


def _page_resources(meta: ReportMeta) -> dict:
    subject = " ".join(meta.subject.split())
    return {"title": f"{meta.title.capitalize()} {subject}", "font_css": font_css(),
            "css": static_text("report.css")}
