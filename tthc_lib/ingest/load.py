"""Load exports into the store: recognise each file, set bad rows aside, skip exact
duplicates, and store the good rows of each file all-or-nothing (docs/input-format.md).

The work per file happens in DuckDB SQL over the staged text values (readers.py), so a
million-row export loads without a Python loop per row:

    stage text -> parse (types, synonyms) -> reasons -> duplicates/conflicts
               -> insert or replace good rows -> rows set aside -> load record
"""

from __future__ import annotations

import csv
import itertools
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tthc_lib import vocab
from tthc_lib.errors import InputError, StoreError
from tthc_lib.ingest.base import Export
from tthc_lib.ingest.memory import memory_capped
from tthc_lib.ingest.readers import open_export
from tthc_lib.ingest.rules import (
    conflict_message,
    key_sql,
    parsed_sql,
    quote_name,
    quoted_sql,
    raw_json_sql,
    reason_sql,
    register_functions,
    shape_sql,
    store_columns,
)
from tthc_lib.ingest.structure_rules import set_aside_succession_conflicts, set_aside_unit_cycles
from tthc_lib.ingest.xlsx import ROW_MASK

REGISTRIES = ("units", "successions", "procedures")
_counter = itertools.count()


@dataclass
class FileResult:
    """What loading one file did; `error` is one line when the file was refused."""

    file: str
    kind: str | None
    read: int = 0
    loaded: int = 0
    updated: int = 0
    rejected: int = 0
    duplicates: int = 0
    error: str | None = None
    notes: list[str] = field(default_factory=list)   # one line each (sheets left out)

    def to_dict(self) -> dict:
        """The JSON object of `tthc ingest --json` (docs/interfaces.md § tthc ingest)."""
        out = asdict(self)
        del out["notes"]
        return out


def load_exports(con, paths: list[str | os.PathLike]) -> list[FileResult]:
    """Load each file (registries first, then in the order given), each all-or-nothing.

    A refused file gets `error` and changes nothing; the others still load. Results come
    back in the order the files were given.
    """
    _prepare(con)
    opened: list[Export | FileResult] = [_open(p) for p in paths]
    order = sorted(range(len(paths)), key=lambda i: _load_rank(opened[i], i))
    results: list[FileResult | None] = [None] * len(paths)
    with memory_capped(con, LOAD_MEMORY_LIMIT_MB) as lift:
        for i in order:
            item = opened[i]
            results[i] = item if isinstance(item, FileResult) else _load_capped(con, item, lift)
    return results


def _load_capped(con, export: Export, lift) -> FileResult:
    """Load one file under the lowered memory limit; a file that needs more (its load was
    rolled back) is loaded again, and the files after it, with the limit the connection had."""
    try:
        return _load_file(con, export)
    except StoreError as exc:
        if not isinstance(exc.__cause__, _duckdb().OutOfMemoryException) or not lift():
            raise
        return _load_file(con, export)


# DuckDB's buffer limit while loading: a file's staged rows beyond it spill to the store's
# temporary folder (`STORE.tmp`, removed when the store closes), so memory does not grow
# with the export. 2,000,000 rows in one file stage in ~660 MB and stay in memory: 0.89 GB
# at peak (1.18 GB without a limit); at 640 MB they spilled and each later scan of them
# cost a second of reading back (benchmarks/README.md § Ingest).
LOAD_MEMORY_LIMIT_MB = 768
def list_rejected(con):
    """The rows set aside: file, line (a workbook's as `Sheet!row`), reason, raw values
    (JSON, no personal data)."""
    has_sheet = con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = "
                            "'rejected' AND column_name = 'sheet'").fetchone()[0]
    sheet = "sheet" if has_sheet else "NULL::VARCHAR AS sheet"
    df = con.execute(f"SELECT file, {sheet}, line, reason, raw FROM rejected "
                     "ORDER BY load_id, sheet NULLS FIRST, line").df()
    if df.sheet.notna().any():
        df["line"] = [f"{s}!{n}" if isinstance(s, str) else int(n)
                      for s, n in zip(df.sheet, df.line)]
    return df.drop(columns="sheet")


def _prepare(con) -> None:
    """Columns later versions added to `rejected` (the workbook sheet, the file's full path)
    and the SQL function that normalises codes."""
    for column in ("sheet", "source"):
        con.execute(f"ALTER TABLE rejected ADD COLUMN IF NOT EXISTS {column} VARCHAR")
    # Stores made before exports without a channel column or digitisation columns (a
    # source profile's `lacks`).
    for column in ("channel", "digitised_on_receipt", "result_digitised"):
        con.execute(f"ALTER TABLE dossiers ALTER COLUMN {column} DROP NOT NULL")
    # Stores made before exports giving timeliness instead of the closing date (e-par), and
    # before the window such an export gives for its closing dates.
    con.execute("ALTER TABLE dossiers ADD COLUMN IF NOT EXISTS timeliness VARCHAR")
    for column in ("closed_from", "closed_to"):
        con.execute(f"ALTER TABLE dossiers ADD COLUMN IF NOT EXISTS {column} DATE")
    register_functions(con)


def _open(path) -> Export | FileResult:
    label = os.fspath(path)
    try:
        return open_export(Path(path), label)
    except InputError as exc:
        return FileResult(label, None, error=exc.message)


def _load_rank(item, index: int) -> tuple[int, int]:
    if isinstance(item, Export) and item.kind in REGISTRIES:
        return (REGISTRIES.index(item.kind), index)
    return (len(REGISTRIES), index)


def _load_file(con, export: Export) -> FileResult:
    """Stage, check and store one file in one transaction; a refusal changes nothing."""
    names = _Names(f"_tthc{next(_counter)}")
    try:
        export.stage(con, names.staged, shape_sql(export))
        con.execute(f"CREATE OR REPLACE TEMP VIEW {quote_name(names.parsed)} AS "
                    f"{parsed_sql(export, names.staged)}")
        con.execute("BEGIN TRANSACTION")
        try:
            result = _check_and_store(con, export, names)
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        return result
    except InputError as exc:
        return FileResult(export.label, None, error=exc.message)
    except csv.Error as exc:
        return FileResult(export.label, None,
                          error=f"{export.label}: không đọc được bảng CSV ({exc}).")
    except OSError as exc:
        return FileResult(export.label, None,
                          error=f"{export.label}: không đọc được tệp ({exc.strerror or exc}).")
    except _duckdb_error() as exc:
        raise StoreError(f"{export.label}: không ghi được vào kho dữ liệu, kho giữ nguyên như "
                         f"trước ({str(exc).splitlines()[0]}).", file=export.label) from exc
    finally:
        _drop_temporaries(con, export, names)


def _drop_temporaries(con, export: Export, names) -> None:
    """Drop the file's staging tables and views. A store DuckDB invalidated (a COMMIT that
    hit a full disk) refuses even that; its temporaries die with the connection, and the
    error to report is the one that invalidated it."""
    try:
        export.unstage(con, names.staged)
        con.execute(f"DROP VIEW IF EXISTS {quote_name(names.parsed)}")
        for table in names.temp():
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
    except _duckdb_error() as exc:
        if "invalidated" not in str(exc):
            raise


def _rollback(con) -> None:
    """Undo the file's transaction; a COMMIT that failed (full disk) has already ended it,
    and its error, not the rollback's, is the one to report."""
    try:
        con.execute("ROLLBACK")
    except _duckdb_error():
        pass


def _duckdb():
    import duckdb

    return duckdb


def _duckdb_error():
    return _duckdb().Error


@dataclass(frozen=True)
class _Names:
    """Temp table names of one file's load."""

    prefix: str

    @property
    def staged(self) -> str:
        return f"{self.prefix}_staged"

    @property
    def parsed(self) -> str:
        return f"{self.prefix}_parsed"

    @property
    def repeats(self) -> str:
        return f"{self.prefix}_repeats"

    @property
    def bad(self) -> str:
        return f"{self.prefix}_bad"

    def temp(self) -> list[str]:
        return [self.repeats, self.bad]


def _check_and_store(con, export: Export, names: _Names) -> FileResult:
    kind = export.kind
    _classify_repeats(con, export, names)
    _set_aside(con, export, names)
    read, duplicates, rejected = con.execute(
        f'SELECT (SELECT count(*) FROM "{names.parsed}"), '
        f'(SELECT count(*) FROM "{names.repeats}" WHERE dup), '
        f'(SELECT count(*) FROM "{names.bad}")').fetchone()
    updated, loaded = _store_good(con, kind, names, rejected + duplicates)
    result = FileResult(export.label, kind, read, loaded, updated, rejected, duplicates,
                        notes=export.notes)
    if read != loaded + rejected + duplicates:   # refuse rather than lose a row unseen
        raise InputError(f"{export.label}: số dòng không khớp (đọc {read}, nạp {loaded}, loại "
                         f"{rejected}, trùng {duplicates}); tệp không được nạp.",
                         file=export.label, reason="count")
    _record_load(con, export, names, result)
    return result


# --------------------------------------------------------------------------- parse


# --------------------------------------------------------------------------- repeats


def _classify_repeats(con, export: Export, names: _Names) -> None:
    """Among rows whose id repeats: exact duplicates of an earlier row, and rows that share
    an id but differ (conflicts, with the lines involved). A misaligned row (`_extra`) is
    neither: its values are not its columns'."""
    kind = export.kind
    ids = [quote_name(c) for c in vocab.IDS[kind]]
    keys = [k for col in vocab.stored_columns(kind) for k in key_sql(col)]
    same_id = " AND ".join(f"p.{i} IS NOT DISTINCT FROM m.{i}" for i in ids)
    id_list = ", ".join(ids)
    con.execute(f"""
        CREATE TEMP TABLE {quote_name(names.repeats)} AS
        WITH m AS (SELECT {id_list} FROM {quote_name(names.parsed)} WHERE _extra IS NULL
                   GROUP BY ALL HAVING count(*) > 1),
        r AS (SELECT p.*, row_number() OVER (PARTITION BY {', '.join(keys)}
                                             ORDER BY _line) > 1 AS dup
              FROM {quote_name(names.parsed)} p SEMI JOIN m ON {same_id} WHERE p._extra IS NULL),
        c AS (SELECT _line, list(_line) OVER (PARTITION BY {id_list} ORDER BY _line
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS lines,
                 {' AND '.join(f'{i} IS NOT NULL' for i in ids)} AS has_id
              FROM r WHERE NOT dup)
        SELECT r._line, r.dup,
               CASE WHEN c.has_id AND len(c.lines) > 1 THEN {conflict_message(kind, export.line_label_sql)} END
                   AS conflict
        FROM r LEFT JOIN c USING (_line)""")


# --------------------------------------------------------------------------- reasons


def _set_aside(con, export: Export, names: _Names) -> None:
    """Table of the rows set aside (line, reason, raw): every non-duplicate row with a
    reason; for units, then also rows whose parent is nowhere to be found."""
    con.execute(f"""
        CREATE TEMP TABLE {quote_name(names.bad)} AS
        SELECT _line, reason, {raw_json_sql(export)} AS raw FROM (
            SELECT p.*, {reason_sql(export.kind, export.header.width, export.lacks,
                                     export.reasoned)} AS reason
            FROM {quote_name(names.parsed)} p LEFT JOIN {quote_name(names.repeats)} r USING (_line)
            WHERE r.dup IS NOT TRUE)
        WHERE reason <> ''""")
    if export.kind == "units":
        set_aside_unit_cycles(con, export, names.parsed, names.bad, names.repeats)
        _set_aside_orphans(con, export, names)
    if export.kind == "successions":
        set_aside_succession_conflicts(con, export, names.parsed, names.bad, names.repeats)


def _set_aside_orphans(con, export: Export, names: _Names) -> None:
    """A unit whose parent is neither stored nor a unit of this file that loads is set
    aside; repeated, since setting one aside can orphan its children."""
    p, bad, rep = quote_name(names.parsed), quote_name(names.bad), quote_name(names.repeats)
    good = (f"SELECT * FROM {p} WHERE _line NOT IN (SELECT _line FROM {bad}) "
            f"AND _line NOT IN (SELECT _line FROM {rep} WHERE dup)")
    message = quoted_sql("Mã đơn vị cấp trên", "parent_code", " không có trong danh mục đơn vị")
    while True:
        added = con.execute(f"""
            INSERT INTO {bad}
            SELECT _line, {message}, {raw_json_sql(export)} FROM ({good}) g
            WHERE parent_code IS NOT NULL
              AND parent_code NOT IN (SELECT unit_code FROM units)
              AND parent_code NOT IN (SELECT unit_code FROM ({good}))""").fetchone()[0]
        if not added:
            return


# --------------------------------------------------------------------------- store


def _store_good(con, kind: str, names: _Names, left_out: int) -> tuple[int, int]:
    """Insert the good rows, replacing stored records with the same id: (updated, loaded).
    `left_out` counts the rows set aside or skipped (the filter is dropped when none)."""
    p, bad, rep = quote_name(names.parsed), quote_name(names.bad), quote_name(names.repeats)
    good = f"FROM {p}"
    if left_out:
        good += (f" WHERE _line NOT IN (SELECT _line FROM {bad}) "
                 f"AND _line NOT IN (SELECT _line FROM {rep} WHERE dup)")
    ids = ", ".join(quote_name(c) for c in vocab.IDS[kind])
    stored = con.execute(f"SELECT count(*) FROM {kind}").fetchone()[0]
    updated = stored and con.execute(f"SELECT count(*) FROM (SELECT {ids} {good}) g "
                                     f"SEMI JOIN {kind} USING ({ids})").fetchone()[0]
    cols = store_columns(kind)
    verb = "INSERT"
    if updated and _has_primary_key(con, kind):
        verb = "INSERT OR REPLACE"
    elif updated:   # no index to replace by (dossiers, feedback): the stored rows go first
        con.execute(f"DELETE FROM {kind} WHERE ({ids}) IN (SELECT ({ids}) {good})")
    loaded = con.execute(f"{verb} INTO {kind} ({', '.join(quote_name(c) for c in cols)}) "
                         f"SELECT {', '.join(cols.values())} {good}").fetchone()[0]
    return updated, loaded


def _has_primary_key(con, table: str) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_constraints() WHERE database_name = "
                       "current_database() AND table_name = ? AND constraint_type = "
                       "'PRIMARY KEY'", [table]).fetchone()[0] > 0


def _record_load(con, export: Export, names: _Names, result: FileResult) -> None:
    """The load record, and the rows set aside (replacing those of an earlier load of the
    same file name)."""
    load_id = con.execute("SELECT nextval('load_seq')").fetchone()[0]
    con.execute("INSERT INTO loads VALUES (?, ?, ?, now(), ?, ?, ?, ?, ?, ?)",
                [load_id, export.label, export.sha256, result.kind, result.read,
                 result.loaded, result.updated, result.rejected, result.duplicates])
    con.execute("DELETE FROM load_gaps WHERE file = ?", [export.label])
    # Required columns it lacks, and columns a profile reads another way (e-par: no closing
    # date, only the timeliness): the figures that need them are not available.
    for column in sorted(set(export.lacks) | set(getattr(export, "gaps", ()))):
        con.execute("INSERT INTO load_gaps VALUES (?, ?, ?, ?)",
                    [load_id, export.label, result.kind, column])
    # The file is known by its full path: `ho_so.csv` of two folders are two files.
    source = str(Path(export.path).resolve())
    con.execute("DELETE FROM rejected WHERE source = ? OR (source IS NULL AND file = ?)",
                [source, export.label])
    con.execute(f"INSERT INTO rejected (load_id, file, line, reason, raw, sheet, source) "
                f"SELECT ?, ?, _line & {ROW_MASK}, reason, raw, {export.sheet_sql('_line')}, ? "
                f"FROM {quote_name(names.bad)}", [load_id, export.label, source])


__all__ = ["FileResult", "list_rejected", "load_exports"]
