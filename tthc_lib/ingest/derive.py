"""Values a real export gives indirectly, derived row by row by a profile's `derive:` mapping
(docs/input-format.md § Other systems' exports; grammar in docs/profiles.md):

- a date format per column (`dd-mm-yyyy`, `DD/MM/YYYY HH:mm:ss`), a line break between date
  and time and trailing text ("28-02-2024⏎Từ 13:30 đến 16:00") tolerated;
- the status from several columns or from which dates are filled, by a rule table read top to
  bottom, the first rule that holds wins;
- values that mean the dossier was never received ("Mới đăng ký", "Không được tiếp nhận"),
  set aside with their own reason;
- the timeliness from days-early / on-time / late columns where there is no closing date.

Every function takes a row as {column: text}, a column named by canonical name or header.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from tthc_lib import vocab

__all__ = ["DateFormat", "Derive", "DeriveError", "Rule", "filled", "never_received_reason",
           "parse_derive", "status_of", "timeliness_of"]

_TOKENS = [("yyyy", r"(?P<y>\d{4})"), ("mm", r"(?P<m>\d{1,2})"), ("dd", r"(?P<d>\d{1,2})"),
           ("hh", r"(?P<H>\d{1,2})"), ("mi", r"(?P<M>\d{2})"), ("ss", r"(?P<S>\d{2})")]
TIMELINESS = ("early", "on_time", "late")
_NOT_FILLED = {"", "-", "–", "—", "0"}
_NO_NUMBER = {"", "-", "–", "—"}      # a timeliness column's "0" (days) is on time: given


class DeriveError(ValueError):
    """A `derive:` that cannot be read; the message is one Vietnamese clause."""


@dataclass(frozen=True)
class DateFormat:
    """`dd-mm-yyyy`, `DD/MM/YYYY HH:mm:ss` …: day, month, year, then optionally hour,
    minute, second; the value may carry a line break before the time and text after it."""

    text: str
    regex: re.Pattern

    @classmethod
    def of(cls, text: str) -> DateFormat:
        spec = str(text).lower().replace("hh:mm", "hh:mi")
        pattern = re.escape(spec).replace(r"\ ", r"\s+")
        for token, group in _TOKENS:
            pattern = pattern.replace(token, group)
        if "(?P<d>" not in pattern or "(?P<y>" not in pattern:
            raise DeriveError(f"derive.dates: định dạng \"{text}\" cần dd, mm và yyyy")
        return cls(str(text), re.compile(r"^\s*" + pattern))

    def parse(self, value: str) -> dt.datetime | None:
        """The local date-time the value starts with; None when it is not in this format.
        The time is optional, so `28-02-2024⏎Từ 13:30 đến 16:00` is the 28th at midnight."""
        text = " ".join(str(value).split())
        match = self.regex.match(text) or self._date_only().match(text)
        if not match:
            return None
        parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
        try:
            return dt.datetime(parts["y"], parts["m"], parts["d"], parts.get("H", 0),
                               parts.get("M", 0), parts.get("S", 0))
        except ValueError:
            return None

    def _date_only(self) -> re.Pattern:
        cut = self.regex.pattern.split(r"\s+(?P<H>")[0]
        return re.compile(cut)


@dataclass(frozen=True)
class Rule:
    """`if` {column: test} (all must hold) → `then` a canonical status. A test is `filled`,
    `empty`, a value or a list of values (compared after normalising)."""

    tests: tuple[tuple[str, object], ...]
    then: str

    def holds(self, row: dict[str, str]) -> bool:
        return all(_test(_cell(row, column), test) for column, test in self.tests)


@dataclass(frozen=True)
class Derive:
    dates: dict[str, DateFormat] = field(default_factory=dict)
    status: tuple[Rule, ...] = ()
    never_received: frozenset[str] = frozenset()
    never_received_column: str = "status"
    timeliness: dict[str, str] = field(default_factory=dict)   # early/on_time/late → column


def _cell(row: dict[str, str], column: str) -> str:
    if column in row:
        return row[column] or ""
    key = vocab.norm_header(column)
    return next((v or "" for k, v in row.items() if vocab.norm_header(k) == key), "")


def filled(text: str) -> bool:
    """Whether a cell holds a value: empty, "-", "–", "—" and "0" do not."""
    return vocab.norm_value(text) not in _NOT_FILLED


def _test(text: str, test) -> bool:
    if test == "filled":
        return filled(text)
    if test == "empty":
        return not filled(text)
    wanted = test if isinstance(test, list) else [test]
    return vocab.norm_value(text) in {vocab.norm_value(str(w)) for w in wanted}


def status_of(row: dict[str, str], derive: Derive) -> str | None:
    """The canonical status the first rule that holds gives; None when no rule holds."""
    return next((rule.then for rule in derive.status if rule.holds(row)), None)


def never_received_reason(row: dict[str, str], derive: Derive) -> str | None:
    """The reason a row is set aside as never received, or None."""
    value = _cell(row, derive.never_received_column)
    if vocab.norm_value(value) in derive.never_received:
        return f"hồ sơ chưa được tiếp nhận (\"{' '.join(value.split())}\"), không tính"
    return None


def timeliness_of(row: dict[str, str], derive: Derive) -> tuple[str | None, str | None]:
    """(early | on_time | late, None) from the one timeliness column holding a number (0
    days on time counts), (None, None) when none does (not resolved), (None, reason) when
    more than one does."""
    given = [name for name in TIMELINESS if name in derive.timeliness
             and vocab.norm_value(_cell(row, derive.timeliness[name])) not in _NO_NUMBER]
    if len(given) > 1:
        columns = ", ".join(derive.timeliness[n] for n in given)
        return None, f"có số ngày ở nhiều cột tiến độ ({columns}), cần đúng một"
    return (given[0] if given else None), None


# --------------------------------------------------------------------------- grammar


def parse_derive(spec: dict, statuses: set[str]) -> Derive:
    """A Derive from a profile's `derive:` mapping; DeriveError naming what is wrong."""
    if not isinstance(spec, dict):
        raise DeriveError("derive: cần một bảng (dates:, status:, never_received:, ...)")
    known = {"dates", "status", "never_received", "never_received_column", "timeliness"}
    if set(spec) - known:
        raise DeriveError(f"derive: khóa {sorted(set(spec) - known)} không có "
                          f"(dùng {', '.join(sorted(known))})")
    timeliness = spec.get("timeliness") or {}
    if set(timeliness) - set(TIMELINESS):
        raise DeriveError("derive.timeliness: chỉ có early:, on_time:, late:")
    return Derive(
        dates={col: DateFormat.of(fmt) for col, fmt in (spec.get("dates") or {}).items()},
        status=tuple(_rule(i, r, statuses) for i, r in enumerate(spec.get("status") or [])),
        never_received=frozenset(vocab.norm_value(v) for v in spec.get("never_received") or []),
        never_received_column=str(spec.get("never_received_column", "status")),
        timeliness={k: str(v) for k, v in timeliness.items()})


def _rule(index: int, spec, statuses: set[str]) -> Rule:
    where = f"derive.status[{index}]"
    if not isinstance(spec, dict) or "then" not in spec:
        raise DeriveError(f"{where}: cần if: {{cột: filled | empty | giá trị}} và then:")
    if spec["then"] not in statuses:
        raise DeriveError(f"{where}.then: \"{spec['then']}\" phải là một trong "
                          f"{', '.join(sorted(statuses))}")
    tests = spec.get("if") or {}
    if not isinstance(tests, dict):
        raise DeriveError(f"{where}.if: cần dạng {{cột: filled | empty | giá trị}}")
    return Rule(tuple((str(k), v) for k, v in tests.items()), str(spec["then"]))
