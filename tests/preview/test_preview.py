"""`tthc preview` in Debian's Chromium: the page is the report, reloads by itself after an
edit and shows it; only what changed is re-executed (interfaces.md, `tthc preview`)."""

from __future__ import annotations

import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from test_inspect import held_out_exports, tthc

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
    assert pv.log[-1].error.startswith("Tệp 2023-01-01_2023-03-31.yaml không đúng cú pháp "
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
