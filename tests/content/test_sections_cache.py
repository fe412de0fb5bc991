"""The sections' per-kernel shortcuts give what the direct queries give, for every unit of
the sample: Biểu 06 from the kernel's by-field frames, and a context's remembered rows."""

from __future__ import annotations

from datetime import date

from helpers.paths import ROOT

from tthc_lib.content import sections
from tthc_lib.content.forms.form06 import form06_frame, form06_html
from tthc_lib.store.connection import open_store

START, END = "2023-01-01", "2023-10-30"
UNITS = ["HD"] + [f"HD{n:02d}" for n in range(1, 26)]


def test_form06_from_the_kernel_cache_equals_the_query_for_every_unit(sample_store):
    with open_store(sample_store, read_only=True) as con:
        for unit in UNITS:
            ctx = sections.context(unit, START, END, sample_store, ROOT / "params")
            scope = "total" if ctx.has_children else "unit"
            queried = form06_html(form06_frame(con, date(2023, 1, 1), date(2023, 10, 30), unit,
                                               scope))
            assert sections.form06(ctx).data == queried, unit


def test_a_context_remembers_the_rows_it_looked_up(sample_store):
    ctx = sections.context("HD", START, END, sample_store, ROOT / "params")
    for scope in ("unit", "communes", "total", "departments"):
        direct = ctx.result.row("HD", scope)
        first, again = ctx.row(scope), ctx.row(scope)
        assert again is first
        assert (direct is None and first is None) or direct.equals(first), scope
    assert ctx.row("unit")["received_total"] == 13372  # "13.372 hồ sơ" of the reference


def test_result_rows_are_found_as_the_filter_finds_them(sample_store):
    ctx = sections.context("HD", START, END, sample_store, ROOT / "params")
    rows = ctx.result.rows
    for unit in UNITS + ["XX"]:
        for scope in ("unit", "communes", "total", "departments", "districts"):
            hit = rows[(rows["unit"] == unit) & (rows["scope"] == scope)]
            found = ctx.result.row(unit, scope)
            if hit.empty:
                assert found is None, (unit, scope)
            else:
                assert found.equals(hit.iloc[0]) and found.name == hit.index[0], (unit, scope)


def test_show_displays_the_parts_that_are_not_none(capsys):
    from IPython.display import HTML

    sections.show(HTML("<p>Một</p>"), None, HTML("<p>Hai</p>"))
    assert capsys.readouterr().out.split() == ["<IPython.core.display.HTML", "object>"] * 2
