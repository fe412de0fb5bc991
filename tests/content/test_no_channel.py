"""An export without a channel column (Tân Dân's list): the report's online figures read
"không có số liệu", word for word, and every other figure is printed as before."""

from __future__ import annotations

from datetime import date

from tests.content.test_prose import CITY, COMMUNES, SEED_PERIOD, TOTAL
from tthc_lib.content.words.prose import (
    digitisation_prose,
    dossiers_prose,
    feedback_prose,
    online_services_prose,
    procedures_published_prose,
)
from tthc_lib.periods import Period

NO_CHANNEL = {"channel_unknown": 12}


def test_the_online_line_of_the_dossier_prose():
    known = dossiers_prose(CITY)
    missing = dossiers_prose({**CITY, **NO_CHANNEL})
    assert missing[-1] == "Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: không có số liệu"
    assert missing[0] == (
        "Số hồ sơ được tiếp nhận 13.372 hồ sơ (Online: không có số liệu; trực tiếp: không có "
        "số liệu; kỳ trước chuyển sang: 896 hồ sơ; trong kỳ: 12.476 hồ sơ)")
    assert missing[1:-1] == known[1:-1]


def test_the_online_services_section():
    assert online_services_prose({**TOTAL, **NO_CHANNEL}, {**CITY, **NO_CHANNEL},
                                 COMMUNES, SEED_PERIOD) == (
        "Từ ngày 01/01/2023 đến 30/10/2023 số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: "
        "không có số liệu. Trong đó: cấp huyện tiếp nhận qua dịch vụ công trực tuyến: không có "
        "số liệu, cấp xã tiếp nhận qua dịch vụ công trực tuyến 43.134/43.924 hồ sơ đạt tỷ lệ "
        "98,20%.")


def test_a_unit_with_a_channel_keeps_its_figures():
    ward = {**TOTAL, "channel_unknown": 0}
    assert online_services_prose(ward, None, None, Period(date(2023, 1, 1), date(2023, 10, 30))
                                 ) == online_services_prose(TOTAL, None, None, SEED_PERIOD)


def test_dossiers_resolved_on_an_unknown_date_leave_what_stood_open_without_data():
    known = dossiers_prose(CITY)
    undated = dossiers_prose({**CITY, "closing_unknown": 5})
    assert undated[0] == (
        "Số hồ sơ được tiếp nhận: không có số liệu (Online: 11.009 hồ sơ; trực tiếp: 1.467 hồ "
        "sơ; kỳ trước chuyển sang: không có số liệu; trong kỳ: 12.476 hồ sơ)")
    assert undated[1:] == known[1:]


def test_dossiers_counted_on_their_earliest_possible_closing_date_are_said_to_be_estimated():
    known = dossiers_prose(CITY)
    estimated = dossiers_prose({**CITY, "closing_unknown": 5, "closing_estimated": 5})
    assert known[1] == "Số hồ sơ đã giải quyết 11.722 hồ sơ."
    assert estimated[1] == (
        "Số hồ sơ đã giải quyết 11.722 hồ sơ (05 hồ sơ không có ngày giải quyết trong dữ liệu, "
        "được tính vào ngày sớm nhất có thể: số liệu ước tính).")
    assert estimated[2:] == known[2:]


def test_an_export_without_digitisation_columns_says_no_data_not_none():
    assert digitisation_prose({**CITY, "digitisation_unknown": 3}) == [
        "+ Số hồ sơ số hóa đầy đủ thành phần khi Tiếp nhận: không có số liệu",
        "+ Số hồ sơ có số hóa kết quả giải quyết TTHC: không có số liệu",
    ]
    assert digitisation_prose({**CITY, "digitisation_unknown": 0}) == digitisation_prose(CITY)


def test_before_any_feedback_export_is_loaded_the_feedback_prose_says_no_data():
    assert feedback_prose({**CITY, "feedback_unknown": 1}) == [
        "Tổng số PAKN đã tiếp nhận: không có số liệu; số PAKN đã xử lý đúng hạn: không có số "
        "liệu; số PAKN đã xử lý quá hạn: không có số liệu; số PAKN đang xử lý: không có số liệu",
        "Tổng số PAKN đã tiếp nhận: không có số liệu; số PAKN đã xử lý đúng hạn: không có số "
        "liệu; số PAKN đã xử lý quá hạn: không có số liệu; số PAKN đang xử lý: không có số liệu",
    ]
    assert feedback_prose({**CITY, "feedback_unknown": 0}) == feedback_prose(CITY)


def test_before_any_publication_export_is_loaded_section_1_3_says_no_data():
    assert procedures_published_prose(None, "district") == (
        "Số lượng TTHC thuộc thẩm quyền của UBND cấp huyện được UBND tỉnh công bố: không có "
        "số liệu")
    assert procedures_published_prose(None, "province") == (
        "Số lượng TTHC thuộc thẩm quyền của các cấp được UBND cấp tỉnh công bố: không có số liệu")
