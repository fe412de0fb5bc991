"""Load exports into the store: recognise each file, set bad rows aside, skip exact
duplicates, and store the good rows of each file all-or-nothing (input-format.md).

The work per file happens in DuckDB SQL over the staged text values (readers.py), so a
million-row export loads without a Python loop per row:

    stage text -> parse (types, synonyms) -> reasons -> duplicates/conflicts
               -> insert or replace good rows -> rows set aside -> load record
"""

from __future__ import annotations

import itertools
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from . import vocab
from .dates import instant_of_local_sql, local_sql
from .errors import InputError, StoreError
from .readers import Export, open_export, staged_columns

REGISTRIES = ("units", "procedures")
_counter = itertools.count()


@dataclass
class FileResult:
    """What loading one file did; `error` is one line when the file was refused."""

    file: str
    kind: str | None
    read: int = 0
    loaded: int = 0
    updated: int = 0
    rejected: int = 0
    duplicates: int = 0
    error: str | None = None

    def to_dict(self) -> dict:
        """The JSON object of `tthc ingest --json` (interfaces.md)."""
        return asdict(self)


def load_exports(con, paths: list[str | os.PathLike]) -> list[FileResult]:
    """Load each file (registries first, then in the order given), each all-or-nothing.

    A refused file gets `error` and changes nothing; the others still load. Results come
    back in the order the files were given.
    """
    opened: list[Export | FileResult] = [_open(p) for p in paths]
    order = sorted(range(len(paths)), key=lambda i: _load_rank(opened[i], i))
    results: list[FileResult | None] = [None] * len(paths)
    for i in order:
        item = opened[i]
        results[i] = item if isinstance(item, FileResult) else _load_file(con, item)
    return results


def list_rejected(con):
    """The rows set aside: file, line, reason, raw values (JSON, no personal data)."""
    return con.execute("SELECT file, line, reason, raw FROM rejected "
                       "ORDER BY load_id, line").df()


def _open(path) -> Export | FileResult:
    label = os.fspath(path)
    try:
        return open_export(Path(path), label)
    except InputError as exc:
        return FileResult(label, None, error=exc.message)


def _load_rank(item, index: int) -> tuple[int, int]:
    if isinstance(item, Export) and item.kind in REGISTRIES:
        return (REGISTRIES.index(item.kind), index)
    return (len(REGISTRIES), index)


def _load_file(con, export: Export) -> FileResult:
    """Stage, check and store one file in one transaction; a refusal changes nothing."""
    names = _Names(f"_tthc{next(_counter)}")
    try:
        export.stage(con, names.staged, _shape(export))
        con.execute(f"CREATE OR REPLACE TEMP VIEW {_q(names.parsed)} AS "
                    f"SELECT * FROM {_q(names.staged)} WHERE NOT _blank")
        con.execute("BEGIN TRANSACTION")
        try:
            result = _check_and_store(con, export, names)
            con.execute("COMMIT")
        except BaseException:
            _rollback(con)
            raise
        return result
    except InputError as exc:
        return FileResult(export.label, None, error=exc.message)
    except OSError as exc:
        return FileResult(export.label, None,
                          error=f"{export.label}: không đọc được tệp ({exc.strerror or exc}).")
    except _duckdb_error() as exc:
        raise StoreError(f"{export.label}: không ghi được vào kho dữ liệu, kho giữ nguyên như "
                         f"trước ({str(exc).splitlines()[0]}).", file=export.label) from exc
    finally:
        export.unstage(con, names.staged)
        con.execute(f"DROP VIEW IF EXISTS {_q(names.parsed)}")
        for table in names.temp():
            con.execute(f'DROP TABLE IF EXISTS "{table}"')


def _rollback(con) -> None:
    """Undo the file's transaction; a COMMIT that failed (full disk) has already ended it,
    and its error, not the rollback's, is the one to report."""
    try:
        con.execute("ROLLBACK")
    except _duckdb_error():
        pass


def _duckdb_error():
    import duckdb

    return duckdb.Error


@dataclass(frozen=True)
class _Names:
    """Temp table names of one file's load."""

    prefix: str

    @property
    def staged(self) -> str:
        return f"{self.prefix}_staged"

    @property
    def parsed(self) -> str:
        return f"{self.prefix}_parsed"

    @property
    def repeats(self) -> str:
        return f"{self.prefix}_repeats"

    @property
    def bad(self) -> str:
        return f"{self.prefix}_bad"

    def temp(self) -> list[str]:
        return [self.repeats, self.bad]


def _check_and_store(con, export: Export, names: _Names) -> FileResult:
    kind = export.kind
    _classify_repeats(con, kind, names)
    _set_aside(con, export, names)
    read, duplicates, rejected = con.execute(
        f'SELECT (SELECT count(*) FROM "{names.parsed}"), '
        f'(SELECT count(*) FROM "{names.repeats}" WHERE dup), '
        f'(SELECT count(*) FROM "{names.bad}")').fetchone()
    updated, loaded = _store_good(con, kind, names, rejected + duplicates)
    result = FileResult(export.label, kind, read, loaded, updated, rejected, duplicates)
    assert read == loaded + rejected + duplicates, result
    _record_load(con, export, names, result)
    return result


# --------------------------------------------------------------------------- parse

def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _v(name: str) -> str:
    """The parsed value's column beside the trimmed text of `name`."""
    return _q(f"{name}__v")


TRIM = "' \t\u00a0'"


def _map_sql(x: str, synonyms: dict) -> str:
    """SQL mapping trimmed text `x` through a synonym table (vocab), NULL when unknown.

    Spellings as exports write them match first; other case and spacing fall through to
    the slower normalised match."""
    def case(expr, spellings):
        whens = " ".join(f"WHEN {_lit(k)} THEN {_sql_value(v)}" for k, v in spellings)
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
    return _lit(value)


def _parse_sql(col: vocab.Column, x: str) -> str | None:
    """SQL parsing one column's trimmed text; dates give their local wall time."""
    if col.type == "enum":
        return _map_sql(x, col.values)
    if col.type == "flag":
        return _map_sql(x, vocab.FLAGS)
    if col.type in ("datetime", "date"):
        return f"coalesce({local_sql(x)}, CASE WHEN {x} IS NOT NULL THEN " \
               f"{local_sql(f'trim({x}, {TRIM})')} END)"
    return None


def _is_time(col: vocab.Column) -> bool:
    return col.type in ("datetime", "date")


def _n(name: str) -> str:
    """The local wall time (TIMESTAMP) parsed from a date column."""
    return _q(f"{name}__n")


def _trim_sql(x: str) -> str:
    """Trimmed text, NULL when empty; the trim only runs where an end is white."""
    ends = " OR ".join(f"{f}({x}, {_lit(ch)})" for ch in (" ", "\t", "\u00a0")
                       for f in ("starts_with", "ends_with"))
    return f"nullif(CASE WHEN {ends} THEN trim({x}, {TRIM}) ELSE {x} END, '')"


def _present(x: str) -> str:
    """SQL: the text holds something besides white space."""
    return f"({x} IS NOT NULL AND trim({x}, {TRIM}) <> '')"


def _given(col: vocab.Column) -> str:
    """SQL: the row has a value in this column. A parsed value proves it, so the costlier
    white-space test only runs where parsing gave nothing."""
    if _parse_sql(col, "x") is None:
        return f"{_q(col.name)} IS NOT NULL"
    return f"({_v(col.name)} IS NOT NULL OR {_present(_q(col.name))})"


def _shape(export: Export):
    """What staging selects: the trimmed text of every column (NULL when empty or absent);
    beside each typed column its parsed value `__v` (dates: the instant, and the local wall
    time `__n` it comes from); whether the row is blank. Three levels, so that each value
    is trimmed and parsed once."""
    staged = set(staged_columns(export.header))
    columns = vocab.stored_columns(export.kind)
    # Typed values are not trimmed here (costly on every value): their parsers match the
    # common spelling first and try again trimmed, and the checks use _present.
    texts = [c.name for c in columns if c.name in staged and _parse_sql(c, "x") is None]
    trims = ", ".join(f"{_trim_sql(_q(c))} AS {_q(c)}" for c in texts)
    absent = "".join(f", NULL::VARCHAR AS {_q(c.name)}" for c in columns if c.name not in staged)
    parsed = "".join(f", {sql} AS {_n(c.name) if _is_time(c) else _v(c.name)}"
                     for c in columns if (sql := _parse_sql(c, _q(c.name))) is not None)
    instants = "".join(f", {instant_of_local_sql(_n(c.name))} AS {_v(c.name)}"
                       for c in columns if _is_time(c))
    blank = f"coalesce({', '.join(_q(c) for c in staged)}) IS NULL"

    replace = f" REPLACE ({trims})" if trims else ""

    def shape(relation: str) -> str:
        return (f"SELECT *{instants}, {blank} AS _blank FROM (SELECT *{parsed} FROM "
                f"(SELECT *{replace}{absent} FROM {relation}))")
    return shape


# --------------------------------------------------------------------------- repeats

def _key_sql(col: vocab.Column) -> list[str]:
    """What two rows must share to be the same record once parsed."""
    if _parse_sql(col, "x") is None:
        return [_q(col.name)]
    return [_v(col.name), f"CASE WHEN {_v(col.name)} IS NULL THEN {_q(col.name)} END"]


def _classify_repeats(con, kind: str, names: _Names) -> None:
    """Among rows whose id repeats: exact duplicates of an earlier row, and rows that share
    an id but differ (conflicts, with the lines involved)."""
    ids = [_q(c) for c in vocab.IDS[kind]]
    keys = [k for col in vocab.stored_columns(kind) for k in _key_sql(col)]
    same_id = " AND ".join(f"p.{i} IS NOT DISTINCT FROM m.{i}" for i in ids)
    id_list = ", ".join(ids)
    con.execute(f"""
        CREATE TEMP TABLE {_q(names.repeats)} AS
        WITH m AS (SELECT {id_list} FROM {_q(names.parsed)} GROUP BY ALL HAVING count(*) > 1),
        r AS (SELECT p.*, row_number() OVER (PARTITION BY {', '.join(keys)}
                                             ORDER BY _line) > 1 AS dup
              FROM {_q(names.parsed)} p SEMI JOIN m ON {same_id}),
        c AS (SELECT _line, list(_line) OVER (PARTITION BY {id_list} ORDER BY _line
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS lines,
                 {' AND '.join(f'{i} IS NOT NULL' for i in ids)} AS has_id
              FROM r WHERE NOT dup)
        SELECT r._line, r.dup,
               CASE WHEN c.has_id AND len(c.lines) > 1 THEN {_conflict_message(kind)} END
                   AS conflict
        FROM r LEFT JOIN c USING (_line)""")


QUOTED_CHARS = 80  # a value quoted in a reason is cut to this many characters


def _quoted(before: str, x: str, after: str) -> str:
    """SQL text: `before` "value of x" `after` (the value between double quotes), on one
    line: white space runs (line breaks) shown as one space, a long value cut with '…'."""
    flat = f"regexp_replace({x}, '\\s+', ' ', 'g')"
    shown = (f"CASE WHEN length({flat}) > {QUOTED_CHARS} "
             f"THEN left({flat}, {QUOTED_CHARS - 1}) || '…' ELSE {flat} END")
    return " || ".join([_lit(before + ' "'), shown, _lit('"' + after)])


def _conflict_message(kind: str) -> str:
    heads = {c.name: c.header for c in vocab.SCHEMAS[kind]}
    what = " || ', ' || ".join(_quoted(heads[i], f"r.{_q(i)}", "") for i in vocab.IDS[kind])
    return (f"{what} || ' có ở nhiều dòng (' || array_to_string(c.lines, ', ') "
            f"|| ') với giá trị khác nhau; không dòng nào được nạp'")


# --------------------------------------------------------------------------- reasons

def _allowed(synonyms: dict) -> str:
    return ", ".join(k for k, v in synonyms.items() if k and k != v)


def _column_reasons(col: vocab.Column) -> list[tuple[str, str]]:
    """(condition, message) pairs checking one column on its own."""
    x, v, head = _q(col.name), _v(col.name), col.header
    out = []
    if col.required:
        out.append((f"NOT {_given(col)}", _lit(f'Thiếu giá trị bắt buộc ở cột "{head}"')))
    if col.type in ("enum", "flag"):
        allowed = _allowed(col.values if col.type == "enum" else vocab.FLAGS)
        out.append((f"{v} IS NULL AND {_present(x)}",
                    _quoted("Giá trị", x, f' ở cột "{head}" không hợp lệ (cho phép: {allowed})')))
    if col.type in ("datetime", "date"):
        what = "ngày giờ" if col.type == "datetime" else "ngày"
        out.append((f"{v} IS NULL AND {_present(x)}",
                    _quoted("Giá trị", x, f' ở cột "{head}" không phải {what} hợp lệ')))
    return out


def _registry_reason(column: str, header: str, table: str, key: str, label: str):
    x = _q(column)
    return (f"{x} IS NOT NULL AND {x} NOT IN (SELECT {key} FROM {table})",
            _quoted(header, x, f" không có trong {label}"))


def _before(later: str, earlier: str, message: str, as_dates: bool = False):
    a, b = _v(later), _v(earlier)
    if as_dates:
        a, b = f"CAST({_n(later)} AS DATE)", f"CAST({_n(earlier)} AS DATE)"
    return (f"{a} < {b}", _lit(message))


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
            (f"status__v = 'open' AND {closed}",
             _quoted("Trạng thái", "status", ' nhưng có "Ngày kết thúc"')),
            (f"status__v <> 'open' AND NOT {closed}",
             _quoted("Trạng thái", "status", ' nhưng thiếu "Ngày kết thúc"')),
        ]
    if kind == "feedback":
        return [
            _registry_reason("unit_code", "Mã đơn vị", *units),
            _before("handled_at", "received_at", '"Ngày xử lý xong" sớm hơn "Ngày tiếp nhận"'),
        ]
    return []


def _reason_sql(kind: str) -> str:
    pairs = [r for col in vocab.stored_columns(kind) for r in _column_reasons(col)]
    pairs += _kind_reasons(kind)
    cases = ", ".join(f"CASE WHEN {cond} THEN {msg} END" for cond, msg in pairs)
    return f"concat_ws('; ', {cases}, conflict)"


def _raw_json(export: Export) -> str:
    """JSON of the row as read: its columns by Vietnamese header, no personal data."""
    staged = set(staged_columns(export.header))
    pairs = [f"{_lit(c.header)}, {_q(c.name)}" for c in vocab.stored_columns(export.kind)
             if c.name in staged]
    return f"CAST(json_object({', '.join(pairs)}) AS VARCHAR)"


def _set_aside(con, export: Export, names: _Names) -> None:
    """Table of the rows set aside (line, reason, raw): every non-duplicate row with a
    reason; for units, then also rows whose parent is nowhere to be found."""
    con.execute(f"""
        CREATE TEMP TABLE {_q(names.bad)} AS
        SELECT _line, reason, {_raw_json(export)} AS raw FROM (
            SELECT p.*, {_reason_sql(export.kind)} AS reason
            FROM {_q(names.parsed)} p LEFT JOIN {_q(names.repeats)} r USING (_line)
            WHERE r.dup IS NOT TRUE)
        WHERE reason <> ''""")
    if export.kind == "units":
        _set_aside_orphans(con, export, names)


def _set_aside_orphans(con, export: Export, names: _Names) -> None:
    """A unit whose parent is neither stored nor a unit of this file that loads is set
    aside; repeated, since setting one aside can orphan its children."""
    p, bad, rep = _q(names.parsed), _q(names.bad), _q(names.repeats)
    good = (f"SELECT * FROM {p} WHERE _line NOT IN (SELECT _line FROM {bad}) "
            f"AND _line NOT IN (SELECT _line FROM {rep} WHERE dup)")
    message = _quoted("Mã đơn vị cấp trên", "parent_code", " không có trong danh mục đơn vị")
    while True:
        added = con.execute(f"""
            INSERT INTO {bad}
            SELECT _line, {message}, {_raw_json(export)} FROM ({good}) g
            WHERE parent_code IS NOT NULL
              AND parent_code NOT IN (SELECT unit_code FROM units)
              AND parent_code NOT IN (SELECT unit_code FROM ({good}))""").fetchone()[0]
        if not added:
            return


# --------------------------------------------------------------------------- store

def _store_columns(kind: str) -> dict[str, str]:
    """Store column -> SQL over the parsed table."""
    def local(name):
        return f"CAST({_n(name)} AS DATE)"

    if kind == "units":
        return {"unit_code": "unit_code", "unit_name": "unit_name", "kind": f"trim(kind, {TRIM})",
                "level": _v("kind"), "parent_code": "parent_code"}
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
                "result_digitised": _v("result_digitised")}
    return {"feedback_id": "feedback_id", "unit_code": "unit_code", "topic": _v("topic"),
            "received_at": _v("received_at"), "due_at": _v("due_at"),
            "handled_at": _v("handled_at"), "received_date": local("received_at"),
            "due_date": local("due_at"), "handled_date": local("handled_at")}


def _store_good(con, kind: str, names: _Names, left_out: int) -> tuple[int, int]:
    """Insert the good rows, replacing stored records with the same id: (updated, loaded).
    `left_out` counts the rows set aside or skipped (the filter is dropped when none)."""
    p, bad, rep = _q(names.parsed), _q(names.bad), _q(names.repeats)
    good = f"FROM {p}"
    if left_out:
        good += (f" WHERE _line NOT IN (SELECT _line FROM {bad}) "
                 f"AND _line NOT IN (SELECT _line FROM {rep} WHERE dup)")
    ids = ", ".join(_q(c) for c in vocab.IDS[kind])
    stored = con.execute(f"SELECT count(*) FROM {kind}").fetchone()[0]
    updated = stored and con.execute(f"SELECT count(*) FROM (SELECT {ids} {good}) g "
                                     f"SEMI JOIN {kind} USING ({ids})").fetchone()[0]
    cols = _store_columns(kind)
    verb = "INSERT OR REPLACE" if updated else "INSERT"
    loaded = con.execute(f"{verb} INTO {kind} ({', '.join(_q(c) for c in cols)}) "
                         f"SELECT {', '.join(cols.values())} {good}").fetchone()[0]
    return updated, loaded


def _record_load(con, export: Export, names: _Names, result: FileResult) -> None:
    """The load record, and the rows set aside (replacing those of an earlier load of the
    same file name)."""
    load_id = con.execute("SELECT nextval('load_seq')").fetchone()[0]
    con.execute("INSERT INTO loads VALUES (?, ?, ?, now(), ?, ?, ?, ?, ?, ?)",
                [load_id, export.label, export.sha256, result.kind, result.read,
                 result.loaded, result.updated, result.rejected, result.duplicates])
    con.execute("DELETE FROM rejected WHERE file = ?", [export.label])
    con.execute(f"INSERT INTO rejected SELECT ?, ?, _line, reason, raw FROM {_q(names.bad)}",
                [load_id, export.label])


__all__ = ["FileResult", "list_rejected", "load_exports"]
