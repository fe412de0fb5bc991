"""An HTML table read back as rows of cell texts."""

from __future__ import annotations

from html.parser import HTMLParser


class _Cells(HTMLParser):
    """Header and body rows of an HTML table as lists of (unescaped) cell texts."""

    def __init__(self):
        super().__init__()
        self.rows, self.caption, self._in = [], "", None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
            self._in = "cell"
        elif tag == "caption":
            self._in = "caption"

    def handle_endtag(self, tag):
        if tag in ("td", "th", "caption"):
            self._in = None

    def handle_data(self, data):
        if self._in == "cell":
            self.rows[-1][-1] += data
        elif self._in == "caption":
            self.caption += data


def cells(html: str) -> _Cells:
    """The rows and caption of the (first) table in `html`."""
    parsed = _Cells()
    parsed.feed(html)
    return parsed
