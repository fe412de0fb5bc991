"""Writers of every grid format under any name (the path tests and the fuzz tests share them)."""

from __future__ import annotations

import html
from pathlib import Path


def write_xlsx(path: Path, rows: list[list[str]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    for r in rows:
        book.active.append(r)
    book.save(path)


def write_xls(path: Path, rows: list[list[str]]) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Hồ sơ")
    for i, r in enumerate(rows):
        for j, value in enumerate(r):
            sheet.write(i, j, value)
    book.save(str(path))


def write_html(path: Path, rows: list[list[str]]) -> None:
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r) + "</tr>"
                   for r in rows)
    path.write_text(f'<html><head><meta charset="utf-8"></head><body><table>{body}</table>'
                    "</body></html>", encoding="utf-8")


def write_ods(path: Path, rows: list[list[str]]) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    sheet = Table(name="Hồ sơ")
    for r in rows:
        line = TableRow()
        for value in r:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            line.addElement(cell)
        sheet.addElement(line)
    doc.spreadsheet.addElement(sheet)
    doc.save(str(path))


# format -> (extension, writer of the rows, header first); the HTML table is saved as .xls,
# as Tân Dân's export does
FORMATS = {"xlsx": (".xlsx", write_xlsx), "xls": (".xls", write_xls),
           "html": (".xls", write_html), "ods": (".ods", write_ods)}
