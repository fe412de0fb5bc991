"""The report and the index page as a reader opens them: Debian's Chromium, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.render import (
    MOTTO,
    SLOGAN,
    fixture_notebook,
    html_notebook,
    index_entries,
    ward_meta,
    wide_table,
)
from playwright.sync_api import sync_playwright

from tthc_lib.render import html as render
from tthc_lib.render import index as index_page
from tthc_lib.render import pdf as printers

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=printers.chromium_path(), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A period's output folder: one unit's report and the index linking it."""
    out = tmp_path_factory.mktemp("outputs")
    notebooks = [fixture_notebook("narrative_and_table"), fixture_notebook("chart")]
    render.render_html(notebooks, out / "HD" / "bao-cao.html", ward_meta())
    index_page.write_index(out, "10 tháng năm 2023", index_entries(out)[:1])
    return out


class Visit:
    """A page opened with every console message, request and dialog recorded."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.evaluate("document.fonts.ready.then(() => true)")

    def visible(self, text: str) -> bool:
        return self.page.get_by_text(text, exact=False).first.is_visible()


def test_report_shows_vietnamese_text_and_escaped_narrative(browser, site):
    visit = Visit(browser, site / "HD" / "bao-cao.html")
    for text in (MOTTO, SLOGAN, "Hải Dương, ngày 30 tháng 10 năm 2023", "BÁO CÁO",
                 "Số hồ sơ được tiếp nhận 13.372 hồ sơ", "Phường Trần Hưng Đạo", "Nơi nhận:",
                 '<script>alert("x")</script>'):
        assert visit.visible(text), text
    assert visit.visible("II. ĐÁNH GIÁ CHUNG")  # a markdown heading, in capitals
    assert "¶" not in visit.page.inner_text("body")
    assert visit.dialogs == [] and visit.errors == []


def test_report_images_and_fonts_load_from_the_file_itself(browser, site):
    visit = Visit(browser, site / "HD" / "bao-cao.html")
    widths = visit.page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
    assert widths and all(width > 0 for width in widths)
    loaded = visit.page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('TTHC Serif')"
        " && f.status === 'loaded').length")
    assert loaded >= 3  # regular, bold, italic (the date) are used on the page
    family = visit.page.eval_on_selector("body", "b => getComputedStyle(b).fontFamily")
    assert family.startswith('"TTHC Serif"')
    assert all(url.startswith(("file:", "data:")) for url in visit.requests)
    assert visit.errors == []


def test_report_screen_view_is_an_a4_page(browser, site):
    visit = Visit(browser, site / "HD" / "bao-cao.html")
    width = visit.page.eval_on_selector(".tthc-page", "p => p.getBoundingClientRect().width")
    assert round(width / 96 * 25.4) == 210  # CSS px -> mm
    paragraph = visit.page.eval_on_selector(
        ".tthc-output p:not([class])", "p => [getComputedStyle(p).textAlign, getComputedStyle(p).textIndent]")
    assert paragraph == ["justify", "48px"]  # 1.27 cm


def test_index_shows_figures_and_links_open_the_report(browser, site):
    visit = Visit(browser, site / "index.html")
    for text in ("Kỳ báo cáo: 10 tháng năm 2023", "Thành phố Hải Dương", "13.372", "85,7%"):
        assert visit.visible(text), text
    visit.page.get_by_role("link", name="HTML").click()
    visit.page.wait_for_load_state("load")
    assert visit.page.url == (site / "HD" / "bao-cao.html").as_uri()
    assert visit.visible(MOTTO)
    assert all(url.startswith(("file:", "data:")) for url in visit.requests)
    assert visit.errors == []


def test_wide_tables_keep_to_the_text_width_in_print(browser, tmp_path):
    html = render.render_html([html_notebook(wide_table(15), wide_table(14), wide_table(9))],
                              tmp_path / "r.html", ward_meta())
    page = browser.new_page(viewport={"width": 624, "height": 900})  # 165 mm of text
    page.emulate_media(media="print")
    page.goto(html.as_uri(), wait_until="load")
    widths = page.evaluate("[document.documentElement.scrollWidth,"
                           " document.documentElement.clientWidth]")
    assert widths == [624, 624]


@pytest.fixture(scope="module")
def sample_city_report(sample_store, tmp_path_factory) -> Path:
    """The real city report of the sample, made by `tthc report` from the real notebooks."""
    from helpers.paths import ROOT

    from tthc_lib.batch.runner import render_reports
    from tthc_lib.content.request import report_request
    from tthc_lib.periods import parse_period

    out = tmp_path_factory.mktemp("sample_outputs")
    request = report_request("", parse_period("2023-01-01:2023-10-30"), sample_store,
                             ROOT / "params", ("html",))
    summary = render_reports(request, ["HD"], out, notebooks_dir=ROOT / "notebooks")
    assert not summary.failures
    return out / "2023-01-01_2023-10-30" / "HD.html"


def test_sample_city_report_shows_its_text_and_every_chart_offline(browser, sample_city_report):
    visit = Visit(browser, sample_city_report)
    for text in ("UBND THÀNH PHỐ HẢI DƯƠNG", MOTTO, "I. KẾT QUẢ THỰC HIỆN",
                 "Số hồ sơ được tiếp nhận 13.372 hồ sơ", "Tại các phường, xã:",
                 "Biểu số 06/VPCP/KSTT", "Trần Minh Khôi"):
        assert visit.visible(text), text
    images = visit.page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => [i.alt, i.naturalWidth, i.getBoundingClientRect().width])")
    # timeliness by ward, by field, monthly trend, online rate, digitisation, scorecard
    assert len(images) >= 6
    assert all(natural > 0 and shown > 0 for _alt, natural, shown in images), images
    assert all(url.startswith(("file:", "data:")) for url in visit.requests), visit.requests
    assert visit.errors == [] and visit.dialogs == []
