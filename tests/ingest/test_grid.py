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
