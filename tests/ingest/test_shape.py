"""The layout of real exports as pure functions over rows: headers over several rows, the
numbering row, title values, constants, group rows carried down and not counted."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tthc_lib.ingest.shape import (
    LayoutError,
    flat_header,
    is_numbering_row,
    parse_layout,
    shape_rows,
)


def test_a_two_row_header_with_a_horizontal_merge_left_blank_is_one_flat_header():
    top = ["STT", "Mã hồ sơ", "Kết quả giải quyết", "", "", "Ghi chú"]
    low = ["", "", "Sớm hạn", "Đúng hạn", "Trễ hạn", ""]
    assert flat_header([top, low]) == [
        "STT", "Mã hồ sơ", "Kết quả giải quyết / Sớm hạn", "Kết quả giải quyết / Đúng hạn",
        "Kết quả giải quyết / Trễ hạn", "Ghi chú"]


def test_a_merge_spread_by_the_reader_is_written_once():
    top = ["STT", "STT", "Ngày", "Ngày"]
    low = ["STT", "STT", "Tiếp nhận", "Hẹn trả"]
    assert flat_header([top, low]) == ["STT", "STT", "Ngày / Tiếp nhận", "Ngày / Hẹn trả"]


@pytest.mark.parametrize("cells, expected", [
    (["(1)", "(2)", "(3)", "(4)"], True),
    (["1", "2", "3", "", "4"], True),
    (["(1)", "(3)"], False),
    (["1"], False),
    (["1", "HS001", "3"], False),
])
def test_the_numbering_row(cells, expected):
    assert is_numbering_row(cells) is expected


EPAR = [
    (1, ["SỔ THEO DÕI HỒ SƠ", "", "", "", "", ""]),
    (2, ["Đơn vị: UBND xã Quảng La", "", "", "", "", ""]),
    (4, ["TT", "Mã hồ sơ", "Kết quả giải quyết", "", "", "Ngày nhận"]),
    (5, ["", "", "Sớm hạn", "Đúng hạn", "Trễ hạn", ""]),
    (6, ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]),
    (7, ["Hộ tịch", "", "", "", "", ""]),
    (8, ["--- 1.001193 - Đăng ký khai sinh", "", "", "", "", ""]),
    (9, ["1", "HS-01", "2", "-", "-", "03-01-2024"]),
    (10, ["2", "HS-02", "-", "0", "-", "04-01-2024"]),
    (11, ["--- 1.000894 - Đăng ký kết hôn", "", "", "", "", ""]),
    (12, ["3", "HS-03", "-", "-", "1", "05-01-2024"]),
    (13, ["Chứng thực", "", "", "", "", ""]),
    (14, ["4", "HS-04"]),
]

LAYOUT = parse_layout({
    "header_rows": 2,
    "title_values": {"unit_code": r"^Đơn vị:\s*(.+)$"},
    "constants": {"channel": "Trực tiếp"},
    "groups": [
        {"column": "field", "pattern": r"^(?P<value>[^\d-].*)$"},
        {"column": "procedure_code", "name_column": "procedure_name",
         "pattern": r"^---\s*(?P<value>\S+)\s*-\s*(?P<name>.+)$"},
    ],
})


def test_an_export_with_title_rows_two_header_rows_numbering_and_groups():
    shaped = shape_rows(EPAR, header_row=4, layout=LAYOUT)
    assert shaped.header == [
        "TT", "Mã hồ sơ", "Kết quả giải quyết / Sớm hạn", "Kết quả giải quyết / Đúng hạn",
        "Kết quả giải quyết / Trễ hạn", "Ngày nhận",
        "unit_code", "channel", "field", "procedure_code", "procedure_name"]
    assert shaped.numbering_row == 6
    assert shaped.title_rows == 2
    assert shaped.group_rows == 4
    assert [n for n, _ in shaped.rows] == [9, 10, 12, 14]
    first = dict(zip(shaped.header, shaped.rows[0][1]))
    assert first["unit_code"] == "UBND xã Quảng La"
    assert first["channel"] == "Trực tiếp"
    assert (first["procedure_code"], first["procedure_name"]) == ("1.001193", "Đăng ký khai sinh")
    assert first["field"] == "Hộ tịch"
    third = dict(zip(shaped.header, shaped.rows[2][1]))
    assert third["procedure_code"] == "1.000894"
    last = dict(zip(shaped.header, shaped.rows[3][1]))
    assert last["field"] == "Chứng thực" and last["Ngày nhận"] == ""
    assert last["procedure_code"] == ""          # a new field clears the procedure above


@given(st.lists(st.sampled_from(["data", "group", "blank"]), max_size=40))
def test_every_row_below_the_header_is_a_data_row_or_a_group_row(kinds):
    """data rows + group rows = every non-blank row under the header (blank rows are not
    rows, docs/input-format.md)."""
    rows = [(1, ["Mã hồ sơ", "Ngày nhận"])]
    for i, kind in enumerate(kinds, start=2):
        cells = {"data": [f"HS{i}", "01-01-2024"], "group": ["Hộ tịch", ""],
                 "blank": ["", ""]}[kind]
        rows.append((i, cells))
    layout = parse_layout({"groups": [{"column": "field", "pattern": r"^(?P<value>\D.*)$"}]})
    shaped = shape_rows(rows, 1, layout)
    assert len(shaped.rows) + shaped.group_rows == len(kinds) - kinds.count("blank")
    assert shaped.group_rows == kinds.count("group")


@pytest.mark.parametrize("spec, says", [
    ({"header_rows": 0}, "layout.header_rows"),
    ({"rows": 2}, "khóa ['rows'] không có"),
    ({"groups": [{"column": "field", "pattern": "(.*)"}]}, "(?P<value>...)"),
    ({"title_values": {"unit_code": "(["}}, "biểu thức không hợp lệ"),
])
def test_a_wrong_layout_is_named(spec, says):
    with pytest.raises(LayoutError, match=None) as info:
        parse_layout(spec)
    assert says in str(info.value)
