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
import io
import os
import re
import shutil
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import data_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tthc_lib import vocab
from tthc_lib.ingest.load import load_exports

pytestmark = pytest.mark.integration  # kernels, subprocesses or long fuzzing (conftest)

FUZZ = int(os.environ.get("TTHC_FUZZ_EXAMPLES", "0"))
REGISTRIES = [str(data_path("ingest", "units.csv")), str(data_path("ingest", "procedures.csv"))]
TABLES = ("units", "successions", "procedures", "changes", "dossiers", "feedback", "rejected")


def fuzz_settings(brief: int):
    """`brief` examples in `make test`, TTHC_FUZZ_EXAMPLES under `make fuzz`."""
    return settings(max_examples=FUZZ or brief, deadline=None, derandomize=not FUZZ,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def registry_store(tmp_path_factory) -> Path:
    return build_registry_store(tmp_path_factory)


def build_registry_store(tmp_path_factory) -> Path:
    """A store holding the test registries, which each example copies."""
    from tthc_lib.store.connection import connect

    path = tmp_path_factory.mktemp("fuzz") / "registries.duckdb"
    con = connect(path)
    try:
        load_exports(con, REGISTRIES)
    finally:
        con.close()
    return path


class Store:
    """A copy of the registry store for one example, with its tables counted."""

    def __init__(self, template: Path, folder: Path):
        from tthc_lib.store.connection import connect

        self.path = folder / "store.duckdb"
        shutil.copyfile(template, self.path)
        self.con = connect(self.path)

    def counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}

    def close(self) -> None:
        self.con.close()


def check_promises(store: Store, path: Path, data_lines: set[int] | None = None):
    """Load `path` and check what every load promises; return the FileResult."""
    before = store.counts()
    loads = store.con.execute("SELECT count(*) FROM loads").fetchone()[0]
    [result] = load_exports(store.con, [str(path)])       # never raises
    after = store.counts()
    if result.error is not None:
        assert result.error.startswith(f"{path}: ") and "\n" not in result.error
        assert result.kind is None and after == before
        assert store.con.execute("SELECT count(*) FROM loads").fetchone()[0] == loads
        return result
    assert result.read == result.loaded + result.rejected + result.duplicates
    assert after[result.kind] == before[result.kind] + result.loaded - result.updated
    rejected = store.con.execute("SELECT line, reason FROM rejected WHERE file = ?",
                                 [str(path)]).fetchall()
    assert len(rejected) == result.rejected
    assert all(reason and "\n" not in reason for _, reason in rejected)
    if data_lines is not None:
        assert {line for line, _ in rejected} <= data_lines
    return result


# --------------------------------------------------------------------------- random tables

def _spellings(text: str) -> st.SearchStrategy[str]:
    """Ways an export may write a header or a listed value."""
    return st.sampled_from([text, text.upper(), text.lower(), f"  {text} ",
                            text.replace(" ", "  "), unicodedata.normalize("NFD", text)])


ANY_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from(
    list(",;\t\"'\n\r =<>&") + ["\u00a0"]), max_size=12)
DATES = st.datetimes(dt.datetime(1969, 1, 1), dt.datetime(2100, 12, 31))
DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d",
                "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S+07:00",
                "%Y-%m-%dT%H:%M:%SZ"]


def _cell(col: vocab.Column) -> st.SearchStrategy[str]:
    if col.type == "enum":
        known = st.sampled_from([k for k in col.values if k]).flatmap(_spellings)
    elif col.type == "flag":
        known = st.sampled_from(list(vocab.FLAGS)).flatmap(_spellings)
    elif col.type in ("date", "datetime"):
        known = st.builds(lambda d, f: d.strftime(f), DATES, st.sampled_from(DATE_FORMATS))
    elif col.name in ("unit_code", "parent_code", "old_code", "new_code"):
        known = st.sampled_from(["HD", "THD", "NT", "TH", "XYZ", ""])
    elif col.name == "procedure_code":
        known = st.sampled_from(["1.001193", "1.000656", "2.000908", "9.9", ""])
    else:
        known = st.sampled_from(["A1", "A2", "A3", "820/QĐ-UBND", "Hộ tịch", "=1+1"])
    return st.one_of(known, known, st.just(""), ANY_TEXT)


@st.composite
def tables(draw):
    """(kind, header, rows): a table of one kind, columns shuffled, some rows repeated."""
    kind = draw(st.sampled_from(list(vocab.SCHEMAS)))
    required = set(vocab.RECOGNISE[kind])
    cols = [c for c in vocab.SCHEMAS[kind] if c.name in required or draw(st.booleans())]
    extra = draw(st.lists(st.sampled_from(["Ghi chú", "STT", "Người xử lý", "Cột 9"]),
                          unique=True, max_size=3))
    order = draw(st.permutations(cols + extra))
    header = [draw(_spellings(c.header if draw(st.booleans()) else c.name))
              if isinstance(c, vocab.Column) else c for c in order]
    rows = draw(st.lists(st.tuples(*[_cell(c) if isinstance(c, vocab.Column) else ANY_TEXT
                                     for c in order]).map(list), max_size=12))
    repeats = draw(st.lists(st.integers(0, 30), max_size=4))
    rows += [rows[i % len(rows)] for i in repeats if rows]
    staged = [i for i, c in enumerate(order) if isinstance(c, vocab.Column) and not c.personal]
    return kind, header, draw(st.permutations(rows)), staged


def _write_text(rows: list[list[str]], sep: str, newline: str, title: bool) -> tuple[str, list[int]]:
    """The CSV text and the line each data row starts on."""
    out = io.StringIO()
    lines, line = [], 1
    if title:
        out.write("BÁO CÁO TÌNH HÌNH" + newline)
        line += 1
    for i, row in enumerate(rows):
        buf = io.StringIO()
        # "\r\n" as terminator so that a cell holding either character is quoted.
        csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerow(row)
        text = buf.getvalue()[:-2] + newline
        if i > 0:
            lines.append(line)
        out.write(text)
        line += len(LINE_BREAK.findall(text))
    return out.getvalue(), lines


LINE_BREAK = re.compile(r"\r\n|\r|\n")   # as a text editor counts lines


def _blank(row: list[str], staged: list[int] | None = None) -> bool:
    """A blank row: no cell, staged or not, holds anything but white space."""
    return all(not (c or "").strip(" \t\u00a0") for c in row)


@fuzz_settings(brief=8)
@given(table=tables(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]),
       sep=st.sampled_from([",", ";", "\t"]), newline=st.sampled_from(["\n", "\r\n"]),
       title=st.booleans())
def test_random_tables_are_loaded_with_every_row_accounted_for(
        registry_store, tmp_path_factory, table, encoding, sep, newline, title):
    kind, header, rows, _staged = table
    text, lines = _write_text([header] + rows, sep, newline, title)
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
    assert result.read == sum(not _blank(r) for r in rows)


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
