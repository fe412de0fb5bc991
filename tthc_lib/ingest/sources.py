"""Source profiles that describe a whole export (a system's "Xuất Excel" as it is written):
which export it is (`match`), where its columns are (`columns`, `layout`), and how values it
gives indirectly are derived (`names`, `derive`). Grammar and examples: docs/profiles.md.

Profiles of the systems whose layouts are public ship in the package (`tthc_lib/data/sources`)
and are recognised without any configuration; an office's own profile in `params/sources/`
with the same `system:` replaces the shipped one, and is tried first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import yaml

from tthc_lib import vocab
from tthc_lib.errors import InputError
from tthc_lib.ingest.derive import Derive, DeriveError, parse_derive
from tthc_lib.ingest.shape import Layout, LayoutError, parse_layout

__all__ = ["REGISTRIES", "SourceProfile", "in_force", "is_source_profile", "parse_source",
           "recognise", "shipped"]

REGISTRIES = {"units": ("units", "unit_code", "unit_name", "đơn vị"),
              "procedures": ("procedures", "procedure_code", "procedure_name", "thủ tục")}
SCAN_ROWS = 40                 # the header must be among a sheet's first rows
KEYS = {"system", "kind", "match", "columns", "names", "layout", "derive", "lacks"}


@dataclass(frozen=True)
class SourceProfile:
    system: str                                  # the name inspect shows
    kind: str
    match: tuple[str, ...]                       # headers that all stand in the header row
    columns: dict[str, str]                      # canonical column -> header (flat form)
    names: dict[str, str] = field(default_factory=dict)   # column -> units | procedures
    layout: Layout = field(default_factory=Layout)
    derive: Derive = field(default_factory=Derive)
    origin: str = "gói"                          # "gói" (shipped) or the office's file name

    @property
    def lacks(self) -> frozenset[str]:
        """Required columns this export does not have, and the digitisation flags when it has
        none (Tân Dân's list, e-par's report): their figures are not available, never
        taken as "Không"."""
        given = set(self.columns) | set(self.layout.constants) | set(self.layout.title_values)
        given |= {g.column for g in self.layout.groups}
        if self.derive.status:
            given.add("status")
        return frozenset(c.name for c in vocab.SCHEMAS[self.kind]
                         if (c.required or c.type == "flag") and c.name not in given)


def is_source_profile(data: dict) -> bool:
    return isinstance(data, dict) and "system" in data


def parse_source(data: dict, origin: str) -> SourceProfile:
    """A SourceProfile from a YAML mapping; InputError of one line naming `origin`."""
    try:
        return _parse(data, origin)
    except (LayoutError, DeriveError, ValueError) as exc:
        raise InputError(f"Hồ sơ nguồn {origin}: {exc}.", file=origin) from None


def _parse(data: dict, origin: str) -> SourceProfile:
    if set(data) - KEYS:
        raise ValueError(f"khóa {sorted(set(data) - KEYS)} không có (dùng {', '.join(sorted(KEYS))})")
    kind = data.get("kind")
    if kind not in vocab.SCHEMAS:
        raise ValueError(f"kind: cần một trong {', '.join(vocab.SCHEMAS)}")
    known = {c.name for c in vocab.SCHEMAS[kind]}
    columns = data.get("columns") or {}
    if not isinstance(columns, dict) or set(columns) - known:
        raise ValueError(f"columns: cột {sorted(set(columns) - known)} không có "
                         f"(các cột: {', '.join(sorted(known))})")
    match = data.get("match") or list(columns.values())
    names = data.get("names") or {}
    if set(names.values()) - set(REGISTRIES):
        raise ValueError("names: mỗi cột tra theo units hoặc procedures")
    statuses = set(vocab.STATUSES.values())
    return SourceProfile(
        system=str(data["system"]), kind=kind, match=tuple(str(m) for m in match),
        columns={k: str(v) for k, v in columns.items()}, names=dict(names),
        layout=parse_layout(data.get("layout") or {}),
        derive=parse_derive(data.get("derive") or {}, statuses), origin=origin)


def shipped() -> list[SourceProfile]:
    """The profiles of known systems that ship in the package."""
    folder = resources.files("tthc_lib") / "data" / "sources"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            data = yaml.safe_load(entry.read_text(encoding="utf-8"))
            out.append(parse_source(data, f"{entry.name} (gói)"))
    return out


def in_force(office: list[SourceProfile]) -> list[SourceProfile]:
    """The office's profiles first, then the shipped ones it does not replace."""
    mine = {p.system for p in office}
    return list(office) + [p for p in shipped() if p.system not in mine]


def recognise(rows, profiles: list[SourceProfile]) -> tuple[SourceProfile, int] | None:
    """(profile, header row number) of the first profile whose `match` headers all stand
    in one of the first SCAN_ROWS rows (`rows` yields (row number, cells)), else None."""
    wanted = [(p, {vocab.norm_header(m) for m in p.match}) for p in profiles]
    for seen, (number, cells) in enumerate(rows):
        if seen >= SCAN_ROWS:
            break
        present = {vocab.norm_header(c) for c in cells if c}
        for profile, heads in wanted:
            if heads and heads <= present:
                return profile, number
    return None

