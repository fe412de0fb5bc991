"""The report batch: execute each unit's section notebooks, render its report, write the index.

One grid of unit × period × section; output names come from templates (OUTPUT_NAMES), never
from strings built here and there. A unit's sections run in turn in one place, independently of
other units; a unit that fails does not stop the others and keeps its failed notebook.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .errors import ReportError, UnitError
from .narrative import Settings
from .periods import Period, label_vi

NOTEBOOKS_DIR = Path("notebooks")
PARAMS_DIR = Path("params")

# Output names, relative to the output folder. {period} is START_END, {unit} a safe unit code.
OUTPUT_NAMES = {
    "period_dir": "{period}",
    "html": "{period}/{unit}.html",
    "pdf": "{period}/{unit}.pdf",
    "notebook": "{period}/notebooks/{unit}/{section}.ipynb",
    "index": "{period}/index.html",
    "summary": "{period}/run-summary.json",
}

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def safe_name(text: str, what: str = "mã đơn vị") -> str:
    """A unit code or section name usable as a file name, or a ReportError: no path parts,
    no traversal, no NUL, at most 64 characters."""
    if not _SAFE.match(text) or ".." in text:
        raise ReportError(f"Không dùng được {what} {text!r} làm tên tệp (chỉ chữ, số, '_', '-', '.'; "
                          "tối đa 64 ký tự).", name=text)
    return text


def output_path(out: Path, name: str, period: Period, unit: str = "", section: str = "") -> Path:
    rel = OUTPUT_NAMES[name].format(period=f"{period.start}_{period.end}",
                                    unit=safe_name(unit) if unit else "",
                                    section=safe_name(section, "tên mục") if section else "")
    return Path(out) / rel


def section_notebooks(notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    found = sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise ReportError(f"Không thấy notebook mục báo cáo nào (NN_<mục>.ipynb) trong "
                          f"{notebooks_dir}.")
    return found


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
    failure: Failure | None = None
    seconds: float = 0.0
    executed: int = 0


@dataclass
class RunSummary:
    period: str
    index: str | None
    outcomes: list[UnitOutcome] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[Failure]:
        return [o.failure for o in self.outcomes if o.failure]

    def to_dict(self) -> dict:
        return asdict(self)


def parameters(unit: str, period: Period, db: Path, params_dir: Path) -> dict:
    """The papermill parameters of every section notebook of a unit."""
    return {"unit": unit, "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(), "db": str(Path(db).resolve()),
            "params_dir": str(Path(params_dir).resolve())}


def execute_unit(unit: str, period: Period, notebooks: list[Path], out: Path, db: Path,
                 params_dir: Path) -> tuple[list[nbformat.NotebookNode], Failure | None]:
    """Run a unit's section notebooks in turn with papermill; stop at the first failure and
    keep that notebook, error marked, beside the report."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    executed = []
    params = parameters(unit, period, db, params_dir)
    for nb_path in notebooks:
        target = output_path(out, "notebook", period, unit, nb_path.stem)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            nb = pm.execute_notebook(str(nb_path), str(target), parameters=params,
                                     kernel_name="python3", progress_bar=False,
                                     cwd=str(nb_path.parent))
        except PapermillExecutionError as exc:
            return executed, Failure(unit, nb_path.stem, f"{exc.ename}: {exc.evalue}",
                                     str(target))
        executed.append(nb)
    return executed, None


def render_reports(db: Path, period: Period, units: list[str] | None, out: Path,
                   to: tuple[str, ...] = ("html", "pdf"), notebooks_dir: Path = NOTEBOOKS_DIR,
                   params_dir: Path = PARAMS_DIR, progress=print) -> RunSummary:
    """Execute and render every requested unit's report for the period, then the index."""
    from . import render
    from .sections import context

    began = time.monotonic()
    notebooks = section_notebooks(notebooks_dir)
    all_units = _registry_units(db)
    units = all_units if not units or units == ["all"] else units
    unknown = [u for u in units if u not in all_units]
    if unknown:
        raise UnitError(f"Không có đơn vị {', '.join(unknown)} trong danh mục đơn vị.",
                        units=unknown)
    summary = RunSummary(period.iso, None)
    entries = []
    for i, unit in enumerate(units, 1):
        t0 = time.monotonic()
        outcome = UnitOutcome(unit)
        executed, outcome.failure = execute_unit(unit, period, notebooks, out, db, params_dir)
        outcome.executed = len(executed)
        if outcome.failure is None:
            ctx = context(unit, period.start.isoformat(), period.end.isoformat(), db, params_dir)
            html = render.render_html(executed, output_path(out, "html", period, unit), ctx.meta)
            outcome.html = str(html)
            if "pdf" in to:
                outcome.pdf = str(render.html_to_pdf(html, output_path(out, "pdf", period, unit)))
            entries.append(_index_entry(ctx, html, outcome.pdf))
            summary.findings += [dict(f, unit=unit) for f in ctx.findings]
        outcome.seconds = time.monotonic() - t0
        summary.outcomes.append(outcome)
        progress(f"[{i}/{len(units)}] {unit}: "
                 f"{'lỗi' if outcome.failure else 'xong'} ({outcome.seconds:.1f} s)")
    label = label_vi(period, Settings.load(params_dir).calendar)
    summary.index = str(render.write_index(output_path(out, "period_dir", period), label,
                                           entries))
    summary.seconds = time.monotonic() - began
    path = output_path(out, "summary", period)
    path.write_text(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return summary


def _index_entry(ctx, html: Path, pdf: str | None):
    """The unit's line on the index page: its own figures, or its total for a unit with wards."""
    from .render import IndexEntry

    row = ctx.row("total") if ctx.has_children else ctx.row("unit")
    return IndexEntry(
        unit_code=ctx.unit, unit_name=ctx.info["unit_name"], level=ctx.info["level"],
        received_total=int(row["received_total"]), resolved_total=int(row["resolved_total"]),
        early_rate=row["early_rate"], on_time_rate=row["on_time_rate"],
        late_rate=row["late_rate"], online_rate=row["online_rate"],
        html=Path(html), pdf=Path(pdf) if pdf else None)


def _registry_units(db: Path) -> list[str]:
    """Every unit of the registry, parents before children, in code order."""
    from .store import connect

    con = connect(db, read_only=True)
    try:
        rows = con.execute("SELECT unit_code, parent_code FROM units ORDER BY unit_code").fetchall()
    finally:
        con.close()
    roots = [u for u, p in rows if p is None]
    return roots + [u for u, p in rows if p is not None]

