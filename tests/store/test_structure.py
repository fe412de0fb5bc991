"""docs/structure.md at its boundaries, through the real ingest: the registry's kinds, levels and
cycles; successions and their rules; figures on the structure of a date (effective day, a
chain of two, a split with and without data, a unit that only gave territory, a unit
established later, a record under a ceased code after the change); predecessors."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from tthc_lib.indicators.figures import compute_indicators
from tthc_lib.ingest.load import list_rejected, load_exports
from tthc_lib.store.structure import inactive_unit_reason, predecessors, unit_structure

pytestmark = pytest.mark.integration  # kernels, subprocesses or long fuzzing (conftest)

UNITS = """Mã đơn vị,Tên đơn vị,Loại đơn vị,Cấp,Ngày thành lập,Mã đơn vị cấp trên
HP,Thành phố Hải Phòng,Thành phố trực thuộc trung ương,,,
HDT,Tỉnh Hải Dương,Tỉnh,,,
STP,Sở Tư pháp,Sở,,,HP
TTHC,Trung tâm Phục vụ hành chính công,Trung tâm,,,HP
HDC,Thành phố Hải Dương,Thành phố,,,HDT
W1,Phường Phạm Ngũ Lão,Phường,,,HDC
W2,Phường Lê Thanh Nghị,Phường,,,HDC
W3,Phường Trần Hưng Đạo,Phường,,,HDC
W4,Phường Nhị Châu,Phường,,,HDC
W5,Xã Tân Hưng,Xã,,,HDC
N1,Phường Lê Thanh Nghị,Phường,,01/07/2025,HP
N2,Phường Hải Dương,Phường,,01/07/2025,HP
DK,Đặc khu Bạch Long Vĩ,Đặc khu,,01/07/2025,HP
LATE,Phường Tương Lai,Phường,,01/01/2026,HP
BQL,Ban Quản lý các khu công nghiệp,Ban,Cấp huyện,,HP
"""
BASIS = "Nghị quyết số 1669/NQ-UBTVQH15"
SUCCESSIONS = f"""Mã đơn vị cũ,Mã đơn vị mới,Ngày hiệu lực,Phạm vi,Nhận số liệu,Căn cứ
W1,W2,01/03/2025,Toàn bộ,,Nghị quyết số 1234/NQ-UBTVQH15
W2,N1,01/07/2025,Toàn bộ,,{BASIS}
W3,N1,01/07/2025,Toàn bộ,,{BASIS}
W4,N1,01/07/2025,Một phần,Có,{BASIS}
W4,N2,01/07/2025,Một phần,,{BASIS}
W5,N2,01/07/2025,Một phần,Không,{BASIS}
HDC,HP,01/07/2025,Toàn bộ,,Nghị quyết số 202/2025/QH15
HDT,HP,01/07/2025,Toàn bộ,,Nghị quyết số 202/2025/QH15
"""
PROCEDURES = """Mã thủ tục,Tên thủ tục,Lĩnh vực,Cấp thực hiện,Mức độ DVC trực tuyến
P1,Đăng ký khai sinh,Hộ tịch,Cấp xã,Toàn trình
P2,Cấp phiếu lý lịch tư pháp,Lý lịch tư pháp,Cấp tỉnh,Toàn trình
"""
# unit -> how many dossiers it received on 10/06/2025 (before the change); distinct powers of
# two, so that any sum tells whose records it holds.
BEFORE = {"W1": 1, "W2": 2, "W3": 4, "W4": 8, "W5": 16, "HDC": 32, "HDT": 64, "STP": 128}
DOSSIER_HEAD = ("Mã hồ sơ,Mã đơn vị,Mã thủ tục,Hình thức nộp,Ngày tiếp nhận,Ngày hẹn trả,"
                "Trạng thái,Ngày kết thúc\n")


def _dossiers() -> str:
    lines = []
    for unit, n in BEFORE.items():
        proc = "P2" if unit == "STP" else "P1"
        lines += [f"{unit}-{i},{unit},{proc},Trực tuyến,10/06/2025 08:00,20/06/2025,"
                  f"Đã giải quyết,12/06/2025 10:00" for i in range(n)]
    lines += [
        # Received by W2 in June, still open on 1/7/2025: carried over into N1.
        "OPEN-W2,W2,P1,Trực tiếp,25/06/2025 08:00,05/07/2025,Đang giải quyết,",
        # Exported under a ceased code after the change: counts for N1.
        "AFTER-W3,W3,P1,Trực tuyến,10/08/2025 08:00,,Đã giải quyết,11/08/2025 09:00",
        "N1-1,N1,P1,Trực tuyến,05/08/2025 08:00,,Chờ bổ sung,",
        "N2-1,N2,P1,Trực tuyến,05/08/2025 08:00,06/08/2025,Tạm dừng,",
        "DK-1,DK,P1,Trực tuyến,05/08/2025 08:00,06/08/2025,Đang xử lý,",
        # Received before its unit was established (01/01/2026): a finding.
        "LATE-1,LATE,P1,Trực tuyến,20/12/2025 08:00,22/12/2025,Đã giải quyết,21/12/2025 08:00",
    ]
    return DOSSIER_HEAD + "\n".join(lines) + "\n"


CHANGES = """Số quyết định,Ngày quyết định,Mã thủ tục,Cấp thực hiện,Loại công bố
100/QĐ-UBND,05/08/2025,P2,Cấp tỉnh,Ban hành mới
101/QĐ-UBND,05/08/2025,P1,Cấp xã,Sửa đổi, bổ sung
"""


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def hp(con, tmp_path):
    """The province of thành phố Hải Phòng in small, loaded through the real ingest."""
    files = [write(tmp_path, "don_vi.csv", UNITS), write(tmp_path, "sap_xep.csv", SUCCESSIONS),
             write(tmp_path, "thu_tuc.csv", PROCEDURES), write(tmp_path, "ho_so.csv", _dossiers()),
             write(tmp_path, "cong_bo.csv", CHANGES.replace("Sửa đổi, bổ sung",
                                                              '"Sửa đổi, bổ sung"'))]
    results = load_exports(con, files)
    assert [(r.kind, r.read, r.loaded, r.rejected, r.error) for r in results] == [
        ("units", 15, 15, 0, None), ("successions", 8, 8, 0, None),
        ("procedures", 2, 2, 0, None), ("dossiers", 261, 261, 0, None),
        ("changes", 2, 2, 0, None)]
    return con


def figures(con, as_of, start=date(2025, 6, 1), end=None):
    result = compute_indicators(con, start, end or as_of, as_of=as_of)
    return {(r["unit"], r["scope"]): r for r in result.rows.to_dict("records")}, result


# ---------------------------------------------------------------- the registry


def test_kinds_give_levels_and_roles_and_cap_overrides(hp):
    stored = {r[0]: r[1:] for r in hp.execute(
        "SELECT unit_code, level, role, established FROM units").fetchall()}
    assert stored["HP"] == ("province", "territory", None)
    assert stored["HDT"] == ("province", "territory", None)
    assert stored["STP"] == ("province", "department", None)
    assert stored["TTHC"] == ("province", "department", None)
    assert stored["HDC"] == ("district", "territory", None)
    assert stored["DK"] == ("commune", "territory", date(2025, 7, 1))
    assert stored["BQL"] == ("district", "department", None)  # `Cấp huyện` overrides `Ban`


def test_a_cycle_of_parents_and_a_unit_that_is_its_own_parent_are_set_aside(con, tmp_path):
    text = """Mã đơn vị,Tên đơn vị,Loại đơn vị,Mã đơn vị cấp trên
R,Tỉnh Gốc,Tỉnh,
A,Huyện A,Huyện,B
B,Huyện B,Huyện,C
C,Huyện C,Huyện,A
S,Xã Tự Quản,Xã,S
K,Xã Con,Xã,A
OK,Xã Tốt,Xã,R
"""
    [result] = load_exports(con, [write(tmp_path, "vong.csv", text)])
    assert (result.read, result.loaded, result.rejected, result.duplicates) == (7, 2, 5, 0)
    reasons = dict(zip(list_rejected(con)["line"], list_rejected(con)["reason"]))
    loop = "danh mục đơn vị phải là cây, không có vòng lặp"
    assert reasons == {
        3: f"Đơn vị nằm trên một vòng lặp đơn vị cấp trên (A → B → C → A); {loop}",
        4: f"Đơn vị nằm trên một vòng lặp đơn vị cấp trên (B → C → A → B); {loop}",
        5: f"Đơn vị nằm trên một vòng lặp đơn vị cấp trên (C → A → B → C); {loop}",
        6: ('"Mã đơn vị cấp trên" là chính đơn vị này; đơn vị không thể là cấp trên của '
            'chính nó'),
        7: 'Mã đơn vị cấp trên "A" không có trong danh mục đơn vị',
    }
    assert sorted(r[0] for r in con.execute("SELECT unit_code FROM units").fetchall()) == \
        ["OK", "R"]


def test_a_later_file_cannot_close_a_cycle_with_stored_units(con, tmp_path):
    load_exports(con, [write(tmp_path, "a.csv", "Mã đơn vị,Tên đơn vị,Loại đơn vị,"
                             "Mã đơn vị cấp trên\nT,Tỉnh T,Tỉnh,\nH,Huyện H,Huyện,T\n")])
    [result] = load_exports(con, [write(tmp_path, "b.csv", "Mã đơn vị,Tên đơn vị,Loại đơn vị,"
                                        "Mã đơn vị cấp trên\nT,Tỉnh T,Tỉnh,H\n")])
    assert (result.loaded, result.rejected) == (0, 1)
    assert con.execute("SELECT parent_code FROM units WHERE unit_code = 'T'").fetchone() == (None,)


# ---------------------------------------------------------------- successions


def test_bad_successions_are_set_aside_and_listed_with_the_reason(hp, tmp_path):
    text = """Mã đơn vị cũ,Mã đơn vị mới,Ngày hiệu lực,Phạm vi,Nhận số liệu,Căn cứ
STP,STP,01/07/2025,Toàn bộ,,
XX,HP,01/07/2025,Toàn bộ,,
TTHC,BQL,31/02/2025,Toàn bộ,,
TTHC,STP,01/07/2025,Một phần,Có,
TTHC,HP,01/07/2025,Toàn bộ,,
DK,LATE,01/01/2026,Toàn bộ,,
LATE,DK,01/01/2026,Toàn bộ,,
DK,N2,01/01/2026,Một phần,,
DK,N2,01/01/2026,Một phần,,
BQL,HP,01/01/2026,Hết,,
"""
    [result] = load_exports(hp, [write(tmp_path, "sap_xep_loi.csv", text)])
    assert (result.read, result.loaded, result.rejected, result.duplicates) == (10, 1, 8, 1)
    rejected = list_rejected(hp)
    mine = rejected[rejected["file"].str.endswith("sap_xep_loi.csv")]
    reasons = dict(zip(mine["line"], mine["reason"]))
    assert reasons == {
        2: '"Mã đơn vị cũ" trùng "Mã đơn vị mới"',
        3: 'Mã đơn vị cũ "XX" không có trong danh mục đơn vị',
        4: 'Giá trị "31/02/2025" ở cột "Ngày hiệu lực" không phải ngày hợp lệ',
        5: ('Đơn vị cũ "TTHC" có nhiều dòng nhận số liệu (HP, STP); mỗi đơn vị cũ chỉ được '
            'chuyển số liệu cho một đơn vị mới'),
        6: ('Đơn vị cũ "TTHC" có nhiều dòng nhận số liệu (HP, STP); mỗi đơn vị cũ chỉ được '
            'chuyển số liệu cho một đơn vị mới'),
        7: ('Chuỗi nhận số liệu lặp vòng (DK → LATE → DK); số liệu của một đơn vị không thể '
            'quay về chính nó'),
        8: ('Chuỗi nhận số liệu lặp vòng (LATE → DK → LATE); số liệu của một đơn vị không '
            'thể quay về chính nó'),
        11: ('Giá trị "Hết" ở cột "Phạm vi" không hợp lệ (cho phép: toàn bộ, một phần)'),
    }
    # The one good row (DK gives part of its territory to N2, line 9) is stored, not taking data.
    assert hp.execute("SELECT takes_data FROM successions WHERE old_code = 'DK'").fetchall() == \
        [(False,)]


def test_a_data_taking_row_conflicting_with_a_stored_one_is_set_aside(hp, tmp_path):
    text = "Mã đơn vị cũ,Mã đơn vị mới,Ngày hiệu lực,Phạm vi\nW3,N2,01/07/2025,Toàn bộ\n"
    [result] = load_exports(hp, [write(tmp_path, "them.csv", text)])
    assert (result.loaded, result.rejected) == (0, 1)


# ---------------------------------------------------------------- figures on a structure


def test_the_day_before_the_change_keeps_the_old_structure(hp):
    rows, _ = figures(hp, date(2025, 6, 30))
    active = {u for u, _ in rows}
    assert active == {"HP", "HDT", "STP", "TTHC", "BQL", "HDC", "W2", "W3", "W4", "W5"}
    assert rows["W2", "unit"]["received_total"] == 1 + 2 + 1  # W1 (merged 1/3/2025), W2, OPEN-W2
    assert rows["HDC", "communes"]["received_total"] == 1 + 2 + 1 + 4 + 8 + 16
    assert rows["HDT", "districts"]["received_total"] == 32
    assert rows["HDT", "total"]["received_total"] == 1 + 2 + 1 + 4 + 8 + 16 + 32 + 64
    assert rows["HP", "departments"]["received_total"] == 128
    assert rows["HP", "districts"]["received_total"] == 0  # BQL: a Ban at `Cấp huyện`
    assert ("HDT", "departments") not in rows and ("W2", "total") not in rows


def test_on_the_effective_day_records_follow_the_chains(hp):
    rows, _ = figures(hp, date(2025, 7, 1))
    assert {u for u, s in rows if s == "unit"} == {"HP", "STP", "TTHC", "BQL", "N1", "N2", "DK",
                                                   "W5"}
    # chain of two (W1 -> W2 -> N1), whole (W3), a split's data-taking part (W4), carry-over
    assert rows["N1", "unit"]["received_total"] == 1 + 2 + 4 + 8 + 1
    assert rows["N2", "unit"]["received_total"] == 0   # W4's other part takes no data
    assert rows["W5", "unit"]["received_total"] == 16  # only gave territory: still itself
    assert rows["HP", "unit"]["received_total"] == 32 + 64  # the city and old province
    assert rows["HP", "departments"]["received_total"] == 128
    assert rows["HP", "districts"]["received_total"] == 0
    assert rows["HP", "communes"]["received_total"] == 1 + 2 + 4 + 8 + 1 + 16
    assert rows["HP", "total"]["received_total"] == 255 + 1
    # W5's parent HDC ceased: its parent is where HDC went.
    assert rows["W5", "unit"]["parent_code"] == "HP"


def test_a_record_under_a_ceased_code_after_the_change_and_new_statuses(hp):
    rows, _ = figures(hp, date(2025, 8, 31), start=date(2025, 7, 1))
    n1 = rows["N1", "unit"]
    assert n1["received_in_period"] == 2           # AFTER-W3 (under W3's code) and N1-1
    assert n1["resolved_on_time"] == 1              # AFTER-W3 has no due date
    assert n1["carried_over"] == 1                  # OPEN-W2, due 05/07 and still open
    assert (n1["pending_total"], n1["pending_in_time"], n1["pending_overdue"]) == (2, 1, 1)
    n2, dk = rows["N2", "unit"], rows["DK", "unit"]
    assert (n2["pending_in_time"], n2["pending_overdue"]) == (1, 0)  # paused: never overdue
    assert (dk["pending_in_time"], dk["pending_overdue"]) == (0, 1)  # Đang xử lý is open


def test_a_unit_established_later_and_its_early_record(hp):
    rows, result = figures(hp, date(2025, 12, 31), start=date(2025, 12, 1))
    assert ("LATE", "unit") not in rows
    assert rows["HP", "total"]["received_in_period"] == 0   # LATE-1 counts for no unit yet
    assert {"unit": "LATE", "finding": "received_before_established",
            "established": "2026-01-01", "dossiers": 1, "feedback": 0} in result.findings
    rows, _ = figures(hp, date(2026, 1, 31), start=date(2025, 12, 1))
    assert rows["LATE", "unit"]["received_in_period"] == 1


def test_procedures_published_per_level_includes_the_province(hp):
    _, result = figures(hp, date(2025, 8, 31), start=date(2025, 8, 1))
    assert result.procedures_published == {
        "district": {"new": 0, "amended": 0, "abolished": 0},
        "commune": {"new": 0, "amended": 1, "abolished": 0},
        "province": {"new": 1, "amended": 0, "abolished": 0}}


def test_effective_parents_and_predecessors(hp):
    tree = unit_structure(hp, date(2025, 7, 1)).set_index("unit_code")
    assert tree.loc["N1", "parent_code"] == "HP" and tree.loc["HP", "depth"] == 0
    pre = predecessors(hp, date(2025, 7, 1))
    n1 = pre[pre["unit"] == "N1"][["old_code", "old_name", "basis", "effective_date",
                                   "records_here", "split", "in_full", "steps"]]
    assert [tuple(r) for r in n1.itertuples(index=False)] == [
        ("W1", "Phường Phạm Ngũ Lão", "Nghị quyết số 1234/NQ-UBTVQH15", date(2025, 3, 1),
         True, False, False, 2),
        ("W2", "Phường Lê Thanh Nghị", BASIS, date(2025, 7, 1), True, False, False, 1),
        ("W3", "Phường Trần Hưng Đạo", BASIS, date(2025, 7, 1), True, False, False, 1),
        ("W4", "Phường Nhị Châu", BASIS, date(2025, 7, 1), True, True, True, 1),
    ]
    n2 = pre[pre["unit"] == "N2"]
    assert [(r.old_code, r.records_here, r.split) for r in n2.itertuples()] == [
        ("W4", False, True), ("W5", False, False)]


def test_cli_as_of_end_equals_the_default(hp, db_path):
    hp.close()

    def run(*extra):
        out = subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db", str(db_path),
                              "indicators", "--period", "2025-07-01:2025-09-30",
                              "--format", "json", *extra], capture_output=True, text=True,
                             check=False)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    default = run()
    assert run("--as-of", "2025-09-30") == default
    assert {r["scope"] for r in default["rows"] if r["unit"] == "HP"} == {
        "unit", "departments", "districts", "communes", "total"}
    earlier = run("--as-of", "2025-06-30")
    assert "N1" not in {r["unit"] for r in earlier["rows"]}


def test_a_store_made_before_the_structure_is_upgraded_in_place(tmp_path):
    import duckdb

    from tthc_lib.store.connection import connect

    db = tmp_path / "old.duckdb"
    old = duckdb.connect(str(db))
    old.execute("""CREATE TABLE units (unit_code VARCHAR PRIMARY KEY, unit_name VARCHAR NOT NULL,
                   kind VARCHAR NOT NULL, level VARCHAR NOT NULL, parent_code VARCHAR);
                   INSERT INTO units VALUES ('C', 'Thành phố X', 'Thành phố', 'district', NULL);
                   CREATE TABLE dossiers (dossier_id VARCHAR PRIMARY KEY, due_at TIMESTAMPTZ NOT NULL,
                   due_date DATE NOT NULL)""")
    old.close()
    con = connect(db)
    try:
        assert con.execute("SELECT unit_code, role, established FROM units").fetchall() == [
            ("C", "territory", None)]
        con.execute("INSERT INTO dossiers (dossier_id, due_at, due_date) VALUES ('D1', NULL, NULL)")
        assert con.execute("SELECT count(*) FROM successions").fetchone() == (0,)
    finally:
        con.close()


@pytest.mark.parametrize(("unit", "as_of", "line"), [
    ("W2", date(2025, 7, 1), "Đơn vị W2 (Phường Lê Thanh Nghị cũ) đã sắp xếp vào N1 (Phường Lê "
     "Thanh Nghị) từ ngày 01/07/2025: báo cáo kỳ này lập cho N1."),
    ("W1", date(2025, 7, 1), "Đơn vị W1 (Phường Phạm Ngũ Lão) đã sắp xếp vào N1 (Phường Lê Thanh "
     "Nghị) từ ngày 01/03/2025: báo cáo kỳ này lập cho N1."),
    ("HDC", date(2026, 1, 1), "Đơn vị HDC (Thành phố Hải Dương) đã sắp xếp vào HP (Thành phố Hải "
     "Phòng) từ ngày 01/07/2025: báo cáo kỳ này lập cho HP."),
    ("N1", date(2023, 9, 30), "Đơn vị N1 (Phường Lê Thanh Nghị) thành lập ngày 01/07/2025, sau "
     "ngày cuối kỳ 30/09/2023: chưa có báo cáo cho kỳ này."),
    ("N1", date(2025, 7, 1), None),
    ("KHONG", date(2025, 7, 1), None),
])
def test_an_old_code_is_answered_with_its_successor(hp, unit, as_of, line):
    """Issue 21, point 12: HD05 -> HP03 in one line, before any notebook runs."""
    assert inactive_unit_reason(hp, unit, as_of) == line


def test_the_root_comes_from_the_periods_structure(hp):
    """Issue 21, point 10: `tthc check` and `form06` find the root of the period, not of the
    whole registry (HDT ceased on 1/7/2025; N1 did not exist before)."""
    from tthc_lib.content.check.reconcile import root_unit
    from tthc_lib.errors import UnitError

    assert root_unit(hp, None, date(2025, 7, 1)) == "HP"
    with pytest.raises(UnitError) as err:
        root_unit(hp, None, date(2025, 6, 30))
    assert str(err.value) == ("Không xác định được đơn vị gốc ngày 30/06/2025: có 2 đơn vị "
                              "không có cấp trên (HDT, HP); hãy chọn bằng --unit.")
    with pytest.raises(UnitError, match="^Đơn vị N1 \\(Phường Lê Thanh Nghị\\) thành lập ngày "):
        root_unit(hp, "N1", date(2025, 6, 30))


def test_form06_by_default_has_the_scope_of_the_reports_annex(hp):
    """Issue 21, point 9: one definition of the form's scope for the annex and `tthc form06`."""
    from tthc_lib.content.forms.form06 import annex_scope
    from tthc_lib.store.structure import has_units_below

    assert annex_scope(has_units_below(hp, "HP", date(2025, 7, 1))) == "total"
    assert annex_scope(has_units_below(hp, "N1", date(2025, 7, 1))) == "unit"
    assert annex_scope(has_units_below(hp, "HDC", date(2025, 6, 30))) == "total"
