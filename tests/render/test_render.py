"""render: executed notebooks -> one offline HTML report, its A4 PDF, the period's index page."""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
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

from tthc_lib.content.words import layout
from tthc_lib.errors import ReportError
from tthc_lib.render import html as render
from tthc_lib.render import index as index_page
from tthc_lib.render import pdf as printers

NOT_IN_REPORT = ("CODE_NOT_IN_REPORT", "STDERR_NOT_IN_REPORT", "STDOUT_NOT_IN_REPORT",
                 "REPR_NOT_IN_REPORT", "JS_NOT_IN_REPORT", "MARKDOWN_NOT_IN_REPORT")


def long_notebook(paragraphs: int = 60) -> nbformat.NotebookNode:
    """Enough body text for three pages or so."""
    text = ("<p>Công tác kiểm soát thủ tục hành chính được lãnh đạo UBND thành phố thường "
            "xuyên quan tâm, chỉ đạo thực hiện như niêm yết công khai Bộ thủ tục hành chính "
            "cấp huyện, cấp xã kịp thời, đầy đủ tại Bộ phận Một cửa.</p>")
    return html_notebook(text * paragraphs, wide_table())


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "bao-cao.html"
    notebooks = [fixture_notebook("narrative_and_table"), fixture_notebook("chart")]
    return render.render_html(notebooks, out, ward_meta())


@pytest.fixture(scope="module")
def report_text(report) -> str:
    return report.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def printer():
    with printers.open_printer() as shared:
        yield shared


# ---------------------------------------------------------------- HTML

def test_report_is_vietnamese_html_with_the_display_outputs(report_text):
    assert '<html lang="vi">' in report_text
    assert "Số hồ sơ được tiếp nhận 13.372 hồ sơ (Online: 11.009 hồ sơ;" in report_text
    assert "<td>Phường Trần Hưng Đạo</td>" in report_text
    assert re.search(r"<h2[^>]*>II. Đánh giá chung<a class=\"anchor-link\"", report_text)
    assert len(re.findall(r'<img src="data:image/png;base64,[^"]*" alt="Biểu đồ">',
                          report_text)) == 1


def _stock_page(notebooks, meta) -> str:
    """The page as nbconvert's stock HTMLExporter writes it (its BeautifulSoup pass and a
    validation after each preprocessor included), with the report's own configuration."""
    from nbconvert import HTMLExporter

    exporter = render._exporter()
    stock = HTMLExporter(config=exporter.config, template_name=render.TEMPLATE_NAME,
                         extra_template_basedirs=[str(render.TEMPLATES)], exclude_input=True,
                         exclude_input_prompt=True, exclude_output_prompt=True)
    stock.register_filter("characters", render.characters)
    nb = render.merge_notebooks(notebooks)
    render.add_frame(nb, meta)
    body, _ = stock.from_notebook_node(nb, resources={"tthc": render._page_resources(meta)})
    return body


def test_report_is_the_page_nbconverts_full_pass_writes(report_text):
    """Without nbconvert's BeautifulSoup pass the page is the same document: parsed and
    written out by BeautifulSoup, it is byte for byte the stock exporter's page."""
    from bs4 import BeautifulSoup

    notebooks = [fixture_notebook("narrative_and_table"), fixture_notebook("chart")]
    stock = _stock_page(notebooks, ward_meta())
    assert str(BeautifulSoup(report_text, features="html.parser")) == stock
    assert report_text != stock  # the markup is spelled as the template writes it


def test_report_headings_are_utf8_text_not_character_references(report_text):
    body = report_text.split("</style>")[1]
    assert re.search(r"<h2[^>]*>II. Đánh giá chung<", body)
    references = [m.group(1) for m in render.NON_ASCII_REFERENCE.finditer(body)]
    assert all(int(r[1:], 16) < 128 if r[0] in "xX" else int(r) < 128 for r in references)
    assert render.characters("I. K&#7870;T QU&#7842; &#182; &#x1EC6; &#60;b&#62; &#38;") == (
        "I. KẾT QUẢ ¶ Ệ &#60;b&#62; &#38;")


def test_an_image_without_alt_text_still_gets_nbconverts_alt_text(tmp_path):
    nb = html_notebook('<p>Ảnh của phòng:</p><img src="data:image/png;base64,AAAA">')
    text = render.render_html([nb], tmp_path / "r.html", ward_meta()).read_text()
    assert 'alt="No description has been provided for this image"' in text
    assert not render.IMG_WITHOUT_ALT.search(text)


def test_report_hides_code_prompts_streams_reprs_and_scripts(report_text):
    for marker in NOT_IN_REPORT:
        assert marker not in report_text
    assert "In&nbsp;[" not in report_text and "jp-InputPrompt" not in report_text
    assert "<script" not in report_text.lower()


def test_escaped_narrative_stays_text(report_text):
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in report_text


def test_report_references_nothing_outside_itself(report_text):
    references = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', report_text)
    assert references and all(ref.startswith(("data:", "#")) for ref in references)
    assert not re.search(r"url\(\s*['\"]?(?!data:)", report_text)
    assert "@import" not in report_text
    assert "default-src 'none'" in report_text  # the browser is told to fetch nothing


def test_report_embeds_the_four_faces_of_a_times_metric_font(report_text):
    faces = re.findall(r'@font-face \{ font-family: "TTHC Serif"; font-weight: (\d+); '
                       r"font-style: (\w+); src: url\(data:font/woff;base64,", report_text)
    assert sorted(faces) == [("400", "italic"), ("400", "normal"),
                             ("700", "italic"), ("700", "normal")]


def test_report_gets_header_and_closing_once(report_text, tmp_path):
    assert report_text.count(MOTTO) == 1 and report_text.count("Nơi nhận:") == 1
    meta = ward_meta()
    framed = html_notebook(layout.header_html(meta), "<p>Nội dung.</p>",
                           layout.closing_html(meta))
    text = render.render_html([framed], tmp_path / "r.html", meta).read_text(encoding="utf-8")
    assert text.count(MOTTO) == 1 and text.count("Nơi nhận:") == 1
    assert text.index(MOTTO) < text.index("Nội dung.") < text.index("Nơi nhận:")


def test_report_title_names_the_subject(report_text):
    assert ("<title>Báo cáo Tình hình, kết quả thực hiện công tác cải cách thủ tục hành chính "
            "10 tháng năm 2023 tại phường Trần Hưng Đạo</title>") in report_text


def test_failed_notebook_is_refused_and_the_previous_report_kept(tmp_path):
    out = tmp_path / "r.html"
    render.render_html([fixture_notebook("chart")], out, ward_meta())
    before = out.read_bytes()
    with pytest.raises(ReportError) as caught:
        render.render_html([fixture_notebook("failed")], out, ward_meta())
    assert str(caught.value) == ("Phần 04_online của báo cáo bị lỗi khi chạy "
                                 "(ô 1: ZeroDivisionError); xem notebook đã chạy.")
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left


def test_no_notebooks_is_an_error(tmp_path):
    with pytest.raises(ReportError, match="Không có phần nào"):
        render.render_html([], tmp_path / "r.html", ward_meta())


# ---------------------------------------------------------------- PDF

def _pdf_text(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def _pdf_bbox(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def _pdfinfo(pdf: Path) -> str:
    return subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("kind", sorted(printers.PRINTERS))
def test_pdf_is_a4_with_the_national_motto(kind, report, tmp_path):
    with printers.open_printer(kind) as printer:
        pdf = printer.print(report, tmp_path / "bao-cao.pdf")
    assert "(A4)" in _pdfinfo(pdf)
    text = _pdf_text(pdf)
    assert MOTTO in text and SLOGAN in text
    assert "Hải Dương, ngày 30 tháng 10 năm 2023" in text
    assert "Số hồ sơ được tiếp nhận 13.372 hồ sơ" in text
    assert "II. ĐÁNH GIÁ CHUNG" in text and "¶" not in text
    assert [p.name for p in tmp_path.iterdir()] == ["bao-cao.pdf"]


def test_pdf_embeds_the_times_metric_font(report, printer, tmp_path):
    pdf = printer.print(report, tmp_path / "r.pdf")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and all(re.search(r"LiberationSerif|Tinos|TimesNewRoman", n) for n in names)


def test_pdf_numbers_pages_at_the_top_from_page_two(printer, tmp_path):
    meta = ward_meta()
    html = render.render_html([long_notebook()], tmp_path / "long.html", meta)
    pdf = printers.html_to_pdf(html, tmp_path / "long.pdf", printer=printer)
    pages = int(re.search(r"Pages:\s+(\d+)", _pdfinfo(pdf)).group(1))
    assert pages >= 2
    assert _pdf_text(pdf, 1).split()[0] == "UBND"
    # Full size: a table wider than the text would make Chromium shrink every page.
    title = re.search(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">'
                      r"BÁO</word>", _pdf_bbox(pdf))
    assert 14 <= float(title.group(2)) - float(title.group(1)) <= 18  # 14 pt type
    for page in range(2, pages + 1):
        assert _pdf_text(pdf, page).split()[0] == str(page)


def test_html_to_pdf_reuses_one_printer_from_any_thread(report, tmp_path):
    first = printers.html_to_pdf(report, tmp_path / "a.pdf")
    printer = printers.default_printer()
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda n: printers.html_to_pdf(report, tmp_path / f"{n}.pdf"),
                             ("b", "c")))
    assert printers.default_printer() is printer
    assert [p.stat().st_size > 0 for p in (first, *done)] == [True, True, True]


def test_missing_html_is_a_report_error(printer, tmp_path):
    with pytest.raises(ReportError, match="Không có tệp HTML để in PDF: khong-co.html"):
        printer.print(tmp_path / "khong-co.html", tmp_path / "x.pdf")


def test_missing_chromium_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("TTHC_CHROMIUM", raising=False)
    with pytest.raises(ReportError, match="^Không tìm thấy trình duyệt để in PDF \\(Chromium, "
                       "Google Chrome hoặc Microsoft Edge\\)"):
        printers.chromium_path()


# ---------------------------------------------------------------- index


@pytest.fixture
def index(tmp_path) -> Path:
    return index_page.write_index(tmp_path, "10 tháng năm 2023", index_entries(tmp_path))


def _rows(text: str) -> list[list[str]]:
    body = text.split("<tbody>")[1].split("</tbody>")[0]
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def test_index_lists_units_with_vietnamese_figures(index):
    text = index.read_text(encoding="utf-8")
    assert index.name == "index.html" and '<html lang="vi">' in text
    assert "Kỳ báo cáo: 10 tháng năm 2023" in text
    assert _rows(text) == [
        ["1", "Thành phố Hải Dương", "Cấp huyện", "13.372", "11.722",
         "85,7%", "10,8%", "3,5%", "88,2%", "HTML · PDF · DOCX"],
        ["2", "Phường &lt;Trần Hưng Đạo&gt;", "Cấp xã", "0", "0", "–", "–", "–", "–", "HTML"],
    ]


def test_index_links_are_relative_and_offline(index):
    text = index.read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]*)"', text)
    assert links == ["HD/bao-cao.html", "HD/bao-cao.pdf", "HD/bao-cao.docx",
                     "ph%C6%B0%E1%BB%9Dng%20TH%C4%90/bao%20cao.html"]
    assert "<script" not in text.lower() and not re.search(r"url\((?!data:)", text)


@pytest.mark.parametrize(("value", "shown"), [
    (85.73, "85,7%"), (0.05, "0,1%"), (99.95, "100,0%"), (0.0, "0,0%"), (None, "–")])
def test_rates_round_half_away_from_zero(value, shown):
    assert index_page.format_rate(value) == shown


def test_counts_use_dot_thousands():
    assert [index_page.format_count(n) for n in (7, 13372, 1234567)] == ["7", "13.372", "1.234.567"]


@pytest.mark.parametrize("kind", sorted(printers.PRINTERS))
def test_a_broken_chromium_is_a_report_error(kind, report, monkeypatch, tmp_path):
    monkeypatch.setenv("TTHC_CHROMIUM", shutil.which("false"))
    with pytest.raises(ReportError, match="Chromium"), printers.open_printer(kind) as printer:
        printer.print(report, tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []


def test_annex_is_set_on_landscape_pages(printer, tmp_path):
    notebook = html_notebook("<p>Nội dung.</p>", layout.closing_html(ward_meta()),
                             '<h1 class="tthc-annex">PHỤ LỤC</h1>', wide_table())
    html = render.render_html([notebook], tmp_path / "annex.html", ward_meta())
    pdf = printer.print(html, tmp_path / "annex.pdf")
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)",
                       subprocess.run(["pdfinfo", "-f", "1", "-l", "9", str(pdf)],
                                      capture_output=True, text=True, check=True).stdout)
    assert [float(w) < float(h) for w, h in sizes] == [True, False]  # portrait, landscape
    assert "PHỤ LỤC" in _pdf_text(pdf, 2) and "Nơi nhận:" in _pdf_text(pdf, 1)
