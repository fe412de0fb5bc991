"""Fuzzing the loader (tthc_lib/ingest.py, readers.py, dates.py) with random tables of every
kind, random bytes and random dates: whatever comes in, a file is loaded or refused in one
line naming it, never a traceback; read = loaded + set aside + duplicates; rows set aside are
data rows of the file; a refusal changes nothing; a date is stored exactly as written or set
aside, never guessed.

Runs briefly in `make test`; `make fuzz` sets TTHC_FUZZ_EXAMPLES for a longer run.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers.fuzz import (
    DATE_FORMATS,
    DATES,
    Store,
    blank_row,
    build_registry_store,
    check_promises,
    csv_text,
    fuzz_settings,
    tables,
)
from hypothesis import given
from hypothesis import strategies as st

from tthc_lib import vocab

pytestmark = pytest.mark.integration  # kernels, subprocesses or long fuzzing (conftest)


@pytest.fixture(scope="module")
def registry_store(tmp_path_factory) -> Path:
    return build_registry_store(tmp_path_factory)


# --------------------------------------------------------------------------- random tables


@fuzz_settings(brief=8)
@given(table=tables(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]),
       sep=st.sampled_from([",", ";", "\t"]), newline=st.sampled_from(["\n", "\r\n"]),
       title=st.booleans())
def test_random_tables_are_loaded_with_every_row_accounted_for(
        registry_store, tmp_path_factory, table, encoding, sep, newline, title):
    kind, header, rows, _staged = table
    text, lines = csv_text([header] + rows, sep, newline, title)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        encoding, data = "utf-8", text.encode("utf-8")
    path = tmp_path_factory.mktemp("table") / f"{kind}_random.csv"
    path.write_bytes(data)
    store = Store(registry_store, path.parent)
    try:
        result = check_promises(store, path, set(lines))
    finally:
        store.close()
    # Every encoding and separator: the table is loaded, every row that holds a value read.
    assert result.error is None, result.error
    assert result.kind == kind
    assert result.read == sum(not blank_row(r) for r in rows)


# --------------------------------------------------------------------------- random bytes

HEADERS = [",".join(c.header for c in vocab.SCHEMAS[k] if c.name in vocab.RECOGNISE[k])
           for k in vocab.SCHEMAS]


@fuzz_settings(brief=15)
@given(head=st.sampled_from([""] + HEADERS), junk=st.binary(max_size=3000),
       tail=st.sampled_from([b"", b"\n", b"\x00", b"PK\x03\x04"]))
def test_random_bytes_are_refused_or_accounted_for(registry_store, tmp_path_factory, head,
                                                   junk, tail):
    path = tmp_path_factory.mktemp("bytes") / "export.csv"
    path.write_bytes(tail[:0] + head.encode("utf-8") + b"\n" + junk + tail
                     if not tail.startswith(b"PK") else tail + junk)
    store = Store(registry_store, path.parent)
    try:
        check_promises(store, path)
    finally:
        store.close()


# --------------------------------------------------------------------------- random dates

D_HEAD = ["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Hình thức nộp", "Ngày tiếp nhận",
          "Ngày hẹn trả", "Trạng thái"]
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@st.composite
def written_dates(draw):
    """(text, the instant it names or None when it names none)."""
    when = draw(DATES.map(lambda d: d.replace(microsecond=0)))
    fmt = draw(st.sampled_from(DATE_FORMATS))
    if draw(st.booleans()):
        return when.strftime(fmt), _instant(when, fmt)
    day, month = draw(st.integers(0, 32)), draw(st.integers(0, 13))
    year = draw(st.sampled_from([when.year, 23, 99, 10000, 1899, 2101]))
    hour, minute = draw(st.integers(0, 25)), draw(st.integers(0, 61))
    text = draw(st.sampled_from([f"{day:02d}/{month:02d}/{year} {hour:02d}:{minute:02d}",
                                 f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00",
                                 f"{day}/{month}/{year}"]))
    year_text = text.split("-")[0] if "-" in text else text.split("/")[2].split(" ")[0]
    has_time = ":" in text
    hour, minute = (hour, minute) if has_time else (0, 0)
    try:   # the year written with four digits, within 1900..2100, and a real day and time
        valid = (len(year_text) == 4 and 1900 <= year <= 2100
                 and dt.datetime(year, month, day, hour, minute))
    except ValueError:
        valid = None
    if not valid:
        return text, None
    local = dt.datetime(year, month, day, hour, minute)
    return text, local.replace(tzinfo=VN)


def _instant(when: dt.datetime, fmt: str) -> dt.datetime:
    shown = dt.datetime.strptime(when.strftime(fmt.replace("+07:00", "").replace("Z", "")),
                                 fmt.replace("+07:00", "").replace("Z", ""))
    if fmt.endswith("Z"):
        return shown.replace(tzinfo=dt.timezone.utc)
    if fmt.endswith("+07:00"):
        return shown.replace(tzinfo=dt.timezone(dt.timedelta(hours=7)))
    return shown.replace(tzinfo=VN)           # local time, with the zone's history


@fuzz_settings(brief=5)
@given(dates=st.lists(written_dates(), min_size=1, max_size=40))
def test_random_dates_are_stored_as_written_or_set_aside(registry_store, tmp_path_factory,
                                                         dates):
    rows = [[f"D{i}", "THD", "1.001193", "Trực tuyến", text, "31/12/2100 23:59",
             "Đang giải quyết"] for i, (text, _) in enumerate(dates)]
    path = tmp_path_factory.mktemp("dates") / "dossiers_dates.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([D_HEAD] + rows)
    store = Store(registry_store, path.parent)
    try:
        result = check_promises(store, path, set(range(2, len(rows) + 2)))
        stored = dict(store.con.execute("SELECT dossier_id, received_at FROM dossiers").fetchall())
        rejected = dict(store.con.execute("SELECT line, reason FROM rejected").fetchall())
    finally:
        store.close()
    assert result.error is None and result.duplicates == 0
    for i, (text, instant) in enumerate(dates):
        if instant is None:
            assert rejected[i + 2] == (f'Giá trị "{text}" ở cột "Ngày tiếp nhận" không phải '
                                       'ngày giờ hợp lệ'), text
        elif instant > dt.datetime(2100, 12, 31, 23, 59, tzinfo=VN):
            assert i + 2 in rejected, text                    # due before received
        else:
            assert stored[f"D{i}"] == instant, text
