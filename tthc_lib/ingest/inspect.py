"""`tthc inspect FILE...`: how each file would be read, loading nothing
(docs/input-format.md § Inspect).

For each file: its kind, the column each header maps to and through which profile, the headers
ignored, the rows read, every value of a listed-set column outside the set (with its count),
and a profile snippet ready to paste into params/sources/. A file no kind recognises gets the
snippet guessed from its header row (guess.py), so that after pasting it is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tthc_lib import vocab
from tthc_lib.errors import InputError
from tthc_lib.ingest import guess, profiles, samples
from tthc_lib.ingest.headers import SCANNED, staged_columns
from tthc_lib.ingest.profiled import REASON, ProfiledExport
from tthc_lib.ingest.readers import open_export

__all__ = ["inspect_file", "render_report"]


@dataclass
class Inspection:
    """What `inspect_file` found for one file."""

    file: str
    kind: str | None = None
    header_line: int | None = None
    mapped: list[tuple[str, str, str]] = field(default_factory=list)  # header, column, source
    ignored: list[str] = field(default_factory=list)
    rows: int = 0
    outside: dict[str, dict[str, int]] = field(default_factory=dict)  # column -> value -> n
    guessed_headers: dict[str, str] = field(default_factory=dict)     # column -> header
    missing: list[str] = field(default_factory=list)  # required columns still unmapped
    error: str | None = None
    system: str | None = None            # the known system (or office profile) recognised
    lacks: list[str] = field(default_factory=list)    # required columns the export lacks
    levels: dict[str, str] = field(default_factory=dict)  # guessed column -> how sure
    unsure: dict[str, str] = field(default_factory=dict)  # column -> header too unsure to use
    samples: dict[str, samples.Sample] = field(default_factory=dict)  # header -> values


def inspect_file(path: Path, found: profiles.Profiles, label: str | None = None) -> Inspection:
    """How `path` would be read with the profiles `found`; never raises on bad input."""
    label = label if label is not None else str(path)
    result = Inspection(label)
    scanned: list = []
    token = SCANNED.set(scanned)
    try:
        with profiles.applied(found):
            export = open_export(path, label)
    except InputError as exc:
        if exc.attrs.get("reason") != "no_header" or not scanned:
            result.error = str(exc)
            return result
        return _inspect_guessed(path, found, label, scanned, result, exc)
    finally:
        SCANNED.reset(token)
    return _describe(export, found, result)


def _inspect_guessed(path, found, label, scanned, result, refusal) -> Inspection:
    """No kind recognised: guess the header row and its columns, then read with the guess.
    No row with a sure guess: no header at all (rows of data only), the refusal stands and
    none of the rows is shown."""
    line = max(scanned, key=lambda cells: sum(g.sure for g in guess.best_kind(cells)[1].values()))
    kind, rated = guess.best_kind(line)
    guesses = {name: g.cell for name, g in rated.items() if g.sure}
    if not guesses:
        result.error = str(refusal)
        return result
    result.levels = {name: g.level for name, g in rated.items()}
    result.unsure = {name: g.cell for name, g in rated.items() if not g.sure}
    trial = _with_headers(found, kind, guesses)
    try:
        with profiles.applied(trial):
            export = open_export(path, label)
    except InputError:
        result.kind = kind
        result.guessed_headers = guesses
        result.mapped = [(cell, name, "đoán") for name, cell in guesses.items()]
        result.missing = [r for r in vocab.RECOGNISE[kind] if r not in guesses]
        result.ignored = [c for c in line if c.strip() and c not in guesses.values()
                          and c not in result.unsure.values()]
        below = [cells for cells in scanned[scanned.index(line) + 1:]
                 if samples.aligned(cells, len(line))]
        _sample(result, line, iter(below))
        result.error = (f"{label}: không nhận ra loại tệp; đoán là {vocab.KIND_LABELS[kind]} "
                        f"nhưng còn thiếu cột: {', '.join(result.missing)}; hãy điền vào đoạn "
                        "hồ sơ nguồn dưới đây.")
        return result
    result.guessed_headers = guesses
    return _describe(export, trial, result)


def _with_headers(found: profiles.Profiles, kind: str, guesses: dict[str, str]):
    trial = profiles.Profiles({k: dict(v) for k, v in found.headers.items()},
                              dict(found.values), dict(found.value_sources), list(found.files))
    table = trial.headers.setdefault(kind, {})
    for name, header in guesses.items():
        table.setdefault(vocab.norm_header(header), (name, "đoán"))
    return trial


def _describe(export, found: profiles.Profiles, result: Inspection) -> Inspection:
    header = export.header
    result.kind, result.header_line = header.kind, header.line
    if isinstance(export, ProfiledExport):
        result.system = f"{export.profile.system} (hồ sơ nguồn {export.profile.origin})"
        result.mapped, result.ignored = export.described()
        result.lacks = sorted(export.lacks)
        with profiles.applied(found):
            _count_values(export, result)
        _sample_export(export, result)
        return result
    by_pos = {pos: name for name, pos in header.positions.items()}
    for pos, cell in enumerate(header.cells):
        if not cell.strip():
            continue
        if pos in by_pos:
            hit = found.header_source(header.kind, cell)
            source = hit[1] if hit else "chuẩn"
            result.mapped.append((cell, by_pos[pos], source))
        elif cell not in result.unsure.values():
            result.ignored.append(cell)
    result.guessed_headers = {n: h for h, n, s in result.mapped if s == "đoán"}
    read = {h for h, _n, _s in result.mapped}
    result.unsure = {n: c for n, c in result.unsure.items() if c not in read}
    with profiles.applied(found):
        _count_values(export, result)
    _sample_export(export, result)
    return result


def _sample_export(export, result: Inspection) -> None:
    """A few values of each of the export's columns, personal ones masked."""
    try:
        cells, rows = samples.export_rows(export)
        _sample(result, cells, rows)
    except InputError:
        return                              # the rows cannot be read: the error says why


def _sample(result: Inspection, cells: list[str], rows) -> None:
    lookup = vocab.header_lookup(result.kind)
    personal = {c for c in cells if (col := lookup.get(vocab.norm_header(c))) and col.personal}
    own = {c.name for c in vocab.SCHEMAS[result.kind] if not c.personal}
    cleared = {h for h, name, source in result.mapped if source != "đoán" and name in own}
    result.samples = samples.collect(cells, rows, personal, cleared)


def _masked(result: Inspection, name: str) -> bool:
    """Whether the column mapped to canonical `name` shows no values (personal data)."""
    header = next((h for h, n, _s in result.mapped if n == name), None)
    if header is None:                    # a value the profile derives: each value checked
        return False
    sample = result.samples.get(header)
    return sample is None or sample.masked


def _outside(result: Inspection, name: str) -> dict[str, int]:
    """The values outside the list that may be shown: none of a masked column, none that
    looks like personal data."""
    if _masked(result, name):
        return {}
    return {v: n for v, n in result.outside[name].items() if not samples.looks_personal(v)}


def _count_values(export, result: Inspection) -> None:
    """Rows read, and the values of listed-set columns that no synonym maps."""
    import duckdb

    con = duckdb.connect()
    try:
        try:
            export.stage(con, "inspected", lambda rel: f"SELECT * FROM {rel}")
        except InputError as exc:
            result.error = str(exc)
            return
        cols = staged_columns(export.header)
        if not cols:
            return
        present = " OR ".join(f'"{c}" IS NOT NULL' for c in cols)
        result.rows = con.execute(f"SELECT count(*) FROM inspected WHERE {present}").fetchone()[0]
        schema = {c.name: c for c in vocab.SCHEMAS[export.kind]}
        # rows a source profile sets aside for its own reason (never received) are no
        # values to map
        own = f"AND {REASON} IS NULL" if REASON in cols else ""
        for name in (c for c in cols if c in schema):
            col = schema[name]
            if col.type in ("enum", "flag"):
                known = {vocab.norm_value(k) for k in profiles.values_of(col)}
                counts = con.execute(f'SELECT trim("{name}"), count(*) FROM inspected '
                                     f'WHERE "{name}" IS NOT NULL {own} GROUP BY 1 '
                                     'ORDER BY 2 DESC, 1'
                                     ).fetchall()
                bad = {v: n for v, n in counts if v and vocab.norm_value(v) not in known}
                if bad:
                    result.outside[name] = bad
    finally:
        con.close()


# --------------------------------------------------------------------------- output


def snippet(result: Inspection) -> str:
    """A profile (YAML) mapping what this file needs: guessed headers and unknown values."""
    if not result.kind or not (result.guessed_headers or result.outside or result.missing
                               or result.unsure):
        return ""
    lines = [f"{result.kind}:"]
    if result.guessed_headers or result.missing or result.unsure:
        lines.append("  headers:")
        for name, header in result.guessed_headers.items():
            level = result.levels.get(name, guess.LIKELY)
            lines.append(f"    {name}: [{_q(header)}]   # đoán ({level}), kiểm tra lại")
        for name in [*result.missing, *(n for n in result.unsure if n not in result.missing)]:
            lines.append(f"    {name}: []   # {_blank_note(result, name)}")
    if result.outside:
        lines.append("  values:")
        schema = {c.name: c for c in vocab.SCHEMAS[result.kind]}
        for name in result.outside:
            col, values = schema[name], _outside(result, name)
            allowed = profiles.canonical_values(col)
            if not values:
                lines.append(f"    # {name}: giá trị ẩn (dữ liệu cá nhân), không gợi ý")
                continue
            lines.append(f"    {name}:   # cho phép: {', '.join(_v(a) for a in allowed)}")
            for value in values:
                target = guess.guess_value(value, profiles.values_of(col), allowed)
                shown = _v(target) if target is not None else '""'
                note = "đoán, kiểm tra lại" if target is not None else "điền giá trị chuẩn"
                lines.append(f"      {_q(value)}: {shown}   # {note}")
    return "\n".join(lines)


def _blank_note(result: Inspection, name: str) -> str:
    """The comment of a column left blank for the office to fill."""
    if name in result.unsure:
        return (f"chưa chắc (có thể là cột {_q(result.unsure[name])}): điền tên cột của tệp "
                "ứng với cột này")
    return "điền tên cột của tệp ứng với cột này"


def _q(text: str) -> str:
    return yaml.safe_dump(str(text), allow_unicode=True, default_style='"').splitlines()[0]


def _v(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


LEGEND = [("  (đoán: chắc chắn = tiêu đề là một tên quen dùng của cột; có thể = gần giống, "
           "hãy kiểm tra;"),
          "   chưa chắc = không dùng, để trống trong hồ sơ nguồn gợi ý)"]


def render_report(result: Inspection) -> str:
    """The lines `tthc inspect` prints for one file."""
    if result.kind is None:
        return f"LỖI: {result.error}"
    out = [f"{result.file}: {vocab.KIND_LABELS[result.kind]} ({result.kind})"
           + (f", tiêu đề ở dòng {result.header_line}" if result.header_line else "")
           + (f", đọc {result.rows} dòng" if result.error is None else "")]
    if result.system:
        out.append(f"  nhận ra: {result.system}")
    for name in result.lacks:
        head = next(c.header for c in vocab.SCHEMAS[result.kind] if c.name == name)
        out.append(f"  không có cột \"{head}\": các số liệu cần cột này ghi \"không có số liệu\"")
    out += _column_lines(result)
    for name in result.outside:
        values = _outside(result, name)
        hidden = sum(result.outside[name].values()) - sum(values.values())
        shown = ", ".join(f"{v!r} ×{n}" for v, n in values.items())
        if hidden:
            shown += (", " if shown else "") + f"{samples.MASK} ×{hidden}"
        out.append(f"  giá trị ngoài danh sách ở cột {name}: {shown}")
    if result.error:
        out.append(f"  LỖI: {result.error}")
    text = snippet(result)
    if text:
        name = Path(result.file).stem
        out += [f"  Hồ sơ nguồn gợi ý (dán vào params/sources/{name}.yaml):", "", text, ""]
    return "\n".join(out)


def _head(header: str) -> str:
    """A header as shown: masked when it looks like personal data (a data row taken for the
    header, a name typed into the header row)."""
    return samples.MASK if samples.looks_personal(header) else str(header)


def _column_lines(result: Inspection) -> list[str]:
    """Each header: the column it maps to (and how sure a guess is), a few of its values."""
    out = []
    personal = {c.name for c in vocab.SCHEMAS[result.kind] if c.personal}
    for header, name, source in result.mapped:
        if source == "đoán":
            source = f"đoán: {result.levels.get(name, guess.LIKELY)}"
        if name in personal:
            source += "; dữ liệu cá nhân, không nạp"
        out.append(f"  {_head(header):<32} -> {name} ({source})")
        out.append(f"      ví dụ: {samples.shown(result.samples.get(header))}")
    for name, header in result.unsure.items():
        out.append(f"  {_head(header):<32} -> ? (chưa chắc: có thể là {name}; để trống)")
        out.append(f"      ví dụ: {samples.shown(result.samples.get(header))}")
    if result.ignored:
        out.append(f"  bỏ qua: {', '.join(_head(h) for h in result.ignored)}")
        out += [f"      {_head(h)}: {samples.shown(result.samples.get(h))}"
                for h in result.ignored]
    if result.levels:
        out += LEGEND
    return out
