"""PDFs in the report batch: a print that fails is that unit's failure only, and a unit reports
its PDF only once it is written whole. The batch fixture is tests/conftest.py's."""

from __future__ import annotations

from helpers.pdf import pdf_text, whole


def test_a_failed_print_fails_that_unit_only(batch):
    blocked = batch.path("pdf", "W1")
    blocked.mkdir(parents=True)  # a folder where W1's PDF goes: it cannot be written
    summary = batch.run(to=("html", "pdf"))
    assert [(f.unit, f.section) for f in summary.failures] == [("W1", "(dựng báo cáo)")]
    assert f"Không ghi được tệp {blocked}" in summary.failures[0].error
    assert not batch.path("html", "W1").exists()  # a failed unit keeps no report
    for unit, name in (("C", "Thành phố X"), ("W2", "Xã B")):
        outcome = next(o for o in summary.outcomes if o.unit == unit)
        assert outcome.failure is None and outcome.files["pdf"] == str(batch.path("pdf", unit))
        assert whole(batch.path("pdf", unit)) and name.upper() in pdf_text(batch.path("pdf", unit))
