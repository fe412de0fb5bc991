"""A report's printed figures (figures.yaml) read into `Printed` values, each with its
section, part (city | communes | total) and indicator, for reconcile.py to check."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml

from tthc_lib.errors import InputError, PeriodError
from tthc_lib.indicators.figures import COUNTS, RATES
from tthc_lib.periods import Period
from tthc_lib.vocab import LEVEL_LABELS

PART_LABELS = {"city": LEVEL_LABELS["district"].lower(),
               "communes": LEVEL_LABELS["commune"].lower(), "total": "tổng số"}
CHANGES = ("new", "amended", "abolished")


@dataclass(frozen=True)
class Printed:
    """One printed figure: where it is, which part (city | communes | total) and which
    indicator (a count or rate of docs/indicators.md, or published_<change>)."""

    section: str
    path: str
    part: str
    name: str
    value: int | Decimal


class _FigureLoader(yaml.SafeLoader):
    """SafeLoader whose floats are Decimals from their text, so 98.20 keeps two decimals."""


def _decimal_float(loader: yaml.SafeLoader, node: yaml.ScalarNode):
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Decimal(text)
    except ArithmeticError:
        return loader.construct_yaml_float(node)


_FigureLoader.add_constructor("tag:yaml.org,2002:float", _decimal_float)


def load_figures(path: str | os.PathLike) -> dict:
    """The figures file as a dict, percentages as Decimals with their printed decimals.
    Raises InputError when it cannot be read or is not a mapping."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_FigureLoader)  # safe: SafeLoader
    except OSError as exc:
        raise InputError(f"Không đọc được tệp số liệu {path}: {exc.strerror or exc}",
                         file=str(path)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"Tệp số liệu {path} không phải YAML hợp lệ: {exc}".splitlines()[0],
                         file=str(path)) from None
    if not isinstance(data, dict):
        raise InputError(f"Tệp số liệu {path} phải là một bảng khóa: giá trị (như figures.yaml).",
                         file=str(path))
    return data


def figures_period(figures: Mapping, period: Period | None = None) -> Period:
    """The period of the figures: `period` when given (it must match the file's own, if any),
    else the file's `period: {start, end}`. Raises PeriodError."""
    own = figures.get("period") if isinstance(figures.get("period"), Mapping) else None
    if own is not None:
        try:
            own = Period(_as_date(own["start"]), _as_date(own["end"]))
        except (KeyError, TypeError, ValueError):
            raise PeriodError("Mục period của tệp số liệu cần start và end dạng YYYY-MM-DD.",
                              period=str(figures.get("period"))) from None
    if period is not None and own is not None and period != own:
        raise PeriodError(f"Kỳ {period.iso} khác kỳ của tệp số liệu ({own.iso}).",
                          period=period.iso)
    if period is None and own is None:
        raise PeriodError("Tệp số liệu không có mục period: hãy cho --period BẮT_ĐẦU:KẾT_THÚC.",
                          period=None)
    return period or own


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _number(value, where: str) -> int | Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise InputError(f"Số liệu {where} không phải là số: {value!r}.", figure=where)
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _canonical(key: str) -> str | None:
    """A key of a counts section as an indicator name: a count, or `<rate>_pct` /
    `<count>_pct` as the rate; None for keys that name nothing checkable."""
    if key in COUNTS:
        return key
    if key.endswith("_pct"):
        base = key[: -len("_pct")]
        for name in (base, base + "_rate"):
            if name in RATES:
                return name
    return None


def _parts(section: str, sec: Mapping, names: Callable[[str], str | None]) -> list[Printed]:
    out = []
    for part, values in sec.items():
        if part not in PART_LABELS or not isinstance(values, Mapping):
            continue
        for key, value in values.items():
            name = names(str(key))
            if name is not None:
                where = f"{section} {part}.{key}"
                out.append(Printed(section, f"{part}.{key}", part, name, _number(value, where)))
    return out


def _read_counts(section: str):
    return lambda sec: _parts(section, sec, _canonical)


_DVC_KEYS = {"online": "dvc_online", "eligible": "dvc_eligible", "printed_pct": "dvc_rate"}


def _read_online(sec: Mapping) -> list[Printed]:
    return _parts("2.3", sec, _DVC_KEYS.get)


def _read_published(sec: Mapping) -> list[Printed]:
    out = []
    levels = {"district": "city", "commune": "communes", "total": "total"}
    for change in CHANGES:
        for level, value in (sec.get(change) or {}).items():
            if level in levels:
                out.append(Printed("1.3", f"{change}.{level}", levels[level],
                                   f"published_{change}", _number(value, f"1.3 {change}.{level}")))
    return out


_FEEDBACK_KEYS = {
    "received": ("total", "feedback_received"), "city": ("city", "feedback_received"),
    "communes": ("communes", "feedback_received"), "handled_on_time": ("total", "feedback_on_time"),
    "handled_late": ("total", "feedback_late"), "pending": ("total", "feedback_pending"),
    "business_regulation_feedback": ("total", "business_feedback_received"),
}


def _read_feedback(sec: Mapping) -> list[Printed]:
    return [Printed("3", key, *_FEEDBACK_KEYS[key], _number(value, f"3 {key}"))
            for key, value in sec.items() if key in _FEEDBACK_KEYS]


def printed_figures(figures: Mapping) -> list[Printed]:
    """Every checkable printed figure of the file, in the report's order."""
    out: list[Printed] = []
    for key, reader in SECTION_READERS.items():
        if isinstance(figures.get(key), Mapping):
            out += reader(figures[key])
    return out


# Section key of the figures file -> reader of its printed figures, in the report's order.
SECTION_READERS: dict[str, Callable[[Mapping], list[Printed]]] = {
    "section_1_3_procedures_published": _read_published,
    "section_2_2_dossiers": _read_counts("2.2"),
    "section_2_3_online_public_services": _read_online,
    "section_2_4_digitisation": _read_counts("2.4"),
    "section_3_feedback": _read_feedback,
}
