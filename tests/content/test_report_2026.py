"""The sample's 2026 province report (thành phố Hải Phòng, 01/01-30/11/2026), word for word
where it names the abolished district level's dossiers apart from the province's own."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from tthc_lib.content import sections as s

pytestmark = pytest.mark.integration  # the whole 2026 sample, generated and loaded

PERIOD = ("2026-01-01", "2026-11-30")


def _text(display) -> list[str]:
    return [re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p[^>]*>.*?</p>", display.data)]


@pytest.fixture(scope="module")
def province(sample_store_2026):
    return s.context("HP", *PERIOD, sample_store_2026, ROOT / "params")


def test_the_province_states_its_own_and_the_old_district_levels_apart(province):
    text = _text(s.dossiers(province))
    assert text[1:4] == [
        ("Số liệu của thành phố Hải Phòng gồm số liệu của thành phố Hải Dương trước ngày "
        "01/7/2025 (Nghị quyết số 202/2025/QH15)."),
        "Tại UBND thành phố Hải Phòng:",
        ("- Số hồ sơ được tiếp nhận 410 hồ sơ (Online: 291 hồ sơ; trực tiếp: 99 hồ sơ; kỳ trước "
        "chuyển sang: 20 hồ sơ; trong kỳ: 390 hồ sơ)"),
    ]
    at = text.index("Tại cấp huyện (đã kết thúc hoạt động từ ngày 01/7/2025):")
    assert text[at - 7] == "Tại các sở, ban, ngành:"
    assert text[at + 1:at + 5] == [
        ("- Số hồ sơ được tiếp nhận 44 hồ sơ (Online: không; trực tiếp: không; kỳ trước chuyển "
        "sang: 44 hồ sơ; trong kỳ: không)"),
        "- Số hồ sơ đã giải quyết: không.",
        "- Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: không",
        "Tại các phường:",
    ]
    received = [int(t.split()[7].replace(".", "")) for t in text
                if t.startswith("- Số hồ sơ được tiếp nhận")]
    assert received == [410, 7908, 44, 57769]
    assert sum(received) == int(province.row("total")["received_total"]) == 66131


def test_digitisation_names_no_empty_old_district_part(province):
    text = _text(s.digitisation(province))
    assert "Tại cấp huyện (đã kết thúc hoạt động từ ngày 01/7/2025):" not in text
    assert text[1:4] == [
        "Tại UBND thành phố Hải Phòng:",
        "+ Số hồ sơ số hóa đầy đủ thành phần khi Tiếp nhận: 382 hồ sơ, đạt 97,95%",
        "+ Số hồ sơ có số hóa kết quả giải quyết TTHC: 372 hồ sơ, đạt 99,47%",
    ]
