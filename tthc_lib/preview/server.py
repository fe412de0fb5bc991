"""`tthc preview`: the report of one unit at http://127.0.0.1:PORT/, reloaded on each change.

The page served is the report's HTML itself plus a small script that waits (long poll on
/__wait) for the next version and reloads the page's content; only the served copy's CSP lets that one script
(by nonce) and its request to this server through. Report files written by `tthc report` keep
their strict CSP. A watcher thread looks at the watched files every WATCH_SECONDS.
"""

from __future__ import annotations

import html
import re
import secrets
import threading
import time
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tthc_lib.errors import TthcError
from tthc_lib.periods import Period
from tthc_lib.preview.session import PreviewSession
from tthc_lib.workspace.find import Workspace

__all__ = ["serve", "start", "stop"]

WATCH_SECONDS = 0.1
SETTLE_SECONDS = 0.05   # an editor's save may truncate then write: read after it settles
WAIT_SECONDS = 20.0
HOST = "127.0.0.1"

# Waits for the next version, then puts the new page's body in place of the old one: the
# embedded fonts and styles of the head stay decoded, so the edit shows sooner than with a
# full reload (location.reload() only when the swap cannot be done).
RELOAD = """<script nonce="{nonce}">
(function () {{
  var version = {version};
  function swap(html) {{
    var doc = new DOMParser().parseFromString(html, "text/html");
    if (!doc.body) {{ location.reload(); return; }}
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
    document.documentElement.dataset.tthcVersion = String(version);
  }}
  function wait() {{
    fetch("/__wait?v=" + version, {{cache: "no-store"}})
      .then(function (r) {{ return r.json(); }})
      .then(function (d) {{
        if (d.version === version) {{ wait(); return; }}
        version = d.version;
        return fetch("/", {{cache: "no-store"}}).then(function (r) {{ return r.text(); }})
          .then(swap).then(wait);
      }})
      .catch(function () {{ setTimeout(wait, 1000); }});
  }}
  wait();
}})();
</script>"""
ERROR_PAGE = ("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Lỗi</title>"
              "</head><body><h1>Chưa dựng được báo cáo</h1><p>{error}</p><p>Sửa tệp rồi lưu: "
              "trang tự tải lại.</p></body></html>")
_CSP_META = re.compile(r'<meta[^>]*http-equiv="Content-Security-Policy"[^>]*>', re.IGNORECASE)
_CONTENT = re.compile(r'(content=")([^"]*)(")')


class Preview:
    """The session, the current page version and the clients waiting for the next one."""

    def __init__(self, session: PreviewSession):
        self.session = session
        self.version = 0
        self.changed = threading.Condition()
        self.stopped = threading.Event()
        self.log: list = []        # one Rebuild per refresh (benchmarks read it)

    def rebuild(self) -> None:
        result = self.session.refresh()
        self.log.append(result)
        with self.changed:
            self.version += 1
            self.changed.notify_all()

    def watch(self) -> None:
        while not self.stopped.wait(WATCH_SECONDS):
            try:
                if self.session.changed():
                    time.sleep(SETTLE_SECONDS)
                    self.rebuild()
            except TthcError:
                continue

    def page(self) -> str:
        nonce = secrets.token_urlsafe(16)
        body = self.session.html if self.session.error is None else \
            ERROR_PAGE.format(error=html.escape(self.session.error))
        body = _CSP_META.sub(lambda m: _CONTENT.sub(
            lambda c: c.group(1) + c.group(2) + f"; script-src 'nonce-{nonce}'; "
            "connect-src 'self'" + c.group(3), m.group(0), count=1), body, count=1)
        script = RELOAD.format(nonce=nonce, version=self.version)
        return body.replace("</body>", script + "</body>", 1) if "</body>" in body \
            else body + script

    def wait(self, seen: int) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen or self.stopped.is_set(),
                                  timeout=WAIT_SECONDS)
            return self.version


LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def host_allowed(host: str | None, port: int) -> bool:
    """A request names this server by a loopback name (with its port, or none): any other
    Host is a page of another site reaching the preview through DNS rebinding. A request
    without Host (HTTP/1.0) comes from no browser and is let through."""
    if host is None:
        return True
    host = host.strip().lower()
    name, sep, given = host.rpartition(":")
    if not sep or host.endswith("]"):            # no port (a bare IPv6 literal included)
        name, given = host, str(port)
    return name in LOCAL_HOSTS and given == str(port)


def _wait_version(query: str) -> int | None:
    """The version a /__wait request has seen: `v=N` (N >= -1), none given means -1."""
    values = parse_qs(query, keep_blank_values=True).get("v") or ["-1"]
    value = values[0] or "-1"
    if len(values) > 1 or not re.fullmatch(r"-?\d{1,18}", value):
        return None
    return int(value)


def _handler(preview: Preview):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if not host_allowed(self.headers.get("Host"), self.server.server_address[1]):
                self._send(403, "text/plain; charset=utf-8", "Chỉ mở được xem trước tại "
                           f"http://{HOST}:{self.server.server_address[1]}/ trên máy này.")
                return
            if not self.path.startswith("/") or self.path.startswith("//"):
                self._send(400, "text/plain; charset=utf-8", "Yêu cầu không hợp lệ.")
                return
            url = urlparse(self.path)
            if url.path == "/":
                self._send(200, "text/html; charset=utf-8", preview.page())
            elif url.path == "/__wait":
                seen = _wait_version(url.query)
                if seen is None:
                    self._send(400, "text/plain; charset=utf-8",
                               "Yêu cầu không hợp lệ: v phải là một số nguyên.")
                    return
                self._send(200, "application/json", f'{{"version": {preview.wait(seen)}}}')
            else:
                self._send(404, "text/plain; charset=utf-8", "Không có trang này.")

        def _send(self, code: int, kind: str, text: str) -> None:
            data = text.encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            try:
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                return                 # the browser went away (a reload, a closed tab)

        def log_message(self, *args):  # requests are not logged (the page holds the report)
            return

    return Handler


class _QuietServer(ThreadingHTTPServer):
    """A request that fails in an unforeseen way closes its connection without a traceback
    on the analyst's terminal (the page may hold the report's figures)."""

    def handle_error(self, request, client_address) -> None:
        return


def start(ws: Workspace, unit: str, period: Period, port: int = 0):
    """Build the report once, then serve and watch it in threads; returns (server, preview).
    Port 0 picks a free port. Stop with `stop(server, preview)`."""
    session = PreviewSession(ws, unit, period)
    preview = Preview(session)
    try:
        server = _QuietServer((HOST, port), _handler(preview))
    except OSError as exc:
        session.close()
        raise TthcError(f"Không mở được cổng {port} trên {HOST} ({exc.strerror}); hãy chọn "
                        "cổng khác bằng --port.") from None
    try:
        preview.rebuild()
    except BaseException:
        server.server_close()
        session.close()
        raise
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="tthc-preview-http", daemon=True).start()
    threading.Thread(target=preview.watch, name="tthc-preview-watch", daemon=True).start()
    return server, preview


def stop(server, preview: Preview) -> None:
    preview.stopped.set()
    with preview.changed:
        preview.changed.notify_all()
    server.shutdown()
    server.server_close()
    preview.session.close()


def serve(ws: Workspace, unit: str, period: Period, port: int = 8800, open_browser: bool = True,
          announce: Callable[[str], None] = print) -> None:
    """`tthc preview`: serve until Ctrl+C."""
    _check_unit(ws, unit)
    server, preview = start(ws, unit, period, port)
    url = f"http://{HOST}:{server.server_address[1]}/"
    announce(url)
    if open_browser:
        webbrowser.open(url)
    try:
        preview.stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(server, preview)


def _check_unit(ws: Workspace, unit: str) -> None:
    from tthc_lib.store.connection import open_store

    with open_store(ws.db, read_only=True) as con:
        found = con.execute("SELECT 1 FROM units WHERE unit_code = ?", [unit]).fetchone()
    if not found:
        raise TthcError(f"Không có đơn vị {unit} trong danh mục đơn vị của {ws.db}; xem các mã "
                        "bằng tthc indicators --period ... --format csv.")
