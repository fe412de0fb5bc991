"""An export read through a source profile (sources.py): the rows of its sheet shaped by the
profile's layout, names resolved to codes against the store's registry and catalogue, dates
read in the profile's format, the status derived by its rule table — then handed to the
loader as canonical text cells, so every rule of docs/input-format.md still applies. A row the
profile itself sets aside (a name not in the registry, a dossier never received) carries its
reason in the staged `_reason` column."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tthc_lib import vocab
from tthc_lib.ingest.base import Export, Shape, lacks_notes
from tthc_lib.ingest.derive import filled, never_received_reason, status_of, timeliness_of
from tthc_lib.ingest.headers import Header
from tthc_lib.ingest.names import Resolver
from tthc_lib.ingest.shape import flat_header, shape_rows
from tthc_lib.ingest.sources import REGISTRIES, SourceProfile, in_force, recognise
from tthc_lib.ingest.text_grid import open_rows

__all__ = ["REASON", "ProfiledExport", "open_profiled"]

REASON = "_reason"


class ProfiledExport(Export):
    """A grid file's sheet, or a text file read with one separator, read by a source
    profile."""

    def __init__(self, path: Path, label: str, profile: SourceProfile, sheet: str,
                 header_row: int, flat: list[str] | None = None):
        columns = [c.name for c in vocab.SCHEMAS[profile.kind]
                   if not c.personal and c.name not in profile.lacks]
        self.columns = columns
        positions = {name: i for i, name in enumerate([*columns, REASON])}
        super().__init__(path, label, Header(profile.kind, header_row, positions,
                                             len(positions)))
        self.profile = profile
        self.sheet = sheet
        self.lacks = profile.lacks
        self.reasoned = True
        self.flat = list(flat or [])           # the export's own header, flattened
        # No closing date, only the timeliness (e-par): what stood open is not known.
        self.gaps = (frozenset({"closed_at"}) if profile.derive.timeliness
                     and "closed_at" not in profile.columns else frozenset())

    def described(self) -> tuple[list[tuple[str, str, str]], list[str]]:
        """(header, column, profile) of each header the profile reads, and the headers it
        leaves out (personal columns among them: never read)."""
        by_header = {vocab.norm_header(h): name for name, h in self.profile.columns.items()}
        by_header.update({vocab.norm_header(h): f"timeliness ({word})"
                          for word, h in self.profile.derive.timeliness.items()})
        mapped, ignored = [], []
        for cell in self.flat:
            name = by_header.get(vocab.norm_header(cell))
            if name is not None:
                mapped.append((cell, name, self.profile.origin))
            elif cell.strip():
                ignored.append(cell)
        return mapped, ignored

    @property
    def notes(self) -> list[str]:
        out = [*self.cleaned_notes(),
               (f"{self.label}: đọc theo hồ sơ nguồn \"{self.profile.system}\" "
                f"({self.profile.origin}).")]
        out += lacks_notes(self.label, self.kind, self.lacks)
        if self.gaps:
            out.append(f"{self.label}: không có cột \"Ngày kết thúc\", chỉ có số ngày trước hạn, "
                       "đúng hạn, quá hạn; số hồ sơ kỳ trước chuyển sang và đang giải quyết ghi "
                       "\"không có số liệu\".")
        return out

    def stage(self, con, table: str, shape: Shape) -> None:
        self.sha256 = hashlib.sha256(self.path.read_bytes()).hexdigest()
        book = open_rows(self.path, self.label)
        counts: dict[int, int | None] = {}
        try:
            shaped = shape_rows(_counted(book.rows(self.sheet), len(self.flat), counts),
                                self.header.line, self.profile.layout)
        finally:
            book.close()
        resolvers = {col: _resolver(con, what) for col, what in self.profile.names.items()}
        rows = (_shifted(self, counts[n]) if counts.get(n) is not None
                else _canonical(self, dict(zip(shaped.header, cells)), resolvers)
                for n, cells in shaped.rows)
        self._stage_rows(con, table, ((n, cells) for (n, _c), cells in
                                      zip(shaped.rows, rows)), shape)


def _counted(rows, width: int, counts: dict[int, int | None]):
    """The rows as read, noting for each the cell count of a row whose cells do not line up
    with the header's `width` cells (fewer cells, or a value beyond the last header), else
    None. A workbook's rows are as wide as its sheet: only filled cells beyond count."""
    for number, cells in rows:
        last = max((i + 1 for i, c in enumerate(cells) if c and c.strip()), default=0)
        counts[number] = (last if last > width else len(cells) if len(cells) < width
                          else None)
        yield number, cells


def _shifted(export: ProfiledExport, count: int) -> list[str | None]:
    """A row whose values are shifted off their columns: none of its values is kept (they may
    be personal data under another header), only the counts, as the reason."""
    why = (f"Dòng có {count} ô, tiêu đề có {len(export.flat)} ô: các giá trị bị lệch cột")
    return [*([None] * len(export.columns)), why]


def _resolver(con, what: str) -> Resolver | None:
    """The registry's names, or None without a store (tthc inspect): names left as read."""
    table, code, name, label = REGISTRIES[what]
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                       [table]).fetchall()[0][0]:
        return None
    return Resolver.of(label, con.execute(f"SELECT {code}, {name} FROM {table}").fetchall())


def _canonical(export: ProfiledExport, row: dict[str, str], resolvers) -> list[str | None]:
    """The row's canonical text cells, in `export.columns` order, and its reason (or None)."""
    profile = export.profile
    values: dict[str, str | None] = {}
    for name in export.columns:
        header = profile.columns.get(name)
        values[name] = row.get(header, "") if header is not None else row.get(name, "")
    reasons = []
    if (why := never_received_reason(row, profile.derive)) is not None:
        reasons.append(why)
    for name, resolver in resolvers.items():
        if resolver is None:
            continue
        code, why = resolver.code(values.get(name) or "")
        values[name] = code if code is not None else values.get(name)
        if why:
            reasons.append(why[:1].upper() + why[1:])
    for name, fmt in profile.derive.dates.items():
        text = values.get(name) or ""
        if not filled(text) and text.strip() != "0":
            values[name] = None                # "-" in a date column: no date
            continue
        when = fmt.parse(text)
        if when is not None:
            values[name] = when.isoformat()
    if profile.derive.timeliness:
        values["timeliness"], why = timeliness_of(row, profile.derive)
        if why:
            reasons.append(why[:1].upper() + why[1:])
    if profile.derive.status:
        values["status"] = status_of({**row, **{k: v or "" for k, v in values.items()}},
                                     profile.derive) or values.get("status")
    cells = [(values.get(name) or None) for name in export.columns]
    return [*cells, "; ".join(reasons) or None]


def open_profiled(path: Path, label: str, office: list[SourceProfile]) -> Export | None:
    """The export read by the first profile in force (the office's, then the shipped ones)
    that recognises one of the file's sheets (a text file: its text cut by one of the
    separators, only its first bytes read to recognise it); None when none does."""
    profiles = in_force(office)
    if not profiles:
        return None
    book = open_rows(path, label, head_only=True)
    try:
        for sheet in book.names():
            found = recognise(book.rows(sheet), profiles)
            if found is not None:
                profile, line = found
                top = [cells for n, cells in book.rows(sheet)
                       if line <= n < line + profile.layout.header_rows]
                return ProfiledExport(path, label, profile, sheet, line, flat_header(top))
    finally:
        book.close()
    return None
