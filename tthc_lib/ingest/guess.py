"""Guesses for `tthc inspect`: which canonical column another system's header means, and which
canonical value its word means. A guess is only ever a suggestion printed in a profile snippet
marked for checking; nothing is loaded through a guess the office has not pasted."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from tthc_lib import vocab

# Spellings other one-stop systems use (seen in practice, or plain synonyms), per column.
ALIASES: dict[str, list[str]] = {
    "dossier_id": ["số hồ sơ", "mã số hồ sơ", "số biên nhận", "mã biên nhận"],
    "unit_code": ["mã cơ quan", "mã cơ quan giải quyết", "đơn vị giải quyết", "mã đơn vị xử lý"],
    "procedure_code": ["mã tthc", "mã thủ tục hành chính", "mã số thủ tục"],
    "procedure_name": ["tên tthc", "tên thủ tục hành chính"],
    "channel": ["kênh nộp", "hình thức tiếp nhận", "nguồn hồ sơ", "cách thức nộp"],
    "received_at": ["ngày nhận", "thời điểm tiếp nhận", "ngày nộp", "ngày nhận hồ sơ"],
    "due_at": ["ngày hẹn trả kết quả", "hạn trả", "hạn giải quyết", "hạn xử lý"],
    "status": ["trạng thái hồ sơ", "tình trạng", "tình trạng xử lý"],
    "closed_at": ["ngày có kết quả", "ngày hoàn thành", "ngày trả kết quả", "thời điểm kết thúc"],
    "digitised_on_receipt": ["số hóa hồ sơ", "đã số hóa hồ sơ"],
    "result_digitised": ["số hóa kết quả giải quyết", "đã số hóa kết quả"],
    "unit_name": ["tên cơ quan"],
    "kind": ["loại hình", "loại"],
    "parent_code": ["mã cấp trên", "đơn vị cha"],
    "feedback_id": ["số pakn", "mã phản ánh"],
    "handled_at": ["ngày hoàn thành xử lý", "ngày trả lời"],
}

# Words in a value that point at a canonical value (when that value is allowed).
KEYWORDS: list[tuple[str, object]] = [
    ("xong", "resolved"), ("hoàn thành", "resolved"), ("đã trả", "resolved"),
    ("có kết quả", "resolved"), ("bổ sung", "paused"), ("tạm dừng", "paused"),
    ("dừng xử lý", "paused"), ("nghĩa vụ tài chính", "paused"),
    ("rút", "withdrawn"), ("từ chối", "returned"), ("trả lại", "returned"),
    ("không tiếp nhận", "returned"), ("không giải quyết", "returned"),
    ("đang", "open"), ("thụ lý", "open"), ("chờ", "open"),
    ("trực tuyến", "online"), ("qua mạng", "online"), ("dịch vụ công", "online"),
    ("online", "online"), ("bưu", "post"), ("trực tiếp", "in_person"),
    ("tại quầy", "in_person"), ("một cửa", "in_person"),
    ("đã số hóa", True), ("chưa", False),
]
THRESHOLD = 0.72
# How sure a header guess is, as tthc inspect prints it: the header is one of the column's
# names (CERTAIN), close to one and clearly closer than to any other column (LIKELY), or
# close but as close to another (UNSURE: left blank for the office to fill).
CERTAIN, LIKELY, UNSURE = "chắc chắn", "có thể", "chưa chắc"
LIKELY_SCORE = 0.80
MARGIN = 0.05
CONTAINED = 0.86        # a header holding one of the column's names whole ("Trạng thái xử lý")
# Values that mean the dossier was never received: no canonical value is guessed for them
# (a whole-export profile sets such rows aside, docs/profiles.md › never_received).
NEVER_RECEIVED = ("mới đăng ký", "không được tiếp nhận", "chưa tiếp nhận")
# Words that give a header's meaning away, whatever it looks like: a date is never a channel
# or a status, a count ("Tổng số hồ sơ") never an id or a code.
DATE_WORDS = ("ngày", "thời điểm", "thời gian", "hạn")
COUNT_WORDS = ("tổng", "số lượng", "tổng số")


def fits(header: str, col: vocab.Column) -> bool:
    """Whether a header can mean `col` at all, by what its words say it holds."""
    words = f" {plain(header)} "
    if col.type not in ("date", "datetime") and any(f" {plain(w)} " in words for w in DATE_WORDS):
        return False
    return not (col.type == "text"
                and any(words.startswith(f" {plain(w)} ") for w in COUNT_WORDS))


def plain(text: str) -> str:
    """Lower case, no diacritics, single spaces: how two spellings are compared."""
    text = vocab.norm_header(text).replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def _score(header: str, names: list[str]) -> float:
    h = plain(header)
    return max(SequenceMatcher(None, h, plain(n)).ratio() for n in names)


@dataclass(frozen=True)
class Guess:
    """A header cell guessed for a canonical column, and how sure the guess is."""

    cell: str
    score: float
    level: str          # CERTAIN, LIKELY or UNSURE

    @property
    def sure(self) -> bool:
        return self.level != UNSURE


def _contains(header: str, names: list[str]) -> bool:
    """Whether one of the names (two words or more) stands whole inside the header."""
    words = f" {plain(header)} "
    return any(len(plain(n).split()) >= 2 and f" {plain(n)} " in words for n in names)


def _pairs(kind: str, cells: list[str], taken: set[str]) -> list[tuple[float, str, str]]:
    """(score, column, cell) of every cell that can mean a column not yet taken."""
    pairs = []
    for col in vocab.SCHEMAS[kind]:
        if col.name in taken or col.personal:
            continue
        names = [col.header, col.name, *ALIASES.get(col.name, [])]
        for cell in cells:
            if cell.strip() and fits(cell, col):
                score = _score(cell, names)
                if score < 1.0 and _contains(cell, names):
                    score = max(score, CONTAINED)
                pairs.append((score, col.name, cell))
    return pairs


def rate_headers(kind: str, cells: list[str], taken: set[str]) -> dict[str, Guess]:
    """Canonical column -> Guess, for cells no rule or profile maps: the best match above
    THRESHOLD, each cell and column used once, rated against its rivals (the cell's score
    for another column, the column's score for another free cell). A guess whose rival is
    within MARGIN, or whose score is below LIKELY_SCORE, is UNSURE: never used to read."""
    pairs = _pairs(kind, cells, taken)
    out: dict[str, Guess] = {}
    used: set[str] = set()
    for score, name, cell in sorted(pairs, reverse=True):
        if score >= THRESHOLD and name not in out and cell not in used:
            out[name] = Guess(cell, score, UNSURE)
            used.add(cell)
    for name, found in out.items():
        rivals = [s for s, n, c in pairs
                  if (c == found.cell and n != name) or (n == name and c != found.cell
                                                         and c not in used)]
        margin = found.score - max(rivals, default=0.0)
        if found.score >= 1.0 and margin > 0:
            level = CERTAIN
        elif found.score >= LIKELY_SCORE and margin >= MARGIN:
            level = LIKELY
        else:
            level = UNSURE
        out[name] = Guess(found.cell, found.score, level)
    return out


def guess_headers(kind: str, cells: list[str], taken: set[str]) -> dict[str, str]:
    """Canonical column -> header cell, for the guesses sure enough to read a file by."""
    return {n: g.cell for n, g in rate_headers(kind, cells, taken).items() if g.sure}


def best_kind(cells: list[str]) -> tuple[str, dict[str, Guess]]:
    """The kind whose required columns the cells best cover (by sure guesses), with every
    guess (unsure ones included: the office is told of them, nothing is read by them)."""
    best: tuple[str, dict[str, Guess], float] = ("", {}, -1.0)
    for kind, required in vocab.RECOGNISE.items():
        guesses = rate_headers(kind, cells, set())
        cover = sum(r in guesses and guesses[r].sure for r in required) / len(required)
        if cover > best[2]:
            best = (kind, guesses, cover)
    return best[0], best[1]


def guess_value(value: str, synonyms: dict, allowed: list) -> object | None:
    """The canonical value `value` most likely means, or None."""
    v = plain(value)
    if any(plain(w) == v for w in NEVER_RECEIVED):
        return None
    for word, target in KEYWORDS:
        if plain(word) in v and target in allowed:
            return target
    scored = [(SequenceMatcher(None, v, plain(k)).ratio(), t) for k, t in synonyms.items() if k]
    score, target = max(scored, key=lambda p: p[0], default=(0.0, None))
    return target if score >= THRESHOLD else None
