"""Tables: exact cell texts for a small known city (the reference report's own figures for
the city itself, three wards), escaping, "–" for undefined rates, ranks."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers.city_rows import SCRIPT, city_rows, counts, store_rows
from helpers.tables import cells

from tthc_lib.content.figures.tables import (
    dossiers_by_field_table,
    dossiers_by_unit_table,
    feedback_table,
    fmt_rate,
    league_table,
    online_digitisation_table,
)


def test_rates_are_exact_and_undefined_is_a_dash():
    line = counts(0, 16, 0, 1, 15, 0)
    assert fmt_rate(line, "early_rate") == "6,3%"      # 6,25: halves away from zero
    assert fmt_rate(line, "timely_rate") == "100,0%"
    assert fmt_rate(line, "online_rate", 2) == "100,00%"
    assert fmt_rate(counts(), "late_rate") == "–"


def test_dossiers_by_unit_table_word_for_word():
    table = cells(dossiers_by_unit_table(city_rows(), "HD", number=1))
    assert table.caption == "Bảng 1. Kết quả giải quyết hồ sơ theo đơn vị"
    assert table.rows[0] == ["Đơn vị", "Số hồ sơ được tiếp nhận", "Đã giải quyết",
                             "Rút, trả lại", "Đang giải quyết", "Tỷ lệ"]
    assert table.rows[1] == ["Tổng số", "Trực tuyến", "Trực tiếp", "Kỳ trước chuyển sang",
                             "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn",
                             "Trước hạn", "Đúng hạn", "Quá hạn"]
    assert table.rows[2:] == [
        ["Tại thành phố", "13.372", "11.009", "1.467", "896", "11.722", "10.049", "1.261",
         "412", "0", "1.650", "85,7%", "10,8%", "3,5%"],
        [SCRIPT, "2", "1", "1", "0", "2", "1", "1", "0", "0", "0", "50,0%", "50,0%", "0,0%"],
        ["Phường Trần Hưng Đạo", "110", "90", "10", "10", "100", "95", "4", "1", "2", "8",
         "95,0%", "4,0%", "1,0%"],
        ["Xã Tân Hưng", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "–", "–", "–"],
        ["Cộng các phường, xã", "112", "91", "11", "10", "102", "96", "5", "1", "2", "8",
         "94,1%", "4,9%", "1,0%"],
        ["Toàn thành phố", "13.484", "11.100", "1.478", "906", "11.824", "10.145", "1.266",
         "413", "2", "1.658", "85,8%", "10,7%", "3,5%"],
    ]


def test_every_cell_is_escaped():
    html = dossiers_by_unit_table(city_rows(), "HD")
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.startswith('<table class="tthc-table"><caption>Kết quả giải quyết')


def test_the_parent_word_comes_from_the_unit():
    rows = city_rows()
    rows.loc[rows["unit"] == "HD", "unit_name"] = "Huyện Gia Lộc"
    body = [r[0] for r in cells(dossiers_by_unit_table(rows, "HD")).rows[2:]]
    assert body[0] == "Tại huyện" and body[-1] == "Toàn huyện"


def test_the_kind_column_wins_over_the_name_and_communes_are_named_by_kind():
    rows = city_rows()
    rows["kind"] = rows["unit"].map({"HD": "Thị xã", "P01": "Thị trấn", "X01": "Xã",
                                     "P02": "Xã"})
    body = [r[0] for r in cells(dossiers_by_unit_table(rows, "HD")).rows[2:]]
    assert body[0] == "Tại thị xã"
    assert body[-2:] == ["Cộng các xã, thị trấn", "Toàn thị xã"]


def test_a_ward_table_has_its_own_line_only():
    table = cells(dossiers_by_unit_table(city_rows(), "P01"))
    assert [r[0] for r in table.rows[2:]] == ["Phường Trần Hưng Đạo"]
    assert dossiers_by_unit_table(city_rows(), "NOPE") is None


def test_online_digitisation_table_word_for_word():
    table = cells(online_digitisation_table(city_rows(), "HD", number=3))
    assert table.caption == ("Bảng 3. Kết quả dịch vụ công trực tuyến và số hóa hồ sơ "
                             "theo đơn vị")
    assert table.rows[0] == ["Đơn vị", "Dịch vụ công trực tuyến toàn trình",
                             "Tỷ lệ hồ sơ trực tuyến", "Số hóa thành phần hồ sơ khi tiếp nhận",
                             "Số hóa kết quả giải quyết"]
    assert table.rows[1] == ["Hồ sơ thuộc DVC trực tuyến toàn trình", "Tiếp nhận trực tuyến",
                             "Tỷ lệ", "Số hồ sơ", "Tỷ lệ", "Số hồ sơ", "Tỷ lệ"]
    assert table.rows[2] == ["Tại thành phố", "3.752", "3.670", "97,8%", "88,2%", "12.265",
                             "98,3%", "11.394", "97,2%"]
    assert table.rows[5] == ["Xã Tân Hưng", "0", "0", "–", "–", "0", "–", "0", "–"]
    assert table.rows[-1] == ["Toàn thành phố", "3.833", "3.750", "97,8%", "88,2%", "12.364",
                              "98,3%", "11.492", "97,2%"]


def test_feedback_table_word_for_word():
    table = cells(feedback_table(city_rows(), "HD"))
    assert table.rows[0] == ["Đơn vị", "PAKN về quy định hành chính, hành vi hành chính",
                             "PAKN về quy định kinh doanh"]
    assert table.rows[1] == ["Đã tiếp nhận", "Xử lý đúng hạn", "Xử lý quá hạn", "Đang xử lý"] * 2
    assert table.rows[2] == ["Tại thành phố", "5", "5", "0", "0", "0", "0", "0", "0"]
    assert table.rows[4] == ["Phường Trần Hưng Đạo", "2", "1", "1", "0", "1", "0", "0", "1"]
    assert table.rows[-1] == ["Toàn thành phố", "7", "6", "1", "0", "1", "0", "0", "1"]


def test_league_table_ranks_wards_by_timeliness_then_online_rate():
    table = cells(league_table(city_rows(), "HD", number=4))
    assert table.caption == "Bảng 4. Xếp hạng các phường, xã theo kết quả giải quyết hồ sơ"
    assert table.rows[0] == ["Xếp hạng", "Đơn vị", "Đã giải quyết", "Trước hạn và đúng hạn",
                             "Tỷ lệ trước hạn và đúng hạn", "Quá hạn", "Tỷ lệ hồ sơ trực tuyến"]
    assert table.rows[1:] == [
        ["1", SCRIPT, "2", "2", "100,0%", "0", "50,0%"],
        ["2", "Phường Trần Hưng Đạo", "100", "99", "99,0%", "1", "90,0%"],
        ["3", "Xã Tân Hưng", "0", "0", "–", "0", "–"],
    ]


def test_league_ties_share_a_rank_and_online_rate_breaks_ties():
    rows = city_rows({
        ("HD", "Thành phố Hải Dương", "district", None): counts(),
        ("A", "Phường An", "commune", "HD"): counts(0, 5, 5, 9, 0, 1),
        ("B", "Phường Bình", "commune", "HD"): counts(0, 8, 2, 9, 0, 1),
        ("C", "Phường Cẩm", "commune", "HD"): counts(0, 5, 5, 8, 1, 1),
    })
    ranks = [r[:2] for r in cells(league_table(rows, "HD")).rows[1:]]
    assert ranks == [["1", "Phường Bình"], ["2", "Phường An"], ["2", "Phường Cẩm"]]


def test_league_table_needs_children():
    assert league_table(city_rows(), "P01") is None


def by_field() -> pd.DataFrame:
    return pd.DataFrame([
        dict(field="Hộ tịch", level="commune", **counts(1, 7, 2, 8, 1, 0)),
        dict(field="Đất đai", level="district", **counts(3, 10, 5, 9, 3, 2, other=1)),
        dict(field=None, level="district", **counts(0, 0, 1)),
    ])


def test_dossiers_by_field_table_word_for_word():
    table = cells(dossiers_by_field_table(by_field(), number=2))
    assert table.caption == "Bảng 2. Kết quả giải quyết hồ sơ theo lĩnh vực"
    assert table.rows[0][:3] == ["Lĩnh vực", "Cấp thực hiện", "Số hồ sơ được tiếp nhận"]
    assert table.rows[2:] == [
        ["Chưa xác định lĩnh vực", "Cấp huyện", "1", "0", "1", "0", "0", "0", "0", "0", "0",
         "1", "–", "–", "–"],
        ["Đất đai", "Cấp huyện", "18", "10", "5", "3", "14", "9", "3", "2", "1", "3",
         "64,3%", "21,4%", "14,3%"],
        ["Hộ tịch", "Cấp xã", "10", "7", "2", "1", "9", "8", "1", "0", "0", "1",
         "88,9%", "11,1%", "0,0%"],
        ["Tổng cộng", "", "29", "17", "8", "4", "23", "17", "4", "2", "1", "5",
         "73,9%", "17,4%", "8,7%"],
    ]


def test_the_total_of_fields_gives_no_figure_the_fields_cannot():
    """An e-par export: one field's dossiers were resolved on dates the export does not give
    and came without a channel; the total line says "không có số liệu" where that field
    does, never a sum of what is not known."""
    df = by_field()
    df["channel_unknown"] = [3, 0, 0]
    df["closing_unknown"] = [2, 0, 0]
    table = cells(dossiers_by_field_table(df))
    no = "không có số liệu"
    assert table.rows[4][:6] == ["Hộ tịch", "Cấp xã", no, no, no, no]
    assert table.rows[5][:6] == ["Tổng cộng", "", no, no, no, no]
    assert table.rows[5][6:11] == ["23", "17", "4", "2", "1"]    # resolved: known


@pytest.mark.parametrize("empty", [None, pd.DataFrame()])
def test_no_field_no_table(empty):
    assert dossiers_by_field_table(empty) is None


def test_tables_read_the_rows_of_compute_indicators(con):
    rows = store_rows(con)
    body = cells(dossiers_by_unit_table(rows, "C")).rows[2:]
    assert body == [
        ["Tại thành phố", "1", "1", "0", "0", "0", "0", "0", "0", "0", "1", "–", "–", "–"],
        ["Phường A", "2", "1", "1", "0", "2", "1", "1", "0", "0", "0", "50,0%", "50,0%",
         "0,0%"],
        ["Xã B", "1", "1", "0", "0", "1", "0", "0", "1", "0", "0", "0,0%", "0,0%", "100,0%"],
        ["Cộng các phường, xã", "3", "2", "1", "0", "3", "1", "1", "1", "0", "0", "33,3%",
         "33,3%", "33,3%"],
        ["Toàn thành phố", "4", "3", "1", "0", "3", "1", "1", "1", "0", "1", "33,3%", "33,3%",
         "33,3%"],
    ]
    assert [r[:2] for r in cells(league_table(rows, "C")).rows[1:]] == [["1", "Phường A"],
                                                                       ["2", "Xã B"]]
