"""Personal data never reaches an output: recognisable names, ID and phone numbers, addresses,
feedback text with a `<script>` payload and an extra column are planted in the exports of a
tiny city, the whole report set is rendered (HTML, PDF, DOCX, executed notebooks, index,
run summary, command output, the store), and none of them is found anywhere. The analysts'
narrative, with its own markup, does appear, as text (escaped), beside the figures."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PERIOD = "2023-H1"
PERIOD_DIR = "2023-01-01_2023-06-30"

# Planted personal data: every one of these must stay out of every output.
NAME = "Nguyễn Thị Bí Mật"
ASCII_NAME = "Tran Van BIMATNAME"
CCCD = "001199012345"
PHONE = "0987654321"
ADDRESS = "Số 99 ngõ BIMATADDR"
NOTE = "GHICHU-BIMAT-42"                       # an extra column: ignored, kept out of outputs
FEEDBACK = ("Ông Lê Văn Lộ, SĐT 0911222333, CCCD 034085009999 phản ánh "
            "<script>alert('PAKNLEAK')</script> FEEDBACKSECRET")
SECRETS = [NAME, ASCII_NAME, CCCD, PHONE, ADDRESS, "BIMATADDR", NOTE, "0911222333",
           "034085009999", "PAKNLEAK", "FEEDBACKSECRET", "Lê Văn Lộ"]

# Narrative with markup: shown as text.
NARRATIVE_MARK = "LOIVANDOCNHAT"
NARRATIVE_TEXT = f'Không ban hành văn bản <script>alert("NARR")</script> & <b>{NARRATIVE_MARK}</b>.'
NARRATIVE = f"""
document: {{number: "12", date: 2023-07-05}}
texts:
  s1_1: {json.dumps(NARRATIVE_TEXT, ensure_ascii=False)}
"""

UNITS = [("PX", "Huyện Riêng Tư", "Huyện", ""),
         ("PX01", "Xã <i>Thử</i> & Co", "Xã", "PX"),
         ("PX02", "Thị trấn Kín", "Thị trấn", "PX")]
PROCEDURES = [("1.000893", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã", "Toàn trình"),
              ("1.001612", "Đăng ký hộ kinh doanh", "Kinh doanh", "Cấp huyện", "Một phần")]
D_HEAD = ["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Hình thức nộp", "Ngày tiếp nhận",
          "Ngày hẹn trả", "Trạng thái", "Ngày kết thúc", "Người nộp", "Số CCCD",
          "Số điện thoại", "Địa chỉ", "Ghi chú nội bộ"]
PERSON = [NAME, CCCD, PHONE, ADDRESS, NOTE]
DOSSIERS = [
    ("P-1", "PX", "1.001612", "Trực tuyến", "03/03/2023 08:00", "10/03/2023", "Đã giải quyết", "08/03/2023 10:00"),
    ("P-2", "PX", "1.001612", "Trực tiếp", "06/03/2023 08:00", "10/03/2023", "Đã giải quyết", "13/03/2023 10:00"),
    ("P-3", "PX01", "1.000893", "Trực tuyến", "01/02/2023 08:00", "03/02/2023", "Đã giải quyết", "02/02/2023 09:00"),
    ("P-4", "PX01", "1.000893", "Trực tuyến", "01/04/2023 08:00", "03/04/2023", "Đang giải quyết", ""),
    ("P-5", "PX02", "1.000893", "Trực tiếp", "10/04/2023 08:00", "14/04/2023", "Đã giải quyết", "11/04/2023 08:00"),
    ("P-6", "XX", "1.000893", "Trực tiếp", "10/04/2023 08:00", "14/04/2023", "Đã giải quyết", "11/04/2023 08:00"),
]
F_HEAD = ["Mã PAKN", "Mã đơn vị", "Nội dung phản ánh về", "Ngày tiếp nhận", "Hạn xử lý",
          "Ngày xử lý xong", "Nội dung"]
FEEDBACK_ROWS = [("F-1", "PX", "Quy định hành chính", "02/03/2023", "17/03/2023", "10/03/2023", FEEDBACK),
                 ("F-2", "PX01", "Quy định kinh doanh", "02/03/2023", "17/03/2023", "", FEEDBACK),
                 ("F-3", "XX", "Quy định kinh doanh", "02/03/2023", "17/03/2023", "", FEEDBACK)]


def _csv(path: Path, header: list[str], rows: list) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def build_city(root: Path, units=UNITS, narrative: str = NARRATIVE) -> tuple[list[Path], Path]:
    """The exports and params folder of a tiny city (personal data planted)."""
    root.mkdir(parents=True, exist_ok=True)
    files = [
        _csv(root / "units.csv", ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"],
             units),
        _csv(root / "procedures.csv", ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện",
                                       "Mức độ DVC trực tuyến"], PROCEDURES),
        _csv(root / "dossiers.csv", D_HEAD, [d + tuple(PERSON) for d in DOSSIERS]),
        _csv(root / "feedback.csv", F_HEAD, FEEDBACK_ROWS),
    ]
    params = root / "params"
    (params / "narrative").mkdir(parents=True, exist_ok=True)
    (params / "report.yaml").write_text("place: Riêng Tư\ncalendar: calendar\n", encoding="utf-8")
    (params / "units.yaml").write_text(
        "defaults: {district: {authority: 'TM. ỦY BAN NHÂN DÂN', title: 'CHỦ TỊCH', "
        "name: 'Lê Văn Ký'}, commune: {authority: 'TM. ỦY BAN NHÂN DÂN', title: 'CHỦ TỊCH', "
        "name: 'Phạm Văn Ký'}}\n", encoding="utf-8")
    (params / "recipients.yaml").write_text("district: ['Lưu: VT']\ncommune: ['Lưu: VT']\n",
                                            encoding="utf-8")
    (params / "narrative" / f"{PERIOD_DIR}.yaml").write_text(narrative, encoding="utf-8")
    return files, params


def tthc(db: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    """Run the `tthc` command line in a subprocess."""
    return subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db", str(db), *args],
                          capture_output=True, text=True, check=False, **kw)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The whole report set of the tiny city: HTML, PDF, notebooks, index, DOCX, logs."""
    root = tmp_path_factory.mktemp("privacy")
    files, params = build_city(root / "exports")
    db, out = root / "store.duckdb", root / "out"
    ingest = tthc(db, "ingest", *map(str, files))
    assert ingest.returncode == 0, ingest.stderr
    rejected = tthc(db, "rejected", "--format", "csv")
    report = tthc(db, "report", "--period", PERIOD, "--unit", "all", "--to", "html,pdf",
                  "--out", str(out), "--params", str(params))
    assert report.returncode == 0, report.stderr[-3000:]
    folder = out / PERIOD_DIR
    docx = _render_docx(folder, db, params)
    logs = {"ingest": ingest.stdout + ingest.stderr, "rejected": rejected.stdout + rejected.stderr,
            "report": report.stdout + report.stderr}
    return folder, db, docx, logs


def _render_docx(folder: Path, db: Path, params: Path) -> dict[str, Path]:
    import nbformat

    from tthc_lib.content.sections import context
    from tthc_lib.render.docx import render_docx

    out = {}
    for unit, *_ in UNITS:
        notebooks = [nbformat.read(p, as_version=4)
                     for p in sorted((folder / "notebooks" / unit).glob("*.ipynb"))]
        assert notebooks, unit
        meta = context(unit, "2023-01-01", "2023-06-30", db, params).meta
        out[unit] = render_docx(notebooks, folder.parent / "docx" / f"{unit}.docx", meta)
    return out


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _docx_text(path: Path) -> str:
    """Every XML part of the Word file (text, headers, properties), unescaped."""
    import html

    with zipfile.ZipFile(path) as z:
        parts = [z.read(n).decode("utf-8", "replace") for n in z.namelist()
                 if n.endswith((".xml", ".rels"))]
    return html.unescape("\n".join(parts))


def _docx_paragraphs(path: Path) -> str:
    import docx

    doc = docx.Document(str(path))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def every_output(rendered) -> dict[str, str]:
    """Name -> text of every output a user or a log could see."""
    folder, _db, _docx, logs = rendered
    texts = {f"log:{k}": v for k, v in logs.items()}
    for path in sorted(folder.parent.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".pdf":
            texts[str(path)] = _pdf_text(path)
        elif path.suffix == ".docx":
            texts[str(path)] = _docx_text(path)
        elif path.suffix in (".html", ".ipynb", ".json", ".txt", ".log", ".yaml"):
            text = path.read_text(encoding="utf-8")
            # JSON may escape non-ASCII characters: look at both spellings.
            texts[str(path)] = text + (json.dumps(text) if path.suffix in (".ipynb", ".json")
                                       else "")
    return texts


def test_the_set_is_complete(rendered):
    folder, _db, docx, _logs = rendered
    names = {p.name for p in folder.iterdir() if p.is_file()}
    assert {"PX.html", "PX01.html", "PX02.html", "PX.pdf", "PX01.pdf", "PX02.pdf",
            "index.html"} <= names
    assert sorted(docx) == ["PX", "PX01", "PX02"]
    assert len(list(folder.glob("notebooks/*/*.ipynb"))) >= 3 * 7


def test_no_personal_data_or_feedback_text_in_any_output(rendered):
    outputs = every_output(rendered)
    kinds = sorted({Path(name).suffix or name for name in outputs})
    assert kinds == [".docx", ".html", ".ipynb", ".json", ".pdf", "log:ingest", "log:rejected",
                     "log:report"]
    assert all(NARRATIVE_MARK in outputs[name] for name in outputs
               if name.endswith((".pdf", ".docx")))          # the texts were really read
    leaks = [(name, secret) for name, text in outputs.items()
             for secret in SECRETS if secret in text]
    assert leaks == []


def test_no_personal_data_in_the_store(rendered):
    from tthc_lib.store.connection import connect

    _folder, db, _docx, _logs = rendered
    con = connect(db, read_only=True)
    try:
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                              "WHERE data_type = 'VARCHAR'").fetchall()
        found = [(t, c, s) for t, c in columns for s in SECRETS
                 if con.execute(f'SELECT count(*) FROM "{t}" WHERE contains("{c}", ?)',
                                [s]).fetchone()[0]]
        rows = con.execute("SELECT count(*) FROM dossiers").fetchone()[0]
    finally:
        con.close()
    assert found == [] and rows == 5


def test_the_planted_data_did_reach_the_loader(rendered):
    """The exports really carry the planted data, and its rows were read (so the test above
    could fail): P-6 and F-3 were set aside, with their reasons but without personal data."""
    _folder, _db, _docx, logs = rendered
    assert "dossiers.csv: hồ sơ: đọc 6, nạp 5 (cập nhật 0), loại 1, trùng 0" in logs["ingest"]
    assert "feedback.csv: phản ánh, kiến nghị: đọc 3, nạp 2 (cập nhật 0), loại 1, trùng 0" in logs["ingest"]
    assert 'Mã đơn vị ""XX"" không có trong danh mục đơn vị' in logs["rejected"]


def test_the_narrative_appears_as_text_escaped_in_html(rendered):
    folder, *_ = rendered
    html = (folder / "PX.html").read_text(encoding="utf-8")
    quotes = html.replace("&#34;", '"').replace("&quot;", '"')
    assert ('Không ban hành văn bản &lt;script&gt;alert("NARR")&lt;/script&gt; &amp; '
            f'&lt;b&gt;{NARRATIVE_MARK}&lt;/b&gt;.') in quotes
    assert "<script>alert(" not in html and f"<b>{NARRATIVE_MARK}" not in html
    for unit in ("PX", "PX01", "PX02"):
        assert NARRATIVE_MARK in (folder / f"{unit}.html").read_text(encoding="utf-8")


def test_the_narrative_and_figures_appear_in_pdf_and_docx(rendered):
    folder, _db, docx, _logs = rendered
    pdf = re.sub(r"\s+", " ", _pdf_text(folder / "PX.pdf"))
    word = re.sub(r"\s+", " ", _docx_paragraphs(docx["PX"]))
    for text in (pdf, word):
        assert f'<script>alert("NARR")</script> & <b>{NARRATIVE_MARK}</b>' in text
        assert "Số hồ sơ được tiếp nhận 02 hồ sơ" in text      # the district's own two


def test_unit_names_with_markup_are_escaped_in_reports_and_index(rendered):
    folder, *_ = rendered
    for page in ("index.html", "PX01.html"):
        html = (folder / page).read_text(encoding="utf-8").lower()
        assert "xã &lt;i&gt;thử&lt;/i&gt; &amp; co" in html, page
        assert "<i>thử" not in html, page
    assert "xã <i>Thử</i> & Co" in _pdf_text(folder / "PX01.pdf").replace("\n", " ")


def test_inspect_shows_values_but_never_personal_data(tmp_path):
    """`tthc inspect` of the planted exports (standard headers): the personal columns, the
    internal note and the feedback text are masked, the topic (a header holding "phản ánh"
    that the standard names map to a listed set) shows its values, and nothing is written."""
    files, _params = build_city(tmp_path / "exports")
    before = sorted(tmp_path.rglob("*"))
    run = tthc(tmp_path / "store.duckdb", "inspect", str(files[2]), str(files[3]))
    assert run.returncode == 0, run.stderr
    out = run.stdout + run.stderr
    for secret in SECRETS:
        assert secret not in out, secret
    lines = out.splitlines()
    mask = "[ẩn — dữ liệu cá nhân]"
    assert lines.count(f"      ví dụ: {mask}") == 5      # 4 applicant columns, feedback text
    assert f"      Ghi chú nội bộ: {mask}" in lines
    assert f"  {'Số CCCD':<32} -> applicant_id (chuẩn; dữ liệu cá nhân, không nạp)" in lines
    assert '      ví dụ: "Quy định hành chính", "Quy định kinh doanh"' in lines
    assert '      ví dụ: "P-1", "P-2", "P-3"' in lines
    assert sorted(tmp_path.rglob("*")) == before and not (tmp_path / "store.duckdb").exists()
