"""The report batch: outputs, incremental re-execution, failure isolation, retry, lock, atomic
writes, progress. Notebooks are the two small fixtures of tests/data/notebooks_broken."""

from __future__ import annotations

import io
import json
import os
import shutil

import nbformat
import pytest
from click.testing import CliRunner
from helpers.batch import add_dossier, ran
from helpers.paths import ROOT

from tthc_lib.atomic import write_bytes_atomic
from tthc_lib.batch.locks import output_lock
from tthc_lib.batch.manifest import Manifest
from tthc_lib.batch.progress import Progress, format_duration
from tthc_lib.batch.runner import grid
from tthc_lib.errors import ReportError
from tthc_lib.store.connection import connect

SECTIONS = ["00_header", "01_maybe_broken"]


def test_grid_is_every_combination_first_axis_slowest():
    assert grid(unit=["A", "B"], section=["x", "y"]) == [
        {"unit": "A", "section": "x"}, {"unit": "A", "section": "y"},
        {"unit": "B", "section": "x"}, {"unit": "B", "section": "y"}]


def test_batch_writes_reports_index_notebooks_and_summary(batch):
    summary = batch.run(to=("html", "pdf"))
    assert summary.failures == []
    assert ran(summary) == {"C": 2, "W1": 2, "W2": 2}
    for unit in ("C", "W1", "W2"):
        assert batch.path("pdf", unit).read_bytes().startswith(b"%PDF")
        html = batch.path("html", unit).read_text(encoding="utf-8")
        assert "leaked_from_first_section" not in html
        for section in SECTIONS:
            nb = nbformat.read(batch.path("notebook", unit, section), as_version=4)
            assert nb.cells[1].source.startswith("# Parameters")  # papermill's injected cell
            assert f'unit = "{unit}"' in nb.cells[1].source
    assert "tại thành phố X" in batch.path("html", "C").read_text(encoding="utf-8")
    index = batch.path("index").read_text(encoding="utf-8")
    assert 'href="W2.html"' in index and 'href="W2.pdf"' in index and "W2.docx" not in index
    written = json.loads(batch.path("summary").read_text(encoding="utf-8"))
    assert written["failures"] == [] and written["index"] == str(batch.path("index"))


def test_noop_rerun_executes_nothing_and_keeps_files(batch):
    batch.run()
    before = {u: batch.path("html", u).stat().st_mtime_ns for u in ("C", "W1", "W2")}
    summary = batch.run()
    assert ran(summary) == {} and summary.executed == 0
    assert [o.unit for o in summary.outcomes if o.skipped] == ["C", "W1", "W2"]
    assert {u: batch.path("html", u).stat().st_mtime_ns for u in before} == before


def test_new_data_of_one_ward_reruns_that_ward_and_the_city_only(batch):
    batch.run()
    con = connect(batch.db)
    add_dossier(con, "new", "W1", day=9)
    con.close()
    assert ran(batch.run()) == {"C": 2, "W1": 2}


def test_changed_notebook_reruns_that_section_of_every_unit(batch):
    batch.run()
    path = batch.notebooks / "01_maybe_broken.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Thêm một dòng."))
    nbformat.write(nb, path)
    assert ran(batch.run()) == {"C": 1, "W1": 1, "W2": 1}


def test_changed_narrative_reruns_and_force_reruns_all(batch):
    batch.run()
    narrative = batch.params / "narrative" / "2023-01-01_2023-10-30.yaml"
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\n# sửa\n", encoding="utf-8")
    assert ran(batch.run()) == {"C": 2, "W1": 2, "W2": 2}
    assert ran(batch.run()) == {}
    assert ran(batch.run(force=True)) == {"C": 2, "W1": 2, "W2": 2}


def test_asking_for_pdf_later_renders_without_executing(batch):
    batch.run(to=("html",))
    summary = batch.run(to=("html", "pdf"))
    assert ran(summary) == {"C": 0, "W1": 0, "W2": 0}
    assert batch.path("pdf", "W1").read_bytes().startswith(b"%PDF")


def test_failing_unit_does_not_stop_the_others_and_keeps_its_notebook(batch):
    (batch.params / "broken_units.txt").write_text("W2\n", encoding="utf-8")
    summary = batch.run()
    [failure] = summary.failures
    assert (failure.unit, failure.section) == ("W2", "01_maybe_broken")
    assert failure.error == "RuntimeError: mục hỏng cho đơn vị W2"
    assert failure.path == str(batch.path("notebook", "W2", "01_maybe_broken"))
    nb = nbformat.read(failure.path, as_version=4)
    # papermill's marker: message, parameters, injected parameters, markdown, anchor, the cell
    assert "An Exception was encountered at" in nb.cells[0].source
    assert "papermill-error-cell-tag" in nb.cells[0].metadata.tags
    assert 'id="papermill-error-cell"' in nb.cells[4].source
    assert nb.cells[5].outputs[-1].evalue == "mục hỏng cho đơn vị W2"
    assert nb.cells[5].metadata.papermill.status == "failed"
    # the failure names the cell as papermill's marker and the notebook show it
    assert failure.cell == nb.cells[5].execution_count
    assert f"In [{failure.cell}]" in nb.cells[0].source
    assert failure.where == f"01_maybe_broken (ô In [{failure.cell}])"
    assert nb.metadata.papermill.exception is True
    assert nb.metadata.papermill.parameters["unit"] == "W2"
    assert batch.path("html", "C").is_file() and batch.path("html", "W1").is_file()
    assert not batch.path("html", "W2").exists()
    assert 'href="W2.html"' not in batch.path("index").read_text(encoding="utf-8")


def test_failure_is_kept_on_rerun_and_retry_failed_reruns_only_it(batch):
    broken = batch.params / "broken_units.txt"
    broken.write_text("W2\n", encoding="utf-8")
    batch.run()
    broken.unlink()
    again = batch.run()  # nothing changed that the keys see: not re-run, still reported
    assert ran(again) == {} and [f.unit for f in again.failures] == ["W2"]
    retried = batch.run(retry_failed=True)
    assert ran(retried) == {"W2": 1}  # the section before the failure is reused
    assert retried.failures == []
    assert 'href="W2.html"' in batch.path("index").read_text(encoding="utf-8")


def test_cli_lists_failures_and_exits_1(batch, monkeypatch):
    from tthc_lib.cli.app import main

    (batch.params / "broken_units.txt").write_text("W1\n", encoding="utf-8")
    result = CliRunner().invoke(main, [
        "--db", str(batch.db), "report", "--period", "2023-01-01:2023-10-30", "--unit", "W1",
        "--unit", "W2", "--to", "html", "--out", str(batch.out), "--params", str(batch.params),
        "--notebooks", str(batch.notebooks)])
    assert result.exit_code == 1
    notebook = batch.path("notebook", "W1", "01_maybe_broken")
    cell = nbformat.read(notebook, as_version=4).cells[5].execution_count
    assert (f"  W1 | 01_maybe_broken (ô In [{cell}]) | RuntimeError: mục hỏng cho đơn vị W1 | "
            f"{notebook}" in result.output)
    assert "Đơn vị 2/2 · lỗi 1" in result.output


def test_second_run_on_the_same_folder_is_refused(batch):
    with output_lock(batch.path("period_dir")), \
            pytest.raises(ReportError, match="đang được một lần chạy tthc report khác dùng "
                          f"\\(tiến trình {os.getpid()}\\)") as refused:
        batch.run()
    assert "\n" not in str(refused.value)
    with output_lock(batch.path("period_dir")):  # released: the next run takes it
        pass


def test_a_run_in_another_process_is_refused_in_one_line(batch):
    import subprocess
    import sys

    with output_lock(batch.path("period_dir")):
        done = subprocess.run(
            [sys.executable, "-m", "tthc_lib.cli", "--db", str(batch.db), "report", "--period",
             "2023-01-01:2023-10-30", "--unit", "W1", "--to", "html", "--out", str(batch.out),
             "--params", str(batch.params), "--notebooks", str(batch.notebooks)],
            capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines() or done.stdout.strip().splitlines()
    assert "đang được một lần chạy tthc report khác dùng" in line


def test_the_lock_of_a_killed_run_is_free_at_once(tmp_path):
    """The lock is the system's (flock): a run killed while holding it leaves no stale lock,
    only its lock files, and the next run takes it without waiting."""
    import signal
    import subprocess
    import sys

    folder = tmp_path / "2023-01-01_2023-10-30"
    script = ("import sys, time; from tthc_lib.batch.locks import output_lock\n"
              "with output_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(600)")
    holder = subprocess.Popen([sys.executable, "-c", script, str(folder)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ReportError, match=f"\\(tiến trình {holder.pid}\\)"), \
                output_lock(folder):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
        holder.stdout.close()
    with output_lock(folder):
        assert (folder / ".tthc-report.pid").read_text(encoding="utf-8") == str(os.getpid())


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "W1.html"
    write_bytes_atomic(target, b"old")
    with pytest.raises(TypeError):
        write_bytes_atomic(target, "not bytes")  # fails after the temporary file exists
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["W1.html"]


def test_an_atomic_write_that_cannot_be_done_is_one_line(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ReportError) as failed:
        write_bytes_atomic(blocker / "W1.html", b"new")
    assert str(failed.value).startswith(f"Không ghi được tệp {blocker / 'W1.html'}: ")
    assert "\n" not in str(failed.value)


def test_the_batch_has_one_atomic_writer():
    """Every file the batch and the renderers write goes through tthc_lib.atomic."""
    import re

    for path in [*(ROOT / "tthc_lib" / "batch").glob("*.py"), ROOT / "tthc_lib/render/html.py"]:
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"os\.replace|mkstemp|def _?write_atomic", source), path.name


def test_manifest_round_trip_and_unreadable_manifest_is_empty(tmp_path):
    from tthc_lib.batch.manifest import UnitRecord

    manifest = Manifest(tmp_path)
    manifest.put("W1", UnitRecord("ok", {"00": "k"}, ["html"], "W1.html"))
    manifest.save()
    assert Manifest.load(tmp_path).get("W1") == manifest.get("W1")
    (tmp_path / Manifest.NAME).write_text("{half", encoding="utf-8")
    assert Manifest.load(tmp_path).units == {}


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_plain_lines_count_units_failures_and_time_left():
    clock, stream = _Clock(), io.StringIO()
    progress = Progress(4, stream, every=10, tty=False, clock=clock)
    progress.advance(skipped=True)
    clock.now = 10.0
    progress.advance()
    clock.now = 20.0
    progress.advance(failed=True)
    progress.finish()  # the last line is already shown
    progress.advance()
    progress.finish()
    assert stream.getvalue().splitlines() == [
        "Đơn vị 2/4 · không đổi 1 · đã chạy 00:10 · còn ~00:20",
        "Đơn vị 3/4 · không đổi 1 · lỗi 1 · đã chạy 00:20 · còn ~00:10",
        "Đơn vị 4/4 · không đổi 1 · lỗi 1 · đã chạy 00:20",
    ]


def test_progress_on_a_terminal_rewrites_one_line():
    stream = io.StringIO()
    progress = Progress(2, stream, tty=True, clock=_Clock())
    progress.advance()
    progress.advance()
    progress.finish()
    shown = stream.getvalue()
    assert shown.count("\n") == 1 and shown.endswith("\rĐơn vị 2/2 · đã chạy 00:00\n")
    assert "\rĐơn vị 1/2 · đã chạy 00:00 · còn ~" in shown


def test_unchanged_units_are_kept_out_of_the_pace():
    clock, stream = _Clock(), io.StringIO()
    progress = Progress(12, stream, every=0, tty=False, clock=clock)
    for _ in range(10):
        progress.advance(skipped=True)
    clock.now = 30.0
    progress.advance()  # one unit run in 30 s: one left, 30 s, whatever the ten unchanged
    assert progress.line() == "Đơn vị 11/12 · không đổi 10 · đã chạy 00:30 · còn ~00:30"


def test_lines_before_any_unit_ran_are_the_ones_tqdm_drew():
    """Until a unit runs the line is written without tqdm (a no-op re-run does not import
    it); the words are those tqdm drew for the same state (taken from it before the change)."""
    clock, stream = _Clock(), io.StringIO()
    progress = Progress(4, stream, every=0, tty=False, clock=clock)
    progress.advance(skipped=True)
    clock.now = 65.0
    progress.advance(skipped=True)
    clock.now = 125.0
    progress.advance(failed=True)
    clock.now = 3725.0
    progress.advance()
    progress.finish()
    assert stream.getvalue().splitlines() == [
        "Đơn vị 1/4 · không đổi 1 · đã chạy 00:00 · còn ~?",
        "Đơn vị 2/4 · không đổi 2 · đã chạy 01:05 · còn ~?",
        "Đơn vị 3/4 · không đổi 2 · lỗi 1 · đã chạy 02:05 · còn ~02:05",
        "Đơn vị 4/4 · không đổi 2 · lỗi 1 · đã chạy 1:02:05",
    ]
    for tty in (False, True):
        stream = io.StringIO()
        progress = Progress(26, stream, tty=tty, clock=_Clock())
        for _ in range(26):
            progress.advance(skipped=True)
        progress.finish()
        assert stream.getvalue() == "Đơn vị 26/26 · không đổi 26 · đã chạy 00:00\n"
    stream = io.StringIO()
    Progress(0, stream, tty=False, clock=_Clock()).finish()
    assert stream.getvalue() == "Đơn vị 0/0 · đã chạy 00:00\n"


def test_format_duration():
    assert [format_duration(s) for s in (0, 83, 3725)] == ["00:00", "01:23", "1:02:05"]


def test_an_error_shown_by_a_cell_fails_that_unit_only(batch):
    # Papermill's rule: an error output fails the notebook, even in a cell tagged
    # raises-exception (which does not stop the kernel); the failed notebook is kept.
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('unit = "C"', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("if unit == 'W1':\n    raise ValueError('hỏng')",
                                  metadata={"tags": ["raises-exception"]})])
    nbformat.write(nb, batch.notebooks / "02_error_shown.ipynb")
    summary = batch.run()
    [failure] = summary.failures
    notebook = batch.path("notebook", "W1", "02_error_shown")
    assert (failure.unit, failure.section, failure.path) == ("W1", "02_error_shown", str(notebook))
    assert failure.error == "ValueError: hỏng"
    assert "An Exception was encountered at" in nbformat.read(notebook, as_version=4).cells[0].source
    assert batch.path("html", "C").is_file() and not batch.path("html", "W1").exists()
    nbformat.write(nbformat.v4.new_notebook(cells=nb.cells[:1]), batch.notebooks / "02_error_shown.ipynb")
    assert ran(batch.run()) == {"C": 1, "W1": 1, "W2": 1}  # the earlier sections are reused


def test_a_report_whose_notebooks_record_no_header_fails_at_rendering(batch):
    nb = nbformat.read(batch.notebooks / "00_header.ipynb", as_version=4)
    nb.cells = [c for c in nb.cells if "s.header(ctx)" not in c.source]
    nbformat.write(nb, batch.notebooks / "00_header.ipynb")
    summary = batch.run(units=["W1"])
    [failure] = summary.failures
    assert (failure.unit, failure.section, failure.path) == ("W1", "(dựng báo cáo)", "")
    assert failure.error.startswith("ReportError: Không notebook nào của báo cáo hiện phần đầu")


def test_docx_is_written_beside_the_html_and_kept_current(batch):
    from docx import Document

    summary = batch.run(units=["W1"], to=("html", "docx"))
    assert not summary.failures
    doc = Document(str(batch.path("docx", "W1")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert text.strip()
    again = batch.run(units=["W1"], to=("html", "docx"))
    assert ran(again) == {}
    batch.path("docx", "W1").unlink()
    assert ran(batch.run(units=["W1"], to=("html", "docx"))) == {"W1": 0}
    assert batch.path("docx", "W1").is_file()


def test_index_rates_are_rounded_once_from_the_counts():
    """17.149 of 20.000 early is 85,745%: the index shows 85,7%, not 85,75 rounded again."""
    from types import SimpleNamespace

    from tthc_lib.content.record import index_line
    from tthc_lib.indicators.figures import COUNTS
    from tthc_lib.render.index import format_rate

    row = dict.fromkeys(COUNTS, 0)
    row.update(resolved_total=20000, resolved_early=17149, resolved_on_time=2851,
               received_total=20000, received_in_period=20000, received_online=19991,
               early_rate=85.75, on_time_rate=14.26, late_rate=0.0, online_rate=99.96)
    ctx = SimpleNamespace(unit="W", has_children=False, row=lambda scope: row,
                          info={"unit_name": "Phường W", "level": "commune"})
    entry = index_line(ctx)
    assert format_rate(entry["early_rate"]) == "85,7%"
    assert format_rate(entry["on_time_rate"]) == "14,3%"      # 14,255 -> 14,3
    assert format_rate(entry["online_rate"]) == "100,0%"      # 99,955 -> 100,0


def test_an_edited_library_file_reruns_every_unit(batch, tmp_path, monkeypatch):
    """The library's hashes are remembered under the files' stat (keys.library_digest); an
    edit that keeps the size and the mtime still re-runs every section of every unit."""
    import os

    from tthc_lib.batch import keys

    library = tmp_path / "lib"
    shutil.copytree(ROOT / "tthc_lib" / "templates", library / "templates")
    monkeypatch.setattr(keys, "LIBRARY_DIR", library)
    monkeypatch.setattr(keys, "RACY_NS", 0)
    batch.run()
    assert ran(batch.run()) == {}
    assert Manifest.load(batch.path("period_dir")).library["files"]
    css = library / "templates" / "tthc" / "report.css"
    st = css.stat()
    text = css.read_text(encoding="utf-8")
    css.write_text(text.replace(text[0], "Z" if text[0] != "Z" else "Y", 1), encoding="utf-8")
    os.utime(css, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert css.stat().st_size == st.st_size
    assert ran(batch.run()) == {"C": 2, "W1": 2, "W2": 2}


def test_new_data_reruns_its_units_when_the_store_view_is_remembered(batch, monkeypatch):
    """A no-op re-run reads the units and fingerprints from the manifest when the store's
    files are unchanged (keys.store_view); a write to the store is seen at once."""
    from tthc_lib.batch import keys

    monkeypatch.setattr(keys, "RACY_NS", 0)
    batch.run()
    manifest = batch.path("manifest")
    assert Manifest.load(manifest.parent).store["key"]
    written = manifest.stat().st_mtime_ns
    assert ran(batch.run()) == {}
    assert manifest.stat().st_mtime_ns == written   # nothing changed: not rewritten
    con = connect(batch.db)
    add_dossier(con, "new", "W2", day=9)
    con.close()
    assert ran(batch.run()) == {"C": 2, "W2": 2}
    assert ran(batch.run()) == {}


NOOP_IMPORTS = """
import json, sys
from pathlib import Path
from tthc_lib.batch import keys
keys.RACY_NS = 0
from tthc_lib.cli.app import main
main(sys.argv[1:], standalone_mode=False)
heavy = ("pandas", "numpy", "nbformat", "nbconvert", "papermill", "jupyter_client", "duckdb",
         "babel", "matplotlib", "playwright", "dask", "distributed", "jinja2", "jsonschema",
         "tqdm", "multiprocessing", "importlib.metadata", "filelock")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def test_a_noop_rerun_imports_none_of_the_heavy_libraries(batch):
    """With nothing changed, `tthc report` decides so without the store's engine, the
    kernels, the renderers or the executors (the no-op's cost is its imports)."""
    import subprocess
    import sys

    args = ["--db", str(batch.db), "report", "--period", "2023-01-01:2023-10-30", "--unit",
            "all", "--to", "html", "--out", str(batch.out), "--params", str(batch.params),
            "--notebooks", str(batch.notebooks)]
    for expected in (None, []):
        done = subprocess.run([sys.executable, "-c", NOOP_IMPORTS, *args], capture_output=True,
                              text=True, timeout=300, check=True)
        if expected is not None:
            assert json.loads(done.stdout.splitlines()[-1]) == expected
            assert "Đơn vị 3/3 · không đổi 3 · đã chạy 00:00" in done.stderr


def test_progress_time_counts_from_the_start_of_the_run():
    """Issue 21, point 13: the kernels' start and the first unit are part of the time run."""
    clock, stream = _Clock(), io.StringIO()
    progress = Progress(2, stream, every=0, tty=False, clock=clock)
    clock.now = 30.0
    progress.advance()
    clock.now = 66.0
    progress.advance()
    progress.finish()
    assert stream.getvalue().splitlines()[-1] == "Đơn vị 2/2 · đã chạy 01:06"
