"""The fixed blocks of an administrative report (Nghị định 30/2020/NĐ-CP, Phụ lục I), as HTML.

A section notebook displays `header_html(meta)` at the top of the report and
`closing_html(meta)` at its end. Every piece of text is escaped here: params may hold
anything. The classes used are styled by the report template (templates/tthc/report.css).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date
from html import escape

from tthc_lib.content.words.formatting import fmt_date_long
from tthc_lib.errors import ReportError

__all__ = ["ReportMeta", "Signer", "closing_html", "dateline_place", "header_html",
           "place_and_date"]

ARCHIVE_DEFAULT = "Lưu: VT"


@dataclass(frozen=True)
class Signer:
    """Who signs: `authority` ("KT. CHỦ TỊCH", may be empty), `title` ("PHÓ CHỦ TỊCH"), name."""

    title: str
    name: str
    authority: str = ""


@dataclass(frozen=True)
class ReportMeta:
    """What the header and closing blocks show; built from params (see `from_dict`).

    issuer_lines: the issuing body last, its parent(s) above it
        (["UBND THÀNH PHỐ HẢI DƯƠNG", "UBND PHƯỜNG TRẦN HƯNG ĐẠO"]).
    doc_number: "245/BC-UBND" or "245" (doc_suffix is added); None or "" leaves the number
        blank for the clerk ("Số:      /BC-UBND").
    subject: the subject line(s); a newline starts a new line.
    recipients: "Văn phòng UBND tỉnh", …; the last may be "Lưu: VT, VP" (added if absent).
    """

    issuer_lines: tuple[str, ...]
    place: str
    date: date
    subject: str
    signer: Signer
    recipients: tuple[str, ...] = ()
    doc_number: str | None = None
    doc_suffix: str = "BC-UBND"
    title: str = "BÁO CÁO"

    @classmethod
    def from_dict(cls, data: dict) -> ReportMeta:
        """A ReportMeta from plain data (papermill parameters, YAML params); dates as ISO text."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ReportError(f"Thông tin báo cáo có mục không biết: {', '.join(unknown)}")
        try:
            data = dict(data)
            signer, when = data.pop("signer"), data.pop("date")
            return cls(
                issuer_lines=tuple(data.pop("issuer_lines")),
                recipients=tuple(data.pop("recipients", ())),
                date=when if isinstance(when, date) else date.fromisoformat(str(when)),
                signer=signer if isinstance(signer, Signer) else Signer(**signer),
                **data,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ReportError(f"Thông tin báo cáo thiếu hoặc sai: {exc}") from None

    def to_dict(self) -> dict:
        """Plain, JSON-ready data that `from_dict` turns back into this ReportMeta."""
        data = asdict(self)
        data["date"] = self.date.isoformat()
        data["issuer_lines"] = list(self.issuer_lines)
        data["recipients"] = list(self.recipients)
        return data


# Kind words that open a territorial unit's name, longest first ("thị xã" before "xã"), and the
# kinds of a province's departments (docs/structure.md § Levels and kinds).
_PLACE_KINDS = ("thành phố", "thị trấn", "thị xã", "đặc khu", "phường", "huyện", "quận",
                "tỉnh", "xã")
_DEPARTMENT_KINDS = ("sở", "ban", "cơ quan", "trung tâm")


def _fold(text) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).split()).casefold()


def dateline_place(unit: Mapping, parent: Mapping | None = None,
                   settings: Mapping | None = None) -> str:
    """The dateline's place (Nghị định 30/2020/NĐ-CP: where the issuing body sits). From the
    params (`settings`, report.yaml): `places[unit_code]`, else `place`; by default the unit's
    own name without its kind word ("Chí Linh" for Thành phố Chí Linh), a unit named by a
    number keeping it ("Phường 1"); a department's place is its province's (`parent`)."""
    settings = settings or {}
    own = (settings.get("places") or {}).get(unit.get("unit_code"))
    if own or settings.get("place"):
        return str(own or settings["place"])
    if parent is not None and (unit.get("role") == "department"
                               or _fold(unit.get("kind")) in _DEPARTMENT_KINDS):
        return dateline_place(parent, None, settings)
    name = " ".join(unicodedata.normalize("NFC", str(unit["unit_name"])).split())
    word = next((k for k in _PLACE_KINDS if _fold(name).startswith(k + " ")), None)
    rest = name[len(word) + 1:] if word else name
    return name if not rest or rest[0].isdigit() else rest


def place_and_date(place: str, when: date) -> str:
    """"Hải Dương, ngày 05 tháng 02 năm 2023" (the zeros of Nghị định 30: fmt_date_long)."""
    return f"{place}, {fmt_date_long(when)}"


def header_html(meta: ReportMeta) -> str:
    """The two-column header (issuer | national motto; number | place and date), the title
    and the subject line."""
    return (
        '<table class="tthc-header" role="presentation">'
        f'<tr><td class="tthc-issuer">{_issuer(meta.issuer_lines)}</td>'
        f'<td class="tthc-motto">{_MOTTO}</td></tr>'
        f'<tr class="tthc-dateline"><td class="tthc-number">Số: {escape(_number(meta))}</td>'
        f'<td class="tthc-date">{escape(place_and_date(meta.place, meta.date))}</td></tr>'
        "</table>"
        f'<p class="tthc-title">{escape(meta.title.upper())}</p>'
        f'<p class="tthc-subject"><span>{_lines(meta.subject)}</span></p>'
    )


def closing_html(meta: ReportMeta) -> str:
    """The end block: "Nơi nhận:" and its list on the left, the signature on the right."""
    return (
        '<table class="tthc-closing" role="presentation"><tr>'
        f'<td class="tthc-recipients">{_recipients(meta.recipients)}</td>'
        f'<td class="tthc-signature">{_signature(meta.signer)}</td>'
        "</tr></table>"
    )


def _issuer(issuer_lines: tuple[str, ...]) -> str:
    *parents, body = issuer_lines
    lines = [f'<div class="tthc-parent">{escape(p.upper())}</div>' for p in parents]
    lines.append(f'<div class="tthc-body-name"><span>{_kept_together(body.upper())}</span></div>')
    return "".join(lines)


def _kept_together(name: str) -> str:
    """A long issuer's name may wrap, but not inside its last two words, the place name
    ("BAN QUẢN LÝ KHU KINH TẾ / HẢI PHÒNG", never "… HẢI / PHÒNG")."""
    words = name.split()
    if len(words) < 4 or len(name) <= 28:   # fits the issuer's column on one line
        return escape(name)
    head, tail = " ".join(words[:-2]), " ".join(words[-2:])
    return f'{escape(head)} <span class="tthc-nowrap">{escape(tail)}</span>'


def _number(meta: ReportMeta) -> str:
    number = (meta.doc_number or "").strip() or "\u00a0" * 6
    return number if "/" in number else f"{number}/{meta.doc_suffix}"


_MOTTO = (
    '<div class="tthc-nation">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div>'
    '<div class="tthc-motto-line"><span>Độc lập - Tự do - Hạnh phúc</span></div>'
)


def _recipients(recipients: tuple[str, ...]) -> str:
    items = [r.strip().rstrip(";.").strip() for r in recipients if r.strip()]
    if not items or not items[-1].startswith("Lưu"):
        items.append(ARCHIVE_DEFAULT)
    lines = [f"<div>- {escape(item)};</div>" for item in items[:-1]]
    lines.append(f"<div>- {escape(items[-1])}.</div>")
    return '<div class="tthc-recipients-label">Nơi nhận:</div>' + "".join(lines)


def _signature(signer: Signer) -> str:
    lines = [escape(line.strip().upper())
             for line in [*signer.authority.splitlines(), signer.title] if line.strip()]
    return (
        f'<div class="tthc-sign-role">{"<br>".join(lines)}</div>'
        '<div class="tthc-sign-space"></div>'
        f'<div class="tthc-sign-name">{escape(signer.name)}</div>'
    )


def _lines(text: str) -> str:
    return "<br>".join(escape(line.strip()) for line in text.strip().splitlines())
