"""The rules of docs/input-format.md as DuckDB SQL: parsing staged text into typed values, the
reason a row is set aside, duplicate keys, and the columns each kind stores."""

from __future__ import annotations

import unicodedata

from tthc_lib import vocab
from tthc_lib.ingest import profiles
from tthc_lib.ingest.base import Export
from tthc_lib.ingest.dates import instant_of_local_sql, local_sql
from tthc_lib.ingest.headers import staged_columns


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _v(name: str) -> str:
    """The parsed value's column beside the trimmed text of `name`."""
    return quote_name(f"{name}__v")


TRIM = "' \t\u00a0'"
WHITE_CHARS = "(' ', '\t', '\u00a0')"


def _map_sql(x: str, synonyms: dict) -> str:
    """SQL mapping trimmed text `x` through a synonym table (vocab), NULL when unknown.

    Spellings as exports write them match first; other case and spacing fall through to
    the slower normalised match."""
    def case(expr, spellings):
        whens = " ".join(f"WHEN {literal(k)} THEN {_sql_value(v)}" for k, v in spellings)
        return f"CASE {expr} {whens} END"

    pairs = [(vocab.norm_value(k), v) for k, v in synonyms.items() if k]
    written = {(k[:1].upper() + k[1:], v) for k, v in pairs} | set(pairs)
    empty = _sql_value(synonyms[""]) if "" in synonyms else "NULL"
    spaced = f"lower(trim(regexp_replace({x}, '[\\s\\x{{00A0}}]+', ' ', 'g')))"
    return (f"CASE WHEN {x} IS NULL THEN {empty} ELSE coalesce({case(x, sorted(written))}, "
            f"{case(f'lower({x})', pairs)}, {case(spaced, pairs)}) END")


def _sql_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return literal(value)


def _parse_sql(col: vocab.Column, x: str) -> str | None:
    """SQL parsing one column's trimmed text; dates give their local wall time."""
    if col.type in ("enum", "flag"):
        return _map_sql(x, profiles.values_of(col))  # with the source profiles in force
    if col.type in ("datetime", "date"):
        return f"coalesce({local_sql(x)}, CASE WHEN {x} IS NOT NULL THEN " \
               f"{local_sql(f'trim({x}, {TRIM})')} END)"
    return None


def _is_time(col: vocab.Column) -> bool:
    return col.type in ("datetime", "date")


def _n(name: str) -> str:
    """The local wall time (TIMESTAMP) parsed from a date column."""
    return quote_name(f"{name}__n")


def _trim_sql(x: str) -> str:
    """Trimmed text, NULL when empty; the trim only runs where an end is white (the first
    and last characters looked at: half the cost of six starts_with/ends_with tests)."""
    ends = " OR ".join(f"({x})[{i}] IN {WHITE_CHARS}" for i in (1, -1))
    return f"nullif(CASE WHEN {ends} THEN trim({x}, {TRIM}) ELSE {x} END, '')"


def _present(x: str) -> str:
    """SQL: the text holds something besides white space."""
    return f"({x} IS NOT NULL AND trim({x}, {TRIM}) <> '')"


def _given(col: vocab.Column) -> str:
    """SQL: the row has a value in this column. A parsed value proves it, so the costlier
    white-space test only runs where parsing gave nothing."""
    if _parse_sql(col, "x") is None:
        return f"{quote_name(col.name)} IS NOT NULL"
    return f"({_v(col.name)} IS NOT NULL OR {_present(quote_name(col.name))})"


# Codes and ids: NFKC (full-width letters and digits are the ASCII ones) without format
# characters (zero-width space, joiners, BOM, soft hyphen, direction marks), so that codes
# that look the same are the same unit.
CODE_COLUMNS = ("dossier_id", "unit_code", "parent_code", "procedure_code", "feedback_id",
                "decision_no", "old_code", "new_code")
MAX_VALUE_CHARS = 32_767       # Excel's cell limit: a longer value sets its row aside


def code_text(value: str | None) -> str | None:
    """A code as compared and stored (CODE_COLUMNS)."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def register_functions(con) -> None:
    """The SQL function `tthc_code` (code_text) on this connection, once."""
    import duckdb
    # create_function imports numpy itself and turns a Ctrl+C during that import into "numpy
    # is required": imported here, a Ctrl+C stays a Ctrl+C.
    import numpy  # noqa: F401

    try:
        con.create_function("tthc_code", code_text, ["VARCHAR"], "VARCHAR",
                            null_handling="special", side_effects=False)
    except duckdb.Error as exc:   # registered by an earlier load on this connection
        if "already" not in str(exc).lower():
            raise


def _code_sql(x: str) -> str:
    """SQL: code text `x` normalised; ASCII (bytes = characters) needs nothing."""
    return f"CASE WHEN strlen({x}) = length({x}) THEN {x} ELSE tthc_code({x}) END"


def shape_sql(export: Export):
    """What staging selects: the trimmed text of every column the export has; beside each
    typed one its parsed value `__v` (dates: the local wall time `__n`; their instant `__v`
    is added by `parsed_sql`, as are the columns the export does not have); whether the row
    is blank. Two levels, so that each value is trimmed and parsed once."""
    staged = set(staged_columns(export.header))
    columns = [c for c in vocab.stored_columns(export.kind) if c.name in staged]
    # Typed values are not trimmed here (costly on every value): their parsers match the
    # common spelling first and try again trimmed, and the checks use _present.
    texts = [c.name for c in columns if _parse_sql(c, "x") is None]
    trims = ", ".join(f"{_trim_sql(_code_sql(quote_name(c)) if c in CODE_COLUMNS else quote_name(c))} AS {quote_name(c)}"
                      for c in texts)
    parsed = _parsed_list(columns, quote_name)
    blank = "NOT _filled"      # staging tells: no cell of the row, staged or not, holds a value

    replace = f" REPLACE ({trims})" if trims else ""

    def shape(relation: str) -> str:
        return f"SELECT *{parsed}, {blank} AS _blank FROM (SELECT *{replace} FROM {relation})"
    return shape


def _parsed_list(columns: list[vocab.Column], text) -> str:
    """`, <parsed> AS <name>__v` (dates: `__n`) for each typed column; `text(name)`: its text."""
    return "".join(f", {sql} AS {_n(c.name) if _is_time(c) else _v(c.name)}"
                   for c in columns if (sql := _parse_sql(c, text(c.name))) is not None)


_SQL_TYPES = {"flag": "BOOLEAN", "enum": "VARCHAR", "date": "TIMESTAMP", "datetime": "TIMESTAMP"}


def parsed_sql(export: Export, staged: str) -> str:
    """The rows a load checks: the staged rows that are not blank; the columns the export
    does not have, as NULL (with their parsed values); the instant of each date. None of
    these is staged: a staged row of a 2,000,000-row export is then small enough for the
    staged table to stay in memory instead of spilling to disk."""
    present = set(staged_columns(export.header))
    columns = vocab.stored_columns(export.kind)
    absent = [c for c in columns if c.name not in present]
    nulls = "".join(f", NULL::VARCHAR AS {quote_name(c.name)}" for c in absent)
    # A column the export lacks by its profile is unknown, not empty: a flag is NULL, not the
    # "Không" an empty cell means.
    parsed = _parsed_list([c for c in absent if c.name not in export.lacks],
                          lambda _name: "NULL::VARCHAR")
    parsed += "".join(f", NULL::{_SQL_TYPES[c.type]} AS "
                      f"{_n(c.name) if _is_time(c) else _v(c.name)}"
                      for c in absent if c.name in export.lacks and c.type in _SQL_TYPES)
    instants = "".join(f", {instant_of_local_sql(_n(c.name))} AS {_v(c.name)}"
                       for c in columns if _is_time(c))
    return (f"SELECT *{instants} FROM (SELECT *{nulls}{parsed} FROM {quote_name(staged)} "
            f"WHERE NOT _blank)")


def key_sql(col: vocab.Column) -> list[str]:
    """What two rows must share to be the same record once parsed."""
    if _parse_sql(col, "x") is None:
        return [quote_name(col.name)]
    return [_v(col.name), f"CASE WHEN {_v(col.name)} IS NULL THEN {quote_name(col.name)} END"]


QUOTED_CHARS = 80  # a value quoted in a reason is cut to this many characters


def quoted_sql(before: str, x: str, after: str) -> str:
    """SQL text: `before` "value of x" `after` (the value between double quotes), on one
    line: white space runs (line breaks) shown as one space, a long value cut with '…'."""
    flat = f"regexp_replace({_visible(x)}, '\\s+', ' ', 'g')"
    shown = (f"CASE WHEN length({flat}) > {QUOTED_CHARS} "
             f"THEN left({flat}, {QUOTED_CHARS - 1}) || '…' ELSE {flat} END")
    return " || ".join([literal(before + ' "'), shown, literal('"' + after)])


INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f")


def _visible(x: str) -> str:
    """SQL: text `x` with its invisible characters written out (`<U+200B>`), so that a
    message shows how two values that look alike differ."""
    for ch in INVISIBLE:
        x = f"replace({x}, {literal(ch)}, '<U+{ord(ch):04X}>')"
    return x


def conflict_message(kind: str, line_sql=lambda x: x) -> str:
    """SQL text of a conflict; `line_sql(x)` shows line `x` (a workbook: `Sheet!row`)."""
    heads = {c.name: c.header for c in vocab.SCHEMAS[kind]}
    what = " || ', ' || ".join(quoted_sql(heads[i], f"r.{quote_name(i)}", "") for i in vocab.IDS[kind])
    lines = f"list_transform(c.lines, lambda x: {line_sql('x')})"
    return (f"{what} || ' có ở nhiều dòng (' || array_to_string({lines}, ', ') "
            f"|| ') với giá trị khác nhau; không dòng nào được nạp'")


def _allowed(synonyms: dict) -> str:
    return ", ".join(k for k, v in synonyms.items() if k and k != v)


def _column_reasons(col: vocab.Column, lacks=frozenset()) -> list[tuple[str, str]]:
    """(condition, message) pairs checking one column on its own; a required column the
    export lacks by its profile (`lacks`) is not asked for."""
    x, v, head = quote_name(col.name), _v(col.name), col.header
    limit = f"{MAX_VALUE_CHARS:,}".replace(",", ".")
    out = [(f"strlen({x}) > {MAX_VALUE_CHARS} AND length({x}) > {MAX_VALUE_CHARS}",
            (f"'Giá trị ở cột \"{head}\" dài ' || replace(format('{{:,}}', length({x})), ',', "
             f"'.') || ' ký tự, quá giới hạn {limit} ký tự'"))]
    if col.required and col.name not in lacks:
        out.append((f"NOT {_given(col)}", literal(f'Thiếu giá trị bắt buộc ở cột "{head}"')))
    if col.type in ("enum", "flag"):
        allowed = _allowed(col.values if col.type == "enum" else vocab.FLAGS)
        out.append((f"{v} IS NULL AND {_present(x)}",
                    quoted_sql("Giá trị", x, f' ở cột "{head}" không hợp lệ (cho phép: {allowed})')))
    if col.type in ("datetime", "date"):
        what = "ngày giờ" if col.type == "datetime" else "ngày"
        out.append((f"{v} IS NULL AND {_present(x)}",
                    quoted_sql("Giá trị", x, f' ở cột "{head}" không phải {what} hợp lệ')))
    return out


def _registry_reason(column: str, header: str, table: str, key: str, label: str):
    x = quote_name(column)
    return (f"{x} IS NOT NULL AND {x} NOT IN (SELECT {key} FROM {table})",
            quoted_sql(header, x, f" không có trong {label}"))


def _before(later: str, earlier: str, message: str, as_dates: bool = False):
    a, b = _v(later), _v(earlier)
    if as_dates:   # local dates, of values that parsed as instants (within the years)
        return ((f"CAST({_n(later)} AS DATE) < CAST({_n(earlier)} AS DATE) "
                 f"AND {a} IS NOT NULL AND {b} IS NOT NULL"), literal(message))
    return (f"{a} < {b}", literal(message))


def _kind_reasons(kind: str) -> list[tuple[str, str]]:
    """(condition, message) pairs across columns and against the registries."""
    units = ("units", "unit_code", "danh mục đơn vị")
    if kind == "dossiers":
        closed = _given(vocab.header_lookup(kind)["closed_at"])
        return [
            _registry_reason("unit_code", "Mã đơn vị", *units),
            _registry_reason("procedure_code", "Mã thủ tục", "procedures", "procedure_code",
                             "danh mục thủ tục"),
            _before("closed_at", "received_at", '"Ngày kết thúc" sớm hơn "Ngày tiếp nhận"'),
            _before("due_at", "received_at",
                    '"Ngày hẹn trả" rơi vào ngày trước "Ngày tiếp nhận"', as_dates=True),
            (f"status__v IN ('open', 'paused') AND {closed}",
             quoted_sql("Trạng thái", "status", ' nhưng có "Ngày kết thúc"')),
            (f"status__v NOT IN ('open', 'paused') AND NOT {closed} "
             "AND NOT (status__v = 'resolved' AND timeliness__v IS NOT NULL)",
             quoted_sql("Trạng thái", "status", ' nhưng thiếu "Ngày kết thúc"')),
        ]
    if kind == "successions":
        return [
            _registry_reason("old_code", "Mã đơn vị cũ", *units),
            _registry_reason("new_code", "Mã đơn vị mới", *units),
            ("old_code = new_code", literal('"Mã đơn vị cũ" trùng "Mã đơn vị mới"')),
        ]
    if kind == "feedback":
        return [
            _registry_reason("unit_code", "Mã đơn vị", *units),
            _before("handled_at", "received_at", '"Ngày xử lý xong" sớm hơn "Ngày tiếp nhận"'),
        ]
    return []


def _shifted_sql(width: int) -> str:
    """SQL: the reason of a row whose cell count `_extra` differs from the header's: the
    counts and the line only, since its values may come from personal columns."""
    return f"format('Dòng có {{}} ô, tiêu đề có {{}} ô: các giá trị bị lệch cột', _extra, {width})"


def reason_sql(kind: str, width: int, lacks=frozenset(), reasoned: bool = False) -> str:
    """Why a row is set aside ('' when it is not). A row whose cells do not line up with
    the header's gets only its cell counts: its values may come from personal columns, so
    none is quoted. An export read by a source profile (`reasoned`) stages the profile's own
    reason (a name not in the registry, a dossier never received) in `_reason`, which then
    stands alone."""
    pairs = [r for col in vocab.stored_columns(kind) for r in _column_reasons(col, lacks)]
    pairs += _kind_reasons(kind)
    cases = ", ".join(f"CASE WHEN {cond} THEN {msg} END" for cond, msg in pairs)
    own = "WHEN _reason IS NOT NULL THEN _reason " if reasoned else ""
    return (f"CASE WHEN _extra IS NOT NULL THEN {_shifted_sql(width)} {own}"
            f"ELSE concat_ws('; ', {cases}, conflict) END")


def raw_json_sql(export: Export) -> str:
    """JSON of the row as read: its columns by Vietnamese header, no personal data."""
    staged = set(staged_columns(export.header))
    pairs = [f"{literal(c.header)}, {quote_name(c.name)}" for c in vocab.stored_columns(export.kind)
             if c.name in staged]
    # A shifted row's values may be personal data moved into other columns: none is kept.
    return (f"CASE WHEN _extra IS NOT NULL THEN '{{}}' "
            f"ELSE CAST(json_object({', '.join(pairs)}) AS VARCHAR) END")


# Nhận số liệu: empty = yes for `Toàn bộ`, no for `Một phần` (docs/structure.md § Successions).
TAKES_DATA = f"coalesce({_v('takes_data')}, {_v('scope')} = 'whole')"


def store_columns(kind: str) -> dict[str, str]:
    """Store column -> SQL over the parsed table."""
    def local(name):
        return f"CAST({_n(name)} AS DATE)"

    if kind == "units":
        return {"unit_code": "unit_code", "unit_name": "unit_name", "kind": f"trim(kind, {TRIM})",
                "level": f"coalesce({_v('level')}, {_v('kind')})",
                "parent_code": "parent_code", "role": _map_sql(quote_name("kind"), vocab.UNIT_ROLES),
                "established": local("established")}
    if kind == "successions":
        return {"old_code": "old_code", "new_code": "new_code",
                "effective_date": local("effective_date"), "scope": _v("scope"),
                "takes_data": TAKES_DATA, "basis": "basis"}
    if kind == "procedures":
        return {"procedure_code": "procedure_code", "procedure_name": "procedure_name",
                "field": "field", "level": _v("level"), "online_service": _v("online_service")}
    if kind == "changes":
        return {"decision_no": "decision_no", "decision_date": local("decision_date"),
                "procedure_code": "procedure_code", "level": _v("level"),
                "change": _v("change")}
    if kind == "dossiers":
        return {"dossier_id": "dossier_id", "unit_code": "unit_code",
                "procedure_code": "procedure_code", "channel": _v("channel"),
                "status": _v("status"), "received_at": _v("received_at"),
                "due_at": _v("due_at"), "closed_at": _v("closed_at"),
                "received_date": local("received_at"), "due_date": local("due_at"),
                "closed_date": local("closed_at"),
                "digitised_on_receipt": _v("digitised_on_receipt"),
                "result_digitised": _v("result_digitised"), "timeliness": _v("timeliness"),
                "closed_from": local("closed_from"), "closed_to": local("closed_to")}
    return {"feedback_id": "feedback_id", "unit_code": "unit_code", "topic": _v("topic"),
            "received_at": _v("received_at"), "due_at": _v("due_at"),
            "handled_at": _v("handled_at"), "received_date": local("received_at"),
            "due_date": local("due_at"), "handled_date": local("handled_at")}
