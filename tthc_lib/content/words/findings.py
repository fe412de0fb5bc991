"""What an office reads of a finding (docs/indicators.md § Findings): one Vietnamese line
each, for the lines `tthc report` prints under "Cần xem lại". A finding's own `message`, when
it has one, is that line; the kinds computed by the indicators are put into words here; any
other is shown as it is (JSON), never dropped."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date

from tthc_lib.vocab import SCHEMAS

NO_DATA = "không có số liệu"       # formatting.NO_DATA: that module (Babel) is not loaded

__all__ = ["finding_lines", "finding_text"]


def _header(kind: str, column: str) -> str:
    return next((c.header for c in SCHEMAS.get(kind, ()) if c.name == column), column)


def finding_text(f: Mapping) -> str:
    """The finding as one line an office reads."""
    if f.get("message"):
        return str(f["message"])
    kind, unit = f.get("finding"), f.get("unit")
    if kind == "column_missing":
        return (f'{f["file"]}: không có cột "{_header(f["kind"], f["column"])}"; các số liệu '
                f'cần cột này ghi "{NO_DATA}".')
    if kind == "changes_not_loaded":
        return ("Chưa nạp tệp công bố thủ tục hành chính nào: số TTHC được công bố (mục 1.3) "
                f'ghi "{NO_DATA}".')
    if kind == "feedback_not_loaded":
        return ("Chưa nạp tệp phản ánh, kiến nghị (PAKN) nào: các số liệu PAKN ghi "
                f'"{NO_DATA}".')
    # A re-run that renders nothing imports no heavy library: Babel only to write numbers.
    from tthc_lib.content.words.formatting import fmt_count, fmt_date

    if kind == "closing_estimated":
        return (f"{unit}: {fmt_count(int(f['count']))} hồ sơ không có ngày giải quyết trong dữ "
                "liệu được tính vào ngày sớm nhất có thể; số hồ sơ đã giải quyết là số ước tính.")
    if kind == "received_before_established":
        when = fmt_date(date.fromisoformat(f["established"]))
        what = " và ".join(f"{fmt_count(int(f[key]))} {noun}" for key, noun in
                           (("dossiers", "hồ sơ"), ("feedback", "PAKN")) if int(f[key]))
        return f"{unit}: {what} được tiếp nhận trước ngày thành lập đơn vị ({when})."
    if "identity" in f and "left" in f:
        return (f"{unit} ({f.get('scope', 'unit')}): {f['identity']} không khớp "
                f"({f['left']} khác {f['right']}).")
    return json.dumps(dict(f), ensure_ascii=False)


def finding_lines(findings: Iterable[Mapping]) -> list[str]:
    """Each distinct line once, in the order first met (a batch repeats a store's findings,
    such as a file without a column, for every unit)."""
    return list(dict.fromkeys(finding_text(f) for f in findings))
