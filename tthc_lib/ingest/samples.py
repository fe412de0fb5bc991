"""A few values of each column for `tthc inspect`, with personal data masked (issue 22,
docs/input-format.md § Inspect: never raw file content beyond headers and a few values per
column, personal columns masked). The mask and its rules, for the office:
docs/profiles.md § What inspect shows.

A column is personal when its header says so (a name, an ID number, a phone, an address, an
email, a birth date, free text such as the content of a feedback) or when one of its first
values looks like personal data (a 9-12-digit number such as a CMND/CCCD, a phone number, an
email address, a Vietnamese full name, a house address). Such a column shows one fixed marker,
MASK, instead of its values: no initials, no last digits, no length, since in a commune a
few characters of a name or a number with the unit and the date are enough to tell who filed
a dossier. Every other column shows up to SHOWN distinct values, each cut at WIDTH characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tthc_lib.ingest import grid
from tthc_lib.ingest.controls import clean_cell
from tthc_lib.ingest.guess import plain
from tthc_lib.ingest.shape import is_numbering_row
from tthc_lib.ingest.text_grid import TextGrid, open_rows

__all__ = ["MASK", "Sample", "aligned", "collect", "export_rows", "looks_personal",
           "personal_header", "shown"]

MASK = "[ẩn — dữ liệu cá nhân]"
SHOWN = 3                     # distinct values shown per column
WIDTH = 40                    # characters shown of a value
SCAN = 1000                   # data rows looked at (values and their shapes)

# Words of a header that holds personal data (compared without diacritics, whole words).
PERSONAL_WORDS = (
    "ho ten", "ho va ten", "nguoi nop", "ten nguoi", "chu ho so", "nguoi dai dien",
    "nguoi lien he", "nguoi yeu cau", "cong dan", "ca nhan", "to chuc ca nhan", "ten to chuc",
    "cccd", "cmnd", "cmt", "can cuoc", "chung minh", "dinh danh", "giay to tuy than",
    "so giay to", "ho chieu", "ma so thue", "dien thoai", "sdt", "so dt", "dtdd", "di dong",
    "phone", "mobile", "dia chi", "noi o", "cu tru", "thuong tru", "tam tru", "que quan",
    "address", "email", "e mail", "thu dien tu", "ngay sinh", "nam sinh", "gioi tinh",
    "noi dung", "y kien", "kien nghi", "phan anh", "cau hoi", "tra loi", "ghi chu",
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
DIGITS = re.compile(r"(?<![\w.])\+?\d[\d .-]{7,}\d(?!\w)")
# Dates and times are not numbers: "01-10-2026 08:15" has ten digits from a 0 on (issue 22).
DATE_OR_TIME = re.compile(r"(?<!\d)(\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{1,2}-\d{1,2}"
                          r"|\d{1,2}:\d{2}(:\d{2})?)(?!\d)")
ADDRESS = re.compile(r"\b(thôn|xóm|ấp|tổ|khu phố|tổ dân phố|số nhà|ngõ|ngách|hẻm|kiệt)\s+\d+"
                     r"|\bsố\s+\d+\w*[,\s]+(đường|phố)\b", re.IGNORECASE)
COMMON_SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Đoàn "
    "Lương Mai Cao Lâm Hà Tạ Tô Trương Chu Quách Đào Vương Kiều Thái Lưu Mạc Phùng Triệu Lục "
    "Tống Doãn Khổng Nông Hứa Giang Âu Ông Thân Tăng")
SURNAMES = {plain(s) for s in COMMON_SURNAMES.split()}


DATES = ("ngay", "thoi diem", "thoi gian", "han")


def personal_header(header: str) -> bool:
    """Whether a header says its column holds personal data (a date column does not, but
    for a birth date: "Ngày trả lời" is a date)."""
    words = f" {plain(header).replace('-', ' ').replace('/', ' ')} "
    if any(words.startswith(f" {d} ") for d in DATES) and " sinh " not in words:
        return False
    return any(f" {w} " in words for w in PERSONAL_WORDS)


def _full_name(value: str) -> bool:
    """A Vietnamese full name: 2-5 capitalised words, the first a common surname."""
    words = value.split()
    return (2 <= len(words) <= 5 and plain(words[0]) in SURNAMES
            and all(w[:1].isupper() and w.isalpha() for w in words))


def looks_personal(value: str) -> bool:
    """Whether a value has the shape of personal data: an email, an ID or phone number (9-12
    digits, written as one number or starting 0 / +84), a full name, a house address."""
    if EMAIL.search(value) or ADDRESS.search(value) or _full_name(value.strip()):
        return True
    for run in DIGITS.findall(DATE_OR_TIME.sub(" ; ", value)):
        digits = re.sub(r"\D", "", run)
        if 9 <= len(digits) <= 12 and (run.isdigit() or run.startswith(("0", "+84", "84"))):
            return True
    return False


@dataclass
class Sample:
    """What inspect shows of one column."""

    values: list[str] = field(default_factory=list)
    masked: bool = False


def collect(headers: list[str], rows: Iterable[list[str]], personal: set[str],
            cleared: set[str] = frozenset()) -> dict[str, Sample]:
    """Header -> Sample for the headers of a file, from its data rows (cells by position).
    `personal`: headers known to be personal whatever their words (the standard names of
    personal columns); `cleared`: headers the standard names or a profile map to a column
    that is not personal ("Nội dung phản ánh về" is the topic): their words mask nothing,
    their values' shapes still do."""
    out = {h: Sample(masked=h in personal or (h not in cleared and personal_header(h)))
           for h in headers if h.strip()}
    for n, cells in enumerate(rows):
        if n >= SCAN:
            break
        for pos, header in enumerate(headers):
            sample = out.get(header)
            value = " ".join(str(clean_cell(cells[pos]) or "").split()) if pos < len(cells) else ""
            if sample is None or sample.masked or not value:
                continue
            if looks_personal(value):
                sample.masked, sample.values = True, []
            elif len(sample.values) < SHOWN and value not in sample.values:
                sample.values.append(value)
    return out


def shown(sample: Sample | None) -> str:
    """A sample as inspect prints it."""
    if sample is None:
        return "(không có)"
    if sample.masked:
        return MASK
    if not sample.values:
        return "(trống)"
    cut = [v if len(v) <= WIDTH else v[: WIDTH - 1] + "…" for v in sample.values]
    return ", ".join(f'"{v}"' for v in cut)


def export_rows(export) -> tuple[list[str], Iterator[list[str]]]:
    """(the export's own header cells, its data rows) as found by a reader: a profiled
    export's sheet under its header rows, a workbook's first sheet with a header, a text
    file's records under its header. Rows with one filled cell (group rows), a numbering row
    and rows whose cells do not line up with the header (fewer cells, or a value beyond the
    last header: set aside when loaded) are left out."""
    header = export.header
    if hasattr(export, "profile"):
        cells, start, sheet = export.flat, header.line + export.profile.layout.header_rows, \
            export.sheet
        book = open_rows(export.path, export.label)
    elif hasattr(export, "sheets"):
        sheet, first = export.sheets[0]
        cells, start = list(first.cells), first.line + 1
        book = open_rows(export.path, export.label)
    elif hasattr(export, "sep"):
        cells, start, sheet = list(header.cells), export.header_end + 1, export.sep
        book = TextGrid(export.path, export.label)
    else:
        return [], iter(())
    return cells, _data_rows(book, sheet, start, len(cells), export.path)


def aligned(cells: list[str], width: int) -> bool:
    """Whether a row is a data row whose cells line up with a header of `width` cells: two
    filled cells or more (not a group row), none beyond the header, not fewer cells."""
    filled = [i for i, c in enumerate(cells) if c and str(c).strip()]
    return len(filled) >= 2 and len(cells) >= width and filled[-1] < width


def _data_rows(book, sheet: str, start: int, width: int, path) -> Iterator[list[str]]:
    try:
        for number, cells in book.rows(sheet):
            if number >= start and aligned(cells, width) and not is_numbering_row(cells):
                yield cells
    finally:
        book.close()
        grid.forget(path)                  # a workbook's sheets are not kept after sampling
