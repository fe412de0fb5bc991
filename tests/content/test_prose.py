"""The figure sentences of the report, word for word, for the reference report's figures
(figures.yaml; counts it does not print are filled so that every identity holds)."""

from __future__ import annotations

import unicodedata
from datetime import date

import pandas as pd
import pytest

from tthc_lib.content.words.prose import (
    digitisation_prose,
    dossiers_prose,
    feedback_prose,
    online_services_prose,
    procedures_published_prose,
)
from tthc_lib.periods import Period

SEED_PERIOD = Period(date(2023, 1, 1), date(2023, 10, 30))

NO_BUSINESS_FEEDBACK = {
    "business_feedback_received": 0,
    "business_feedback_on_time": 0,
    "business_feedback_late": 0,
    "business_feedback_pending": 0,
}

# The city's own dossiers (scope `unit`). Not in the reference: closed_other, pending_*.
CITY = {
    "unit": "HD",
    "scope": "unit",
    "unit_name": "Thành phố Hải Dương",
    "kind": "Thành phố",
    "level": "district",
    "carried_over": 896,
    "received_online": 11009,
    "received_offline": 1467,
    "received_in_period": 12476,
    "received_total": 13372,
    "resolved_total": 11722,
    "resolved_early": 10049,
    "resolved_on_time": 1261,
    "resolved_late": 412,
    "closed_other": 50,
    "pending_total": 1600,
    "pending_in_time": 1500,
    "pending_overdue": 100,
    "dvc_eligible": 3752,
    "dvc_online": 3670,
    "digitised_on_receipt": 12265,
    "result_digitised": 11394,
    "feedback_received": 5,
    "feedback_on_time": 5,
    "feedback_late": 0,
    "feedback_pending": 0,
    **NO_BUSINESS_FEEDBACK,
}

# The sum over its wards and communes (scope `communes`).
COMMUNES = {
    **CITY,
    "scope": "communes",
    "carried_over": 1099,
    "received_online": 62423,
    "received_offline": 3430,
    "received_in_period": 65853,
    "received_total": 66952,
    "resolved_total": 65698,
    "resolved_early": 62449,
    "resolved_on_time": 3190,
    "resolved_late": 59,
    "closed_other": 54,
    "pending_total": 1200,
    "pending_in_time": 1150,
    "pending_overdue": 50,
    "dvc_eligible": 43924,
    "dvc_online": 43134,
    "digitised_on_receipt": 64684,
    "result_digitised": 64714,
    "feedback_received": 2,
    "feedback_on_time": 2,
}

TOTAL = {
    **CITY,
    "scope": "total",
    **{k: CITY[k] + COMMUNES[k] for k in CITY if isinstance(CITY[k], int)},
}

# A ward that received nothing in the period.
EMPTY_WARD = {
    **{k: 0 for k in CITY if isinstance(CITY[k], int)},
    "unit": "HD-TB",
    "scope": "unit",
    "unit_name": "Phường Tân Bình",
    "kind": "Phường",
    "level": "commune",
}

CITY_LATE_REASON = (
    "hồ sơ giải quyết quá hạn do kích chậm hồ sơ trên phần mềm khi chuyển hồ sơ giữa các "
    "phòng, đơn vị chuyên môn và UBND phường xã"
)


def test_seed_rows_are_consistent():
    for row in (CITY, COMMUNES, TOTAL):
        parts = row["resolved_total"] + row["closed_other"] + row["pending_total"]
        assert row["received_total"] == parts
        assert row["received_total"] == row["carried_over"] + row["received_in_period"]
        early_on_time_late = row["resolved_early"] + row["resolved_on_time"] + row["resolved_late"]
        assert row["resolved_total"] == early_on_time_late


def test_dossiers_city_word_for_word():
    assert dossiers_prose(CITY, CITY_LATE_REASON) == [
        (
            "Số hồ sơ được tiếp nhận 13.372 hồ sơ (Online: 11.009 hồ sơ; trực tiếp: 1.467 hồ sơ; "
            "kỳ trước chuyển sang: 896 hồ sơ; trong kỳ: 12.476 hồ sơ)"
        ),
        "Số hồ sơ đã giải quyết 11.722 hồ sơ.",
        "Trong đó: Trước hạn: 10.049 hồ sơ, đạt 85,7%",
        "Đúng hạn: 1.261 hồ sơ, đạt 10,8%",
        (
            "Quá hạn: 412 hồ sơ, chiếm tỷ lệ 3,5% (hồ sơ giải quyết quá hạn do kích chậm hồ sơ trên "
            "phần mềm khi chuyển hồ sơ giữa các phòng, đơn vị chuyên môn và UBND phường xã)."
        ),
        "Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: 11.009 hồ sơ (đạt 88,24%)",
    ]


def test_dossiers_communes_word_for_word():
    reason = "(hồ sơ giải quyết quá hạn do kích chậm hồ sơ trên phần mềm một cửa dùng chung)."
    assert dossiers_prose(COMMUNES, reason) == [
        (
            "Số hồ sơ được tiếp nhận 66.952 hồ sơ (Online: 62.423 hồ sơ; trực tiếp: 3.430 hồ sơ; "
            "kỳ trước chuyển sang: 1.099 hồ sơ; trong kỳ: 65.853 hồ sơ)"
        ),
        "Số hồ sơ đã giải quyết 65.698 hồ sơ.",
        "Trong đó: Trước hạn: 62.449 hồ sơ, đạt 95,1%",
        "Đúng hạn: 3.190 hồ sơ, đạt 4,9%",
        (
            "Quá hạn: 59 hồ sơ, chiếm tỷ lệ 0,1% (hồ sơ giải quyết quá hạn do kích chậm hồ sơ trên "
            "phần mềm một cửa dùng chung)."
        ),
        # the reference prints 94,8%: two decimals for online rates throughout
        "Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: 62.423 hồ sơ (đạt 94,79%)",
    ]


def test_dossiers_without_reason_and_from_a_series():
    lines = dossiers_prose(pd.Series(CITY))
    assert lines[4] == "Quá hạn: 412 hồ sơ, chiếm tỷ lệ 3,5%"
    assert dossiers_prose(CITY, "   ") == lines


def test_dossiers_rates_are_exact_not_the_rows_floats():
    # 1 of 16 late is 6,25%: halves go away from zero (Babel alone would print 6,2%).
    row = {
        **CITY,
        "resolved_total": 16,
        "resolved_early": 10,
        "resolved_on_time": 5,
        "resolved_late": 1,
        "late_rate": 6.25,
    }
    lines = dossiers_prose(row)
    assert lines[2:5] == [
        "Trong đó: Trước hạn: 10 hồ sơ, đạt 62,5%",
        "Đúng hạn: 05 hồ sơ, đạt 31,3%",
        "Quá hạn: 01 hồ sơ, chiếm tỷ lệ 6,3%",
    ]


def test_dossiers_unit_with_no_dossiers():
    assert dossiers_prose(EMPTY_WARD, CITY_LATE_REASON) == [
        "Số hồ sơ được tiếp nhận: không",
        "Số hồ sơ đã giải quyết: không.",
        "Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: không",
    ]


def test_dossiers_zero_parts_and_no_late_dossiers():
    row = {
        **EMPTY_WARD,
        "received_offline": 7,
        "received_in_period": 7,
        "received_total": 7,
        "resolved_total": 4,
        "resolved_early": 4,
    }
    assert dossiers_prose(row, CITY_LATE_REASON) == [
        (
            "Số hồ sơ được tiếp nhận 07 hồ sơ (Online: không; trực tiếp: 07 hồ sơ; "
            "kỳ trước chuyển sang: không; trong kỳ: 07 hồ sơ)"
        ),
        "Số hồ sơ đã giải quyết 04 hồ sơ.",
        "Trong đó: Trước hạn: 04 hồ sơ, đạt 100,0%",
        "Đúng hạn: không",
        "Quá hạn: không",
        "Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: không",
    ]


def test_no_nan_or_zero_percent_anywhere_for_an_empty_unit():
    texts = [
        *dossiers_prose(EMPTY_WARD),
        *digitisation_prose(EMPTY_WARD),
        online_services_prose(EMPTY_WARD, None, None, SEED_PERIOD),
        *feedback_prose(EMPTY_WARD),
    ]
    for text in texts:
        assert "nan" not in text.casefold() and "%" not in text and "None" not in text


def test_online_services_city_word_for_word():
    # The reference prints 46.801/47.605 (98,31 %) and 99,62% for the city; the data say:
    assert online_services_prose(TOTAL, CITY, COMMUNES, SEED_PERIOD) == (
        "Từ ngày 01/01/2023 đến 30/10/2023 tổng số hồ sơ tiếp nhận qua dịch vụ công trực tuyến "
        "là 46.804/47.676 hồ sơ đạt tỷ lệ 98,17%. Trong đó: cấp huyện tiếp nhận qua dịch vụ "
        "công trực tuyến 3.670/3.752 hồ sơ đạt tỷ lệ 97,81%, cấp xã tiếp nhận qua dịch vụ công "
        "trực tuyến 43.134/43.924 hồ sơ đạt tỷ lệ 98,20%."
    )


def test_online_services_unit_without_children():
    ward = {**EMPTY_WARD, "dvc_eligible": 8, "dvc_online": 5}
    assert online_services_prose(ward, None, None, Period(date(2023, 7, 1), date(2023, 9, 30))) == (
        "Từ ngày 01/07/2023 đến 30/09/2023 tổng số hồ sơ tiếp nhận qua dịch vụ công trực tuyến "
        "là 5/8 hồ sơ đạt tỷ lệ 62,50%."
    )


def test_online_services_no_eligible_dossiers():
    assert online_services_prose(EMPTY_WARD, None, None, SEED_PERIOD) == (
        "Từ ngày 01/01/2023 đến 30/10/2023 không có hồ sơ thuộc thủ tục hành chính cung cấp "
        "dịch vụ công trực tuyến toàn trình."
    )
    communes = {**COMMUNES, "dvc_eligible": 0, "dvc_online": 0}
    text = online_services_prose(CITY, CITY, communes, SEED_PERIOD)
    assert text.endswith(
        "Trong đó: cấp huyện tiếp nhận qua dịch vụ công trực tuyến 3.670/3.752 hồ sơ đạt tỷ lệ "
        "97,81%, cấp xã không có hồ sơ thuộc thủ tục hành chính cung cấp dịch vụ công trực "
        "tuyến toàn trình."
    )


def test_digitisation_word_for_word():
    assert digitisation_prose(CITY) == [
        "+ Số hồ sơ số hóa đầy đủ thành phần khi Tiếp nhận: 12.265 hồ sơ, đạt 98,31%",
        "+ Số hồ sơ có số hóa kết quả giải quyết TTHC: 11.394 hồ sơ, đạt 97,20%",
    ]
    assert digitisation_prose(COMMUNES) == [
        "+ Số hồ sơ số hóa đầy đủ thành phần khi Tiếp nhận: 64.684 hồ sơ, đạt 98,22%",
        "+ Số hồ sơ có số hóa kết quả giải quyết TTHC: 64.714 hồ sơ, đạt 98,50%",
    ]


def test_digitisation_empty_unit():
    assert digitisation_prose(EMPTY_WARD) == [
        "+ Số hồ sơ số hóa đầy đủ thành phần khi Tiếp nhận: không",
        "+ Số hồ sơ có số hóa kết quả giải quyết TTHC: không",
    ]


SEED_PUBLISHED = {
    "district": {"new": 3, "amended": 70, "abolished": 33},
    "commune": {"new": 5, "amended": 43, "abolished": 12},
}


def test_procedures_published_word_for_word():
    # The reference's "được hành mới" is corrected to "được ban hành mới".
    assert procedures_published_prose(SEED_PUBLISHED) == (
        "Số lượng TTHC thuộc thẩm quyền của UBND cấp huyện được UBND tỉnh công bố trong đó được "
        "ban hành mới: 08 TTHC (03 TTHC cấp huyện, 05 TTHC cấp xã); sửa đổi: 113 TTHC "
        "(70 TTHC cấp huyện, 43 TTHC cấp xã); bãi bỏ: 45 TTHC (33 TTHC cấp huyện, 12 TTHC cấp xã)"
    )


def test_procedures_published_for_a_commune():
    assert procedures_published_prose(SEED_PUBLISHED, level="commune") == (
        "Số lượng TTHC thuộc thẩm quyền của UBND cấp xã được UBND tỉnh công bố trong đó được "
        "ban hành mới: 05 TTHC; sửa đổi: 43 TTHC; bãi bỏ: 12 TTHC"
    )


def test_procedures_published_zeros_and_missing_levels():
    assert procedures_published_prose({"district": {"new": 2}}) == (
        "Số lượng TTHC thuộc thẩm quyền của UBND cấp huyện được UBND tỉnh công bố trong đó được "
        "ban hành mới: 02 TTHC (02 TTHC cấp huyện); sửa đổi: không; bãi bỏ: không"
    )


def test_feedback_city_word_for_word():
    assert feedback_prose(TOTAL, CITY, COMMUNES, unit_word="thành phố") == [
        (
            "Tổng số PAKN đã tiếp nhận: 07 (thuộc thẩm quyền thành phố 05 PAKN, thuộc cấp xã "
            "02 PAKN); số PAKN đã xử lý đúng hạn: 07; số PAKN đã xử lý quá hạn: không; số PAKN "
            "đang xử lý: không"
        ),
        (
            "Tổng số PAKN đã tiếp nhận: Không; số PAKN đã xử lý đúng hạn: Không; số PAKN đã xử lý "
            "quá hạn: Không; số PAKN đang xử lý: Không"
        ),
    ]


@pytest.mark.parametrize("word", ["thị xã", "huyện"])
def test_feedback_unit_word_is_the_callers(word):
    first = feedback_prose(TOTAL, CITY, COMMUNES, unit_word=word)[0]
    assert first.startswith(f"Tổng số PAKN đã tiếp nhận: 07 (thuộc thẩm quyền {word} 05 PAKN,")


def test_feedback_unit_word_defaults_to_the_units_kind():
    first = feedback_prose(TOTAL, CITY, COMMUNES)[0]
    assert "(thuộc thẩm quyền thành phố 05 PAKN, thuộc cấp xã 02 PAKN)" in first
    no_kind = {k: v for k, v in CITY.items() if k != "kind"}
    first = feedback_prose(TOTAL, no_kind, COMMUNES)[0]
    assert "(thuộc thẩm quyền cấp huyện 05 PAKN, thuộc cấp xã 02 PAKN)" in first


def test_feedback_ward_without_children():
    ward = {
        **EMPTY_WARD,
        "feedback_received": 3,
        "feedback_on_time": 1,
        "feedback_late": 1,
        "feedback_pending": 1,
        "business_feedback_received": 12,
        "business_feedback_on_time": 12,
    }
    assert feedback_prose(ward) == [
        (
            "Tổng số PAKN đã tiếp nhận: 03; số PAKN đã xử lý đúng hạn: 01; số PAKN đã xử lý quá "
            "hạn: 01; số PAKN đang xử lý: 01"
        ),
        (
            "Tổng số PAKN đã tiếp nhận: 12; số PAKN đã xử lý đúng hạn: 12; số PAKN đã xử lý quá "
            "hạn: Không; số PAKN đang xử lý: Không"
        ),
    ]


def test_feedback_all_zero():
    empty_total = {**EMPTY_WARD, "scope": "total", "level": "district"}
    assert feedback_prose(empty_total, empty_total, EMPTY_WARD, unit_word="thành phố") == [
        (
            "Tổng số PAKN đã tiếp nhận: không; số PAKN đã xử lý đúng hạn: không; số PAKN đã xử lý "
            "quá hạn: không; số PAKN đang xử lý: không"
        ),
        (
            "Tổng số PAKN đã tiếp nhận: Không; số PAKN đã xử lý đúng hạn: Không; số PAKN đã xử lý "
            "quá hạn: Không; số PAKN đang xử lý: Không"
        ),
    ]


def test_feedback_split_leaves_out_a_zero_part():
    communes = {**COMMUNES, "feedback_received": 0}
    total = {**TOTAL, "feedback_received": 5}
    first = feedback_prose(total, CITY, communes, unit_word="thành phố")[0]
    assert first.startswith("Tổng số PAKN đã tiếp nhận: 05 (thuộc thẩm quyền thành phố 05 PAKN);")


def test_everything_is_nfc_even_from_decomposed_input():
    reason = unicodedata.normalize("NFD", CITY_LATE_REASON)
    texts = [
        *dossiers_prose(CITY, reason),
        online_services_prose(TOTAL, CITY, COMMUNES, SEED_PERIOD),
        *digitisation_prose(CITY),
        procedures_published_prose(SEED_PUBLISHED),
        *feedback_prose(TOTAL, CITY, COMMUNES, unit_word=unicodedata.normalize("NFD", "thị xã")),
    ]
    for text in texts:
        assert text == unicodedata.normalize("NFC", text)
    assert CITY_LATE_REASON in dossiers_prose(CITY, reason)[4]
