"""Values derived by a profile: dates per column, status rule tables, never received,
timeliness from days-early/on-time/late columns."""

from __future__ import annotations

import datetime as dt

import pytest

from tthc_lib.ingest.derive import (
    DateFormat,
    DeriveError,
    never_received_reason,
    parse_derive,
    status_of,
    timeliness_of,
)

STATUSES = {"open", "paused", "resolved", "withdrawn", "returned"}


@pytest.mark.parametrize("fmt, text, expected", [
    ("dd-mm-yyyy", "28-02-2024", dt.datetime(2024, 2, 28)),
    ("dd-mm-yyyy", "28-02-2024\nTừ 13:30 đến 16:00", dt.datetime(2024, 2, 28)),
    ("DD/MM/YYYY HH:mm:ss", "03/04/2023 16:05:09", dt.datetime(2023, 4, 3, 16, 5, 9)),
    ("DD/MM/YYYY HH:mm:ss", "03/04/2023\n16:05:09", dt.datetime(2023, 4, 3, 16, 5, 9)),
    ("DD/MM/YYYY HH:mm:ss", "03/04/2023", dt.datetime(2023, 4, 3)),
    ("dd/mm/yyyy HH:mm", "3/4/2023 8:05 (giờ hành chính)", dt.datetime(2023, 4, 3, 8, 5)),
    ("dd-mm-yyyy", "31-02-2024", None),
    ("dd-mm-yyyy", "2024-02-28", None),
    ("dd-mm-yyyy", "", None),
])
def test_dates_in_the_profiles_format(fmt, text, expected):
    assert DateFormat.of(fmt).parse(text) == expected


TANDAN = parse_derive({
    "status": [
        {"if": {"Trạng thái": ["Đã xử lý xong", "Đã trả kết quả"]}, "then": "resolved"},
        {"if": {"Trạng thái": "Dừng xử lý"}, "then": "paused"},
        {"if": {"Trạng thái": "Công dân yêu cầu rút hồ sơ"}, "then": "withdrawn"},
        {"if": {"Ngày kết thúc xử lý": "filled"}, "then": "resolved"},
        {"then": "open"},
    ],
    "never_received": ["Mới đăng ký", "Không được tiếp nhận"],
    "never_received_column": "Trạng thái",
}, STATUSES)


@pytest.mark.parametrize("row, status", [
    ({"Trạng thái": "Đã trả kết quả", "Ngày kết thúc xử lý": "05/01/2024"}, "resolved"),
    ({"Trạng thái": "Dừng xử lý", "Ngày kết thúc xử lý": ""}, "paused"),
    ({"Trạng thái": "công dân yêu cầu  rút hồ sơ"}, "withdrawn"),
    ({"Trạng thái": "Đang xử lý", "Ngày kết thúc xử lý": ""}, "open"),
    ({"Trạng thái": "Đang xử lý", "ngày kết thúc xử lý": "05/01/2024"}, "resolved"),
])
def test_the_first_rule_that_holds_gives_the_status(row, status):
    assert status_of(row, TANDAN) == status


def test_never_received_has_its_own_reason():
    assert never_received_reason({"Trạng thái": "Mới đăng ký"}, TANDAN) == (
        'hồ sơ chưa được tiếp nhận ("Mới đăng ký"), không tính')
    assert never_received_reason({"Trạng thái": "Đang xử lý"}, TANDAN) is None


EPAR = parse_derive({"timeliness": {"early": "Sớm hạn", "on_time": "Đúng hạn",
                                    "late": "Trễ hạn"}}, STATUSES)


@pytest.mark.parametrize("row, expected", [
    ({"Sớm hạn": "2", "Đúng hạn": "-", "Trễ hạn": "-"}, ("early", None)),
    ({"Sớm hạn": "-", "Đúng hạn": "x", "Trễ hạn": ""}, ("on_time", None)),
    ({"Sớm hạn": "", "Đúng hạn": "-", "Trễ hạn": "3"}, ("late", None)),
    ({"Sớm hạn": "-", "Đúng hạn": "-", "Trễ hạn": "-"}, (None, None)),
    ({"Sớm hạn": "1", "Đúng hạn": "-", "Trễ hạn": "2"},
     (None, "có số ngày ở nhiều cột tiến độ (Sớm hạn, Trễ hạn), cần đúng một")),
])
def test_timeliness_from_the_day_columns(row, expected):
    assert timeliness_of(row, EPAR) == expected


@pytest.mark.parametrize("spec, says", [
    ({"status": [{"if": {"Trạng thái": "x"}, "then": "closed"}]}, "phải là một trong"),
    ({"dates": {"received_at": "HH:mm"}}, "cần dd, mm và yyyy"),
    ({"timeliness": {"soon": "Sớm"}}, "chỉ có early:"),
    ({"rules": []}, "khóa ['rules'] không có"),
])
def test_a_wrong_derive_is_named(spec, says):
    with pytest.raises(DeriveError) as info:
        parse_derive(spec, STATUSES)
    assert says in str(info.value)
