"""PDFs printed by the process that runs the batch, with one browser for all its units.

Each browser costs Chromium's start, Playwright's driver and a cold first print (about 3 s of
CPU), so local worker processes do not print: they write the HTML (and DOCX), and this
process prints each unit's PDF from it while the next units run (benchmarks/README.md ›
Report batch). A Dask worker prints its own PDFs: the client never sees the files until then.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from tthc_lib.batch.names import output_path
from tthc_lib.batch.tasks import RENDER_STEP, Failure, UnitOutcome, UnitTask, one_line
from tthc_lib.batch.worker import printed_formats, remove_reports
from tthc_lib.render.formats import BASE_FORMAT

__all__ = ["printed_here", "without_printed"]


def without_printed(task: UnitTask) -> UnitTask:
    """The task a worker runs when its PDF (the formats the browser prints) is printed here."""
    printed = printed_formats(task)
    return task.with_formats(tuple(f for f in task.formats if f not in printed))


def printed_here(tasks: list[UnitTask], run: Callable[[list[UnitTask]], Iterable[UnitOutcome]],
                 printer) -> Iterator[UnitOutcome]:
    """`run` the tasks without their PDF; print the PDF of each unit that asked for one with
    `printer`, from the HTML its worker wrote, as the unit comes in. A unit is yielded once
    its PDF is written whole; a print that fails is that unit's failure, and the unit keeps
    no report. Prints finished are yielded between the units, the rest at the end."""
    wanted = {task.unit: task for task in tasks if printed_formats(task)}
    if not wanted:
        yield from run(tasks)
        return
    printer.start()  # Chromium starts while the first units run
    printing: deque = deque()
    for outcome in run([without_printed(task) if task.unit in wanted else task
                        for task in tasks]):
        task = wanted.get(outcome.unit)
        if task is None or outcome.failure is not None or not outcome.files.get(BASE_FORMAT):
            yield outcome
        else:
            html = Path(outcome.files[BASE_FORMAT])
            printing.append((outcome, task, {f: printer.submit(html, output_path(
                Path(task.out), f, task.period, task.unit)) for f in printed_formats(task)}))
        while printing and all(f.done() for f in printing[0][2].values()):
            yield _printed(*printing.popleft())
    while printing:
        yield _printed(*printing.popleft())


def _printed(outcome: UnitOutcome, task: UnitTask, futures: dict) -> UnitOutcome:
    try:
        for name, future in futures.items():
            outcome.files[name] = str(future.result())
    except Exception as exc:  # noqa: BLE001 - that unit's failure, not the batch's
        outcome.failure = Failure(task.unit, RENDER_STEP,
                                  one_line(f"{type(exc).__name__}: {exc}"), "")
        outcome.files = {}
        remove_reports(task, outcome.started)
    return outcome
