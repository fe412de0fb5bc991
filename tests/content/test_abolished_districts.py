"""Point 8 of the signed reports: after 1/7/2025 a province's report states its own dossiers
as its own and the abolished district level's apart, named as Biểu 06 names them, and the
parts still add up; a report of a period before 1/7/2025 is not split."""

from __future__ import annotations

from datetime import date

import pandas as pd

from tthc_lib.content.forms.abolished import (
    DISTRICTS_ABOLISHED_WORDS,
    abolished_districts_part,
    report_parts,
)
from tthc_lib.content.words import prose
from tthc_lib.indicators.flags import COUNTS, DOSSIER_COUNTS
from tthc_lib.indicators.rates import add_rates

END = date(2026, 11, 30)


def _row(**counts) -> pd.Series:
    values = {c: 0 for c in (*COUNTS, "channel_unknown")}
    values.update(counts)
    return add_rates(pd.DataFrame([dict(unit="HP", scope="unit", **values)])).iloc[0]


# Thành phố Hải Phòng's own row of the sample, 01/01-30/11/2026: 410 of its own dossiers and
# 44 of the old thành phố Hải Dương (district-level procedures), carried over and pending.
OWN = _row(received_total=454, received_online=291, received_offline=99, carried_over=64,
           received_in_period=390, resolved_total=374, resolved_early=336,
           resolved_on_time=31, resolved_late=7, closed_other=16, pending_total=64,
           pending_in_time=20, pending_overdue=44, digitised_on_receipt=382,
           result_digitised=372, feedback_received=3)
BY_FIELD = pd.DataFrame([
    dict({c: 0 for c in (*DOSSIER_COUNTS, "channel_unknown")}, field="Đất đai",
         level="district", received_total=29, carried_over=29, pending_total=29,
         pending_overdue=29),
    dict({c: 0 for c in (*DOSSIER_COUNTS, "channel_unknown")}, field="Hộ tịch",
         level="district", received_total=15, carried_over=15, pending_total=15,
         pending_in_time=5, pending_overdue=10),
    dict({c: 0 for c in (*DOSSIER_COUNTS, "channel_unknown")}, field="Đầu tư",
         level="province", received_total=410, received_in_period=390),
])


def test_the_label_is_biểu_06s_inside_a_sentence():
    assert DISTRICTS_ABOLISHED_WORDS == "cấp huyện (đã kết thúc hoạt động từ ngày 01/7/2025)"


def test_the_own_row_is_split_and_the_parts_add_up():
    rest, part = abolished_districts_part(OWN, BY_FIELD, END)
    for name in COUNTS:
        assert int(rest[name]) + int(part[name]) == int(OWN[name]), name
    assert (int(part["received_total"]), int(part["pending_overdue"])) == (44, 39)
    assert int(part["feedback_received"]) == 0 and int(rest["feedback_received"]) == 3
    assert prose.dossiers_prose(rest)[0] == (
        "Số hồ sơ được tiếp nhận 410 hồ sơ (Online: 291 hồ sơ; trực tiếp: 99 hồ sơ; kỳ trước "
        "chuyển sang: 20 hồ sơ; trong kỳ: 390 hồ sơ)")
    assert prose.dossiers_prose(part) == [
        ("Số hồ sơ được tiếp nhận 44 hồ sơ (Online: không; trực tiếp: không; kỳ trước chuyển "
        "sang: 44 hồ sơ; trong kỳ: không)"),
        "Số hồ sơ đã giải quyết: không.",
        "Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: không",
    ]


def test_the_old_district_level_comes_after_the_departments_before_the_communes():
    departments, communes = _row(received_total=7908), _row(received_total=57769)
    rollups = [("departments", "các sở, ban, ngành", departments),
               ("communes", "các phường", communes)]
    parts = report_parts("UBND thành phố Hải Phòng", OWN, rollups, BY_FIELD, END)
    assert [(scope, label) for scope, label, _ in parts] == [
        ("unit", "UBND thành phố Hải Phòng"), ("departments", "các sở, ban, ngành"),
        (None, "cấp huyện (đã kết thúc hoạt động từ ngày 01/7/2025)"),
        ("communes", "các phường")]
    assert sum(int(row["received_total"]) for _, _, row in parts) == 454 + 7908 + 57769


def test_no_split_before_1_7_2025_or_without_district_level_dossiers():
    assert abolished_districts_part(OWN, BY_FIELD, date(2025, 6, 30)) is None
    assert abolished_districts_part(OWN, BY_FIELD[BY_FIELD["level"] != "district"], END) is None
    assert abolished_districts_part(OWN, pd.DataFrame(), END) is None
    parts = report_parts("thành phố Hải Dương", OWN, [], BY_FIELD, date(2023, 10, 30))
    assert [(scope, label) for scope, label, _ in parts] == [("unit", "thành phố Hải Dương")]
    assert parts[0][2] is OWN
