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
from functools import lru_cache
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


@lru_cache(maxsize=1)
def library_digest() -> str:
    """The library's sources and templates, hashed once per process."""
    paths = [p for p in LIBRARY_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return files_digest(paths, LIBRARY_DIR)


def params_digest(params_dir: Path, period: Period) -> str:
    """The office's settings (params/*.yaml) and the period's narrative file."""
    from tthc_lib.content.narrative import narrative_path

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
)
SELECT c.ancestor, COALESCE(bit_xor(p.x), 0)::UBIGINT, COALESCE(sum(p.n), 0)::BIGINT
FROM closure c LEFT JOIN per_unit p ON p.unit_code = c.descendant
GROUP BY c.ancestor
"""

_SHARED_SQL = """
SELECT (SELECT COALESCE(bit_xor(hash(u)), 0) FROM units u),
       (SELECT COALESCE(bit_xor(hash(p)), 0) FROM procedures p),
       (SELECT COALESCE(bit_xor(hash(c)), 0) FROM changes c),
       (SELECT min(closed_date) FROM dossiers),
       (SELECT COALESCE(bit_xor(hash(s)), 0) FROM successions s)
"""


def data_fingerprints(con, window: Period) -> dict[str, str]:
    """unit code -> hash of the rows its report can read in `window` (its whole subtree),
    with the tables every report reads; for all units in one query."""
    shared = sha256_of(json.dumps(con.execute(_SHARED_SQL).fetchone(), default=str))
    rows = con.execute(_FINGERPRINT_SQL, {"start": window.start, "end": window.end}).fetchall()
    return {unit: sha256_of(shared, f"{x}:{n}") for unit, x, n in rows}
