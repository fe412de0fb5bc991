"""The loader's shortcuts give what the plain rule gives: a row's first character proving it
filled, the order in which date shapes are tried, and DuckDB's memory limit while loading
(rows that spill to disk load exactly as rows held in memory)."""

from __future__ import annotations

import csv
import os

import duckdb
import pytest
from helpers.paths import data_path
from hypothesis import given, settings
from hypothesis import strategies as st

from tthc_lib.ingest import load
from tthc_lib.ingest.blanks import WHITE, filled_sql
from tthc_lib.ingest.dates import local_sql
from tthc_lib.ingest.headers import Header
from tthc_lib.ingest.load import list_rejected, load_exports
from tthc_lib.store.connection import connect

REGISTRIES = [str(data_path("ingest", n)) for n in ("units.csv", "procedures.csv")]

# --------------------------------------------------------------------------- filled

CELL = st.one_of(st.none(), st.text(alphabet=[" ", "\t", "\u00a0", "a", "Đ", "1", "\u0301"],
                                    max_size=4))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=20))
def test_first_character_shortcut_says_filled_exactly_when_a_staged_cell_holds_a_value(rows):
    header = Header("dossiers", 1, {"dossier_id": 0, "unit_code": 1, "procedure_code": 2}, 3)
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, c0 VARCHAR, c1 VARCHAR, c2 VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [(i, *r) for i, r in enumerate(rows)])
    got = [v for (v,) in con.execute(f"SELECT {filled_sql(header)} FROM t ORDER BY i").fetchall()]
    con.close()
    assert got == [any(c and c.strip(WHITE) for c in row) for row in rows]


# --------------------------------------------------------------------------- dates

def _date_first(x: str) -> str:
    """The slash shapes tried in their former order (date, seconds, minutes)."""
    return (f"CASE WHEN {x} LIKE '%/%/____' THEN try_strptime({x}, '%d/%m/%Y') "
            f"WHEN {x} LIKE '%/%/____ %:%:%' THEN try_strptime({x}, '%d/%m/%Y %H:%M:%S') "
            f"WHEN {x} LIKE '%/%/____ %:%' THEN try_strptime({x}, '%d/%m/%Y %H:%M') END")


SLASHED = st.lists(st.sampled_from(["1", "3", "0", "12", "2023", "/", ":", " ", "  ", "5",
                                    "31", "59", "60", "x"]), min_size=3, max_size=12).map("".join)
WRITTEN = st.builds("{:02d}/{:02d}/{:04d}{}".format, st.integers(0, 32), st.integers(0, 13),
                    st.integers(1899, 2101), st.sampled_from(
                        ["", " 08:30", " 8:5", " 23:59:59", " 24:00:00", " 10:30:61",
                         "  10:30:00", " 10:30:00 ", " 10:30:00:00", " 10::30"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(SLASHED, WRITTEN), min_size=1, max_size=30))
def test_trying_the_seconds_shape_first_parses_every_text_as_before(texts):
    texts = [t for t in texts if "/" in t] or ["01/02/2023"]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, x VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    new, old = zip(*con.execute(f"SELECT {local_sql('x')}, {_date_first('x')} FROM t "
                                "ORDER BY i").fetchall())
    con.close()
    assert new == old


# --------------------------------------------------------------------------- memory

def _memory_limit(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_a_load_lowers_the_memory_limit_and_puts_it_back(con, monkeypatch):
    lowered = f"{load.LOAD_MEMORY_LIMIT_MB * 10**6 / 2**20:.1f} MiB"   # as DuckDB shows it
    dossiers = [str(data_path("ingest", "dossiers.csv"))]
    seen = []
    real = load._load_file
    monkeypatch.setattr(load, "_load_file", lambda c, e: seen.append(_memory_limit(c)) or real(c, e))
    default = _memory_limit(con)                     # DuckDB's own: 80% of the memory
    load_exports(con, REGISTRIES + dossiers)
    assert seen == [lowered] * 3 and _memory_limit(con) == default
    con.execute("SET memory_limit = '3GB'")
    before, seen[:] = _memory_limit(con), []
    load_exports(con, dossiers)
    assert seen == [lowered] and _memory_limit(con) == before
    con.execute("SET memory_limit = '100MB'")        # a lower limit is never raised
    before, seen[:] = _memory_limit(con), []
    load_exports(con, dossiers)
    assert seen == [before] and _memory_limit(con) == before


def _write_dossiers(path, rows: int) -> dict:
    """A dossier export with one row in 100 set aside and one in 250 an exact duplicate."""
    units, procedures = ["THD", "NT", "TH"], ["1.001193", "1.000656", "2.000908"]
    bad = dups = 0
    row: list[str] = []
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Tên thủ tục", "Hình thức nộp",
                    "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái", "Ngày kết thúc",
                    "Số hóa thành phần hồ sơ", "Số hóa kết quả", "Người nộp"])
        for i in range(rows):
            if i % 250 == 249:
                w.writerow(row)
                dups += 1
                continue
            day = 1 + i % 27
            row = [f"HS{i:07d}", units[i % 3], procedures[i % 2 * 2], "Thủ tục số " + str(i),
                   "Trực tuyến" if i % 100 else "Qua Zalo", f"{day:02d}/03/2023 08:{i % 60:02d}:00",
                   f"{day + 1:02d}/03/2023 17:00:00", "Đã giải quyết",
                   f"{day:02d}/03/2023 15:00:00", "Có", "Không", "Nguyễn Văn A"]
            bad += i % 100 == 0
            w.writerow(row)
    return {"read": rows, "loaded": rows - bad - dups, "rejected": bad, "duplicates": dups}


@pytest.mark.parametrize("limit_mb", [40, 16, None])
def test_rows_that_spill_past_the_memory_limit_load_exactly(tmp_path, monkeypatch, limit_mb):
    """40 MB: the staged rows spill; 16 MB is too little for DuckDB, and the file is
    loaded again with the connection's own limit."""
    export = tmp_path / "ho_so.csv"
    expected = _write_dossiers(export, 60_000)
    if limit_mb:
        monkeypatch.setattr(load, "LOAD_MEMORY_LIMIT_MB", limit_mb)
    db = tmp_path / "store.duckdb"
    con = connect(db)
    try:
        result = load_exports(con, REGISTRIES + [str(export)])[-1]
        got = {k: getattr(result, k) for k in expected}
        stored = con.execute("SELECT count(*), count(DISTINCT dossier_id), min(dossier_id), "
                             "max(received_at) FROM dossiers").fetchone()
        reasons = set(list_rejected(con).reason)
    finally:
        con.close()
    assert result.error is None and got == expected
    assert stored[:3] == (expected["loaded"], expected["loaded"], "HS0000001")
    assert reasons == {('Giá trị "Qua Zalo" ở cột "Hình thức nộp" không hợp lệ (cho phép: '
                       'trực tuyến, trực tiếp, dịch vụ bưu chính, bưu chính)')}
    assert not os.path.exists(f"{db}.tmp")      # the spilled blocks are gone with the store
