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


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """The sample city's exports (params/sample_city.yaml), loaded into a store, once."""
    from tthc_lib.ingest import load_exports
    from tthc_lib.sample import generate_sample
    from tthc_lib.store import connect

    folder = tmp_path_factory.mktemp("sample")
    files = generate_sample(ROOT / "params" / "sample_city.yaml", folder / "exports")
    db = folder / "store.duckdb"
    con = connect(db)
    try:
        results = load_exports(con, files)
    finally:
        con.close()
    assert not [r for r in results if r.error]
    return db
