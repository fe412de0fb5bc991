"""Adding an output format is one entry of the registry (render/formats.py): a toy format
registered here is accepted by `tthc report --to`, rendered by the worker, linked on the index
page and kept in the manifest, with nothing else changed."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from tthc_lib.batch.manifest import Manifest
from tthc_lib.cli import main
from tthc_lib.render.formats import OutputFormat, format_names, register_format, unregister_format


def _text(notebooks: list, out: Path, meta) -> Path:
    """The report's words: the displayed HTML of every section, without tags."""
    shown = [re.sub(r"<[^>]+>", " ", "".join(o.get("data", {}).get("text/html", "")))
             for nb in notebooks for cell in nb.cells for o in cell.get("outputs", [])]
    out.write_text(meta.subject + "\n" + " ".join(" ".join(shown).split()) + "\n",
                   encoding="utf-8")
    return out


def _report(batch, to: str):
    return CliRunner().invoke(main, [
        "--db", str(batch.db), "report", "--period", "2023-01-01:2023-10-30", "--unit", "W1",
        "--to", to, "--out", str(batch.out), "--params", str(batch.params),
        "--notebooks", str(batch.notebooks)])


def test_a_registered_format_is_rendered_linked_and_recorded(batch):
    register_format(OutputFormat("txt", ".txt", "Văn bản", _text))
    try:
        assert format_names() == ("html", "pdf", "docx", "txt")
        result = _report(batch, "html,txt")
        assert result.exit_code == 0, result.output
        text = (batch.out / "2023-01-01_2023-10-30" / "W1.txt").read_text(encoding="utf-8")
        assert batch.path("txt", "W1").name == "W1.txt"
        assert text.startswith("Tình hình, kết quả thực hiện công tác cải cách thủ tục hành "
                               "chính\n") and "Phường A" in text
        index = batch.path("index").read_text(encoding="utf-8")
        assert '<a href="W1.html">HTML</a> · <a href="W1.txt">Văn bản</a>' in index
        record = Manifest.load(batch.path("period_dir")).get("W1")
        assert record.formats == ["html", "txt"] and record.entry["txt"] == "W1.txt"
        written = batch.path("txt", "W1").stat().st_mtime_ns
        assert _report(batch, "html,txt").exit_code == 0       # nothing changed: not re-run
        assert Manifest.load(batch.path("period_dir")).get("W1") == record
        assert batch.path("txt", "W1").stat().st_mtime_ns == written
    finally:
        unregister_format("txt")
    refused = _report(batch, "txt")
    assert refused.exit_code == 2
    assert "--to: không hỗ trợ txt (dùng html, pdf, docx)" in refused.output
