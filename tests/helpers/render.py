"""A ward's report metadata, the fixture notebooks as executed ones, a wide table and the
entries of an index page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from helpers.paths import data_path
from tthc_lib.content.words import layout
from tthc_lib.render import index as index_page

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
SLOGAN = "Độc lập - Tự do - Hạnh phúc"


def ward_meta() -> layout.ReportMeta:
    return layout.ReportMeta(
        issuer_lines=("UBND thành phố Hải Dương", "UBND phường Trần Hưng Đạo"),
        place="Hải Dương", date=date(2023, 10, 30),
        subject="Tình hình, kết quả thực hiện công tác cải cách thủ tục hành chính\n"
                "10 tháng năm 2023 tại phường Trần Hưng Đạo",
        signer=layout.Signer(authority="KT. Chủ tịch", title="Phó Chủ tịch",
                             name="Nguyễn Hữu Phúc"),
        recipients=("Văn phòng UBND tỉnh", "Lưu: VT, VP"),
    )


def fixture_notebook(name: str) -> nbformat.NotebookNode:
    return nbformat.read(data_path("notebooks", f"{name}.ipynb"), as_version=4)


def html_notebook(*fragments: str) -> nbformat.NotebookNode:
    """An executed notebook whose cells each displayed one HTML fragment."""
    return new_notebook(cells=[
        new_code_cell("display(HTML(...))", outputs=[
            new_output("display_data", data={"text/html": fragment})])
        for fragment in fragments
    ])


def wide_table(columns: int = 15, rows: int = 12) -> str:
    """A table as wide as the report's widest (the form table, the ward table), with a note."""
    head = "".join(f"<th>Cột số {n}</th>" for n in range(2, columns))
    row = ('<tr><td class="name">Phường Trần Hưng Đạo</td>'
           + '<td class="num">13.372</td>' * (columns - 3)
           + '<td class="num">85,7%</td><td class="note">Không phát sinh: PAKN xử lý đúng '
             "hạn; tổng điểm quy đổi</td></tr>")
    return (f'<table class="tthc-table"><caption>Bảng rộng</caption><thead><tr><th>Đơn vị</th>'
            f"{head}</tr></thead><tbody>{row * rows}</tbody></table>")


def index_entries(out_dir: Path) -> list[index_page.IndexEntry]:
    return [
        index_page.IndexEntry("HD", "Thành phố Hải Dương", "district", 13372, 11722,
                          85.73, 10.76, 3.51, 88.24,
                          {"html": out_dir / "HD" / "bao-cao.html",
                           "pdf": out_dir / "HD" / "bao-cao.pdf",
                           "docx": out_dir / "HD" / "bao-cao.docx"}),
        index_page.IndexEntry("THD", "Phường <Trần Hưng Đạo>", "commune", 0, 0,
                          None, None, None, None,
                          {"html": Path("phường THĐ/bao cao.html"), "pdf": None}),
    ]
