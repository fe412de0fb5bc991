"""The index page of a report run: every unit with its key figures and relative links to
its report files (index.html, self-contained like the reports)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from tthc_lib.atomic import write_bytes_atomic
from tthc_lib.content.words.formatting import fmt_int, fmt_percent
from tthc_lib.render.assets import TEMPLATE_NAME, TEMPLATES, static_text
from tthc_lib.render.fonts import font_css
from tthc_lib.render.formats import FORMATS
from tthc_lib.vocab import LEVEL_LABELS

__all__ = ["IndexEntry", "format_count", "format_rate", "index_entry", "write_index"]


@dataclass(frozen=True)
class IndexEntry:
    """One unit's line on the index page; rates in percent (85.73) or None when undefined;
    `files`: output format -> its report, absolute or relative to the index folder (the
    formats not produced absent or None), linked in the order of render/formats.py."""

    unit_code: str
    unit_name: str
    level: str
    received_total: int
    resolved_total: int
    early_rate: float | None
    on_time_rate: float | None
    late_rate: float | None
    online_rate: float | None
    files: dict[str, Path | None] = field(default_factory=dict)


def index_entry(record: dict, folder: Path) -> IndexEntry:
    """The entry of a unit's index line as the batch records it (the entry's fields, and the
    path of each format's report relative to `folder`, under the format's name)."""
    own = {f.name for f in fields(IndexEntry)} - {"files"}
    return IndexEntry(**{k: v for k, v in record.items() if k in own},
                      files={f: folder / record[f] for f in FORMATS if record.get(f)})


def write_index(out_dir: Path, period_label: str, entries: list[IndexEntry]) -> Path:
    """Write out_dir/index.html listing every unit with its key figures and relative links
    to its report files; return its path."""
    out_dir = Path(out_dir)
    rows = [_index_row(entry, out_dir) for entry in entries]
    page = _jinja().get_template("index_page.html.j2").render(
        period_label=period_label, rows=rows, font_css=font_css(), css=static_text("index.css"))
    out = out_dir / "index.html"
    write_bytes_atomic(out, page.encode("utf-8"))
    return out


def _index_row(entry: IndexEntry, out_dir: Path) -> dict:
    return {
        "name": entry.unit_name, "code": entry.unit_code,
        "level": LEVEL_LABELS.get(entry.level, entry.level),
        "received": format_count(entry.received_total),
        "resolved": format_count(entry.resolved_total),
        "early": format_rate(entry.early_rate), "on_time": format_rate(entry.on_time_rate),
        "late": format_rate(entry.late_rate), "online": format_rate(entry.online_rate),
        "links": [(fmt.label, _link(entry.files[name], out_dir)) for name, fmt in
                  FORMATS.items() if entry.files.get(name)],
    }


def _link(path: Path | None, out_dir: Path) -> str | None:
    if path is None:
        return None
    path = Path(path)
    target = path if path.is_absolute() else out_dir / path
    return quote(Path(os.path.relpath(target, out_dir)).as_posix())


def _jinja():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES / TEMPLATE_NAME)),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
    )


def format_count(value: int | None) -> str:
    """13372 -> "13.372" (Babel's vi locale); None -> "–"."""
    return "–" if value is None else fmt_int(int(value))


def format_rate(value: float | None, places: int = 1) -> str:
    """85.73 -> "85,7%" (halves away from zero, from the value's decimal text); None -> "–"."""
    return fmt_percent(None if value is None else Decimal(str(value)), places, "–")
