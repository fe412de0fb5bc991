"""The report batch: plan, run the units that changed, write the index and the run summary.

One grid of unit × period × section (`grid`); output names come from templates (OUTPUT_NAMES).
A unit's sections run in turn in one worker's warm kernel (worker.run_unit, papermill's engine `tthc`), independently of
other units, on the executor chosen (executors.EXECUTORS: local processes or Dask). A section is
re-executed only when its key changed (keys.py); a unit that fails keeps its failed notebook,
does not stop the others, and is listed in the summary. One run at a time per period folder.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from tthc_lib.atomic import write_bytes_atomic
from tthc_lib.batch.keys import (
    StoreView,
    data_window,
    files_digest,
    library_digest,
    params_digest,
    sha256_of,
    store_view,
)
from tthc_lib.batch.manifest import Manifest, UnitRecord
from tthc_lib.batch.names import (
    OUTPUT_NAMES,
    file_stem,
    name_collisions,
    output_path,
    safe_name,
)
from tthc_lib.batch.tasks import WORKER_LOST, Failure, UnitOutcome, UnitTask, is_transient
from tthc_lib.content.request import ReportRequest, notebook_parameters
from tthc_lib.errors import ReportError, UnitError
from tthc_lib.periods import Period
from tthc_lib.render.formats import format_names

NOTEBOOKS_DIR = Path("notebooks")
PARAMS_DIR = Path("params")

UNSAFE_NAME = "(mã đơn vị)"  # the summary's section for units whose files would collide
SAVE_EVERY = 2.0  # seconds between manifest saves while units finish

__all__ = [
    "OUTPUT_NAMES",
    "Failure",
    "RunSummary",
    "UnitOutcome",
    "file_stem",
    "grid",
    "output_path",
    "plan_batch",
    "refuse_inactive",
    "render_reports",
    "safe_name",
    "section_key",
    "section_notebooks",
]


def section_notebooks(notebooks_dir: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The section notebooks NN_<section>.ipynb, in report order."""
    found = sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise ReportError(f"Không thấy notebook mục báo cáo nào (NN_<mục>.ipynb) trong "
                          f"{notebooks_dir}.")
    return found


def grid(**axes: Sequence) -> list[dict]:
    """Every combination of the axes' values, the first axis varying slowest:
    grid(unit=["A", "B"], section=["x", "y"]) -> [{unit: A, section: x}, {A, y}, {B, x}, ...]."""
    cells = [{}]
    for name, values in axes.items():
        cells = [dict(cell, **{name: value}) for cell in cells for value in values]
    return cells


@dataclass
class RunSummary:
    period: str
    index: str | None
    outcomes: list[UnitOutcome] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    earlier_failures: list[Failure] = field(default_factory=list)  # unchanged since, not re-run

    @property
    def failures(self) -> list[Failure]:
        return [o.failure for o in self.outcomes if o.failure] + self.earlier_failures

    @property
    def executed(self) -> int:
        """Section notebooks executed in this run."""
        return sum(o.executed for o in self.outcomes)

    def to_dict(self) -> dict:
        return dict(asdict(self), failures=[asdict(f) for f in self.failures])


@dataclass
class BatchPlan:
    """The units to run now, with the keys their sections will be recorded under."""

    tasks: list[UnitTask]
    keys: dict[str, dict[str, str]]      # unit -> section -> key
    skipped: list[str]                   # units whose outputs are current


def render_reports(request: ReportRequest, units: list[str] | None, out: Path,
                   notebooks_dir: Path = NOTEBOOKS_DIR, progress=None, jobs: int = 1,
                   executor: str = "local", scheduler: str | None = None, force: bool = False,
                   retry_failed: bool = False) -> RunSummary:
    """Execute and render the requested units' reports (`request`: the period, store, params
    and formats, made once by the caller; each unit's is `request.for_unit(code)`), only what
    changed unless `force` (only earlier failures with `retry_failed`), then the index and
    summary. `progress` is a progress.Progress (or None).

    With nothing changed this imports and reads only what deciding so needs: the executors,
    kernels and renderers are imported only when a unit runs or the index changed."""
    from tthc_lib.batch.locks import output_lock
    from tthc_lib.content.words.narrative import Settings, check_narrative_file

    began = time.monotonic()
    db, period, params_dir = request.db, request.period, request.params_dir
    settings = Settings.load(Path(params_dir))      # params checked before anything runs
    check_narrative_file(Path(params_dir), period.start, period.end)
    folder = output_path(out, "period_dir", period)
    with output_lock(folder):
        manifest = Manifest.load(folder)
        library = library_digest(manifest.library)
        view = store_view(db, data_window(period, settings.calendar), library, manifest.store)
        registry, active = view.registry, view.active
        named = _select_units(units, registry, active)
        refuse_inactive(db, [u for u in named if active is not None and u not in set(active)],
                         period.end)
        selected, refused = _split_colliding(named, registry if active is None else active)
        plan = plan_batch(request, selected, out, notebooks_dir, manifest,
                          force=force, retry_failed=retry_failed, view=view, library=library)
        summary = RunSummary(period.iso, None)
        summary.outcomes += refused
        if progress is not None:
            progress.total = len(selected) if not retry_failed else len(plan.tasks)
            for _ in plan.skipped:
                progress.advance(skipped=True)
        summary.outcomes += [UnitOutcome(u, skipped=True) for u in plan.skipped]
        try:
            if plan.tasks:
                from tthc_lib.batch.executors import open_executor

                with open_executor(executor, jobs=jobs, scheduler=scheduler) as ex:
                    _collect(ex.run(plan.tasks), plan, manifest, folder, summary, progress)
        finally:
            manifest.save()
        if progress is not None:
            progress.finish()
        _finish_summary(summary, manifest, selected, registry, folder, period,
                        (settings.calendar, library))
        summary.seconds = time.monotonic() - began
        _write_summary(summary, output_path(out, "summary", period))
    return summary


def _split_colliding(units: list[str], reported: list[str]) -> tuple[list[str],
                                                                       list[UnitOutcome]]:
    """The units to run, and a failed outcome for each whose file names (names.file_stem)
    equal another's ignoring letter case: it must not overwrite the other's files, nor stop
    the other units' reports. The collisions are those of every unit the period reports
    (`reported`), so that a run of one unit cannot overwrite a twin's files of another run."""
    collisions = name_collisions(dict.fromkeys([*reported, *units]))
    selected = [u for u in units if u not in collisions]
    refused = [UnitOutcome(u, failure=Failure(u, UNSAFE_NAME, collisions[u], ""))
               for u in units if u in collisions]
    return selected, refused


def plan_batch(request: ReportRequest, units: list[str], out: Path, notebooks_dir: Path,
               manifest: Manifest, force: bool = False,
               retry_failed: bool = False, view: StoreView | None = None,
               library: str | None = None) -> BatchPlan:
    """The unit tasks of the grid unit × period × section whose keys changed since the
    manifest's run (all with `force`; with `retry_failed`, only the units that failed).
    `view` and `library` (store_view, library_digest) are read here when not given."""
    db, period, params_dir, formats = (request.db, request.period, request.params_dir,
                                       request.formats)
    notebooks = {p.stem: p for p in section_notebooks(notebooks_dir)}
    if library is None:
        library = library_digest(manifest.library)
    if view is None:
        from tthc_lib.content.words.narrative import Settings

        calendar = Settings.load(Path(params_dir)).calendar
        view = store_view(db, data_window(period, calendar), library, manifest.store)
    common = sha256_of(library, params_digest(Path(params_dir), period))
    nb_keys = {s: files_digest([p]) for s, p in notebooks.items()}
    by_unit: dict[str, dict[str, str]] = {}
    for cell in grid(unit=units, period=[period], section=list(notebooks)):
        by_unit.setdefault(cell["unit"], {})[cell["section"]] = section_key(
            common, nb_keys[cell["section"]], request.for_unit(cell["unit"]),
            view.fingerprints.get(cell["unit"], ""))
    plan = BatchPlan([], {}, [])
    for unit, keys in by_unit.items():
        plan.keys[unit] = keys
        record = manifest.get(unit)
        if retry_failed and (record is None or record.status != "failed"):
            continue
        execute = _to_execute(record, keys, formats, out, period, unit, force, retry_failed)
        if execute is None:
            plan.skipped.append(unit)
            continue
        plan.tasks.append(UnitTask(
            request.for_unit(unit), str(Path(out).resolve()),
            tuple((s, str(p.resolve())) for s, p in notebooks.items()), frozenset(execute)))
    return plan


def section_key(common: str, notebook: str, request: ReportRequest, fingerprint: str) -> str:
    """The key a section of the request's unit runs under: the library and params (`common`),
    the notebook's digest, the notebook parameters, the unit's data fingerprint."""
    return sha256_of(common, notebook, json.dumps(notebook_parameters(request), sort_keys=True),
                     fingerprint)


def _to_execute(record: UnitRecord | None, keys: dict[str, str], formats: Sequence[str],
                out: Path, period: Period, unit: str, force: bool,
                retry: bool) -> set[str] | None:
    """The sections to re-execute, or None when the unit's outputs are current. A unit that
    failed with the same keys is not retried unless asked (`retry`)."""
    if record is None or force:
        return set(keys)
    stale = {s for s, k in keys.items() if record.sections.get(s) != k}
    if record.status == "failed":
        failure = record.failure or {}
        if is_transient(failure.get("section", ""), failure.get("error", "")):
            # store busy, a browser or worker that died: not remembered, simply run again
            return set(keys)
        return None if failure.get("keys") == keys and not retry else stale
    have = {f for f in formats if record.formats and f in record.formats
            and output_path(out, f, period, unit).is_file()}
    if not stale and have == set(formats):
        return None
    return stale


def _collect(outcomes: Iterable[UnitOutcome], plan: BatchPlan, manifest: Manifest,
             folder: Path, summary: RunSummary, progress) -> None:
    """Record each unit's outcome as it arrives; save the manifest every few seconds."""
    saved = time.monotonic()
    for outcome in outcomes:
        manifest.put(outcome.unit, _record(outcome, plan.keys[outcome.unit], folder,
                                           manifest.get(outcome.unit)))
        summary.outcomes.append(outcome)
        if progress is not None:
            progress.advance(failed=outcome.failure is not None)
        if time.monotonic() - saved >= SAVE_EVERY:
            manifest.save()
            saved = time.monotonic()


def _record(outcome: UnitOutcome, keys: dict[str, str], folder: Path,
            earlier: UnitRecord | None) -> UnitRecord:
    """The manifest entry of a finished unit: the keys of the sections whose executed
    notebooks are good (all of them, or those before the failing one)."""
    if outcome.failure is None:
        files = {f: _rel(outcome.files.get(f), folder) for f in format_names()}
        entry = dict(outcome.entry or {}, **files)
        formats = [f for f in format_names() if files[f]]
        return UnitRecord("ok", dict(keys), formats, files.get("html"), files.get("pdf"),
                          entry, _plain(outcome.findings))
    good = {}
    for section, key in keys.items():
        if section == outcome.failure.section or outcome.failure.section == WORKER_LOST:
            break
        good[section] = key
    failure = dict(asdict(outcome.failure), path=_rel(outcome.failure.path, folder),
                   keys=dict(keys))
    return UnitRecord("failed", good, failure=failure)


def _rel(path: str | None, folder: Path) -> str | None:
    return None if not path else Path(os.path.relpath(path, folder)).as_posix()


def _plain(value):
    """JSON-ready copy (numpy numbers become Python numbers or strings)."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item")
                                 else str(v)))


def _finish_summary(summary: RunSummary, manifest: Manifest, selected: list[str],
                    registry: list[str], folder: Path, period: Period,
                    index_keys: tuple[str, str]) -> None:
    """Earlier failures of units not re-run, findings, and the index of every current report.
    `index_keys`: the office's calendar and the library digest."""
    ran = {o.unit for o in summary.outcomes if not o.skipped}
    findings: dict[str, dict] = {}
    for unit in selected:
        record = manifest.get(unit)
        if record is None:
            continue
        if record.status == "failed" and unit not in ran:
            f = record.failure
            summary.earlier_failures.append(Failure(unit, f["section"], f["error"],
                                                    str(folder / f["path"]) if f["path"] else "",
                                                    f.get("cell")))
        for finding in record.findings:
            findings.setdefault(json.dumps(finding, sort_keys=True, ensure_ascii=False), finding)
    summary.findings = list(findings.values())
    summary.index = str(_write_index(manifest, registry, folder, period, *index_keys))


def _write_index(manifest: Manifest, registry: list[str], folder: Path, period: Period,
                 calendar: str, library: str) -> Path:
    """The index of every unit with a current report, rewritten only when it changed."""
    from tthc_lib.periods import label_vi

    label = label_vi(period, calendar)
    records = [(u, manifest.get(u)) for u in registry]
    entries = [r.entry for _, r in records if r is not None and r.status == "ok" and r.entry]
    key = sha256_of(label, library, json.dumps(entries, sort_keys=True))
    index = output_path(folder.parent, "index", period)
    if manifest.index_key == key and index.is_file():
        return index
    from tthc_lib.render.index import index_entry, write_index

    index = write_index(folder, label, [index_entry(e, folder) for e in entries])
    manifest.index_key = key
    manifest.save()
    return index


def _write_summary(summary: RunSummary, path: Path) -> None:
    write_bytes_atomic(path, json.dumps(_plain(summary.to_dict()), ensure_ascii=False,
                                  indent=1).encode("utf-8"))


def _select_units(units: list[str] | None, registry: list[str],
                  active: list[str] | None = None) -> list[str]:
    """`all` (or nothing): the units of the period's structure (`active`, docs/structure.md: a
    ceased or not yet established unit has no report); else the units named."""
    if not units or units == ["all"]:
        return registry if active is None else [u for u in registry if u in set(active)]
    unknown = [u for u in units if u not in registry]
    if unknown:
        raise UnitError(f"Không có đơn vị {', '.join(unknown)} trong danh mục đơn vị.",
                        units=unknown)
    return list(dict.fromkeys(units))


def refuse_inactive(db: Path, units: list[str], as_of: date, check: bool = False) -> None:
    """Units named that the period's structure does not have: one line, before anything runs,
    naming the successor (HD05 -> HP03) or the date of establishment. With `check`, `units`
    may be active ones (preview): only those that are not are refused."""
    if not units:
        return
    from tthc_lib.store.connection import open_store
    from tthc_lib.store.structure import inactive_unit_reason

    with open_store(db, read_only=True) as con:
        reasons = [inactive_unit_reason(con, u, as_of) for u in units]
    if check and not any(reasons):
        return
    raise UnitError(" ".join(r or f"Đơn vị {u} không có trong cơ cấu ngày {as_of:%d/%m/%Y}."
                             for u, r in zip(units, reasons)), units=units)


def _registry_units(db: Path, as_of) -> tuple[list[str], list[str]]:
    """(every unit of the registry, the units active on `as_of`): the active ones first,
    parents before children (the period's structure, store/structure.py), then the others
    in code order."""
    day = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    view = store_view(db, Period(day, day), library_digest())
    return view.registry, view.active
