"""Text that XML can hold: what every writer of HTML, DOCX and XLSX passes its text through.

A store loaded before ingest cleaned control characters may hold, say, a vertical tab inside
a `Lĩnh vực` (pasted from Word); lxml (DOCX) and openpyxl (XLSX) refuse such text and an HTML
page would carry it. A form feed or vertical tab becomes a space (they separated words); the
other characters XML 1.0 forbids are dropped. Tab, line feed and carriage return stay.
"""

from __future__ import annotations

import re

__all__ = ["xml_safe"]

_SPACING = re.compile(r"[\x0b\x0c]")
_FORBIDDEN = re.compile(r"[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (unchanged when it has none)."""
    if _FORBIDDEN.search(text) is None and _SPACING.search(text) is None:
        return text
    return _FORBIDDEN.sub("", _SPACING.sub(" ", text))
