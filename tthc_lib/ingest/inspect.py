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
from tthc_lib.ingest import guess, profiles
from tthc_lib.ingest.headers import SCANNED, staged_columns
from tthc_lib.ingest.profiled import REASON, ProfiledExport
from tthc_lib.ingest.readers import open_export


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
        return _inspect_guessed(path, found, label, scanned, result)
    finally:
        SCANNED.reset(token)
    return _describe(export, found, result)


def _inspect_guessed(path, found, label, scanned, result) -> Inspection:
    """No kind recognised: guess the header row and its columns, then read with the guess."""
    line = max(scanned, key=lambda cells: len(guess.best_kind(cells)[1]))
    kind, guesses = guess.best_kind(line)
    trial = _with_headers(found, kind, guesses)
    try:
        with profiles.applied(trial):
            export = open_export(path, label)
    except InputError:
        result.kind = kind
        result.guessed_headers = guesses
        result.missing = [r for r in vocab.RECOGNISE[kind] if r not in guesses]
        result.ignored = [c for c in line if c.strip() and c not in guesses.values()]
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
        return result
    by_pos = {pos: name for name, pos in header.positions.items()}
    for pos, cell in enumerate(header.cells):
        if not cell.strip():
            continue
        if pos in by_pos:
            hit = found.header_source(header.kind, cell)
            source = hit[1] if hit else "chuẩn"
            result.mapped.append((cell, by_pos[pos], source))
        else:
            result.ignored.append(cell)
    result.guessed_headers = {n: h for h, n, s in result.mapped if s == "đoán"}
    with profiles.applied(found):
        _count_values(export, result)
    return result


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
    if not result.kind or not (result.guessed_headers or result.outside or result.missing):
        return ""
    lines = [f"{result.kind}:"]
    if result.guessed_headers or result.missing:
        lines.append("  headers:")
        for name, header in result.guessed_headers.items():
            lines.append(f"    {name}: [{_q(header)}]   # đoán, kiểm tra lại")
        for name in result.missing:
            lines.append(f"    {name}: []   # điền tên cột của tệp ứng với cột này")
    if result.outside:
        lines.append("  values:")
        schema = {c.name: c for c in vocab.SCHEMAS[result.kind]}
        for name, values in result.outside.items():
            col = schema[name]
            allowed = profiles.canonical_values(col)
            lines.append(f"    {name}:   # cho phép: {', '.join(_v(a) for a in allowed)}")
            for value in values:
                target = guess.guess_value(value, profiles.values_of(col), allowed)
                shown = _v(target) if target is not None else '""'
                note = "đoán, kiểm tra lại" if target is not None else "điền giá trị chuẩn"
                lines.append(f"      {_q(value)}: {shown}   # {note}")
    return "\n".join(lines)


def _q(text: str) -> str:
    return yaml.safe_dump(str(text), allow_unicode=True, default_style='"').splitlines()[0]


def _v(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


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
    for header, name, source in result.mapped:
        out.append(f"  {header!s:<32} -> {name} ({source})")
    if result.ignored:
        out.append(f"  bỏ qua: {', '.join(result.ignored)}")
    for name, values in result.outside.items():
        shown = ", ".join(f"{v!r} ×{n}" for v, n in values.items())
        out.append(f"  giá trị ngoài danh sách ở cột {name}: {shown}")
    if result.error:
        out.append(f"  LỖI: {result.error}")
    text = snippet(result)
    if text:
        name = Path(result.file).stem
        out += [f"  Hồ sơ nguồn gợi ý (dán vào params/sources/{name}.yaml):", "", text, ""]
    return "\n".join(out)
