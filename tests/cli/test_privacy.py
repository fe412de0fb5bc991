"""Personal data never reaches an output: recognisable names, ID and phone numbers, addresses,
feedback text with a `<script>` payload and an extra column are planted in the exports of a
tiny city, the whole report set is rendered (HTML, PDF, DOCX, executed notebooks, index,
run summary, command output, the store), and none of them is found anywhere. The analysts'
narrative, with its own markup, does appear, as text (escaped), beside the figures."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from helpers.city import (
    ADDRESS,
    CCCD,
    NAME,
    NARRATIVE_MARK,
    NOTE,
    PERIOD,
    PERIOD_DIR,
    PHONE,
    UNITS,
    build_city,
    tthc,
)

ASCII_NAME = "Tran Van BIMATNAME"
SECRETS = [NAME, ASCII_NAME, CCCD, PHONE, ADDRESS, "BIMATADDR", NOTE, "0911222333",
           "034085009999", "PAKNLEAK", "FEEDBACKSECRET", "Lê Văn Lộ"]


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
