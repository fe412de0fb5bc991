"""Biểu số 06/VPCP/KSTT: exact lines for known data, the HTML and spreadsheet as the paper
form lays them out, and the form's identities for any data."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tthc_lib.content.forms.form06 import (
    check_form06,
    form06_frame,
    form06_html,
)
from tthc_lib.content.forms.workbook import form06_meta, write_form06_xlsx
from tthc_lib.indicators.figures import compute_indicators
from tthc_lib.store.connection import connect

START, END = date(2023, 1, 1), date(2023, 10, 30)
LOCAL = timezone(timedelta(hours=7))
COLS = [f"c{n}" for n in range(3, 14)]


def local(y, m, d):
    return datetime(y, m, d, 9, 0, tzinfo=LOCAL)


def _registry(con):
    con.execute("""INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES
        ('C', 'Thành phố X', 'Thành phố', 'district', NULL),
        ('W1', 'Phường A', 'Phường', 'commune', 'C'),
        ('W2', 'Xã B', 'Xã', 'commune', 'C')""")
    con.execute("""INSERT INTO procedures VALUES
        ('P1', 'Đăng ký khai sinh', 'Hộ tịch', 'commune', 'full'),
        ('P2', 'Cấp giấy chứng nhận', 'Đất đai', 'district', 'partial'),
        ('P3', 'Chứng thực bản sao', 'Chứng thực', 'commune', 'none'),
        ('P4', 'Cấp giấy phép xây dựng', 'Xây dựng', 'district', 'full')""")


def _dossier(con, did, unit, proc, channel, received, due, status="open", closed=None):
    con.execute(
        """INSERT INTO dossiers (dossier_id, unit_code, procedure_code, channel,
            status, received_at, due_at, closed_at, received_date, due_date, closed_date,
            digitised_on_receipt, result_digitised) VALUES (?, ?, ?, ?, ?, ?, ?, ?,
           timezone('Asia/Ho_Chi_Minh', ?::TIMESTAMPTZ)::DATE,
           timezone('Asia/Ho_Chi_Minh', ?::TIMESTAMPTZ)::DATE,
           timezone('Asia/Ho_Chi_Minh', ?::TIMESTAMPTZ)::DATE, false, false)""",
        [did, unit, proc, channel, status, received, due, closed, received, due, closed])


def _d(con, did, unit, proc, channel, received, due, status="open", closed=None):
    _dossier(con, did, unit, proc, channel, local(*received), local(*due), status,
             None if closed is None else local(*closed))


@pytest.fixture
def city(con):
    """A city with one dossier of each kind the form tells apart."""
    _registry(con)
    _d(con, "a", "C", "P2", "online", (2023, 2, 1), (2023, 2, 10), "resolved", (2023, 2, 5))
    _d(con, "b", "C", "P2", "in_person", (2023, 2, 1), (2023, 2, 10), "resolved", (2023, 2, 10))
    _d(con, "c", "C", "P2", "post", (2022, 12, 20), (2023, 1, 10), "resolved", (2023, 1, 15))
    _d(con, "d", "C", "P2", "online", (2023, 3, 1), (2023, 3, 10), "withdrawn", (2023, 3, 2))
    _d(con, "e", "C", "P2", "in_person", (2023, 10, 20), (2023, 11, 5))
    _d(con, "f", "C", "P4", "online", (2023, 5, 1), (2023, 5, 10))
    _d(con, "g", "W1", "P1", "online", (2023, 4, 1), (2023, 4, 3), "resolved", (2023, 4, 2))
    _d(con, "h", "W1", "P1", "in_person", (2023, 4, 1), (2023, 4, 3), "returned", (2023, 4, 5))
    _d(con, "i", "W2", "P3", "in_person", (2022, 12, 30), (2023, 1, 2), "resolved", (2023, 1, 2))
    _d(con, "j", "W2", "P3", "post", (2023, 6, 1), (2023, 6, 1), "resolved", (2023, 6, 1))
    _d(con, "k", "W2", "P1", "online", (2023, 9, 1), (2023, 9, 5))
    return con


# (c1, c2, c3 .. c13) of every line for the city's total scope
EXPECTED_TOTAL = [
    ("I", "Cấp huyện", 6, 3, 2, 1, 4, 1, 2, 1, 2, 1, 1),
    ("1", "Đất đai", 5, 2, 2, 1, 4, 1, 2, 1, 1, 1, 0),
    ("2", "Xây dựng", 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1),
    ("II", "Cấp xã", 5, 2, 2, 1, 4, 1, 3, 0, 1, 0, 1),
    ("1", "Chứng thực", 2, 0, 1, 1, 2, 0, 2, 0, 0, 0, 0),
    ("2", "Hộ tịch", 3, 2, 1, 0, 2, 1, 1, 0, 1, 0, 1),
    ("", "Tổng cộng", 11, 5, 4, 2, 8, 2, 5, 1, 3, 1, 2),
]


def _lines(frame):
    return [tuple(r) for r in frame[["c1", "c2"] + COLS].itertuples(index=False, name=None)]


def test_total_scope_lines_by_level_and_field(city):
    frame = form06_frame(city, START, END, "C", "total")
    assert _lines(frame) == EXPECTED_TOTAL
    assert list(frame["row_kind"]) == ["section", "field", "field", "section", "field", "field",
                                       "total"]
    assert check_form06(frame) == []


def test_unit_scope_has_only_the_units_own_dossiers(city):
    frame = form06_frame(city, START, END, "C", "unit")
    assert _lines(frame) == EXPECTED_TOTAL[:3] + [("", "Tổng cộng", *EXPECTED_TOTAL[0][2:])]


def test_withdrawn_and_returned_count_as_resolved_on_time(city):
    ward = form06_frame(city, START, END, "W1", "unit")
    # g resolved early, h returned: (7) = 2, (8) = 1, (9) = 1 (the returned one)
    assert _lines(ward)[-1] == ("", "Tổng cộng", 2, 1, 1, 0, 2, 1, 1, 0, 0, 0, 0)


def test_unit_without_dossiers_has_a_zero_total_line(city):
    frame = form06_frame(city, date(2024, 1, 1), date(2024, 1, 31), "W1", "unit")
    assert _lines(frame) == [("", "Tổng cộng") + (0,) * 11]


def test_identity_failure_is_a_finding_with_both_numbers(city):
    frame = form06_frame(city, START, END, "C", "total")
    frame.loc[1, "c4"] += 1
    findings = check_form06(frame)
    assert [(f["row"], f["identity"], f["left"], f["right"]) for f in findings] == [
        ("Đất đai", "(3) = (4) + (5) + (6)", 5, 6)]
    assert findings[0]["message"] == ("Biểu số 06/VPCP/KSTT, dòng «Đất đai»: cột (3) là 5 "
                                      "nhưng (4) + (5) + (6) = 6")


# ---- HTML ----

@pytest.mark.integration  # a long property run (make test-fast leaves it out)
def test_html_headers_numbers_row_and_escaping(city):
    city.execute("INSERT INTO procedures VALUES ('P9', 'Thủ tục', 'Đo đạc & <bản đồ>', "
                 "'district', 'none')")
    for i in range(1234):
        _d(city, f"m{i}", "C", "P9", "online", (2023, 7, 1), (2023, 7, 9))
    out = form06_html(form06_frame(city, START, END, "C", "unit"))
    assert out.startswith('<table class="tthc-table tthc-form06"><caption>Biểu số 06/VPCP/KSTT.')
    assert '<th scope="col" colspan="4">Số hồ sơ nhận giải quyết</th>' in out
    assert '<th scope="col" colspan="7">Kết quả giải quyết</th>' in out
    assert '<th scope="col" colspan="3">Trong đó</th>' in out
    assert '<th scope="col" colspan="4">Số hồ sơ đã giải quyết</th>' in out
    assert '<th scope="col" colspan="3">Số hồ sơ đang giải quyết</th>' in out
    assert '<th scope="col" rowspan="3">STT</th>' in out
    assert "".join(f"<th>({n})</th>" for n in range(1, 14)) in out
    assert "Đo đạc &amp; &lt;bản đồ&gt;" in out and "<bản đồ>" not in out
    assert '<td class="name">Đo đạc &amp; &lt;bản đồ&gt;</td><td class="num">1.234</td>' in out
    assert '<td class="name">Tổng cộng</td><td class="num">1.240</td>' in out
    assert out.count("<tr") == 3 + 1 + 5  # headers, numbers, section + 3 fields + total


# ---- spreadsheet ----

def test_xlsx_is_laid_out_like_the_paper_form(city, tmp_path):
    frame = form06_frame(city, START, END, "C", "total")
    meta = form06_meta(city, START, END, "C", "10 tháng năm 2023", "UBND tỉnh Y")
    path = write_form06_xlsx(frame, tmp_path / "out" / "bieu06.xlsx", meta)
    assert list(tmp_path.joinpath("out").iterdir()) == [path]  # no temporary file left
    ws = load_workbook(path).active
    assert [ws.cell(row=r, column=1).value for r in range(1, 5)] == [
        "Biểu số 06/VPCP/KSTT",
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC",
        "Kỳ báo cáo: 10 tháng năm 2023", "(Từ ngày 01/01/2023 đến ngày 30/10/2023)"]
    assert ws["B5"].value == "Đơn vị báo cáo: UBND thành phố X"
    assert ws["B6"].value == "Đơn vị nhận báo cáo: UBND tỉnh Y"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A8:A10", "B8:B10", "C8:F8", "G8:M8", "C9:C10", "D9:F9", "G9:J9", "K9:M9",
            "A2:M2"} <= merged
    assert (ws["C8"].value, ws["G8"].value, ws["D9"].value, ws["G9"].value, ws["K9"].value) == (
        "Số hồ sơ nhận giải quyết", "Kết quả giải quyết", "Trong đó", "Số hồ sơ đã giải quyết",
        "Số hồ sơ đang giải quyết")
    assert [ws.cell(row=10, column=c).value for c in range(4, 14)] == [
        "Số mới tiếp nhận trực tuyến",
        "Số mới tiếp nhận trực tiếp và qua dịch vụ bưu chính công ích", "Số kỳ trước chuyển qua",
        "Tổng số", "Trả trước hạn", "Trả đúng thời hạn", "Trả quá hạn", "Tổng số", "Trong hạn",
        "Quá hạn"]
    assert [ws.cell(row=11, column=c).value for c in range(1, 14)] == [
        f"({n})" for n in range(1, 14)]
    body = [tuple(ws.cell(row=r, column=c).value for c in range(1, 14)) for r in range(12, 19)]
    assert body == [(int(s) if s.isdigit() else s or None, *rest) for s, *rest in EXPECTED_TOTAL]
    assert ws.max_row == 18
    assert all(isinstance(ws.cell(row=18, column=c).value, int) for c in range(3, 14))
    assert ws["C18"].number_format == "#,##0"
    assert ws["B14"].font.name == "Times New Roman" and ws["B18"].font.bold
    assert ws["M18"].border.right.style == "thin" and ws["A8"].border.top.style == "thin"
    assert ws.column_dimensions["B"].width == 38


def test_xlsx_accepts_a_plain_mapping_as_meta(city, tmp_path):
    frame = form06_frame(city, START, END, "W2", "unit")
    path = write_form06_xlsx(frame, tmp_path / "w2.xlsx",
                             {"unit_name": "UBND xã B", "period_label": "quý III năm 2023"})
    ws = load_workbook(path).active
    assert (ws["A3"].value, ws["A4"].value, ws["B5"].value, ws["B6"].value) == (
        "Kỳ báo cáo: quý III năm 2023", None, "Đơn vị báo cáo: UBND xã B", None)


# ---- identities for any data (hypothesis) ----

day = st.dates(min_value=date(2022, 11, 1), max_value=date(2023, 12, 31))


@st.composite
def dossier_records(draw):
    received = draw(day)
    status = draw(st.sampled_from(["open", "resolved", "withdrawn", "returned"]))
    closed = None if status == "open" else received + timedelta(days=draw(st.integers(0, 60)))
    return {"unit": draw(st.sampled_from(["C", "W1", "W2"])), "received": received,
                "due": received + timedelta(days=draw(st.integers(0, 30))), "status": status,
                "closed": closed, "channel": draw(st.sampled_from(["online", "in_person", "post"])),
                "proc": draw(st.sampled_from(["P1", "P2", "P3", "P4"]))}


FOLDED = {"c3": ("received_total",), "c4": ("received_online",), "c5": ("received_offline",),
          "c6": ("carried_over",), "c7": ("resolved_total", "closed_other"),
          "c8": ("resolved_early",), "c9": ("resolved_on_time", "closed_other"),
          "c10": ("resolved_late",), "c11": ("pending_total",), "c12": ("pending_in_time",),
          "c13": ("pending_overdue",)}


@pytest.mark.integration  # a long property run (make test-fast leaves it out)
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(dossier_records(), max_size=30), start=day,
       length=st.integers(0, 200), unit_scope=st.sampled_from(
           [("C", "total"), ("C", "unit"), ("C", "communes"), ("W2", "unit")]))
def test_form_identities_and_grand_total_for_any_data(tmp_path_factory, records, start, length,
                                                      unit_scope):
    end = start + timedelta(days=length)
    con = connect(tmp_path_factory.mktemp("f") / "s.duckdb")
    try:
        _registry(con)
        for i, r in enumerate(records):
            _dossier(con, f"d{i}", r["unit"], r["proc"], r["channel"], local(*_ymd(r["received"])),
                     local(*_ymd(r["due"])), r["status"],
                     None if r["closed"] is None else local(*_ymd(r["closed"])))
        unit, scope = unit_scope
        frame = form06_frame(con, start, end, unit, scope)
        assert check_form06(frame) == []
        indicators = compute_indicators(con, start, end).row(unit, scope)
        grand = frame.iloc[-1]
        assert grand["c2"] == "Tổng cộng"
        assert {c: int(grand[c]) for c in COLS} == {
            c: sum(int(indicators[k]) for k in keys) for c, keys in FOLDED.items()}
        sections = frame[frame["row_kind"] == "section"]
        assert {c: int(sections[c].sum()) for c in COLS} == {c: int(grand[c]) for c in COLS}
        fields = frame[frame["row_kind"] == "field"]
        assert {c: int(fields[c].sum()) for c in COLS} == {c: int(grand[c]) for c in COLS}
    finally:
        con.close()


def _ymd(d):
    return d.year, d.month, d.day


# ---- the command ----

def test_form06_command_writes_the_spreadsheet(city, db_path, tmp_path):
    from click.testing import CliRunner

    from tthc_lib.cli.app import main

    city.close()
    out = tmp_path / "bieu06.xlsx"
    result = CliRunner().invoke(main, ["--db", str(db_path), "form06", "--period",
                                       "2023-01-01:2023-10-30", "--scope", "total", "--out",
                                       str(out), "--params", str(tmp_path / "no-params")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    ws = load_workbook(out).active
    assert ws["A3"].value == "Kỳ báo cáo: 10 tháng năm 2023"
    assert ws["B5"].value == "Đơn vị báo cáo: UBND thành phố X"
    assert [ws.cell(row=18, column=c).value for c in range(2, 14)] == list(EXPECTED_TOTAL[-1][1:])
    bad = CliRunner().invoke(main, ["--db", str(db_path), "form06", "--period", "2023-01",
                                    "--unit", "NOPE", "--out", str(out)])
    assert bad.exit_code == 1 and "Không có đơn vị NOPE" in bad.output


def test_dossiers_of_unknown_procedures_have_their_own_section(city):
    _d(city, "x", "C", "P404", "online", (2023, 8, 1), (2023, 8, 9))
    frame = form06_frame(city, START, END, "C", "unit")
    assert _lines(frame)[-3:] == [
        ("II", "Chưa xác định cấp thực hiện", 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1),
        ("1", "Chưa xác định lĩnh vực", 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1),
        ("", "Tổng cộng", 7, 4, 2, 1, 4, 1, 2, 1, 3, 1, 2)]


def test_formula_text_from_an_export_stays_text(tmp_path):
    """A lĩnh vực written `=HYPERLINK(...)` in the catalogue must not become a live formula."""
    import pandas as pd

    from tthc_lib.content.forms.workbook import FormMeta, build_form06_workbook

    frame = pd.DataFrame([{"c1": "1", "c2": '=HYPERLINK("http://evil.example","Hộ tịch")',
                           **{f"c{i}": 0 for i in range(3, 14)}, "row_kind": "field",
                           "level": "commune"}])
    wb = build_form06_workbook(frame, FormMeta(unit_name="=1+1", period_label="năm 2023"))
    out = tmp_path / "f.xlsx"
    wb.save(out)
    back = load_workbook(out)
    kinds = [c.data_type for ws in back for r in ws.iter_rows() for c in r if c.value is not None]
    assert "f" not in kinds
    texts = [c.value for ws in back for r in ws.iter_rows() for c in r]
    assert '=HYPERLINK("http://evil.example","Hộ tịch")' in texts


def test_after_july_2025_the_district_lines_say_the_level_is_abolished(city):
    """Issue 21, point 8: a 2026 province's Biểu 06 names its "Cấp huyện" lines as the
    abolished level's; a 2023 form keeps "Cấp huyện"."""
    from tthc_lib.indicators.breakdowns import indicators_by_field

    by_field = indicators_by_field(city, START, END, "C", "total")
    before = form06_frame(None, START, END, "C", "total", by_field=by_field)
    after = form06_frame(None, date(2026, 1, 1), date(2026, 11, 30), "C", "total",
                         by_field=by_field)
    sections = lambda f: list(f.loc[f["row_kind"] == "section", "c2"])
    assert "Cấp huyện" in sections(before)
    assert "Cấp huyện (đã kết thúc hoạt động từ ngày 01/7/2025)" in sections(after)
    assert "Cấp huyện" not in sections(after)
