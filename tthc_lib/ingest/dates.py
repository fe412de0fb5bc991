"""Dates and times of the exports (docs/input-format.md § Dates and times), parsed inside DuckDB
so that a million values parse without a Python loop.

Accepted: `dd/mm/yyyy`, `dd/mm/yyyy HH:MM`, `dd/mm/yyyy HH:MM:SS` (day first, always),
ISO 8601 dates and date-times with `T` or a space, seconds and fractions optional, with or
without an offset (`Z`, `+07:00`, `+0700`, `+07`; an offset is honoured), and Excel date cells
(the XLSX reader turns them into ISO text). A value without an offset is local time in
Asia/Ho_Chi_Minh. Impossible dates (31/02/2023), years not written with four digits, years
outside FIRST_YEAR..LAST_YEAR (`0023`, a negative Excel serial's 1899) and offsets beyond
±14:00 (`+25:00`, which no place on Earth uses) do not parse.
"""

from __future__ import annotations

import datetime as dt

LOCAL_TZ = "Asia/Ho_Chi_Minh"

_SLASH_SECONDS = "%d/%m/%Y %H:%M:%S"
_SLASH_MINUTES = "%d/%m/%Y %H:%M"
_SLASH_DATE = "%d/%m/%Y"
_ISO_NAIVE = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S.%f"]
_ISO_OFFSET = ["%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M%z", "%Y-%m-%d %H:%M:%S.%f%z"]
# A time followed by an offset: Z, +07, +0700, +07:00 (a bare date's "-30" is no offset).
_OFFSET_RE = r"\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-](0\d|1[0-4])(:?[0-5]\d)?)$"
FIRST_YEAR, LAST_YEAR = 1900, 2100    # a date outside these years is a typing error


def _list(formats: list[str]) -> str:
    return "[" + ", ".join(f"'{f}'" for f in formats) + "]"


# Asia/Ho_Chi_Minh has been UTC+7 without daylight saving since 1975: later instants convert
# by arithmetic (ten times faster than ICU's zone rules, which old dates still get).
_FIXED_SINCE = "1976-01-01"
_OFFSET_US = 7 * 3600 * 1_000_000


def local_sql(x: str) -> str:
    """SQL for the local wall time (TIMESTAMP, Asia/Ho_Chi_Minh) that trimmed text
    expression `x` names, or NULL. A value with an offset is moved to local time.

    The shape of the text picks one format, so a value is parsed once (a failed try costs
    far more in DuckDB than a string test).
    """
    # Exports mostly write seconds: that shape is tested first. No value parses under the
    # format of a later shape when it has an earlier one (two colons, or none after a space).
    slash = (f"CASE WHEN {x} LIKE '%/%/____ %:%:%' THEN try_strptime({x}, '{_SLASH_SECONDS}') "
             f"WHEN {x} LIKE '%/%/____' THEN try_strptime({x}, '{_SLASH_DATE}') "
             f"WHEN {x} LIKE '%/%/____ %:%' THEN try_strptime({x}, '{_SLASH_MINUTES}') END")
    iso = f"replace({x}, 'T', ' ')"
    zulu = f"regexp_replace({iso}, '\\s*Z$', '+00:00')"
    tight = f"regexp_replace({zulu}, '\\s+([+-]\\d)', '\\1')"
    offset = f"try_strptime({tight}, {_list(_ISO_OFFSET)})"
    naive = f"try_strptime({iso}, {_list(_ISO_NAIVE)})"
    return (f"CASE WHEN contains({x}, '/') THEN {slash} "
            f"WHEN NOT {x} LIKE '____-%' THEN NULL "
            f"WHEN regexp_matches({x}, '{_OFFSET_RE}') THEN {_wall_time(offset)} "
            f"ELSE {naive} END")


def _wall_time(instant: str) -> str:
    return (f"CASE WHEN {instant} >= TIMESTAMPTZ '{_FIXED_SINCE} 00:00:00+07' THEN "
            f"make_timestamp(epoch_us({instant}) + {_OFFSET_US}) "
            f"ELSE timezone('{LOCAL_TZ}', {instant}) END")


def instant_of_local_sql(n: str) -> str:
    """SQL: the instant (TIMESTAMPTZ) of local wall-time column `n` (a plain column: the
    expression repeats it); NULL outside the years FIRST_YEAR..LAST_YEAR."""
    return (f"CASE WHEN {n} >= TIMESTAMP '{_FIXED_SINCE}' AND {n} < TIMESTAMP "
            f"'{LAST_YEAR + 1}-01-01' THEN to_timestamp((epoch_us({n}) - {_OFFSET_US}) / 1e6) "
            f"WHEN {n} >= TIMESTAMP '{FIRST_YEAR}-01-01' AND {n} < TIMESTAMP '{_FIXED_SINCE}' "
            f"THEN timezone('{LOCAL_TZ}', {n}) END")


def parse_instants(values: list[str | None]) -> list[dt.datetime | None]:
    """Parse texts as the loader does (same SQL): aware datetimes in local time, or None."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute(f"SET TimeZone = '{LOCAL_TZ}'")
        con.execute("CREATE TABLE v (i INTEGER, x VARCHAR)")
        con.executemany("INSERT INTO v VALUES (?, ?)", list(enumerate(values)))
        rows = con.execute(
            f"SELECT {instant_of_local_sql('n')} FROM (SELECT i, {local_sql('x')} AS n "
            "FROM (SELECT i, nullif(trim(x), '') AS x FROM v)) ORDER BY i").fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def parse_instant(value: str | None) -> dt.datetime | None:
    """One value: see parse_instants."""
    return parse_instants([value])[0]


def excel_cell_text(value) -> str | None:
    """An XLSX cell as the text a CSV export would carry: date cells as ISO 8601 local
    date(-time), whole numbers without `.0`, text NFC."""
    import unicodedata

    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value))
