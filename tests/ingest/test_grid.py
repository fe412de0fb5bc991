"""The grid seam: rows of any grid file (XLSX, HTML table as .xls) by sheet, row number and
cell texts, recognised by content."""

from __future__ import annotations

import datetime as dt
import unicodedata
import zipfile

import openpyxl
import pytest

from tthc_lib.errors import InputError
from tthc_lib.ingest.grid import GridRow, grid_format, grid_rows

TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: precomposed letters, tone marks combining."""
    out = []
    for ch in text:
        d = unicodedata.normalize("NFD", ch)
        base = "".join(c for c in d if c not in TONES)
        out.append(unicodedata.normalize("NFC", base) + "".join(c for c in d if c in TONES))
    return "".join(out).encode("cp1258")


HTML = ('<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel" '
        'xmlns="http://www.w3.org/TR/REC-html40"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        '<!--[if gte mso 9]><xml><x:ExcelWorkbook><x:ExcelWorksheets><x:ExcelWorksheet>'
        '<x:Name>Danh sách hồ sơ</x:Name></x:ExcelWorksheet></x:ExcelWorksheets>'
        '</x:ExcelWorkbook></xml><![endif]--></head><body><table>'
        '<tr><th rowspan="2">Số hồ sơ</th><th colspan="2">Ngày</th><th>Ghi chú</th></tr>'
        '<tr><th>Tiếp nhận</th><th>Hẹn<br/>trả</th><td>x</td></tr>'
        '<tr><td>H01.1</td><td>02/01/2026<br>08:00</td><td>  Từ 13:30\n  đến 16:00 </td></tr>'
        '</table></body></html>')

EXPECTED_HTML = [
    GridRow("Danh sách hồ sơ", 1, ["Số hồ sơ", "Ngày", "", "Ghi chú"]),
    GridRow("Danh sách hồ sơ", 2, ["", "Tiếp nhận", "Hẹn\ntrả", "x"]),
    GridRow("Danh sách hồ sơ", 3, ["H01.1", "02/01/2026\n08:00", "Từ 13:30 đến 16:00"]),
]


def test_xlsx_rows_keep_sheet_row_numbers_and_columns(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Hồ sơ"
    ws["B3"], ws["C3"] = "Mã", "Ngày"
    ws["B4"], ws["C4"] = "HS1", dt.datetime(2026, 1, 2)
    ws["C6"] = 3.0
    wb.create_sheet("Trống")
    path = tmp_path / "bang.dat"
    wb.save(path)
    assert grid_format(path) == "xlsx"
    assert list(grid_rows(path)) == [GridRow("Hồ sơ", 3, ["", "Mã", "Ngày"]),
                                     GridRow("Hồ sơ", 4, ["", "HS1", "2026-01-02"]),
                                     GridRow("Hồ sơ", 6, ["", "", "3"])]


@pytest.mark.parametrize("charset,encode", [
    ("utf-8", lambda s: s.encode("utf-8")),
    ("windows-1258", cp1258),
    ("utf-16", lambda s: s.encode("utf-16")),
])
def test_html_table_saved_as_xls(tmp_path, charset, encode):
    path = tmp_path / "DanhSachHoSo.xls"
    path.write_bytes(encode(HTML.replace("{charset}", charset)))
    assert grid_format(path) == "html"
    assert list(grid_rows(path)) == EXPECTED_HTML


@pytest.mark.parametrize("name,data,message", [
    ("trang.htm", b"<html><body><p>Kh\xc3\xb4ng c\xc3\xb3</p></body></html>",
     "trang.htm: tệp HTML không có bảng; cần một bảng (<table>) có dòng tiêu đề."),
    ("nen.xlsx", None,
     "nen.xlsx: tệp ZIP không phải bảng tính; cần tệp .xlsx, .xls, .ods, CSV hoặc bảng HTML."),
])
def test_files_no_grid_reader_reads(tmp_path, name, data, message):
    path = tmp_path / name
    if data is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("ghi_chu.txt", "không phải bảng tính")
    else:
        path.write_bytes(data)
    with pytest.raises(InputError) as err:
        list(grid_rows(path, label=name))
    assert str(err.value) == message


def _patched_sheet(src, out, edit):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, edit(data) if item.filename == "xl/worksheets/sheet1.xml"
                          else data)


LAUGHS = '<!ENTITY a0 "lol">' + "".join(
    f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
SECRET = "file:///etc/hostname"


@pytest.mark.parametrize("doctype, ref", [
    (f'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "{SECRET}">]>', b"&e;"),
    (f"<!DOCTYPE worksheet [{LAUGHS}]>", b"&a9;"),
])
def test_workbooks_declaring_entities_are_refused_without_expanding_them(tmp_path, doctype,
                                                                          ref):
    wb = openpyxl.Workbook()
    wb.active.append(["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"])
    wb.active.append(["D01", "THAY_THE", "Xã"])
    wb.save(tmp_path / "goc.xlsx")
    path = tmp_path / "thuc_the.xlsx"
    _patched_sheet(tmp_path / "goc.xlsx", path, lambda d: d.replace(
        b"<worksheet", doctype.encode() + b"<worksheet", 1).replace(b"THAY_THE", ref))
    with pytest.raises(InputError) as err:
        list(grid_rows(path, label="thuc_the.xlsx"))
    assert str(err.value) == ("thuc_the.xlsx: tệp Excel bị hỏng hoặc không đầy đủ (XmlError); "
                              "cần tệp .xlsx lưu trọn vẹn.")


@pytest.mark.parametrize("doctype, ref", [
    (f'<!DOCTYPE html [<!ENTITY e SYSTEM "{SECRET}">]>', "&e;"),
    (f"<!DOCTYPE html [{LAUGHS}]>", "&a9;"),
    (f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY e SYSTEM "{SECRET}">]>', "&e;"),
])
def test_html_entities_of_a_doctype_stay_text(tmp_path, doctype, ref):
    path = tmp_path / "thuc_the.xls"
    path.write_text(f"{doctype}<html><body><table><tr><td>Mã đơn vị</td><td>{ref}</td></tr>"
                    "</table></body></html>", encoding="utf-8")
    assert list(grid_rows(path)) == [GridRow("Bảng 1", 1, ["Mã đơn vị", ref])]


def test_huge_cells_are_read_whole(tmp_path):
    big = "Số 1, phố Trần Hưng Đạo " * 500_000          # 12 MB, past libxml2's 10 MB
    path = tmp_path / "o_lon.htm"
    path.write_text(f"<table><tr><td>Mã</td><td>{big}</td></tr></table>", encoding="utf-8")
    assert [len(c) for c in next(grid_rows(path)).cells] == [2, len(big.strip())]
    wb = openpyxl.Workbook()
    wb.active.append(["Mã", "y" * 32_767])                # Excel's longest cell
    wb.save(tmp_path / "o_lon.xlsx")
    assert [len(c) for c in next(grid_rows(tmp_path / "o_lon.xlsx")).cells] == [2, 32_767]


def test_several_tables_are_several_sheets_and_nested_tables_stay_in_their_cell(tmp_path):
    path = tmp_path / "hai_bang.html"
    path.write_text("<html><body><table><tr><td>A<table><tr><td>trong</td></tr></table></td>"
                    "<td>B</td></tr></table><p>giữa</p><table><tbody><tr><td></td></tr>"
                    "<tr><td colspan='2' rowspan='2'>C</td><td>D</td></tr><tr><td>E</td></tr>"
                    "</tbody></table></body></html>", encoding="utf-8")
    assert list(grid_rows(path)) == [GridRow("Bảng 1", 1, ["A\ntrong", "B"]),
                                     GridRow("Bảng 2", 2, ["C", "", "D"]),
                                     GridRow("Bảng 2", 3, ["", "", "E"])]
