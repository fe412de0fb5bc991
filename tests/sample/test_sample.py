"""tthc_lib.sample.city: the sample city's exports reproduce the reference report's figures.

The figures are first recomputed here, independently of the loader and the indicators
(pandas over the written files, docs/indicators.md's definitions), then through them.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers.paths import ROOT
from helpers.sample import canonical, local_dates, read_csv
from openpyxl import load_workbook

from tthc_lib import vocab
from tthc_lib.errors import SampleError
from tthc_lib.sample.city import generate_sample, load_spec

SPEC = ROOT / "params" / "sample_city.yaml"
START, END = date(2023, 1, 1), date(2023, 10, 30)

# The reference report's figures (tests/data/reconcile/figures.yaml), section 2.2-2.4, as printed.
REFERENCE = {
    "unit": {"carried_over": 896, "received_online": 11009, "received_offline": 1467,
             "received_in_period": 12476, "received_total": 13372, "resolved_total": 11722,
             "resolved_early": 10049, "resolved_on_time": 1261, "resolved_late": 412,
             "dvc_eligible": 3752, "dvc_online": 3670, "digitised_on_receipt": 12265,
             "result_digitised": 11394},
    "communes": {"carried_over": 1099, "received_online": 62423, "received_offline": 3430,
                 "received_in_period": 65853, "received_total": 66952,
                 "resolved_total": 65698, "resolved_early": 62449, "resolved_on_time": 3190,
                 "resolved_late": 59, "dvc_eligible": 43924, "dvc_online": 43134,
                 "digitised_on_receipt": 64684, "result_digitised": 64714},
}
REFERENCE_FEEDBACK = {"unit": {"received": 5, "on_time": 5, "late": 0, "pending": 0},
                      "communes": {"received": 2, "on_time": 2, "late": 0, "pending": 0}}
REFERENCE_PUBLISHED = {"district": {"new": 3, "amended": 70, "abolished": 33},
                       "commune": {"new": 5, "amended": 43, "abolished": 12}}
FILE_NAMES = ["don_vi.csv", "thu_tuc_hanh_chinh.xlsx", "cong_bo_tthc.csv", "ho_so_2022.csv",
              "ho_so_2023.csv", "phan_anh_kien_nghi.csv"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> list[Path]:
    return generate_sample(SPEC, tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def exports(sample) -> dict:
    """The written exports read back here, bad and duplicate rows set aside."""
    return _read_exports(sample)


# --------------------------------------------------------------------------------------------
# An independent reader and the definitions of docs/indicators.md


def _read_xlsx(path: Path) -> pd.DataFrame:
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if "Mã thủ tục" in r)
    return pd.DataFrame(rows[at + 1:], columns=rows[at]).fillna("").astype(str)


def _set_aside(df: pd.DataFrame, units: set, date_cols: list[str]) -> pd.DataFrame:
    """Exact duplicates skipped, then rows with an unknown unit or an unreadable date, or a
    closing before the receipt, removed (docs/input-format.md § Rows set aside)."""
    df = df.drop_duplicates().copy()
    ok = df["unit_code"].isin(units)
    for col in date_cols:
        df[col], bad = local_dates(df[col])
        ok &= ~bad
    df = df[ok]
    if "closed_at" in df:
        df = df[~(df["closed_at"] < df["received_at"])]
    return df


def _flag(series: pd.Series) -> pd.Series:
    return series.map(lambda v: vocab.FLAGS[vocab.norm_value(v)])


def _read_exports(paths: list[Path]) -> dict:
    by_name = {p.name: p for p in paths}
    units = canonical(read_csv(by_name["don_vi.csv"]), "units")
    procs = canonical(_read_xlsx(by_name["thu_tuc_hanh_chinh.xlsx"]), "procedures")
    procs["online_service"] = procs["online_service"].map(
        lambda v: vocab.ONLINE_SERVICE[vocab.norm_value(v)])
    raw = pd.concat([canonical(read_csv(by_name[n]), "dossiers")
                     for n in ("ho_so_2022.csv", "ho_so_2023.csv")], ignore_index=True)
    dossiers = _set_aside(raw, set(units["unit_code"]), ["received_at", "due_at", "closed_at"])
    dossiers["channel"] = dossiers["channel"].map(lambda v: vocab.CHANNELS[vocab.norm_value(v)])
    dossiers["status"] = dossiers["status"].map(lambda v: vocab.STATUSES[vocab.norm_value(v)])
    for col in ("digitised_on_receipt", "result_digitised"):
        dossiers[col] = _flag(dossiers[col])
    dossiers = dossiers.merge(procs[["procedure_code", "online_service"]], how="left")
    feedback = _set_aside(canonical(read_csv(by_name["phan_anh_kien_nghi.csv"]), "feedback"),
                          set(units["unit_code"]), ["received_at", "due_at", "handled_at"])
    feedback["topic"] = feedback["topic"].map(lambda v: vocab.TOPICS[vocab.norm_value(v)])
    changes = canonical(read_csv(by_name["cong_bo_tthc.csv"]), "changes")
    changes["decision_date"] = local_dates(changes["decision_date"])[0].dt.date
    return {"units": units, "procedures": procs, "dossiers": dossiers, "feedback": feedback,
            "changes": changes, "raw_dossiers": raw}


def _scope_units(units: pd.DataFrame, scope: str) -> set:
    if scope == "unit":
        return {"HD"}
    return set(units.loc[units["parent_code"] == "HD", "unit_code"])


def _dossier_counts(d: pd.DataFrame, start=START, end=END) -> dict:
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    received, closed, due = d["received_at"], d["closed_at"], d["due_at"]
    in_p = (received >= s) & (received <= e)
    carried = (received < s) & ~(closed < s)
    counted = carried | in_p
    resolved = counted & (d["status"] == "resolved") & (closed >= s) & (closed <= e)
    pending = counted & ~(closed <= e)
    full = in_p & (d["online_service"] == "full")
    online = d["channel"] == "online"
    return {
        "carried_over": carried.sum(),
        "received_online": (in_p & online).sum(),
        "received_offline": (in_p & ~online).sum(),
        "received_in_period": in_p.sum(),
        "received_total": counted.sum(),
        "resolved_total": resolved.sum(),
        "resolved_early": (resolved & (closed < due)).sum(),
        "resolved_on_time": (resolved & (closed == due)).sum(),
        "resolved_late": (resolved & (closed > due)).sum(),
        "closed_other": (counted & d["status"].isin(["withdrawn", "returned"])
                         & (closed >= s) & (closed <= e)).sum(),
        "pending_total": pending.sum(),
        "pending_overdue": (pending & (due < e)).sum(),
        "dvc_eligible": full.sum(),
        "dvc_online": (full & online).sum(),
        "digitised_on_receipt": (in_p & d["digitised_on_receipt"]).sum(),
        "result_digitised": (resolved & d["result_digitised"]).sum(),
    }


def _feedback_counts(f: pd.DataFrame, topic: str) -> dict:
    s, e = pd.Timestamp(START), pd.Timestamp(END)
    f = f[(f["topic"] == topic) & (f["received_at"] >= s) & (f["received_at"] <= e)]
    handled = f["handled_at"] <= e
    return {"received": len(f), "on_time": (handled & (f["handled_at"] <= f["due_at"])).sum(),
            "late": (handled & (f["handled_at"] > f["due_at"])).sum(),
            "pending": (~handled).sum()}


# --------------------------------------------------------------------------------------------
# The figures


def test_spec_targets_are_the_reference_figures():
    targets = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["targets"]
    assert targets["dossiers"] == REFERENCE
    assert targets["feedback"] == REFERENCE_FEEDBACK
    assert targets["procedures_published"] == REFERENCE_PUBLISHED
    assert targets["business_feedback"] == {"received": 0}


def test_files_are_written_in_load_order(sample):
    assert [p.name for p in sample] == FILE_NAMES
    assert all(p.stat().st_size > 0 for p in sample)


@pytest.mark.parametrize("scope", ["unit", "communes"])
def test_dossier_figures_are_reproduced(exports, scope):
    d = exports["dossiers"]
    got = _dossier_counts(d[d["unit_code"].isin(_scope_units(exports["units"], scope))])
    assert {k: int(got[k]) for k in REFERENCE[scope]} == REFERENCE[scope]
    assert got["received_total"] == got["resolved_total"] + got["closed_other"] \
        + got["pending_total"]


@pytest.mark.parametrize("scope", ["unit", "communes"])
def test_withdrawn_returned_and_pending_are_not_empty(exports, scope):
    d = exports["dossiers"]
    got = _dossier_counts(d[d["unit_code"].isin(_scope_units(exports["units"], scope))])
    assert got["closed_other"] > 0
    assert 0 < got["pending_overdue"] < got["pending_total"]
    statuses = set(d.loc[d["unit_code"].isin(_scope_units(exports["units"], scope)), "status"])
    assert statuses == {"open", "resolved", "withdrawn", "returned"}


def test_feedback_figures_are_reproduced(exports):
    f = exports["feedback"]
    for scope, want in REFERENCE_FEEDBACK.items():
        part = f[f["unit_code"].isin(_scope_units(exports["units"], scope))]
        got = _feedback_counts(part, "regulation_or_conduct")
        assert {k: int(v) for k, v in got.items()} == want
    assert _feedback_counts(f, "business_regulation")["received"] == 0
    assert (f["topic"] == "business_regulation").any()       # outside the period only
    assert (f["received_at"] < pd.Timestamp(START)).any()
    assert (f["received_at"] > pd.Timestamp(END)).any()


def test_published_procedures_are_reproduced(exports):
    c = exports["changes"]
    inside = c[(c["decision_date"] >= START) & (c["decision_date"] <= END)]
    levels = inside["level"].map(lambda v: vocab.LEVELS[vocab.norm_value(v)])
    changes = inside["change"].map(lambda v: vocab.CHANGES[vocab.norm_value(v)])
    got = pd.crosstab(levels, changes).to_dict(orient="index")
    assert got == REFERENCE_PUBLISHED
    assert len(c) > len(inside)                              # some outside the period
    assert not c.duplicated(["decision_no", "procedure_code"]).any()
    assert {date(2023, 10, 31), date(2022, 12, 30)} <= set(c["decision_date"])


def test_last_year_gives_a_comparable_same_period(exports):
    d = exports["dossiers"]
    for scope in ("unit", "communes"):
        part = d[d["unit_code"].isin(_scope_units(exports["units"], scope))]
        now = _dossier_counts(part)
        before = _dossier_counts(part, date(2022, 1, 1), date(2022, 10, 30))
        assert 0.75 < before["received_in_period"] / now["received_in_period"] < 1.0
        assert before["received_online"] / before["received_in_period"] \
            < now["received_online"] / now["received_in_period"]


def test_carried_over_dossiers_were_received_late_in_2022(exports):
    d = exports["dossiers"]
    s = pd.Timestamp(START)
    carried = d[(d["received_at"] < s) & ~(d["closed_at"] < s)]
    assert len(carried) == REFERENCE["unit"]["carried_over"] + REFERENCE["communes"]["carried_over"]
    assert carried["received_at"].min() >= pd.Timestamp(2022, 8, 1)
    assert carried["received_at"].max() < s
    assert {"open", "resolved", "withdrawn", "returned"} <= set(carried["status"])


def test_due_dates_are_working_days_after_receipt(exports):
    spec = load_spec(SPEC)
    holidays = [str(h) for h in spec["calendar"]["holidays"]]
    d = exports["dossiers"]
    due = d["due_at"].to_numpy().astype("datetime64[D]")
    assert np.is_busday(due, holidays=holidays).all()
    assert (d["due_at"] > d["received_at"]).all()
    months = d["received_at"].dt.month.value_counts()
    assert months.max() / months.min() > 1.2                 # seasonality, Tết in the troughs


def test_every_unit_has_dossiers_larger_wards_more(exports):
    spec = load_spec(SPEC)
    per_unit = exports["dossiers"]["unit_code"].value_counts()
    assert set(per_unit.index) == {"HD"} | {u["code"] for u in spec["units"]}
    weights = {u["code"]: u["weight"] for u in spec["units"]}
    heaviest, lightest = max(weights, key=weights.get), min(weights, key=weights.get)
    assert per_unit[heaviest] > per_unit[lightest]


def test_size_stays_fast_to_load(exports):
    assert 150_000 <= len(exports["dossiers"]) <= 200_000


# --------------------------------------------------------------------------------------------
# What the exports look like


def test_units_and_procedures_registries(exports):
    units = exports["units"].set_index("unit_code")
    assert units.loc["HD", "unit_name"] == "Thành phố Hải Dương"
    assert units.loc["HD", "kind"] == "Thành phố"
    assert units.loc["HD01", "unit_name"] == "Phường Ái Quốc"
    assert units.loc["HD20", "unit_name"] == "Xã An Thượng"
    assert (units["kind"] == "Phường").sum() == 19 and (units["kind"] == "Xã").sum() == 6
    procs = exports["procedures"]
    levels = procs["level"].map(lambda v: vocab.LEVELS[vocab.norm_value(v)])
    assert set(levels) == {"district", "commune"}
    for level in ("district", "commune"):
        assert set(procs.loc[levels == level, "online_service"]) == {"full", "partial", "none"}
    assert {"Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Tư pháp", "Văn hóa",
            "Lao động, thương binh và xã hội", "Giáo dục và đào tạo",
            "Thành lập và hoạt động của hộ kinh doanh"} <= set(procs["field"])


def test_procedures_workbook_has_title_lines_above_the_header(sample):
    rows = list(load_workbook(sample[1], read_only=True).active.iter_rows(values_only=True))
    assert rows[0][0].startswith("DANH MỤC THỦ TỤC HÀNH CHÍNH")
    assert rows[3][:6] == ("STT", "Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện",
                           "Mức độ DVC trực tuyến")


def test_encodings_and_separators_vary(sample):
    by_name = {p.name: p.read_bytes() for p in sample}
    assert by_name["ho_so_2022.csv"].startswith(b"\xef\xbb\xbf")
    assert not by_name["ho_so_2023.csv"].startswith(b"\xef\xbb\xbf")
    assert by_name["cong_bo_tthc.csv"].decode("utf-8").startswith(
        "STT;Số quyết định;Ngày quyết định;Mã thủ tục;Cấp thực hiện;Loại công bố")
    headers = by_name["ho_so_2023.csv"].decode("utf-8").splitlines()[0].split(",")
    assert {"Mã hồ sơ", "Người nộp", "Số CCCD", "Số điện thoại", "Địa chỉ"} <= set(headers)
    text = by_name["phan_anh_kien_nghi.csv"].decode("utf-8")
    assert text.splitlines()[0].split(",")[-1] == "Nội dung"
    assert unicodedata.is_normalized("NFC", text)


def test_dates_flags_and_statuses_come_in_every_written_form(exports):
    raw = exports["raw_dossiers"]
    forms = {
        "dd/mm/yyyy HH:MM": r"\d\d/\d\d/\d{4} \d\d:\d\d",
        "dd/mm/yyyy HH:MM:SS": r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d",
        "ISO": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d",
        "ISO +07:00": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00",
        "ISO Z": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
    }
    for name, pattern in forms.items():
        assert raw["received_at"].str.fullmatch(pattern).any(), name
    assert raw["due_at"].str.fullmatch(r"\d\d/\d\d/\d{4}").any()
    assert {"Đã giải quyết", "Đã trả kết quả", "Đang giải quyết", "Đã rút", "Rút hồ sơ",
            "Trả lại", "Từ chối"} <= set(raw["status"])
    assert {"Có", "Không", "x", ""} <= set(raw["digitised_on_receipt"])
    assert {"Trực tuyến", "Trực tiếp", "Dịch vụ bưu chính", "Bưu chính"} <= set(raw["channel"])


def test_reader_here_counts_a_time_on_its_local_date():
    text = pd.Series(["2023-10-30T17:30:00Z", "2023-10-30T23:30:00+07:00",
                      "2023-10-30T23:30:00", "30/10/2023 23:30", "31/02/2023 08:15", ""])
    dates, bad = local_dates(text)
    assert list(dates[:4].dt.date) == [date(2023, 10, 31)] + [date(2023, 10, 30)] * 3
    assert list(bad) == [False] * 4 + [True, False]


def test_duplicates_and_bad_rows_are_there_and_apart(exports):
    raw = exports["raw_dossiers"]
    assert raw.duplicated().sum() == 6
    ids = raw.drop_duplicates()["dossier_id"]
    assert not ids.duplicated().any()                        # bad rows have ids of their own
    assert len(raw.drop_duplicates()) - len(exports["dossiers"]) == 5
    assert "HD99" in set(raw["unit_code"])
    assert {"31/02/2023 08:15", "không rõ"} <= set(raw["received_at"])


def test_applicants_look_real(exports):
    raw = exports["raw_dossiers"]
    assert raw["applicant_id"].str.fullmatch(r"030\d{9}").all()
    assert raw["applicant_phone"].str.fullmatch(r"0\d{9}").all()
    assert raw["applicant_name"].str.split().str.len().ge(3).all()
    assert raw["applicant_name"].str.startswith("Nguyễn ").mean() > 0.2
    assert raw["applicant_address"].str.endswith(", Thành phố Hải Dương").all()
    assert raw["applicant_id"].nunique() > 0.9 * len(raw)


def test_dossier_ids_name_unit_and_day(exports):
    d = exports["dossiers"]
    ymd = d["received_at"].dt.strftime("%y%m%d")
    assert (d["dossier_id"] == d["unit_code"] + "-" + ymd + "-"
            + d["dossier_id"].str[-4:]).all()


# --------------------------------------------------------------------------------------------
# Determinism and the spec


def test_same_seed_same_bytes(sample, tmp_path):
    again = generate_sample(SPEC, tmp_path / "again", seed=2023)
    for first, second in zip(sample, again):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_another_seed_other_records_same_figures(sample, tmp_path):
    other = generate_sample(SPEC, tmp_path / "other", seed=7)
    assert other[4].read_bytes() != sample[4].read_bytes()
    exports = _read_exports(other)
    d = exports["dossiers"]
    for scope, want in REFERENCE.items():
        got = _dossier_counts(d[d["unit_code"].isin(_scope_units(exports["units"], scope))])
        assert {k: int(got[k]) for k in want} == want


def test_inconsistent_targets_are_refused(tmp_path):
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    spec["targets"]["dossiers"]["unit"]["received_total"] = 13373
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SampleError, match="received_total"):
        load_spec(bad)


def test_generator_knows_no_city():
    sources = sorted((ROOT / "tthc_lib" / "sample").glob("*.py"))
    assert len(sources) > 1
    for path in sources:
        source = path.read_text(encoding="utf-8")
        assert "Hải Dương" not in source and '"HD' not in source, path.name


# --------------------------------------------------------------------------------------------
# Through the loader and the indicators


def test_loaded_store_gives_the_reference_figures(sample, con):
    from tthc_lib.indicators.figures import compute_indicators, procedures_published
    from tthc_lib.ingest.load import load_exports

    results = {r.file: r for r in load_exports(con, [str(p) for p in sample])}
    by_name = {Path(f).name: r for f, r in results.items()}
    assert all(r.error is None for r in results.values())
    assert (by_name["ho_so_2022.csv"].rejected, by_name["ho_so_2022.csv"].duplicates) == (2, 2)
    assert (by_name["ho_so_2023.csv"].rejected, by_name["ho_so_2023.csv"].duplicates) == (3, 4)
    assert (by_name["phan_anh_kien_nghi.csv"].rejected,
            by_name["phan_anh_kien_nghi.csv"].duplicates) == (1, 1)
    rows = compute_indicators(con, START, END).rows.set_index(["unit", "scope"])
    for scope, want in REFERENCE.items():
        got = rows.loc[("HD", scope)]
        assert {k: int(got[k]) for k in want} == want
        fb = REFERENCE_FEEDBACK[scope]
        assert [int(got[f"feedback_{k}"]) for k in fb] == list(fb.values())
        assert int(got["business_feedback_received"]) == 0
    assert rows.loc[("HD", "unit"), "online_rate"] == pytest.approx(88.24)
    assert procedures_published(con, START, END) == REFERENCE_PUBLISHED
