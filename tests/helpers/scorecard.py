"""The 766 scorecard's spec and a city whose figures fill it."""

from __future__ import annotations

import pandas as pd

from helpers.paths import ROOT
from tthc_lib.content.figures.scorecard import load_scorecard_spec
from tthc_lib.indicators.figures import COUNTS

SPEC = load_scorecard_spec(ROOT / "tthc_lib" / "data" / "scorecard_766.yaml")


def line(code: str, name: str, **counts: int) -> dict:
    """One ward's `unit` row of the contract, every count 0 unless given."""
    return dict(
        unit=code,
        scope="unit",
        unit_name=name,
        level="commune",
        parent_code="C",
        **{**dict.fromkeys(COUNTS, 0), **counts},
    )


def city(*wards: dict) -> pd.DataFrame:
    root = dict(line("C", "Thành phố X"), level="district", parent_code=None)
    return pd.DataFrame([root, *wards])


# A ward with every component defined: timeliness 6 of 13 (2 early + 1 on time + 3 pending in
# time, over 4 resolved + 5 withdrawn or returned + 4 pending) = 9.23 of 20; online,
# digitisation and feedback at their targets.
FULL = {
    "resolved_total": 4,
    "resolved_early": 2,
    "resolved_on_time": 1,
    "resolved_late": 1,
    "pending_total": 4,
    "pending_in_time": 3,
    "pending_overdue": 1,
    "closed_other": 5,
    "received_in_period": 10,
    "dvc_eligible": 2,
    "dvc_online": 1,
    "digitised_on_receipt": 8,
    "result_digitised": 4,
    "feedback_received": 1,
    "business_feedback_received": 1,
    "feedback_on_time": 1,
    "business_feedback_on_time": 1,
}
