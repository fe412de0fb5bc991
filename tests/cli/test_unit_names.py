"""Issue 20, unit codes no file system takes as they are (CLI as a subprocess): `index`, a
Windows device name, a trailing dot, characters Windows refuses each get their reports under
the unit's safe stem (names.file_stem); the index page links them; a re-run does nothing;
only two codes whose stems are equal ignoring letter case are refused, in one line each
naming both, and the other units are still reported."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from helpers.city import PERIOD, PERIOD_DIR, UNITS, build_city, tthc

ODD = [("index", "Phường Mục Lục", "Phường", "PX"),
       ("CON", "Xã Thiết Bị", "Xã", "PX"),
       ("nul.txt", "Xã Không Tên", "Xã", "PX"),
       ("W9.", "Xã Chấm Cuối", "Xã", "PX"),
       ("a:b|c", "Xã Ký Tự", "Xã", "PX"),
       ("-rf", "Xã Gạch Đầu", "Xã", "PX")]
TWINS = [("W1", "Phường Chữ Hoa", "Phường", "PX"), ("w1", "Phường Chữ Thường", "Phường", "PX")]
STEMS = {"PX": "PX", "PX01": "PX01", "PX02": "PX02", "index": "index_", "CON": "CON_",
         "nul.txt": "nul_.txt", "W9.": "W9%2E", "a:b|c": "a%3Ab%7Cc", "-rf": "%2Drf"}
TWIN_LINE = ("Mã đơn vị 'W1' và 'w1' trùng tên tệp báo cáo (W1.html, w1.html: Windows không "
             "phân biệt chữ hoa, chữ thường): không báo cáo đơn vị nào trong số đó, để tệp của "
             "đơn vị này không ghi đè đơn vị kia; hãy sửa mã trong danh mục đơn vị rồi chạy lại.")


class _Links(HTMLParser):
    """(row text, href) of every link of the index page."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.row: list[str] = []
        self.shown = ""                      # the row's text before its first link

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.row, self.shown = [], ""
        if tag == "a":
            self.shown = self.shown or " ".join(self.row)
            self.links.append((self.shown, dict(attrs)["href"]))

    def handle_data(self, data):
        self.row.append(data.strip())


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    root = tmp_path_factory.mktemp("names")
    files, params = build_city(root / "exports", units=[*UNITS, *ODD, *TWINS])
    db, out = root / "store.duckdb", root / "out"
    ingest = tthc(db, "ingest", *map(str, files))
    assert ingest.returncode == 0, ingest.stderr

    def report():
        return tthc(db, "report", "--period", PERIOD, "--unit", "all", "--to", "html,pdf,docx",
                    "--out", str(out), "--params", str(params))

    return out / PERIOD_DIR, report(), report


def test_every_unit_but_the_case_twins_gets_its_reports_under_its_safe_name(city):
    folder, run, _ = city
    assert run.returncode == 1 and "Traceback" not in run.stderr
    for unit, stem in STEMS.items():
        for kind in ("html", "pdf", "docx"):
            assert (folder / f"{stem}.{kind}").stat().st_size > 0, (unit, kind)
        assert sorted(p.name for p in (folder / "notebooks" / stem).glob("*.ipynb"))
    assert "phường Mục Lục" in (folder / "index_.html").read_text(encoding="utf-8")
    assert not list(folder.glob("[wW]1.*")) and not (folder / "notebooks" / "W1").exists()


def test_the_case_twins_are_named_in_one_line_each_and_fail_the_run(city):
    _, run, _ = city
    lines = run.stderr.splitlines()
    failed = lines.index("2 đơn vị lỗi (đơn vị | mục | lỗi | notebook):")
    assert lines[failed + 1:failed + 3] == [f"  W1 | (mã đơn vị) | {TWIN_LINE} | ",
                                            f"  w1 | (mã đơn vị) | {TWIN_LINE} | "]
    assert run.stdout.strip() == str(Path(city[0]) / "index.html")


def test_the_index_shows_each_unit_and_links_its_existing_files(city):
    folder, _, _ = city
    page = _Links()
    page.feed((folder / "index.html").read_text(encoding="utf-8"))
    hrefs = {}
    for row, href in page.links:
        assert (folder / unquote(href)).is_file(), href
        hrefs.setdefault(row, set()).add(unquote(href))
    names = {code: name for code, name, *_ in [*UNITS, *ODD]}
    for unit, stem in STEMS.items():
        row = next(r for r in hrefs if names[unit] in r)
        assert hrefs[row] == {f"{stem}.html", f"{stem}.pdf", f"{stem}.docx"}
    assert not [r for r in hrefs if "Chữ Hoa" in r or "Chữ Thường" in r]


def test_the_manifest_records_the_safe_files_and_a_rerun_does_nothing(city):
    folder, _, report = city
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert {u: r["html"] for u, r in manifest["units"].items()} == {
        u: f"{s}.html" for u, s in STEMS.items()}
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    again = report()
    assert again.returncode == 1 and again.stderr.count(TWIN_LINE) == 2
    assert re.match(r"Đơn vị 9/9 · không đổi 9 · đã chạy ", again.stderr), again.stderr
    after = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    changed = {p.name for p in after if before.get(p) != after[p]}
    assert changed <= {"run-summary.json", "manifest.json", ".tthc-report.pid"}  # no report
