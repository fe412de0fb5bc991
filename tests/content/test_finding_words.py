"""What `tthc report` prints under "Cần xem lại": one Vietnamese line per finding, each once."""

from __future__ import annotations

from tthc_lib.content.words.findings import finding_lines, finding_text

FILE = "xuat/Danh sách hồ sơ.xls"


def test_each_kind_of_finding_word_for_word():
    assert finding_text({"finding": "column_missing", "file": FILE, "kind": "dossiers",
                         "column": "channel", "unit": "HB02"}) == (
        'xuat/Danh sách hồ sơ.xls: không có cột "Hình thức nộp"; các số liệu cần cột này ghi '
        '"không có số liệu".')
    assert finding_text({"finding": "column_missing", "file": FILE, "kind": "dossiers",
                         "column": "closed_at"}).startswith(
        'xuat/Danh sách hồ sơ.xls: không có cột "Ngày kết thúc";')
    assert finding_text({"finding": "feedback_not_loaded", "unit": "HB"}) == (
        'Chưa nạp tệp phản ánh, kiến nghị (PAKN) nào: các số liệu PAKN ghi "không có số liệu".')
    assert finding_text({"finding": "changes_not_loaded"}) == (
        "Chưa nạp tệp công bố thủ tục hành chính nào: số TTHC được công bố (mục 1.3) ghi "
        '"không có số liệu".')
    assert finding_text({"finding": "closing_estimated", "unit": "HB02", "count": 5}) == (
        "HB02: 05 hồ sơ không có ngày giải quyết trong dữ liệu được tính vào ngày sớm nhất có "
        "thể; số hồ sơ đã giải quyết là số ước tính.")
    assert finding_text({"unit": "P1", "finding": "received_before_established",
                         "established": "2025-07-01", "dossiers": 12, "feedback": 0}) == (
        "P1: 12 hồ sơ được tiếp nhận trước ngày thành lập đơn vị (01/07/2025).")
    assert finding_text({"unit": "HD", "scope": "total", "identity":
                         "received_total = carried_over + received_in_period",
                         "left": 10, "right": 9}) == (
        "HD (total): received_total = carried_over + received_in_period không khớp "
        "(10 khác 9).")
    assert finding_text({"message": "Báo cáo của HB chưa có họ tên người ký."}) == (
        "Báo cáo của HB chưa có họ tên người ký.")
    assert finding_text({"finding": "something_new", "unit": "X"}) == (
        '{"finding": "something_new", "unit": "X"}')                # never dropped


def test_a_finding_of_the_store_is_printed_once_for_the_whole_batch():
    store_wide = {"finding": "column_missing", "file": FILE, "kind": "dossiers",
                  "column": "channel"}
    findings = [dict(store_wide, unit=u) for u in ("HB01", "HB02", "HB03")]
    findings += [{"finding": "feedback_not_loaded", "unit": u} for u in ("HB01", "HB02")]
    assert len(finding_lines(findings)) == 2
