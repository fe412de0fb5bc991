"""Reading exports in every form seen in practice (tthc_lib/ingest/)."""

from __future__ import annotations

import codecs
import unicodedata

import duckdb
import openpyxl
import pytest
from helpers.paths import data_path

from tthc_lib.errors import InputError
from tthc_lib.ingest.readers import open_export

DOSSIERS = data_path("ingest", "dossiers.csv")


def staged(path) -> tuple[str, list[tuple]]:
    """(kind, staged rows ordered by line): what the loader gets from a reader."""
    export = open_export(path)
    con = duckdb.connect()
    export.stage(con, "t", lambda rel: f"SELECT * FROM {rel}")
    cols = [r[0] for r in con.execute("DESCRIBE t").fetchall()]
    rows = con.execute("SELECT * FROM t ORDER BY _line").fetchall()
    assert export.sha256 and len(export.sha256) == 64
    return export.kind, [dict(zip(cols, r)) for r in rows]


def rows_of(path):
    """Staged values without line numbers; rows with nothing staged (blank) left out."""
    kind, rows = staged(path)
    assert kind == "dossiers"
    rows = [r for r in rows if r["_filled"]]
    return [{k: v for k, v in r.items() if k not in ("_line", "_filled", "_extra")} for r in rows]


def lines_of(path):
    return [r["_line"] for r in staged(path)[1]]


def text_lines():
    return DOSSIERS.read_text(encoding="utf-8").splitlines()


def test_plain_utf8_rows_and_lines():
    kind, rows = staged(DOSSIERS)
    assert kind == "dossiers"
    assert [r["_line"] for r in rows] == [2, 3, 4, 5, 6]
    first = rows[0]
    assert first["dossier_id"] == "HS001" and first["channel"] == "Trực tuyến"
    assert first["received_at"] == "03/04/2023 08:00"
    # Personal data is never staged.
    assert not {"applicant_name", "applicant_id", "applicant_phone",
                "applicant_address"} & set(first)


@pytest.mark.parametrize("encoding, sep, name", [
    ("utf-16", "\t", "dossiers_utf16.txt"),          # Excel "Unicode text" (LE with BOM)
    ("utf-16-be", "\t", "dossiers_utf16be.txt"),
    ("utf-8-sig", ";", "dossiers_semicolon_bom.csv"),
    ("cp1258", ",", "dossiers_cp1258.csv"),
    ("utf-8", "\t", "dossiers_tab.tsv"),
])
def test_encodings_and_separators_read_the_same_rows(tmp_path, encoding, sep, name):
    path = tmp_path / name
    text = "\r\n".join(_resep(line, sep) for line in text_lines()) + "\r\n"
    data = _cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path.write_bytes(data)
    assert rows_of(path) == rows_of(DOSSIERS)
    assert lines_of(path) == [2, 3, 4, 5, 6]


def _resep(line: str, sep: str) -> str:
    import csv
    import io

    cells = next(csv.reader(io.StringIO(line)))
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="").writerow(cells)
    return out.getvalue()


def test_cp1258_with_combining_tone_marks_is_nfc(tmp_path):
    # Vietnamese Windows-1258 text writes tones as combining marks (decomposed).
    path = tmp_path / "dossiers_cp1258_decomposed.csv"
    path.write_bytes(_cp1258("\n".join(text_lines()) + "\n"))
    assert rows_of(path) == rows_of(DOSSIERS)


TONES = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese software writes it: base letter + combining tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tone = next(m for m in decomposed if m in TONES)
        base = unicodedata.normalize("NFC", decomposed.replace(tone, ""))
        out += (base + tone).encode("cp1258")
    return bytes(out)


def test_nfd_headers_and_values(tmp_path):
    path = tmp_path / "dossiers_nfd_headers.csv"
    path.write_text(unicodedata.normalize("NFD", "\n".join(text_lines())), encoding="utf-8")
    rows = rows_of(path)
    assert rows == rows_of(DOSSIERS)
    assert rows[1]["status"] == "Đang giải quyết"
    assert unicodedata.is_normalized("NFC", rows[1]["status"])


def test_headers_match_whatever_case_spacing_and_order(tmp_path):
    lines = text_lines()
    header = lines[0].split(",")
    header[0] = "  MÃ  HỒ SƠ "
    header[4] = "hình thức nộp"
    header.append("Ghi chú nội bộ")              # extra column, ignored
    path = tmp_path / "dossiers_messy_headers.csv"
    path.write_text("\n".join([",".join(header)] + [l + ",bỏ qua" for l in lines[1:]]),
                    encoding="utf-8")
    rows = rows_of(path)
    assert rows == rows_of(DOSSIERS)
    assert all("Ghi chú nội bộ" not in r and "bỏ qua" not in r.values() for r in rows)


def title_and_blank_lines(tmp_path):
    lines = text_lines()
    path = tmp_path / "dossiers_title_lines.csv"
    path.write_text("\n".join(["BÁO CÁO HỒ SƠ \"THÁNG 4\"", "Đơn vị: Thành phố Hải Dương", "",
                               lines[0], lines[1], "", lines[2], ",,,,", lines[3], "", "",
                               lines[4], lines[5], "", ""]), encoding="utf-8")
    return path


def test_title_lines_and_blank_lines_keep_line_numbers(tmp_path):
    path = title_and_blank_lines(tmp_path)
    assert lines_of(path) == [5, 7, 8, 9, 12, 13]     # line 8 (",,,,") is staged, then blank
    assert rows_of(path) == rows_of(DOSSIERS)


def _both_paths(path):
    """Rows staged by DuckDB's reader and by the Python reader, for the same file."""
    export = open_export(path)
    con = duckdb.connect()
    identity = lambda rel: f"SELECT * FROM {rel}"
    export.stage(con, "fast", identity)
    assert export.staged_by == "duckdb"
    export._stage_rows(con, "slow", export._python_rows(path), identity)   # UTF-8 files
    return (export, con.execute("SELECT * FROM fast ORDER BY _line").fetchall(),
            con.execute("SELECT * FROM slow ORDER BY _line").fetchall())


@pytest.mark.parametrize("name", ["dossiers.csv", "dossiers_bad_values.csv", "feedback.csv",
                                  "dossiers_conflict.csv", "changes.csv", "units.csv"])
def test_duckdb_and_python_readers_agree(name):
    _export, fast, slow = _both_paths(data_path("ingest", name))
    assert fast == slow and fast


def test_duckdb_reader_agrees_on_title_and_blank_lines(tmp_path):
    _, fast, slow = _both_paths(title_and_blank_lines(tmp_path))
    assert fast == slow


def test_a_row_whose_only_value_is_a_quote_or_separator_in_an_unstaged_cell_is_a_row(tmp_path):
    """Four quotes are a cell holding a quote, a quoted comma one holding a comma (Python's
    csv module reads them so): such a row is filled on both paths; two quotes, blanks and
    separators alone are blank."""
    lines = text_lines()
    empty = "," * 14
    path = tmp_path / "dossiers_quotes.csv"
    path.write_text("\n".join([lines[0], lines[1], empty + '""""', empty + '","',
                               empty + '""', empty + '" "', lines[2]]) + "\n", encoding="utf-8")
    _export, fast, slow = _both_paths(path)
    assert fast == slow
    filled = {r[0]: r[-2] for r in fast}
    assert filled == {2: True, 3: True, 4: True, 5: False, 6: False, 7: True}


def test_quoted_line_breaks_keep_line_numbers(tmp_path):
    lines = text_lines()
    broken = lines[2].replace("Số 2", '"Số 2,\nngõ 5"')
    path = tmp_path / "dossiers_multiline.csv"
    path.write_text("\n".join([lines[0], lines[1], broken, lines[3], lines[4]]) + "\n",
                    encoding="utf-8")
    assert lines_of(path) == [2, 3, 5, 6]
    export = open_export(path)
    export.stage(duckdb.connect(), "t", lambda rel: f"SELECT * FROM {rel}")
    assert export.staged_by == "python"


def multiline(tmp_path, rows: int = 40, encoding: str = "utf-8", sep: str = ",", nfd=False):
    """A dossier export whose address cell holds a line break in every third row; its
    expected (line, dossier_id) pairs."""
    import csv
    import io

    table = list(csv.reader(io.StringIO(DOSSIERS.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n")
    writer.writerow(table[0])
    expected, line = [], 2
    for i in range(rows):
        row = [f"HS{i:03d}"] + table[1 + i % 5][1:]
        if i % 3 == 1:
            row[-1] = f"Số {i}\r\nngõ 5"
        writer.writerow(row)
        expected.append((line, f"HS{i:03d}"))
        line += 2 if i % 3 == 1 else 1
    text = unicodedata.normalize("NFD", out.getvalue()) if nfd else out.getvalue()
    path = tmp_path / f"dossiers_multiline_{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    return path, expected


def ids_and_lines(path):
    return [(r["_line"], r["dossier_id"]) for r in staged(path)[1]]


@pytest.mark.parametrize("batch", [1, 7, 100_000])
def test_quoted_line_breaks_are_staged_in_batches_keeping_order_and_lines(tmp_path,
                                                                          monkeypatch, batch):
    from tthc_lib.ingest import base

    monkeypatch.setattr(base, "BATCH_ROWS", batch)
    path, expected = multiline(tmp_path)
    assert ids_and_lines(path) == expected
    assert len(expected) == 40 and expected[:3] == [(2, "HS000"), (3, "HS001"), (5, "HS002")]


@pytest.mark.parametrize("encoding, sep", [("utf-16", "\t"), ("utf-8-sig", ";")])
def test_quoted_line_breaks_decoded_piece_by_piece_read_the_same(tmp_path, monkeypatch,
                                                                 encoding, sep):
    # Pieces of 5 bytes cut through characters, line breaks and the byte order mark.
    from tthc_lib.ingest import text

    path, expected = multiline(tmp_path, encoding=encoding, sep=sep, nfd=True)
    export = open_export(path)
    monkeypatch.setattr(text, "CHUNK_BYTES", 5)
    con = duckdb.connect()
    export.stage(con, "t", lambda rel: f"SELECT * FROM {rel}")
    assert export.staged_by == "python"
    rows = con.execute("SELECT _line, dossier_id, status FROM t ORDER BY _line").fetchall()
    assert [(line, d) for line, d, _s in rows] == expected
    assert rows[1][2] == "Đang giải quyết" and unicodedata.is_normalized("NFC", rows[1][2])
    assert export.sha256 == __import__("hashlib").sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("batch", [2, 100_000])    # fails in a later batch, or the first
def test_staging_leaves_no_table_behind_when_shape_fails(tmp_path, monkeypatch, batch):
    from tthc_lib.ingest import base

    monkeypatch.setattr(base, "BATCH_ROWS", batch)
    path, _ = multiline(tmp_path, rows=6)
    export = open_export(path)
    con = duckdb.connect()
    with pytest.raises(duckdb.Error, match="line 7"):
        export.stage(con, "t", lambda rel: f"SELECT *, CASE WHEN _line = 7 THEN "
                                           f"error('line 7') END AS boom FROM {rel}")
    assert export.staged_by == "python"
    assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == []


def test_a_sheet_with_only_its_header_stages_no_rows(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"])
    path = tmp_path / "units_header_only.xlsx"
    wb.save(path)
    assert staged(path) == ("units", [])


def test_windows_1258_after_an_ascii_start_is_read_whole(tmp_path, monkeypatch):
    # The sampled start is ASCII, so the file is first taken for UTF-8; the Windows-1258
    # bytes further down make the reader start again in Windows-1258.
    from tthc_lib.ingest import text

    monkeypatch.setattr(text, "SNIFF_BYTES", 400)
    monkeypatch.setattr(text, "CHUNK_BYTES", 64)
    header = "dossier_id,unit_code,procedure_code,channel,received_at,due_at,status"
    head = [header] + [f"HS{i:03d},THD,1.001193,Online,03/04/2023,05/04/2023,Done"
                       for i in range(20)]
    tail = ["HS900,THD,1.001193,Trực tuyến,03/04/2023,05/04/2023,\"Đã giải\nquyết\"",
            "HS901,THD,1.001193,Trực tiếp,03/04/2023,05/04/2023,Đang giải quyết"]
    path = tmp_path / "dossiers_ascii_then_cp1258.csv"
    path.write_bytes(_cp1258("\n".join(head + tail) + "\n"))
    assert path.read_bytes()[:400].isascii()
    _kind, rows = staged(path)
    assert [(r["_line"], r["dossier_id"], r["status"]) for r in rows[-2:]] == [
        (22, "HS900", "Đã giải\nquyết"), (24, "HS901", "Đang giải quyết")]
    assert rows[-1]["channel"] == "Trực tiếp" and len(rows) == 22


@pytest.mark.parametrize("chunk", [5, 8 * 1024 * 1024])
def test_undecodable_bytes_are_refused_with_their_line_whatever_the_pieces(tmp_path,
                                                                           monkeypatch, chunk):
    from tthc_lib.ingest import text

    monkeypatch.setattr(text, "SNIFF_BYTES", 600)     # the bad bytes are not sampled
    path = tmp_path / "dossiers_bad_bytes_bom.csv"
    good = codecs.BOM_UTF8 + DOSSIERS.read_bytes()
    path.write_bytes(good + b'HS009,THD,1.001193,Khai sinh,"Tr\n\xff\xfe",x\n')
    export = open_export(path, label="bad.csv")
    monkeypatch.setattr(text, "CHUNK_BYTES", chunk)
    with pytest.raises(InputError) as err:
        export.stage(duckdb.connect(), "t", lambda rel: f"SELECT * FROM {rel}")
    assert str(err.value) == ("bad.csv: không đọc được bảng mã ký tự ở dòng 8 "
                              "(cần UTF-8, UTF-16 hoặc Windows-1258).")


def test_xlsx_with_title_rows_and_date_cells(tmp_path):
    import datetime as dt

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH MỤC THỦ TỤC HÀNH CHÍNH"])
    ws.append([])
    ws.append(["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện",
               "Mức độ DVC trực tuyến"])
    ws.append(["1.001193", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã", "Toàn trình"])
    ws.append([])
    ws.append(["1.004227", "Cấp giấy chứng nhận", "Đất đai", "Cấp huyện", None])
    path = tmp_path / "procedures_title_lines.xlsx"
    wb.save(path)
    kind, rows = staged(path)
    assert kind == "procedures"
    assert [(r["_line"], r["procedure_code"], r["online_service"]) for r in rows
            if r["procedure_code"]] == [(4, "1.001193", "Toàn trình"), (6, "1.004227", None)]

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Số quyết định", "Ngày quyết định", "Mã thủ tục", "Cấp thực hiện",
               "Loại công bố"])
    ws.append(["820/QĐ-UBND", dt.datetime(2023, 3, 15), "1.001193", "Cấp xã", "Bãi bỏ"])
    path = tmp_path / "changes_date_cells.xlsx"
    wb.save(path)
    kind, rows = staged(path)
    assert kind == "changes" and rows[0]["decision_date"] == "2023-03-15"


def test_whole_header_matching_content_is_not_topic():
    with pytest.raises(InputError) as err:
        open_export(data_path("ingest", "feedback_content_only.csv"))
    assert "không tìm thấy dòng tiêu đề" in str(err.value)
    assert open_export(data_path("ingest", "feedback.csv")).kind == "feedback"


@pytest.mark.parametrize("name, message", [
    ("empty.csv", "empty.csv: tệp rỗng; cần một bảng có dòng tiêu đề."),
    ("ambiguous.csv", ("ambiguous.csv: dòng tiêu đề (dòng 1) khớp với nhiều loại dữ liệu "
                      "(danh mục thủ tục, danh mục đơn vị); mỗi tệp chỉ được chứa một loại.")),
    ("missing.csv", "missing.csv: không tìm thấy tệp."),
])
def test_refused_files_say_why_in_one_line(name, message):
    with pytest.raises(InputError) as err:
        open_export(data_path("ingest", name), label=name)
    assert str(err.value) == message


def test_not_a_table_names_file_and_what_was_expected():
    with pytest.raises(InputError) as err:
        open_export(data_path("ingest", "not_a_table.txt"), label="not_a_table.txt")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("not_a_table.txt: không tìm thấy dòng tiêu đề; cần một bảng")
    assert "hồ sơ (Mã hồ sơ, Mã đơn vị, Mã thủ tục, Hình thức nộp" in message


def test_binary_and_broken_workbooks_are_refused(tmp_path):
    png = tmp_path / "chart.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(InputError):
        open_export(png)
    fake = tmp_path / "broken.xlsx"
    fake.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError) as err:
        open_export(fake, label="broken.xlsx")
    assert str(err.value).startswith("broken.xlsx: không mở được tệp Excel")


def test_undecodable_bytes_after_a_byte_order_mark_are_refused_with_their_line(tmp_path):
    path = tmp_path / "dossiers_bad_bytes_bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + DOSSIERS.read_bytes() + b"\n\xff\n")   # 6 lines
    with pytest.raises(InputError) as err:
        open_export(path, label="bom.csv")
    assert "ở dòng 8 " in str(err.value)


def test_undecodable_bytes_are_refused_with_their_line(tmp_path):
    path = tmp_path / "dossiers_bad_bytes.csv"
    good = DOSSIERS.read_bytes()
    path.write_bytes(good + "HS009,THD,1.001193,Khai sinh,Trực tuyến".encode() + b"\x81\x8d,x\n")
    with pytest.raises(InputError) as err:
        open_export(path, label="dossiers_bad_bytes.csv")
    assert str(err.value) == ("dossiers_bad_bytes.csv: không đọc được bảng mã ký tự ở dòng 7 "
                              "(cần UTF-8, UTF-16 hoặc Windows-1258).")


def test_a_column_given_twice_is_refused(tmp_path):
    path = tmp_path / "units_twice.csv"
    path.write_text("Mã đơn vị,Tên đơn vị,Loại đơn vị,unit_code\nHD,Hải Dương,Thành phố,HD\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        open_export(path, label="units_twice.csv")
    assert str(err.value) == ('units_twice.csv: cột "Mã đơn vị" xuất hiện hai lần ở dòng tiêu '
                              'đề (dòng 1); mỗi cột chỉ được có một lần.')


def test_canonical_english_headers_are_recognised(tmp_path):
    path = tmp_path / "units_canonical.csv"
    path.write_text("unit_code;unit_name;kind;parent_code\nHD;Hải Dương;Thành phố;\n",
                    encoding="utf-8")
    kind, rows = staged(path)
    assert kind == "units"
    assert rows == [{"_line": 2, "unit_code": "HD", "unit_name": "Hải Dương",
                     "kind": "Thành phố", "parent_code": None,
                     "_filled": True, "_extra": None}]


@pytest.mark.parametrize("inline", [1024, 4])     # CASE tree, or ASOF join beyond the limit
def test_many_empty_lines_between_rows_keep_line_numbers(tmp_path, monkeypatch, inline):
    from tthc_lib.ingest import text

    monkeypatch.setattr(text, "MAX_INLINE_SHIFTS", inline)
    lines = text_lines()
    body = [lines[0]]
    for i in range(40):
        body += [lines[1 + i % 5].replace("HS00", f"HS{i:02d}"), "", *([""] * (i % 3))]
    path = tmp_path / "dossiers_spaced_out.csv"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    _, fast, slow = _both_paths(path)
    assert fast == slow and len(fast) == 40
    assert [r[0] for r in fast[:4]] == [2, 4, 7, 11]
