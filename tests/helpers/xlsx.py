"""An .xlsx whose cells hold characters XML cannot hold, raw or as Excel's _x000B_ escapes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from tthc_lib.ingest.controls import NOT_XML_TEXT


def write_xlsx(path: Path, rows: list[list[str]], form: str = "raw") -> Path:
    """An .xlsx of `rows` (header first) whose cells may hold characters XML cannot hold:
    openpyxl refuses them, so the sheet's XML gets them afterwards, each as itself (`form`
    "raw") or, for the C0 controls Excel escapes, as `_x000B_` ("escape"; U+FFFE and U+FFFF
    stay as themselves there: python-calamine leaves `_xFFFE_` as those seven letters)."""
    import openpyxl

    book = openpyxl.Workbook()
    marks = {}
    for row in rows:
        cells = []
        for text in row:
            if NOT_XML_TEXT.search(text):
                marks[f"DIRTY{len(marks)}MARK"] = text
                text = f"DIRTY{len(marks) - 1}MARK"
            cells.append(text)
        book.active.append(cells)
    book.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    for name in [n for n in parts if n.startswith("xl/") and n.endswith(".xml")]:
        xml = parts[name].decode("utf-8")
        for mark, text in marks.items():
            if form == "escape":
                text = re.sub("[\x00-\x1f]", lambda m: f"_x{ord(m.group()):04X}_", text)
            xml = xml.replace(mark, xml_escape(text))
        parts[name] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path
