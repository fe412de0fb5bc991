"""The embedded DuckDB store: one file holding registries, records, rows set aside and loads.

Times are stored as UTC instants (TIMESTAMPTZ) and, beside them, their local dates in
Asia/Ho_Chi_Minh, because every indicator compares local dates
(docs/indicators.md § Period and local dates). Personal-data columns have no place here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import duckdb

from tthc_lib.errors import StoreError
from tthc_lib.store import resolve_db

__all__ = ["DDL", "THREADS_VARIABLE", "connect", "open_store"]

LOCAL_TZ = "Asia/Ho_Chi_Minh"
# How many threads DuckDB may use in this process (unset: one per core). A batch worker gets
# its share of the machine here (batch/executors.py), so two workers on two cores do not each
# run their queries on both.
THREADS_VARIABLE = "TTHC_DUCKDB_THREADS"

DDL = """
CREATE TABLE IF NOT EXISTS units (
    unit_code VARCHAR PRIMARY KEY,
    unit_name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,            -- as written: Tỉnh, Sở, Thành phố, Phường, Đặc khu ...
    level VARCHAR NOT NULL,           -- province | district | commune (Cấp, else the kind's)
    parent_code VARCHAR,              -- as registered (store/structure.py: the effective one)
    role VARCHAR NOT NULL DEFAULT 'territory',   -- territory | department
    established DATE                  -- Ngày thành lập: the unit does not exist before it
);
CREATE TABLE IF NOT EXISTS successions (
    old_code VARCHAR NOT NULL,
    new_code VARCHAR NOT NULL,
    effective_date DATE NOT NULL,
    scope VARCHAR NOT NULL,           -- whole | part
    takes_data BOOLEAN NOT NULL,      -- the successor that inherits the old unit's records
    basis VARCHAR,                    -- Căn cứ, e.g. Nghị quyết số 1669/NQ-UBTVQH15
    PRIMARY KEY (old_code, new_code)
);
CREATE TABLE IF NOT EXISTS procedures (
    procedure_code VARCHAR PRIMARY KEY,
    procedure_name VARCHAR NOT NULL,
    field VARCHAR,
    level VARCHAR NOT NULL,
    online_service VARCHAR NOT NULL   -- full | partial | none
);
CREATE TABLE IF NOT EXISTS changes (
    decision_no VARCHAR NOT NULL,
    decision_date DATE NOT NULL,
    procedure_code VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    change VARCHAR NOT NULL,          -- new | amended | abolished
    PRIMARY KEY (decision_no, procedure_code)
);
-- The two record tables have no PRIMARY KEY: a load keeps one row per id itself (it
-- replaces stored records by id, ingest/load.py), and an index would cost a 2,000,000-row
-- load a third of its time (benchmarks/README.md § Ingest). Stores made before keep theirs.
CREATE TABLE IF NOT EXISTS dossiers (
    dossier_id VARCHAR NOT NULL,
    unit_code VARCHAR NOT NULL,
    procedure_code VARCHAR NOT NULL,
    channel VARCHAR,                  -- online | in_person | post; NULL: the export has none
    status VARCHAR NOT NULL,          -- open | paused | resolved | withdrawn | returned
    received_at TIMESTAMPTZ NOT NULL,
    due_at TIMESTAMPTZ,               -- NULL: a procedure without an appointment date
    closed_at TIMESTAMPTZ,
    received_date DATE NOT NULL,      -- local dates (Asia/Ho_Chi_Minh)
    due_date DATE,
    closed_date DATE,
    digitised_on_receipt BOOLEAN,     -- NULL: the export has no such column (its profile)
    result_digitised BOOLEAN,
    timeliness VARCHAR,               -- early | on_time | late: resolved, closing date unknown
    closed_from DATE,                 -- closing date unknown: the export's window it lies in
    closed_to DATE                    --   (NULL: that end of the window is not given)
);
CREATE TABLE IF NOT EXISTS feedback (
    feedback_id VARCHAR NOT NULL,
    unit_code VARCHAR NOT NULL,
    topic VARCHAR NOT NULL,           -- regulation_or_conduct | business_regulation
    received_at TIMESTAMPTZ NOT NULL,
    due_at TIMESTAMPTZ NOT NULL,
    handled_at TIMESTAMPTZ,
    received_date DATE NOT NULL,
    due_date DATE NOT NULL,
    handled_date DATE
);
CREATE SEQUENCE IF NOT EXISTS load_seq;
CREATE TABLE IF NOT EXISTS loads (
    load_id BIGINT PRIMARY KEY,
    file VARCHAR NOT NULL,            -- the name as given
    sha256 VARCHAR NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL,
    kind VARCHAR NOT NULL,
    n_read BIGINT NOT NULL,
    n_loaded BIGINT NOT NULL,
    n_updated BIGINT NOT NULL,
    n_rejected BIGINT NOT NULL,
    n_duplicates BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS load_gaps (   -- required columns a file lacks by its source profile
    load_id BIGINT NOT NULL,
    file VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL      -- canonical (channel): its figures are not available
);
CREATE TABLE IF NOT EXISTS rejected (
    load_id BIGINT NOT NULL,
    file VARCHAR NOT NULL,
    line BIGINT NOT NULL,             -- line (CSV) or row (XLSX) number in the file, 1-based
    reason VARCHAR NOT NULL,
    raw VARCHAR NOT NULL              -- JSON of the row's values, personal data removed
);
"""


# A store made before the 2025 structure (issue 10) gains its columns in place.
_UPGRADES = (
    ("units", "role", "ALTER TABLE units ADD COLUMN role VARCHAR DEFAULT 'territory'"),
    ("units", "established", "ALTER TABLE units ADD COLUMN established DATE"),
    ("dossiers", "timeliness", "ALTER TABLE dossiers ADD COLUMN timeliness VARCHAR"),
    ("dossiers", "closed_from", "ALTER TABLE dossiers ADD COLUMN closed_from DATE"),
    ("dossiers", "closed_to", "ALTER TABLE dossiers ADD COLUMN closed_to DATE"),
)
# What a column a read-only store lacks reads as (NULL otherwise): the upgrades' defaults.
_DEFAULTS = {("units", "role"): "'territory'"}


@lru_cache(maxsize=1)
def _schema() -> dict[str, list[tuple[str, str]]]:
    """This version's tables and their columns (name, type), from DDL."""
    with duckdb.connect() as con:
        con.execute(DDL)
        rows = con.execute("SELECT table_name, column_name, data_type FROM duckdb_columns() "
                           "WHERE database_name = current_database() "
                           "ORDER BY table_name, column_index").fetchall()
    schema: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in rows:
        schema.setdefault(table, []).append((column, kind))
    return schema


def _read_as_current(con) -> None:
    """A store an earlier version wrote, opened read-only (a report, a check), cannot gain its
    new tables and columns in place: temporary views and tables in front of it give them, a
    missing column as its default or NULL, a missing table empty. The file is not touched."""
    db = con.execute("SELECT current_database()").fetchone()[0]
    have: dict[str, set[str]] = {}
    for table, column in con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                                     "WHERE database_name = current_database()").fetchall():
        have.setdefault(table, set()).add(column)
    for table, columns in _schema().items():
        if table not in have:
            cols = ", ".join(f'"{c}" {kind}' for c, kind in columns)
            con.execute(f'CREATE TEMP TABLE "{table}" ({cols})')
            continue
        missing = [(c, kind) for c, kind in columns if c not in have[table]]
        if missing:
            extra = ", ".join(f"{_DEFAULTS.get((table, c), 'NULL')}::{kind} AS \"{c}\""
                              for c, kind in missing)
            con.execute(f'CREATE TEMP VIEW "{table}" AS SELECT *, {extra} '
                        f'FROM "{db}".main."{table}"')


def _upgrade(con) -> None:
    have = set(con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                           "WHERE database_name = current_database()").fetchall())
    for table, column, sql in _UPGRADES:
        if (table, column) not in have:
            con.execute(sql)
    not_null = con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = "
                           "'dossiers' AND column_name IN ('due_at', 'due_date') "
                           "AND NOT is_nullable AND database_name = current_database()").fetchall()
    for (column,) in not_null:
        con.execute(f"ALTER TABLE dossiers ALTER COLUMN {column} DROP NOT NULL")


def _check_is_store(db: Path) -> None:
    """Refuse a path that exists and is not a DuckDB file (docs/interfaces.md § Workspaces): a
    DuckDB file carries `DUCK` at byte 8. An empty file is taken as a new store."""
    try:
        with open(db, "rb") as fh:
            head = fh.read(12)
    except (FileNotFoundError, NotADirectoryError):   # nothing there: a new store
        return
    except IsADirectoryError:
        raise StoreError(f"{db} là thư mục, không phải kho dữ liệu DuckDB.", path=str(db)) from None
    except OSError as exc:
        raise StoreError(f"Không đọc được kho dữ liệu {db}: {exc.strerror}", path=str(db)) from None
    if head and head[8:12] != b"DUCK":
        raise StoreError(f"{db} không phải tệp kho dữ liệu DuckDB; hãy chỉ --db tới một kho "
                         "DuckDB hoặc tới một đường dẫn chưa có tệp.", path=str(db))


def thread_config() -> dict:
    """DuckDB's `threads` setting from $TTHC_DUCKDB_THREADS (a positive whole number), if set."""
    value = os.environ.get(THREADS_VARIABLE, "").strip()
    return {"threads": int(value)} if value.isdigit() and int(value) > 0 else {}


def connect(path: str | os.PathLike | None = None, read_only: bool = False):
    """Open (and create when writable) the store, with its schema in place."""
    db = resolve_db(path)
    _check_is_store(db)
    if read_only and not db.exists():
        raise StoreError(f"Chưa có kho dữ liệu {db}: hãy nạp dữ liệu trước (tthc ingest TỆP...).",
                         path=str(db))
    try:
        if read_only:
            con = duckdb.connect(str(db), read_only=True, config=thread_config())
            _read_as_current(con)
        else:
            db.parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(str(db), config=thread_config())
            con.execute(DDL)
            _upgrade(con)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreError(f"Kho dữ liệu {db} đang được một tiến trình khác ghi; "
                             "hãy chờ tiến trình đó xong rồi chạy lại.", path=str(db)) from None
        raise StoreError(f"Không mở được kho dữ liệu {db}: {exc}", path=str(db)) from None
    except OSError as exc:
        raise StoreError(f"Không tạo được kho dữ liệu {db}: {exc.strerror}", path=str(db)) from None
    con.execute(f"SET TimeZone = '{LOCAL_TZ}'")
    return con


@contextmanager
def open_store(path: str | os.PathLike | None = None,
               read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """`connect` for a `with` block: the store is closed when the block ends, error or not."""
    con = connect(path, read_only=read_only)
    try:
        yield con
    finally:
        con.close()
