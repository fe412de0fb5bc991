"""Shared fixtures: one path helper for test data, and a fresh store per test."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"
ROOT = TESTS.parent


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


def benchmark_module(name: str):
    """benchmarks/NAME.py (the folder is not a package), imported once as bench_NAME."""
    import importlib.util
    import sys

    key = f"bench_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, ROOT / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


def data_path(*parts: str) -> Path:
    """A file under tests/data."""
    return DATA.joinpath(*parts)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def con(db_path):
    from tthc_lib.store.connection import connect

    c = connect(db_path)
    yield c
    c.close()


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    """The sample city's exports (params/sample_city.yaml), loaded into a store, once."""
    from tthc_lib.ingest.load import load_exports
    from tthc_lib.sample.city import generate_sample
    from tthc_lib.store.connection import connect

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


@pytest.fixture(scope="session")
def sample_store_2026(tmp_path_factory) -> Path:
    """The sample continued to 30/11/2026 (params/sample_city_2026.yaml), loaded, once."""
    from tthc_lib.ingest.load import load_exports
    from tthc_lib.sample.city import generate_sample
    from tthc_lib.store.connection import connect

    folder = tmp_path_factory.mktemp("sample2026")
    files = generate_sample(ROOT / "params" / "sample_city_2026.yaml", folder / "exports")
    db = folder / "store.duckdb"
    con = connect(db)
    try:
        results = load_exports(con, files)
    finally:
        con.close()
    assert not [r for r in results if r.error]
    return db


class _Cells(HTMLParser):
    """Header and body rows of an HTML table as lists of (unescaped) cell texts."""

    def __init__(self):
        super().__init__()
        self.rows, self.caption, self._in = [], "", None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
            self._in = "cell"
        elif tag == "caption":
            self._in = "caption"

    def handle_endtag(self, tag):
        if tag in ("td", "th", "caption"):
            self._in = None

    def handle_data(self, data):
        if self._in == "cell":
            self.rows[-1][-1] += data
        elif self._in == "caption":
            self.caption += data


def cells(html: str) -> _Cells:
    """The rows and caption of the (first) table in `html`."""
    parsed = _Cells()
    parsed.feed(html)
    return parsed
