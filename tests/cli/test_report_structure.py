"""The held-out province (issue 10, "Done means", tests/helpers/heldout_province.py) loaded through
the real ingest into a real store: for six periods on both sides of 1/7/2025 every figure of
`tthc indicators --format json` (the real CLI) equals the independent computation; its reports
(the real `tthc report`) name predecessors and departments as docs/structure.md says; `--unit all`
is the period's structure."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from helpers.heldout_province import (
    COUNTS,
    PERIODS,
    RATES,
    UNITS,
    expected,
    expected_predecessors,
    generate,
    write_exports,
)

# ---------------------------------------------------------------- the tests

@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """The held-out province loaded by the real CLI into a real store."""
    folder = tmp_path_factory.mktemp("khanh_an")
    dossiers = generate()
    db = folder / "store.duckdb"
    out = subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db", str(db), "ingest",
                          *write_exports(folder, dossiers)], check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return db, dossiers


def _cli_rows(db, start: date, end: date) -> dict:
    out = subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db", str(db), "indicators",
                          "--period", f"{start}:{end}", "--format", "json"],
                         check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return {(r["unit"], r["scope"]): r for r in json.loads(out.stdout)["rows"]}


@pytest.mark.parametrize("start,end", PERIODS, ids=[f"{s}:{e}" for s, e in PERIODS])
def test_no_figure_differs_from_an_independent_computation(province, start, end):
    db, dossiers = province
    want, got = expected(dossiers, start, end), _cli_rows(db, start, end)
    assert set(got) == set(want)
    names = [*COUNTS, *RATES]
    diffs = [(key, n, got[key][n], want[key][n]) for key in want for n in names
             if got[key][n] != want[key][n]]
    assert diffs == []
    assert sum(w["received_total"] for k, w in want.items() if k[1] == "unit") > 100


def test_the_province_holds_every_case(province):
    """The generated world is the one the docstring promises (so the equality above covers
    every case): old units before, new after, a split without data and a unit that only gave
    territory still active, the late đặc khu only in 2026, districts only before."""
    db, _ = province
    before, after = _cli_rows(db, *PERIODS[1]), _cli_rows(db, *PERIODS[3])
    units = lambda rows: sorted(u for u, s in rows if s == "unit")
    assert units(before) == sorted(["BS", "BSSXD", "C1", "C2", "C3", "C4", "C5", "C6", "C8",
                                    "HD", "KA", "KASTP", "TX"])
    assert units(after) == ["BSSXD", "C6", "C8", "KA", "KASTP", "N1", "N2", "N3"]
    assert "N4" in units(_cli_rows(db, *PERIODS[5]))
    assert sorted(s for u, s in after if u == "KA") == ["communes", "departments", "total",
                                                        "unit"]
    assert "districts" in {s for u, s in before if u == "KA"}
    # the chain of two: Xã An Hòa's open dossier is carried over into Xã An Bình (mới)
    assert after[("N1", "unit")]["carried_over"] > 0


# ---------------------------------------------------------------- its reports

REPORT_PERIOD = PERIODS[4]  # 2025-10-01 .. 2025-12-31: after the change


@pytest.fixture(scope="module")
def reports(province, tmp_path_factory):
    """The HTML reports of the province, a department and the new commune with a chain and a
    split behind it, rendered by the real `tthc report`."""
    db, _ = province
    root = tmp_path_factory.mktemp("khanh_an_reports")
    params = root / "params"
    (params / "narrative").mkdir(parents=True)
    (params / "report.yaml").write_text("calendar: calendar\n", encoding="utf-8")
    start, end = REPORT_PERIOD
    out = subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db", str(db), "report",
                          "--period", f"{start}:{end}", "--unit", "KA", "--unit", "KASTP",
                          "--unit", "N1", "--to", "html", "--jobs", "1", "--out",
                          str(root / "out"), "--params", str(params)],
                         check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr + out.stdout
    return {unit: _visible(next((root / "out").rglob(f"{unit}*.html")))
            for unit in ("KA", "KASTP", "N1")}


def _visible(path) -> str:
    import re
    from html import unescape

    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", path.read_text(encoding="utf-8"),
                  flags=re.DOTALL)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


def test_the_province_report_gives_departments_and_communes(reports):
    text = reports["KA"]
    assert "Tại UBND tỉnh Khánh An: - Số hồ sơ được tiếp nhận" in text
    assert "Tại các sở, ban, ngành: - Số hồ sơ được tiếp nhận" in text
    assert "Tại các xã, phường: - Số hồ sơ được tiếp nhận" in text  # no đặc khu before 2026
    assert "Tại các huyện" not in text and "Tại các thị xã" not in text  # none after the change
    assert "Cộng các sở, ban, ngành" in text and "Cộng các xã, phường" in text
    assert "Cấp tỉnh (sở, ban, ngành)" in text  # the Biểu 06 section
    assert "Số liệu của tỉnh Khánh An gồm số liệu của tỉnh Bình Sơn, huyện Đông Giang, " \
           "thị xã Tây Lâm trước ngày 01/7/2025 (Nghị quyết số 202/2025/QH15)." in text


def test_a_department_reports_in_its_own_name(reports):
    text = reports["KASTP"]
    assert "UBND TỈNH KHÁNH AN SỞ TƯ PHÁP" in text
    assert "tại Sở Tư pháp" in text and "UBND Sở" not in text and "UBND sở" not in text


def test_a_new_commune_names_its_predecessors_once(reports, province):
    _, dossiers = province
    text = reports["N1"]
    sentence = expected_predecessors(dossiers, "N1", *REPORT_PERIOD)
    assert "xã An Hòa trước ngày 01/01/2025 (Nghị quyết số 1111/NQ-UBTVQH15)" in sentence
    assert f"{sentence}; toàn bộ số liệu của xã An Lạc (được sắp xếp vào nhiều đơn vị) được " \
           "tính tại xã An Bình." in text
    assert text.count("Số liệu của xã An Bình gồm số liệu của") == 1  # named once
    assert ("Số liệu cùng kỳ năm 2024 và kỳ trước (quý III năm 2025) được tính theo cơ cấu đơn "
            "vị hành chính tại ngày 31/12/2025, gồm số liệu của các đơn vị trước sắp xếp, để so "
            "sánh trên cùng phạm vi.") in text


def test_all_units_means_the_units_of_the_period_structure(province):
    """`tthc report --unit all` (and the index) cover the active units only: no report for a
    ceased old commune, none yet for the đặc khu before 01/01/2026."""
    from tthc_lib.batch.runner import _registry_units, _select_units

    db, _ = province
    registry, active = _registry_units(db, PERIODS[4][1])
    after = _select_units(["all"], registry, active)
    assert sorted(after) == ["BSSXD", "C6", "C8", "KA", "KASTP", "N1", "N2", "N3"]
    assert after[0] == "KA"  # parents first
    registry, active = _registry_units(db, PERIODS[5][1])
    assert "N4" in _select_units(None, registry, active)
    assert len(_select_units(["all"], registry)) == len(UNITS)  # without a date: the registry


# ---------------------------------------------------------------- the words, without a store

def _rows(units):
    import pandas as pd

    return pd.DataFrame([{"unit": c, "scope": "unit", "unit_name": n, "kind": k, "level": lv,
                          "role": r, "parent_code": p} for c, n, k, lv, r, p in units])


def test_rollups_name_only_the_kinds_present_in_the_spec_order():
    from tthc_lib.content.words.levels import rollup_label

    province = _rows([("P", "Tỉnh Khánh An", "Tỉnh", "province", "territory", None),
                      ("S", "Sở Tư pháp", "Sở", "province", "department", "P"),
                      ("D", "Thị xã Tây Lâm", "Thị xã", "district", "territory", "P"),
                      ("W", "Phường Tây Sơn", "Phường", "commune", "territory", "D"),
                      ("K", "Đặc khu Hòn Mê", "Đặc khu", "commune", "territory", "P"),
                      ("X", "Xã An Bình", "Xã", "commune", "territory", "P")])
    assert rollup_label(province, "P", "departments") == "các sở, ban, ngành"
    assert rollup_label(province, "P", "districts") == "các thị xã"
    assert rollup_label(province, "P", "communes") == "các xã, phường, đặc khu"
    city = _rows([("C", "Thành phố Hải Dương", "Thành phố", "district", "territory", None),
                  ("X", "Xã An Bình", "Xã", "commune", "territory", "C"),
                  ("W", "Phường Tây Sơn", "Phường", "commune", "territory", "C")])
    assert rollup_label(city, "C", "communes") == "các phường, xã"  # the reference's order


def test_predecessors_sentence_word_for_word():
    import pandas as pd

    from tthc_lib.content.words.predecessors import predecessors_sentence

    basis = "Nghị quyết số 1669/NQ-UBTVQH15"
    row = lambda code, name, when, b, full=False: {
        "old_code": code, "old_name": name, "old_kind": "Phường", "effective_date": when,
        "basis": b, "in_full": full}
    rows = pd.DataFrame([row("A", "Phường Trần Hưng Đạo", date(2025, 7, 1), basis),
                         row("B", "Phường Nhị Châu", date(2025, 7, 1), basis),
                         row("C", "Phường Ngọc Châu", date(2025, 7, 1), basis, True),
                         row("D", "Phường Quang Trung", date(2025, 7, 1), basis),
                         row("E", "Phường Phạm Ngũ Lão", date(2025, 1, 1), None)])
    assert predecessors_sentence("phường Hải Dương", rows) == (
        "Số liệu của phường Hải Dương gồm số liệu của phường Trần Hưng Đạo, phường Nhị Châu, "
        "phường Ngọc Châu, phường Quang Trung trước ngày 01/7/2025 (Nghị quyết số "
        "1669/NQ-UBTVQH15) và phường Phạm Ngũ Lão trước ngày 01/01/2025; toàn bộ số liệu của "
        "phường Ngọc Châu (được sắp xếp vào nhiều đơn vị) được tính tại phường Hải Dương.")
    assert predecessors_sentence("phường Hải Dương", rows.iloc[0:0]) is None


def test_the_predecessor_sentence_reads_as_an_official_wrote_it():
    """Issue 21, point 6: the document cited, not the "Căn cứ" notes; "(cũ)" for the old
    unit of the same name."""
    import pandas as pd

    from tthc_lib.content.words.predecessors import predecessors_sentence

    notes = ("Nghị quyết số 1669/NQ-UBTVQH15; phần còn lại của phường Tứ Minh; phường Tứ Minh "
             "(mới) nhận toàn bộ số liệu của phường Tứ Minh (lựa chọn của dữ liệu mẫu: phần lớn "
             "hơn, giữ tên)")
    rows = pd.DataFrame([
        {"old_code": "A", "old_name": "Phường Tứ Minh", "old_kind": "Phường",
         "effective_date": date(2025, 7, 1), "basis": notes, "in_full": True},
        {"old_code": "B", "old_name": "Phường Việt Hòa", "old_kind": "Phường",
         "effective_date": date(2025, 7, 1), "basis": "Nghị quyết số 1669/NQ-UBTVQH15",
         "in_full": False},
        {"old_code": "C", "old_name": "Xã Ngọc Sơn", "old_kind": "Xã",
         "effective_date": date(2025, 1, 1), "in_full": False,
         "basis": "Sắp xếp đơn vị hành chính cấp xã giai đoạn 2023-2025 (số nghị quyết chưa "
                  "xác định)"}])
    assert predecessors_sentence("phường Tứ Minh", rows) == (
        "Số liệu của phường Tứ Minh gồm số liệu của phường Tứ Minh (cũ), phường Việt Hòa trước "
        "ngày 01/7/2025 (Nghị quyết số 1669/NQ-UBTVQH15) và xã Ngọc Sơn trước ngày 01/01/2025; "
        "toàn bộ số liệu của phường Tứ Minh (cũ) (được sắp xếp vào nhiều đơn vị) được tính tại "
        "phường Tứ Minh.")


def test_procedures_published_of_a_province_and_a_department():
    from tthc_lib.content.words.prose import procedures_published_prose

    published = {"province": {"new": 1, "amended": 10, "abolished": 3},
                 "commune": {"new": 2, "amended": 7, "abolished": 2}}
    assert procedures_published_prose(published, "province") == (
        "Số lượng TTHC thuộc thẩm quyền của các cấp được UBND cấp tỉnh công bố trong đó được "
        "ban hành mới: 03 TTHC (01 TTHC cấp tỉnh, 02 TTHC cấp xã); sửa đổi: 17 TTHC (10 TTHC "
        "cấp tỉnh, 07 TTHC cấp xã); bãi bỏ: 05 TTHC (03 TTHC cấp tỉnh, 02 TTHC cấp xã)")
    assert procedures_published_prose(published, "province", department=True) == (
        "Số lượng TTHC thuộc thẩm quyền của cấp tỉnh được UBND cấp tỉnh công bố trong đó được "
        "ban hành mới: 01 TTHC; sửa đổi: 10 TTHC; bãi bỏ: 03 TTHC")
