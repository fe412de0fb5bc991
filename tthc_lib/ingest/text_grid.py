"""A delimited text export (CSV, TSV, Excel "Unicode text") read as a grid of cells, so that
the source profiles' grammar (title rows, headers over several rows, group rows, names for
codes) applies to it as to a workbook, and `tthc inspect` can show a few values of it.

The separator is not guessed here: each candidate separator is a "sheet" of the file
(`names()`), and a profile recognises the file in the one whose cells hold its headers. A
row's number is the line its record starts on (what a user finds in a text editor).
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from tthc_lib.errors import InputError
from tthc_lib.ingest import grid
from tthc_lib.ingest.formats import Grid, grid_format

__all__ = ["HEAD_BYTES", "TextGrid", "open_rows"]

HEAD_BYTES = 256 * 1024        # what is read to recognise a profile (never a whole file)
SEPARATORS = (",", ";", "\t")
WHITE = " \t\u00a0"


def _encoding(head: bytes) -> str:
    """The encoding of a text file starting with `head`: its BOM, the NUL pattern of UTF-16,
    else UTF-8 when the bytes decode as UTF-8, else Windows-1258."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 4:
        return "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1258"
    return "utf-8"


class TextGrid(Grid):
    """The records of a delimited text file as rows of cells, one "sheet" per separator.
    `head_only`: only the first HEAD_BYTES bytes are read (recognising a profile)."""

    fmt = "text"

    def __init__(self, path: Path, label: str, head_only: bool = False):
        self.path, self.label, self.head_only = Path(path), label, head_only
        with open(self.path, "rb") as fh:
            self.head = fh.read(HEAD_BYTES)
        self.encoding = _encoding(self.head)

    def names(self) -> list[str]:
        return list(SEPARATORS)

    def rows(self, name: str) -> Iterator[tuple[int, list[str]]]:
        """(line, cell texts in NFC) of every record that holds a value."""
        try:
            yield from self._records(name)
        except csv.Error:
            if self.head_only:                  # bytes no CSV reader reads: no profile's
                return
            raise InputError(f"{self.label}: không đọc được tệp như bảng CSV.",
                             file=self.label) from None
        except UnicodeDecodeError:
            raise InputError(f"{self.label}: không đọc được bảng mã ký tự (cần UTF-8, UTF-16 "
                             "hoặc Windows-1258).", file=self.label) from None

    def _source(self):
        """The text to read: the whole file, or only its first bytes (`head_only`)."""
        if not self.head_only:
            return open(self.path, encoding=self.encoding, newline="")
        text = codecs.getincrementaldecoder(self.encoding)(errors="replace").decode(
            self.head, final=len(self.head) < HEAD_BYTES)
        if len(self.head) >= HEAD_BYTES:                # a last line perhaps cut: left out
            text = text[: text.rfind("\n") + 1]
        return io.StringIO(text, newline="")

    def _records(self, sep: str) -> Iterator[tuple[int, list[str]]]:
        with self._source() as source:
            reader = csv.reader(source, delimiter=sep, quotechar='"', doublequote=True,
                                strict=False)
            start = 1
            for cells in reader:
                if any(c.strip(WHITE) for c in cells):
                    cells[0] = cells[0].removeprefix("\ufeff")
                    yield start, [unicodedata.normalize("NFC", c) for c in cells]
                start = reader.line_num + 1


def open_rows(path: str | Path, label: str, head_only: bool = False) -> Grid:
    """The grid of any export: a workbook or HTML table (grid.py), else its text as a
    TextGrid. Close it when done."""
    if grid_format(path) != "text":                     # a refusal (zip, encrypted) too
        return grid.open_grid(path, label)
    return TextGrid(Path(path), label, head_only)
