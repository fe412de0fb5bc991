"""layout: the header and closing blocks of the official report form, escaped."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tthc_lib.content.words.layout import (
    ReportMeta,
    Signer,
    closing_html,
    header_html,
    place_and_date,
)
from tthc_lib.errors import ReportError


def city_meta(**changes) -> ReportMeta:
    data = {
        "issuer_lines": ["UBND thành phố Hải Dương"], "place": "Hải Dương",
        "date": "2023-10-30", "doc_number": "245",
        "subject": "Tình hình, kết quả thực hiện công tác cải cách thủ tục hành chính\n"
                   "10 tháng năm 2023 tại thành phố Hải Dương",
        "signer": {"authority": "KT. Chủ tịch", "title": "Phó Chủ tịch",
                   "name": "Nguyễn Hữu Phúc"},
        "recipients": ["Văn phòng UBND tỉnh;", "Thường trực HĐND tp", "Lưu: VT, VP."],
    }
    return ReportMeta.from_dict({**data, **changes})


def text_lines(html: str) -> list[str]:
    """The text a reader sees, one line per block element."""
    html = re.sub(r"<br>|</div>|</p>|</td>", "\n", html)
    text = re.sub(r"<[^>]+>", "", html).replace("&nbsp;", " ").replace("\u00a0", " ")
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize(("when", "shown"), [
    (date(2023, 10, 30), "Hải Dương, ngày 30 tháng 10 năm 2023"),
    (date(2023, 2, 5), "Hải Dương, ngày 05 tháng 02 năm 2023"),
    (date(2024, 3, 14), "Hải Dương, ngày 14 tháng 3 năm 2024"),
])
def test_place_and_date_pad_days_below_ten_and_months_one_two(when, shown):
    assert place_and_date("Hải Dương", when) == shown


def test_city_header_reads_as_the_form():
    assert text_lines(header_html(city_meta())) == [
        "UBND THÀNH PHỐ HẢI DƯƠNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 245/BC-UBND",
        "Hải Dương, ngày 30 tháng 10 năm 2023",
        "BÁO CÁO",
        "Tình hình, kết quả thực hiện công tác cải cách thủ tục hành chính",
        "10 tháng năm 2023 tại thành phố Hải Dương",
    ]


def test_ward_header_puts_its_parent_above_it_and_leaves_the_number_blank():
    meta = city_meta(issuer_lines=["UBND thành phố Hải Dương", "UBND phường Trần Hưng Đạo"],
                     doc_number=None)
    html = header_html(meta)
    assert text_lines(html)[:2] == ["UBND THÀNH PHỐ HẢI DƯƠNG", "UBND PHƯỜNG TRẦN HƯNG ĐẠO"]
    assert '<div class="tthc-parent">UBND THÀNH PHỐ HẢI DƯƠNG</div>' in html
    assert '<div class="tthc-body-name"><span>UBND PHƯỜNG TRẦN HƯNG ĐẠO</span></div>' in html
    assert "Số: \u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/BC-UBND" in html


def test_closing_lists_recipients_then_signature():
    assert text_lines(closing_html(city_meta())) == [
        "Nơi nhận:", "- Văn phòng UBND tỉnh;", "- Thường trực HĐND tp;", "- Lưu: VT, VP.",
        "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Hữu Phúc",
    ]


def test_closing_adds_the_archive_line_and_signs_without_authority():
    meta = city_meta(recipients=["Văn phòng UBND tỉnh"],
                     signer={"title": "Chủ tịch", "name": "Nguyễn Văn A"})
    assert text_lines(closing_html(meta)) == [
        "Nơi nhận:", "- Văn phòng UBND tỉnh;", "- Lưu: VT.", "CHỦ TỊCH", "Nguyễn Văn A"]


def test_all_text_is_escaped():
    meta = city_meta(issuer_lines=["UBND <b>x</b>"], subject="<script>alert(1)</script>",
                     place="A & B", recipients=["<i>y</i>"],
                     signer={"title": "t", "name": "<img src=x>"})
    html = header_html(meta) + closing_html(meta)
    assert "<script" not in html and "<b>" not in html and "<img" not in html
    assert "<i>" not in html
    assert "&lt;SCRIPT&gt;" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "A &amp; B, ngày" in html and "&lt;img src=x&gt;" in html


def test_meta_round_trips_through_plain_data():
    meta = city_meta()
    assert ReportMeta.from_dict(meta.to_dict()) == meta
    assert meta.signer == Signer(title="Phó Chủ tịch", name="Nguyễn Hữu Phúc",
                                 authority="KT. Chủ tịch")


def test_meta_with_unknown_or_missing_items_is_a_report_error():
    with pytest.raises(ReportError, match="mục không biết: sender"):
        city_meta(sender="x")
    data = city_meta().to_dict()
    del data["place"]
    with pytest.raises(ReportError, match="Thông tin báo cáo thiếu hoặc sai"):
        ReportMeta.from_dict(data)
