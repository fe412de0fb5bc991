"""Executed section notebooks -> one report as HTML (self-contained) and A4 PDF; the index page.

Every file written here opens offline, from an e-mail attachment: fonts and images are data
URIs, nothing is fetched, no script runs (a Content-Security-Policy says so to the browser).
Files are written through the one atomic writer (tthc_lib.atomic).
"""

from __future__ import annotations

import atexit
import base64
import importlib.util
import io
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import warnings
from concurrent.futures import Future
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import nbformat

from tthc_lib.atomic import atomic_path, write_bytes_atomic
from tthc_lib.content.formatting import fmt_decimal, fmt_int
from tthc_lib.content.layout import ReportMeta, closing_html, header_html
from tthc_lib.errors import ReportError

if TYPE_CHECKING:
    from typing_extensions import Self

TEMPLATES = Path(__file__).parent.parent / "templates"
TEMPLATE_NAME = "tthc"
# Display outputs worth showing, best first; text/plain (reprs) and scripts are never shown.
OUTPUT_PRIORITY = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown"]
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
)
LEVEL_LABELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}


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
            "css": _static("report.css")}


def _static(name: str) -> str:
    return (TEMPLATES / TEMPLATE_NAME / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- fonts

FONT_FAMILY = "TTHC Serif"
# (css weight, css style) -> file name stem per known family, Times-metric with Vietnamese.
FONT_FILES = {
    "Liberation Serif": {
        (400, "normal"): "LiberationSerif-Regular.ttf", (700, "normal"): "LiberationSerif-Bold.ttf",
        (400, "italic"): "LiberationSerif-Italic.ttf",
        (700, "italic"): "LiberationSerif-BoldItalic.ttf",
    },
    "Tinos": {
        (400, "normal"): "Tinos-Regular.ttf", (700, "normal"): "Tinos-Bold.ttf",
        (400, "italic"): "Tinos-Italic.ttf", (700, "italic"): "Tinos-BoldItalic.ttf",
    },
    "Times New Roman": {
        (400, "normal"): "times.ttf", (700, "normal"): "timesbd.ttf",
        (400, "italic"): "timesi.ttf", (700, "italic"): "timesbi.ttf",
    },
}
FONT_DIRS = (
    "/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/croscore", "/usr/share/fonts/liberation-serif-fonts",
    "/usr/share/fonts/liberation-serif", "/usr/share/fonts/google-croscore",
    "/usr/share/fonts/TTF", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
    "/Library/Fonts", "~/Library/Fonts", os.path.join(os.environ.get("WINDIR", "C:/Windows"), "Fonts"),
)
VIETNAMESE_SAMPLE = "ĂÂĐÊÔƠƯăâđêôơư" + "ẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸỹ"
# Latin, Vietnamese, combining marks, punctuation, currency, arrows, maths, boxes.
SUBSET_RANGES = ((0x20, 0x24F), (0x2B0, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F),
                 (0x20A0, 0x20CF), (0x2100, 0x22FF), (0x25A0, 0x25FF))


@lru_cache(maxsize=1)
def font_css() -> str:
    """@font-face rules of "TTHC Serif" (four faces) as data URIs; found once per process."""
    faces = _find_font_faces()
    return "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
        f"font-style: {style}; src: url(data:font/woff;base64,{_font_data(path)}) "
        'format("woff"); }'
        for (weight, style), path in faces.items()
    )


def _find_font_faces() -> dict[tuple[int, str], Path]:
    """The four faces of the first known Times-metric family installed with full Vietnamese."""
    for family, files in FONT_FILES.items():
        faces = {key: _locate(family, name) for key, name in files.items()}
        if all(faces.values()) and all(map(_covers_vietnamese, faces.values())):
            return faces
    raise ReportError(
        "Không tìm thấy phông chữ Times (có đủ tiếng Việt) để nhúng vào báo cáo: cài "
        "fonts-liberation2 hoặc fonts-croscore (Debian), hoặc phông Times New Roman."
    )


def _locate(family: str, file_name: str) -> Path | None:
    for folder in FONT_DIRS:
        path = Path(folder).expanduser() / file_name
        if path.is_file():
            return path
    return _fc_list(family).get(file_name.lower())


@cache
def _fc_list(family: str) -> dict[str, Path]:
    """Font files of `family` known to fontconfig, by lower-case file name ({} without it)."""
    if not shutil.which("fc-list"):
        return {}
    try:
        listing = subprocess.run(["fc-list", family, "file"], capture_output=True, text=True,
                                 timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    paths = [Path(line.split(":")[0].strip()) for line in listing.splitlines() if line.strip()]
    return {path.name.lower(): path for path in paths}


def _covers_vietnamese(path: Path) -> bool:
    from fontTools.ttLib import TTFont

    cmap = TTFont(path, lazy=True).getBestCmap() or {}
    return all(ord(char) in cmap for char in VIETNAMESE_SAMPLE)


def _font_data(path: Path) -> str:
    """The face cut to the characters of Vietnamese reports, as base64 WOFF."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False
    options.layout_features = ["*"]
    options.drop_tables += ["FFTM"]  # FontForge's timestamp: unknown to the subsetter
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for lo, hi in SUBSET_RANGES for c in range(lo, hi + 1)])
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# ---------------------------------------------------------------- PDF

class PdfPrinter:
    """Prints a report's HTML file to an A4 PDF with Chromium. Subclasses implement `_print`;
    a printer may keep its browser between calls: use it from one thread, then `close()`."""

    def print(self, html: Path, pdf: Path) -> Path:
        """Write `pdf` (atomically) from the HTML file `html`; return `pdf`."""
        html, pdf = Path(html).resolve(), Path(pdf)
        if not html.is_file():
            raise ReportError(f"Không có tệp HTML để in PDF: {html.name}", path=str(html))
        with atomic_path(pdf) as tmp:
            self._print(html, tmp)
            if not tmp.is_file() or tmp.stat().st_size == 0:
                raise ReportError(f"Chromium không tạo được tệp PDF {pdf.name}.", path=str(pdf))
        return pdf

    def _print(self, html: Path, pdf: Path) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Release the browser, if any."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ChromiumCliPrinter(PdfPrinter):
    """One headless Chromium process per file (`--print-to-pdf`): no Python dependency."""

    def _print(self, html: Path, pdf: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="tthc-chromium-") as profile:
            command = [chromium_path(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                       f"--print-to-pdf={pdf}", html.as_uri()]
            try:
                subprocess.run(command, capture_output=True, timeout=300, check=True)
            except (subprocess.SubprocessError, OSError) as exc:
                raise ReportError(f"Chromium không in được {html.name} ra PDF ({type(exc).__name__}).",
                                  path=str(html)) from None


class PlaywrightPrinter(PdfPrinter):
    """One headless Chromium kept open through Playwright, a new page per file. Playwright's
    sync API belongs to the thread that started it, so the browser lives in a thread of its
    own: any thread may print (one file at a time), and callers may use Playwright too."""

    def __init__(self) -> None:
        self._thread: _BrowserThread | None = None
        self._lock = threading.Lock()

    def _print(self, html: Path, pdf: Path) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = _BrowserThread()
        self._thread.call(self._thread.print_page, html, pdf)

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.stop()


class _BrowserThread:
    """A daemon thread owning a Playwright Chromium; `call` runs a function there and returns
    its result (or raises its exception)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._playwright = self._browser = None
        threading.Thread(target=self._serve, name="tthc-pdf", daemon=True).start()

    def call(self, function, *args):
        future: Future = Future()
        self._jobs.put((future, function, args))
        return future.result()

    def stop(self) -> None:
        self.call(self._close)
        self._jobs.put(None)

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, function, args = job
            try:
                future.set_result(function(*args))
            except Exception as exc:  # noqa: BLE001 - re-raised in the calling thread
                future.set_exception(exc)

    def print_page(self, html: Path, pdf: Path) -> None:
        page = self._open().new_page()
        try:
            page.goto(html.as_uri(), wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        finally:
            page.close()

    def _open(self):
        if self._browser is None:
            from playwright.sync_api import Error, sync_playwright

            executable = chromium_path()
            self._playwright = sync_playwright().start()
            try:
                self._browser = self._playwright.chromium.launch(
                    executable_path=executable, args=list(CHROMIUM_FLAGS[1:]))
            except Error as exc:
                self._close()
                first_line = (str(exc).strip().splitlines() or [""])[0]
                raise ReportError(f"Không mở được Chromium ({executable}) để in PDF: "
                                  f"{first_line}") from None
        return self._browser

    def _close(self) -> None:
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()
        self._browser = self._playwright = None


PRINTERS = {"playwright": PlaywrightPrinter, "chromium": ChromiumCliPrinter}


def open_printer(kind: str | None = None) -> PdfPrinter:
    """A PDF printer: `kind` from PRINTERS; by default Playwright if installed, else the
    Chromium command line. Use it as a context manager to print many reports with one browser."""
    if kind is None:
        kind = "playwright" if importlib.util.find_spec("playwright") else "chromium"
    return PRINTERS[kind]()


_default: dict[str, PdfPrinter] = {}
_default_lock = threading.Lock()


def default_printer() -> PdfPrinter:
    """The printer `html_to_pdf` uses when given none: opened on first use, kept for the next
    reports of the process (from any thread), closed at exit."""
    with _default_lock:
        if "printer" not in _default:
            _default["printer"] = open_printer()
        return _default["printer"]


def html_to_pdf(html: Path, pdf: Path, printer: PdfPrinter | None = None) -> Path:
    """Print the report `html` to the A4 PDF `pdf` (atomically) and return `pdf`; without a
    `printer`, with `default_printer()`."""
    return (printer or default_printer()).print(html, pdf)


@atexit.register
def _close_default_printer() -> None:
    with _default_lock:
        printer = _default.pop("printer", None)
    if printer is not None:
        printer.close()


def chromium_path() -> str:
    """The Chromium executable: $TTHC_CHROMIUM, else the first of chromium / chrome on PATH."""
    names = [os.environ.get("TTHC_CHROMIUM", ""), "chromium", "chromium-browser",
             "google-chrome", "google-chrome-stable"]
    for name in filter(None, names):
        found = shutil.which(name)
        if found:
            return found
    raise ReportError("Không tìm thấy Chromium để in PDF: cài gói chromium "
                      "(Debian: apt-get install chromium) hoặc đặt biến TTHC_CHROMIUM.")


# ---------------------------------------------------------------- index page

@dataclass(frozen=True)
class IndexEntry:
    """One unit's line on the index page; rates in percent (85.73) or None when undefined;
    `html`/`pdf` absolute or relative to the index folder, None when not produced."""

    unit_code: str
    unit_name: str
    level: str
    received_total: int
    resolved_total: int
    early_rate: float | None
    on_time_rate: float | None
    late_rate: float | None
    online_rate: float | None
    html: Path | None = None
    pdf: Path | None = None


def write_index(out_dir: Path, period_label: str, entries: list[IndexEntry]) -> Path:
    """Write out_dir/index.html listing every unit with its key figures and relative links
    to its report files; return its path."""
    out_dir = Path(out_dir)
    rows = [_index_row(entry, out_dir) for entry in entries]
    page = _jinja().get_template("index_page.html.j2").render(
        period_label=period_label, rows=rows, font_css=font_css(), css=_static("index.css"))
    out = out_dir / "index.html"
    write_bytes_atomic(out, page.encode("utf-8"))
    return out


def _index_row(entry: IndexEntry, out_dir: Path) -> dict:
    return {
        "name": entry.unit_name, "code": entry.unit_code,
        "level": LEVEL_LABELS.get(entry.level, entry.level),
        "received": format_count(entry.received_total),
        "resolved": format_count(entry.resolved_total),
        "early": format_rate(entry.early_rate), "on_time": format_rate(entry.on_time_rate),
        "late": format_rate(entry.late_rate), "online": format_rate(entry.online_rate),
        "html": _link(entry.html, out_dir), "pdf": _link(entry.pdf, out_dir),
    }


def _link(path: Path | None, out_dir: Path) -> str | None:
    if path is None:
        return None
    path = Path(path)
    target = path if path.is_absolute() else out_dir / path
    return quote(Path(os.path.relpath(target, out_dir)).as_posix())


def _jinja():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES / TEMPLATE_NAME)),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
    )


def format_count(value: int | None) -> str:
    """13372 -> "13.372" (Babel's vi locale); None -> "–"."""
    return "–" if value is None else fmt_int(int(value))


def format_rate(value: float | None, places: int = 1) -> str:
    """85.73 -> "85,7%" (halves away from zero, from the value's decimal text); None -> "–"."""
    return "–" if value is None else fmt_decimal(Decimal(str(value)), places) + "%"
