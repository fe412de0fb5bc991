"""Who issues a report, by the role of its unit: the key of the signer and recipient defaults
(params/units.yaml and recipients.yaml) and the issuer's abbreviation in "Số: …/BC-STP".

Roles: `province` (UBND tỉnh, thành phố), `department` (a Sở), `board` (a Ban of the province),
`district` (UBND huyện, thị xã, thành phố thuộc tỉnh: the level abolished on 1/7/2025) and
`commune` (UBND xã, phường, đặc khu, and the wards of the old districts). Nghị định 30/2020/NĐ-CP
(Phụ lục III) gives a document's number as "Số: …/<kind>-<issuer's abbreviation>": UBND for a
people's committee, the initials of a department's name (Sở Tư pháp: STP).
"""

from __future__ import annotations

import unicodedata

from tthc_lib.content.words.levels import kind_word

__all__ = ["ROLES", "doc_suffix", "issuer_abbreviation", "role_of", "unsigned_findings"]

ROLES = ("province", "department", "board", "district", "commune")

# Small words left out of an abbreviation (Sở Nông nghiệp và Môi trường: SNNMT).
_SKIPPED = {"và", "của"}


def role_of(info: dict) -> str:
    """The role of a registry row (unit_name, kind, level, role)."""
    if info.get("role") == "department":
        return "board" if kind_word(info) == "ban" else "department"
    level = info.get("level")
    return level if level in ("province", "district", "commune") else "commune"


def _initial(word: str) -> str:
    first = unicodedata.normalize("NFD", word[:1].upper())[:1]
    return first


def issuer_abbreviation(info: dict, parent: dict | None = None) -> str:
    """UBND for a people's committee; the initials of a department's or board's name without
    the province's place name (Ban Quản lý Khu kinh tế Hải Phòng: BQLKKT)."""
    if role_of(info) not in ("department", "board"):
        return "UBND"
    words = str(info["unit_name"]).split()
    if parent is not None:
        place = str(parent["unit_name"]).split()[len(kind_word(parent).split()):]
        if place and words[-len(place):] == place and len(words) > len(place):
            words = words[:-len(place)]
    return "".join(_initial(w) for w in words if w.lower() not in _SKIPPED)


def doc_suffix(info: dict, parent: dict | None = None) -> str:
    """The number's suffix of a report (BC: báo cáo) issued by this unit: BC-UBND, BC-STP."""
    return f"BC-{issuer_abbreviation(info, parent)}"


def unsigned_findings(meta, unit: str) -> list[dict]:
    """Findings when the report would go out without a signer's title or name, or with no
    recipient but the file copy ("Lưu: VT") (ReportMeta)."""
    found = []
    missing = [what for what, value in (("chức danh", meta.signer.title),
                                        ("họ tên", meta.signer.name)) if not str(value).strip()]
    if missing:
        found.append({"kind": "unsigned", "unit": unit,
                      "message": (f"Báo cáo của {unit} chưa có {' và '.join(missing)} người ký: "
                                  f"ghi vào params/units.yaml, mục units: {unit}: "
                                  "{name: ...}.")})
    sent = [r for r in meta.recipients
            if r.strip() and not r.strip().casefold().startswith("lưu")]
    if not sent:
        found.append({"kind": "no_recipients", "unit": unit,
                      "message": (f"Báo cáo của {unit} chưa có nơi nhận nào ngoài dòng lưu "
                                  "(Lưu: VT): ghi vào params/recipients.yaml, mục units: "
                                  f"{unit}: [...] hoặc mục theo cấp của đơn vị.")})
    return found
