"""What travels between the runner, the executors and the workers: a unit's task, its outcome
and its failure. Plain picklable data, so any executor (local processes, Dask) can ship it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tthc_lib.content.request import ReportRequest
from tthc_lib.periods import Period

__all__ = ["RENDER_STEP", "TRANSIENT_MARKERS", "WORKER_LOST", "Failure", "UnitOutcome",
           "UnitTask", "is_transient", "one_line"]

# The failure's "section" when not a notebook failed: rendering, or the worker itself was lost.
RENDER_STEP = "(dựng báo cáo)"
WORKER_LOST = "(worker)"


@dataclass(frozen=True)
class UnitTask:
    """One unit's share of the batch: which sections to execute (the others are read back from
    their executed notebooks of an earlier run) and where to write."""

    request: ReportRequest                     # unit, period, store, params, formats
    out: str                                   # the output folder (names.OUTPUT_NAMES below it)
    notebooks: tuple[tuple[str, str], ...]     # (section, notebook path), in report order
    execute: frozenset[str]                    # sections to execute now

    @property
    def unit(self) -> str:
        return self.request.unit

    @property
    def period(self) -> Period:
        return self.request.period

    @property
    def formats(self) -> tuple[str, ...]:
        return self.request.formats

    def with_formats(self, formats: tuple[str, ...]) -> UnitTask:
        return replace(self, request=replace(self.request, formats=tuple(formats)))


@dataclass
class Failure:
    unit: str
    section: str
    error: str
    path: str
    cell: int | None = None  # the failed cell's execution count, as papermill marks it ("In [N]")

    @property
    def where(self) -> str:
        """The section, and the failed cell when a notebook cell failed: "02_x (ô In [5])"."""
        return self.section if self.cell is None else f"{self.section} (ô In [{self.cell}])"


@dataclass
class UnitOutcome:
    unit: str
    files: dict[str, str] = field(default_factory=dict)  # format -> the report written
    failure: Failure | None = None
    seconds: float = 0.0
    executed: int = 0
    entry: dict | None = None          # the unit's index line (render IndexEntry fields)
    findings: list[dict] = field(default_factory=list)
    skipped: bool = False              # nothing changed since the last run
    started: float = 0.0               # wall clock (time.time) when the unit's run began


# A failure that says nothing of the unit's data or notebooks: another process held the store,
# the browser or the worker died. It is not remembered: a plain re-run tries the unit again.
TRANSIENT_MARKERS = ("đang được một tiến trình khác ghi", "Chromium không in được",
                     "Target closed", "Browser closed", "has been closed")


def is_transient(section: str, error: str) -> bool:
    """The failure (its section and one-line error) is transient (TRANSIENT_MARKERS)."""
    return section == WORKER_LOST or any(m in error for m in TRANSIENT_MARKERS)


def one_line(text: str, limit: int = 300) -> str:
    """`text` on one line (whitespace runs made one space), cut at `limit` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
