"""What one worker does for one unit: execute its section notebooks in turn in the worker's warm
kernel, render the report (HTML in-process, PDF with the worker's long-lived browser).

A worker process (the main process for one job, a pool process, or a Dask worker) keeps its
kernel session and PDF printer in `worker_state()` between units (and batches);
`close_worker_state()` ends them, at exit at the latest. `run_unit` takes and returns plain picklable data, so any executor can ship it.
"""

from __future__ import annotations

import atexit
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tthc_lib.batch.keys import write_atomic


@dataclass(frozen=True)
class UnitTask:
    """One unit's share of the batch: which sections to execute (the others are read back from
    their executed notebooks of an earlier run) and where to write."""

    unit: str
    period_start: str
    period_end: str
    db: str
    params_dir: str
    out: str                                   # the output folder (OUTPUT_NAMES are below it)
    notebooks: tuple[tuple[str, str], ...]     # (section, notebook path), in report order
    execute: frozenset[str]                    # sections to execute now
    formats: tuple[str, ...] = ("html", "pdf")

    @property
    def parameters(self) -> dict:
        """The papermill parameters of every section notebook of the unit."""
        return {"unit": self.unit, "period_start": self.period_start,
                "period_end": self.period_end, "db": self.db, "params_dir": self.params_dir}


@dataclass
class Failure:
    unit: str
    section: str
    error: str
    path: str


@dataclass
class UnitOutcome:
    unit: str
    html: str | None = None
    pdf: str | None = None
    docx: str | None = None
    failure: Failure | None = None
    seconds: float = 0.0
    executed: int = 0
    entry: dict | None = None          # the unit's index line (render.IndexEntry fields)
    findings: list[dict] = field(default_factory=list)
    skipped: bool = False              # nothing changed since the last run


class WorkerState:
    """A worker's kernel session and PDF printer, opened on first use."""

    def __init__(self) -> None:
        self._session = self._printer = None

    @property
    def session(self):
        if self._session is None:
            from tthc_lib.batch.kernels import KernelSession

            self._session = KernelSession()
        return self._session

    @property
    def printer(self):
        if self._printer is None:
            from tthc_lib.render.html import open_printer

            self._printer = open_printer()
        return self._printer

    def close(self) -> None:
        for part in (self._session, self._printer):
            if part is not None:
                part.close()
        self._session = self._printer = None


_state: dict[str, WorkerState] = {}
_state_lock = threading.Lock()


def worker_state() -> WorkerState:
    """This process's worker state, made on first use."""
    with _state_lock:
        if "state" not in _state:
            _state["state"] = WorkerState()
        return _state["state"]


@atexit.register
def close_worker_state() -> None:
    """End this process's kernel and browser, if any."""
    with _state_lock:
        state = _state.pop("state", None)
    if state is not None:
        state.close()


def warm_up() -> None:
    """Start this worker's kernel now, so the first unit does not pay for it."""
    worker_state().session.start()


def run_unit(task: UnitTask) -> UnitOutcome:
    """Execute the unit's sections (stopping at the first failure, whose notebook is kept with
    the error marked) and render its report in the requested formats. Any error is the unit's
    failure, never the batch's."""
    began = time.monotonic()
    outcome = UnitOutcome(task.unit)
    try:
        _run_sections(task, outcome)
    except Exception as exc:  # noqa: BLE001 - one unit's trouble is that unit's failure
        outcome.failure = Failure(task.unit, RENDER_STEP, _one_line(f"{type(exc).__name__}: "
                                                                    f"{exc}"), "")
        _remove_reports(task)
    outcome.seconds = time.monotonic() - began
    return outcome


# The failure's "section" when not a notebook failed: rendering, or the worker itself was lost.
RENDER_STEP = "(dựng báo cáo)"
WORKER_LOST = "(worker)"


def _run_sections(task: UnitTask, outcome: UnitOutcome) -> None:
    import nbformat

    from tthc_lib.batch.runner import output_path

    executed = []
    for section, path in task.notebooks:
        target = output_path(Path(task.out), "notebook", _period(task), task.unit, section)
        if section in task.execute or not target.exists():
            nb, outcome.failure = _execute_section(task, section, Path(path), target)
            outcome.executed += 1
        else:
            nb = nbformat.read(target, as_version=4)
        if outcome.failure:
            _remove_reports(task)
            break
        executed.append(nb)
    else:
        _render(task, executed, outcome)


def _period(task: UnitTask):
    from datetime import date

    from tthc_lib.periods import Period

    return Period(date.fromisoformat(task.period_start), date.fromisoformat(task.period_end))


def _execute_section(task: UnitTask, section: str, path: Path,
                     target: Path) -> tuple[object, Failure | None]:
    """Run one section notebook with the unit's parameters; write it (marked when failed)."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from tthc_lib.batch.kernels import KERNEL_NAME, NotebookFailed

    # The kernel is the session's, whatever the notebook names (or if it names none).
    nb = parameterize_notebook(load_notebook_node(str(path)), task.parameters,
                               kernel_name=KERNEL_NAME, language="python")
    nb.metadata.setdefault("papermill", {}).update(
        {"input_path": str(path), "output_path": str(target), "parameters": task.parameters})
    failure = None
    try:
        nb = worker_state().session.run(nb, path.parent.resolve())
    except NotebookFailed as exc:
        nb = mark_failure(exc.notebook, exc.cell, exc.ename, exc.evalue)
        failure = Failure(task.unit, section, _one_line(f"{exc.ename}: {exc.evalue}"),
                          str(target))
    write_atomic(target, nbformat.writes(nb).encode("utf-8"))
    return nb, failure


ERROR_BANNER = ("**Lỗi khi chạy notebook này** tại ô số {cell} ({ename}); ô lỗi được đánh dấu "
                "bên dưới, các ô sau đó chưa chạy.")


def mark_failure(nb, cell: int | None, ename: str, evalue: str):
    """Mark a failed notebook as papermill does: a banner on top, a marker above the failing
    cell, and `metadata.papermill.exception`."""
    import nbformat

    shown = "?" if cell is None else cell + 1
    tags = {"tags": ["tthc-error"]}
    banner = nbformat.v4.new_markdown_cell(ERROR_BANNER.format(cell=shown, ename=ename),
                                           metadata=tags)
    if cell is not None:
        nb.cells.insert(cell, nbformat.v4.new_markdown_cell('<a id="tthc-error-cell"></a>'
                                                            "**▼ Ô bị lỗi**", metadata=tags))
    nb.cells.insert(0, banner)
    nb.metadata.setdefault("papermill", {})["exception"] = True
    nb.metadata["tthc"] = {"failed_cell": shown, "ename": ename}
    return nb


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _render(task: UnitTask, executed: list, outcome: UnitOutcome) -> None:
    """HTML (always: the PDF is printed from it), then PDF; the index line and findings."""
    from tthc_lib.batch.runner import index_entry, output_path
    from tthc_lib.content.sections import context
    from tthc_lib.render import html as render

    period = _period(task)
    ctx = context(task.unit, task.period_start, task.period_end, task.db, task.params_dir)
    html = render.render_html(executed, output_path(Path(task.out), "html", period, task.unit),
                              ctx.meta)
    outcome.html = str(html)
    if "pdf" in task.formats:
        pdf = output_path(Path(task.out), "pdf", period, task.unit)
        outcome.pdf = str(render.html_to_pdf(html, pdf, printer=worker_state().printer))
    if "docx" in task.formats:
        from tthc_lib.render.docx import render_docx

        docx = output_path(Path(task.out), "docx", period, task.unit)
        outcome.docx = str(render_docx(executed, docx, ctx.meta))
    outcome.entry = asdict(index_entry(ctx))
    outcome.findings = [dict(f, unit=task.unit) for f in ctx.findings]


def _remove_reports(task: UnitTask) -> None:
    """A failed unit keeps no report of an earlier run: it would look current."""
    from tthc_lib.batch.runner import FORMATS, output_path

    for kind in FORMATS:
        output_path(Path(task.out), kind, _period(task), task.unit).unlink(missing_ok=True)
