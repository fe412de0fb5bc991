"""A report's HTML file -> A4 PDF, printed by Debian's Chromium (through Playwright when
installed, else its command line). PDFs are written atomically."""

from __future__ import annotations

import asyncio
import atexit
import html as html_lib
import importlib.util
import re
import subprocess
import tempfile
import threading
from abc import ABC, abstractmethod
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from tthc_lib.atomic import atomic_path, write_bytes_atomic
from tthc_lib.errors import ReportError
from tthc_lib.render.browser import MISSING_BROWSER, find_browser

__all__ = ["CHROMIUM_FLAGS", "PRINTERS", "chromium_path", "default_printer", "html_to_pdf",
           "open_printer"]

if TYPE_CHECKING:
    from typing_extensions import Self

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
)
SCREEN = {"width": 800, "height": 100}  # CSS px of the (unused) screen view while printing


class PdfPrinter(ABC):
    """Prints a report's HTML file to an A4 PDF with Chromium. Subclasses implement `submit`
    (and may print several files at once); a printer may keep its browser between calls:
    `close()` it at the end."""

    def print(self, html: Path, pdf: Path) -> Path:
        """Write `pdf` (atomically) from the HTML file `html`; return `pdf`."""
        return self.submit(html, pdf).result()

    @abstractmethod
    def submit(self, html: Path, pdf: Path) -> Future:
        """Start printing `html` to `pdf`; the future's result is `pdf`, once written whole
        (or the print's ReportError)."""

    def start(self) -> None:
        """Open the browser now, without waiting, if this printer keeps one."""

    def close(self) -> None:
        """Release the browser, if any."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _checked(html: Path, pdf: Path) -> tuple[Path, Path]:
    html, pdf = Path(html).resolve(), Path(pdf)
    if not html.is_file():
        raise ReportError(f"Không có tệp HTML để in PDF: {html.name}", path=str(html))
    return html, pdf


def _check_written(data: bytes, pdf: Path) -> None:
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise ReportError(f"Chromium không tạo được tệp PDF {pdf.name}.", path=str(pdf))


class ChromiumCliPrinter(PdfPrinter):
    """One headless Chromium process per file (`--print-to-pdf`): no Python dependency."""

    def submit(self, html: Path, pdf: Path) -> Future:
        """Start printing `html` to `pdf`; the future's result is `pdf`, once written whole
        (or the print's ReportError). Printed before returning."""
        future: Future = Future()
        try:
            html, pdf = _checked(html, pdf)
            with atomic_path(pdf) as tmp:
                self._print(html, tmp)
                _check_written(tmp.read_bytes() if tmp.is_file() else b"", pdf)
            future.set_result(pdf)
        except Exception as exc:  # noqa: BLE001 - the caller gets it from the future
            future.set_exception(exc)
        return future

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
    """One headless Chromium kept open through Playwright's async API, on an event loop in a
    thread of its own: one browser context and up to `pages` tabs, each reused from file to
    file (a new tab or context per file costs Chromium two to three times the CPU). Any
    thread may `submit`; up to `pages` files print at once, the others wait their turn. A
    browser that dies (crashed, killed) fails the prints under way and is started anew for
    the next ones."""

    def __init__(self, pages: int = 2) -> None:
        self.pages = max(1, int(pages))
        self._loop: _BrowserLoop | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        self._browser_loop().submit(lambda pool: pool.open())

    def submit(self, html: Path, pdf: Path) -> Future:
        try:
            html, pdf = _checked(html, pdf)
        except ReportError as exc:
            future: Future = Future()
            future.set_exception(exc)
            return future
        return self._browser_loop().submit(lambda pool: pool.print(html, pdf))

    @property
    def navigations(self) -> int:
        """How many reports were opened by their address rather than swapped into a tab."""
        loop = self._loop
        return loop.pool.navigations if loop is not None else 0

    @property
    def launches(self) -> int:
        """How many browsers this printer started (one, unless one died)."""
        loop = self._loop
        return loop.pool.launches if loop is not None else 0

    def _browser_loop(self) -> _BrowserLoop:
        with self._lock:
            if self._loop is None:
                self._loop = _BrowserLoop(self.pages)
            return self._loop

    def close(self) -> None:
        """Wait for the prints under way, then close the browser and end its thread."""
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            loop.stop()


class _BrowserLoop:
    """A daemon thread running an asyncio loop that owns a `_PagePool` (`pool`)."""

    def __init__(self, pages: int) -> None:
        self._loop = asyncio.new_event_loop()
        self.pool = _PagePool(pages)
        self._thread = threading.Thread(target=self._loop.run_forever, name="tthc-pdf",
                                        daemon=True)
        self._thread.start()

    def submit(self, make_coroutine) -> Future:
        """Run `make_coroutine(pool)` on the loop; a concurrent Future of its result."""
        return asyncio.run_coroutine_threadsafe(self.pool.track(make_coroutine(self.pool)),
                                                self._loop)

    def stop(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.pool.close(), self._loop).result()
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()


class _PagePool:
    """The browser, its context and its idle tabs; lives on the `_BrowserLoop`'s loop. At
    most `size` prints hold a tab at once (a slot each); a tab whose print failed is closed,
    and a browser found dead (crashed, killed) is launched anew for the next prints."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._playwright = self._browser = self._context = None
        self._opening = asyncio.Lock()  # bound to the loop on first use
        self._slots = asyncio.Semaphore(size)
        self._idle: list = []   # tabs of the current context, free for the next print
        self._heads: dict = {}  # tab -> the head (without its title) of the report it holds
        self._running: set[asyncio.Future] = set()
        self.navigations = 0  # files opened by address (the others were swapped into a tab)
        self.launches = 0     # browsers started

    async def track(self, coroutine):
        task = asyncio.ensure_future(coroutine)
        self._running.add(task)
        try:
            return await task
        finally:
            self._running.discard(task)

    async def print(self, html: Path, pdf: Path) -> Path:
        report = _split_report(await asyncio.to_thread(html.read_bytes))
        async with self._slots:
            page = await self._page()
            try:
                await self._load(page, html, report)
                data = await page.pdf(prefer_css_page_size=True, print_background=True)
            except Exception as exc:  # noqa: BLE001 - Playwright's errors: that file's failure
                self._heads.pop(page, None)
                await _discard(page)
                first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise ReportError(f"Chromium không in được {html.name} ra PDF: {first_line}",
                                  path=str(html)) from None
            self._idle.append(page)
        _check_written(data, pdf)
        return await asyncio.to_thread(write_bytes_atomic, pdf, data)

    async def _load(self, page, html: Path, report: tuple[str, str, str] | None) -> None:
        """Open `html` in the tab. A report whose head (styles, fonts) is the one the tab
        holds only has its title and body swapped in: the fonts stay parsed, and Chromium
        spares a navigation (a third of a print's CPU); the PDF is the same."""
        if report is not None and self._heads.get(page) == report[0]:
            await page.evaluate(SWAP_BODY, list(report[1:]))
            return
        self._heads.pop(page, None)
        self.navigations += 1
        await page.goto(html.as_uri(), wait_until="load")
        await page.evaluate(PRINT_ONLY)
        if report is not None:
            self._heads[page] = report[0]

    async def _page(self):
        """An idle tab of the current browser, or a new one (the caller holds a slot)."""
        context = await self.open()
        return self._idle.pop(0) if self._idle else await context.new_page()

    async def open(self):
        """The browser context, launching Chromium on first use and after it died."""
        async with self._opening:
            if self._browser is not None and not self._browser.is_connected():
                await self._forget_browser()
            if self._context is None:
                await self._launch()
        return self._context

    async def _launch(self) -> None:
        from playwright.async_api import Error, async_playwright

        executable = chromium_path()
        try:
            if self._playwright is None:
                self._playwright = await async_playwright().start()
            self._browser = await self._playwright.chromium.launch(
                executable_path=executable, args=list(CHROMIUM_FLAGS[1:]))
            self.launches += 1
            # The screen view is never looked at: a small viewport spares the compositor.
            self._context = await self._browser.new_context(viewport=SCREEN)
        except Error as exc:
            await self._shut()
            first_line = (str(exc).strip().splitlines() or [""])[0]
            raise ReportError(f"Không mở được Chromium ({executable}) để in PDF: "
                              f"{first_line}") from None

    async def _forget_browser(self) -> None:
        """Let go of a browser that is gone, and of its tabs (Playwright's driver stays)."""
        browser, self._browser, self._context = self._browser, None, None
        self._idle.clear()
        self._heads.clear()
        try:
            await browser.close()
        except Exception:  # noqa: BLE001, S110 - it is already gone
            pass

    async def close(self) -> None:
        current = asyncio.current_task()
        await asyncio.gather(*(t for t in self._running if t is not current),
                             return_exceptions=True)
        await self._shut()

    async def _shut(self) -> None:
        if self._browser is not None:
            await self._forget_browser()
        if self._playwright is not None:
            await self._playwright.stop()
        self._playwright = self._browser = self._context = None


# Once a report is open in a tab: every font face of its head loaded (not only those its first
# body used: the next bodies swapped in may need others), then the screen view hidden. Chromium
# then lays out and paints the body only for the print, not for a screen nobody looks at: a
# third less CPU a report, the same PDF (pixel-identical pages, tests/render/test_pdf.py).
PRINT_ONLY = """() => Promise.all([...document.fonts].map(face => face.load().catch(() => null)))
  .then(() => document.fonts.ready)
  .then(() => {
    const style = document.createElement("style");
    style.textContent = "@media screen { body { display: none !important; } }";
    document.head.append(style);
    return true;
  })"""
# The title and body of the next report into the tab; resolves once its images and fonts are in.
SWAP_BODY = """([title, body]) => {
  document.title = title;
  document.body.innerHTML = body;
  const images = [...document.images].map(image => image.decode().catch(() => null));
  return Promise.all(images).then(() => document.fonts.ready).then(() => true);
}"""
# What a body may not hold to be swapped in: anything resolved against the file's address.
_NEEDS_ADDRESS = re.compile(
    r"<(?:script|link|base|iframe|object|embed|frame)\b"
    r"|\b(?:href|src|srcset|poster|action|formaction)\s*=\s*(?![\"']?(?:#|data:))"
    r"|url\(\s*(?![\"']?data:)", re.IGNORECASE)


def _split_report(data: bytes) -> tuple[str, str, str] | None:
    """(the head without its title, the title, the body's inner HTML) of a report as
    render/html.py writes it, when its body depends on nothing but itself; else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    start, end = text.find("<body>"), text.rfind("</body>")
    title_at, title_end = text.find("<title>"), text.find("</title>")
    if not 0 <= title_at < title_end < start < end or text.count("<body") != 1:
        return None
    body = text[start + len("<body>"):end]
    if _NEEDS_ADDRESS.search(body) or text[end:].split() != ["</body>", "</html>"]:
        return None
    head = text[:title_at] + text[title_end:start]
    return head, html_lib.unescape(text[title_at + len("<title>"):title_end]), body


async def _discard(page) -> None:
    try:
        await page.close()
    except Exception:  # noqa: BLE001, S110 - a crashed tab may already be gone
        pass


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
    """The browser that prints: $TTHC_CHROMIUM, PATH, then Chrome, Edge or Chromium in the
    standard install folders of Windows and macOS (render.browser)."""
    found = find_browser()
    if found is None:
        raise ReportError(MISSING_BROWSER)
    return found
