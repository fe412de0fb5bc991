"""DuckDB's thread budget: $TTHC_DUCKDB_THREADS, which batch workers set to their share of the
machine (batch/executors.py)."""

from __future__ import annotations

import os

import pytest

from tthc_lib.batch.executors import core_share
from tthc_lib.store.connection import THREADS_VARIABLE, connect


def threads(con) -> int:
    return con.execute("SELECT current_setting('threads')").fetchone()[0]


@pytest.mark.parametrize("value", ["1", "3"])
def test_the_variable_sets_duckdbs_threads(tmp_path, monkeypatch, value):
    monkeypatch.setenv(THREADS_VARIABLE, value)
    con = connect(tmp_path / "kho.duckdb")
    assert threads(con) == int(value)
    con.close()
    read_only = connect(tmp_path / "kho.duckdb", read_only=True)
    assert threads(read_only) == int(value)
    read_only.close()


@pytest.mark.parametrize("value", ["", "0", "hai", "-1"])
def test_without_a_usable_value_duckdb_keeps_its_own_choice(tmp_path, monkeypatch, value):
    monkeypatch.delenv(THREADS_VARIABLE, raising=False)
    con = connect(tmp_path / "mac-dinh.duckdb")
    default = threads(con)
    con.close()
    monkeypatch.setenv(THREADS_VARIABLE, value)
    con = connect(tmp_path / "mac-dinh.duckdb")
    assert threads(con) == default
    con.close()


def test_each_local_job_gets_its_share_of_the_cores():
    cores = os.cpu_count() or 1
    assert core_share(1) == cores
    assert core_share(cores) == 1
    assert core_share(cores * 4) == 1  # never none
