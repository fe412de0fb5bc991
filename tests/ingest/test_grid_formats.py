"""One table in every grid format an office's "Xuất Excel" writes — XLSX, BIFF .xls (e-par),
.ods, an HTML table saved as .xls (Tân Dân's exportTableToExcel: no charset declared, UTF-8,
title rows in <thead>, headers in <strong>) in UTF-8, Windows-1258 and UTF-16 — read by content
whatever the name, with the same staged rows as the CSV, the same sheet row numbers, and the
same counts through `tthc ingest`. Fictional data."""

from __future__ import annotations

import csv
import html
import re
import subprocess
import sys
import unicodedata
import zipfile

import duckdb
import openpyxl
import pytest
from helpers.paths import data_path

from tthc_lib.errors import InputError
from tthc_lib.ingest.grid import grid_format, grid_rows
from tthc_lib.ingest.readers import open_export

INGEST = data_path("ingest")
TITLE = ["ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI DƯƠNG"]
SUBTITLE = ["DANH SÁCH HỒ SƠ TIẾP NHẬN TỪ 01/04/2023 ĐẾN 30/06/2023"]
EXTRA = [["HS006", "XYZ", "1.001193", "Đăng ký khai sinh", "Trực tuyến", "05/06/2023",
          "07/06/2023", "Đang giải quyết", "", "Có", "", "Vũ Thị Giang", "001090000006",
          "0912000006", "Số 6"]]


def table() -> tuple[list[str], list[list[str]]]:
    """The header and rows of the reference dossiers, one set aside (unknown unit) and one
    exact duplicate added."""
    with open(INGEST / "dossiers.csv", encoding="utf-8", newline="") as fh:
        head, *rows = list(csv.reader(fh))
    return head, rows + EXTRA + [rows[0]]


def layout() -> list[list[str]]:
    """Rows as the systems lay them out: a title row, a subtitle, the header on row 3."""
    head, rows = table()
    return [TITLE, SUBTITLE, head, *rows]


def write_csv(path):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(layout())


def write_xlsx(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    for row in layout():
        ws.append([c or None for c in row])
    wb.save(path)


def write_xls(path):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Danh sach")
    for r, row in enumerate(layout()):
        for c, value in enumerate(row):
            if value:
                ws.write(r, c, value)
    wb.save(str(path))


def write_ods(path):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    sheet = Table(name="Danh sách")
    for row in layout():
        tr = TableRow()
        for value in row:
            cell = TableCell(valuetype="string") if value else TableCell()
            if value:
                cell.addElement(P(text=value))
            tr.addElement(cell)
        sheet.addElement(tr)
    doc.spreadsheet.addElement(sheet)
    doc.save(str(path))


def tan_dan_html() -> str:
    """The markup of Tân Dân's exportTableToExcel: its Excel template around the table's
    innerHTML, two title rows in <thead> (colspan, a <br />), headers in <strong>."""
    head, rows = table()
    cell = '<td style="vertical-align: middle; padding: 5px; border: 1px solid #333;">{}</td>'
    thead = (f'<thead><tr><td colspan="9" style="vertical-align: middle; padding: 5px;">'
             f'<strong>{html.escape(TITLE[0])}</strong><br /></td></tr>'
             f'<tr><td colspan="8" style="vertical-align: middle; padding: 5px;">'
             f'<strong>{html.escape(SUBTITLE[0])}</strong></td></tr>'
             f'<tr>{"".join(cell.format(f"<strong>{html.escape(h)}</strong>") for h in head)}'
             '</tr></thead>')
    tbody = "".join("<tr>\n  " + "\n  ".join(cell.format(html.escape(v)) for v in row)
                    + "\n</tr>" for row in rows)
    return ('<html xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel" '
            'xmlns="http://www.w3.org/TR/REC-html40"><head><!--[if gte mso 9]><xml>'
            '<x:ExcelWorkbook><x:ExcelWorksheets><x:ExcelWorksheet><x:Name>Danh sách hồ sơ'
            '</x:Name><x:WorksheetOptions><x:DisplayGridlines/></x:WorksheetOptions>'
            '</x:ExcelWorksheet></x:ExcelWorksheets></x:ExcelWorkbook></xml><![endif]--></head>'
            '<body><table style="font-family: &quot;Times New Roman&quot;, Times, serif; '
            f'font-size: 17px">{thead}<tbody id="data">{tbody}</tbody></table></body></html>')


def cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: precomposed base letters, tone marks combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        d = unicodedata.normalize("NFD", ch)
        out.append(unicodedata.normalize("NFC", "".join(c for c in d if c not in tones))
                   + "".join(c for c in d if c in tones))
    return "".join(out).encode("cp1258")


def write_html(encoding: str):
    def write(path):
        markup = tan_dan_html()
        if encoding == "utf-8":          # the data: URL download: UTF-8, no BOM, no meta
            path.write_bytes(markup.encode("utf-8"))
        elif encoding == "utf-8-sig":    # msSaveOrOpenBlob: a BOM before the markup
            path.write_bytes(markup.encode("utf-8-sig"))
        else:
            meta = f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
            markup = markup.replace("<head>", "<head>" + meta)
            path.write_bytes(cp1258(markup) if encoding == "windows-1258"
                             else markup.encode(encoding))
    return write


FORMATS = {
    "ho_so.xlsx": ("xlsx", write_xlsx),
    "ho_so_epar.xls": ("xls", write_xls),
    "ho_so.ods": ("ods", write_ods),
    "DanhSachHoSo.xls": ("html", write_html("utf-8")),
    "DanhSachHoSo_bom.xls": ("html", write_html("utf-8-sig")),
    "ho_so_1258.htm": ("html", write_html("windows-1258")),
    "ho_so_utf16.html": ("html", write_html("utf-16")),
    "ho_so_html_khong_duoi": ("html", write_html("utf-8")),
    "ho_so_xlsx_duoi_csv.csv": ("xlsx", write_xlsx),
}


def staged(path):
    export = open_export(path, label=path.name)
    con = duckdb.connect()
    export.stage(con, "t", lambda rel: f"SELECT * FROM {rel}")
    cols = [r[0] for r in con.execute("DESCRIBE t").fetchall()]
    rows = [dict(zip(cols, r)) for r in con.execute("SELECT * FROM t ORDER BY _line").fetchall()]
    lines = con.execute(f"SELECT {export.line_label_sql('_line')} FROM t ORDER BY _line")
    return export, rows, [r[0] for r in lines.fetchall()]


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_stages_what_the_csv_stages(tmp_path, name):
    fmt, write = FORMATS[name]
    path = tmp_path / name
    write(path)
    write_csv(tmp_path / "ho_so.csv")
    assert grid_format(path) == fmt
    export, rows, lines = staged(path)
    _csv, csv_rows, _ = staged(tmp_path / "ho_so.csv")
    assert export.kind == "dossiers" and export.header.line == 3
    strip = [{k: v for k, v in r.items() if k != "_line"} for r in rows]
    assert strip == [{k: v for k, v in r.items() if k != "_line"} for r in csv_rows]
    sheet = "Danh sach" if fmt == "xls" else ("Danh sách hồ sơ" if fmt == "html" else
                                              "Danh sách")
    assert lines == [f"{sheet}!{n}" for n in range(4, 11)]
    assert not {"applicant_name", "applicant_id", "applicant_phone",
                "applicant_address"} & set(rows[0])


def test_tan_dan_cells_keep_line_breaks_and_collapse_layout_white_space(tmp_path):
    path = tmp_path / "DanhSachHoSo.xls"
    write_html("utf-8")(path)
    rows = list(grid_rows(path))
    assert rows[0] == ("Danh sách hồ sơ", 1, [TITLE[0]] + [""] * 8)
    assert rows[1] == ("Danh sách hồ sơ", 2, [SUBTITLE[0]] + [""] * 7)
    assert rows[2].cells == table()[0]
    assert [r.row for r in rows] == list(range(1, 11))


def _encrypted_xlsx(path, tmp_path):
    """An .xlsx saved with a password (Excel's agile encryption, by msoffcrypto-tool)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = tmp_path / "plain.xlsx"
    write_xlsx(plain)
    with open(plain, "rb") as src, open(path, "wb") as dst:
        OOXMLFile(src).encrypt("mat-khau", dst)


@pytest.mark.parametrize("name, make, message", [
    ("trang.xls", lambda p: p.write_bytes(b"<html><head><meta charset=\"utf-8\"></head><body>"
                                          b"<p>Kh\xc3\xb4ng c\xc3\xb3 b\xe1\xba\xa3ng</p>"
                                          b"</body></html>"),
     "tệp HTML không có bảng; cần một bảng (<table>) có dòng tiêu đề."),
    ("luu_tru.xlsx", lambda p: zipfile.ZipFile(p, "w").close(),
     "tệp ZIP không phải bảng tính; cần tệp .xlsx, .xls, .ods, CSV hoặc bảng HTML."),
])
def test_files_none_can_read_say_what_they_are(tmp_path, name, make, message):
    path = tmp_path / name
    make(path)
    with pytest.raises(InputError) as err:
        open_export(path, label=name)
    assert str(err.value) == f"{name}: {message}"


def test_a_workbook_with_a_password_is_refused_as_such(tmp_path):
    path = tmp_path / "ho_so_mat_khau.xlsx"
    _encrypted_xlsx(path, tmp_path)
    assert grid_format(path) == "encrypted"
    with pytest.raises(InputError) as err:
        open_export(path, label=path.name)
    assert str(err.value) == (f"{path.name}: tệp Excel có mật khẩu; cần lưu lại tệp không đặt "
                              "mật khẩu.")


def tthc(*args, **kw):
    return subprocess.run([sys.executable, "-m", "tthc_lib.cli", *map(str, args)],
                          capture_output=True, text=True, check=False, **kw)


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_the_command_line_ingests_every_format_with_exact_counts(tmp_path, name):
    _fmt, write = FORMATS[name]
    path = tmp_path / name
    write(path)
    run = tthc("--db", tmp_path / "s.duckdb", "ingest", INGEST / "units.csv",
               INGEST / "procedures.csv", path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == (f"{path}: hồ sơ: đọc 7, nạp 5 (cập nhật 0), "
                                           "loại 1, trùng 1")
    con = duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True)
    ids = [r[0] for r in con.execute("SELECT dossier_id FROM dossiers ORDER BY 1").fetchall()]
    assert ids == ["HS001", "HS002", "HS003", "HS004", "HS005"]


@pytest.mark.integration
def test_inspect_of_a_tan_dan_export_shows_headers_never_personal_data(tmp_path):
    path = tmp_path / "DanhSachHoSo.xls"
    write_html("utf-8")(path)
    run = tthc("--db", tmp_path / "s.duckdb", "inspect", path)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.splitlines()[0] == f"{path}: hồ sơ (dossiers), tiêu đề ở dòng 3, đọc 7 dòng"
    assert "<" not in out and "Times New Roman" not in out
    for personal in ("Nguyễn Văn An", "001090000001", "0912000001", "Trần Hưng Đạo\""):
        assert personal not in out


def _formatted_rows_workbook(path, rows: int = 1_048_576):
    """A units workbook whose dimension and formatted empty rows reach `rows`, with three data
    rows under its header (the sheet Excel leaves after a fill colour on whole columns)."""
    ns = "http://schemas.openxmlformats.org/"
    rel = f"{ns}officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            f'<Relationships xmlns="{ns}package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<workbook xmlns="{ns}spreadsheetml/2006/main" xmlns:r="{rel}"><sheets>'
            '<sheet name="Đơn vị" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{ns}package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
    }
    data = [["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"], ["D01", "Phường Một", "Phường"],
            ["D02", "Xã Hai", "Xã"], ["D03", "Phường Ba", "Phường"]]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(f'<worksheet xmlns="{ns}spreadsheetml/2006/main"><dimension '
                     f'ref="A1:C{rows}"/><sheetData>'.encode())
            for r, values in enumerate(data, start=1):
                cells = "".join(f'<c r="{"ABC"[i]}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                                for i, v in enumerate(values))
                fh.write(f'<row r="{r}">{cells}</row>'.encode())
            for r in range(len(data) + 1, rows + 1):
                fh.write(f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/>'
                         f'<c r="B{r}" s="1"/><c r="C{r}" s="1"/></row>'.encode())
            fh.write(b"</sheetData></worksheet>")


def test_formatted_empty_rows_are_not_rows(tmp_path):
    path = tmp_path / "don_vi.xlsx"
    _formatted_rows_workbook(path, rows=20_000)
    assert [r.row for r in grid_rows(path)] == [1, 2, 3, 4]
    assert re.search(r'ref="A1:C20000"', zipfile.ZipFile(path).read(
        "xl/worksheets/sheet1.xml")[:200].decode())


@pytest.mark.integration
def test_a_sheet_formatted_down_to_row_1048576_ingests_its_three_rows_in_little_memory(
        tmp_path):
    path = tmp_path / "don_vi.xlsx"
    _formatted_rows_workbook(path)
    # The command reports its own peak memory as it exits (VmHWM: ru_maxrss would carry the
    # test process's own peak over the fork).
    peak = ("import atexit, re, sys; atexit.register(lambda: sys.stderr.write('PEAK ' + re.search("
            "r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1) + '\\n')); "
            "sys.argv = ['tthc', *sys.argv[1:]]; from tthc_lib.cli.app import main; main()")
    run = subprocess.run([sys.executable, "-c", peak, "--db", str(tmp_path / "s.duckdb"),
                          "ingest", str(path)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        f"{path}: danh mục đơn vị: đọc 3, nạp 3 (cập nhật 0), loại 0, trùng 0"]
    # openpyxl, which walked every row, peaked at 730 MB here; reading the cells: 175 MB.
    peak_kb = int(re.search(r"PEAK (\d+)", run.stderr).group(1))
    assert peak_kb < 400 * 1024
