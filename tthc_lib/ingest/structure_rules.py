"""The rules of docs/structure.md that look across rows: a unit registry is a forest, and each old
unit of the successions has at most one data-taking row, without loops.

Each check reads the file's rows that passed every row rule (not yet set aside, not exact
duplicates) together with what the store already holds (records this file does not replace),
and adds the rows it breaks to the file's set-aside table, with the reason. They run in SQL:
a walk along the parent (or data-taking) links, never a loop over rows in Python.
"""

from __future__ import annotations

from tthc_lib.ingest.rules import TAKES_DATA, literal, quote_name, raw_json_sql

# The longest chain walked; a registry (or a succession chain) is far shallower.
MAX_STEPS = 256


def _good(parsed: str, bad: str, repeats: str) -> str:
    return (f"SELECT * FROM {quote_name(parsed)} WHERE _line NOT IN (SELECT _line FROM {quote_name(bad)}) "
            f"AND _line NOT IN (SELECT _line FROM {quote_name(repeats)} WHERE dup)")


def _loops_sql(edges: str) -> str:
    """SQL of (code, path) for every code that lies on a loop of `edges` (a query of
    (src, dst) pairs, one per src): path lists the loop from code back to it."""
    return f"""
    WITH RECURSIVE e AS ({edges}),
    walk(start, cur, path, steps) AS (
        SELECT src, dst, [src, dst], 1 FROM e
        UNION ALL
        SELECT w.start, e.dst, list_append(w.path, e.dst), w.steps + 1
        FROM walk w JOIN e ON e.src = w.cur
        WHERE w.cur <> w.start AND NOT list_contains(list_slice(w.path, 2, w.steps), w.cur)
          AND w.steps < {MAX_STEPS}
    )
    SELECT start AS code, min(path) AS path FROM walk WHERE cur = start GROUP BY start"""


def set_aside_unit_cycles(con, export, parsed: str, bad: str, repeats: str) -> None:
    """A unit that is its own parent, or lies on a loop of parents (with the stored units
    this file does not replace), is set aside: every row of the loop, with the loop."""
    good = _good(parsed, bad, repeats)
    edges = f"""
        SELECT unit_code AS src, parent_code AS dst FROM ({good}) g
        WHERE unit_code IS NOT NULL AND parent_code IS NOT NULL
        UNION ALL
        SELECT unit_code, parent_code FROM units
        WHERE parent_code IS NOT NULL
          AND unit_code NOT IN (SELECT unit_code FROM ({good}) g2 WHERE unit_code IS NOT NULL)"""
    own = literal('"Mã đơn vị cấp trên" là chính đơn vị này; đơn vị không thể là cấp trên của '
               'chính nó')
    loop = (literal("Đơn vị nằm trên một vòng lặp đơn vị cấp trên (")
            + " || array_to_string(l.path, ' → ') || "
            + literal("); danh mục đơn vị phải là cây, không có vòng lặp"))
    con.execute(f"""
        INSERT INTO {quote_name(bad)}
        SELECT g._line, CASE WHEN len(l.path) = 2 THEN {own} ELSE {loop} END, {raw_json_sql(export)}
        FROM ({good}) g JOIN ({_loops_sql(edges)}) l ON l.code = g.unit_code""")


def set_aside_succession_conflicts(con, export, parsed: str, bad: str, repeats: str) -> None:
    """Among the rows that pass the row rules: every data-taking row of an old unit that has
    more than one (this file's and the stored ones it does not replace), then every row
    whose data-taking chain loops."""
    good = _good(parsed, bad, repeats)
    taking = _succession_edges(good)
    many = (literal('Đơn vị cũ "') + " || g.old_code || " +
            literal('" có nhiều dòng nhận số liệu (') + " || m.news || " +
            literal('); mỗi đơn vị cũ chỉ được chuyển số liệu cho một đơn vị mới'))
    con.execute(f"""
        INSERT INTO {quote_name(bad)}
        SELECT g._line, {many}, {raw_json_sql(export)}
        FROM ({good}) g JOIN (
            SELECT old_code, array_to_string(list(new_code ORDER BY new_code), ', ') AS news
            FROM ({taking}) t GROUP BY old_code HAVING count(*) > 1) m USING (old_code)
        WHERE {TAKES_DATA}""")
    good = _good(parsed, bad, repeats)  # what is left
    edges = f"SELECT old_code AS src, new_code AS dst FROM ({_succession_edges(good)}) t"
    loop = (literal("Chuỗi nhận số liệu lặp vòng (") + " || array_to_string(l.path, ' → ') || "
            + literal("); số liệu của một đơn vị không thể quay về chính nó"))
    con.execute(f"""
        INSERT INTO {quote_name(bad)}
        SELECT g._line, {loop}, {raw_json_sql(export)}
        FROM ({good}) g JOIN ({_loops_sql(edges)}) l ON l.code = g.old_code
        WHERE {TAKES_DATA}""")


def _succession_edges(good: str) -> str:
    """(old_code, new_code) of the data-taking rows: this file's good ones and the stored
    ones it does not replace."""
    return f"""
        SELECT old_code, new_code FROM ({good}) g WHERE {TAKES_DATA}
        UNION ALL
        SELECT old_code, new_code FROM successions s WHERE takes_data
          AND NOT EXISTS (SELECT 1 FROM ({good}) g2
                          WHERE g2.old_code = s.old_code AND g2.new_code = s.new_code)"""
