"""The sentence naming a unit's predecessors whose records its figures include
(docs/structure.md § What the report says):

"Số liệu của phường Hải Dương gồm số liệu của phường Trần Hưng Đạo, phường Nhị Châu, phường
Ngọc Châu, phường Quang Trung trước ngày 01/7/2025 (Nghị quyết số 1669/NQ-UBTVQH15)."

Rules (some decided here, all in docs/structure.md § What the report says):
- Named: the successions leading into the unit (directly or through ceased units) whose old
  unit's records count for it, and only when that old unit has a record counted in the period
  (a dossier received by the period's end and not closed before its start, or feedback
  received in it): the figures of the period include it. Each old unit is named once.
- Grouped by (date, basis), latest first: "… trước ngày 01/7/2025 (Nghị quyết …) và phường
  Phạm Ngũ Lão trước ngày 01/01/2025 (…)". A row without basis has no parenthesis.
- A split predecessor (several `Một phần` rows) counted here in full adds "; toàn bộ số liệu
  của phường X (được sắp xếp vào nhiều đơn vị) được tính tại phường Hải Dương".
- Only the unit's own predecessors: a province's report does not list its wards'
  (each ward's report does).
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from tthc_lib.content.words.formatting import fmt_date_legal, nfc
from tthc_lib.store.structure import predecessors, sql_date

__all__ = ["counted_predecessors", "predecessors_sentence"]

# The legal document a "Căn cứ" cell names first: "Nghị quyết số 1669/NQ-UBTVQH15; phần
# còn lại của …" cites "Nghị quyết số 1669/NQ-UBTVQH15" (the office's notes stay out).
_DOCUMENT = re.compile(r"^\s*(?:căn cứ\s+)?((?:nghị quyết|nghị định|quyết định|thông tư|luật|"
                       r"công văn|kế hoạch)\s+(?:số\s+)?[^\s;,()]+)", re.IGNORECASE)


def cited_basis(basis: str | None) -> str:
    """The document a report cites from a "Căn cứ" cell, or "" when it names none."""
    found = _DOCUMENT.match(str(basis or ""))
    if not found:
        return ""
    text = found.group(1)
    return text[:1].upper() + text[1:]


def in_sentence(name: str, kind: str | None) -> str:
    """ "phường Nhị Châu" from "Phường Nhị Châu" (the kind word in lower case)."""
    kind = kind or ""
    if kind and name.lower().startswith(kind.lower()):
        return kind.lower() + name[len(kind):]
    return name


def counted_predecessors(con, unit: str, start: date, end: date,
                         as_of: date | None = None) -> pd.DataFrame:
    """The predecessors' succession rows of `unit` whose records count for it and of which
    at least one record is counted in the period (see the module's docstring)."""
    rows = predecessors(con, as_of or end)
    rows = rows[(rows["unit"] == unit) & rows["records_here"]]
    if rows.empty:
        return rows
    s, e = sql_date(start), sql_date(end)
    with_records = {r[0] for r in con.execute(f"""
        SELECT DISTINCT unit_code FROM dossiers
        WHERE list_contains(?, unit_code) AND received_date <= {e}
          AND (closed_date IS NULL OR closed_date >= {s})
        UNION SELECT DISTINCT unit_code FROM feedback
        WHERE list_contains(?, unit_code) AND received_date BETWEEN {s} AND {e}""",
        [list(rows["old_code"]), list(rows["old_code"])]).fetchall()}
    return rows[rows["old_code"].isin(with_records)]


def _old(name: str, kind: str | None, unit_name: str) -> str:
    """An old unit as said in the sentence; "(cũ)" when it bears the new unit's name."""
    said = in_sentence(name, kind)
    return f"{said} (cũ)" if nfc(said).lower() == nfc(unit_name).lower() else said


def predecessors_sentence(unit_name: str, rows: pd.DataFrame) -> str | None:
    """The sentence for `unit_name` (as said in a sentence: "phường Hải Dương") from
    counted_predecessors' rows; None when there are none."""
    if rows.empty:
        return None
    rows = rows.drop_duplicates("old_code").copy()
    rows["basis"] = [cited_basis(b) for b in rows["basis"]]
    groups = []
    for (when, basis), group in sorted(rows.groupby(["effective_date", "basis"], sort=False),
                                       key=lambda g: (g[0][0], g[0][1]), reverse=True):
        names = ", ".join(_old(n, k, unit_name) for n, k in zip(group["old_name"],
                                                              group["old_kind"]))
        tail = f" ({basis})" if basis else ""
        groups.append(f"{names} trước ngày {fmt_date_legal(when)}{tail}")
    text = f"Số liệu của {unit_name} gồm số liệu của {' và '.join(groups)}"
    full = rows[rows["in_full"]]
    if not full.empty:
        names = ", ".join(_old(n, k, unit_name) for n, k in zip(full["old_name"],
                                                              full["old_kind"]))
        text += (f"; toàn bộ số liệu của {names} (được sắp xếp vào nhiều đơn vị) được tính "
                 f"tại {unit_name}")
    return nfc(text + ".")
