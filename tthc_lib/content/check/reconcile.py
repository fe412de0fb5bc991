"""Reconciliation of printed figures (a report's figures file, shaped like the reference
report's, tests/data/reconcile/figures.yaml) with their own arithmetic and with the store.

Every printed figure is checked exactly once, in one of two ways:

- **arithmetic**, when the figures print what it is made of: a total against the sum of its
  printed parts (the identities of docs/indicators.md within a part, e.g. received_total =
  carried_over + received_in_period; and total = city + communes across parts), a percentage
  against the one computed from its printed numerator and denominator, rounded to the printed
  number of decimals, halves away from zero;
- **data**, otherwise (the leaves: online, offline, carried over, early ... for the city and
  for its communes): against compute_indicators for the root unit (city = its `unit` row,
  communes = its `communes` row, total = its `total` row).

A total is never compared with the store directly: it agrees with the store exactly when it
agrees with its printed parts and they agree with the store, so a wrong total is one finding
(arithmetic, with the sum of the printed parts as the expected value), not two. When every
printed figure equals the store, there is no finding; when there is none, every printed figure
equals the store (the store's figures satisfy the same identities).

Not checked: figures the store does not hold (1.2, internal procedures published) and
keys this module does not know (the `check` notes of the reference's figures file).

Percentages keep the decimals they were printed with only when the file is read with
`load_figures` (YAML floats become Decimals from their text: 98.20 has two decimals); a plain
float dict gives the decimals of its shortest repr (98.2: one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from tthc_lib.content.check.printed import (
    PART_LABELS,
    Printed,
    figures_period,
    load_figures,  # re-exported for cli.py
    printed_figures,
)
from tthc_lib.content.words.formatting import fmt_int, fmt_percent, round_half_away, unavailable
from tthc_lib.errors import PeriodError, UnitError
from tthc_lib.indicators.figures import COUNTS, IDENTITIES, RATES, compute_indicators
from tthc_lib.periods import Period

__all__ = ["check_figures", "findings_json", "findings_text", "load_figures", "root_unit"]

KINDS = ("arithmetic", "data")
KIND_LABELS = {"arithmetic": "số học", "data": "dữ liệu"}
PART_SCOPES = {"city": "unit", "communes": "communes", "total": "total"}
PUBLISHED_LEVELS = {"city": "district", "communes": "commune"}

# What users read for each figure, in messages.
FIGURE_LABELS = {
    "received_total": "số hồ sơ được tiếp nhận",
    "received_online": "số hồ sơ trực tuyến",
    "received_offline": "số hồ sơ trực tiếp",
    "carried_over": "số hồ sơ kỳ trước chuyển sang",
    "received_in_period": "số hồ sơ tiếp nhận trong kỳ",
    "resolved_total": "số hồ sơ đã giải quyết",
    "resolved_early": "số hồ sơ giải quyết trước hạn",
    "resolved_on_time": "số hồ sơ giải quyết đúng hạn",
    "resolved_late": "số hồ sơ giải quyết quá hạn",
    "closed_other": "số hồ sơ rút, trả lại",
    "pending_total": "số hồ sơ đang giải quyết",
    "pending_in_time": "số hồ sơ đang giải quyết trong hạn",
    "pending_overdue": "số hồ sơ đang giải quyết quá hạn",
    "dvc_online": "số hồ sơ tiếp nhận qua dịch vụ công trực tuyến",
    "dvc_eligible": "số hồ sơ thuộc dịch vụ công trực tuyến",
    "digitised_on_receipt": "số hồ sơ số hóa khi tiếp nhận",
    "result_digitised": "số hồ sơ số hóa kết quả giải quyết",
    "feedback_received": "số PAKN đã tiếp nhận",
    "feedback_on_time": "số PAKN xử lý đúng hạn",
    "feedback_late": "số PAKN xử lý quá hạn",
    "feedback_pending": "số PAKN đang xử lý",
    "business_feedback_received": "số PAKN về quy định kinh doanh đã tiếp nhận",
    "business_feedback_on_time": "số PAKN về quy định kinh doanh xử lý đúng hạn",
    "business_feedback_late": "số PAKN về quy định kinh doanh xử lý quá hạn",
    "business_feedback_pending": "số PAKN về quy định kinh doanh đang xử lý",
    "published_new": "số TTHC công bố mới",
    "published_amended": "số TTHC công bố sửa đổi, bổ sung",
    "published_abolished": "số TTHC công bố bãi bỏ",
    "early_rate": "tỷ lệ trước hạn",
    "on_time_rate": "tỷ lệ đúng hạn",
    "late_rate": "tỷ lệ quá hạn",
    "online_rate": "tỷ lệ trực tuyến",
    "dvc_rate": "tỷ lệ",
    "digitised_on_receipt_rate": "tỷ lệ số hóa khi tiếp nhận",
    "result_digitised_rate": "tỷ lệ số hóa kết quả",
}


@dataclass(frozen=True)
class Finding:
    """A printed figure that disagrees with its own arithmetic or with the store."""

    section: str              # "2.3"
    figure: str               # its path in the section of the figures file: "city.printed_pct"
    printed: int | Decimal
    expected: int | Decimal | None  # None: a percentage whose denominator is 0
    kind: str                 # "arithmetic" | "data"
    message: str              # Vietnamese, for users

    def to_dict(self) -> dict:
        """JSON-ready: numbers stay numbers."""
        out = asdict(self)
        for key in ("printed", "expected"):
            if isinstance(out[key], Decimal):
                out[key] = float(out[key])
        return out


# ---------------------------------------------------------------- reading the figures


# ---------------------------------------------------------------- checking

def check_figures(con, figures: Mapping, unit: str | None = None,
                  period: Period | None = None) -> list[Finding]:
    """Every printed figure of `figures` that disagrees with its own arithmetic or (when
    `con` is a store) with the store's figures for the root unit (`unit`, else the unit
    without a parent) over the figures' period; in the report's order."""
    printed = printed_figures(figures)
    index = {(p.part, p.name): p for p in reversed(printed)}  # the first printed wins
    data = _store_values(con, figures, unit, period) if con is not None else None
    findings: list[Finding] = []
    for p in printed:
        own = _arithmetic_findings(p, index)
        findings += [f for f in own if f is not None]
        if data is not None and not own:  # not made of printed figures: compare with store
            found = _data_finding(p, data)
            findings += [found] if found else []
    return findings


def _arithmetic_findings(p: Printed, index: Mapping) -> list[Finding | None]:
    """One entry per arithmetic check `p` is the subject of: None when it holds."""
    if p.name in RATES:
        num, den = RATES[p.name]
        if (p.part, num) in index and (p.part, den) in index:
            return [_rate_check(p, index[p.part, num].value, index[p.part, den].value)]
        return []
    sums = [[(p.part, n) for n in right] for left, *right in IDENTITIES if left == p.name]
    if p.part == "total":
        sums.append([("city", p.name), ("communes", p.name)])
    return [_sum_check(p, [index[k] for k in keys]) for keys in sums
            if all(k in index for k in keys)]


def _where(p: Printed) -> str:
    return f"{p.section} {PART_LABELS[p.part]}"


def _label(p: Printed) -> str:
    return FIGURE_LABELS.get(p.name, p.name)


def _sum_check(p: Printed, parts: list[Printed]) -> Finding | None:
    total = sum(int(q.value) for q in parts)
    if int(p.value) == total:
        return None
    terms = " + ".join(_term(p, q) for q in parts)
    return Finding(p.section, p.path, p.value, total, "arithmetic",
                   f"{_where(p)}: {_label(p)} in {fmt_int(p.value)} nhưng "
                   f"{terms} = {fmt_int(total)}")


def _term(p: Printed, q: Printed) -> str:
    """A part of a sum as the message names it: the other part, or the other figure."""
    name = PART_LABELS[q.part] if q.part != p.part else FIGURE_LABELS.get(q.name, q.name)
    return f"{name} {fmt_int(q.value)}"


def _places(value: int | Decimal) -> int:
    exponent = Decimal(value).as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _rounded_rate(num: int, den: int, places: int) -> Decimal | None:
    return None if int(den) == 0 else round_half_away(Fraction(int(num) * 100, int(den)), places)


def _rate_check(p: Printed, num: int, den: int, kind: str = "arithmetic") -> Finding | None:
    """A printed rate against num/den: from its own printed parts ("arithmetic") or from the
    store ("data")."""
    places = _places(p.value)
    expected = _rounded_rate(num, den, places)
    if expected is not None and expected == Decimal(p.value):
        return None
    undefined = "mẫu số bằng 0" if kind == "arithmetic" else "không có hồ sơ"
    computed = f"không xác định ({undefined})" if expected is None else \
        f"{fmt_int(num)}/{fmt_int(den)} = {fmt_percent(expected, places)}"
    source = "" if kind == "arithmetic" else "dữ liệu cho "
    return Finding(p.section, p.path, p.value, expected, kind,
                   f"{_where(p)}: {_label(p)} in {fmt_percent(Decimal(p.value), places)} nhưng "
                   f"{source}{computed}")


@dataclass(frozen=True)
class _StoreValues:
    """The store's figures of one root unit and period, looked up by (part, name)."""

    rows: dict                 # part -> mapping of counts
    published: dict | None     # None: no publication export loaded

    def known(self, part: str, name: str) -> bool:
        """Whether the store can tell this figure (not: publications or feedback never
        loaded, a column its exports lack): a figure it cannot tell is not compared."""
        if name.startswith("published_"):
            return self.published is not None
        return not any(unavailable(self.rows[part], n) for n in RATES.get(name, (name,)))

    def count(self, part: str, name: str) -> int:
        if name.startswith("published_"):
            change = name[len("published_"):]
            levels = [PUBLISHED_LEVELS[part]] if part in PUBLISHED_LEVELS else \
                list(PUBLISHED_LEVELS.values())
            return sum(int((self.published or {}).get(lvl, {}).get(change, 0)) for lvl in levels)
        return int(self.rows[part][name])


def _store_values(con, figures: Mapping, unit: str | None,
                  period: Period | None) -> _StoreValues:
    period = figures_period(figures, period)
    root = root_unit(con, unit, period.end)
    result = compute_indicators(con, period.start, period.end, [root])
    zeros = dict.fromkeys(COUNTS, 0)
    rows = {part: result.row(root, scope) for part, scope in PART_SCOPES.items()}
    rows["communes"] = zeros if rows["communes"] is None else rows["communes"]
    rows["total"] = rows["city"] if rows["total"] is None else rows["total"]
    return _StoreValues(rows, result.procedures_published)


def root_unit(con, unit: str | None = None, as_of: date | None = None) -> str:
    """`unit` when the registry has it (and, with `as_of`, the structure of that day), else
    the one unit without a parent in the structure of `as_of` (of the whole registry without
    it). Raises UnitError when there is no such unit, or several."""
    from tthc_lib.store.structure import inactive_unit_reason, sql_date, structure_ctes

    if unit is not None:
        if not con.execute("SELECT 1 FROM units WHERE unit_code = ?", [unit]).fetchone():
            raise UnitError(f"Không có đơn vị {unit} trong danh mục đơn vị.", units=[unit])
        why = inactive_unit_reason(con, unit, as_of) if as_of is not None else None
        if why:
            raise UnitError(why, units=[unit])
        return unit
    query = (f"{structure_ctes(sql_date(as_of))} SELECT unit_code FROM structure "
             "WHERE parent_code IS NULL ORDER BY unit_code") if as_of is not None else \
        "SELECT unit_code FROM units WHERE parent_code IS NULL ORDER BY unit_code"
    roots = [r[0] for r in con.execute(query).fetchall()]
    if len(roots) != 1:
        found = f"có {len(roots)} đơn vị không có cấp trên ({', '.join(roots)})" if roots \
            else "danh mục đơn vị còn trống"
        day = f" ngày {as_of:%d/%m/%Y}" if as_of is not None and roots else ""
        raise UnitError(f"Không xác định được đơn vị gốc{day}: {found}; hãy chọn bằng --unit.",
                        units=roots)
    return roots[0]


def _data_finding(p: Printed, data: _StoreValues) -> Finding | None:
    if not data.known(p.part, p.name):
        return None
    if p.name in RATES:
        num, den = (data.count(p.part, n) for n in RATES[p.name])
        return _rate_check(p, num, den, "data")
    expected = data.count(p.part, p.name)
    if int(p.value) == expected:
        return None
    return Finding(p.section, p.path, p.value, expected, "data",
                   f"{_where(p)}: {_label(p)} in {fmt_int(p.value)} nhưng dữ liệu có "
                   f"{fmt_int(expected)}")


def findings_text(findings: Iterable[Finding]) -> str:
    """The findings as lines for a terminal, then a one-line summary."""
    findings = list(findings)
    lines = [f"[{KIND_LABELS[f.kind]}] {f.message}" for f in findings]
    lines.append(f"{len(findings)} số liệu chênh lệch." if findings
                 else "Không có số liệu nào chênh lệch.")
    return "\n".join(lines)


def findings_json(figures: Mapping, findings: Iterable[Finding],
                  period: Period | None = None) -> dict:
    """`{"period": {"start", "end"} or null, "findings": [...]}` for `tthc check --format json`."""
    try:
        p = figures_period(figures, period)
        when = {"start": p.start.isoformat(), "end": p.end.isoformat()}
    except PeriodError:
        when = None
    return {"period": when, "findings": [f.to_dict() for f in findings]}
