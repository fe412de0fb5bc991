"""tthc_lib.sample: the sample continued to 2026 (params/sample_city_2026.yaml).

Read back from the written files with an independent reader (the one of test_sample), the succession
chains applied here from the succession file itself: the structure is that of Nghị quyết
1669/NQ-UBTVQH15, the files have the headers of docs/input-format.md, and the counts per unit and
period are pinned so that the loader and the indicators can be checked against them once they read
this structure.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers.paths import ROOT
from helpers.sample import canonical, local_dates, read_csv
from openpyxl import load_workbook

from tthc_lib import vocab
from tthc_lib.sample.city import generate_sample

SPEC = ROOT / "params" / "sample_city_2026.yaml"
BASE_SPEC = ROOT / "params" / "sample_city.yaml"
CHANGE = pd.Timestamp(2025, 7, 1)
LATER_FILES = ["don_vi_2026.csv", "sap_xep_don_vi.csv", "thu_tuc_hanh_chinh_2026.xlsx",
               "cong_bo_tthc_2026.csv", "ho_so_2024.csv", "ho_so_2025.csv", "ho_so_2026.csv",
               "phan_anh_kien_nghi_2026.csv"]

# The reorganisation (Nghị quyết 1669/NQ-UBTVQH15): new phường <- old units of the city, and the
# split ones (part of the old unit only).
SEED = {
    "Phường Hải Dương": {"Phường Trần Hưng Đạo", "Phường Nhị Châu", "Phường Ngọc Châu",
                         "Phường Quang Trung"},
    "Phường Tân Hưng": {"Phường Hải Tân", "Phường Tân Hưng", "Xã Ngọc Sơn", "Phường Trần Phú"},
    "Phường Lê Thanh Nghị": {"Phường Tân Bình", "Phường Thanh Bình", "Phường Lê Thanh Nghị",
                             "Phường Trần Phú"},
    "Phường Thành Đông": {"Phường Cẩm Thượng", "Phường Bình Hàn", "Phường Nguyễn Trãi",
                          "Xã An Thượng"},
    "Phường Nam Đồng": {"Phường Nam Đồng", "Xã Tiền Tiến"},
    "Phường Thạch Khôi": {"Phường Thạch Khôi", "Xã Gia Xuyên", "Xã Liên Hồng"},
    "Phường Việt Hòa": {"Phường Việt Hòa", "Phường Tứ Minh"},
    "Phường Tứ Minh": {"Phường Tứ Minh"},
    "Phường Ái Quốc": {"Phường Ái Quốc", "Xã Quyết Thắng"},
}
SPLIT = {"Phường Trần Phú": {"Phường Tân Hưng", "Phường Lê Thanh Nghị"},
         "Phường Tứ Minh": {"Phường Việt Hòa", "Phường Tứ Minh"}}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> list[Path]:
    return generate_sample(SPEC, tmp_path_factory.mktemp("sample2026"))


@pytest.fixture(scope="module")
def files(sample) -> dict[str, Path]:
    return {p.name: p for p in sample}


@pytest.fixture(scope="module")
def registry(files) -> pd.DataFrame:
    return read_csv(files["don_vi_2026.csv"])


@pytest.fixture(scope="module")
def successions(files) -> pd.DataFrame:
    return read_csv(files["sap_xep_don_vi.csv"])


@pytest.fixture(scope="module")
def dossiers(files, registry) -> pd.DataFrame:
    """The later dossiers, exact duplicates skipped and bad rows set aside (unknown unit,
    unreadable date, closed before received), as the loader must."""
    raw = pd.concat([canonical(read_csv(files[f"ho_so_{y}.csv"]), "dossiers")
                     for y in (2024, 2025, 2026)], ignore_index=True)
    d = raw.drop_duplicates().copy()
    ok = d["unit_code"].isin(set(registry["Mã đơn vị"]))
    for col in ("received_at", "due_at", "closed_at"):
        d[col], bad = local_dates(d[col])
        ok &= ~bad
    d = d[ok & ~(d["closed_at"] < d["received_at"])].copy()
    d["status"] = d["status"].map(lambda v: vocab.STATUSES.get(vocab.norm_value(v), "paused"))
    # a newer row of a dossier replaces the stored one (the base export's open dossiers)
    return d.drop_duplicates("dossier_id", keep="last").reset_index(drop=True)


def _names(registry: pd.DataFrame) -> dict[str, str]:
    return dict(zip(registry["Mã đơn vị"], registry["Tên đơn vị"]))


def _successor(successions: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, str]:
    """Old code -> the unit counting its records on `as_of`: data-taking rows (Toàn bộ unless
    `Không`, Một phần only with `Có`) effective by then, followed to the chain's end."""
    s = successions
    takes = np.where(s["Phạm vi"] == "Toàn bộ", s["Nhận số liệu"] != "Không",
                     s["Nhận số liệu"] == "Có")
    eff = pd.to_datetime(s["Ngày hiệu lực"], format="%d/%m/%Y") <= as_of
    step = dict(zip(s.loc[takes & eff, "Mã đơn vị cũ"], s.loc[takes & eff, "Mã đơn vị mới"]))
    out = {}
    for code in step:
        seen, end = set(), code
        while end in step and end not in seen:
            seen.add(end)
            end = step[end]
        out[code] = end
    return out


def _counts(d: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """Per counting unit, the figures of docs/indicators.md (paused pending in time; no due date:
    resolved on time, pending in time)."""
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    recv, closed, due = d["received_at"], d["closed_at"], d["due_at"]
    in_p = (recv >= s) & (recv <= e)
    counted = in_p | ((recv < s) & ~(closed < s))
    resolved = counted & (d["status"] == "resolved") & (closed >= s) & (closed <= e)
    pending = counted & ~(closed <= e)
    f = pd.DataFrame({
        "unit": d["unit"], "received_in_period": in_p, "received_total": counted,
        "resolved_total": resolved,
        "resolved_on_time": resolved & ((closed == due) | due.isna()),
        "resolved_late": resolved & (closed > due),
        "pending_total": pending,
        "pending_overdue": pending & (d["status"] != "paused") & (due < e),
    })
    return f.groupby("unit").sum()


def _counted(dossiers, successions, as_of) -> pd.DataFrame:
    step = _successor(successions, as_of)
    return dossiers.assign(unit=dossiers["unit_code"].map(lambda c: step.get(c, c)))


# --------------------------------------------------------------------------------------------
# Files and structure


def test_files_follow_the_base_in_load_order(sample):
    names = [p.name for p in sample]
    assert names[:6] == ["don_vi.csv", "thu_tuc_hanh_chinh.xlsx", "cong_bo_tthc.csv",
                         "ho_so_2022.csv", "ho_so_2023.csv", "phan_anh_kien_nghi.csv"]
    assert names[6:] == LATER_FILES


def test_base_files_are_the_base_samples_bytes(sample, tmp_path):
    base = generate_sample(BASE_SPEC, tmp_path / "base")
    for mine, theirs in zip(sample[:6], base, strict=True):
        assert mine.read_bytes() == theirs.read_bytes(), mine.name


def test_registry_has_levels_dates_and_parents(registry):
    assert list(registry.columns) == ["STT", "Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Cấp",
                                      "Ngày thành lập", "Mã đơn vị cấp trên"]
    r = registry.set_index("Mã đơn vị")
    assert tuple(r.loc["HP", ["Tên đơn vị", "Loại đơn vị", "Cấp", "Ngày thành lập"]]) == (
        "Thành phố Hải Phòng", "Thành phố trực thuộc trung ương", "Cấp tỉnh", "01/07/2025")
    new = r[r["Ngày thành lập"] == "01/07/2025"]
    depts = new[new["Loại đơn vị"].isin(["Sở", "Ban"])]
    assert {"Sở Tư pháp", "Sở Nội vụ"} <= set(depts["Tên đơn vị"]) and len(depts) == 6
    assert set(depts["Mã đơn vị cấp trên"]) == {"HP"} and set(depts["Cấp"]) == {"Cấp tỉnh"}
    wards = new[new["Loại đơn vị"] == "Phường"]
    assert set(wards["Tên đơn vị"]) == set(SEED) and set(wards["Mã đơn vị cấp trên"]) == {"HP"}
    old = r[r["Ngày thành lập"] == ""]
    assert len(old) == 26 and set(old["Mã đơn vị cấp trên"]) == {"", "HD"}
    assert r.loc["HD", "Cấp"] == "Cấp huyện"


def test_successions_are_the_seed_table(successions, registry):
    assert list(successions.columns) == ["STT", "Mã đơn vị cũ", "Tên đơn vị cũ", "Mã đơn vị mới",
                                         "Tên đơn vị mới", "Ngày hiệu lực", "Phạm vi",
                                         "Nhận số liệu", "Căn cứ"]
    names = _names(registry)
    july = successions[successions["Ngày hiệu lực"] == "01/07/2025"]
    wards = july[july["Mã đơn vị mới"] != "HP"]
    got = {names[n]: {names[o] for o in g} for n, g in wards.groupby("Mã đơn vị mới")["Mã đơn vị cũ"]}
    assert got == SEED
    assert (wards["Căn cứ"].str.startswith("Nghị quyết số 1669/NQ-UBTVQH15")).all()
    city = july[july["Mã đơn vị mới"] == "HP"]
    assert city[["Mã đơn vị cũ", "Phạm vi"]].values.tolist() == [["HD", "Toàn bộ"]]
    assert "202/2025/QH15" in city["Căn cứ"].iloc[0]
    early = successions[successions["Ngày hiệu lực"] != "01/07/2025"]
    assert early[["Tên đơn vị cũ", "Tên đơn vị mới", "Ngày hiệu lực", "Phạm vi"]].values.tolist() \
        == [["Phường Phạm Ngũ Lão", "Phường Lê Thanh Nghị", "01/01/2025", "Toàn bộ"]]
    assert "giả định" in early["Căn cứ"].iloc[0]


def test_split_wards_have_one_data_taking_part_said_in_the_basis(successions, registry):
    names = _names(registry)
    parts = successions[successions["Phạm vi"] == "Một phần"]
    by_old = {names[o]: g for o, g in parts.groupby("Mã đơn vị cũ")}
    assert set(by_old) == set(SPLIT)
    for old, rows in by_old.items():
        assert {names[n] for n in rows["Mã đơn vị mới"]} == SPLIT[old]
        assert sorted(rows["Nhận số liệu"]) == ["Có", "Không"]
        taker = names[rows.loc[rows["Nhận số liệu"] == "Có", "Mã đơn vị mới"].iloc[0]]
        assert all(taker.removeprefix("Phường ") in b and "nhận" in b for b in rows["Căn cứ"])
    whole = successions[successions["Phạm vi"] == "Toàn bộ"]
    assert set(whole["Nhận số liệu"]) == {""}                    # the default: takes the data


def test_later_catalogue_has_province_level_procedures(files):
    rows = list(load_workbook(files["thu_tuc_hanh_chinh_2026.xlsx"], read_only=True)
                .active.iter_rows(values_only=True))
    assert rows[3][:6] == ("STT", "Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện",
                           "Mức độ DVC trực tuyến")
    assert {r[4] for r in rows[4:]} == {"Cấp tỉnh", "Cấp xã"}
    changes = read_csv(files["cong_bo_tthc_2026.csv"])
    assert {"Cấp tỉnh", "Cấp huyện", "Cấp xã"} == set(changes["Cấp thực hiện"])
    dates = pd.to_datetime(changes["Ngày quyết định"], format="%d/%m/%Y")
    assert set(changes.loc[dates >= CHANGE, "Cấp thực hiện"]) == {"Cấp tỉnh", "Cấp xã"}


# --------------------------------------------------------------------------------------------
# Dossiers across the change


def test_old_codes_until_the_change_new_ones_after_a_few_old_ones_late(dossiers, registry):
    new = set(registry.loc[registry["Ngày thành lập"] != "", "Mã đơn vị"])
    before = dossiers["received_at"] < CHANGE
    assert not dossiers.loc[before, "unit_code"].isin(new).any()
    assert not ((dossiers["unit_code"] == "HD10")
                & (dossiers["received_at"] >= pd.Timestamp(2025, 1, 1))).any()
    late_old = dossiers[~before & ~dossiers["unit_code"].isin(new)]
    assert 50 < len(late_old) < 400
    assert late_old["received_at"].max() < pd.Timestamp(2025, 7, 8)
    assert dossiers.loc[~before, "unit_code"].isin(new).mean() > 0.99


def test_dossiers_open_across_the_change(dossiers):
    across = (dossiers["received_at"] < CHANGE) & ~(dossiers["closed_at"] < CHANGE)
    assert across.sum() > 500
    assert dossiers.loc[across, "unit_code"].str.startswith("HD").all()


def test_paused_and_without_appointment(files, dossiers):
    raw = pd.concat([read_csv(files[f"ho_so_{y}.csv"]) for y in (2024, 2025, 2026)])
    assert {"Chờ bổ sung", "Tạm dừng"} <= set(raw["Trạng thái"])
    paused = dossiers[dossiers["status"] == "paused"]
    assert len(paused) > 100 and paused["closed_at"].isna().all()
    no_due = dossiers[dossiers["due_at"].isna()]
    assert len(no_due) > 300
    assert set(no_due["procedure_code"]) == {"2.000930", "1.000954", "2.000346", "1.001167"}
    assert (no_due["status"] == "resolved").mean() > 0.9


def test_base_open_dossiers_are_closed_by_the_newer_export(files, dossiers):
    first = canonical(read_csv(files["ho_so_2024.csv"]), "dossiers")
    carried = first[first["dossier_id"].str.contains(r"-23\d{4}-")]
    assert len(carried) > 500
    ids = set(carried["dossier_id"])
    again = dossiers[dossiers["dossier_id"].isin(ids)]
    assert (again["status"] != "open").mean() > 0.9
    assert (again["closed_at"] >= pd.Timestamp(2024, 1, 1)).mean() > 0.9


def test_size_stays_fast_to_load(dossiers):
    assert 150_000 <= len(dossiers) <= 230_000


# --------------------------------------------------------------------------------------------
# Known counts, on the structure of the period's end


# Received total (carried over + received in the period) per active unit of the province, for
# 2026 to the end of November, and for the same months of 2025 counted on the 2026 structure
# (a new ward's predecessors' records, phường Trần Phú and Tứ Minh in full in their takers).
KNOWN_2026 = {"HP": 454, "HP01": 9379, "HP02": 7860, "HP03": 13917, "HP04": 8942, "HP05": 3282,
              "HP06": 4448, "HP07": 4390, "HP08": 2061, "HP09": 3490, "HPBQLKKT": 349,
              "HPSNNMT": 1483, "HPSNV": 997, "HPSTC": 1219, "HPSTP": 1654, "HPSXD": 2206}
KNOWN_2025_ON_2026 = {"HP": 5405, "HP01": 8742, "HP02": 6951, "HP03": 13265, "HP04": 8248,
                      "HP05": 3047, "HP06": 4087, "HP07": 3505, "HP08": 2454, "HP09": 3276,
                      "HPBQLKKT": 144, "HPSNNMT": 619, "HPSNV": 454, "HPSTC": 531,
                      "HPSTP": 773, "HPSXD": 1057}
# Phường Lê Thanh Nghị (HP03), 2026-01-01:2026-11-30, every count of _counts.
KNOWN_HP03 = {"received_in_period": 13791, "received_total": 13917, "resolved_total": 13275,
              "resolved_on_time": 1237, "resolved_late": 277, "pending_total": 143,
              "pending_overdue": 66}
# The third quarter of 2025 on its own structure: carried over into the new units from their
# predecessors (received before 1/7/2025 under old codes).
KNOWN_Q3_2025_CARRIED = {"HP": 211, "HP01": 57, "HP02": 41, "HP03": 103, "HP04": 54,
                         "HP05": 20, "HP06": 33, "HP07": 26, "HP08": 20, "HP09": 21}


def _province(got: pd.DataFrame) -> pd.DataFrame:
    return got[got.index.str.startswith("HP")]


def test_known_counts_2026(dossiers, successions):
    d = _counted(dossiers, successions, pd.Timestamp(2026, 11, 30))
    got = _province(_counts(d, date(2026, 1, 1), date(2026, 11, 30)))
    assert {k: int(v) for k, v in got["received_total"].items()} == KNOWN_2026
    assert {k: int(v) for k, v in got.loc["HP03"].items()} == KNOWN_HP03
    assert not (set(d["unit"]) & {"HD", "HD05", "HD10", "HD17", "HD18"})


def test_known_counts_2025_on_the_2026_structure(dossiers, successions):
    d = _counted(dossiers, successions, pd.Timestamp(2026, 11, 30))
    got = _province(_counts(d, date(2025, 1, 1), date(2025, 11, 30)))
    assert {k: int(v) for k, v in got["received_total"].items()} == KNOWN_2025_ON_2026


def test_known_carried_over_into_the_new_units(dossiers, successions):
    d = _counted(dossiers, successions, pd.Timestamp(2025, 9, 30))
    got = _counts(d, date(2025, 7, 1), date(2025, 9, 30))
    carried = (got["received_total"] - got["received_in_period"])
    carried = {k: int(v) for k, v in carried.items() if v}
    assert carried == KNOWN_Q3_2025_CARRIED


def test_phuong_pham_ngu_lao_counts_in_le_thanh_nghi_from_2025(dossiers, successions):
    d = _counted(dossiers, successions, pd.Timestamp(2025, 3, 31))
    assert "HD10" not in set(d["unit"])
    got = _counts(d, date(2024, 1, 1), date(2024, 12, 31))
    pnl = (dossiers["unit_code"] == "HD10") & (dossiers["received_at"].dt.year == 2024)
    own = (dossiers["unit_code"] == "HD05") & (dossiers["received_at"].dt.year == 2024)
    assert got.loc["HD05", "received_in_period"] == pnl.sum() + own.sum()


# --------------------------------------------------------------------------------------------
# Through the loader and the indicators (docs/structure.md)


def test_loaded_store_gives_the_known_counts(sample, con):
    from tthc_lib.indicators.figures import compute_indicators
    from tthc_lib.ingest.load import load_exports

    results = {Path(r.file).name: r for r in load_exports(con, [str(p) for p in sample])}
    assert all(r.error is None for r in results.values())
    assert results["sap_xep_don_vi.csv"].loaded == 28
    assert (results["don_vi_2026.csv"].loaded, results["don_vi_2026.csv"].rejected) == (42, 0)
    for year in (2024, 2025, 2026):
        r = results[f"ho_so_{year}.csv"]
        assert (r.rejected, r.duplicates) == (3, 4)           # the planted bad rows only
    now = compute_indicators(con, date(2026, 1, 1), date(2026, 11, 30)).rows
    rows = now.set_index(["unit", "scope"])
    assert {u: int(rows.loc[(u, "unit"), "received_total"]) for u in KNOWN_2026} == KNOWN_2026
    assert {k: int(rows.loc[("HP03", "unit"), k]) for k in KNOWN_HP03} == KNOWN_HP03
    assert set(now["unit"]) == set(KNOWN_2026)                # only the active units
    before = compute_indicators(con, date(2025, 1, 1), date(2025, 11, 30),
                                as_of=date(2026, 11, 30)).rows.set_index(["unit", "scope"])
    assert {u: int(before.loc[(u, "unit"), "received_total"])
            for u in KNOWN_2025_ON_2026} == KNOWN_2025_ON_2026
    old = compute_indicators(con, date(2023, 1, 1), date(2023, 10, 30)).rows
    assert len(set(old["unit"])) == 26
    assert int(old.set_index(["unit", "scope"]).loc[("HD", "unit"), "received_total"]) == 13372
