"""The dateline's place (docs/report-layout.md § Header; Nghị định 30/2020/NĐ-CP): the
unit's own name without its kind word, a number keeping it, a department at its province's
place, and the params' overrides."""

from __future__ import annotations

import pytest

from tthc_lib.content.words.layout import dateline_place

PROVINCE = {"unit_code": "HP", "unit_name": "Thành phố Hải Phòng",
            "kind": "Thành phố trực thuộc trung ương", "level": "province"}


@pytest.mark.parametrize("name, kind, place", [
    ("Thành phố Chí Linh", "Thành phố", "Chí Linh"),
    ("Thành phố Hải Dương", "Thành phố", "Hải Dương"),
    ("Phường Lê Thanh Nghị", "Phường", "Lê Thanh Nghị"),
    ("Phường 1", "Phường", "Phường 1"),
    ("Quận 3", "Quận", "Quận 3"),
    ("Xã An Thượng", "Xã", "An Thượng"),
    ("Thị xã Kinh Môn", "Thị xã", "Kinh Môn"),
    ("Thị trấn Gia Lộc", "Thị trấn", "Gia Lộc"),
    ("Huyện Gia Lộc", "Huyện", "Gia Lộc"),
    ("Tỉnh Hải Dương", "Tỉnh", "Hải Dương"),
    ("Đặc khu Cát Hải", "Đặc khu", "Cát Hải"),
    ("Thành phố Hải Phòng", "Thành phố trực thuộc trung ương", "Hải Phòng"),
    ("  phường  Trần  Phú ", "Phường", "Trần Phú"),
])
def test_the_units_own_name_without_its_kind_word(name, kind, place):
    assert dateline_place({"unit_code": "X", "unit_name": name, "kind": kind}) == place


@pytest.mark.parametrize("name, kind", [("Sở Tư pháp", "Sở"),
                                        ("Ban Quản lý Khu kinh tế Hải Phòng", "Ban"),
                                        ("Trung tâm Phục vụ hành chính công", "Trung tâm")])
def test_a_department_is_at_its_provinces_place(name, kind):
    unit = {"unit_code": "S", "unit_name": name, "kind": kind, "level": "province"}
    assert dateline_place(unit, PROVINCE) == "Hải Phòng"
    assert dateline_place(unit, PROVINCE, {"places": {"HP": "TP. Hải Phòng"}}) == "TP. Hải Phòng"


def test_a_unit_without_a_kind_word_keeps_its_name():
    assert dateline_place({"unit_code": "X", "unit_name": "Văn phòng UBND"}) == "Văn phòng UBND"


def test_params_override_per_unit_then_for_every_report():
    ward = {"unit_code": "HP03", "unit_name": "Phường Lê Thanh Nghị", "kind": "Phường"}
    assert dateline_place(ward, PROVINCE, {"places": {"HP03": "Hải Dương"}}) == "Hải Dương"
    assert dateline_place(ward, PROVINCE, {"place": "Gia Lộc"}) == "Gia Lộc"
    assert dateline_place(ward, PROVINCE, {"place": "Gia Lộc", "places": {"HP03": "X"}}) == "X"
    assert dateline_place(ward, PROVINCE, {"places": {"HP01": "Y"}}) == "Lê Thanh Nghị"
