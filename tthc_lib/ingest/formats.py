"""Recognising an export by its bytes, never its extension: ZIP (an .xlsx or .ods, or another
archive), OLE2 (an Excel 97-2003 workbook, or a workbook saved with a password), markup (an HTML
table saved as .xls/.htm), or text; the charset an HTML file declares; a cell as text; the
`Grid` every grid file is read as."""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from tthc_lib.errors import InputError

__all__ = [
    "FORMAT_LABELS",
    "GRID_FORMATS",
    "SNIFF_BYTES",
    "WHITE",
    "Grid",
    "cell_text",
    "declared_charset",
    "decode_head",
    "grid_format",
    "refuse",
    "sniff",
]

SNIFF_BYTES = 4096
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")   # a member, an empty archive, spanned
GRID_FORMATS = ("xlsx", "xls", "ods", "html")
# format -> (what it is, the extension a user saves it with)
FORMAT_LABELS = {"xlsx": ("tệp Excel", ".xlsx"), "xls": ("tệp Excel 97-2003", ".xls"),
                 "ods": ("tệp bảng tính OpenDocument", ".ods"), "html": ("tệp HTML", ".htm")}
WHITE = " \t\u00a0"            # what a blank cell may hold
CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)


class Grid:
    """Sheets of cells; `rows(name)` yields (row number, cell texts) of filled rows."""

    fmt = "grid"

    def names(self) -> list[str]:
        raise NotImplementedError

    def rows(self, name: str) -> Iterator[tuple[int, list[str]]]:
        raise NotImplementedError

    def close(self) -> None:
        return None


def sniff(head: bytes) -> str:
    """The format of a file that starts with `head` (its first SNIFF_BYTES bytes or more):
    "zip" (an XLSX or ODS, or another ZIP: see `zip_format`), "ole2" (an Excel 97-2003 file,
    or an encrypted workbook), "html" (markup holding a table), or "text"."""
    if head.startswith(ZIP):
        return "zip"
    if head.startswith(OLE2):
        return "ole2"
    if _looks_like_markup(head):
        return "html"
    return "text"


def _looks_like_markup(head: bytes) -> bool:
    """Whether the file starts (after a BOM and white space) with markup that is HTML or an
    HTML table: `<html`, `<!DOCTYPE html`, `<table`, `<?xml` followed by html, `<meta`, ..."""
    text = decode_head(head).lstrip("\ufeff \t\r\n").lower()
    if not text.startswith("<"):
        return False
    return any(tag in text for tag in ("<html", "<table", "<body", "<head", "<meta", "<tr"))


def zip_format(path: Path) -> str:
    """"xlsx", "ods", or "zip" (a ZIP archive that is no spreadsheet) by the archive's
    members."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names and zf.read("mimetype").strip().startswith(
                    b"application/vnd.oasis.opendocument.spreadsheet"):
                return "ods"
    except (zipfile.BadZipFile, OSError, KeyError, EOFError, ValueError):
        return "xlsx"          # damaged: calamine says how, as for a workbook cut short
    if "xl/workbook.xml" in names or "[Content_Types].xml" in names:
        return "xlsx"
    if "content.xml" in names:
        return "ods"
    return "zip"


def ole2_format(head: bytes, path: Path) -> str:
    """"xls", or "encrypted" (a workbook saved with a password: an encrypted .xlsx is an OLE2
    file holding an `EncryptedPackage` stream; an encrypted BIFF file a FILEPASS record, which
    calamine reports)."""
    with open(path, "rb") as fh:
        data = fh.read(1 << 20)
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "encrypted"
    return "xls"


def grid_format(path: str | os.PathLike, head: bytes | None = None) -> str:
    """"xlsx", "xls", "ods", "html", "text", or a refusal ("zip", "encrypted")."""
    path = Path(path)
    if head is None:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    kind = sniff(head)
    if kind == "zip":
        return zip_format(path)
    if kind == "ole2":
        return ole2_format(head, path)
    return kind


def cell_text(value) -> str:
    """A cell as the text a CSV export would carry: "" when empty, date cells as ISO 8601 local
    date(-time), whole numbers without `.0`, durations as H:MM:SS, text NFC."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.timedelta):
        return str(value)
    return unicodedata.normalize("NFC", str(value))


def refuse(label: str, fmt: str) -> InputError:
    """The one line for a file no grid reader reads, saying what it is."""
    what = {"zip": "tệp ZIP không phải bảng tính; cần tệp .xlsx, .xls, .ods, CSV hoặc "
                   "bảng HTML",
            "encrypted": "tệp Excel có mật khẩu; cần lưu lại tệp không đặt mật khẩu"}[fmt]
    return InputError(f"{label}: {what}.", file=label, reason="format")


def _bom(head: bytes) -> str | None:
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return name
    return None


def declared_charset(head: bytes) -> str | None:
    """The codec a file's start declares: its BOM, or the charset of its <meta>."""
    if (bom := _bom(head)) is not None:
        return bom
    if len(head) >= 4 and head[1:2] == b"\x00" and head[3:4] == b"\x00":
        return "utf-16-le"
    if len(head) >= 4 and head[0:1] == b"\x00" and head[2:3] == b"\x00":
        return "utf-16-be"
    if (m := CHARSET.search(head)) is None:
        return None
    name = m.group(1).decode("ascii", "replace").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_head(head: bytes) -> str:
    """The file's first bytes as text, enough to see whether it is markup."""
    codec = declared_charset(head)
    if codec and codec.startswith("utf-16"):
        return head[: len(head) - len(head) % 2].decode(codec, "replace")
    if codec == "utf-8-sig":
        return head.decode(codec, "replace")
    return head.decode("latin-1")
