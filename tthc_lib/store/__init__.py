"""The DuckDB store: connection, schema, the unit tree.

Where the store is, when no `--db` is given, is defined here once (light: no DuckDB import), for
the connection and for the workspace that finds it."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DB_VARIABLE", "DEFAULT_DB", "resolve_db"]

DEFAULT_DB = Path("data") / "tthc.duckdb"
DB_VARIABLE = "TTHC_DB"


def resolve_db(path: str | os.PathLike | None = None, base: Path | None = None) -> Path:
    """--db, else $TTHC_DB, else data/tthc.duckdb (under `base`, a workspace, when given)."""
    return Path(path or os.environ.get(DB_VARIABLE) or (base or Path()) / DEFAULT_DB)
