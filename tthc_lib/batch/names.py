"""Output names: every file the batch writes is named here, from one template per kind.

{period} is START_END, {unit} the unit's file stem (`file_stem`: any unit code gets one that
every system an office uses can hold), {section} a section name (checked by `safe_name`).
Two units of a period whose stems are equal ignoring letter case would write each other's
files on Windows or macOS: `name_collisions` names them, and neither is reported.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from tthc_lib.errors import ReportError
from tthc_lib.periods import Period
from tthc_lib.render.formats import FORMATS

__all__ = ["MAX_STEM", "NOT_IN_NAMES", "OUTPUT_NAMES", "WINDOWS_DEVICES", "file_stem",
           "name_collisions", "output_path", "safe_name"]

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
        return FIXED_NAMES[name] if name in FIXED_NAMES else self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


OUTPUT_NAMES = OutputNames()

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_RULE = "chỉ chữ, số, '_', '-', '.'; tối đa 64 ký tự"
WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                             *(f"{d}{i}" for d in ("COM", "LPT") for i in "0123456789¹²³")})
NOT_IN_NAMES = frozenset('<>:"/\\|?*%')   # Windows refuses these; '%' is the escape itself
MAX_STEM = 64                             # characters: paths stay short on Windows


def safe_name(text: str, what: str = "tên mục") -> str:
    """A section name usable as a file name on every system, or a ReportError: no path parts,
    no traversal, no NUL or line break, at most 64 characters, no Windows device name
    (`CON`, `nul.x`), no trailing dot. (Unit codes are not refused: see `file_stem`.)"""
    if not _SAFE.fullmatch(text) or ".." in text:
        reason = _RULE
    elif text.split(".")[0].upper() in WINDOWS_DEVICES:
        reason = "tên thiết bị dành riêng của Windows"
    elif text.endswith("."):
        reason = "Windows bỏ dấu chấm cuối tên tệp"
    else:
        return text
    raise ReportError(f"Không dùng được {what} {text!r} làm tên tệp ({reason}).", name=text)


def file_stem(unit: str) -> str:
    """The stem of every file and folder of unit `unit` (its code): the code itself when any
    system can use it as a file name, else the code changed as little as needed:

    1. each character Windows refuses in a name (< > : " / \\ | ? *), each one that cannot
       be seen or typed (control and format characters, line breaks, spaces other than
       U+0020), and '%' itself, is written as '%' and the hex of its UTF-8 bytes, as in a
       URL: `a/b` -> `a%2Fb`, `W3<LF>` -> `W3%0A`, `50%` -> `50%25`;
    2. a leading '.', '-' or space (hidden file, command option) and every trailing '.' or
       space (Windows drops them) are written the same way: `-rf` -> `%2Drf`, `W1.` ->
       `W1%2E`;
    3. a Windows device name (CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM0-9, LPT0-9 and
       COM/LPT¹²³, any letter case) before the first dot gets '_': `CON` -> `CON_`,
       `Nul.x` -> `Nul_.x`;
    4. an empty code is `_`; a stem longer than 64 characters keeps its first 55, then '~'
       and 8 hex digits of the code's SHA-256 (two long codes never share a stem);
    5. a stem whose files would be the period's own (`index` -> index.html) gets '_':
       `index` -> `index_`.

    Deterministic, and one-to-one but for rare cases (`CON` and `CON_`, `index` and
    `index_`, letter case): `name_collisions` refuses those."""
    stem = "".join(_escaped(ch) if ch in NOT_IN_NAMES or not ch.isprintable() else ch
                   for ch in unit)
    if stem[:1] in (".", "-", " "):
        stem = _escaped(stem[0]) + stem[1:]
    trailing = len(stem) - len(stem.rstrip(". "))
    if trailing:
        stem = stem[:-trailing] + "".join(map(_escaped, stem[-trailing:]))
    base, dot, rest = stem.partition(".")
    if base.rstrip(" ").upper() in WINDOWS_DEVICES:
        stem = base + "_" + dot + rest
    if not stem:
        stem = "_"
    if len(stem) > MAX_STEM:
        cut = stem[:MAX_STEM - 9]
        cut = cut[:cut.rfind("%")] if "%" in cut[-2:] else cut   # no half escape
        stem = cut + "~" + hashlib.sha256(unit.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if _unit_files(stem) & _PERIOD_FILES:
        stem += "_"
    return stem


def _escaped(ch: str) -> str:
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))


def output_path(out: Path, name: str, period: Period, unit: str | None = None,
                section: str = "") -> Path:
    """The path of output `name` (a key of OUTPUT_NAMES) under the output folder `out`; the
    unit's files are named by `file_stem(unit)` (an empty code too)."""
    return Path(out) / _relative(name, f"{period.start}_{period.end}",
                                 file_stem(unit) if unit is not None else "",
                                 safe_name(section) if section else "")


def _relative(name: str, period: str, unit: str, section: str) -> str:
    return OUTPUT_NAMES[name].format(period=period, unit=unit, section=section)


def _unit_files(stem: str) -> set[str]:
    """The case-folded names of a unit's own outputs and folders in a period folder."""
    return {_relative(k, "p", stem, "s").casefold().rsplit("/", 1)[0] if k == "notebook"
            else _relative(k, "p", stem, "s").casefold()
            for k, t in OUTPUT_NAMES.items() if "{unit}" in t}


_PERIOD_FILES = {_relative(k, "p", "", "").casefold()
                 for k, t in OUTPUT_NAMES.items() if "{unit}" not in t}


def name_collisions(units: Iterable[str]) -> dict[str, str]:
    """unit -> the one-line reason it gets no report, for every unit of `units` whose file
    stem equals another's ignoring letter case (Windows and macOS would keep one file for
    both): all of them are named, none is reported, so no unit's report is another's."""
    groups: dict[str, list[str]] = {}
    for unit in dict.fromkeys(units):
        key = unicodedata.normalize("NFC", file_stem(unit)).casefold()   # macOS: NFC = NFD
        groups.setdefault(key, []).append(unit)
    refused = {}
    for codes in groups.values():
        if len(codes) > 1:
            refused.update(dict.fromkeys(codes, _collision_line(codes)))
    return refused


def _collision_line(codes: list[str]) -> str:
    stems = list(dict.fromkeys(file_stem(c) + ".html" for c in codes))
    why = (f"cùng là {stems[0]}" if len(stems) == 1 else
           f"{', '.join(stems)}: Windows không phân biệt chữ hoa, chữ thường")
    shown = ", ".join(map(repr, codes[:-1])) + f" và {codes[-1]!r}"
    return (f"Mã đơn vị {shown} trùng tên tệp báo cáo ({why}): không báo cáo đơn vị nào trong "
            "số đó, để tệp của đơn vị này không ghi đè đơn vị kia; hãy sửa mã trong danh mục "
            "đơn vị rồi chạy lại.")
