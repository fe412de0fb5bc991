"""What one worker does for one unit: papermill executes its section notebooks in turn in the
worker's warm kernel (engine `tthc`), then the report is rendered (HTML in-process, PDF with
the worker's long-lived browser).

`run_unit` takes and returns plain picklable data (batch/tasks.py), so any executor can ship
it. The unit's meta and index line are read from its executed notebooks (content/record.py).
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path

from tthc_lib.atomic import write_bytes_atomic
from tthc_lib.batch.kernels import KERNEL_NAME
from tthc_lib.batch.names import output_path
from tthc_lib.batch.state import worker_state
from tthc_lib.batch.tasks import RENDER_STEP, Failure, UnitOutcome, UnitTask, one_line
from tthc_lib.content.request import notebook_parameters
from tthc_lib.errors import ReportError
from tthc_lib.render.formats import BASE_FORMAT, FORMATS, format_names

__all__ = [
    "ENGINE_NAME", "printed_formats", "refuse_planted_links", "remove_reports", "run_unit",
]


ENGINE_NAME = "tthc"  # papermill's name for batch/engine.py (pyproject entry point)


def run_unit(task: UnitTask) -> UnitOutcome:
    """Execute the unit's sections (stopping at the first failure, whose notebook is kept with
    papermill's error marker) and render its report in the requested formats. Any error is the
    unit's failure, never the batch's."""
    began = time.monotonic()
    outcome = UnitOutcome(task.unit, started=time.time())
    if printed_formats(task):
        worker_state().printer.start()  # Chromium starts while the sections run
    try:
        refuse_planted_links(task)
        _run_sections(task, outcome)
    except Exception as exc:  # noqa: BLE001 - one unit's trouble is that unit's failure
        outcome.failure = Failure(task.unit, RENDER_STEP,
                                  one_line(f"{type(exc).__name__}: {exc}"), "")
        remove_reports(task, outcome.started)
    outcome.seconds = time.monotonic() - began
    return outcome


def _run_sections(task: UnitTask, outcome: UnitOutcome) -> None:
    import nbformat

    executed = []
    for section, path in task.notebooks:
        target = output_path(Path(task.out), "notebook", task.period, task.unit, section)
        if section in task.execute or not target.exists():
            nb, outcome.failure = _execute_section(task, section, Path(path), target)
            outcome.executed += 1
        else:
            nb = nbformat.read(target, as_version=4)
        if outcome.failure:          # nothing rendered yet: the last good reports stay
            break
        executed.append(nb)
    else:
        _render(task, executed, outcome)


def _execute_section(task: UnitTask, section: str, path: Path, target: Path):
    """Papermill runs one section notebook with the unit's parameters; the executed notebook
    (marked by papermill when a cell failed) is written to `target` whole or not at all.

    Papermill's own writer serialises it (once), into memory (`_captured_output`): the bytes
    go to `target` and the notebook papermill returned is used as it is, with no temporary
    file, no second read and no second parse or validation."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    failure, nb = None, None
    with _captured_output(str(target)) as written:
        try:
            nb = papermill.execute_notebook(
                _literal(path), _literal(target), notebook_parameters(task.request),
                engine_name=ENGINE_NAME, kernel_name=KERNEL_NAME,
                language="python",  # whatever the notebook names
                request_save_on_cell_execute=False, progress_bar=False,
                kernel_cwd=str(path.parent.resolve()))
        except PapermillExecutionError as exc:
            failure = Failure(task.unit, section, one_line(f"{exc.ename}: {exc.evalue}"),
                              str(target), exc.exec_count)
        except Exception as exc:  # noqa: BLE001 - the kernel died, a notebook is unreadable
            return None, Failure(task.unit, section, one_line(f"{type(exc).__name__}: {exc}"),
                                 "")
    write_bytes_atomic(target, written[-1].encode("utf-8"))
    if nb is None:  # failed: the notebook with papermill's error marker, as written
        import nbformat

        nb = nbformat.reads(written[-1], as_version=4)
    return nb, failure


def _literal(path: Path) -> str:
    """`path` for papermill, which formats paths with the parameters: braces kept as they are."""
    return str(path).replace("{", "{{").replace("}", "}}")


class _Captures:
    """Papermill's I/O handler for the absolute paths under one root (`/`, or a drive),
    registered once per process and root through papermill's public `papermill_io.register`:
    what papermill writes to a path being captured is kept in memory; any other path is left
    to papermill's own local handler, as it would be without this one."""

    def __init__(self) -> None:
        self.paths: dict[str, list[str]] = {}

    @staticmethod
    def _local():
        from papermill.iorw import papermill_io

        return papermill_io.get_handler("local")

    def write(self, buf: str, path: str) -> None:
        if path in self.paths:
            self.paths[path].append(buf)
        else:
            self._local().write(buf, path)

    def read(self, path: str):
        if path in self.paths:
            raise OSError(f"{path} is being written")
        return self._local().read(path)

    def listdir(self, path: str):
        return self._local().listdir(path)

    def pretty_path(self, path: str) -> str:
        return path


_captures: dict[str, _Captures] = {}  # root -> this process's handler for the paths under it
_captures_lock = threading.Lock()


@contextmanager
def _captured_output(path: str):
    """Papermill's writes to `path` (absolute) kept in memory (the list yielded), while in the
    block; papermill's registry of handlers is only added to, once per root."""
    from papermill.iorw import papermill_io

    root = Path(path).anchor
    if not root:
        raise ValueError(f"not an absolute path: {path}")
    with _captures_lock:
        if root not in _captures:
            _captures[root] = _Captures()
            papermill_io.register(root, _captures[root])
        captures = _captures[root]
        captures.paths[path] = written = []
    try:
        yield written
    finally:
        with _captures_lock:
            captures.paths.pop(path, None)


def printed_formats(task: UnitTask) -> list[str]:
    """The task's formats the browser prints from the unit's HTML report (render/formats.py)."""
    return [f for f in task.formats if f in FORMATS and FORMATS[f].browser]


def _render(task: UnitTask, executed: list, outcome: UnitOutcome) -> None:
    """HTML (always: the browser prints from it), then the browser's formats (PDF) printed
    while the others (DOCX) are made (render/formats.py); the index line and the findings as
    the notebooks recorded them."""
    from tthc_lib.content.record import read_record

    period, out = task.period, Path(task.out)
    meta, entry, findings = read_record(executed)
    html = FORMATS[BASE_FORMAT].render(executed, output_path(out, BASE_FORMAT, period,
                                                             task.unit), meta)
    outcome.files[BASE_FORMAT] = str(html)
    printing = {f: worker_state().printer.submit(html, output_path(out, f, period, task.unit))
                for f in printed_formats(task)}  # the unit waits for them all
    try:
        for name in task.formats:
            fmt = FORMATS.get(name)
            if fmt is not None and fmt.render is not None and name != BASE_FORMAT:
                path = output_path(out, name, period, task.unit)
                outcome.files[name] = str(fmt.render(executed, path, meta))
    finally:
        for name, future in printing.items():
            outcome.files[name] = str(future.result())  # written whole, or the unit's failure
    outcome.entry, outcome.findings = entry, findings


def refuse_planted_links(task: UnitTask) -> None:
    """A folder the unit's files go into that is a symbolic link (planted to send the writes
    elsewhere) fails the unit, before anything is written through it."""
    period_dir = output_path(Path(task.out), "period_dir", task.period)
    notebooks = output_path(Path(task.out), "notebook", task.period, task.unit, "x").parent
    for folder in (period_dir, notebooks.parent, notebooks):
        if folder.is_symlink():
            raise ReportError(f"{folder} là một liên kết tượng trưng (symlink), không phải thư "
                              "mục: báo cáo không ghi qua đó; hãy xóa liên kết rồi chạy lại.",
                              path=str(folder))


def remove_reports(task: UnitTask, since: float) -> None:
    """The reports a failed run wrote (at or after `since`) go: with the others of their
    unit they would look current. Reports of an earlier, good run stay (the last good ones)."""
    for kind in format_names():
        path = output_path(Path(task.out), kind, task.period, task.unit)
        try:
            if path.is_file() and path.stat().st_mtime >= since - 1:
                path.unlink()
        except OSError:  # e.g. a folder in the report's place: the unit has failed already
            pass
