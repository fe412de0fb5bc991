"""Source profiles: other one-stop systems' spellings of the same columns and values
(docs/input-format.md § Other systems' exports; grammar in docs/profiles.md).

An office writes `params/sources/NAME.yaml`; every profile in the folder applies. A profile
only adds header names and value synonyms, per kind and canonical column; every rule of the
loader still applies. The loader sees them through `header_lookup(kind)` and `values_of(col)`
while `applied(profiles)` is in force (the command line wraps ingest in it).
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tthc_lib import vocab
from tthc_lib.errors import InputError
from tthc_lib.ingest import sources

__all__ = ["Profiles", "applied", "canonical_values", "header_lookup", "load_profiles",
           "office_sources", "values_of"]

STANDARD = "chuẩn"  # a header or value of docs/input-format.md itself


@dataclass
class Profiles:
    """Every profile of a folder, merged: extra headers and values per (kind, column)."""

    headers: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    values: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)
    value_sources: dict[tuple[str, str, str], str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    sources: list = field(default_factory=list)   # whole-export profiles (sources.py)

    def header_source(self, kind: str, header: str) -> tuple[vocab.Column, str] | None:
        """The column a header names, and where the name comes from (STANDARD or a file)."""
        key = vocab.norm_header(header)
        col = vocab.header_lookup(kind).get(key)
        if col is not None:
            return col, STANDARD
        extra = self.headers.get(kind, {}).get(key)
        if extra is None:
            return None
        return _column(kind, extra[0]), extra[1]


_ACTIVE: ContextVar[Profiles | None] = ContextVar("tthc_profiles", default=None)
_NONE = Profiles()


@contextlib.contextmanager
def applied(profiles: Profiles):
    """Let the loader read with `profiles` inside the block."""
    token = _ACTIVE.set(profiles)
    try:
        yield profiles
    finally:
        _ACTIVE.reset(token)


def office_sources() -> list:
    """The whole-export profiles of the office's folder in force (sources.py)."""
    return list((_ACTIVE.get() or _NONE).sources)


def header_lookup(kind: str) -> dict[str, vocab.Column]:
    """vocab.header_lookup(kind) plus the headers the profiles in force add."""
    lookup = dict(vocab.header_lookup(kind))
    for key, (name, _source) in (_ACTIVE.get() or _NONE).headers.get(kind, {}).items():
        lookup.setdefault(key, _column(kind, name))
    return lookup


def values_of(col: vocab.Column) -> dict:
    """The synonyms of an enum or flag column, plus those the profiles in force add."""
    base = col.values if col.type == "enum" else vocab.FLAGS
    kind = _kind_of(col)
    extra = (_ACTIVE.get() or _NONE).values.get((kind, col.name)) if kind else None
    return {**base, **extra} if extra else base


def _kind_of(col: vocab.Column) -> str | None:
    for kind, cols in vocab.SCHEMAS.items():
        if any(c is col for c in cols):
            return kind
    return None


def _column(kind: str, name: str) -> vocab.Column:
    return next(c for c in vocab.SCHEMAS[kind] if c.name == name)


# --------------------------------------------------------------------------- reading


def load_profiles(folder: Path) -> Profiles:
    """Every `*.yaml` of `folder` (none when it is missing), checked; InputError of one line
    naming the file and what is wrong."""
    merged = Profiles()
    folder = Path(folder)
    if not folder.is_dir():
        return merged
    for path in sorted(folder.glob("*.y*ml")):
        data = _read(path)
        if sources.is_source_profile(data):
            merged.sources.append(sources.parse_source(data, path.name))
        else:
            _merge(merged, path, data)
        merged.files.append(path.name)
    return merged


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"Hồ sơ nguồn {path.name}: không đọc được ({_why(exc)}); cần YAML "
                         "dạng: dossiers: {headers: ..., values: ...}.", file=str(path)) from None
    if not isinstance(data, dict):
        raise _bad(path, "phải là một bảng theo loại tệp (dossiers:, units: ...)")
    return data


def _why(exc: Exception) -> str:
    return str(getattr(exc, "problem", None) or getattr(exc, "strerror", None) or exc)


def _bad(path: Path, what: str) -> InputError:
    return InputError(f"Hồ sơ nguồn {path.name}: {what}.", file=str(path))


def _merge(merged: Profiles, path: Path, data: dict) -> None:
    for kind, spec in data.items():
        if kind not in vocab.SCHEMAS:
            raise _bad(path, f"loại tệp {kind!r} không có (dùng {', '.join(vocab.SCHEMAS)})")
        if not isinstance(spec, dict) or set(spec) - {"headers", "values"}:
            raise _bad(path, f"{kind}: chỉ có hai khóa headers: và values:")
        for name, heads in (spec.get("headers") or {}).items():
            _add_headers(merged, path, kind, name, heads)
        for name, table in (spec.get("values") or {}).items():
            _add_values(merged, path, kind, name, table)


def _known(path: Path, kind: str, name: str) -> vocab.Column:
    cols = {c.name: c for c in vocab.SCHEMAS[kind]}
    if name not in cols:
        raise _bad(path, f"{kind}: cột {name!r} không có (các cột: {', '.join(cols)})")
    return cols[name]


def _add_headers(merged: Profiles, path: Path, kind: str, name: str, heads) -> None:
    col = _known(path, kind, name)
    heads = [heads] if isinstance(heads, str) else heads
    if not isinstance(heads, list) or not all(isinstance(h, str) and h.strip() for h in heads):
        raise _bad(path, f"{kind}.headers.{name}: cần một danh sách tên cột, ví dụ [\"Tên\"]")
    table = merged.headers.setdefault(kind, {})
    for head in heads:
        key = vocab.norm_header(head)
        taken = vocab.header_lookup(kind).get(key)
        other = table.get(key)
        if (taken is not None and taken.name != col.name) or (other and other[0] != col.name):
            owner = taken.name if taken is not None else other[0]
            raise _bad(path, f"{kind}: tiêu đề \"{head}\" đã là của cột {owner}, không thể "
                             f"cũng là của cột {col.name}")
        if taken is None:
            table.setdefault(key, (col.name, path.name))


def canonical_values(col: vocab.Column) -> list:
    """The values a column's synonyms may map to."""
    if col.type == "flag":
        return [True, False]
    return sorted(set(col.values.values()))


def _add_values(merged: Profiles, path: Path, kind: str, name: str, table) -> None:
    col = _known(path, kind, name)
    if col.type not in ("enum", "flag"):
        raise _bad(path, f"{kind}.values.{name}: cột này không có danh sách giá trị")
    if not isinstance(table, dict):
        raise _bad(path, f"{kind}.values.{name}: cần dạng {{\"giá trị khác\": giá_trị_chuẩn}}")
    allowed = canonical_values(col)
    target = merged.values.setdefault((kind, name), {})
    for spelling, value in table.items():
        value = _flag(value) if col.type == "flag" else value
        if value not in allowed:
            shown = ", ".join(str(a).lower() for a in allowed)
            raise _bad(path, f"{kind}.values.{name}: \"{spelling}\" phải ánh xạ tới một trong "
                             f"{shown} (đang là {value!r})")
        target[vocab.norm_value(str(spelling))] = value
        merged.value_sources[(kind, name, vocab.norm_value(str(spelling)))] = path.name


def _flag(value):
    if isinstance(value, bool):
        return value
    return vocab.FLAGS.get(vocab.norm_value(str(value)), value)
