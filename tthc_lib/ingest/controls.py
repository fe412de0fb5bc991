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
    """Whether UTF-8 bytes hold a character XML cannot hold (a scan at memory speed: numpy's
    comparisons are 2x faster than deleting the bytes, 7x faster than a regular expression)."""
    import numpy as np

    b = np.frombuffer(chunk, np.uint8)
    return (bool(((b < 0x20) & (b != 0x09) & (b != 0x0A) & (b != 0x0D)).any())
            or b"\xef\xbf\xbe" in chunk or b"\xef\xbf\xbf" in chunk)


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
