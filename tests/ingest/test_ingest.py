"""Loading exports into the store (tthc_lib/ingest.py): set-aside rules with their reasons
and lines, duplicates and conflicts, updates across loads, refusals, all-or-nothing."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from helpers.paths import data_path

from tthc_lib.errors import StoreError
from tthc_lib.ingest.load import FileResult, list_rejected, load_exports

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def ingest(name: str) -> str:
    return str(data_path("ingest", name))


REGISTRIES = [ingest("units.csv"), ingest("procedures.csv")]


def counts(r: FileResult) -> tuple:
    return (r.kind, r.read, r.loaded, r.updated, r.rejected, r.duplicates, r.error)


def rejected_of(con, name: str) -> list[tuple[int, str]]:
    df = list_rejected(con)
    df = df[df.file == (name if "/" in name or "\\" in name else ingest(name))]
    return list(zip(df.line, df.reason))


def table(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_registries_load_first_and_results_keep_the_given_order(con):
    results = load_exports(con, [ingest("dossiers.csv")] + REGISTRIES[::-1])
    assert [counts(r) for r in results] == [
        ("dossiers", 5, 5, 0, 0, 0, None),
        ("procedures", 5, 5, 0, 0, 0, None),
        ("units", 4, 4, 0, 0, 0, None),
    ]
    assert table(con, "SELECT kind FROM loads ORDER BY load_id") == [
        ("units",), ("procedures",), ("dossiers",)]


def test_stored_dossiers_are_parsed_and_carry_local_dates(con):
    load_exports(con, REGISTRIES + [ingest("dossiers.csv")])
    rows = table(con, "SELECT * FROM dossiers ORDER BY dossier_id")
    assert rows[0] == ("HS001", "THD", "1.001193", "online", "resolved",
                       dt.datetime(2023, 4, 3, 8, 0, tzinfo=VN),
                       dt.datetime(2023, 4, 5, 0, 0, tzinfo=VN),
                       dt.datetime(2023, 4, 4, 16, 30, tzinfo=VN),
                       dt.date(2023, 4, 3), dt.date(2023, 4, 5), dt.date(2023, 4, 4), True, True,
                       None, None, None)    # timeliness and closing window: by the dates
    assert [r[3:5] for r in rows] == [("online", "resolved"), ("in_person", "open"),
                                      ("post", "resolved"), ("post", "withdrawn"),
                                      ("online", "returned")]
    assert [(r[11], r[12]) for r in rows] == [(True, True), (False, False), (True, False),
                                              (True, False), (True, False)]
    # 2023-06-01T01:00:00Z is 08:00 local; an offset is honoured.
    assert rows[4][7] == dt.datetime(2023, 6, 1, 8, 0, tzinfo=VN)
    assert rows[1][7] is None and rows[1][10] is None


def test_registries_are_stored_with_levels(con):
    load_exports(con, REGISTRIES)
    assert table(con, "SELECT unit_code, unit_name, kind, level, parent_code FROM units "
                      "ORDER BY unit_code") == [
        ("HD", "Thành phố Hải Dương", "Thành phố", "district", None),
        ("NT", "Phường Nguyễn Trãi", "Phường", "commune", "HD"),
        ("TH", "Xã Tân Hưng", "Xã", "commune", "HD"),
        ("THD", "Phường Trần Hưng Đạo", "Phường", "commune", "HD"),
    ]
    assert table(con, "SELECT procedure_code, field, level, online_service FROM procedures "
                      "ORDER BY procedure_code") == [
        ("1.000656", "Hộ tịch", "commune", "partial"),
        ("1.001193", "Hộ tịch", "commune", "full"),
        ("1.004227", "Đất đai", "district", "none"),
        ("1.010801", "Lao động, thương binh và xã hội", "district", "full"),
        ("2.000908", "Chứng thực", "commune", "none"),
    ]


def test_each_bad_value_is_set_aside_with_its_line_and_reason(con):
    [*_, result] = load_exports(con, REGISTRIES + [ingest("dossiers_bad_values.csv")])
    assert counts(result) == ("dossiers", 14, 2, 0, 12, 0, None)
    assert rejected_of(con, "dossiers_bad_values.csv") == [
        (5, 'Thiếu giá trị bắt buộc ở cột "Mã đơn vị"'),
        (6, ('Giá trị "Qua mạng" ở cột "Hình thức nộp" không hợp lệ (cho phép: trực tuyến, '
            'trực tiếp, dịch vụ bưu chính, bưu chính)')),
        (7, 'Mã đơn vị "XYZ" không có trong danh mục đơn vị'),
        (8, 'Mã thủ tục "9.999999" không có trong danh mục thủ tục'),
        (9, 'Giá trị "31/02/2023" ở cột "Ngày tiếp nhận" không phải ngày giờ hợp lệ'),
        (10, '"Ngày kết thúc" sớm hơn "Ngày tiếp nhận"'),
        (11, '"Ngày hẹn trả" rơi vào ngày trước "Ngày tiếp nhận"'),
        (12, 'Trạng thái "Đang giải quyết" nhưng có "Ngày kết thúc"'),
        (13, 'Trạng thái "Đã giải quyết" nhưng thiếu "Ngày kết thúc"'),
        (14, ('Giá trị "Chưa" ở cột "Số hóa kết quả" không hợp lệ (cho phép: có, true, 1, x, '
             'yes, không, false, 0, no)')),
        (15, ('Giá trị "Hủy" ở cột "Trạng thái" không hợp lệ (cho phép: đang giải quyết, '
             'đang xử lý, chờ bổ sung, tạm dừng, đã giải quyết, đã trả kết quả, đã rút, rút hồ sơ, trả lại, từ chối)')),
        (18, ('Thiếu giá trị bắt buộc ở cột "Mã thủ tục"; Giá trị "32/01/2023" ở cột '
             '"Ngày hẹn trả" không phải ngày giờ hợp lệ')),
    ]
    # Due the same day as received (line 16, earlier hour) is fine.
    assert table(con, "SELECT dossier_id FROM dossiers ORDER BY 1") == [("HS101",), ("HS113",)]


def test_raw_values_of_rows_set_aside_leave_out_personal_data(con):
    load_exports(con, REGISTRIES + [ingest("dossiers_bad_values.csv"), ingest("feedback.csv")])
    raws = [json.loads(r) for r in list_rejected(con).raw]
    dossier = raws[0]
    assert dossier["Mã hồ sơ"] == "HS102" and dossier["Mã đơn vị"] is None
    assert dossier["Ngày tiếp nhận"] == "03/04/2023 08:00"
    dumped = json.dumps(raws, ensure_ascii=False)
    for secret in ("Người nộp", "Số CCCD", "Nguyễn Văn Bình", "001090000102",
                   "Nội dung\"", "Ông Trần Văn Tư", "<b>"):
        assert secret not in dumped
    assert not any(set(r) & {"Người nộp", "Số CCCD", "Nội dung"} for r in raws)


def test_exact_duplicates_are_skipped_and_conflicts_all_set_aside(con):
    [*_, result] = load_exports(con, REGISTRIES + [ingest("dossiers_conflict.csv")])
    # 7 rows: line 3 repeats line 2 once parsed (Có = 1, 08:00 = 08:00:00, offset equal),
    # line 7 repeats line 6 (itself bad), lines 4 and 5 share HS202 but differ.
    assert counts(result) == ("dossiers", 7, 2, 0, 3, 2, None)
    assert rejected_of(con, "dossiers_conflict.csv") == [
        (4, ('Mã hồ sơ "HS202" có ở nhiều dòng (4, 5) với giá trị khác nhau; '
            'không dòng nào được nạp')),
        (5, ('Mã hồ sơ "HS202" có ở nhiều dòng (4, 5) với giá trị khác nhau; '
            'không dòng nào được nạp')),
        (6, 'Mã đơn vị "XYZ" không có trong danh mục đơn vị'),
    ]
    assert table(con, "SELECT dossier_id, status FROM dossiers ORDER BY 1") == [
        ("HS201", "resolved"), ("HS204", "returned")]


def test_a_newer_export_replaces_stored_records(con):
    load_exports(con, REGISTRIES + [ingest("dossiers.csv")])
    [result] = load_exports(con, [ingest("dossiers_update.csv")])
    assert counts(result) == ("dossiers", 2, 2, 1, 0, 0, None)
    assert table(con, "SELECT count(*) FROM dossiers") == [(6,)]
    assert table(con, "SELECT status, closed_date, result_digitised FROM dossiers "
                      "WHERE dossier_id = 'HS002'") == [("resolved", dt.date(2023, 4, 5), True)]
    [again] = load_exports(con, [ingest("dossiers_update.csv")])
    assert counts(again) == ("dossiers", 2, 2, 2, 0, 0, None)
    assert table(con, "SELECT count(*) FROM dossiers") == [(6,)]


@pytest.mark.parametrize("keyed", [False, True], ids=["no index", "older store with its key"])
def test_each_id_stays_one_row_across_loads(db_path, keyed):
    """Stores made since 12/2026 have no primary key on dossiers (a 2,000,000-row load spent
    a third of its time on the index): the load itself keeps one row per id. An older store
    keeps its key, and the same loads give the same rows."""
    import duckdb

    from tthc_lib.store.connection import DDL, connect

    if keyed:
        with duckdb.connect(str(db_path)) as old:
            old.execute(DDL.replace("dossier_id VARCHAR NOT NULL", "dossier_id VARCHAR PRIMARY KEY"))
    con = connect(db_path)
    try:
        has_key = table(con, "SELECT count(*) FROM duckdb_constraints() WHERE table_name = "
                             "'dossiers' AND constraint_type = 'PRIMARY KEY'") == [(1,)]
        assert has_key == keyed
        load_exports(con, REGISTRIES + [ingest("dossiers.csv")])
        for first in (True, False):
            update, again = load_exports(con, [ingest("dossiers_update.csv"), ingest("dossiers.csv")])
            assert update.updated == (1 if first else 2)     # HS002, then also the new one
            assert again.updated == again.loaded == 5
        assert table(con, "SELECT count(*), count(DISTINCT dossier_id) FROM dossiers") == [(6, 6)]
        # the last load (dossiers.csv) put HS002 back as it was first
        assert table(con, "SELECT status, closed_date FROM dossiers WHERE dossier_id = 'HS002'"
                     ) == [("open", None)]
    finally:
        con.close()


def test_loads_are_recorded_with_hash_and_counts(con):
    import hashlib

    load_exports(con, REGISTRIES + [ingest("dossiers_conflict.csv")])
    path = data_path("ingest", "dossiers_conflict.csv")
    assert table(con, "SELECT file, sha256, kind, n_read, n_loaded, n_updated, n_rejected, "
                      "n_duplicates FROM loads WHERE kind = 'dossiers'") == [
        (str(path), hashlib.sha256(path.read_bytes()).hexdigest(), "dossiers", 7, 2, 0, 3, 2)]


def test_reloading_a_file_replaces_its_rows_set_aside(con):
    load_exports(con, REGISTRIES + [ingest("dossiers_conflict.csv")])
    load_exports(con, [ingest("dossiers_conflict.csv")])
    assert len(rejected_of(con, "dossiers_conflict.csv")) == 3


def test_feedback_rules_and_stored_values(con):
    [*_, result] = load_exports(con, REGISTRIES + [ingest("feedback.csv")])
    assert counts(result) == ("feedback", 4, 2, 0, 2, 0, None)
    assert rejected_of(con, "feedback.csv") == [
        (4, '"Ngày xử lý xong" sớm hơn "Ngày tiếp nhận"'),
        (5, ('Giá trị "Thủ tục đất đai" ở cột "Nội dung phản ánh về" không hợp lệ (cho phép: '
            'quy định hành chính, hành vi hành chính, quy định kinh doanh)')),
    ]
    assert table(con, "SELECT feedback_id, topic, received_date, due_date, handled_date "
                      "FROM feedback ORDER BY 1") == [
        ("PA01", "regulation_or_conduct", dt.date(2023, 3, 2), dt.date(2023, 3, 17),
         dt.date(2023, 3, 10)),
        ("PA02", "business_regulation", dt.date(2023, 3, 5), dt.date(2023, 3, 20), None),
    ]


def test_changes_conflict_on_decision_and_procedure(con):
    [result] = load_exports(con, [ingest("changes.csv")])
    assert counts(result) == ("changes", 5, 3, 0, 2, 0, None)
    assert rejected_of(con, "changes.csv") == [
        (4, ('Số quyết định "1015/QĐ-UBND", Mã thủ tục "1.004227" có ở nhiều dòng (4, 5) '
            'với giá trị khác nhau; không dòng nào được nạp')),
        (5, ('Số quyết định "1015/QĐ-UBND", Mã thủ tục "1.004227" có ở nhiều dòng (4, 5) '
            'với giá trị khác nhau; không dòng nào được nạp')),
    ]
    assert table(con, "SELECT * FROM changes ORDER BY procedure_code") == [
        ("820/QĐ-UBND", dt.date(2023, 3, 15), "1.000656", "commune", "new"),
        ("820/QĐ-UBND", dt.date(2023, 3, 15), "1.001193", "commune", "amended"),
        ("1100/QĐ-UBND", dt.date(2023, 5, 2), "1.010801", "province", "new"),
    ]


def test_units_whose_parent_is_nowhere_are_set_aside(con):
    load_exports(con, [ingest("units.csv")])
    [result] = load_exports(con, [ingest("units_orphans.csv")])
    assert counts(result) == ("units", 5, 2, 0, 3, 0, None)
    assert rejected_of(con, "units_orphans.csv") == [
        (4, 'Mã đơn vị cấp trên "ZZ" không có trong danh mục đơn vị'),
        (5, ('Giá trị "Làng" ở cột "Loại đơn vị" không hợp lệ (cho phép: tỉnh, thành phố trực '
            'thuộc trung ương, sở, ban, cơ quan, trung tâm, thành phố, thị xã, huyện, quận, '
            'phường, xã, thị trấn, đặc khu)')),
        # LS1's parent LS was itself set aside.
        (6, 'Mã đơn vị cấp trên "LS" không có trong danh mục đơn vị'),
    ]


def test_without_registries_every_dossier_is_set_aside(con):
    [result] = load_exports(con, [ingest("dossiers.csv")])
    assert counts(result) == ("dossiers", 5, 0, 0, 5, 0, None)
    assert rejected_of(con, "dossiers.csv")[0] == (
        2, ('Mã đơn vị "THD" không có trong danh mục đơn vị; '
           'Mã thủ tục "1.001193" không có trong danh mục thủ tục'))


def test_refused_files_change_nothing_and_others_still_load(con):
    names = ["not_a_table.txt", "ambiguous.csv", "empty.csv", "feedback_content_only.csv"]
    results = load_exports(con, [ingest(n) for n in names] + REGISTRIES)
    for name, r in zip(names, results):
        assert r.kind is None and r.read == r.loaded == 0
        assert r.error.startswith(ingest(name) + ": ") and "\n" not in r.error
    assert [counts(r) for r in results[-2:]] == [("units", 4, 4, 0, 0, 0, None),
                                                 ("procedures", 5, 5, 0, 0, 0, None)]
    assert table(con, "SELECT count(*) FROM loads") == [(2,)]
    assert results[0].to_dict() == {
        "file": ingest("not_a_table.txt"), "kind": None, "read": 0, "loaded": 0,
        "updated": 0, "rejected": 0, "duplicates": 0, "error": results[0].error}


def test_a_load_that_fails_midway_leaves_the_store_as_it_was(con):
    load_exports(con, REGISTRIES + [ingest("dossiers.csv")])
    before = table(con, "SELECT * FROM dossiers ORDER BY 1")
    # A store that refuses one of the rows set aside: the failure comes after the good
    # rows of the file have been written inside its transaction.
    con.execute("DROP TABLE rejected")
    con.execute("CREATE TABLE rejected (load_id BIGINT, file VARCHAR, line BIGINT, "
                "reason VARCHAR CHECK (reason NOT LIKE '%XYZ%'), raw VARCHAR)")
    with pytest.raises(StoreError) as err:
        load_exports(con, [ingest("dossiers_conflict.csv")])
    assert str(err.value).startswith(ingest("dossiers_conflict.csv") + ": không ghi được")
    assert table(con, "SELECT * FROM dossiers ORDER BY 1") == before
    assert table(con, "SELECT count(*) FROM loads") == [(3,)]
    assert table(con, "SELECT count(*) FROM rejected") == [(0,)]


# --------------------------------------------------------------------------- property

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BAD = "BAD"
SPELLINGS = {
    "channel": {"online": ["Trực tuyến", "trực tuyến", "online"], "post": ["Bưu chính",
                "Dịch vụ bưu chính"], "in_person": ["Trực tiếp"], BAD: ["Qua mạng"]},
    "status": {"open": ["Đang giải quyết"], "resolved": ["Đã giải quyết", "Đã trả kết quả"],
               "returned": ["Từ chối", "Trả lại"], BAD: ["Hủy"]},
    "flag": {True: ["Có", "1", "x", "true"], False: ["", "Không", "0"], BAD: ["Chưa"]},
}
DATE_FORMATS = ["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
BASE = dt.datetime(2023, 4, 3, 8, 0)

semantic_rows = st.tuples(
    st.sampled_from(["HS1", "HS2", "HS3", "HS4", "HS5", "HS6", "HS7", "HS8"]),
    st.sampled_from(["THD", "NT", "XYZ"]),
    st.sampled_from(["1.001193", "2.000908", "9.9"]),
    st.sampled_from(["online", "post", "in_person", BAD]),
    st.one_of(st.integers(0, 20).map(lambda h: BASE + dt.timedelta(hours=h)), st.just(BAD)),
    st.sampled_from([-1, 0, 2, BAD]),                 # due: days after received
    st.sampled_from(["open", "resolved", "returned", BAD]),
    st.sampled_from([None, -1, 5, 30, BAD]),          # closed: hours after received
    st.sampled_from([True, False, BAD]),
    st.sampled_from([True, False, BAD]),
)


def _render(row, draw_choice) -> list[str]:
    did, unit, proc, channel, received, due, status, closed, f1, f2 = row
    def when(value, fmt=None):
        if value is BAD or value == BAD:
            return "31/02/2023"
        return value.strftime(fmt or draw_choice(DATE_FORMATS))
    rec = received if received != BAD else None
    due_text = "32/01/2023" if due == BAD or rec is None and due != BAD else \
        when(rec + dt.timedelta(days=due), "%d/%m/%Y")
    closed_text = "" if closed is None else ("31/02/2023" if closed == BAD or rec is None
                                             else when(rec + dt.timedelta(hours=closed)))
    return [did, unit, proc, draw_choice(SPELLINGS["channel"][channel]),
            when(received), due_text, draw_choice(SPELLINGS["status"][status]), closed_text,
            draw_choice(SPELLINGS["flag"][f1]), draw_choice(SPELLINGS["flag"][f2]),
            draw_choice(["Nguyễn Văn An", "Trần Thị Bình"])]


def _normalise(row):
    """The row as its parsed values (what 'exact duplicate' compares)."""
    did, unit, proc, channel, received, due, status, closed, f1, f2 = row
    if received == BAD:                      # due and closed then render as bad dates
        due = BAD
        closed = None if closed is None else BAD
    return (did, unit, proc, channel, received, due, status, closed, f1, f2)


def _valid(row) -> bool:
    _id, unit, proc, channel, received, due, status, closed, f1, f2 = row
    if BAD in (channel, received, due, status, closed, f1, f2):
        return False
    if unit == "XYZ" or proc == "9.9" or due < 0:
        return False
    if closed is not None and closed < 0:
        return False
    return (status == "open") == (closed is None)


def _expected(rows):
    seen, kept, dups = [], [], 0
    for line, row in enumerate(rows, start=2):
        if row in seen:
            dups += 1
            continue
        seen.append(row)
        kept.append((line, row))
    ids = [r[0] for _, r in kept]
    good = [(line, r) for line, r in kept if ids.count(r[0]) == 1 and _valid(r)]
    stored = sorted(
        (r[0], r[1], r[2], r[3], r[6], r[4].replace(tzinfo=VN),
         (r[4] + dt.timedelta(days=r[5])).replace(hour=0, minute=0, tzinfo=VN),
         None if r[7] is None else (r[4] + dt.timedelta(hours=r[7])).replace(tzinfo=VN),
         r[8], r[9]) for _, r in good)
    return dups, len(kept) - len(good), stored


@pytest.mark.integration  # a long property run (make test-fast leaves it out)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.lists(semantic_rows, min_size=1, max_size=25),
       copies=st.lists(st.integers(0, 24), max_size=8),
       data=st.data())
def test_any_dossier_file_keeps_the_count_identity_and_stores_what_is_expected(
        tmp_path_factory, base, copies, data):
    from tthc_lib.store.connection import connect

    rows = [_normalise(r) for r in base]
    rows += [rows[i % len(rows)] for i in copies]
    rows = data.draw(st.permutations(rows))
    def choice(options):
        return data.draw(st.sampled_from(options))
    header = ("Mã hồ sơ,Mã đơn vị,Mã thủ tục,Hình thức nộp,Ngày tiếp nhận,Ngày hẹn trả,"
              "Trạng thái,Ngày kết thúc,Số hóa thành phần hồ sơ,Số hóa kết quả,Người nộp")
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "dossiers_generated.csv"
    path.write_text("\n".join([header] + [",".join(_render(r, choice)) for r in rows]) + "\n",
                    encoding="utf-8")
    con = connect(folder / "store.duckdb")
    try:
        load_exports(con, REGISTRIES)
        [result] = load_exports(con, [str(path)])
        dups, rejected, stored = _expected(rows)
        assert result.read == len(rows)
        assert result.read == result.loaded + result.rejected + result.duplicates
        assert (result.duplicates, result.rejected) == (dups, rejected)
        assert table(con, "SELECT dossier_id, unit_code, procedure_code, channel, status, "
                          "received_at, due_at, closed_at, digitised_on_receipt, "
                          "result_digitised FROM dossiers ORDER BY ALL") == stored
        assert table(con, "SELECT count(*) FROM rejected") == [(rejected,)]
    finally:
        con.close()


def test_a_changed_publication_replaces_the_stored_one(con, tmp_path):
    load_exports(con, [ingest("changes.csv")])
    newer = tmp_path / "changes_newer.csv"
    newer.write_text("Số quyết định,Ngày quyết định,Mã thủ tục,Cấp thực hiện,Loại công bố\n"
                     "820/QĐ-UBND,16/03/2023,1.001193,Cấp xã,Bãi bỏ\n", encoding="utf-8")
    [result] = load_exports(con, [str(newer)])
    assert counts(result) == ("changes", 1, 1, 1, 0, 0, None)
    assert table(con, "SELECT decision_date, change FROM changes "
                      "WHERE procedure_code = '1.001193'") == [(dt.date(2023, 3, 16), "abolished")]


def test_a_file_gone_before_its_turn_is_refused(con, tmp_path):
    from tthc_lib.ingest.load import _load_file
    from tthc_lib.ingest.readers import open_export

    path = tmp_path / "units_gone.csv"
    path.write_bytes(data_path("ingest", "units.csv").read_bytes())
    export = open_export(path, label="units_gone.csv")
    path.unlink()
    result = _load_file(con, export)
    assert result.error.startswith("units_gone.csv: không đọc được tệp")
    assert table(con, "SELECT count(*) FROM units") == [(0,)]


def test_white_space_around_values_is_ignored(con, tmp_path):
    load_exports(con, REGISTRIES)
    path = tmp_path / "dossiers_padded.csv"
    path.write_text(
        "Mã hồ sơ,Mã đơn vị,Mã thủ tục,Hình thức nộp,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,"
        "Ngày kết thúc,Số hóa kết quả\n"
        " HS301 ,THD\u00a0,\t1.001193, Trực  tuyến ,  03/04/2023 08:00 ,05/04/2023\t,"
        " đã giải quyết ,\u00a004/04/2023 16:30, Có \n"
        "HS302,THD,1.001193,Trực tuyến,03/04/2023,05/04/2023,  ,,\n", encoding="utf-8")
    [result] = load_exports(con, [str(path)])
    assert counts(result) == ("dossiers", 2, 1, 0, 1, 0, None)
    assert table(con, "SELECT dossier_id, unit_code, procedure_code, channel, status, "
                      "received_at, closed_date, result_digitised FROM dossiers") == [
        ("HS301", "THD", "1.001193", "online", "resolved",
         dt.datetime(2023, 4, 3, 8, 0, tzinfo=VN), dt.date(2023, 4, 4), True)]
    assert rejected_of(con, str(path)) == [(3, 'Thiếu giá trị bắt buộc ở cột "Trạng thái"')]


def test_an_export_without_digitisation_columns_leaves_digitisation_unknown(con, tmp_path):
    """A standard export with no "Số hóa" column says nothing of digitisation: stored NULL,
    not "Không" (what an empty cell of such a column means), and said at ingest."""
    from datetime import date

    from tthc_lib.indicators.figures import compute_indicators

    path = tmp_path / "ho_so.csv"
    path.write_text("Mã hồ sơ,Mã đơn vị,Mã thủ tục,Hình thức nộp,Ngày tiếp nhận,Ngày hẹn trả,"
                    "Trạng thái,Ngày kết thúc\n"
                    "X1,THD,1.001193,Trực tuyến,03/04/2023 08:00,05/04/2023,Đã giải quyết,"
                    "04/04/2023 10:00\n", encoding="utf-8")
    *_, result = load_exports(con, REGISTRIES + [str(path)])
    assert counts(result) == ("dossiers", 1, 1, 0, 0, 0, None)
    assert result.notes == [
        f'{path}: không có cột "Số hóa thành phần hồ sơ"; các số liệu cần cột này ghi '
        '"không có số liệu".',
        f'{path}: không có cột "Số hóa kết quả"; các số liệu cần cột này ghi '
        '"không có số liệu".']
    assert table(con, "SELECT digitised_on_receipt, result_digitised FROM dossiers") == [
        (None, None)]
    figures = compute_indicators(con, date(2023, 4, 1), date(2023, 4, 30))
    assert not figures.available("THD", "unit", "digitised_on_receipt")
    assert figures.available("THD", "unit", "received_online")
    # the same rows with the columns, one cell empty: "Không" is said, so it is known
    with_columns = tmp_path / "ho_so_2.csv"
    with_columns.write_text(path.read_text(encoding="utf-8").replace(
        "Ngày kết thúc\n", "Ngày kết thúc,Số hóa thành phần hồ sơ,Số hóa kết quả\n").replace(
        "10:00\n", "10:00,,Có\n"), encoding="utf-8")
    [again] = load_exports(con, [str(with_columns)])
    assert again.notes == [] and again.updated == 1
    assert table(con, "SELECT digitised_on_receipt, result_digitised FROM dossiers") == [
        (False, True)]
    figures = compute_indicators(con, date(2023, 4, 1), date(2023, 4, 30))
    assert figures.available("THD", "unit", "digitised_on_receipt")
