"""Analysts' words: narrative per period (with per-level and per-unit overrides) and the
office's settings (params/report.yaml, units.yaml, recipients.yaml).

Narrative text may name figures in braces — `{received_total}`, `{communes.resolved_early}`,
`{early_rate}` — filled from the data, so no typed number can drift from it. A number typed
into narrative ("13.400 hồ sơ", "85,7%") that matches no figure of the unit is a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tthc_lib.content.params_schema import (
    KEY_PATTERN,
    WORDS,
    check_narrative,
    check_recipients,
    check_report,
    check_units,
    figure_names,
    read_params_yaml,
)

__all__ = ["KEYS", "FigureValues", "Narrative", "Settings", "check_narrative_file",
           "narrative_path", "typed_number_findings"]

# The figures and their formatting (pandas, Babel) are imported where a narrative is filled:
# reading the settings, as every command and the batch's planning do, needs neither.

# Narrative keys, in report order (docs/report-layout.md § Narrative).
KEYS = ("opening", "s1_1", "s1_2", "s2_1", "late_reason_unit", "late_reason_communes", "s2_5",
        "achievements", "difficulties", "tasks", "closing")


@dataclass
class Settings:
    """The office's settings: params/report.yaml, units.yaml and recipients.yaml."""

    report: dict
    units: dict
    recipients: dict

    @classmethod
    def load(cls, params_dir: Path) -> Settings:
        params_dir = Path(params_dir)
        files = []
        for name, check in (("report.yaml", check_report), ("units.yaml", check_units),
                            ("recipients.yaml", check_recipients)):
            path = params_dir / name
            files.append(read_params_yaml(path))
            check(path, files[-1])
        return cls(*files)

    @property
    def calendar(self) -> str:
        return self.report.get("calendar") or "calendar"

    def place_for(self, info: dict, parent: dict | None) -> str:
        """The dateline's place (content.words.layout.dateline_place, with report.yaml's overrides)."""
        from tthc_lib.content.words.layout import dateline_place

        return dateline_place(info, parent, self.report)

    def _unit(self, unit: str) -> dict:
        return dict((self.units.get("units") or {}).get(unit) or {})

    def signer(self, unit: str, level: str, role: str | None = None) -> dict:
        """The unit's signer: units.yaml's `units:` entry over the defaults of its role
        (content.roles: province, department, board, district, commune), then of its level."""
        defaults = self.units.get("defaults") or {}
        base = dict(defaults.get(role) or defaults.get(level) or {})
        base.update(self._unit(unit))
        return {"authority": base.get("authority", ""), "title": base.get("title", ""),
                "name": base.get("name", "")}

    def doc_suffix(self, unit: str) -> str | None:
        """The number's suffix written for the unit in units.yaml (doc_suffix: BC-STP)."""
        return self._unit(unit).get("doc_suffix") or None

    def recipients_for(self, unit: str, level: str, role: str | None = None) -> list[str]:
        per_unit = (self.recipients.get("units") or {}).get(unit)
        if per_unit is not None:
            return list(per_unit)
        by_role = self.recipients.get(role) if role else None
        return list(by_role if by_role is not None else self.recipients.get(level) or [])


def narrative_path(params_dir: Path, start: date, end: date) -> Path:
    return Path(params_dir) / "narrative" / f"{start.isoformat()}_{end.isoformat()}.yaml"


def check_narrative_file(params_dir: Path, start: date, end: date) -> None:
    """The period's narrative file checked whole (every layer and `{name}`), before a run."""
    path = narrative_path(params_dir, start, end)
    check_narrative(path, read_params_yaml(path), KEYS, figure_names(WORDS))


@dataclass
class Narrative:
    """The narrative of one unit for one period: text per key, and the document fields."""

    texts: dict[str, object]
    document: dict = field(default_factory=dict)
    source: str | None = None
    path: Path | None = None     # where the period's narrative is (or would be) written

    def unwritten(self, key: str) -> bool:
        """The office has not written `key` yet: no narrative file for the period, or the key
        left empty (as `tthc init`'s skeleton leaves it). A key left out of a written file
        is a choice, not a gap."""
        if self.source is None:
            return True
        return key in self.texts and not str(self.texts[key] or "").strip()

    def gap_note(self, key: str) -> str:
        """The marker shown instead of an unwritten key."""
        where = f"narrative/{self.path.name}" if self.path else "narrative/"
        return f"[Chưa có lời văn cho mục này: ghi khóa “{key}” trong params/{where}.]"

    @classmethod
    def load(cls, params_dir: Path, start: date, end: date, unit: str,
             level: str) -> Narrative:
        """Base texts of the period, then the level's (`levels: {district|commune}`), then the
        unit's (`units: {CODE}`), each overriding key by key."""
        path = narrative_path(params_dir, start, end)
        data = read_params_yaml(path)
        check_narrative(path, data, KEYS, figure_names(WORDS))
        texts = dict(data.get("texts") or {})
        document = dict(data.get("document") or {})
        for layer in ((data.get("levels") or {}).get(level), (data.get("units") or {}).get(unit)):
            if layer:
                texts.update(layer.get("texts") or {})
                document.update(layer.get("document") or {})
        return cls(texts, document, path.name if path.exists() else None, path)

    def text(self, key: str, values: FigureValues) -> list[str]:
        """The paragraphs of a key (a string is one paragraph, a list many), figures filled."""
        raw = self.texts.get(key)
        if raw is None:
            return []
        items = raw if isinstance(raw, list) else [raw]
        return [values.fill(str(item)).strip() for item in items if str(item).strip()]


class FigureValues:
    """Figures a narrative may name: counts and rates of the unit (`name`), and of its roll-ups
    (`communes.name`, `total.name`), plus words (`unit_name`, `period_label`, ...)."""

    def __init__(self, rows: dict[str, dict], words: dict[str, str]):
        self.rows = rows      # scope -> indicator row (dict)
        self.words = words
        self.findings: list[dict] = []

    def lookup(self, name: str) -> str:
        from tthc_lib.content.words.formatting import fmt_int, fmt_pct
        from tthc_lib.indicators.figures import COUNTS, RATES

        if name in self.words:
            return self.words[name]
        scope, _, figure = name.rpartition(".")
        row = self.rows.get(scope or "unit")
        if row is None or (figure not in COUNTS and figure not in RATES):
            self.findings.append({"kind": "unknown_figure", "name": name})
            return "{" + name + "}"
        if figure in RATES:
            num, den = RATES[figure]
            return fmt_pct(int(row[num]), int(row[den]), 1) or "–"
        return fmt_int(int(row[figure]))

    def fill(self, text: str) -> str:
        """`{name}` of a known figure or word filled; any other brace stays as written."""
        return KEY_PATTERN.sub(lambda m: self.lookup(m[1]), text)

    def known_numbers(self) -> tuple[set[int], set[str]]:
        from tthc_lib.content.words.formatting import fmt_pct
        from tthc_lib.indicators.figures import COUNTS, RATES

        counts = {int(r[c]) for r in self.rows.values() for c in COUNTS}
        rates = set()
        for r in self.rows.values():
            for num, den in RATES.values():
                for places in (1, 2):
                    pct = fmt_pct(int(r[num]), int(r[den]), places)
                    if pct:
                        rates.add(pct.rstrip("%"))
        return counts, rates


_TYPED = re.compile(r"(?<![\d{.,])(\d{1,3}(?:\.\d{3})+|\d+)(,\d+)?\s*(%|hồ sơ|PAKN)")


def typed_number_findings(narrative: Narrative, values: FigureValues, unit: str) -> list[dict]:
    """Numbers typed into narrative next to "hồ sơ", "PAKN" or "%" that match no figure."""
    counts, rates = values.known_numbers()
    findings = []
    for key in KEYS:
        raw = narrative.texts.get(key)
        for item in (raw if isinstance(raw, list) else [raw] if raw else []):
            for m in _TYPED.finditer(re.sub(r"\{[^}]*\}", "", str(item))):
                number, decimals, what = m.groups()
                if what == "%":
                    ok = (number + (decimals or "")) in rates
                else:
                    ok = decimals is None and int(number.replace(".", "")) in counts
                if not ok:
                    findings.append({"kind": "typed_number", "unit": unit, "key": key,
                                     "text": m.group(0)})
    return findings
