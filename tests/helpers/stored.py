"""What the store kept of a load: the dossier ids."""

from __future__ import annotations

import duckdb


def stored_ids(db) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [i for (i,) in con.execute("SELECT dossier_id FROM dossiers ORDER BY 1")
                .fetchall()]
    finally:
        con.close()
