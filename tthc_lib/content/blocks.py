"""The building blocks of the section notebooks' output: paragraphs, headings and charts as
HTML display objects, text escaped (sections.py builds every paragraph, table and chart of the
report from them)."""

from __future__ import annotations

import base64
from html import escape

from IPython.display import HTML

from tthc_lib.content.figures import charts

__all__ = ["figure", "heading", "html_parts", "listed", "paras", "show"]


def html_parts(parts: list[str]) -> HTML | None:
    parts = [p for p in parts if p]
    return HTML("\n".join(parts)) if parts else None


def listed(lines: list[str]) -> list[str]:
    """The reference's list markers: "- " before each "Số hồ sơ ..." line of 2.2."""
    return [f"- {t}" if t.startswith("Số hồ sơ") else t for t in lines]


def paras(texts: list[str], cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return "\n".join(f"<p{attr}>{escape(t)}</p>" for t in texts)


def show(*parts: HTML | None) -> None:
    """Display each part that is not None, in order: one notebook cell shows several parts
    (each cell is a round trip to the kernel and papermill's bookkeeping, ~10 ms)."""
    from IPython.display import display

    for part in parts:
        if part is not None:
            display(part)


def heading(text: str, level: int = 2) -> HTML:
    """A numbered heading of the body ("I. KẾT QUẢ THỰC HIỆN", "2.2. Kết quả giải quyết TTHC")."""
    return HTML(f'<h{level} class="tthc-h{level}">{escape(text)}</h{level}>')


def figure(fig, caption: str) -> HTML | None:
    """A chart embedded as a PNG data URI (its title is drawn in the chart; the caption is the
    image's alternative text); None for no chart."""
    if fig is None:
        return None
    data = base64.b64encode(charts.figure_png(fig)).decode("ascii")
    return HTML(f'<figure class="tthc-figure"><img src="data:image/png;base64,{data}" '
                f'alt="{escape(caption)}"></figure>')
