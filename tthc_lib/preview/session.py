"""One unit's report kept current in a warm kernel: what changed is re-executed, nothing else.

A change of a notebook re-runs that notebook; of the period's narrative, the notebooks that
show the changed keys (all of them when a key is not named in any notebook, or the document
fields changed); of any other params file or of the store, every notebook. The kernel's own
caches (tthc_lib.content.sections) keep the figures while the store is unchanged.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from papermill.exceptions import PapermillExecutionError

from tthc_lib.batch.runner import file_stem, section_notebooks
from tthc_lib.batch.state import close_worker_state, warm_up
from tthc_lib.content.request import notebook_parameters, report_request
from tthc_lib.content.words.narrative import (
    Narrative,
    Settings,
    check_narrative_file,
    narrative_path,
)
from tthc_lib.errors import expected_error_names
from tthc_lib.periods import Period
from tthc_lib.workspace.find import Workspace

__all__ = [
    "PreviewSession", "Rebuild", "Stamps",
]


def _stat(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _tree(folder: Path, skip: Path | None = None) -> tuple:
    out = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if path != skip:
                out.append((str(path), _stat(path)))
    return tuple(sorted(out))


@dataclass
class Stamps:
    """What the preview watches, as (mtime, size) stamps."""

    notebooks: dict[str, tuple | None]
    narrative: tuple | None
    params: tuple
    store: tuple

    @classmethod
    def take(cls, ws: Workspace, period: Period) -> Stamps:
        nar = narrative_path(ws.params, period.start, period.end)
        return cls({p.stem: _stat(p) for p in section_notebooks(ws.notebooks)}, _stat(nar),
                   _tree(ws.params, skip=nar),
                   (_stat(ws.db), _stat(Path(str(ws.db) + ".wal"))))


@dataclass
class Rebuild:
    """One refresh: the sections re-executed, the seconds it took, the error if any."""

    sections: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None


class PreviewSession:
    """The executed section notebooks of one unit and period, and the report built from them."""

    def __init__(self, ws: Workspace, unit: str, period: Period):
        self.ws, self.unit, self.period = ws, unit, period
        self.request = report_request(unit, period, ws.db, ws.params, ("html",))
        warm_up()  # the process's warm kernel (batch/state.py), which the tthc engine uses
        self.executed: dict[str, nbformat.NotebookNode] = {}
        self.stamps: Stamps | None = None
        self.texts: tuple | None = None
        self.html = ""
        self.error: str | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="tthc-preview-")

    def close(self) -> None:
        close_worker_state()
        self._tmp.cleanup()

    def changed(self) -> bool:
        return Stamps.take(self.ws, self.period) != self.stamps

    def refresh(self) -> Rebuild:
        """Re-execute what changed since the last refresh and rebuild the page."""
        began = time.perf_counter()
        stamps = Stamps.take(self.ws, self.period)
        texts = self._narrative_texts()
        todo = self._stale(stamps, texts)
        self.stamps, self.texts = stamps, texts
        result = Rebuild(todo)
        try:
            Settings.load(self.ws.params)            # params checked before any section runs
            check_narrative_file(self.ws.params, self.period.start, self.period.end)
            for name in todo:
                self.executed[name] = self._execute(name)
            self.html, self.error = self._build(), None
        except PapermillExecutionError as exc:
            self.error = result.error = (  # an expected error is its Vietnamese line alone
                exc.evalue if exc.ename in expected_error_names() else f"{exc.ename}: {exc.evalue}")
        except Exception as exc:  # noqa: BLE001 (any error is shown on the page until an edit fixes it)
            self.error = result.error = " ".join(str(exc).split()) or type(exc).__name__
        result.seconds = time.perf_counter() - began
        return result

    def _stale(self, stamps: Stamps, texts: tuple | None) -> list[str]:
        names = list(stamps.notebooks)
        old = self.stamps
        if old is None or old.params != stamps.params or old.store != stamps.store \
                or set(old.notebooks) != set(names) or self.error is not None:
            return names
        todo = {n for n in names if old.notebooks[n] != stamps.notebooks[n]}
        if old.narrative != stamps.narrative:
            todo |= self._showing(self._changed_keys(texts), names)
        return [n for n in names if n in todo]

    def _narrative_texts(self) -> tuple | None:
        try:
            level = self._level()
            nar = Narrative.load(self.ws.params, self.period.start, self.period.end, self.unit,
                                 level)
        except Exception:  # noqa: BLE001 (a broken narrative: every section re-runs and shows the error)
            return None
        return (tuple(sorted((k, repr(v)) for k, v in nar.texts.items())),
                repr(sorted(nar.document.items())))

    def _level(self) -> str:
        from tthc_lib.store.connection import open_store

        with open_store(self.ws.db, read_only=True) as con:
            row = con.execute("SELECT level FROM units WHERE unit_code = ?", [self.unit]).fetchone()
        return row[0] if row else ""

    def _changed_keys(self, texts: tuple | None) -> set[str] | None:
        """Narrative keys whose text changed; None when anything else (document) did."""
        if texts is None or self.texts is None or texts[1] != self.texts[1]:
            return None
        before, after = dict(self.texts[0]), dict(texts[0])
        return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}

    def _showing(self, keys: set[str] | None, names: list[str]) -> set[str]:
        notebooks = {p.stem: p.read_text(encoding="utf-8") for p in
                     section_notebooks(self.ws.notebooks)}
        if keys is None:
            return set(names)
        todo = set()
        for key in keys:
            holders = {n for n, text in notebooks.items() if f'\\"{key}\\"' in text}
            if not holders:
                return set(names)
            todo |= holders
        return todo

    def _execute(self, name: str) -> nbformat.NotebookNode:
        """Papermill executes the section notebook with the `tthc` engine, in this process's
        warm kernel (batch/engine.py), as the batch does."""
        import papermill

        path = self.ws.notebooks / f"{name}.ipynb"
        return papermill.execute_notebook(str(path), None,
                                          parameters=notebook_parameters(self.request),
                                          engine_name="tthc", progress_bar=False,
                                          kernel_cwd=str(path.parent.resolve()))

    def _build(self) -> str:
        from tthc_lib.content.sections import context
        from tthc_lib.render.html import render_html

        ctx = context(**notebook_parameters(self.request))
        order = [p.stem for p in section_notebooks(self.ws.notebooks)]
        out = Path(self._tmp.name) / f"{file_stem(self.unit)}.html"
        render_html([self.executed[n] for n in order], out, ctx.meta)
        return out.read_text(encoding="utf-8")
