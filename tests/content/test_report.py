"""The report of the sample city: the Vietnamese prose word for word, every section notebook
run through a real kernel with its defaults, and a unit with no dossiers."""

from __future__ import annotations

import re

import nbformat
import papermill as pm
import pytest
from helpers.paths import ROOT

from tthc_lib.content import sections as s

pytestmark = pytest.mark.integration  # kernels, subprocesses or long fuzzing (conftest)

PERIOD = ("2023-01-01", "2023-10-30")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _text(display) -> list[str]:
    """The paragraphs of a section's HTML, tags removed."""
    return [re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p[^>]*>.*?</p>", display.data)]


@pytest.fixture(scope="module")
def city(sample_store):
    return s.context("HD", *PERIOD, sample_store, ROOT / "params")


@pytest.fixture(scope="module")
def ward(sample_store):
    return s.context("HD16", *PERIOD, sample_store, ROOT / "params")


def test_city_dossiers_prose_word_for_word(city):
    assert _text(s.dossiers(city)) == [
        "* Kết quả giải quyết TTHC (Số liệu từ ngày 01/01/2023 đến hết ngày 30/10/2023):",
        "Tại thành phố Hải Dương:",
        "- Số hồ sơ được tiếp nhận 13.372 hồ sơ (Online: 11.009 hồ sơ; trực tiếp: 1.467 hồ sơ; "
        "kỳ trước chuyển sang: 896 hồ sơ; trong kỳ: 12.476 hồ sơ)",
        "- Số hồ sơ đã giải quyết 11.722 hồ sơ.",
        "Trong đó: Trước hạn: 10.049 hồ sơ, đạt 85,7%",
        "Đúng hạn: 1.261 hồ sơ, đạt 10,8%",
        "Quá hạn: 412 hồ sơ, chiếm tỷ lệ 3,5% (hồ sơ giải quyết quá hạn chủ yếu do chậm chuyển "
        "hồ sơ trên phần mềm giữa các phòng chuyên môn và UBND các phường, xã).",
        "- Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: 11.009 hồ sơ (đạt 88,24%)",
        "Tại các phường, xã:",
        "- Số hồ sơ được tiếp nhận 66.952 hồ sơ (Online: 62.423 hồ sơ; trực tiếp: 3.430 hồ sơ; "
        "kỳ trước chuyển sang: 1.099 hồ sơ; trong kỳ: 65.853 hồ sơ)",
        "- Số hồ sơ đã giải quyết 65.698 hồ sơ.",
        "Trong đó: Trước hạn: 62.449 hồ sơ, đạt 95,1%",
        "Đúng hạn: 3.190 hồ sơ, đạt 4,9%",
        "Quá hạn: 59 hồ sơ, chiếm tỷ lệ 0,1% (hồ sơ giải quyết quá hạn do chậm xử lý trên phần "
        "mềm một cửa dùng chung).",
        "- Số hồ sơ tiếp nhận qua dịch vụ công trực tuyến: 62.423 hồ sơ (đạt 94,79%)",
    ]


def test_city_online_services_prose_word_for_word(city):
    assert _text(s.online_services(city)) == [
        "Từ ngày 01/01/2023 đến 30/10/2023 tổng số hồ sơ tiếp nhận qua dịch vụ công trực tuyến "
        "là 46.804/47.676 hồ sơ đạt tỷ lệ 98,17%. Trong đó: cấp huyện tiếp nhận qua dịch vụ công "
        "trực tuyến 3.670/3.752 hồ sơ đạt tỷ lệ 97,81%, cấp xã tiếp nhận qua dịch vụ công trực "
        "tuyến 43.134/43.924 hồ sơ đạt tỷ lệ 98,20%."]


def test_city_digitisation_prose_word_for_word(city):
    assert _text(s.digitisation(city)) == [
        "* Kết quả thực hiện số hóa hồ sơ, giấy tờ, kết quả giải quyết TTHC (Số liệu từ ngày "
        "01/01/2023 đến hết ngày 30/10/2023):",
        "Tại thành phố Hải Dương:",
        "+ Số hồ sơ số hóa đầy đủ thành phần khi Tiếp nhận: 12.265 hồ sơ, đạt 98,31%",
        "+ Số hồ sơ có số hóa kết quả giải quyết TTHC: 11.394 hồ sơ, đạt 97,20%",
        "Tại các phường, xã:",
        "+ Số hồ sơ số hóa đầy đủ thành phần khi Tiếp nhận: 64.684 hồ sơ, đạt 98,22%",
        "+ Số hồ sơ có số hóa kết quả giải quyết TTHC: 64.714 hồ sơ, đạt 98,50%",
    ]


def test_city_procedures_published_prose_word_for_word(city):
    assert _text(s.procedures_published(city)) == [
        "Số lượng TTHC thuộc thẩm quyền của UBND cấp huyện được UBND tỉnh công bố trong đó được "
        "ban hành mới: 08 TTHC (03 TTHC cấp huyện, 05 TTHC cấp xã); sửa đổi: 113 TTHC (70 TTHC "
        "cấp huyện, 43 TTHC cấp xã); bãi bỏ: 45 TTHC (33 TTHC cấp huyện, 12 TTHC cấp xã)"]


def test_city_feedback_prose_word_for_word(city):
    lines = _text(s.feedback(city))
    assert lines[1] == ("Tổng số PAKN đã tiếp nhận: 07 (thuộc thẩm quyền thành phố 05 PAKN, "
                        "thuộc cấp xã 02 PAKN); số PAKN đã xử lý đúng hạn: 07; số PAKN đã xử lý "
                        "quá hạn: không; số PAKN đang xử lý: không")
    assert lines[2].endswith("Tổng số PAKN đã tiếp nhận: Không; số PAKN đã xử lý đúng hạn: "
                             "Không; số PAKN đã xử lý quá hạn: Không; số PAKN đang xử lý: Không")


def test_ward_report_has_its_own_words_and_no_wards_section(ward):
    lines = _text(s.dossiers(ward))
    assert not any(line.startswith("Tại ") for line in lines)
    assert ward.meta.issuer_lines == ("UBND THÀNH PHỐ HẢI DƯƠNG", "UBND PHƯỜNG TRẦN HƯNG ĐẠO")
    assert s.timeliness_chart(ward) is None and s.league_table(ward) is None
    opening = _text(s.narrative(ward, "opening"))[0]
    assert "UBND phường Trần Hưng Đạo báo cáo" in opening and "10 tháng năm 2023" in opening


def test_no_findings_for_the_sample_narrative(city, ward):
    assert city.findings == [] and ward.findings == []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_runs_with_its_defaults(notebook, sample_store, tmp_path):
    """As an analyst would run it: its own parameters, only the store pointed elsewhere."""
    out = tmp_path / notebook.name
    pm.execute_notebook(str(notebook), str(out), parameters={"db": str(sample_store)},
                        kernel_name="python3", progress_bar=False, cwd=str(notebook.parent))
    nb = nbformat.read(out, as_version=4)
    shown = [o for c in nb.cells for o in c.get("outputs", [])
             if o.get("output_type") in ("execute_result", "display_data")]
    assert shown, "the notebook showed nothing"
    assert not [o for c in nb.cells for o in c.get("outputs", [])
                if o.get("output_type") == "error"]


def test_notebooks_are_committed_clean_with_parameters():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), path.name
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name
