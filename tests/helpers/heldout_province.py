"""The held-out province of tests/test_report_structure.py (issue 10, "Done means"): a
small province that is nowhere else in this repository, generated in code with every case of
docs/structure.md, written as the exports an office holds, and an independent computation of its
figures in plain Python over the generated records (not our SQL).

Cases: a whole merge (two old provinces, a commune), a split with data (Xã An Lạc) and
without (Xã Tây Hòa keeps going), a unit that only gave territory (Xã Tây An), a unit
established later (Đặc khu Hòn Mê, 01/01/2026), a chain of two (Xã An Hòa → Xã An Bình →
Xã An Bình mới), districts abolished into the province, departments (one under a merged
province: its parent follows the succession), records under a ceased code after the change,
dossiers open across 1/7/2025, paused ones, ones without an appointment date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CHANGE = date(2025, 7, 1)
BASIS = "Nghị quyết số 1777/NQ-UBTVQH15"
BASIS_PROVINCE = "Nghị quyết số 202/2025/QH15"
BASIS_EARLY = "Nghị quyết số 1111/NQ-UBTVQH15"

# code: (name, kind, parent, established)
UNITS = {
    "KA": ("Tỉnh Khánh An", "Tỉnh", None, None),
    "BS": ("Tỉnh Bình Sơn", "Tỉnh", None, None),
    "KASTP": ("Sở Tư pháp", "Sở", "KA", None),
    "BSSXD": ("Sở Xây dựng", "Sở", "BS", None),
    "HD": ("Huyện Đông Giang", "Huyện", "KA", None),
    "TX": ("Thị xã Tây Lâm", "Thị xã", "BS", None),
    "C1": ("Xã An Bình", "Xã", "HD", None),
    "C2": ("Xã An Phú", "Xã", "HD", None),
    "C3": ("Xã An Lạc", "Xã", "HD", None),
    "C4": ("Thị trấn Đông Hà", "Thị trấn", "HD", None),
    "C5": ("Phường Tây Sơn", "Phường", "TX", None),
    "C6": ("Xã Tây Hòa", "Xã", "TX", None),
    "C7": ("Xã An Hòa", "Xã", "HD", None),
    "C8": ("Xã Tây An", "Xã", "TX", None),
    "N1": ("Xã An Bình", "Xã", "KA", CHANGE),
    "N2": ("Xã Đông Hà", "Xã", "KA", CHANGE),
    "N3": ("Phường Tây Sơn", "Phường", "KA", CHANGE),
    "N4": ("Đặc khu Hòn Mê", "Đặc khu", "KA", date(2026, 1, 1)),
}
# (old, new, date, scope, takes_data as written ("" = the scope's default), basis)
SUCCESSIONS = [
    ("C7", "C1", date(2025, 1, 1), "Toàn bộ", "", BASIS_EARLY),
    ("C1", "N1", CHANGE, "Toàn bộ", "", BASIS),
    ("C2", "N1", CHANGE, "Toàn bộ", "", BASIS),
    ("C3", "N1", CHANGE, "Một phần", "Có", BASIS),
    ("C3", "N2", CHANGE, "Một phần", "", BASIS),
    ("C4", "N2", CHANGE, "Toàn bộ", "", BASIS),
    ("C5", "N3", CHANGE, "Toàn bộ", "", BASIS),
    ("C6", "N3", CHANGE, "Một phần", "", BASIS),
    ("C6", "N2", CHANGE, "Một phần", "Không", BASIS),
    ("C8", "N3", CHANGE, "Một phần", "", BASIS),
    ("BS", "KA", CHANGE, "Toàn bộ", "", BASIS_PROVINCE),
    ("HD", "KA", CHANGE, "Toàn bộ", "", BASIS_PROVINCE),
    ("TX", "KA", CHANGE, "Toàn bộ", "", BASIS_PROVINCE),
]
# (code, name, field, level, online service)
PROCEDURES = [
    ("X1", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã", "Toàn trình"),
    ("X2", "Chứng thực bản sao", "Chứng thực", "Cấp xã", "Một phần"),
    ("H1", "Cấp giấy phép xây dựng nhà ở", "Xây dựng", "Cấp huyện", "Toàn trình"),
    ("T1", "Cấp phiếu lý lịch tư pháp", "Lý lịch tư pháp", "Cấp tỉnh", "Toàn trình"),
    ("T2", "Cấp chứng chỉ hành nghề xây dựng", "Xây dựng", "Cấp tỉnh", ""),
]
PERIODS = [
    (date(2024, 10, 1), date(2024, 12, 31)),
    (date(2025, 1, 1), date(2025, 6, 30)),
    (date(2025, 6, 15), date(2025, 7, 1)),   # ends on the effective day
    (date(2025, 7, 1), date(2025, 9, 30)),
    (date(2025, 10, 1), date(2025, 12, 31)),
    (date(2026, 1, 1), date(2026, 3, 31)),
]
DATA_START, DATA_END = date(2024, 9, 1), date(2026, 3, 31)


@dataclass(frozen=True)
class Dossier:
    id: str
    unit: str
    procedure: str
    channel: str           # online | in_person | post
    received: datetime
    due: date | None
    status: str            # open | paused | resolved | withdrawn | returned
    closed: datetime | None
    digitised: bool
    result_digitised: bool


def _active_on(code: str, day: date) -> bool:
    """Who receives dossiers on `day` in the generated world (the generator's own rule)."""
    established = UNITS[code][3]
    ceased = {old: d for old, _, d, scope, flag, _ in SUCCESSIONS
              if flag == "Có" or (scope == "Toàn bộ" and flag != "Không")}
    return (established is None or established <= day) and (code not in ceased
                                                             or day < ceased[code])


def _procedures_of(code: str) -> list[str]:
    kind = UNITS[code][1]
    if kind in ("Sở",):
        return ["T1", "T2"]
    if kind == "Tỉnh":
        return ["T1"]
    if kind in ("Huyện", "Thị xã"):
        return ["H1"]
    return ["X1", "X2"]


def _one(rng: random.Random, n: int, code: str, received: datetime) -> Dossier:
    due = None if rng.random() < 0.1 else received.date() + timedelta(days=rng.randint(0, 12))
    roll = rng.random()
    status, closed = "resolved", received + timedelta(days=rng.randint(0, 20), hours=2)
    if roll < 0.12:
        status, closed = "open", None
    elif roll < 0.17:
        status, closed = "paused", None
    elif roll < 0.21:
        status = rng.choice(["withdrawn", "returned"])
    if closed is not None and closed.date() > DATA_END + timedelta(days=30):
        closed = None if status != "resolved" else closed
    return Dossier(f"{code}-{n}", code, rng.choice(_procedures_of(code)),
                   rng.choice(["online", "online", "in_person", "post"]), received, due,
                   status, closed, rng.random() < 0.7, rng.random() < 0.6)


def generate(seed: int = 20260701) -> list[Dossier]:
    """A few dossiers a week for every unit receiving at the time, and the special cases."""
    rng, out, day = random.Random(seed), [], DATA_START
    while day <= DATA_END:
        for code in UNITS:
            if _active_on(code, day) and rng.random() < 0.35:
                when = datetime.combine(day, datetime.min.time()) + timedelta(hours=8 + rng.randint(0, 8))
                out.append(_one(rng, len(out), code, when))
        day += timedelta(days=rng.choice([1, 2]))
    late = datetime(2025, 8, 12, 9, 0)  # exported under ceased codes after the change
    out += [_one(rng, len(out) + i, code, late) for i, code in enumerate(["C4", "C2", "C5"])]
    out.append(Dossier("C7-open", "C7", "X1", "in_person", datetime(2024, 12, 20, 9), None,
                       "open", None, False, False))  # the chain of two, open until 2026
    out.append(Dossier("C3-open", "C3", "X1", "online", datetime(2025, 6, 20, 9),
                       date(2025, 6, 30), "paused", None, True, False))  # the split, with data
    return out


# ---------------------------------------------------------------- files

def _fmt(t: datetime | date | None) -> str:
    if t is None:
        return ""
    return t.strftime("%d/%m/%Y %H:%M") if isinstance(t, datetime) else t.strftime("%d/%m/%Y")


STATUS_VI = {"open": "Đang giải quyết", "paused": "Chờ bổ sung", "resolved": "Đã giải quyết",
             "withdrawn": "Rút hồ sơ", "returned": "Trả lại"}
CHANNEL_VI = {"online": "Trực tuyến", "in_person": "Trực tiếp", "post": "Bưu chính"}


def write_exports(folder, dossiers: list[Dossier]) -> list[str]:
    import csv

    tables = {
        "don_vi.csv": (["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Ngày thành lập",
                        "Mã đơn vị cấp trên"],
                       [[c, n, k, _fmt(e), p or ""] for c, (n, k, p, e) in UNITS.items()]),
        "sap_xep.csv": (["Mã đơn vị cũ", "Mã đơn vị mới", "Ngày hiệu lực", "Phạm vi",
                         "Nhận số liệu", "Căn cứ"],
                        [[o, n, _fmt(d), s, f, b] for o, n, d, s, f, b in SUCCESSIONS]),
        "thu_tuc.csv": (["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện",
                         "Mức độ DVC trực tuyến"], [list(p) for p in PROCEDURES]),
        "ho_so.csv": (["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Hình thức nộp", "Ngày tiếp nhận",
                       "Ngày hẹn trả", "Trạng thái", "Ngày kết thúc", "Số hóa thành phần hồ sơ",
                       "Số hóa kết quả"],
                      [[d.id, d.unit, d.procedure, CHANNEL_VI[d.channel], _fmt(d.received),
                        _fmt(d.due), STATUS_VI[d.status], _fmt(d.closed),
                        "Có" if d.digitised else "Không", "Có" if d.result_digitised else "Không"]
                       for d in dossiers]),
    }
    paths = []
    for name, (head, rows) in tables.items():
        path = folder / name
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([head, *rows])
        paths.append(str(path))
    return paths


# ---------------------------------------------------------------- the independent computation

def _takes(scope: str, flag: str) -> bool:
    return flag == "Có" if flag else scope == "Toàn bộ"


class Structure:
    """docs/structure.md on `as_of`, in plain Python over the generated tables."""

    def __init__(self, as_of: date):
        self.heir = {o: n for o, n, d, s, f, _ in SUCCESSIONS if _takes(s, f) and d <= as_of}
        self.active = {c for c, (_, _, _, e) in UNITS.items()
                       if (e is None or e <= as_of) and c not in self.heir}
        self.parent = {c: self._parent(c) for c in self.active}

    def counted_for(self, code: str) -> str | None:
        seen = set()
        while code in self.heir and code not in seen:
            seen.add(code)
            code = self.heir[code]
        return code if code in self.active else None

    def _parent(self, code: str) -> str | None:
        parent = UNITS[code][2]
        target = self.counted_for(parent) if parent else None
        return None if target == code else target

    def below(self, code: str) -> list[str]:
        kids = [c for c in self.active if self.parent[c] == code]
        return kids + [d for k in kids for d in self.below(k)]


def level(code: str) -> str:
    kind = UNITS[code][1]
    return {"Tỉnh": "province", "Sở": "province", "Huyện": "district",
            "Thị xã": "district"}.get(kind, "commune")


def _counts(d: Dossier, start: date, end: date) -> dict[str, int]:
    """One dossier's contribution to each count of docs/indicators.md."""
    got, closed = d.received.date(), d.closed.date() if d.closed else None
    c = dict.fromkeys(COUNTS, 0)
    in_p = start <= got <= end
    carried = got < start and not (closed and closed < start)
    if not (in_p or carried):
        return c
    c["carried_over"] = int(carried)
    c["received_online"] = int(in_p and d.channel == "online")
    c["received_offline"] = int(in_p and d.channel != "online")
    c["received_in_period"] = int(in_p)
    c["received_total"] = 1
    closed_in = closed is not None and start <= closed <= end
    if d.status == "resolved" and closed_in:
        c["resolved_total"] = 1
        if d.due is None or closed == d.due:
            c["resolved_on_time"] = 1
        else:
            c["resolved_early" if closed < d.due else "resolved_late"] = 1
        c["result_digitised"] = int(d.result_digitised)
    elif d.status in ("withdrawn", "returned") and closed_in:
        c["closed_other"] = 1
    elif closed is None or closed > end:
        c["pending_total"] = 1
        in_time = d.status == "paused" or d.due is None or d.due >= end
        c["pending_in_time" if in_time else "pending_overdue"] = 1
    full = {p[0]: p[4] == "Toàn trình" for p in PROCEDURES}[d.procedure]
    c["dvc_eligible"] = int(in_p and full)
    c["dvc_online"] = int(in_p and full and d.channel == "online")
    c["digitised_on_receipt"] = int(in_p and d.digitised)
    return c


COUNTS = ("carried_over", "received_online", "received_offline", "received_in_period",
          "received_total", "resolved_total", "resolved_early", "resolved_on_time",
          "resolved_late", "closed_other", "pending_total", "pending_in_time", "pending_overdue",
          "dvc_eligible", "dvc_online", "digitised_on_receipt", "result_digitised")
RATES = {"early_rate": ("resolved_early", "resolved_total"),
         "on_time_rate": ("resolved_on_time", "resolved_total"),
         "late_rate": ("resolved_late", "resolved_total"),
         "online_rate": ("received_online", "received_in_period"),
         "dvc_rate": ("dvc_online", "dvc_eligible"),
         "digitised_on_receipt_rate": ("digitised_on_receipt", "received_in_period"),
         "result_digitised_rate": ("result_digitised", "resolved_total")}


def _rate(num: int, den: int) -> float | None:
    if den == 0:
        return None
    exact = Fraction(100 * num, den)
    return float((Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), ROUND_HALF_UP))


def expected(dossiers: list[Dossier], start: date, end: date) -> dict:
    """{(unit, scope): counts and rates} on the structure of `end`."""
    st = Structure(end)
    own = {c: dict.fromkeys(COUNTS, 0) for c in st.active}
    for d in dossiers:
        target = st.counted_for(d.unit)
        if target is not None:
            for k, v in _counts(d, start, end).items():
                own[target][k] += v
    out = {}
    for code in st.active:
        below = st.below(code)
        scopes = {"unit": [code]}
        if below:
            scopes["communes"] = [c for c in below if level(c) == "commune"]
            scopes["total"] = [code, *below]
            departments = [c for c in below if UNITS[c][1] == "Sở"]
            districts = [c for c in below if level(c) == "district"]
            if departments:
                scopes["departments"] = departments
            if districts:
                scopes["districts"] = districts
        for scope, members in scopes.items():
            row = {k: sum(own[m][k] for m in members) for k in COUNTS}
            row.update({r: _rate(row[n], row[d]) for r, (n, d) in RATES.items()})
            out[(code, scope)] = row
    return out


def expected_predecessors(dossiers: list[Dossier], unit: str, start: date, end: date) -> str:
    """The predecessors sentence of docs/structure.md § What the report says, from the generated
    tables: old units whose records count for `unit` and have a record in the period, by (date,
    basis)."""
    st = Structure(end)
    counted = {d.unit for d in dossiers if d.unit != unit and st.counted_for(d.unit) == unit
               and _counts(d, start, end)["received_total"]}
    groups: dict[tuple[date, str], list[str]] = {}
    for old, _new, when, _s, _f, basis in SUCCESSIONS:
        if old in counted and when <= end:
            groups.setdefault((when, basis), []).append(old)
    word = lambda c: UNITS[c][1].lower() + UNITS[c][0][len(UNITS[c][1]):]
    # an old unit of the new unit's name is said "(cũ)" (issue 21)
    old = lambda c: word(c) + (" (cũ)" if word(c) == word(unit) else "")
    parts = [f"{', '.join(old(c) for c in sorted(set(codes)))} trước ngày "
             f"{when.day:02d}/{when.month if when.month > 2 else f'{when.month:02d}'}/{when.year}"
             f" ({basis})" for (when, basis), codes in sorted(groups.items(), reverse=True)]
    return f"Số liệu của {word(unit)} gồm số liệu của {' và '.join(parts)}"
