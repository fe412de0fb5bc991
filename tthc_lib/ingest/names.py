"""Unit and procedure names resolved to codes (docs/profiles.md, `names`).

Real lists carry "Đơn vị tiếp nhận: UBND xã Quảng Yên" or "Tên thủ tục hành chính" rather than
codes. A name is compared after normalising: Unicode form (NFC), case, spacing, and the kind
word in front ("UBND", "Ủy ban nhân dân", "Xã", "Phường", "Sở", ...). A name that matches no
registry entry, or more than one, is not guessed: the row is set aside with the name in the
reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tthc_lib import vocab

__all__ = ["Resolver", "name_key"]

_AUTHORITY = ["ủy ban nhân dân", "uỷ ban nhân dân", "ubnd"]
_KIND_WORDS = ["tỉnh", "thành phố", "tp.", "tp", "thị xã", "quận", "huyện", "phường", "xã",
               "thị trấn", "đặc khu", "sở", "ban"]


def _prefix(words: list[str]) -> re.Pattern:
    ordered = sorted(words, key=len, reverse=True)   # "ủy ban nhân dân" before "ban"
    alternatives = "|".join(re.escape(w) for w in ordered)
    return re.compile(rf"^(?:(?:{alternatives})(?=\s|$)\.?\s*)+")


_OFFICE = _prefix(_AUTHORITY)
_ANY_KIND = _prefix(_AUTHORITY + _KIND_WORDS)


def name_key(name: str, bare: bool = False) -> str:
    """A name as compared: NFC, case-folded, spacing collapsed, punctuation at the ends and
    "UBND"/"Ủy ban nhân dân" in front removed ("UBND Phường  Hồng Gai" → "phường hồng gai");
    `bare` also removes the kind words ("xã", "phường", "sở" …: → "hồng gai")."""
    text = vocab.norm_value(name).strip(" .,:;-")
    stripped = (_ANY_KIND if bare else _OFFICE).sub("", text).strip(" .,:;-")
    return stripped or text


@dataclass
class Resolver:
    """Names to codes for one registry (units or procedures): `code(name)` gives the code, or
    the reason, in Vietnamese, that names the value."""

    what: str                           # "đơn vị" | "thủ tục"
    by_key: dict[str, set[str]]         # the name with its kind word
    by_bare: dict[str, set[str]]        # the name without it
    codes: set[str]

    @classmethod
    def of(cls, what: str, entries: Iterable[tuple[str, str]]) -> Resolver:
        """From (code, name) pairs; a code given in place of a name also resolves."""
        by_key: dict[str, set[str]] = {}
        by_bare: dict[str, set[str]] = {}
        codes: set[str] = set()
        for code, name in entries:
            codes.add(code)
            by_key.setdefault(name_key(name), set()).add(code)
            by_bare.setdefault(name_key(name, bare=True), set()).add(code)
        return cls(what, by_key, by_bare, codes)

    def code(self, value: str) -> tuple[str | None, str | None]:
        """(code, None) or (None, reason). The name with its kind word is matched first
        ("xã Tân An" is not "phường Tân An"), then without it ("Xây dựng" is "Sở Xây dựng")."""
        text = " ".join(str(value).split())
        if not text:
            return None, f"thiếu tên {self.what}"
        if text in self.codes:
            return text, None
        found = (self.by_key.get(name_key(text), set())
                 or self.by_bare.get(name_key(text, bare=True), set()))
        if len(found) == 1:
            return next(iter(found)), None
        if not found:
            return None, f"tên {self.what} \"{text}\" không có trong danh mục"
        return None, (f"tên {self.what} \"{text}\" trùng với nhiều mã "
                      f"({', '.join(sorted(found))})")
