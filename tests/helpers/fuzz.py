"""Random tables for the ingest fuzz tests, their CSV text, and the promises every load keeps."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from helpers.paths import data_path
from tthc_lib import vocab
from tthc_lib.ingest.load import load_exports

FUZZ = int(os.environ.get("TTHC_FUZZ_EXAMPLES", "0"))
REGISTRIES = [str(data_path("ingest", "units.csv")), str(data_path("ingest", "procedures.csv"))]
TABLES = ("units", "successions", "procedures", "changes", "dossiers", "feedback", "rejected")


def fuzz_settings(brief: int):
    """`brief` examples in `make test`, TTHC_FUZZ_EXAMPLES under `make fuzz`."""
    return settings(max_examples=FUZZ or brief, deadline=None, derandomize=not FUZZ,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])


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


def csv_text(rows: list[list[str]], sep: str, newline: str, title: bool) -> tuple[str, list[int]]:
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


def blank_row(row: list[str], staged: list[int] | None = None) -> bool:
    """A blank row: no cell, staged or not, holds anything but white space."""
    return all(not (c or "").strip(" \t\u00a0") for c in row)
