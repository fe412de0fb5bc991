"""The repository's folders, test data and the benchmark scripts."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
DATA = TESTS / "data"
ROOT = TESTS.parent


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
