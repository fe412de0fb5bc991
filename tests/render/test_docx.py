"""docx_report: executed notebooks -> the report as a Word file, read back with python-docx."""

from __future__ import annotations

import base64
import struct
import zlib
from datetime import date
from html import escape
from pathlib import Path

import docx
import nbformat
import papermill as pm
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from helpers.paths import ROOT
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tthc_lib.content.words import layout
from tthc_lib.errors import ReportError
from tthc_lib.render.docx import render_docx, shown_html

FONT = "Times New Roman"
NARRATIVE = [
    ("Thực hiện Công văn số 3977/UBND-VP ngày 23 tháng 10 năm 2023 của UBND tỉnh, UBND phường "
     "Trần Hưng Đạo báo cáo như sau:"),
    "- Số hồ sơ được tiếp nhận 2.459 hồ sơ (Online: 2.166 hồ sơ; trực tiếp: 252 hồ sơ)",
    "Quá hạn: không",
]
ESCAPED = "Tường thuật có <script>alert(1)</script> & <b>không in đậm</b>, vẫn là chữ."
NOT_IN_REPORT = ("REPR_NOT_IN_REPORT", "SCRIPT_NOT_IN_REPORT", "REMOVED_NOT_IN_REPORT",
                 "STREAM_NOT_IN_REPORT", "STYLE_NOT_IN_REPORT")
TABLE = (
    '<table class="tthc-table tthc-comparison"><caption>So sánh với cùng kỳ năm 2022</caption>'
    '<thead><tr><th rowspan="2">Chỉ tiêu</th><th rowspan="2">10 tháng năm 2023</th>'
    '<th colspan="2">Cùng kỳ năm 2022</th></tr><tr><th>Số liệu</th><th>Tăng/giảm</th></tr>'
    '</thead><tbody><tr><td class="name">Số hồ sơ được tiếp nhận</td><td class="num">2.459</td>'
    '<td class="num">2.411</td><td class="num">tăng 2,0%</td></tr>'
    '<tr class="total"><td class="name">Tỷ lệ hồ sơ giải quyết trước hạn</td>'
    '<td class="num">93,7%</td><td class="num">93,9%</td>'
    '<td class="num">giảm 0,2 điểm phần trăm</td></tr></tbody></table>'
)


def ward_meta() -> layout.ReportMeta:
    return layout.ReportMeta(
        issuer_lines=("UBND thành phố Hải Dương", "UBND phường Trần Hưng Đạo"),
        place="Hải Dương", date=date(2023, 10, 30),
        subject="Tình hình, kết quả thực hiện công tác cải cách thủ tục hành chính\n"
                "10 tháng năm 2023 tại phường Trần Hưng Đạo",
        signer=layout.Signer(authority="TM. Ủy ban nhân dân", title="Chủ tịch",
                             name="Đinh Thị Yến"),
        recipients=("UBND thành phố Hải Dương (để b/c)", "Thường trực Đảng ủy phường"),
        doc_number="245",
    )


def png(width: int = 40, height: int = 20) -> bytes:
    """A small grey PNG, written by hand."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def shown(html: str, kind: str = "display_data"):
    extra = {"execution_count": 1} if kind == "execute_result" else {}
    return new_output(kind, data={"text/html": html, "text/plain": "REPR_NOT_IN_REPORT"}, **extra)


def known_notebooks(meta: layout.ReportMeta) -> list[nbformat.NotebookNode]:
    """Two executed sections: header, heading, paragraphs, a merged table, a chart; then an
    escaped narrative, things never shown, and the closing."""
    chart = base64.b64encode(png()).decode("ascii")
    first = new_notebook(cells=[
        new_code_cell("s.header(ctx)", outputs=[shown(layout.header_html(meta), "execute_result")]),
        new_markdown_cell("## I. KẾT QUẢ THỰC HIỆN\n\n#### 2.2. Kết quả giải quyết TTHC"),
        new_code_cell("s.narrative(ctx)", outputs=[
            shown("\n".join(f"<p>{escape(t)}</p>" for t in NARRATIVE))]),
        new_code_cell("s.table(ctx)", outputs=[shown(TABLE, "execute_result")]),
        new_code_cell("s.chart(ctx)", outputs=[shown(
            f'<figure class="tthc-figure"><img src="data:image/png;base64,{chart}" '
            'alt="Hồ sơ tiếp nhận theo tháng"></figure>')]),
    ])
    second = new_notebook(cells=[
        new_markdown_cell("REMOVED_NOT_IN_REPORT", metadata={"tags": ["remove_cell"]}),
        new_code_cell("print()", outputs=[
            new_output("stream", name="stdout", text="STREAM_NOT_IN_REPORT"),
            new_output("execute_result", data={"text/plain": "REPR_NOT_IN_REPORT"},
                       execution_count=2)]),
        new_code_cell("s.narrative(ctx)", outputs=[shown(
            f"<p>{escape(ESCAPED)}</p><script>SCRIPT_NOT_IN_REPORT</script>"
            "<style>p{color:red} STYLE_NOT_IN_REPORT</style>")]),
        new_code_cell("s.closing(ctx)", outputs=[shown(layout.closing_html(meta))]),
    ])
    return [first, second]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docx") / "bao-cao.docx"
    assert render_docx(known_notebooks(ward_meta()), out, ward_meta()) == out
    return out


@pytest.fixture(scope="module")
def doc(report):
    return docx.Document(str(report))


def all_paragraphs(document) -> list:
    """Body paragraphs, then those of every table cell."""
    found = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                found += cell.paragraphs
    return found


def all_text(document) -> str:
    return "\n".join(p.text for p in all_paragraphs(document))


def body_texts(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text]


# ---------------------------------------------------------------- page and fonts

def test_page_is_a4_with_the_official_margins(doc):
    section = doc.sections[0]
    def mm(*lengths):  # Word stores twips: compare to a tenth of a millimetre
        return tuple(round(length.mm, 1) for length in lengths)

    assert mm(section.page_width, section.page_height) == (210, 297)
    assert mm(section.top_margin, section.bottom_margin) == (20, 20)
    assert mm(section.left_margin, section.right_margin) == (30, 15)


def test_body_is_times_new_roman_14_justified_with_first_line_indent(doc):
    normal = doc.styles["Normal"]
    assert normal.font.name == FONT and normal.font.size == Pt(14)
    fonts = normal.element.rPr.rFonts
    assert {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs")} == {FONT}
    assert not [a for a in fonts.attrib if a.lower().endswith("theme")]
    assert normal.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert normal.paragraph_format.first_line_indent == Cm(1.27)
    assert normal.paragraph_format.space_before == Pt(6)


def test_no_run_or_style_in_use_asks_for_another_font(doc):
    parts = [doc.element, doc.sections[0].header._element]
    fonts = {value for part in parts for element in part.iter(qn("w:rFonts"))
             for value in element.attrib.values()}
    assert fonts <= {FONT}
    for name in ("Heading 1", "Heading 2", "Heading 3", "Heading 4", "Heading 5", "Header"):
        style_fonts = doc.styles[name].element.rPr.rFonts.attrib
        assert set(style_fonts.values()) == {FONT}, name


def test_page_numbers_are_centred_at_the_top_from_page_two(doc):
    section = doc.sections[0]
    assert section.different_first_page_header_footer
    header = section.header._element.xml
    assert "PAGE" in "".join(t.text for t in section.header._element.iter(qn("w:instrText")))
    assert 'w:fldCharType="begin"' in header and 'w:fldCharType="end"' in header
    assert section.header.paragraphs[0].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" not in section.first_page_header._element.xml


# ---------------------------------------------------------------- header and closing blocks

def test_header_is_a_borderless_table_of_issuer_and_motto(doc):
    header = doc.tables[0]
    assert "w:tblBorders" not in header._tbl.xml and header.style.name == "Normal Table"
    issuer, motto = header.cell(0, 0), header.cell(0, 1)
    assert [p.text for p in issuer.paragraphs if p.text] == [
        "UBND THÀNH PHỐ HẢI DƯƠNG", "UBND PHƯỜNG TRẦN HƯNG ĐẠO"]
    assert all(r.bold for r in issuer.paragraphs[1].runs)
    assert [p.text for p in motto.paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    slogan = motto.paragraphs[1].runs
    assert all(r.bold and r.underline for r in slogan)
    assert header.cell(1, 0).text == "Số: 245/BC-UBND"
    when = header.cell(1, 1)
    assert when.text == "Hải Dương, ngày 30 tháng 10 năm 2023"
    assert all(r.italic for r in when.paragraphs[0].runs)


def test_title_and_subject_follow_the_header(doc):
    title, subject = [p for p in doc.paragraphs if p.text][:2]
    assert title.text == "BÁO CÁO" and all(r.bold for r in title.runs)
    assert subject.text == ("Tình hình, kết quả thực hiện công tác cải cách thủ tục hành chính\n"
                            "10 tháng năm 2023 tại phường Trần Hưng Đạo")
    for p in (title, subject):
        assert p.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert p.paragraph_format.first_line_indent == 0


def test_closing_lists_recipients_and_signs(doc):
    closing = doc.tables[-1]
    recipients, signature = closing.cell(0, 0), closing.cell(0, 1)
    lines = [p.text for p in recipients.paragraphs if p.text]
    assert lines == ["Nơi nhận:", "- UBND thành phố Hải Dương (để b/c);",
                     "- Thường trực Đảng ủy phường;", "- Lưu: VT."]
    label = recipients.paragraphs[0].runs[0]
    assert label.bold and label.italic and label.font.size == Pt(12)
    assert {r.font.size for p in recipients.paragraphs[1:] for r in p.runs} == {Pt(11)}
    signed = [p for p in signature.paragraphs if p.text]
    assert [p.text for p in signed] == ["TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH", "Đinh Thị Yến"]
    assert all(r.bold for p in signed for r in p.runs)
    assert "w:tblBorders" not in closing._tbl.xml


# ---------------------------------------------------------------- body

def test_headings_use_word_heading_styles(doc):
    headings = {p.text: p.style.name for p in doc.paragraphs if p.style.name.startswith("Heading")}
    assert headings == {"I. KẾT QUẢ THỰC HIỆN": "Heading 2",
                        "2.2. Kết quả giải quyết TTHC": "Heading 4"}
    heading2 = doc.styles["Heading 2"].font
    assert heading2.bold and heading2.all_caps and heading2.size == Pt(14)


def test_vietnamese_paragraphs_are_exact_and_in_order(doc):
    texts = body_texts(doc)
    start = texts.index(NARRATIVE[0])
    assert texts[start:start + 3] == NARRATIVE
    assert texts.index("I. KẾT QUẢ THỰC HIỆN") < start


def test_escaped_narrative_is_literal_text_and_nothing_else_leaks(doc):
    assert ESCAPED in body_texts(doc)
    paragraph = next(p for p in doc.paragraphs if p.text == ESCAPED)
    assert not any(r.bold for r in paragraph.runs)
    text = all_text(doc)
    for marker in NOT_IN_REPORT:
        assert marker not in text


def test_table_keeps_its_cells_and_merges(doc):
    table = doc.tables[1]
    assert table.style.name == "Table Grid"
    assert len(table.rows) == 4 and len(table.columns) == 4
    assert table.cell(0, 0)._tc is table.cell(1, 0)._tc        # rowspan="2"
    assert table.cell(0, 2)._tc is table.cell(0, 3)._tc        # colspan="2"
    assert table.cell(0, 2)._tc is not table.cell(1, 2)._tc
    assert [table.cell(1, c).text for c in range(4)] == [
        "Chỉ tiêu", "10 tháng năm 2023", "Số liệu", "Tăng/giảm"]
    assert [c.text for c in table.rows[2].cells] == [
        "Số hồ sơ được tiếp nhận", "2.459", "2.411", "tăng 2,0%"]


def test_table_header_shaded_numbers_right_names_left_at_report_css_size(doc):
    table = doc.tables[1]
    head = table.cell(0, 0)
    assert 'w:fill="E6E6E6"' in head._tc.xml and all(r.bold for r in head.paragraphs[0].runs)
    number, name = table.cell(2, 1).paragraphs[0], table.cell(2, 0).paragraphs[0]
    assert number.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert name.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert {r.font.size for r in number.runs + name.runs} == {Pt(11.5)}  # table.tthc-table in report.css
    assert all(r.bold for r in table.cell(3, 1).paragraphs[0].runs)   # tr.total
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    caption = doc.paragraphs[[p.text for p in doc.paragraphs].index("So sánh với cùng kỳ năm 2022")]
    assert all(r.bold for r in caption.runs)


def test_table_columns_fill_the_text_width(doc):
    table = doc.tables[1]
    widths = [col.width for col in table.columns]
    assert abs(sum(widths) - Mm(165)) < Mm(1)
    assert widths[0] == max(widths)   # the names need the room


def test_chart_is_one_inline_picture_at_text_width(doc):
    assert len(doc.inline_shapes) == 1
    shape = doc.inline_shapes[0]
    assert abs(shape.width - Mm(165)) < Mm(0.1)
    assert abs(shape.height - shape.width // 2) < Mm(0.1)
    assert shape._inline.docPr.get("descr") == "Hồ sơ tiếp nhận theo tháng"
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
    assert doc.part.related_parts[blip].blob == png()


# ---------------------------------------------------------------- frame, errors, files

def test_header_and_closing_come_from_meta_when_no_notebook_shows_them(tmp_path):
    nb = new_notebook(cells=[new_code_cell("x", outputs=[shown("<p>Nội dung.</p>")])])
    out = render_docx([nb], tmp_path / "r.docx", ward_meta())
    document = docx.Document(str(out))
    assert document.tables[0].cell(0, 1).paragraphs[1].text == "Độc lập - Tự do - Hạnh phúc"
    assert "Đinh Thị Yến" in document.tables[-1].cell(0, 1).text
    assert body_texts(document)[2] == "Nội dung."


def test_a_failed_section_is_refused_and_no_file_is_left(tmp_path):
    nb = new_notebook(cells=[new_code_cell("1/0", outputs=[new_output(
        "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])])])
    with pytest.raises(ReportError, match="bị lỗi"):
        render_docx([nb], tmp_path / "r.docx", ward_meta())
    assert list(tmp_path.iterdir()) == []


def test_a_broken_chart_is_a_report_error(tmp_path):
    bad = base64.b64encode(b"not a picture").decode("ascii")
    nb = new_notebook(cells=[new_code_cell("x", outputs=[shown(
        f'<figure><img src="data:image/png;base64,{bad}" alt="Biểu đồ hỏng"></figure>')])])
    with pytest.raises(ReportError, match="Biểu đồ hỏng"):
        render_docx([nb], tmp_path / "r.docx", ward_meta())
    assert list(tmp_path.iterdir()) == []


def test_images_are_never_fetched(tmp_path):
    nb = new_notebook(cells=[new_code_cell("x", outputs=[shown(
        '<p>Ảnh ngoài: <img src="http://example.invalid/a.png" alt="ngoài"></p>')])])
    document = docx.Document(str(render_docx([nb], tmp_path / "r.docx", ward_meta())))
    assert len(document.inline_shapes) == 0
    assert "Ảnh ngoài:" in body_texts(document)


def test_rewriting_replaces_the_file_without_leftovers(tmp_path, report):
    out = tmp_path / "r.docx"
    out.write_bytes(b"old")
    render_docx(known_notebooks(ward_meta()), out, ward_meta())
    assert [p.name for p in tmp_path.iterdir()] == ["r.docx"]
    assert docx.Document(str(out)).tables[0].cell(1, 0).text == "Số: 245/BC-UBND"


def test_markdown_lists_and_inline_formatting(tmp_path):
    nb = new_notebook(cells=[new_markdown_cell(
        "Câu có **chữ đậm** và *nghiêng*.\n\n- thứ nhất\n- thứ hai\n\n1. một\n2. hai")])
    assert "<strong>chữ đậm</strong>" in "".join(shown_html(nb))
    document = docx.Document(str(render_docx([nb], tmp_path / "r.docx", ward_meta())))
    texts = body_texts(document)
    start = texts.index("Câu có chữ đậm và nghiêng.")
    assert texts[start:start + 5] == ["Câu có chữ đậm và nghiêng.", "- thứ nhất", "- thứ hai",
                                      "1. một", "2. hai"]
    runs = document.paragraphs[[p.text for p in document.paragraphs].index(texts[start])].runs
    assert [(r.text, bool(r.bold), bool(r.italic)) for r in runs] == [
        ("Câu có", False, False), (" chữ đậm", True, False), (" và", False, False),
        (" nghiêng", False, True), (".", False, False)]


# ---------------------------------------------------------------- the sample city, end to end

@pytest.fixture(scope="module")
def ward_report(sample_store, tmp_path_factory) -> Path:
    """The real section notebooks run for ward HD16 of the sample store, then the Word file."""
    from tthc_lib.content.sections import context

    folder = tmp_path_factory.mktemp("hd16")
    executed = []
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        out = folder / notebook.name
        pm.execute_notebook(str(notebook), str(out),
                            parameters={"unit": "HD16", "db": str(sample_store)},
                            kernel_name="python3", progress_bar=False, cwd=str(notebook.parent))
        executed.append(nbformat.read(out, as_version=4))
    ctx = context("HD16", "2023-01-01", "2023-10-30", sample_store, ROOT / "params")
    return render_docx(executed, folder / "HD16.docx", ctx.meta)


def test_sample_ward_report_has_its_figures_and_signer(ward_report):
    document = docx.Document(str(ward_report))
    texts = body_texts(document)
    assert ("- Số hồ sơ được tiếp nhận 2.459 hồ sơ (Online: 2.166 hồ sơ; trực tiếp: 252 hồ sơ; "
            "kỳ trước chuyển sang: 41 hồ sơ; trong kỳ: 2.418 hồ sơ)") in texts
    assert texts[:2] == ["BÁO CÁO", ("Tình hình, kết quả thực hiện công tác cải cách thủ tục "
                                     "hành chính\n10 tháng năm 2023 tại phường Trần Hưng Đạo")]
    closing = next(t for t in document.tables if "Nơi nhận:" in t.cell(0, 0).text)
    assert closing.cell(0, 1).paragraphs[-1].text == "Đinh Thị Yến"
    assert len(document.inline_shapes) >= 2


def test_sample_ward_form_table_keeps_its_three_header_rows(ward_report):
    document = docx.Document(str(ward_report))
    form = next(t for t in document.tables if t.cell(0, 0).text == "STT")
    assert len(form.columns) == 13
    assert form.cell(0, 0)._tc is form.cell(2, 0)._tc       # STT spans three rows
    assert form.cell(0, 2)._tc is form.cell(0, 5)._tc       # "Số hồ sơ nhận giải quyết"
    assert [form.cell(3, c).text for c in range(13)] == [f"({n})" for n in range(1, 14)]
    assert form.cell(4, 2).text == "2.459"


def test_looks_come_from_report_css():
    """The Word file reads report.css itself: sizes, weights, rules, table type by columns."""
    from tthc_lib.render.docx_css import _compiled_rules, parse_html, stylesheet_rules
    from tthc_lib.render.docx_looks import look_of

    def first(node, cls):
        if cls in node.classes:
            return node
        for child in node.children:
            if not isinstance(child, str) and (found := first(child, cls)):
                return found
        return None

    header = parse_html(layout.header_html(ward_meta()))
    assert look_of(first(header, "tthc-motto-line")).size == 13.5
    assert look_of(first(header, "tthc-number")).size == 12
    assert look_of(first(header, "tthc-subject")).rule and look_of(first(header, "tthc-body-name")).rule
    for columns, size in ((3, 11.5), (9, 10), (13, 9), (15, 8.5)):
        row = "<tr>" + "<td>1</td>" * columns + "</tr>"
        table = parse_html(f'<table class="tthc-table"><tbody>{row}</tbody></table>').children[0]
        assert look_of(table).size == size, columns
    refused = {r.selector for r in stylesheet_rules()} - {r.selector for r, _ in _compiled_rules()}
    assert refused == {".tthc-output:has(+ .tthc-output > table.tthc-closing)",
                       ".tthc-output:has(+ .tthc-output > table.tthc-closing) > :last-child"}


# ---------------------------------------------------------------- annexes on landscape pages

ANNEX = ('<h1 class="tthc-annex tthc-break-before">PHỤ LỤC</h1>'
         '<p class="tthc-note tthc-annex-note">(Kèm theo Báo cáo của phường Trần Hưng Đạo)</p>')


def test_each_annex_is_its_own_landscape_section(tmp_path):
    """Issue 21, point 11: the annex's 13-column form gets the landscape page's width."""
    meta = ward_meta()
    notebooks = known_notebooks(meta) + [
        new_notebook(cells=[new_code_cell("s.annex_heading(ctx)", outputs=[shown(ANNEX)]),
                            new_code_cell("s.form06(ctx)", outputs=[shown(TABLE)])]),
        new_notebook(cells=[new_code_cell("s.annex_heading(ctx)", outputs=[shown(ANNEX)])]),
    ]
    document = docx.Document(str(render_docx(notebooks, tmp_path / "phu-luc.docx", meta)))
    sizes = [(round(s.page_width.mm), round(s.page_height.mm), s.orientation)
             for s in document.sections]
    assert sizes == [(210, 297, 0), (297, 210, 1), (297, 210, 1)]   # WD_ORIENT: 0, 1
    annex = document.sections[1]
    assert [round(m.mm) for m in (annex.top_margin, annex.right_margin, annex.bottom_margin,
                                  annex.left_margin)] == [30, 20, 15, 20]
    assert not annex.different_first_page_header_footer          # its page number shows
    assert annex.header.is_linked_to_previous
    heading = next(p for p in document.paragraphs if p.text == "PHỤ LỤC")
    assert not heading.paragraph_format.page_break_before          # the section breaks the page
    form = document.tables[-1]
    assert abs(sum(col.width for col in form.columns) - Mm(257)) < Mm(1)
