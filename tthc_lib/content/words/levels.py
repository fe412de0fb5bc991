"""What the roll-ups of a unit's report are called, and in which order its parts come
(docs/structure.md § What the report says).

A city's report gives its own dossiers ("Tại thành phố Hải Dương") and its communes' ("Tại các
phường, xã"); a province's gives its own, its departments' ("Tại các sở, ban, ngành"), its
districts' where it has any ("Tại các huyện, thị xã") and its communes' ("Tại các xã, phường,
đặc khu"), naming only the kinds present. The words are taken from the kinds of the units below
in the structure of the period, never assumed.
"""

from __future__ import annotations

import pandas as pd

from tthc_lib.vocab import UNIT_KINDS, norm_header

__all__ = ["KIND_WORDS", "SHORT_KINDS", "children_label", "group_rank", "kind_word", "rollup_label",
           "rollup_scopes"]

DEPARTMENTS_LABEL = "các sở, ban, ngành"

# Kinds in the order their names are listed. Under a district (the reference: a city and its
# wards) "các phường, xã"; under a province the order of Nghị quyết 202/2025/QH15 and
# docs/structure.md § What the report says: "các xã, phường, đặc khu".
COMMUNE_KINDS_UNDER_DISTRICT = ("phường", "xã", "thị trấn", "đặc khu")
COMMUNE_KINDS_UNDER_PROVINCE = ("xã", "phường", "thị trấn", "đặc khu")
DISTRICT_KINDS = ("huyện", "quận", "thị xã", "thành phố")

# A kind as it is said inside a sentence, where the registry's word is longer.
SHORT_KINDS = {"thành phố trực thuộc trung ương": "thành phố"}

# The kind words of the registry (not the canonical level names).
KIND_WORDS = tuple(k for k in UNIT_KINDS if k not in UNIT_KINDS.values())

# The parts of a report with units below it, in order: (scope, level of the units it sums).
ROLLUP_SCOPES = (("departments", "province"), ("districts", "district"),
                 ("communes", "commune"))


def kind_word(row) -> str:
    """The lower-case word for a unit's kind ("thành phố", "phường", "sở"), from its `kind`
    when the row carries it, else from the start of its name; "đơn vị" when neither says."""
    kind = row.get("kind") if hasattr(row, "get") else None
    if isinstance(kind, str) and norm_header(kind) in KIND_WORDS:
        word = norm_header(kind)
    else:
        name = norm_header(row["unit_name"])
        hits = [k for k in KIND_WORDS if name.startswith(k + " ")]
        word = max(hits, key=len) if hits else "đơn vị"
    return SHORT_KINDS.get(word, word)


def descendants(rows: pd.DataFrame, parent: str) -> list[pd.Series]:
    """Every unit below `parent` (scope `unit` rows), in the structure of the rows."""
    units = rows[rows["scope"] == "unit"]
    found, frontier = [], [parent]
    while frontier:
        kids = units[units["parent_code"].isin(frontier)]
        found.extend(r for _, r in kids.iterrows())
        frontier = list(kids["unit"])
    return found


def _parent_level(rows: pd.DataFrame, parent: str) -> str:
    own = rows[(rows["unit"] == parent) & (rows["scope"] == "unit")]
    return "district" if own.empty else str(own.iloc[0]["level"])


def _is_department(row) -> bool:
    return str(row.get("role") or "") == "department"


def rollup_label(rows: pd.DataFrame, parent: str, scope: str) -> str:
    """ "các sở, ban, ngành", "các huyện, thị xã", "các phường, xã" / "các xã, phường, đặc
    khu": the name of one roll-up of `parent`, from the kinds of the units it sums."""
    below = descendants(rows, parent)
    if scope == "departments":
        return DEPARTMENTS_LABEL
    if scope == "districts":
        order = DISTRICT_KINDS
        kinds = {kind_word(r) for r in below if r["level"] == "district"}
        fallback = "cấp huyện"
    else:
        province = _parent_level(rows, parent) == "province"
        order = COMMUNE_KINDS_UNDER_PROVINCE if province else COMMUNE_KINDS_UNDER_DISTRICT
        kinds = {kind_word(r) for r in below if r["level"] == "commune"}
        fallback = "cấp xã"
    named = [k for k in order if k in kinds]
    return "các " + ", ".join(named) if named else fallback


def children_label(rows: pd.DataFrame, parent: str) -> str:
    """The units one bar each stands for in a chart of `parent` (its children), named by the
    kinds present: "các phường, xã"; a province: "các sở, ban và các phường"."""
    kids = [r for _, r in rows[(rows["parent_code"] == parent)
                               & (rows["scope"] == "unit")].iterrows()]
    found = {kind_word(r) for r in kids if _is_department(r)}
    departments = [k for k in ("sở", "ban") if k in found] + sorted(found - {"sở", "ban"})
    parts = ["các " + ", ".join(departments)] if departments else []
    for scope, level in (("districts", "district"), ("communes", "commune")):
        if any(r["level"] == level and not _is_department(r) for r in kids):
            parts.append(rollup_label(rows, parent, scope))
    return " và ".join(parts) or "các đơn vị trực thuộc"


def rollup_scopes(rows: pd.DataFrame, parent: str) -> list[str]:
    """The roll-up scopes `parent` has rows for, in the report's order (departments,
    districts, communes)."""
    have = set(rows.loc[rows["unit"] == parent, "scope"])
    return [scope for scope, _ in ROLLUP_SCOPES if scope in have]


def group_rank(row) -> int:
    """Order of a child among its siblings: departments, then districts, then communes (a
    city's children are all communes: their order is by name alone)."""
    if _is_department(row) or row["level"] == "province":
        return 0
    return 1 if row["level"] == "district" else 2
