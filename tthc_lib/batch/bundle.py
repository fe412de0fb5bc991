"""Unit tasks that carry everything they read, for workers that share no folder with the client.

The client packs a task (`pack`): a read-only snapshot of the unit's subtree for the days its
report can read (the period and the periods it is compared with; one small DuckDB file), the
params folder, the section notebooks and the executed notebooks it reuses, in one zip. The
worker (`run_packed`) unpacks it in a private folder, runs the unit as usual there and returns
every file it wrote as bytes; only the client writes the output folder (`unpack`), each file
atomically, then the manifest and the index.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from tthc_lib.atomic import write_bytes_atomic
from tthc_lib.batch.keys import data_window
from tthc_lib.batch.names import FORMATS, output_path
from tthc_lib.batch.tasks import UnitOutcome, UnitTask
from tthc_lib.periods import Period

# The rows a unit's report can read: the registry and the tables every report reads whole, the
# subtree's dossiers and feedback in the window, and the store's first closed dossier (the
# comparisons ask whether the store covers an earlier period).
_SNAPSHOT_SQL = [
    "INSERT INTO units SELECT * FROM src.units",
    "INSERT INTO procedures SELECT * FROM src.procedures",
    "INSERT INTO changes SELECT * FROM src.changes",
    """INSERT INTO dossiers
       WITH RECURSIVE subtree(unit_code, depth) AS (
           SELECT $unit, 0
           UNION ALL
           SELECT u.unit_code, s.depth + 1 FROM src.units u
           JOIN subtree s ON u.parent_code = s.unit_code WHERE s.depth < 32)
       SELECT * FROM src.dossiers d
       WHERE (d.unit_code IN (SELECT unit_code FROM subtree)
              AND d.received_date <= $end AND (d.closed_date IS NULL OR d.closed_date >= $start))
          OR d.dossier_id = (SELECT dossier_id FROM src.dossiers WHERE closed_date IS NOT NULL
                             ORDER BY closed_date, dossier_id LIMIT 1)""",
    """INSERT INTO feedback
       WITH RECURSIVE subtree(unit_code, depth) AS (
           SELECT $unit, 0
           UNION ALL
           SELECT u.unit_code, s.depth + 1 FROM src.units u
           JOIN subtree s ON u.parent_code = s.unit_code WHERE s.depth < 32)
       SELECT * FROM src.feedback f
       WHERE f.unit_code IN (SELECT unit_code FROM subtree)
         AND f.received_date BETWEEN $start AND $end""",
]


@dataclass(frozen=True)
class PackedTask:
    """A unit task and the zip of everything it reads (picklable, a few hundred kB)."""

    task: UnitTask
    data: bytes


@dataclass
class PackedOutcome:
    outcome: UnitOutcome
    files: dict[str, bytes] = field(default_factory=dict)  # relative to the output folder


def unit_snapshot(db: Path, unit: str, window: Period) -> bytes:
    """A DuckDB file holding what `unit`'s report reads in `window`, as bytes."""
    from tthc_lib.store.connection import connect

    with tempfile.TemporaryDirectory(prefix="tthc-snapshot-") as folder:
        path = Path(folder) / "store.duckdb"
        con = connect(path)
        try:
            con.execute(f"ATTACH '{_sql_text(str(db))}' AS src (READ_ONLY)")
            con.execute("BEGIN")
            args = {"unit": unit, "start": window.start, "end": window.end}
            for sql in _SNAPSHOT_SQL:
                con.execute(sql, {k: v for k, v in args.items() if f"${k}" in sql})
            con.execute("COMMIT")
            con.execute("DETACH src")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        return path.read_bytes()


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def pack(task: UnitTask, calendar: str = "calendar") -> PackedTask:
    """The client's side: `task` with its snapshot, params, notebooks and reused notebooks."""
    period = _period(task)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bundle:
        bundle.writestr("store.duckdb", unit_snapshot(Path(task.db), task.unit,
                                                      data_window(period, calendar)))
        params = Path(task.params_dir)
        for path in sorted(p for p in params.rglob("*") if p.is_file()):
            bundle.write(path, "params/" + path.relative_to(params).as_posix())
        for section, path in task.notebooks:
            bundle.write(path, f"notebooks/{section}.ipynb")
            done = output_path(Path(task.out), "notebook", period, task.unit, section)
            if section not in task.execute and done.is_file():
                bundle.write(done, "out/" + done.relative_to(task.out).as_posix())
    return PackedTask(task, buffer.getvalue())


def run_packed(packed: PackedTask) -> PackedOutcome:
    """The worker's side: run the unit in a private folder; return its files as bytes."""
    from tthc_lib.batch.worker import run_unit

    task = packed.task
    with tempfile.TemporaryDirectory(prefix="tthc-task-") as folder:
        root = Path(folder)
        with zipfile.ZipFile(io.BytesIO(packed.data)) as bundle:
            bundle.extractall(root)
        local = replace(task, db=str(root / "store.duckdb"), params_dir=str(root / "params"),
                        out=str(root / "out"),
                        notebooks=tuple((s, str(root / "notebooks" / f"{s}.ipynb"))
                                        for s, _ in task.notebooks))
        outcome = run_unit(local)
        out = root / "out"
        files = {p.relative_to(out).as_posix(): p.read_bytes()
                 for p in out.rglob("*") if p.is_file()} if out.is_dir() else {}
        for name in ("html", "pdf", "docx"):
            if getattr(outcome, name):
                setattr(outcome, name, Path(getattr(outcome, name)).relative_to(out).as_posix())
        if outcome.failure is not None and outcome.failure.path:
            outcome.failure.path = Path(outcome.failure.path).relative_to(out).as_posix()
    return PackedOutcome(outcome, files)


def unpack(packed: PackedOutcome, task: UnitTask) -> UnitOutcome:
    """The client's side: write the worker's files under the output folder (executed notebooks
    first, reports after), and give the outcome the paths there."""
    out, outcome = Path(task.out), packed.outcome
    order = sorted(packed.files, key=lambda name: (not name.endswith(".ipynb"), name))
    for name in order:
        write_bytes_atomic(_inside(out, name), packed.files[name])
    for kind in ("html", "pdf", "docx"):
        if getattr(outcome, kind):
            setattr(outcome, kind, str(_inside(out, getattr(outcome, kind))))
    if outcome.failure is not None:
        if outcome.failure.path:
            outcome.failure.path = str(_inside(out, outcome.failure.path))
        for kind in FORMATS:  # a failed unit keeps no report of an earlier run
            output_path(out, kind, _period(task), task.unit).unlink(missing_ok=True)
    return outcome


def _inside(out: Path, name: str) -> Path:
    """`out / name`, refusing a name from a worker that would leave the output folder."""
    path = (out / name).resolve()
    if not path.is_relative_to(out.resolve()):
        raise ValueError(f"worker returned a file outside the output folder: {name!r}")
    return out / name


def _period(task: UnitTask) -> Period:
    return Period(date.fromisoformat(task.period_start), date.fromisoformat(task.period_end))
