"""Shared fixtures: one path helper for test data, and a fresh store per test."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"
ROOT = TESTS.parent


def data_path(*parts: str) -> Path:
    """A file under tests/data."""
    return DATA.joinpath(*parts)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def con(db_path):
    from tthc_lib.store import connect

    c = connect(db_path)
    yield c
    c.close()
