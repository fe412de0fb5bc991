"""Shared fixtures (a fresh store per test, the sample store, the batch) and the integration
marker. Shared plain helpers live in tests/helpers/ (`from helpers.paths import ROOT`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.paths import ROOT

# `make test-fast` runs `pytest -m "not integration"`: the unit loop, under a minute. A test is
# an integration test when its folder runs real kernels, browsers, Dask processes or the CLI as
# a subprocess (below), when it uses the generated sample store, or when its module says so
# (`pytestmark = pytest.mark.integration`) or the test does (long property runs). `make test`
# (CI) runs everything.
INTEGRATION_FOLDERS = {"batch", "render", "preview", "workspace", "cli", "sample"}
INTEGRATION_FIXTURES = {"sample_store"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if (Path(item.path).parent.name in INTEGRATION_FOLDERS
                or INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ()))):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def con(db_path):
    from tthc_lib.store.connection import connect

    c = connect(db_path)
    yield c
    c.close()


def loaded_sample(folder: Path, spec: str) -> Path:
    """The exports of the sample spec `params/<spec>`, generated into `folder` and loaded into
    a store there, every file without error."""
    from tthc_lib.ingest.load import load_exports
    from tthc_lib.sample.city import generate_sample
    from tthc_lib.store.connection import connect

    files = generate_sample(ROOT / "params" / spec, folder / "exports")
    db = folder / "store.duckdb"
    con = connect(db)
    try:
        results = load_exports(con, files)
    finally:
        con.close()
    assert not [r for r in results if r.error]
    return db


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """The sample city's exports (params/sample_city.yaml), loaded into a store, once."""
    return loaded_sample(tmp_path_factory.mktemp("sample"), "sample_city.yaml")


@pytest.fixture(scope="session")
def sample_store_2026(tmp_path_factory) -> Path:
    """The sample continued to 30/11/2026 (params/sample_city_2026.yaml), loaded, once."""
    return loaded_sample(tmp_path_factory.mktemp("sample2026"), "sample_city_2026.yaml")


@pytest.fixture
def batch(tmp_path):
    """A small city's store, params and fixture notebooks; `batch.run(**kw)` renders the
    reports (helpers.batch.make_batch)."""
    from helpers.batch import make_batch

    return make_batch(tmp_path)
