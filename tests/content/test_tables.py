"""Tables: exact cell texts for a small known city (the reference report's own figures for
the city itself, three wards), escaping, "–" for undefined rates, ranks."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import cells

from tthc_lib.content.figures.tables import (
    dossiers_by_field_table,
    dossiers_by_unit_table,
    feedback_table,
    fmt_rate,
    league_table,
    online_digitisation_table,
)

COUNTS = (
    "carried_over", "received_online", "received_offline", "received_in_period",
    "received_total", "resolved_total", "resolved_early", "resolved_on_time", "resolved_late",
    "closed_other", "pending_total", "pending_in_time", "pending_overdue", "dvc_eligible",
    "dvc_online", "digitised_on_receipt", "result_digitised", "feedback_received",
    "feedback_on_time", "feedback_late", "feedback_pending", "business_feedback_received",
    "business_feedback_on_time", "business_feedback_late", "business_feedback_pending",
)
SCRIPT = "<script>alert(1)</script>"


def counts(carried=0, online=0, offline=0, early=0, on_time=0, late=0, other=0, **more):
    """A full set of counts obeying the identities of docs/indicators.md (pending = the rest)."""
    c = dict.fromkeys(COUNTS, 0)
    resolved = early + on_time + late
    c.update(carried_over=carried, received_online=online, received_offline=offline,
             received_in_period=online + offline, received_total=carried + online + offline,
             resolved_total=resolved, resolved_early=early, resolved_on_time=on_time,
             resolved_late=late, closed_other=other)
    c["pending_total"] = c["received_total"] - resolved - other
    c["pending_in_time"] = c["pending_total"]
    c.update(more)
    return c


def city_rows(units: dict | None = None) -> pd.DataFrame:
    """Rows of the contract for a city HD and its children, with both roll-ups."""
    units = units if units is not None else {
        ("HD", "Thành phố Hải Dương", "district", None): counts(
            896, 11009, 1467, 10049, 1261, 412, dvc_eligible=3752, dvc_online=3670,
            digitised_on_receipt=12265, result_digitised=11394, feedback_received=5,
            feedback_on_time=5),
        ("P01", "Phường Trần Hưng Đạo", "commune", "HD"): counts(
            10, 90, 10, 95, 4, 1, other=2, dvc_eligible=80, dvc_online=79,
            digitised_on_receipt=99, result_digitised=98, feedback_received=2,
            feedback_on_time=1, feedback_late=1, business_feedback_received=1,
            business_feedback_pending=1),
        ("X01", "Xã Tân Hưng", "commune", "HD"): counts(),
        ("P02", SCRIPT, "commune", "HD"): counts(0, 1, 1, 1, 1, 0, dvc_eligible=1,
                                                dvc_online=1),
    }
    recs = [dict(unit=u, scope="unit", unit_name=n, level=lv, parent_code=p, **c)
            for (u, n, lv, p), c in units.items()]
    kids = [r for r in recs if r["parent_code"] == "HD"]
    if kids:
        root = recs[0]
        communes = {k: sum(r[k] for r in kids if r["level"] == "commune") for k in COUNTS}
        total = {k: root[k] + sum(r[k] for r in kids) for k in COUNTS}
        base = {k: root[k] for k in ("unit", "unit_name", "level", "parent_code")}
        recs += [dict(base, scope="communes", **communes), dict(base, scope="total", **total)]
    return pd.DataFrame(recs)




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


@pytest.mark.parametrize("empty", [None, pd.DataFrame()])
def test_no_field_no_table(empty):
    assert dossiers_by_field_table(empty) is None


def store_rows(con) -> pd.DataFrame:
    """The rows of the real compute_indicators for a city with two wards and four dossiers."""
    from datetime import date

    from tthc_lib.indicators.figures import compute_indicators

    con.execute("""INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES
        ('C', 'Thành phố X', 'Thành phố', 'district', NULL),
        ('W1', 'Phường A', 'Phường', 'commune', 'C'), ('W2', 'Xã B', 'Xã', 'commune', 'C');
        INSERT INTO procedures VALUES ('P1', 'Đăng ký khai sinh', 'Hộ tịch', 'commune', 'full');
        INSERT INTO dossiers VALUES
        ('a', 'W1', 'P1', 'online', 'resolved', '2023-01-05 09:00+07', '2023-01-09 09:00+07',
         '2023-01-08 09:00+07', '2023-01-05', '2023-01-09', '2023-01-08', true, true),
        ('b', 'W1', 'P1', 'in_person', 'resolved', '2023-02-05 09:00+07', '2023-02-09 09:00+07',
         '2023-02-09 16:00+07', '2023-02-05', '2023-02-09', '2023-02-09', false, false),
        ('c', 'W2', 'P1', 'online', 'resolved', '2023-03-05 09:00+07', '2023-03-09 09:00+07',
         '2023-03-12 09:00+07', '2023-03-05', '2023-03-09', '2023-03-12', true, false),
        ('d', 'C', 'P1', 'online', 'open', '2023-03-05 09:00+07', '2023-03-09 09:00+07',
         NULL, '2023-03-05', '2023-03-09', NULL, false, false)""")
    return compute_indicators(con, date(2023, 1, 1), date(2023, 10, 30)).rows


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
