"""Output names: every file the batch writes is named here, from one template per kind.

{period} is START_END, {unit} a unit code checked by `safe_name`, {section} a section name.
A unit code must name its files on every system an office uses: no path parts, no Windows
device name (CON, NUL, COM1, …), no trailing dot; and no two units' files, nor a unit's file
and the period's own files (index.html, …), may differ only by letter case (`name_conflicts`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from tthc_lib.errors import ReportError
from tthc_lib.periods import Period
from tthc_lib.render.formats import FORMATS

__all__ = ["OUTPUT_NAMES", "WINDOWS_DEVICES", "name_conflicts", "output_path", "safe_name"]

FIXED_NAMES = {
    "period_dir": "{period}",
    "notebook": "{period}/notebooks/{unit}/{section}.ipynb",
    "index": "{period}/index.html",
    "summary": "{period}/run-summary.json",
    "manifest": "{period}/manifest.json",
    "lock": "{period}/.tthc-report.lock",
    "lock_holder": "{period}/.tthc-report.pid",
}


class OutputNames(Mapping):
    """The fixed names, and one `{period}/{unit}{extension}` per registered output format
    (render/formats.py), as they are now."""

    def _all(self) -> dict[str, str]:
        return {**FIXED_NAMES, **{name: "{period}/{unit}" + fmt.extension
                                  for name, fmt in FORMATS.items()}}

    def __getitem__(self, name: str) -> str:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


OUTPUT_NAMES = OutputNames()

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_RULE = "chỉ chữ, số, '_', '-', '.'; tối đa 64 ký tự"
WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                             *(f"LPT{i}" for i in range(10))})


def safe_name(text: str, what: str = "mã đơn vị") -> str:
    """A unit code or section name usable as a file name on every system, or a ReportError:
    no path parts, no traversal, no NUL or line break, at most 64 characters, no Windows
    device name (`CON`, `nul.x`), no trailing dot."""
    if not _SAFE.fullmatch(text) or ".." in text:
        reason = _RULE
    elif text.split(".")[0].upper() in WINDOWS_DEVICES:
        reason = "tên thiết bị dành riêng của Windows"
    elif text.endswith("."):
        reason = "Windows bỏ dấu chấm cuối tên tệp"
    else:
        return text
    raise ReportError(f"Không dùng được {what} {text!r} làm tên tệp ({reason}).", name=text)


def output_path(out: Path, name: str, period: Period, unit: str = "", section: str = "") -> Path:
    """The path of output `name` (a key of OUTPUT_NAMES) under the output folder `out`."""
    return Path(out) / _relative(name, f"{period.start}_{period.end}",
                                 safe_name(unit) if unit else "",
                                 safe_name(section, "tên mục") if section else "")


def _relative(name: str, period: str, unit: str, section: str) -> str:
    return OUTPUT_NAMES[name].format(period=period, unit=unit, section=section)


def _unit_files(unit: str) -> set[str]:
    """The case-folded names of a unit's own outputs and folders in a period folder."""
    return {_relative(k, "p", unit, "s").casefold().rsplit("/", 1)[0] if k == "notebook"
            else _relative(k, "p", unit, "s").casefold()
            for k, t in OUTPUT_NAMES.items() if "{unit}" in t}


_PERIOD_FILES = {_relative(k, "p", "", "").casefold()
                 for k, t in OUTPUT_NAMES.items() if "{unit}" not in t}


def name_conflicts(units: Iterable[str]) -> dict[str, str]:
    """unit -> the one-line reason it cannot name files, for the units of `units` (in registry
    order) whose code is unsafe, names one of the period's own files, or differs only by
    letter case from an earlier unit's (the earlier one keeps its names)."""
    refused: dict[str, str] = {}
    claimed: dict[str, str] = {}
    for unit in units:
        try:
            files = _unit_files(safe_name(unit))
        except ReportError as exc:
            refused[unit] = str(exc)
            continue
        if files & _PERIOD_FILES:
            refused[unit] = (f"Không dùng được mã đơn vị {unit!r} làm tên tệp (trùng tên tệp "
                             "chung của kỳ báo cáo, như index.html).")
        elif clash := next((claimed[f] for f in sorted(files) if f in claimed), None):
            refused[unit] = (f"Không dùng được mã đơn vị {unit!r} làm tên tệp (chỉ khác mã "
                             f"{clash!r} ở chữ hoa, chữ thường: trùng tệp trên Windows).")
        else:
            claimed.update(dict.fromkeys(files, unit))
    return refused
