"""What an executed report notebook records about its unit, for the batch to read back.

The header cell (`sections.header`) displays the header block with, in its output metadata
under RECORD_KEY, the unit's report meta (`ReportMeta.to_dict`), its line on the index page
and the findings of its context. The batch reads that record from the executed notebooks
(`read_record`) instead of computing the unit's figures a second time.
"""

from __future__ import annotations

import json

from tthc_lib.content.words.formatting import rate as exact_rate
from tthc_lib.content.words.formatting import round_half_away
from tthc_lib.content.words.layout import ReportMeta
from tthc_lib.errors import ReportError
from tthc_lib.indicators.figures import RATES

__all__ = ["RECORD_KEY", "index_line", "read_record", "record"]

RECORD_KEY = "tthc_report"


def index_line(ctx) -> dict:
    """The unit's line on the index page (IndexEntry fields, without links): its own figures,
    or its total for a unit with wards."""
    row = ctx.row("total") if ctx.has_children else ctx.row("unit")

    def rate(name: str) -> float | None:
        # Rounded once, exactly, to the one decimal the index shows (never from the row's
        # two-decimal float: 85,749 must not become 85,75 then 85,8).
        num, den = RATES[name]
        value = exact_rate(int(row[num]), int(row[den]))
        return None if value is None else float(round_half_away(value, 1))

    return {"unit_code": ctx.unit, "unit_name": ctx.info["unit_name"],
            "level": ctx.info["level"], "received_total": int(row["received_total"]),
            "resolved_total": int(row["resolved_total"]), "early_rate": rate("early_rate"),
            "on_time_rate": rate("on_time_rate"), "late_rate": rate("late_rate"),
            "online_rate": rate("online_rate")}


def record(ctx) -> dict:
    """The JSON-ready record of the unit's report: meta, index line, findings."""
    data = {"meta": ctx.meta.to_dict(), "index": index_line(ctx),
            "findings": [dict(f, unit=ctx.unit) for f in ctx.findings]}
    return json.loads(json.dumps(data, default=lambda v: v.item() if hasattr(v, "item")
                                 else str(v)))


def read_record(notebooks) -> tuple[ReportMeta, dict, list[dict]]:
    """(meta, index line, findings) recorded by the first executed notebook that has one;
    a ReportError when none does (no notebook displayed `sections.header`)."""
    for nb in notebooks:
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                for metadata in output.get("metadata", {}).values():
                    if isinstance(metadata, dict) and RECORD_KEY in metadata:
                        found = metadata[RECORD_KEY]
                        return (ReportMeta.from_dict(found["meta"]), found["index"],
                                list(found["findings"]))
    raise ReportError("Không notebook nào của báo cáo hiện phần đầu (sections.header), nên "
                      "không có thông tin đơn vị để dựng báo cáo.")
