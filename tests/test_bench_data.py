"""The benchmark's province generator (benchmarks/province.py) writes exports that load whole."""

from __future__ import annotations

from helpers.paths import benchmark_module

from tthc_lib.indicators.figures import compute_indicators
from tthc_lib.ingest.load import load_exports


def _province():
    return benchmark_module("province")


def _small(province):
    return province.ProvinceSpec(districts=1, communes=2, procedures=20, dossiers=500,
                                 dossier_files=2, feedback=60, seed=7)


def test_small_province_loads_with_nothing_set_aside(tmp_path, con):
    province = _province()
    files = province.write_province(tmp_path, _small(province))
    results = load_exports(con, province.all_paths(files))
    assert [(r.kind, r.read, r.rejected, r.duplicates, r.error) for r in results] == [
        ("units", 3, 0, 0, None), ("procedures", 20, 0, 0, None),
        ("dossiers", 250, 0, 0, None), ("dossiers", 250, 0, 0, None),
        ("feedback", 60, 0, 0, None)]
    assert con.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 500


def test_units_are_a_district_with_its_communes(tmp_path, con):
    province = _province()
    load_exports(con, province.all_paths(province.write_province(tmp_path, _small(province))))
    units = con.execute("SELECT unit_code, kind, level, parent_code FROM units "
                        "ORDER BY unit_code").fetchall()
    assert units == [("H23.01", "Thành phố", "district", None),
                     ("H23.01.01", "Phường", "commune", "H23.01"),
                     ("H23.01.02", "Phường", "commune", "H23.01")]


def test_the_period_has_carried_over_received_and_pending_dossiers(tmp_path, con):
    province = _province()
    load_exports(con, province.all_paths(province.write_province(tmp_path, _small(province))))
    total = compute_indicators(con, *province.PERIOD).row("H23.01", "total")
    assert total["carried_over"] > 0 and total["pending_total"] > 0
    assert 0 < total["received_online"] < total["received_in_period"]
    assert total["resolved_late"] > 0 and total["closed_other"] > 0
    assert total["feedback_received"] + total["business_feedback_received"] > 0


def test_same_seed_same_bytes(tmp_path):
    province = _province()
    first = province.write_province(tmp_path / "a", _small(province))
    second = province.write_province(tmp_path / "b", _small(province))
    for a, b in zip(province.all_paths(first), province.all_paths(second)):
        assert a.read_bytes() == b.read_bytes(), a.name
