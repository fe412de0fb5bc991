"""The Playwright printer as the batch uses it: one browser, tabs reused, prints submitted from
several threads at once. Real Chromium; PDFs read back with poppler (pdftotext, pdfimages)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from helpers.pdf import pdf_text, whole
from helpers.render import MOTTO, fixture_notebook, html_notebook, ward_meta

from tthc_lib.errors import ReportError
from tthc_lib.render import html as render
from tthc_lib.render import pdf as printers

WARDS = ("Phường Trần Hưng Đạo", "Phường Nguyễn Trãi", "Xã Liên Hồng", "Phường Tứ Minh",
         "Phường Việt Hòa")


def ward_report(folder: Path, name: str) -> Path:
    """A report for the ward `name`: its name in the issuer, the subject and the body."""
    meta = replace(ward_meta(), issuer_lines=("UBND thành phố Hải Dương", f"UBND {name}"),
                   subject=f"Tình hình cải cách thủ tục hành chính tại {name}")
    notebooks = [html_notebook(f"<p>Báo cáo riêng của {name}: số liệu của {name}.</p>"),
                 fixture_notebook("chart")]
    return render.render_html(notebooks, folder / f"{name}.html", meta)


def pdf_images(pdf: Path) -> int:
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                             check=True).stdout
    return len(listing.splitlines()) - 2


def chromium_processes(ancestor: int) -> list[int]:
    """Live Chromium processes below `ancestor` (by parent links in /proc)."""
    parents, names = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat.rsplit(")", 1)[1]
            if rest.split()[0] != "Z":
                parents[int(entry)], names[int(entry)] = int(rest.split()[1]), name
    found = []
    for pid in parents:
        up = parents.get(pid)
        while up and up != ancestor:
            up = parents.get(up)
        if up == ancestor and "chrom" in names[pid]:
            found.append(pid)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def wards(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("wards")
    return {name: ward_report(folder, name) for name in WARDS}


def test_concurrent_prints_are_whole_and_each_belongs_to_its_report(wards, tmp_path):
    out = tmp_path / "pdf"
    with printers.open_printer("playwright") as printer, ThreadPoolExecutor(3) as pool:
        # five reports, three threads, two tabs: tabs are reused while others print
        futures = list(pool.map(lambda n: printer.submit(wards[n], out / f"{n}.pdf"), WARDS))
        written = [future.result() for future in futures]
    assert written == [out / f"{name}.pdf" for name in WARDS]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.pdf" for n in WARDS)
    for name in WARDS:
        pdf = out / f"{name}.pdf"
        assert whole(pdf)
        text = " ".join(pdf_text(pdf).split())
        assert MOTTO in text
        assert f"Báo cáo riêng của {name}: số liệu của {name}." in text
        assert [other for other in WARDS if other != name and other in text] == []
        assert pdf_images(pdf) == 1  # the chart, loaded before the page was printed


def test_a_tab_reused_for_another_report_prints_what_a_fresh_browser_prints(wards, tmp_path):
    first, second = wards[WARDS[0]], wards[WARDS[1]]
    with printers.open_printer("playwright") as fresh:
        alone = fresh.print(second, tmp_path / "alone.pdf")
    with printers.open_printer("playwright") as printer:
        printer.pages = 1
        printer.print(first, tmp_path / "first.pdf")
        reused = printer.print(second, tmp_path / "reused.pdf")
    assert pdf_text(reused) == pdf_text(alone)
    assert pdf_images(reused) == pdf_images(alone) == 1
    title = subprocess.run(["pdfinfo", str(reused)], capture_output=True, text=True,
                           check=True).stdout
    assert f"tại {WARDS[1]}" in title and WARDS[0] not in title


def test_a_report_with_a_relative_link_is_opened_at_its_own_address(wards, tmp_path):
    """A body that refers to files beside it is not printed in another file's tab: its link
    in the PDF leads beside its own file."""
    other = tmp_path / "khac"
    meta = replace(ward_meta(), subject="Báo cáo có liên kết")
    html = render.render_html([html_notebook('<p><a href="phu-luc.html">Phụ lục</a></p>')],
                              other / "bao-cao.html", meta)
    with printers.open_printer("playwright") as printer:
        printer.pages = 1
        printer.print(wards[WARDS[0]], tmp_path / "first.pdf")
        pdf = printer.print(html, tmp_path / "lien-ket.pdf")
    assert "Phụ lục" in pdf_text(pdf)
    links = re.findall(rb"/URI \((file://[^)]*)\)", pdf.read_bytes())
    assert links == [(other / "phu-luc.html").as_uri().encode()]


def test_a_failed_print_fails_only_that_file_and_the_browser_goes_on(wards, tmp_path):
    out = tmp_path / "pdf"
    blocked = out / f"{WARDS[1]}.pdf"
    blocked.mkdir(parents=True)  # a folder where the PDF should go: it cannot be written
    with printers.open_printer("playwright") as printer:
        futures = {name: printer.submit(wards[name], out / f"{name}.pdf") for name in WARDS[:3]}
        missing = printer.submit(tmp_path / "khong-co.html", out / "khong-co.pdf")
        with pytest.raises(ReportError, match=f"Không ghi được tệp {blocked}"):
            futures[WARDS[1]].result()
        with pytest.raises(ReportError, match="Không có tệp HTML để in PDF: khong-co.html"):
            missing.result()
        for name in (WARDS[0], WARDS[2]):
            assert whole(futures[name].result())
        after = printer.print(wards[WARDS[3]], out / "after.pdf")
    assert WARDS[3] in pdf_text(after)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{WARDS[0]}.pdf", f"{WARDS[1]}.pdf", f"{WARDS[2]}.pdf", "after.pdf"])
    assert list(blocked.iterdir()) == []


def test_close_waits_for_prints_under_way_and_leaves_no_chromium(wards, tmp_path):
    before = set(chromium_processes(os.getpid()))  # other tests' printers may be open
    printer = printers.open_printer("playwright")
    printer.start()
    futures = [printer.submit(wards[name], tmp_path / f"{name}.pdf") for name in WARDS]
    futures[0].result()
    ours = set(chromium_processes(os.getpid())) - before
    assert ours  # the browser, its zygotes, renderer, GPU and utility processes
    printer.close()  # the other four may still be printing
    assert all(future.done() and whole(future.result()) for future in futures)
    deadline = time.monotonic() + 10  # the browser is gone; its helpers follow it out
    while any(map(alive, ours)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in ours if alive(pid)] == []  # not even reparented elsewhere
    assert set(chromium_processes(os.getpid())) - before == set()


def test_a_browser_that_dies_fails_only_the_prints_under_way_and_the_next_get_a_new_one(
        wards, tmp_path):
    """Chromium killed while more reports wait than it has tabs: every print ends (none
    waits for a tab that will not come back), each whole or failed in one line, and the
    next prints get a browser of their own."""
    before = set(chromium_processes(os.getpid()))
    with printers.open_printer("playwright") as printer:
        # four rounds of the wards: the kill comes with most of them still to print
        first = [printer.submit(wards[name], tmp_path / "a" / f"{i}-{name}.pdf")
                 for i in range(4) for name in WARDS]
        first[0].result()
        for pid in set(chromium_processes(os.getpid())) - before:
            try:       # a helper listed a moment ago may already have followed its parent out
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        failed = 0
        for future in first[1:]:
            try:
                assert whole(future.result(timeout=60))
            except ReportError as exc:
                assert re.fullmatch(r"Chromium không in được .+\.html ra PDF: [^\n]+", str(exc))
                failed += 1
        after = [printer.submit(wards[name], tmp_path / "b" / f"{name}.pdf") for name in WARDS]
        for name, future in zip(WARDS, after):
            assert whole(future.result(timeout=60))
            assert f"Báo cáo riêng của {name}" in " ".join(pdf_text(future.result()).split())
        assert printer.launches == 2
    assert failed >= 1  # the kill came while they printed
    assert set(chromium_processes(os.getpid())) - before == set()


def pages_png(pdf: Path, folder: Path) -> list[bytes]:
    """Each page of `pdf` as PNG bytes (poppler, 100 dpi)."""
    folder.mkdir(parents=True)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(folder / "p")], check=True)
    return [page.read_bytes() for page in sorted(folder.glob("p-*.png"))]


def plain_print(html: Path, pdf: Path) -> Path:
    """The file printed with no tricks: a new browser, one tab, opened by its address."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=printers.chromium_path(),
                                             args=list(printers.CHROMIUM_FLAGS[1:]))
        page = browser.new_page()
        page.goto(html.as_uri(), wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        pdf.write_bytes(page.pdf(prefer_css_page_size=True, print_background=True))
        browser.close()
    return pdf


def test_reports_swapped_into_a_print_only_tab_print_the_pages_of_a_plain_print(wards, tmp_path):
    """The printer opens the first report by its address, hides the screen view, and swaps
    the next reports' bodies in (no navigation): their pages are the pages Chromium prints
    from each file opened plainly, pixel for pixel."""
    names = WARDS[:3]
    with printers.open_printer("playwright") as printer:
        printer.pages = 1
        printed = [printer.print(wards[name], tmp_path / f"{name}.pdf") for name in names]
        assert printer.navigations == 1  # the second and third were swapped in
    for name, pdf in zip(names, printed):
        plain = plain_print(wards[name], tmp_path / f"{name}-plain.pdf")
        ours = pages_png(pdf, tmp_path / f"{name}-ours")
        assert ours and ours == pages_png(plain, tmp_path / f"{name}-plain")
