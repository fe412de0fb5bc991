"""One unit's report context, computed once per notebook: its figures (all units' indicators,
cached per kernel while the store is unchanged), settings, narrative and document meta."""

from __future__ import annotations

import os
import string
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from tthc_lib.content.figures import tables
from tthc_lib.content.params_schema import KEY_PATTERN
from tthc_lib.content.request import request_of
from tthc_lib.content.words import levels
from tthc_lib.content.words.layout import ReportMeta, Signer
from tthc_lib.content.words.narrative import (
    FigureValues,
    Narrative,
    Settings,
    typed_number_findings,
)
from tthc_lib.content.words.roles import doc_suffix, role_of, unsigned_findings
from tthc_lib.indicators.figures import (
    IndicatorResult,
    compute_indicators,
)
from tthc_lib.periods import Period, label_vi, range_vi
from tthc_lib.store.connection import open_store

__all__ = [
    "ReportContext", "cached_indicators", "communes_label", "context", "issuer_name", "unit_word",
]


@dataclass
class ReportContext:
    """Everything the sections of one unit's report need, computed once."""

    unit: str
    period: Period
    db: Path
    settings: Settings
    result: IndicatorResult
    narrative: Narrative
    values: FigureValues
    meta: ReportMeta
    info: dict           # the unit's registry row: unit_name, kind, level, parent_code
    parent: dict | None  # the parent's registry row, if any
    params_dir: Path
    _rows: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def rows(self) -> pd.DataFrame:
        return self.result.rows

    def row(self, scope: str = "unit") -> pd.Series | None:
        """The unit's figures in `scope`, looked up once per context (a section asks for the
        same rows many times; each look-up filters all units' rows)."""
        if scope not in self._rows:
            self._rows[scope] = self.result.row(self.unit, scope)
        return self._rows[scope]

    @property
    def has_children(self) -> bool:
        return self.row("total") is not None

    @property
    def findings(self) -> list[dict]:
        return self.result.findings + self.values.findings + typed_number_findings(
            self.narrative, self.values, self.unit) + unsigned_findings(self.meta, self.unit)


def unit_word(info: dict) -> str:
    """'thành phố Hải Dương' from 'Thành phố Hải Dương': the name as used inside a sentence."""
    name = info["unit_name"]
    if info.get("role") == "department":
        return name  # "Sở Tư pháp": a body's name keeps its capital
    kind = (info.get("kind") or "").lower()
    words = [kind, levels.SHORT_KINDS.get(kind, kind), *levels.KIND_WORDS]
    for word in sorted({w for w in words if w and name.lower().startswith(w + " ")},
                       key=len, reverse=True)[:1]:
        return word + name[len(word):]
    return name


def communes_label(ctx: ReportContext) -> str:
    """"các phường, xã" — from the kinds of the units below, not assumed."""
    return tables.communes_label(ctx.rows, ctx.unit)


def issuer_name(info: dict) -> str:
    """ "UBND phường Lê Thanh Nghị"; a department issues in its own name ("Sở Tư pháp")."""
    if info.get("role") == "department":
        return info["unit_name"]
    return f"UBND {unit_word(info)}"


@lru_cache(maxsize=8)
def cached_indicators(db: str, mtime: float, start: date, end: date,
                      as_of: date | None = None) -> tuple[IndicatorResult, dict]:
    """All units' figures for a period on the structure of `as_of` (default: `end`), once
    per kernel while the store is unchanged. The registry rows carry each unit's parent in
    that structure (a new ward's parent is the province, not its old city)."""
    with open_store(db, read_only=True) as con:
        result = compute_indicators(con, start, end, as_of=as_of)
        registry = con.execute("SELECT unit_code, unit_name, kind, level, role, parent_code "
                               "FROM units").df().set_index("unit_code").to_dict(orient="index")
    parents = {r["unit"]: r["parent_code"] for _, r in result.rows.iterrows()
               if r["scope"] == "unit"}
    for code, parent in parents.items():
        if code in registry:
            registry[code]["parent_code"] = None if pd.isna(parent) else parent
    return result, registry


def _files_stamp(folder: Path) -> tuple:
    """(path, mtime, size) of every file under `folder`: changes when any of them does."""
    stamp = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            st = os.stat(os.path.join(root, name))
            stamp.append((root, name, st.st_mtime_ns, st.st_size))
    return tuple(sorted(stamp))


@lru_cache(maxsize=4)
def _settings(params_dir: Path, stamp: tuple) -> Settings:
    """Settings.load, read once per kernel while the params files are unchanged."""
    return Settings.load(params_dir)


@lru_cache(maxsize=64)
def _narrative(params_dir: Path, stamp: tuple, start: date, end: date, unit: str,
               level: str) -> Narrative:
    """Narrative.load, read once per unit while the params files are unchanged (the seven
    section notebooks of a unit share it)."""
    return Narrative.load(params_dir, start, end, unit, level)


def context(unit: str, period_start: str, period_end: str, db: str | Path,
            params_dir: str | Path) -> ReportContext:
    """The report context of one unit and period (parameters as a notebook receives them)."""
    from tthc_lib.errors import UnitError

    period = request_of(unit, period_start, period_end, db, params_dir).period
    db = Path(db)
    stamp = _files_stamp(Path(params_dir))
    settings = _settings(Path(params_dir), stamp)
    result, registry = cached_indicators(str(db), db.stat().st_mtime if db.exists() else 0.0,
                                   period.start, period.end)
    if unit not in registry:
        raise UnitError(f"Không có đơn vị {unit} trong danh mục đơn vị.", unit=unit)
    if result.row(unit, "unit") is None:
        raise UnitError(f"Đơn vị {unit} không có trong cơ cấu đơn vị ngày "
                        f"{period.end:%d/%m/%Y} (đã sắp xếp vào đơn vị khác, hoặc chưa thành "
                        "lập): hãy chọn đơn vị đang hoạt động ở cuối kỳ.", unit=unit)
    info = dict(registry[unit], unit_code=unit)
    parent = registry.get(info["parent_code"]) if info.get("parent_code") else None
    if parent is not None:
        parent = dict(parent, unit_code=info["parent_code"])
    narrative = _narrative(Path(params_dir), stamp, period.start, period.end, unit,
                           info["level"])
    rows = {s: result.row(unit, s) for s in ("unit", "communes", "total")}
    words = {
        "unit_name": info["unit_name"], "unit_word": unit_word(info),
        "issuer": issuer_name(info),
        "parent_name": unit_word(parent) if parent else "",
        "period_label": label_vi(period, settings.calendar), "period_range": range_vi(period),
    }
    values = FigureValues({k: v for k, v in rows.items() if v is not None}, words)
    meta = _meta(unit, info, parent, period, settings, narrative, words)
    return ReportContext(unit, period, db, settings, result, narrative, values, meta, info, parent,
                         Path(params_dir))


def _fields(text: str) -> list[str]:
    """The placeholders of a recipient line ("UBND {parent_name} (để b/c)": parent_name)."""
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def _meta(unit, info, parent, period, settings, narrative, words) -> ReportMeta:
    issuer_lines = ([issuer_name(parent).upper()] if parent else []) + [issuer_name(info).upper()]
    when = narrative.document.get("date") or period.end
    role = role_of(info)
    recipients = [KEY_PATTERN.sub(lambda m: str(words.get(m[1], m[0])), str(r))
                  for r in settings.recipients_for(unit, info["level"], role)
                  if all(words.get(key) for key in _fields(r))]
    return ReportMeta(
        issuer_lines=tuple(issuer_lines),
        place=settings.place_for(info, parent),
        date=when if isinstance(when, date) else date.fromisoformat(str(when)),
        subject=("Tình hình, kết quả thực hiện công tác cải cách thủ tục hành chính\n"
                 f"{words['period_label']} tại {words['unit_word']}"),
        signer=Signer(**settings.signer(unit, info["level"], role)),
        recipients=tuple(recipients),
        doc_suffix=settings.doc_suffix(unit) or doc_suffix(info, parent),
        doc_number=str(narrative.document.get("number") or "") or None,
    )
