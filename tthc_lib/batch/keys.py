"""What a unit's report depends on, as hashes; and the manifest remembering them per output.

A section of a unit is re-executed only when its key changes. The key hashes the notebook,
its parameters, the office's settings and the period's narrative (params/), the library
(tthc_lib sources and templates) and the data fingerprint of the unit: a hash of every dossier
and feedback row of the unit's subtree on the structure of the window's end (the unit, the
units whose records it takes, all units below it, since roll-ups show them) that can count in
the period or in the periods it is compared with, plus the tables every report reads whole
(units, successions, procedures, changes). One query gives the fingerprints of all units.
The manifest that remembers the keys is in manifest.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from tthc_lib.periods import Period, previous_period, same_period_last_year
from tthc_lib.store.structure import structure_ctes

LIBRARY_DIR = Path(__file__).parent.parent


def sha256_of(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def files_digest(paths: list[Path], root: Path | None = None) -> str:
    """One hash of the names (relative to `root`) and contents of `paths`; missing files count
    as absent, so creating one changes the hash."""
    parts = []
    for path in sorted(paths):
        name = str(path.relative_to(root)) if root else str(path)
        parts += [name, path.read_bytes() if path.is_file() else b"\0missing"]
    return sha256_of(*parts)


# A file changed this close to (or after) the moment it was looked at may change again within
# the file system's clock tick without its stat showing it: such a file's hash is not
# remembered, it is read again next time (git's "racily clean" rule).
RACY_NS = 2_000_000_000


def library_digest(cache: dict | None = None, root: Path | None = None) -> str:
    """One hash of the names and contents of the library's sources and templates (every file
    under tthc_lib/ but __pycache__). `cache` (kept in the manifest, updated in place)
    remembers each file's content hash under its stat (inode, size, mtime, ctime), so an
    unchanged file is not read again; any edit, copy or checkout changes the stat."""
    root = Path(root or LIBRARY_DIR)
    known = cache.get("files", {}) if cache and cache.get("root") == str(root) else {}
    now = time.time_ns()
    remembered, parts = {}, []
    for name, path in _library_files(root):
        st = os.stat(path)
        stamp = [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        entry = known.get(name)
        if entry is not None and entry[:4] == stamp:
            digest = entry[4]
        else:
            with open(path, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
        if max(st.st_mtime_ns, st.st_ctime_ns) < now - RACY_NS:
            remembered[name] = [*stamp, digest]
        parts += [name, digest]
    if cache is not None:
        cache.clear()
        cache.update(root=str(root), files=remembered)
    return sha256_of(*parts)


def _library_files(root: Path) -> list[tuple[str, str]]:
    """(name relative to `root`, path) of every regular file below it, __pycache__ left out."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        rel = os.path.relpath(folder, root)
        for name in files:
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                found.append((name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"),
                              path))
    return sorted(found)


def params_digest(params_dir: Path, period: Period) -> str:
    """The office's settings (params/*.yaml) and the period's narrative file."""
    from tthc_lib.content.words.narrative import narrative_path

    params_dir = Path(params_dir)
    paths = sorted(params_dir.glob("*.yaml")) + [narrative_path(params_dir, period.start,
                                                                period.end)]
    return files_digest(paths, params_dir)


def data_window(period: Period, calendar: str = "calendar") -> Period:
    """The days whose rows can change a report of `period`: the period and the periods it is
    compared with (the one before, the same one last year)."""
    starts = [period.start, previous_period(period, calendar).start,
              same_period_last_year(period, calendar).start]
    return Period(min(starts), period.end)


_FINGERPRINT_SQL = structure_ctes("$end::DATE") + """,
rows_hashed AS (
    SELECT cf.active_code AS unit_code, hash(d) AS h FROM dossiers d
    JOIN counted_for cf ON cf.unit_code = d.unit_code
    WHERE received_date <= $end AND (closed_date IS NULL OR closed_date >= $start)
    UNION ALL
    SELECT cf.active_code, hash(f) FROM feedback f
    JOIN counted_for cf ON cf.unit_code = f.unit_code
    WHERE received_date BETWEEN $start AND $end
),
per_unit AS (
    SELECT unit_code, bit_xor(h) AS x, count(*) AS n FROM rows_hashed GROUP BY unit_code
),
depths AS (
    SELECT descendant AS unit_code, max(depth) AS depth FROM closure GROUP BY descendant
)
SELECT c.ancestor, COALESCE(bit_xor(p.x), 0)::UBIGINT, COALESCE(sum(p.n), 0)::BIGINT
FROM closure c LEFT JOIN per_unit p ON p.unit_code = c.descendant
JOIN depths d ON d.unit_code = c.ancestor
GROUP BY c.ancestor, d.depth ORDER BY d.depth, c.ancestor
"""

_SHARED_SQL = """
SELECT (SELECT COALESCE(bit_xor(hash(u)), 0) FROM units u),
       (SELECT COALESCE(bit_xor(hash(p)), 0) FROM procedures p),
       (SELECT COALESCE(bit_xor(hash(c)), 0) FROM changes c),
       (SELECT min(closed_date) FROM dossiers),
       (SELECT COALESCE(bit_xor(hash(s)), 0) FROM successions s),
       (SELECT COALESCE(list(unit_code ORDER BY unit_code), []) FROM units)
"""


def data_fingerprints(con, window: Period) -> dict[str, str]:
    """unit code -> hash of the rows its report can read in `window` (its whole subtree),
    with the tables every report reads; for all units in one query. In the order of the
    structure of the window's end: parents before children, then by code."""
    return _read_store(con, window)["fingerprints"]


def _read_store(con, window: Period) -> dict:
    """The fingerprints (as data_fingerprints), the registry's codes and the active units."""
    *shared, codes = con.execute(_SHARED_SQL).fetchone()
    shared = sha256_of(json.dumps(shared, default=str))
    rows = con.execute(_FINGERPRINT_SQL, {"start": window.start, "end": window.end}).fetchall()
    return {"fingerprints": {unit: sha256_of(shared, f"{x}:{n}") for unit, x, n in rows},
            "codes": list(codes)}


@dataclass
class StoreView:
    """What the batch plans with from the store, for a window: the units and their data."""

    registry: list[str]             # every registered unit: the active ones first, then by code
    active: list[str]               # active at the window's end, parents before children
    fingerprints: dict[str, str]    # active unit -> data fingerprint (data_fingerprints)


def store_view(db: Path, window: Period, library: str, cache: dict | None = None) -> StoreView:
    """The store's units and fingerprints for `window`, from one read-only connection and two
    queries; or, when the store's files have the same stat as when `cache` (kept in the
    manifest, updated in place) was written and the library is the same, from `cache` without
    opening the store (the stat rule of library_digest: a store written since, or within
    RACY_NS of the look, is read again)."""
    now = time.time_ns()
    stamp = _store_stamp(Path(db).resolve())
    key = sha256_of(str(Path(db).resolve()), json.dumps(stamp), window.start.isoformat(),
                    window.end.isoformat(), library)
    if cache and stamp is not None and cache.get("key") == key:
        data = cache["data"]
    else:
        from tthc_lib.store.connection import open_store

        with open_store(db, read_only=True) as con:
            data = _read_store(con, window)
        if cache is not None:
            cache.clear()
            if stamp is not None and all(s is None or max(s[3:]) < now - RACY_NS
                                         for s in stamp):
                cache.update(key=key, data=data)
    active = list(data["fingerprints"])
    known = set(active)
    return StoreView(active + [c for c in data["codes"] if c not in known], active,
                     data["fingerprints"])


def _store_stamp(db: Path) -> list | None:
    """(device, inode, size, mtime, ctime) of the DuckDB file and of its write-ahead log (None
    when there is none); None when the store itself cannot be looked at."""
    stamp = []
    for path in (db, db.with_name(db.name + ".wal")):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if path == db:
                return None
            stamp.append(None)
            continue
        except OSError:
            return None
        stamp.append([st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns])
    return stamp
