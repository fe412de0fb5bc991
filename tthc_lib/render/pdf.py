"""A report's HTML file -> A4 PDF, printed by Debian's Chromium (through Playwright when
installed, else its command line). PDFs are written atomically."""

from __future__ import annotations

import atexit
import importlib.util
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from tthc_lib.atomic import atomic_path
from tthc_lib.errors import ReportError

if TYPE_CHECKING:
    from typing_extensions import Self

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
)


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
