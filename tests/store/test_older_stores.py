"""A store an earlier version wrote is read as it is: a read-only command (report, check,
indicators) sees this version's tables and columns without touching the file, and gets the
same figures; a writable open upgrades it in place."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date

import duckdb
import pytest

from tthc_lib.indicators.figures import compute_indicators
from tthc_lib.store.connection import connect

pytestmark = pytest.mark.integration


def _older(sample_store, tmp_path):
    """The sample store as a version before e-par's timeliness and the profiles' load gaps
    wrote it: no dossiers.timeliness column, no load_gaps table."""
    db = tmp_path / "older.duckdb"
    shutil.copy(sample_store, db)
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE load_gaps")
        con.execute("ALTER TABLE dossiers DROP COLUMN timeliness")
    return db


def _figures(db):
    con = connect(db, read_only=True)
    try:
        return compute_indicators(con, date(2023, 1, 1), date(2023, 10, 31), None,
                                  date(2023, 10, 31)).to_json_obj()
    finally:
        con.close()


def test_an_older_store_gives_the_same_figures_read_only_and_is_not_touched(sample_store,
                                                                             tmp_path):
    db = _older(sample_store, tmp_path)
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    assert _figures(db) == _figures(sample_store)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    con = connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM load_gaps").fetchone() == (0,)
        assert con.execute("SELECT count(timeliness) FROM dossiers").fetchone() == (0,)
    finally:
        con.close()


def test_a_writable_open_upgrades_an_older_store_in_place(sample_store, tmp_path):
    db = _older(sample_store, tmp_path)
    connect(db).close()
    with duckdb.connect(str(db), read_only=True) as con:
        columns = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE "
                                             "table_name = 'dossiers'").fetchall()}
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "timeliness" in columns and "load_gaps" in tables
