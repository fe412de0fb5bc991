"""DuckDB's memory limit lowered while a load runs, and put back as it was afterwards
(load.py: LOAD_MEMORY_LIMIT_MB)."""

from __future__ import annotations

import re
from contextlib import contextmanager

__all__ = ["memory_capped"]

_SIZE_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
               "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


@contextmanager
def memory_capped(con, limit_mb: int):
    """Lower the connection's memory limit to `limit_mb` for the load (never
    raise it), and put the setting back afterwards; yields `lift`, which puts it back now
    (True when it was lowered)."""
    import duckdb

    before = _memory_limit(con)
    lower = _size_bytes(before) > limit_mb * 10**6
    if lower:
        # DuckDB shows the limit rounded: the default is reset, any other put back as shown.
        fresh = duckdb.connect()
        default = before == _memory_limit(fresh)
        fresh.close()
        con.execute(f"SET memory_limit = '{limit_mb}MB'")

    def lift() -> bool:
        nonlocal lower
        if lower:
            con.execute("RESET memory_limit" if default else
                        f"SET memory_limit = '{_mid_of_shown(before)}'")
        lifted, lower = lower, False
        return lifted

    try:
        yield lift
    except BaseException:
        try:
            lift()
        except duckdb.Error as exc:   # the store failed already (a full disk): its error says why
            if "invalidated" not in str(exc):
                raise
        raise
    lift()


def _memory_limit(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def _mid_of_shown(text: str) -> str:
    """A size that DuckDB shows as `text` ('2.7 GiB': 2.75 GiB, which it shows rounded down)."""
    match = re.fullmatch(r"\s*(\d+)\.(\d)\s*(\w+)\s*", text)
    return f"{match.group(1)}.{match.group(2)}5 {match.group(3)}" if match else text


def _size_bytes(text: str) -> float:
    """Bytes of a DuckDB size setting ('18.6 GiB', '640.0 MB'); infinite when unknown."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([a-zA-Z]*)\s*", text or "")
    if not match or match.group(2).lower() not in _SIZE_UNITS:
        return float("inf")
    return float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]
