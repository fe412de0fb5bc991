"""The caches that make a re-run with nothing changed cheap (batch/keys.py): the library's
file hashes remembered under their stat, the store's units and fingerprints remembered under
the store's stat. Any edit must still show; a file changed just before it was looked at is
not remembered."""

from __future__ import annotations

import os
from datetime import date

import pytest

from tthc_lib.batch import keys
from tthc_lib.batch.keys import library_digest, store_view
from tthc_lib.periods import Period
from tthc_lib.store.connection import connect
from tthc_lib.store.structure import unit_structure

WINDOW = Period(date(2022, 1, 1), date(2023, 10, 30))


@pytest.fixture
def library(tmp_path):
    root = tmp_path / "lib"
    (root / "content" / "__pycache__").mkdir(parents=True)
    (root / "a.py").write_text("A = 1\n", encoding="utf-8")
    (root / "content" / "report.css").write_text("p { margin: 0 }\n", encoding="utf-8")
    (root / "content" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0compiled")
    return root


def test_library_digest_is_the_same_with_or_without_the_cache(library, monkeypatch):
    monkeypatch.setattr(keys, "RACY_NS", 0)
    cache: dict = {}
    first = library_digest(cache, library)
    assert sorted(cache["files"]) == ["a.py", "content/report.css"]  # __pycache__ left out
    assert library_digest(cache, library) == first == library_digest(None, library)
    (library / "content" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0other")
    assert library_digest(cache, library) == first


def test_an_edit_that_keeps_size_and_mtime_still_changes_the_digest(library, monkeypatch):
    monkeypatch.setattr(keys, "RACY_NS", 0)
    cache: dict = {}
    first = library_digest(cache, library)
    path = library / "a.py"
    st = path.stat()
    path.write_text("A = 2\n", encoding="utf-8")                  # same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))            # mtime put back
    assert library_digest(cache, library) != first                 # the ctime tells
    assert library_digest(cache, library) == library_digest(None, library)


def test_new_and_removed_library_files_change_the_digest(library, monkeypatch):
    monkeypatch.setattr(keys, "RACY_NS", 0)
    cache: dict = {}
    first = library_digest(cache, library)
    (library / "content" / "new.html").write_text("<p></p>", encoding="utf-8")
    second = library_digest(cache, library)
    assert second != first
    (library / "content" / "new.html").unlink()
    assert library_digest(cache, library) == first


def test_a_file_changed_just_now_is_not_remembered(library):
    cache: dict = {}
    library_digest(cache, library)   # the files were written a moment ago
    assert cache["files"] == {}


def test_the_cache_of_another_library_folder_is_not_used(library, tmp_path, monkeypatch):
    monkeypatch.setattr(keys, "RACY_NS", 0)
    cache: dict = {}
    library_digest(cache, library)
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.py").write_text("A = 1\n", encoding="utf-8")
    assert library_digest(cache, other) == library_digest(None, other)
    assert cache["root"] == str(other)


def _store(path):
    con = connect(path)
    con.execute("""INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES
        ('C', 'Thành phố X', 'Thành phố', 'district', NULL),
        ('W2', 'Xã B', 'Xã', 'commune', 'C'),
        ('W1', 'Phường A', 'Phường', 'commune', 'C'),
        ('OLD', 'Phường Cũ', 'Phường', 'commune', 'C')""")
    con.execute("""INSERT INTO successions VALUES
        ('OLD', 'W1', DATE '2023-01-01', 'whole', true, NULL)""")
    con.execute("INSERT INTO procedures VALUES ('P1', 'Đăng ký khai sinh', 'Hộ tịch', "
                "'commune', 'full')")
    _dossier(con, "d1", "W1")
    con.close()
    return path


def _dossier(con, did: str, unit: str) -> None:
    con.execute("""INSERT INTO dossiers (dossier_id, unit_code, procedure_code, channel,
        status, received_at, due_at, closed_at, received_date, due_date, closed_date,
        digitised_on_receipt, result_digitised) VALUES (?, ?, 'P1', 'online', 'resolved',
        '2023-03-01 09:00+07', '2023-03-06 17:00+07', '2023-03-03 10:00+07',
        DATE '2023-03-01', DATE '2023-03-06', DATE '2023-03-03', false, false)""", [did, unit])


def test_the_store_view_is_the_period_structure_parents_first(tmp_path):
    db = _store(tmp_path / "t.duckdb")
    view = store_view(db, WINDOW, "lib")
    con = connect(db, read_only=True)
    structure = list(unit_structure(con, WINDOW.end)["unit_code"])
    con.close()
    assert view.active == structure == ["C", "W1", "W2"]
    assert view.registry == ["C", "W1", "W2", "OLD"]
    assert list(view.fingerprints) == view.active


def test_the_store_view_from_the_cache_equals_the_store_and_sees_every_write(tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr(keys, "RACY_NS", 0)
    db = _store(tmp_path / "t.duckdb")
    cache: dict = {}
    first = store_view(db, WINDOW, "lib", cache)
    assert cache["key"]
    assert store_view(db, WINDOW, "lib", cache) == first == store_view(db, WINDOW, "lib")
    con = connect(db)
    _dossier(con, "d2", "W2")
    con.close()
    second = store_view(db, WINDOW, "lib", cache)
    assert second == store_view(db, WINDOW, "lib")
    changed = {u for u in first.active if first.fingerprints[u] != second.fingerprints[u]}
    assert changed == {"C", "W2"}
    assert store_view(db, WINDOW, "another library", cache) == second


def test_a_store_written_just_now_is_read_again(tmp_path):
    db = _store(tmp_path / "t.duckdb")
    cache: dict = {}
    store_view(db, WINDOW, "lib", cache)
    assert cache == {}


def test_the_cache_is_not_a_way_round_a_missing_store(tmp_path, monkeypatch):
    from tthc_lib.errors import StoreError

    monkeypatch.setattr(keys, "RACY_NS", 0)
    db = _store(tmp_path / "t.duckdb")
    cache: dict = {}
    store_view(db, WINDOW, "lib", cache)
    db.unlink()
    with pytest.raises(StoreError, match="Chưa có kho dữ liệu"):
        store_view(db, WINDOW, "lib", cache)
