"""`tthc preview` in Debian's Chromium: the page is the report, reloads by itself after an
edit and shows it; only what changed is re-executed (docs/interfaces.md § tthc preview)."""

from __future__ import annotations

import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from helpers.cli import held_out_exports, tthc
from playwright.sync_api import sync_playwright

from tthc_lib.periods import Period
from tthc_lib.preview.server import start, stop
from tthc_lib.render.pdf import chromium_path
from tthc_lib.workspace.find import resolve

PERIOD = Period(date(2023, 1, 1), date(2023, 3, 31))
NARRATIVE = """document: {{number: "12", date: 2023-03-31}}
texts:
  opening: "{opening}"
  achievements: "Tỷ lệ hồ sơ trực tuyến đạt {{online_rate}}."
"""
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def write_narrative(ws: Path, opening: str) -> Path:
    path = ws / "params" / "narrative" / "2023-01-01_2023-03-31.yaml"
    path.write_text(NARRATIVE.format(opening=opening), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """A held-out city's workspace (profile pasted from inspect), previewed for UB01."""
    root = tmp_path_factory.mktemp("preview")
    ws = root / "uong-bi"
    tthc(root, "init", str(ws), "--period", "2023-Q1")
    files = held_out_exports(root / "exports")
    out = tthc(ws, "inspect", str(files["dossiers"])).stdout
    lines = out.splitlines()
    start_at = lines.index("dossiers:")
    (ws / "params" / "sources" / "khac.yaml").write_text(
        "\n".join(lines[start_at:lines.index("", start_at)]) + "\n", encoding="utf-8")
    assert tthc(ws, "ingest", *map(str, files.values())).returncode == 0
    write_narrative(ws, "Câu mở đầu thứ nhất của phường.")
    server, pv = start(resolve(start=ws), "UB01", PERIOD, port=0)
    yield ws, f"http://127.0.0.1:{server.server_address[1]}/", pv
    stop(server, pv)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        yield chromium
        chromium.close()


def _wait_version(pv, seen: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while pv.version == seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pv.version != seen, "the preview did not rebuild"


def test_the_page_reloads_by_itself_and_shows_the_edited_sentence(preview, browser):
    ws, url, pv = preview
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(url, wait_until="load")
    assert page.get_by_text("Câu mở đầu thứ nhất của phường.").is_visible()
    assert page.get_by_text("PHƯỜNG QUANG TRUNG").first.is_visible()
    assert "Quang Trung, ngày 31 tháng 3 năm 2023" in page.inner_text("body")  # its own place

    seen = pv.version
    write_narrative(ws, "Câu mở đầu đã sửa, lưu lúc chạy thử.")
    page.get_by_text("Câu mở đầu đã sửa, lưu lúc chạy thử.").wait_for(timeout=60000)
    # reloaded by itself (no click), to the version just built
    assert page.locator("html").get_attribute("data-tthc-version") == str(pv.version)
    assert "Câu mở đầu thứ nhất" not in page.inner_text("body")
    # only the section showing `opening` was re-executed
    assert [r.sections for r in pv.log[seen:]] == [["00_mo_dau"]]
    assert errors == []                          # the script ran within the served CSP
    page.close()


def test_only_the_edited_notebook_is_re_executed(preview):
    ws, _url, pv = preview
    seen = pv.version
    path = ws / "notebooks" / "03_dvc_so_hoa.ipynb"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Tham số", "Tham số (đã sửa)", 1), encoding="utf-8")
    _wait_version(pv, seen)
    time.sleep(0.5)                              # any further rebuild would show here
    assert [r.sections for r in pv.log[seen:]] == [["03_dvc_so_hoa"]]
    assert pv.log[-1].error is None


def test_a_broken_narrative_shows_its_error_until_it_is_fixed(preview):
    ws, url, pv = preview
    seen = pv.version
    path = ws / "params" / "narrative" / "2023-01-01_2023-03-31.yaml"
    path.write_text("texts: [\n", encoding="utf-8")
    _wait_version(pv, seen)
    page = urllib.request.urlopen(url, timeout=30).read().decode("utf-8")
    assert "Chưa dựng được báo cáo" in page and "2023-01-01_2023-03-31.yaml" in page
    # one Vietnamese line, no exception name, no PyYAML English (issue 21, point 12)
    assert pv.log[-1].error.startswith("Tệp narrative/2023-01-01_2023-03-31.yaml không đúng cú pháp "
                                       "YAML ở dòng 2 (")
    assert "Error" not in pv.log[-1].error and "expected" not in pv.log[-1].error
    seen = pv.version
    write_narrative(ws, "Câu mở đầu sau khi sửa lỗi.")
    _wait_version(pv, seen)
    page = urllib.request.urlopen(url, timeout=30).read().decode("utf-8")
    assert "Câu mở đầu sau khi sửa lỗi." in page


def test_the_served_page_alone_carries_the_reload_script(preview):
    _ws, url, pv = preview
    served = urllib.request.urlopen(url, timeout=30).read().decode("utf-8")
    assert "script-src 'nonce-" in served and "/__wait?v=" in served
    assert "<script" not in pv.session.html      # the report as written has no script
    assert "default-src 'none'" in pv.session.html


def _raw(url: str, request: bytes) -> bytes:
    """One request written to the preview's socket as is; the whole answer."""
    import socket
    from urllib.parse import urlparse

    where = urlparse(url)
    with socket.create_connection((where.hostname, where.port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_host_other_than_this_machine_is_refused(preview, capfd):
    """DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends its own Host."""
    _ws, url, _pv = preview
    port = url.rstrip("/").rsplit(":", 1)[1]
    for host in ("evil.example:" + port, "127.0.0.1.evil.example:" + port, "localhost:1"):
        answer = _raw(url, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                      .encode())
        assert answer.startswith(b"HTTP/1.0 403"), (host, answer[:80])
        assert "Chỉ mở được xem trước tại".encode() in answer
        assert b"<html" not in answer                     # nothing of the report
    for host in ("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port):
        answer = _raw(url, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                      .encode())
        assert answer.startswith(b"HTTP/1.0 200"), (host, answer[:80])
    assert "Traceback" not in capfd.readouterr().err


def test_malformed_requests_get_400_never_a_traceback(preview, capfd):
    _ws, url, _pv = preview
    host = url.split("/")[2]
    for target in ("/__wait?v=abc", "/__wait?v=1&v=2", "/__wait?v=1e99", "*", "http://evil.example/"):
        answer = _raw(url, f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                      .encode())
        assert answer.startswith(b"HTTP/1.0 400"), (target, answer[:80])
    garbage = _raw(url, b"\x00\xff GARBAGE\r\n\r\n")
    assert b"400" in garbage.split(b"\n\n")[-1] or garbage.startswith(b"HTTP/1.0 400")
    for target in ("/../../etc/passwd", "//evil.example/", "/%00"):
        assert _raw(url, f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()) \
            .startswith(b"HTTP/1.0 404"), target
    assert _raw(url, f"GET /../../etc/passwd HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()) \
        .startswith(b"HTTP/1.0 404")
    assert b'"version"' in _raw(url, f"GET /__wait?v=-1 HTTP/1.1\r\nHost: {host}\r\n"
                                     "Connection: close\r\n\r\n".encode())
    assert "Traceback" not in capfd.readouterr().err


def test_an_unknown_figure_shows_the_same_line_as_the_report(preview):
    ws, url, pv = preview
    seen = pv.version
    path = ws / "params" / "narrative" / "2023-01-01_2023-03-31.yaml"
    path.write_text("texts:\n  opening: 'Đã nhận {so_ho_so_sai} hồ sơ.'\n", encoding="utf-8")
    _wait_version(pv, seen)
    page = urllib.request.urlopen(url, timeout=30).read().decode("utf-8")
    line = ("Tệp narrative/2023-01-01_2023-03-31.yaml, khóa texts.opening: không có số liệu "
            "{so_ho_so_sai} (có phải “resolved_on_time”?); hãy sửa tệp rồi chạy lại.")
    assert f"<p>{line}</p>" in page
    assert line in tthc(ws, "report", "--period", "2023-Q1", "--unit", "UB01").stderr
    seen = pv.version
    write_narrative(ws, "Câu mở đầu, ngoặc { lẻ } vẫn như viết.")
    _wait_version(pv, seen)
    page = urllib.request.urlopen(url, timeout=30).read().decode("utf-8")
    assert "Câu mở đầu, ngoặc { lẻ } vẫn như viết." in page
