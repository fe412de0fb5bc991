"""One report request: the unit, the period and the folders a report is made from, made once
(by the batch for each unit, by the preview for its unit) and carried whole to the worker.

`notebook_parameters` is the one mapping from a request to the section notebooks' papermill
parameters: the batch's section keys (manifest), the batch's execution and the preview all
use it; `request_of` is its inverse, for a notebook that reads its parameters back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from tthc_lib.periods import Period

__all__ = ["ReportRequest", "notebook_parameters", "report_request",
           "request_of"]


@dataclass(frozen=True)
class ReportRequest:
    """What one unit's report is made from. Plain picklable data (any executor ships it);
    `db` and `params_dir` absolute, as the notebooks receive them."""

    unit: str
    period: Period
    db: Path
    params_dir: Path
    formats: tuple[str, ...] = ()              # names of render/formats.py

    @property
    def as_of(self) -> date:
        """The day whose unit structure the report follows: the period's end (docs/structure.md)."""
        return self.period.end

    def for_unit(self, unit: str) -> ReportRequest:
        return replace(self, unit=unit)


def report_request(unit: str, period: Period, db: str | Path, params_dir: str | Path,
                   formats: tuple[str, ...] = ()) -> ReportRequest:
    """A request with the store and params folder made absolute."""
    return ReportRequest(unit, period, Path(db).resolve(), Path(params_dir).resolve(),
                         tuple(formats))


def notebook_parameters(request: ReportRequest) -> dict[str, str]:
    """The papermill parameters of every section notebook of the request's unit."""
    return {"unit": request.unit, "period_start": request.period.start.isoformat(),
            "period_end": request.period.end.isoformat(), "db": str(request.db),
            "params_dir": str(request.params_dir)}


def request_of(unit: str, period_start: str, period_end: str, db: str | Path,
               params_dir: str | Path) -> ReportRequest:
    """The request of a notebook's parameters (`notebook_parameters`' inverse; no formats)."""
    return ReportRequest(unit, Period(date.fromisoformat(str(period_start)),
                                      date.fromisoformat(str(period_end))),
                         Path(db), Path(params_dir), ())
