"""The one schema of the office's params: report.yaml, units.yaml, recipients.yaml and the
narrative files, checked as they are read, before any kernel starts.

Each file is read as UTF-8 by a safe YAML loader with limits (size, and the size of the tree
its aliases expand to: an alias bomb is refused, not expanded); then every key is checked
against the entries below. Anything wrong is one Vietnamese line naming the file and the key.
To accept a new key, add one entry to its file's table (REPORT, SIGNER, NARRATIVE_DOCUMENT...).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml

from tthc_lib.errors import ReportError

__all__ = [
    "DOCUMENT",
    "KEY_PATTERN",
    "LEVELS",
    "MAX_BYTES",
    "MAX_NODES",
    "NARRATIVE",
    "REPORT",
    "SIGNER",
    "UNIT",
    "WORDS",
    "ParamsError",
    "check_narrative",
    "check_recipients",
    "check_report",
    "check_units",
    "figure_names",
    "nearest",
    "read_params_yaml",
]

MAX_BYTES = 2_000_000      # a params file is a few kilobytes; a narrative some dozens
MAX_NODES = 200_000        # values after expanding aliases (a real file: some hundreds)
LEVELS = ("province", "department", "board", "district", "commune")   # roles.ROLES
# Words that narrative texts and recipients.yaml lines may name (context.py fills them).
WORDS = ("unit_name", "unit_word", "issuer", "parent_name", "period_label",
                   "period_range")

# libyaml's loader (every command reads the settings); PyYAML's own words for a refused file.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# A `{name}` of a narrative: a figure (`received_total`, `communes.early_rate`) or a word.
KEY_PATTERN = re.compile(r"\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\}")


class ParamsError(ReportError):
    """A params file that cannot be used as it is (one line: file, key, what is expected)."""



# PyYAML's problems as an office reads them (the rest: "sai cú pháp").
YAML_PROBLEMS = (
    ("expected <block end>", "thụt lề không khớp với dòng trên"),
    ("mapping values are not allowed", "có dấu hai chấm trong giá trị: đặt nó trong ngoặc kép"),
    ("could not find expected ':'", "thiếu dấu hai chấm sau tên khóa"),
    ("found character '\\t'", "có ký tự tab: thụt lề bằng dấu cách"),
    ("found unexpected end of stream", "thiếu dấu ngoặc kép đóng"),
    ("found unknown escape character", "dấu \\ trong ngoặc kép: dùng ngoặc đơn hoặc \\\\"),
    ("expected ',' or '}'", "thiếu dấu phẩy hoặc ngoặc nhọn đóng"),
    ("expected ',' or ']'", "thiếu dấu phẩy hoặc ngoặc vuông đóng"),
    ("found duplicate anchor", "trùng tên neo (&)"),
    ("found undefined alias", "dùng tên neo (*) chưa khai báo"),
)


def yaml_problem_vi(problem: str | None) -> str:
    """PyYAML's `problem` in Vietnamese, for the one-line error of a params file."""
    text = str(problem or "")
    return next((vi for en, vi in YAML_PROBLEMS if text.startswith(en)), "sai cú pháp")


def _fail(path: Path, key: str, why: str) -> ParamsError:
    where = f", khóa {key}" if key else ""
    return ParamsError(f"Tệp {_label(path)}{where}: {why}; hãy sửa tệp rồi chạy lại.",
                       path=str(path))


def _label(path: Path) -> str:
    return f"narrative/{path.name}" if path.parent.name == "narrative" else path.name


# ---------------------------------------------------------------- reading


def read_params_yaml(path: Path) -> dict:
    """The mapping of a params file ({} when absent), or one line saying what is wrong."""
    path = Path(path)
    if not path.exists():
        return {}
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES:
        raise _fail(path, "", f"quá lớn ({_count(len(raw))} byte; tối đa {_count(MAX_BYTES)})")
    text = _decoded(path, raw)
    try:
        try:
            data = yaml.load(text, Loader=_FAST_LOADER)  # safe: SafeLoader in C
        except yaml.YAMLError:
            data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" ở dòng {mark.line + 1}" if mark is not None else ""
        why = yaml_problem_vi(getattr(exc, "problem", None))
        raise ParamsError(f"Tệp {_label(path)} không đúng cú pháp YAML{where} ({why}); hãy "
                          "sửa tệp rồi chạy lại.", path=str(path)) from None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise _fail(path, "", "cần một bảng khóa: giá trị")
    _limit_nodes(path, data)
    return data


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _decoded(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[1:2] == b"\x00" or raw[:1] == b"\x00":
        looks = "UTF-16, “Unicode” của Notepad"
    else:
        try:
            raw.decode("cp1258")
            looks = "Windows-1258, “ANSI” của Notepad"
        except UnicodeDecodeError:
            looks = "một mã hóa khác"
    raise ParamsError(f"Tệp {_label(path)} không phải UTF-8 (có vẻ là {looks}); hãy lưu lại "
                      "với mã hóa UTF-8 rồi chạy lại.", path=str(path))


def _limit_nodes(path: Path, data) -> None:
    """Refuse a tree whose aliases expand past MAX_NODES values (counted, never expanded)."""
    seen = 0
    stack = [data]
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise _fail(path, "", f"các bí danh YAML (&, *) bung ra quá {_count(MAX_NODES)} giá trị "
                                  "(bom bí danh?)")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


# ---------------------------------------------------------------- value checks
# A check takes (value) and returns None when the value is right, else what is expected.

Check = Callable[[object], "str | None"]


def text(value) -> str | None:
    return None if value is None or isinstance(value, (str, int, float)) \
        and not isinstance(value, bool) else "cần một đoạn chữ"


def number(low: float, high: float) -> Check:
    def check(value) -> str | None:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) \
            and low <= value <= high
        return None if ok or value is None else f"cần một số từ {low:g} đến {high:g}"
    return check


def one_of(*choices: str) -> Check:
    def check(value) -> str | None:
        return None if value in choices or value is None else \
            "cần một trong: " + ", ".join(choices)
    return check


def iso_date(value) -> str | None:
    if value is None or value == "" or isinstance(value, date):
        return None
    match = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", str(value))
    hint = f" (ghi {match[3]}-{int(match[2]):02d}-{int(match[1]):02d})" if match else ""
    return f"“{_short(value)}” không phải ngày dạng NĂM-THÁNG-NGÀY{hint}"


def lines(value) -> str | None:
    """A paragraph, or a list of paragraphs."""
    if isinstance(value, list):
        return next((text(v) for v in value if text(v)), None)
    return text(value)


def _short(value) -> str:
    shown = str(value)
    return shown if len(shown) <= 40 else shown[:40] + "…"


REPORT: dict[str, Check] = {
    "calendar": one_of("calendar", "cutoff14"),
    "place": text,
    "places": lambda value: None,    # code -> place: checked in check_report
    "reports_to": text,
    "online_target_pct": number(0, 100),
}
SIGNER: dict[str, Check] = {"authority": text, "title": text, "name": text}
# A unit's own entry: its signer and its number's suffix (doc_suffix: BC-STP).
UNIT: dict[str, Check] = {**SIGNER, "doc_suffix": text}
DOCUMENT: dict[str, Check] = {"number": text, "date": iso_date}
NARRATIVE = ("document", "texts", "levels", "units")


# ---------------------------------------------------------------- files


def _mapping(path: Path, key: str, value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = "danh sách" if isinstance(value, list) else f"“{_short(value)}”"
        raise _fail(path, key, f"cần một bảng khóa: giá trị, không phải {kind}")
    return value


def _keys(path: Path, prefix: str, data: dict, table) -> None:
    for key, value in data.items():
        where = f"{prefix}{key}"
        if key not in table:
            raise _fail(path, where, f"khóa không biết{nearest(str(key), table)}; các khóa: "
                                     + ", ".join(table))
        check = table[key] if isinstance(table, dict) else None
        why = check(value) if check is not None else None
        if why:
            raise _fail(path, where, why)


def nearest(name: str, known, cutoff: float = 0.6) -> str:
    """“ (có phải “x”?)” for the closest known name, or nothing."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=cutoff)
    return f" (có phải “{close[0]}”?)" if close else ""


def check_report(path: Path, data: dict) -> None:
    _keys(path, "", data, REPORT)
    for code, place in _mapping(path, "places", data.get("places")).items():
        if text(place):
            raise _fail(path, f"places.{code}", "cần địa danh (một đoạn chữ)")


def check_units(path: Path, data: dict) -> None:
    _keys(path, "", data, {"defaults": None, "units": None})
    for level, signer in _mapping(path, "defaults", data.get("defaults")).items():
        if level not in LEVELS:
            raise _fail(path, f"defaults.{level}", f"cấp không biết{nearest(str(level), LEVELS)}"
                                                   "; các cấp: " + ", ".join(LEVELS))
        _keys(path, f"defaults.{level}.", _mapping(path, f"defaults.{level}", signer), SIGNER)
    for code, signer in _mapping(path, "units", data.get("units")).items():
        _keys(path, f"units.{code}.", _mapping(path, f"units.{code}", signer), UNIT)


def check_recipients(path: Path, data: dict) -> None:
    for key, value in data.items():
        if str(key).startswith("_"):          # anchors kept for aliases (&department)
            continue
        if key == "units":
            for code, items in _mapping(path, "units", value).items():
                _recipient_lines(path, f"units.{code}", items)
        elif key in LEVELS:
            _recipient_lines(path, str(key), value)
        else:
            raise _fail(path, str(key), "khóa không biết"
                        f"{nearest(str(key), (*LEVELS, 'units'))}; các khóa: "
                        + ", ".join((*LEVELS, "units")))


def _recipient_lines(path: Path, key: str, items) -> None:
    if items is not None and (not isinstance(items, list) or lines(items)):
        raise _fail(path, key, "cần danh sách nơi nhận, mỗi dòng một nơi")
    for item in items or []:
        _known_names(path, key, str(item), WORDS)


def check_narrative(path: Path, data: dict, keys: tuple[str, ...],
                    names: frozenset[str]) -> None:
    """A narrative file: its layers, text keys among `keys`, every `{name}` among `names`."""
    _keys(path, "", data, NARRATIVE)
    layers = [("", data)]
    for kind in ("levels", "units"):
        for code, layer in _mapping(path, kind, data.get(kind)).items():
            if kind == "levels" and code not in LEVELS:
                raise _fail(path, f"levels.{code}", f"cấp không biết{nearest(str(code), LEVELS)}"
                                                    "; các cấp: " + ", ".join(LEVELS))
            layer = _mapping(path, f"{kind}.{code}", layer)
            _keys(path, f"{kind}.{code}.", layer, ("texts", "document"))
            layers.append((f"{kind}.{code}.", layer))
    for prefix, layer in layers:
        _keys(path, f"{prefix}document.", _mapping(path, f"{prefix}document",
                                                   layer.get("document")), DOCUMENT)
        texts = _mapping(path, f"{prefix}texts", layer.get("texts"))
        _keys(path, f"{prefix}texts.", texts, {k: lines for k in keys})
        for key, value in texts.items():
            for item in value if isinstance(value, list) else [value]:
                _known_names(path, f"{prefix}texts.{key}", str(item or ""), names)


def _known_names(path: Path, key: str, written: str, names) -> None:
    for name in KEY_PATTERN.findall(written):
        if name not in names:
            raise _fail(path, key, f"không có số liệu {{{name}}}{nearest(name, names, 0.0)}")


def figure_names(words) -> frozenset[str]:
    """Every `{name}` a narrative may write: the words, and each count and rate of the unit
    (`name`, `unit.name`) and of its roll-ups (`communes.name`, `total.name`)."""
    from tthc_lib.indicators.flags import COUNTS
    from tthc_lib.indicators.rates import RATES

    figures = (*COUNTS, *RATES)
    return frozenset((*words, *(f"{scope}{f}" for scope in ("", "unit.", "communes.", "total.")
                                for f in figures)))
