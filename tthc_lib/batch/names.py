"""Output names: every file the batch writes is named here, from one template per kind.

{period} is START_END, {unit} a unit code checked by `safe_name`, {section} a section name.
"""

from __future__ import annotations

import re
from pathlib import Path

from tthc_lib.errors import ReportError
from tthc_lib.periods import Period

OUTPUT_NAMES = {
    "period_dir": "{period}",
    "html": "{period}/{unit}.html",
    "pdf": "{period}/{unit}.pdf",
    "docx": "{period}/{unit}.docx",
    "notebook": "{period}/notebooks/{unit}/{section}.ipynb",
    "index": "{period}/index.html",
    "summary": "{period}/run-summary.json",
}
FORMATS = ("html", "pdf", "docx")

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def safe_name(text: str, what: str = "mã đơn vị") -> str:
    """A unit code or section name usable as a file name, or a ReportError: no path parts,
    no traversal, no NUL, at most 64 characters."""
    if not _SAFE.fullmatch(text) or ".." in text:
        raise ReportError(f"Không dùng được {what} {text!r} làm tên tệp (chỉ chữ, số, '_', '-', '.'; "
                          "tối đa 64 ký tự).", name=text)
    return text


def output_path(out: Path, name: str, period: Period, unit: str = "", section: str = "") -> Path:
    """The path of output `name` (a key of OUTPUT_NAMES) under the output folder `out`."""
    rel = OUTPUT_NAMES[name].format(period=f"{period.start}_{period.end}",
                                    unit=safe_name(unit) if unit else "",
                                    section=safe_name(section, "tên mục") if section else "")
    return Path(out) / rel
