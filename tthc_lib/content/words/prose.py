"""The report's figure sentences, in the reference report's wording and order.

Each function takes indicator rows (dicts or pandas Series with the names of docs/indicators.md)
and returns NFC Vietnamese text; the caller adds list markers ("- ") and section headings,
except the "+ " of the digitisation lines, which belongs to their wording in the reference.

Rules, applied the same way everywhere:
- Rates are computed from the counts exactly and rounded half away from zero
  (tthc_lib.content.words.formatting), never taken from the rows' rounded floats.
- Decimals: **one** for the timeliness rates (trước hạn / đúng hạn / quá hạn: "85,7%"), **two**
  for the online, online-public-service and digitisation rates ("88,24%", "98,20%", "97,20%"),
  the reference's dominant usage (it prints "94,8%" and "97,2%" once each; we print
  "94,79%" and "97,20%").
- Counts below 10 take a leading zero ("07", "08 TTHC"); a count of 0 after a colon is written
  "không" (the business-feedback sentence writes "Không", as the reference does); in a
  breakdown in parentheses a zero part is left out. Fractions ("3.670/3.752 hồ sơ") are plain.
- A zero count gets no rate clause ("Quá hạn: không"), and an undefined rate (denominator 0)
  is never written: no "nan", no "0%".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tthc_lib.content.words.formatting import (
    NO_DATA,
    fmt_count,
    fmt_date,
    fmt_int,
    fmt_pct,
    nfc,
    unavailable,
)
from tthc_lib.periods import Period
from tthc_lib.vocab import LEVEL_LABELS

__all__ = ["BUSINESS_FEEDBACK_HEADING", "FEEDBACK_HEADING", "SERVICE_PLACES", "TIMELINESS_PLACES",
           "digitisation_prose", "dossiers_prose", "feedback_prose", "online_services_prose",
           "procedures_published_prose"]

TIMELINESS_PLACES = 1
SERVICE_PLACES = 2

# "province" -> "cấp tỉnh", "district" -> "cấp huyện", "commune" -> "cấp xã", from the one
# vocabulary.
LEVEL_WORDS = {canon: LEVEL_LABELS[canon].lower() for canon in ("province", "district", "commune")}
COMMUNES_WORD = LEVEL_WORDS["commune"]

FEEDBACK_HEADING = (
    "Tình hình tiếp nhận và xử lý phản ánh, kiến nghị (PAKN) về quy định và hành vi hành chính:"
)
BUSINESS_FEEDBACK_HEADING = (
    "Tình hình tiếp nhận và xử lý PAKN về quy định kinh doanh theo mục IX Nghị quyết số "
    "97/NQ-CP ngày 08/7/2023 của Chính phủ:"
)

Row = Mapping


def _n(row: Row, key: str) -> int:
    return int(row[key])


def _amount(n: int, noun: str = "hồ sơ", zero: str = "không") -> str:
    """ "13.372 hồ sơ", "07 hồ sơ", or the word for zero alone."""
    return zero if n == 0 else f"{fmt_count(n)} {noun}"


# ---------------------------------------------------------------- 2.2 dossiers


def dossiers_prose(row: Row, late_reason: str | None = None) -> list[str]:
    """Section 2.2 for one row: received (with its parts), resolved, early / on time / late
    with their rates, then dossiers received online. ``late_reason`` (analysts' words) is
    appended in parentheses to the late line when there are late dossiers."""
    lines = [_received_line(row), *_resolved_lines(row, late_reason), _online_line(row)]
    return [nfc(line) for line in lines]


def _received_line(row: Row) -> str:
    total = _n(row, "received_total")
    if total == 0:
        return "Số hồ sơ được tiếp nhận: không"
    parts = (
        ("Online", "received_online"),
        ("trực tiếp", "received_offline"),
        ("kỳ trước chuyển sang", "carried_over"),
        ("trong kỳ", "received_in_period"),
    )
    detail = "; ".join(f"{label}: {NO_DATA if unavailable(row, key) else _amount(_n(row, key))}"
                       for label, key in parts)
    if unavailable(row, "received_total"):    # dossiers resolved on an unknown date
        return f"Số hồ sơ được tiếp nhận: {NO_DATA} ({detail})"
    return f"Số hồ sơ được tiếp nhận {_amount(total)} ({detail})"


def _resolved_lines(row: Row, late_reason: str | None) -> list[str]:
    total = _n(row, "resolved_total")
    if total == 0:
        return ["Số hồ sơ đã giải quyết: không."]
    early = _share(row, "resolved_early", "resolved_total", "đạt", TIMELINESS_PLACES)
    on_time = _share(row, "resolved_on_time", "resolved_total", "đạt", TIMELINESS_PLACES)
    late = _share(row, "resolved_late", "resolved_total", "chiếm tỷ lệ", TIMELINESS_PLACES)
    reason = _clean_reason(late_reason)
    if reason and _n(row, "resolved_late"):
        late += f" ({reason})."
    # dossiers whose closing date the export does not give, counted on the earliest date
    # they can have been resolved on, their window reaching past the period (e-par)
    estimated = int(row.get("closing_estimated", 0) or 0)
    note = (f" ({_amount(estimated)} không có ngày giải quyết trong dữ liệu, được tính vào "
            f"ngày sớm nhất có thể: số liệu ước tính)" if estimated else "")
    return [
        f"Số hồ sơ đã giải quyết {_amount(total)}{note}.",
        f"Trong đó: Trước hạn: {early}",
        f"Đúng hạn: {on_time}",
        f"Quá hạn: {late}",
    ]


def _share(row: Row, key: str, den_key: str, verb: str, places: int) -> str:
    """ "10.049 hồ sơ, đạt 85,7%"; "không" for none; no rate clause when it is undefined."""
    n = _n(row, key)
    pct = fmt_pct(n, _n(row, den_key), places)
    if n == 0 or pct is None:
        return _amount(n)
    return f"{_amount(n)}, {verb} {pct}"


def _clean_reason(text: str | None) -> str:
    """The analysts' reason without surrounding blanks, parentheses or final full stop."""
    text = nfc(" ".join(str(text or "").split())).rstrip(".").strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text.rstrip(".").strip()


def _online_line(row: Row) -> str:
    head = "Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: "
    if unavailable(row, "received_online"):
        return head + NO_DATA
    n = _n(row, "received_online")
    pct = fmt_pct(n, _n(row, "received_in_period"), SERVICE_PLACES)
    if n == 0 or pct is None:
        return head + _amount(n)
    return head + f"{_amount(n)} (đạt {pct})"


# ---------------------------------------------------------------- 2.3 online public services


def online_services_prose(
    total_row: Row,
    unit_row: Row | None,
    communes_row: Row | None,
    period: Period,
    parts: Sequence[tuple[str, Row]] = (),
) -> str:
    """Section 2.3: online / eligible dossiers with the rate, for the whole unit, then (when
    ``unit_row`` and ``communes_row`` are given: a unit with wards and communes) for the unit's
    own level and for the communes. A unit without children: its row as ``total_row``, None,
    None. A province gives ``parts`` instead: (words, row) per part, its own first
    ("UBND thành phố Hải Phòng", "các sở, ban, ngành", "cấp xã")."""
    since = f"Từ ngày {fmt_date(period.start)} đến {fmt_date(period.end)}"
    if _n(total_row, "dvc_eligible") == 0:
        text = f"{since} không có hồ sơ thuộc {_ELIGIBLE}."
    elif unavailable(total_row, "dvc_online"):
        text = f"{since} số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: {NO_DATA}."
    else:
        text = f"{since} tổng số hồ sơ tiếp nhận qua dịch vụ công trực tuyến là "
        text += f"{_dvc_fraction(total_row)}."
    if parts:
        text += " Trong đó: " + ", ".join(_dvc_clause(w, r) for w, r in parts) + "."
    elif unit_row is not None and communes_row is not None:
        clauses = (
            _dvc_clause(LEVEL_WORDS[str(unit_row["level"])], unit_row),
            _dvc_clause(COMMUNES_WORD, communes_row),
        )
        text += " Trong đó: " + ", ".join(clauses) + "."
    return nfc(text)


_ELIGIBLE = "thủ tục hành chính cung cấp dịch vụ công trực tuyến toàn trình"


def _dvc_fraction(row: Row) -> str:
    online, eligible = _n(row, "dvc_online"), _n(row, "dvc_eligible")
    pct = fmt_pct(online, eligible, SERVICE_PLACES)
    return f"{fmt_int(online)}/{fmt_int(eligible)} hồ sơ đạt tỷ lệ {pct}"


def _dvc_clause(level_word: str, row: Row) -> str:
    if _n(row, "dvc_eligible") == 0:
        return f"{level_word} không có hồ sơ thuộc {_ELIGIBLE}"
    if unavailable(row, "dvc_online"):
        return f"{level_word} tiếp nhận qua dịch vụ công trực tuyến: {NO_DATA}"
    return f"{level_word} tiếp nhận qua dịch vụ công trực tuyến {_dvc_fraction(row)}"


# ---------------------------------------------------------------- 2.4 digitisation


def digitisation_prose(row: Row) -> list[str]:
    """Section 2.4 for one row: dossiers fully digitised at receipt (rate over those received
    in the period) and dossiers with a digitised result (rate over those resolved)."""
    receipt = _share(row, "digitised_on_receipt", "received_in_period", "đạt", SERVICE_PLACES)
    result = _share(row, "result_digitised", "resolved_total", "đạt", SERVICE_PLACES)
    if unavailable(row, "digitised_on_receipt"):     # an export without those columns
        receipt = result = NO_DATA
    return [
        nfc(f"+ Số hồ sơ số hóa đầy đủ thành phần khi Tiếp nhận: {receipt}"),
        nfc(f"+ Số hồ sơ có số hóa kết quả giải quyết TTHC: {result}"),
    ]


# ---------------------------------------------------------------- 1.3 procedures published

_CHANGES = (("new", "ban hành mới"), ("amended", "sửa đổi"), ("abolished", "bãi bỏ"))


def procedures_published_prose(published: Mapping | None, level: str = "district",
                               department: bool = False) -> str:
    """Section 1.3: procedures published new / amended / abolished, each with its split by
    level. ``published`` is IndicatorResult.procedures_published (None: not known); ``level``
    is the reporting unit's: a district counts both levels, a commune only its own, a
    province every level (a department, ``department=True``, only the province's)."""
    levels = {"district": ("district", "commune"),
              "province": ("province", "district", "commune")}.get(level, (level,))
    if department:
        levels = ("province",)
    if level == "province":
        levels = tuple(lv for lv in levels if lv == "province" or (published or {}).get(lv))
    parts = ([f"{label}: {_published(published, change, levels)}" for change, label in _CHANGES]
             if published is not None else [])
    if level == "province":
        whose = "cấp tỉnh" if department else "các cấp"
        lead = f"Số lượng TTHC thuộc thẩm quyền của {whose} được UBND cấp tỉnh công bố trong đó được "
    else:
        lead = (
            f"Số lượng TTHC thuộc thẩm quyền của UBND {LEVEL_WORDS[level]} được UBND tỉnh "
            "công bố trong đó được "
        )
    if published is None:                  # no publication export loaded
        return nfc(lead.removesuffix(" trong đó được ") + f": {NO_DATA}")
    return nfc(lead + "; ".join(parts))


def _published(published: Mapping, change: str, levels: tuple[str, ...]) -> str:
    counts = {lv: int((published.get(lv) or {}).get(change, 0)) for lv in levels}
    total = sum(counts.values())
    if total == 0 or len(levels) == 1:
        return _amount(total, "TTHC")
    split = [f"{_amount(n, 'TTHC')} {LEVEL_WORDS[lv]}" for lv, n in counts.items() if n]
    return f"{_amount(total, 'TTHC')} ({', '.join(split)})"


# ---------------------------------------------------------------- 3 feedback


def feedback_prose(
    row: Row,
    unit_row: Row | None = None,
    communes_row: Row | None = None,
    unit_word: str | None = None,
    parts: Sequence[tuple[str, Row]] = (),
) -> list[str]:
    """Section 3: the feedback (PAKN) sentence on regulations and administrative conduct,
    split between the unit (``unit_word``: "thành phố", "phường"...) and its communes when
    both rows are given (a province: ``parts``, (words, row) after its own, e.g.
    ("các sở, ban, ngành", row)), then the business-regulation sentence. Headings:
    FEEDBACK_HEADING and BUSINESS_FEEDBACK_HEADING."""
    split = ""
    if unit_row is not None and communes_row is not None and _n(row, "feedback_received"):
        split = _feedback_split(unit_row, communes_row, unit_word, parts)
    first = _feedback_sentence(row, "feedback", "không", split)
    business = _feedback_sentence(row, "business_feedback", "Không", "")
    return [nfc(first), nfc(business)]


def _feedback_sentence(row: Row, prefix: str, zero: str, split: str) -> str:
    def count(suffix: str) -> str:
        if unavailable(row, f"{prefix}_{suffix}"):        # no feedback export loaded
            return NO_DATA
        return fmt_count(_n(row, f"{prefix}_{suffix}"), zero=zero)

    return (
        f"Tổng số PAKN đã tiếp nhận: {count('received')}{split}; "
        f"số PAKN đã xử lý đúng hạn: {count('on_time')}; "
        f"số PAKN đã xử lý quá hạn: {count('late')}; "
        f"số PAKN đang xử lý: {count('pending')}"
    )


def _feedback_split(unit_row: Row, communes_row: Row, unit_word: str | None,
                    parts: Sequence[tuple[str, Row]] = ()) -> str:
    word = unit_word or _kind_word(unit_row)
    split = [(f"thuộc thẩm quyền {word}", _n(unit_row, "feedback_received"))]
    if parts:
        split += [(f"thuộc {who}", _n(r, "feedback_received")) for who, r in parts]
    else:
        split.append((f"thuộc {COMMUNES_WORD}", _n(communes_row, "feedback_received")))
    named = [f"{who} {_amount(n, 'PAKN')}" for who, n in split if n]
    return f" ({', '.join(named)})" if named else ""


def _kind_word(unit_row: Row) -> str:
    """The unit's own kind as written in the registry ("Thành phố" -> "thành phố"), else its
    level ("cấp huyện")."""
    kind = unit_row.get("kind") if hasattr(unit_row, "get") else None
    if isinstance(kind, str) and kind.strip() and kind.strip().casefold() not in LEVEL_WORDS:
        return nfc(kind.strip().lower())
    return LEVEL_WORDS[str(unit_row["level"])]
