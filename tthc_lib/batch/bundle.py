"""Unit tasks that carry everything they read, for workers that share no folder with the client.

The client (`Snapshots`, one read-only connection to the store for the whole batch) makes:

- once per batch, the shared files (`SharedFiles`): the tables every report reads whole
  (successions, procedures, changes) as Parquet, the params folder and the section
  notebooks; an executor sends them once per worker (Dask: `client.scatter`), and the worker
  writes them out once, in a folder kept for their hash;
- per unit (`Snapshots.pack`), the unit's own rows, on the structure of the period's end:
  the registry of its subtree (predecessors included) and of its ancestors, not the whole
  registry (a kernel's figures cost grows with the units its store holds); its subtree's
  dossiers and feedback for the days its report can read (the period and the periods it is
  compared with); one `COPY ... TO` Parquet per table, already compressed, so nothing is
  zipped; and the executed notebooks it reuses.

The worker (`run_packed`) rebuilds a small DuckDB store from them in a private folder, runs
the unit as usual there and returns every file it wrote as bytes; only the client writes the
output folder (`unpack`), each file atomically, then the manifest and the index.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from tthc_lib.atomic import write_bytes_atomic
from tthc_lib.batch.keys import data_window
from tthc_lib.batch.names import output_path
from tthc_lib.batch.tasks import UnitOutcome, UnitTask
from tthc_lib.periods import Period
from tthc_lib.render.formats import format_names

__all__ = [
    "SHARED_TABLES", "UNIT_TABLES", "PackedOutcome", "PackedTask", "SharedFiles", "Snapshots",
    "run_packed", "unpack",
]


SHARED_TABLES = ("successions", "procedures", "changes")
UNIT_TABLES = ("units", "dossiers", "feedback")

# For each active unit (`ancestor`) on the structure of the period's end (store/structure.py),
# the registered codes its snapshot holds: those whose records make up its subtree
# (closure and counted_for: predecessors included), and the unit's ancestors, active and as
# registered (its header names its parents). Made once per batch.
_MEMBERS_SQL = """CREATE TEMP TABLE snapshot_members AS {ctes},
    registered_up(unit_code, code, steps) AS (
        SELECT unit_code, unit_code, 0 FROM units
        UNION ALL
        SELECT r.unit_code, u.parent_code, r.steps + 1 FROM registered_up r
        JOIN units u ON u.unit_code = r.code
        WHERE u.parent_code IS NOT NULL AND r.steps < 32),
    above AS (
        SELECT c.descendant AS unit_code, r.code FROM closure c
        JOIN registered_up r ON r.unit_code = c.ancestor)
    SELECT c.ancestor, cf.unit_code, TRUE AS counted FROM closure c
    JOIN counted_for cf ON cf.active_code = c.descendant
    UNION
    SELECT unit_code, code, FALSE FROM above"""

# A unit's rows: those units, its subtree's dossiers open at some time in the window (and the store's first
# closed dossier: the comparisons ask whether the store covers an earlier period), and its
# feedback received in the window.
_UNIT_SQL = {
    "units": """SELECT u.* FROM units u
       WHERE u.unit_code IN (SELECT unit_code FROM snapshot_members
                             WHERE ancestor IN ({units}))""",
    "dossiers": """SELECT d.* FROM dossiers d
       WHERE (d.unit_code IN (SELECT unit_code FROM snapshot_members
                              WHERE ancestor IN ({units}) AND counted)
              AND d.received_date <= {end} AND (d.closed_date IS NULL OR d.closed_date >= {start}))
          OR d.dossier_id = (SELECT dossier_id FROM dossiers WHERE closed_date IS NOT NULL
                             ORDER BY closed_date, dossier_id LIMIT 1)""",
    "feedback": """SELECT f.* FROM feedback f
       WHERE f.unit_code IN (SELECT unit_code FROM snapshot_members
                             WHERE ancestor IN ({units}) AND counted)
         AND f.received_date BETWEEN {start} AND {end}""",
}


@dataclass(frozen=True)
class SharedFiles:
    """What every task of a batch reads alike, by relative name; `key` is their hash."""

    key: str
    files: dict[str, bytes]


@dataclass(frozen=True)
class PackedTask:
    """A few unit tasks (siblings, in the runner's order) and their files: their rows as
    Parquet, in one snapshot (the worker's kernel computes the figures of a store once, so
    units that share one pay that once), and the executed notebooks they reuse."""

    tasks: tuple[UnitTask, ...]
    files: dict[str, bytes]

    @property
    def size(self) -> int:
        return sum(len(data) for data in self.files.values())


@dataclass
class PackedOutcome:
    outcomes: list[UnitOutcome]
    files: dict[str, bytes] = field(default_factory=dict)  # relative to the output folder


class Snapshots:
    """The client's side of a batch: one read-only connection to the store; the shared files
    once, then each unit's own. Use from one thread; close when done."""

    def __init__(self, db: Path, period: Period, calendar: str):
        from tthc_lib.store.connection import connect
        from tthc_lib.store.structure import sql_date, structure_ctes

        self.period, self.window = period, data_window(period, calendar)
        self._folder = Path(tempfile.mkdtemp(prefix="tthc-snapshot-"))
        self._con = connect(db, read_only=True)
        self._con.execute(_MEMBERS_SQL.format(ctes=structure_ctes(sql_date(period.end))))
        self._seq = 0

    def shared(self, params_dir: Path, notebooks: tuple[tuple[str, str], ...]) -> SharedFiles:
        files = {f"tables/{t}.parquet": self._parquet(f"SELECT * FROM {t}")
                 for t in SHARED_TABLES}
        params = Path(params_dir)
        for path in sorted(p for p in params.rglob("*") if p.is_file()):
            files["params/" + path.relative_to(params).as_posix()] = path.read_bytes()
        for section, path in notebooks:
            files[f"notebooks/{section}.ipynb"] = Path(path).read_bytes()
        digest = hashlib.sha256()
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
        return SharedFiles(digest.hexdigest(), files)

    def pack(self, tasks: list[UnitTask]) -> PackedTask:
        """`tasks` with their rows (one query per table) and the executed notebooks they
        reuse."""
        literal = {"units": ", ".join(_literal(t.unit) for t in tasks),
                   "start": f"DATE '{self.window.start}'", "end": f"DATE '{self.window.end}'"}
        files = {f"tables/{t}.parquet": self._parquet(_UNIT_SQL[t].format(**literal))
                 for t in UNIT_TABLES}
        for task in tasks:
            for section, _ in task.notebooks:
                done = output_path(Path(task.out), "notebook", self.period, task.unit, section)
                if section not in task.execute and done.is_file():
                    files["out/" + done.relative_to(task.out).as_posix()] = done.read_bytes()
        return PackedTask(tuple(tasks), files)

    def _parquet(self, select: str) -> bytes:
        self._seq += 1
        path = self._folder / f"{self._seq}.parquet"
        self._con.execute(f"COPY ({select}) TO '{_text(str(path))}' "
                          "(FORMAT parquet, COMPRESSION zstd)")
        data = path.read_bytes()
        path.unlink()
        return data

    def close(self) -> None:
        self._con.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _text(text: str) -> str:
    return text.replace("'", "''")


def _literal(text: str) -> str:
    return "'" + _text(text) + "'"


_SHARED_FOLDERS: dict[str, Path] = {}  # in a worker process: shared files' key -> folder


def _shared_folder(shared: SharedFiles) -> Path:
    """The worker's folder of the batch's shared files, written on first use."""
    folder = _SHARED_FOLDERS.get(shared.key)
    if folder is None or not folder.is_dir():
        folder = Path(tempfile.mkdtemp(prefix="tthc-shared-"))
        for name, data in shared.files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for old in list(_SHARED_FOLDERS.values()):  # one batch at a time per worker
            shutil.rmtree(old, ignore_errors=True)
        _SHARED_FOLDERS.clear()
        _SHARED_FOLDERS[shared.key] = folder
    return folder


def _build_store(path: Path, shared: Path, own: Path) -> None:
    """A DuckDB store at `path` from the shared tables and the unit's own (Parquet)."""
    from tthc_lib.store.connection import connect

    con = connect(path)
    try:
        con.execute("BEGIN")
        for table in SHARED_TABLES + UNIT_TABLES:
            source = (shared if table in SHARED_TABLES else own) / "tables" / f"{table}.parquet"
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM "
                        f"read_parquet('{_text(str(source))}')")
        con.execute("COMMIT")
    finally:
        con.close()


def run_packed(packed: PackedTask, shared: SharedFiles) -> PackedOutcome:
    """The worker's side: run the units in turn in a private folder, on one store built from
    their snapshot; return their outcomes and files as bytes."""
    from tthc_lib.batch.worker import run_unit

    common = _shared_folder(shared)
    with tempfile.TemporaryDirectory(prefix="tthc-task-") as folder:
        root = Path(folder)
        for name, data in packed.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        _build_store(root / "store.duckdb", common, root)
        out = root / "out"
        outcomes = [_relative(run_unit(replace(
            task, request=replace(task.request, db=root / "store.duckdb",
                                  params_dir=common / "params"), out=str(out),
            notebooks=tuple((s, str(common / "notebooks" / f"{s}.ipynb"))
                            for s, _ in task.notebooks))), out) for task in packed.tasks]
        files = {p.relative_to(out).as_posix(): p.read_bytes()
                 for p in out.rglob("*") if p.is_file()} if out.is_dir() else {}
    return PackedOutcome(outcomes, files)


def _relative(outcome: UnitOutcome, out: Path) -> UnitOutcome:
    outcome.files = {name: Path(path).relative_to(out).as_posix()
                     for name, path in outcome.files.items()}
    if outcome.failure is not None and outcome.failure.path:
        outcome.failure.path = Path(outcome.failure.path).relative_to(out).as_posix()
    return outcome


def unpack(packed: PackedOutcome, tasks: tuple[UnitTask, ...]) -> list[UnitOutcome]:
    """The client's side: write the workers' files under the output folder (executed notebooks
    first, reports after), and give the outcomes the paths there."""
    out = Path(tasks[0].out)
    order = sorted(packed.files, key=lambda name: (not name.endswith(".ipynb"), name))
    for name in order:
        write_bytes_atomic(_inside(out, name), packed.files[name])
    by_unit = {task.unit: task for task in tasks}
    for outcome in packed.outcomes:
        outcome.files = {name: str(_inside(out, path)) for name, path in outcome.files.items()}
        if outcome.failure is not None:
            if outcome.failure.path:
                outcome.failure.path = str(_inside(out, outcome.failure.path))
            for kind in format_names():  # a failed unit keeps no report of an earlier run
                output_path(out, kind, by_unit[outcome.unit].period,
                            outcome.unit).unlink(missing_ok=True)
    return packed.outcomes


def _inside(out: Path, name: str) -> Path:
    """`out / name`, refusing a name from a worker that would leave the output folder."""
    path = (out / name).resolve()
    if not path.is_relative_to(out.resolve()):
        raise ValueError(f"worker returned a file outside the output folder: {name!r}")
    return out / name
