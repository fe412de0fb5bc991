"""Writes the bad-input corpus (tests/data/bad): one small file for each rule of
docs/input-format.md § Rows set aside and for each way a file cannot be read. Run it from this
folder after changing it; tests/ingest/test_bad_input.py holds what each file must give. Big files
(200 columns, a 1 MB cell) are made at test time, never committed."""

from __future__ import annotations

import io
import random
import unicodedata
import zipfile
from pathlib import Path

HERE = Path(__file__).parent

D_HEAD = ("Mã hồ sơ,Mã đơn vị,Mã thủ tục,Hình thức nộp,Ngày tiếp nhận,Ngày hẹn trả,Trạng thái,"
          "Ngày kết thúc,Số hóa thành phần hồ sơ,Số hóa kết quả")
GOOD = "B00,THD,1.001193,Trực tuyến,03/04/2023 08:00,05/04/2023,Đã giải quyết,04/04/2023 16:30,Có,Không"
F_HEAD = "Mã PAKN,Mã đơn vị,Nội dung phản ánh về,Ngày tiếp nhận,Hạn xử lý,Ngày xử lý xong"
P_HEAD = "Mã thủ tục,Tên thủ tục,Lĩnh vực,Cấp thực hiện,Mức độ DVC trực tuyến"
C_HEAD = "Số quyết định,Ngày quyết định,Mã thủ tục,Cấp thực hiện,Loại công bố"
U_HEAD = "Mã đơn vị,Tên đơn vị,Loại đơn vị,Mã đơn vị cấp trên"


def dossier(i: int, **changes) -> str:
    cells = dict(zip(["id", "unit", "proc", "channel", "received", "due", "status", "closed",
                      "digitised", "result"], GOOD.split(",")))
    cells["id"] = f"B{i:02d}"
    cells.update(changes)
    return ",".join(cells.values())


TEXT_FILES: dict[str, str] = {
    # --- rows set aside, dossiers
    "dossiers_missing_required.csv": "\n".join([
        D_HEAD, GOOD,
        dossier(1, id=""), dossier(2, unit=""), dossier(3, proc=""), dossier(4, channel=""),
        dossier(5, received=""), dossier(6, due=""), dossier(7, status="", closed="")]),
    "dossiers_bad_channel.csv": "\n".join([D_HEAD, GOOD, dossier(1, channel="Qua Zalo")]),
    "dossiers_bad_status.csv": "\n".join([D_HEAD, GOOD, dossier(1, status="Đã hủy")]),
    "dossiers_bad_flags.csv": "\n".join([
        D_HEAD, GOOD, dossier(1, digitised="Chưa"), dossier(2, result="2"),
        dossier(3, digitised="x", result="")]),
    "dossiers_unknown_unit.csv": "\n".join([D_HEAD, GOOD, dossier(1, unit="XYZ")]),
    "dossiers_unknown_procedure.csv": "\n".join([D_HEAD, GOOD, dossier(1, proc="9.999999")]),
    "dossiers_bad_dates.csv": "\n".join([
        D_HEAD, GOOD, dossier(1, received="31/02/2023 08:00"), dossier(2, due="2023-13-01"),
        dossier(3, closed="hôm qua"), dossier(4, received="03/04/23 08:00"),
        dossier(5, received="03/04/2023 25:00")]),
    "dossiers_closed_before_received.csv": "\n".join([
        D_HEAD, GOOD, dossier(1, closed="03/04/2023 07:59"),
        # 01:00Z is 08:00 local: the same instant as received, not earlier
        dossier(2, closed="2023-04-03T01:00:00Z")]),
    "dossiers_due_before_received.csv": "\n".join([
        D_HEAD, GOOD, dossier(1, due="02/04/2023 23:59"), dossier(2, due="03/04/2023 07:00")]),
    "dossiers_open_with_closed.csv": "\n".join([D_HEAD, GOOD, dossier(1, status="Đang giải quyết")]),
    "dossiers_closed_without_date.csv": "\n".join([
        D_HEAD, GOOD, dossier(1, closed=""), dossier(2, status="Đang giải quyết", closed="")]),
    "dossiers_exact_duplicates.csv": "\n".join([
        D_HEAD, GOOD, dossier(0, digitised="1", received="03/04/2023 08:00:00"),
        dossier(0, channel="trực tuyến", result="0"),
        dossier(9, channel="Qua Zalo"), dossier(9, channel="Qua Zalo")]),
    "dossiers_conflicting_ids.csv": "\n".join([
        D_HEAD, GOOD, dossier(1), dossier(1, status="Đã trả kết quả", closed="05/04/2023 09:00")]),
    "dossiers_truncated.csv": "\n".join([D_HEAD, GOOD, dossier(1), "B02,THD,1.001193,Trực tu"]),
    "dossiers_formulas.csv": "\n".join([
        D_HEAD, GOOD, dossier(1, id='"=HYPERLINK(""http://evil.example"",""B01"")"'),
        dossier(2, unit="=1+1"), dossier(3, channel="@SUM(A1)")]),
    "dossiers_header_only.csv": D_HEAD + "\n",
    # --- rows set aside, other kinds
    "feedback_bad_rows.csv": "\n".join([
        F_HEAD, "P00,THD,Quy định hành chính,02/03/2023,17/03/2023,10/03/2023",
        "P01,THD,Thủ tục đất đai,02/03/2023,17/03/2023,",
        "P02,XYZ,Quy định kinh doanh,02/03/2023,17/03/2023,",
        "P03,THD,Hành vi hành chính,10/03/2023,25/03/2023,09/03/2023",
        "P04,THD,Quy định hành chính,,17/03/2023,",
        "P05,THD,Quy định hành chính,02/03/2023,30/02/2023,"]),
    "procedures_bad_rows.csv": "\n".join([
        P_HEAD, "9.000001,Thủ tục tốt,Hộ tịch,Cấp xã,Toàn trình",
        "9.000002,Thủ tục cấp trung ương,Hộ tịch,Cấp trung ương,", "9.000003,,Hộ tịch,Cấp xã,",
        "9.000004,Thủ tục lạ,Hộ tịch,Cấp huyện,Mức 3"]),
    "changes_bad_rows.csv": "\n".join([
        C_HEAD, "1/QĐ-UBND,15/03/2023,9.000001,Cấp xã,Ban hành mới",
        "2/QĐ-UBND,15/03/2023,9.000001,Cấp xã,Đình chỉ", "3/QĐ-UBND,32/03/2023,9.000001,Cấp xã,Bãi bỏ",
        "4/QĐ-UBND,15/03/2023,9.000001,Cấp trung ương,Bãi bỏ", ",15/03/2023,9.000001,Cấp xã,Bãi bỏ"]),
    "units_bad_rows.csv": "\n".join([
        U_HEAD, "ZA,Thị xã An,Thị xã,", "ZB,Làng B,Làng,ZA", "ZC,Xã C,Xã,ZZ", ",Xã D,Xã,ZA",
        "ZE,,Xã,ZA"]),
    # --- refused whole
    "empty.csv": "",
    "blank_lines_only.csv": "\n\n  \n\t\n",
    "not_a_table.txt": "Kính gửi UBND tỉnh.\nĐây là một công văn, không phải bảng.\n",
    "headerless.csv": "\n".join([GOOD, dossier(1)]),
    "ambiguous_header.csv": "Mã thủ tục,Tên thủ tục,Cấp thực hiện,Mã đơn vị,Tên đơn vị,Loại đơn vị\n",
    "duplicate_column.csv": "Mã đơn vị,Tên đơn vị,Loại đơn vị,unit_code\nHD,Hải Dương,Thành phố,HD\n",
    "content_is_not_topic.csv": "Mã PAKN,Mã đơn vị,Nội dung,Ngày tiếp nhận,Hạn xử lý\n"
                                "PA01,THD,Phản ánh,02/03/2023,17/03/2023\n",
}

# One table in every encoding and separator seen in practice: same rows, same reasons.
ENCODED_TABLE = "\n".join([D_HEAD, GOOD, dossier(1, channel="Qua Zalo"), "",
                           dossier(2, unit="XYZ"), dossier(3)])
ENCODINGS = {
    "encoded_utf8_comma.csv": ("utf-8", ","),
    "encoded_utf8bom_semicolon.csv": ("utf-8-sig", ";"),
    "encoded_utf8_tab.tsv": ("utf-8", "\t"),
    "encoded_utf16_tab.txt": ("utf-16", "\t"),
    "encoded_utf16le_nobom_tab.txt": ("utf-16-le", "\t"),
    "encoded_cp1258_comma.csv": ("cp1258", ","),
    "encoded_cp1258_semicolon.csv": ("cp1258", ";"),
    "encoded_nfd_comma.csv": ("nfd", ","),
}
TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese software writes it: base letter + combining tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            tone = next(m for m in decomposed if m in TONES)
            out += (unicodedata.normalize("NFC", decomposed.replace(tone, "")) + tone).encode("cp1258")
    return bytes(out)


def encoded(text: str, encoding: str, sep: str) -> bytes:
    text = "\r\n".join(line.replace(",", sep) for line in text.split("\n")) + "\r\n"
    if encoding == "cp1258":
        return cp1258(text)
    if encoding == "nfd":
        return unicodedata.normalize("NFD", text).encode("utf-8")
    return text.encode(encoding)


def binary_files() -> dict[str, bytes]:
    """Files of another kind and broken files."""
    rng = random.Random(6)
    table = D_HEAD + "\n" + GOOD + "\n" + dossier(1, result="Có")
    utf8 = table.encode("utf-8")
    return {
        "binary_junk.bin": bytes(rng.randrange(256) for _ in range(2048)),
        "image.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "report.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
        "archive.zip": _zip({"readme.txt": "không phải sổ tính"}),
        "truncated_utf8_char.csv": utf8[:-1],           # last character cut in half
        "truncated_utf16.txt": table.replace(",", "\t").encode("utf-16")[:-1],
        "undecodable_bytes.csv": b"unit_code,unit_name,kind,parent_code\nQ1,Qu\xe9bec,Xa,\n"
                                 b"Q2,\x81\x8d\x90,Xa,\n",
    }


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2023, 10, 30, 0, 0, 0)), text)
    return buf.getvalue()


def workbooks() -> dict[str, bytes]:
    """Spreadsheets: no header row, formulas in cells, a truncated workbook."""
    import openpyxl

    def book(rows) -> bytes:
        wb = openpyxl.Workbook()
        for row in rows:
            wb.active.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    header = D_HEAD.split(",")
    good = GOOD.split(",")
    formula = ['=HYPERLINK("http://evil.example","B01")'] + good[1:]
    formula_name = ["B02", "=CONCAT(\"TH\",\"D\")"] + good[2:]
    whole = book([["BÁO CÁO HỒ SƠ"], header, good, formula, formula_name])
    return {
        "spreadsheet_no_header.xlsx": book([good, good]),
        "spreadsheet_formulas.xlsx": whole,
        "spreadsheet_truncated.xlsx": whole[: len(whole) // 2],
    }


def write_all() -> None:
    for name, text in TEXT_FILES.items():
        (HERE / name).write_bytes(text.encode("utf-8"))
    for name, (encoding, sep) in ENCODINGS.items():
        (HERE / name).write_bytes(encoded(ENCODED_TABLE, encoding, sep))
    for name, data in {**binary_files(), **workbooks()}.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    write_all()
