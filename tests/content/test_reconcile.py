"""Reconciliation of printed figures: the reference report's own inconsistencies, rounding of
printed percentages, data disagreements, and the `tthc check` command."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from click.testing import CliRunner
from helpers.paths import ROOT, data_path

from tthc_lib.cli.app import main
from tthc_lib.content.check.printed import load_figures
from tthc_lib.content.check.reconcile import check_figures
from tthc_lib.errors import PeriodError, UnitError
from tthc_lib.periods import Period

pytestmark = pytest.mark.integration  # kernels, subprocesses or long fuzzing (conftest)

FIGURES = data_path("reconcile", "figures.yaml")

SEED_FINDINGS = [
    ("2.3", "total.online", 46801, 46804, "arithmetic",
     ("2.3 tổng số: số hồ sơ tiếp nhận qua dịch vụ công trực tuyến in 46.801 nhưng "
     "cấp huyện 3.670 + cấp xã 43.134 = 46.804")),
    ("2.3", "total.eligible", 47605, 47676, "arithmetic",
     ("2.3 tổng số: số hồ sơ thuộc dịch vụ công trực tuyến in 47.605 nhưng "
     "cấp huyện 3.752 + cấp xã 43.924 = 47.676")),
    ("2.3", "city.printed_pct", Decimal("99.62"), Decimal("97.81"), "arithmetic",
     "2.3 cấp huyện: tỷ lệ in 99,62% nhưng 3.670/3.752 = 97,81%"),
]


def _tuples(findings):
    return [(f.section, f.figure, f.printed, f.expected, f.kind, f.message) for f in findings]


@pytest.fixture
def seed():
    return load_figures(FIGURES)


# ---- arithmetic on the reference figures ----

def test_reference_figures_have_exactly_their_three_inconsistencies(seed):
    assert _tuples(check_figures(None, seed)) == SEED_FINDINGS


def test_percentages_keep_the_decimals_they_were_printed_with(seed):
    sec = seed["section_2_3_online_public_services"]
    assert str(sec["communes"]["printed_pct"]) == "98.20"
    assert str(seed["section_2_2_dossiers"]["communes"]["online_rate_pct"]) == "94.8"


def test_every_percentage_printed_in_the_reference_rounds_correctly(seed):
    """The rates the report prints in prose (85,7% ...) round from its counts; only the
    three known inconsistencies remain."""
    printed = {"city": {"early_rate_pct": Decimal("85.7"), "on_time_rate_pct": Decimal("10.8"),
                        "late_rate_pct": Decimal("3.5")},
               "communes": {"early_rate_pct": Decimal("95.1"),
                            "on_time_rate_pct": Decimal("4.9"),
                            "late_rate_pct": Decimal("0.1")}}
    digitised = {"city": (Decimal("98.31"), Decimal("97.2")),
                 "communes": (Decimal("98.22"), Decimal("98.50"))}
    for part, values in printed.items():
        seed["section_2_2_dossiers"][part].update(values)
        on_receipt, result = digitised[part]
        seed["section_2_4_digitisation"][part].update(
            digitised_on_receipt_pct=on_receipt, result_digitised_rate_pct=result)
    assert _tuples(check_figures(None, seed)) == SEED_FINDINGS


def test_a_misrounded_percentage_is_named_with_its_counts(seed):
    seed["section_2_2_dossiers"]["city"]["early_rate_pct"] = Decimal("85.8")
    seed["section_2_2_dossiers"]["communes"]["online_rate_pct"] = Decimal("94.79")  # 94,79 ok
    found = check_figures(None, seed)
    assert _tuples(found[:1]) == [
        ("2.2", "city.early_rate_pct", Decimal("85.8"), Decimal("85.7"), "arithmetic",
         "2.2 cấp huyện: tỷ lệ trước hạn in 85,8% nhưng 10.049/11.722 = 85,7%")]
    assert len(found) == 4


def test_percentage_halves_round_away_from_zero(seed):
    city = seed["section_2_2_dossiers"]["city"]
    # 1/8 = 12.5%: at no decimal 13 (not banker's 12), at one decimal 12.5
    city.update(received_online=1, received_offline=7, received_in_period=8,
                carried_over=13364, online_rate_pct=13)
    assert check_figures(None, seed) == check_figures(None, load_figures(FIGURES))
    city["online_rate_pct"] = 12
    assert next(f.message for f in check_figures(None, seed)) == \
        "2.2 cấp huyện: tỷ lệ trực tuyến in 12% nhưng 1/8 = 13%"


def test_a_trailing_zero_makes_a_two_decimal_percentage(tmp_path):
    text = FIGURES.read_text(encoding="utf-8").replace("printed_pct: 98.20", "printed_pct: 98.10")
    (tmp_path / "f.yaml").write_text(text, encoding="utf-8")
    found = check_figures(None, load_figures(tmp_path / "f.yaml"))
    assert [f.message for f in found if f.figure == "communes.printed_pct"] == [
        "2.3 cấp xã: tỷ lệ in 98,10% nhưng 43.134/43.924 = 98,20%"]


def test_totals_of_parts_across_sections(seed):
    seed["section_1_3_procedures_published"]["amended"]["total"] = 112
    seed["section_3_feedback"]["handled_late"] = 1
    found = _tuples(check_figures(None, seed))
    assert found[0] == ("1.3", "amended.total", 112, 113, "arithmetic",
                        ("1.3 tổng số: số TTHC công bố sửa đổi, bổ sung in 112 nhưng "
                        "cấp huyện 70 + cấp xã 43 = 113"))
    assert found[-1] == ("3", "received", 7, 8, "arithmetic",
                         ("3 tổng số: số PAKN đã tiếp nhận in 7 nhưng số PAKN xử lý đúng hạn 7 "
                         "+ số PAKN xử lý quá hạn 1 + số PAKN đang xử lý 0 = 8"))


def test_within_part_identities(seed):
    seed["section_2_2_dossiers"]["communes"]["received_total"] = 66953
    found = _tuples(check_figures(None, seed))
    assert found[0] == ("2.2", "communes.received_total", 66953, 66952, "arithmetic",
                        ("2.2 cấp xã: số hồ sơ được tiếp nhận in 66.953 nhưng số hồ sơ kỳ trước "
                        "chuyển sang 1.099 + số hồ sơ tiếp nhận trong kỳ 65.853 = 66.952"))


def test_plain_yaml_floats_are_accepted(seed):
    import yaml

    plain = yaml.safe_load(FIGURES.read_text(encoding="utf-8"))
    assert _tuples(check_figures(None, plain)) == SEED_FINDINGS


# ---- against a small store ----

LOCAL = timezone(timedelta(hours=7))
PERIOD = Period(date(2023, 1, 1), date(2023, 10, 30))


def _t(y, m, d):
    return datetime(y, m, d, 9, 0, tzinfo=LOCAL)


def _dossier(con, did, unit, proc, channel, received, due, closed):
    con.execute(
        """INSERT INTO dossiers (dossier_id, unit_code, procedure_code, channel,
            status, received_at, due_at, closed_at, received_date, due_date, closed_date,
            digitised_on_receipt, result_digitised) VALUES (?, ?, ?, ?, 'resolved', ?, ?, ?,
           timezone('Asia/Ho_Chi_Minh', ?::TIMESTAMPTZ)::DATE,
           timezone('Asia/Ho_Chi_Minh', ?::TIMESTAMPTZ)::DATE,
           timezone('Asia/Ho_Chi_Minh', ?::TIMESTAMPTZ)::DATE, true, true)""",
        [did, unit, proc, channel, received, due, closed, received, due, closed])


@pytest.fixture
def store(con):
    """City C (3 dossiers, one carried over) and ward W (1 dossier), one feedback, one
    published procedure."""
    con.execute("""INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES ('C', 'Thành phố X', 'Thành phố', 'district', NULL),
                   ('W', 'Phường A', 'Phường', 'commune', 'C')""")
    con.execute("""INSERT INTO procedures VALUES ('P1', 'Khai sinh', 'Hộ tịch', 'commune', 'full'),
                   ('P2', 'Đất', 'Đất đai', 'district', 'full')""")
    _dossier(con, "a", "C", "P2", "online", _t(2023, 2, 1), _t(2023, 2, 9), _t(2023, 2, 5))
    _dossier(con, "b", "C", "P2", "online", _t(2023, 2, 1), _t(2023, 2, 9), _t(2023, 2, 9))
    _dossier(con, "c", "C", "P2", "in_person", _t(2022, 12, 1), _t(2022, 12, 9), _t(2023, 1, 5))
    _dossier(con, "w", "W", "P1", "in_person", _t(2023, 3, 1), _t(2023, 3, 9), _t(2023, 3, 2))
    con.execute("""INSERT INTO feedback VALUES ('f', 'C', 'regulation_or_conduct',
        '2023-02-01 08:00+07', '2023-02-10 17:00+07', '2023-02-05 08:00+07',
        '2023-02-01', '2023-02-10', '2023-02-05')""")
    con.execute("INSERT INTO changes VALUES ('1/QĐ', '2023-05-01', 'P2', 'district', 'new')")
    # as `tthc ingest` records them: a feedback and a publication export were loaded
    con.execute("""INSERT INTO loads VALUES (1, 'pakn.csv', '0', now(), 'feedback', 1, 1, 0, 0, 0),
                   (2, 'cong_bo.csv', '0', now(), 'changes', 1, 1, 0, 0, 0)""")
    return con


def test_a_figure_the_store_cannot_tell_is_not_compared(store):
    """Before any publication or feedback export is loaded, the printed 1.3 and PAKN figures
    are not compared with a store that knows nothing of them (not "dữ liệu có 0")."""
    wrong = _small_figures()
    wrong["section_1_3_procedures_published"]["new"] = {"district": 7, "commune": 0, "total": 7}
    assert [f.figure for f in check_figures(store, wrong)] == ["new.district"]
    store.execute("DELETE FROM loads")
    assert check_figures(store, wrong) == []


def _small_figures():
    return {
        "period": {"start": date(2023, 1, 1), "end": date(2023, 10, 30)},
        "section_1_3_procedures_published": {"new": {"district": 1, "commune": 0, "total": 1}},
        "section_2_2_dossiers": {
            "city": {"received_total": 3, "received_online": 2, "received_offline": 0,
                     "carried_over": 1, "received_in_period": 2, "resolved_total": 3,
                     "resolved_early": 1, "resolved_on_time": 1, "resolved_late": 1,
                     "online_rate_pct": Decimal("100.00")},
            "communes": {"received_total": 1, "received_online": 0, "received_offline": 1,
                         "carried_over": 0, "received_in_period": 1, "resolved_total": 1,
                         "resolved_early": 1, "resolved_on_time": 0, "resolved_late": 0}},
        "section_2_3_online_public_services": {
            "total": {"online": 2, "eligible": 3, "printed_pct": Decimal("66.67")},
            "city": {"online": 2, "eligible": 2}, "communes": {"online": 0, "eligible": 1}},
        "section_2_4_digitisation": {"city": {"digitised_on_receipt": 2, "result_digitised": 3},
                                     "communes": {"digitised_on_receipt": 1}},
        "section_3_feedback": {"received": 1, "city": 1, "communes": 0, "handled_on_time": 1,
                               "handled_late": 0, "pending": 0, "business_regulation_feedback": 0},
    }


def test_figures_that_match_the_store_have_no_finding(store):
    assert check_figures(store, _small_figures()) == []


def test_a_leaf_that_disagrees_with_the_store_is_a_data_finding(store):
    figures = _small_figures()
    city = figures["section_2_2_dossiers"]["city"]
    # consistently misprinted: online 3, in period 3, total 4 (the data has 2, 2, 3)
    city.update(received_online=3, received_in_period=3, received_total=4,
                online_rate_pct=Decimal("100.00"))
    figures["section_2_4_digitisation"]["communes"]["digitised_on_receipt"] = 0
    assert _tuples(check_figures(store, figures)) == [
        ("2.2", "city.received_online", 3, 2, "data",
         "2.2 cấp huyện: số hồ sơ trực tuyến in 3 nhưng dữ liệu có 2"),
        ("2.4", "communes.digitised_on_receipt", 0, 1, "data",
         "2.4 cấp xã: số hồ sơ số hóa khi tiếp nhận in 0 nhưng dữ liệu có 1")]


def test_a_wrong_total_is_one_arithmetic_finding_not_also_a_data_one(store):
    figures = _small_figures()
    figures["section_2_3_online_public_services"]["total"]["online"] = 1
    figures["section_1_3_procedures_published"]["new"]["total"] = 2
    assert [(f.figure, f.kind, f.expected) for f in check_figures(store, figures)] == [
        ("new.total", "arithmetic", 1), ("total.online", "arithmetic", 2),
        ("total.printed_pct", "arithmetic", Decimal("33.33"))]


def test_a_percentage_without_its_counts_is_checked_against_the_store(store):
    figures = _small_figures()
    figures["section_2_2_dossiers"]["communes"]["online_rate_pct"] = Decimal("100.0")
    figures["section_2_4_digitisation"]["communes"]["result_digitised_pct"] = Decimal(90)
    assert [(f.figure, f.kind, f.message) for f in check_figures(store, figures)] == [
        ("communes.online_rate_pct", "arithmetic",
         "2.2 cấp xã: tỷ lệ trực tuyến in 100,0% nhưng 0/1 = 0,0%"),
        ("communes.result_digitised_pct", "data",
         "2.4 cấp xã: tỷ lệ số hóa kết quả in 90% nhưng dữ liệu cho 1/1 = 100%")]
    figures["section_2_4_digitisation"]["communes"]["result_digitised_pct"] = Decimal(100)
    assert len(check_figures(store, figures)) == 1


def test_the_root_is_the_unit_without_a_parent_or_the_one_asked(store):
    figures = _small_figures()
    # W as the root: its own row is the "city" part, no communes below it
    found = check_figures(store, figures, unit="W")
    assert ("city.received_online", 2, 0) in [(f.figure, f.printed, f.expected) for f in found]
    with pytest.raises(UnitError, match="Không có đơn vị Z"):
        check_figures(store, figures, unit="Z")
    store.execute("INSERT INTO units (unit_code, unit_name, kind, level, parent_code) VALUES ('D', 'Huyện Y', 'Huyện', 'district', NULL)")
    with pytest.raises(UnitError, match=r"có 2 đơn vị không có cấp trên \(C, D\).*--unit"):
        check_figures(store, figures)


def test_the_period_is_the_figures_own_unless_it_disagrees(store):
    figures = _small_figures()
    assert check_figures(store, figures, period=PERIOD) == []
    with pytest.raises(PeriodError, match="khác kỳ của tệp số liệu"):
        check_figures(store, figures, period=Period(date(2023, 1, 1), date(2023, 10, 31)))
    del figures["period"]
    with pytest.raises(PeriodError, match="--period"):
        check_figures(store, figures)


# ---- the command ----

def test_check_command_prints_findings_and_exits_0(tmp_path):
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "none.duckdb"), "check",
                                       "--figures", str(FIGURES), "--no-data"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"[số học] {m}" for *_, m in SEED_FINDINGS] + ["3 số liệu chênh lệch."]
    assert "0 khi" in CliRunner().invoke(main, ["check", "--help"]).output


def test_check_command_json(tmp_path):
    result = CliRunner().invoke(main, ["check", "--figures", str(FIGURES), "--no-data",
                                       "--format", "json"])
    out = json.loads(result.output)
    assert out["period"] == {"start": "2023-01-01", "end": "2023-10-30"}
    assert out["findings"][2] == {"section": "2.3", "figure": "city.printed_pct",
                                  "printed": 99.62, "expected": 97.81, "kind": "arithmetic",
                                  "message": SEED_FINDINGS[2][5]}


def test_check_command_without_a_store_says_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "none.duckdb"), "check",
                                       "--figures", str(FIGURES)])
    assert result.exit_code == 1
    assert "--no-data" in result.output


# ---- the sample city ----

@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    from tthc_lib.ingest.load import load_exports
    from tthc_lib.sample.city import generate_sample
    from tthc_lib.store.connection import connect

    out = tmp_path_factory.mktemp("sample")
    paths = generate_sample(ROOT / "params" / "sample_city.yaml", out)
    con = connect(out / "store.duckdb")
    assert [r.error for r in load_exports(con, paths)] == [None] * len(paths)
    yield con
    con.close()


def test_sample_store_agrees_with_every_printed_count(sample_store):
    """The sample reproduces the report's counts: with the data, the reference figures have
    the same three findings and no data disagreement (the wrong totals stay arithmetic)."""
    assert _tuples(check_figures(sample_store, load_figures(FIGURES))) == SEED_FINDINGS


def test_sample_store_flags_a_count_the_data_does_not_have(sample_store):
    figures = copy.deepcopy(load_figures(FIGURES))
    figures["section_2_2_dossiers"]["communes"]["resolved_late"] = 58
    figures["section_2_2_dossiers"]["communes"]["resolved_early"] = 62450
    found = [(f.figure, f.kind, f.printed, f.expected) for f in
             check_figures(sample_store, figures)]
    assert found[:2] == [("communes.resolved_early", "data", 62450, 62449),
                         ("communes.resolved_late", "data", 58, 59)]
    assert len(found) == 5
