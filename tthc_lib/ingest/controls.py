"""Text that XML cannot hold (issue 20): C0 control characters other than tab, line feed and
carriage return, and U+FFFE/U+FFFF. Such a character in an export (a vertical tab pasted into
`Lĩnh vực`) would load and then break every HTML, DOCX and XLSX output, so ingest replaces
each with a space: the value stays readable and its row is kept."""

from __future__ import annotations

import re

NOT_XML = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff"
NOT_XML_TEXT = re.compile(f"[{NOT_XML}]")
# The same in UTF-8 bytes (U+FFFE/U+FFFF are EF BF BE / EF BF BF).
C0_BYTES = bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20))


def holds_not_xml(chunk: bytes) -> bool:
    """Whether UTF-8 bytes hold a character XML cannot hold."""
    return newlines_and_not_xml(chunk)[1]


def newlines_and_not_xml(chunk: bytes) -> tuple[int, bool]:
    """How many line feeds UTF-8 bytes hold, and whether they hold a character XML cannot
    hold. At memory speed: two numpy counts (every byte below 0x20 that is not a line feed
    is a tab, a carriage return or a control character; tabs and carriage returns are
    counted only when there are such bytes), and U+FFFE/U+FFFF looked for only when the
    byte EF that starts them is there (rare in Vietnamese text, where a three-byte search
    over every chunk cost more than the rest of the scan)."""
    import numpy as np

    b = np.frombuffer(chunk, np.uint8)
    newlines = int(np.count_nonzero(b == 0x0A))
    low = int(np.count_nonzero(b < 0x20))
    if low > newlines:
        low -= chunk.count(b"\t") + chunk.count(b"\r")
    not_xml = low > newlines or (b"\xef" in chunk and (b"\xef\xbf\xbe" in chunk
                                                      or b"\xef\xbf\xbf" in chunk))
    return newlines, not_xml


def clean_text(value: str) -> tuple[str, int]:
    """`value` with every character XML cannot hold replaced by a space, and how many."""
    return NOT_XML_TEXT.subn(" ", value)


def clean_cell(value):
    """A cell's value with those characters replaced (non-text values as they are)."""
    if isinstance(value, str) and NOT_XML_TEXT.search(value):
        return NOT_XML_TEXT.sub(" ", value)
    return value


class CellCleaner:
    """`clean_cell` that counts the characters it replaced (`count`): a workbook's cells are
    cleaned as they are staged, and the office told how many, as for a text file."""

    def __init__(self):
        self.count = 0

    def clean(self, value):
        if isinstance(value, str) and NOT_XML_TEXT.search(value):
            value, n = NOT_XML_TEXT.subn(" ", value)
            self.count += n
        return value


def cleaned_note(label: str, count: int) -> str:
    """The line telling the office what was replaced."""
    shown = f"{count:,}".replace(",", ".")
    return (f"{label}: đã thay {shown} ký tự điều khiển (không đưa được vào báo cáo, ví dụ dấu "
            "tab dọc) bằng dấu cách.")
