"""The sample's 2026 province report (thành phố Hải Phòng, 01/01-30/11/2026), word for word
where it names the abolished district level's dossiers apart from the province's own."""

from __future__ import annotations

import re

import pytest
from helpers.paths import ROOT

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


def test_the_late_reasons_claim_nothing_the_data_denies(province, sample_store_2026):
    """The sample's late reasons once said the late dossiers were mostly those received
    before 01/7/2025 or the old wards': none of the period's late dossiers was."""
    import duckdb

    with duckdb.connect(str(sample_store_2026), read_only=True) as con:
        early = con.execute(
            "SELECT count(*) FROM dossiers WHERE status = 'resolved' AND closed_date > due_date "
            "AND closed_date BETWEEN DATE '2026-01-01' AND DATE '2026-11-30' "
            "AND received_date < DATE '2025-07-01'").fetchall()[0][0]
    assert early == 0
    text = _text(s.dossiers(province))
    assert text[7] == ("Quá hạn: 07 hồ sơ, chiếm tỷ lệ 1,9% (hồ sơ giải quyết quá hạn chủ yếu "
                       "là hồ sơ phải lấy ý kiến, phối hợp của các cơ quan có liên quan).")
    ward = s.context("HP01", *PERIOD, sample_store_2026, ROOT / "params")
    assert _text(s.dossiers(ward))[-2].endswith(
        "(hồ sơ giải quyết quá hạn chủ yếu là hồ sơ phải xác minh, bổ sung thông tin).")


def test_the_table_by_unit_gives_the_old_district_level_its_own_line(province):
    rows = [" ".join(re.sub(r"<[^>]+>", " ", r).split())
            for r in re.findall(r"<tr[^>]*>.*?</tr>", s.dossiers_by_unit_table(province).data)]
    assert rows[2] == "Tại thành phố 410 291 99 20 374 336 31 7 16 20 89,8% 8,3% 1,9%"
    assert rows[9] == ("Cấp huyện (đã kết thúc hoạt động từ ngày 01/7/2025) "
                       "44 0 0 44 0 0 0 0 0 44 – – –")
    assert rows[8].startswith("Sở Xây dựng") and rows[10].startswith("Phường Ái Quốc")
    assert rows[-1].startswith("Toàn thành phố 66.131 ")


def test_the_province_speaks_of_the_whole_citys_online_rate(province):
    """The UBND's own dossiers are 74,6% online; the city as a whole 90,3% (90,26%)."""
    assert s.narrative(province, "achievements").data == (
        "<p>Việc tiếp nhận, giải quyết thủ tục hành chính được duy trì liên tục sau khi sắp xếp "
        "đơn vị hành chính. Tỷ lệ hồ sơ tiếp nhận trực tuyến toàn thành phố đạt 90,3%; tỷ lệ hồ "
        "sơ giải quyết trước hạn và đúng hạn duy trì ở mức cao (dữ liệu mẫu).</p>")
