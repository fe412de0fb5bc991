"""Workspaces (docs/interfaces.md § Workspaces): `tthc init`, found from any folder below, and a
held-out city taken from an empty folder to its own reports without touching the repository."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import nbformat
import pytest
import yaml
from helpers.cli import held_out_exports, snippet_of, tthc
from helpers.paths import ROOT

from tthc_lib.content.words.narrative import KEYS
from tthc_lib.periods import Period
from tthc_lib.workspace.find import (
    builtin_params,
    find_workspace,
    packaged_notebooks,
    resolve,
    sample_spec,
)
from tthc_lib.workspace.init import init_workspace

Q1 = Period(date(2023, 1, 1), date(2023, 3, 31))


def test_init_makes_params_notebooks_data_outputs_and_a_readme(tmp_path):
    ws = tmp_path / "chi-linh"
    result = init_workspace(ws, Q1)
    for part in ("params/report.yaml", "params/units.yaml", "params/recipients.yaml",
                 "params/sources/README.md", "data", "outputs", "README.md"):
        assert (ws / part).exists(), part
    assert ws / "README.md" in result.created and result.units_added == []
    skeleton = ws / "params" / "narrative" / "2023-01-01_2023-03-31.yaml"
    data = yaml.safe_load(skeleton.read_text(encoding="utf-8"))
    assert list(data["texts"]) == list(KEYS) and set(data["texts"].values()) == {""}
    text = skeleton.read_text(encoding="utf-8")
    assert "# Lời văn báo cáo quý I năm 2023 (01/01/2023 - 31/03/2023)." in text
    assert "  # 2.1. Kết quả công khai, minh bạch trong thực hiện TTHC.\n  s2_1: \"\"" in text
    # numbered as the report numbers its sections (II. ĐÁNH GIÁ CHUNG, III. NHIỆM VỤ …)
    assert "  # II.1. Kết quả đạt được." in text and "  # III. Nhiệm vụ trọng tâm của kỳ " \
        "tiếp theo (danh sách các đoạn).\n  tasks: \"\"" in text
    names = sorted(p.name for p in (ws / "notebooks").glob("*.ipynb"))
    assert names == sorted(p.name for p in packaged_notebooks().glob("*.ipynb"))
    nb = nbformat.read(ws / "notebooks" / names[0], as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert params.source.splitlines()[2:] == [
        "unit = ''", "period_start = '2023-01-01'", "period_end = '2023-03-31'",
        'db = "../data/tthc.duckdb"', 'params_dir = "../params"']
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_a_workspace_is_found_from_any_folder_below_it(tmp_path):
    ws = tmp_path / "ws"
    init_workspace(ws, Q1)
    deep = ws / "outputs" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_workspace(deep) == ws.resolve()
    found = resolve(start=deep)
    assert (found.params, found.notebooks) == (ws.resolve() / "params", ws.resolve() / "notebooks")
    assert found.db == ws.resolve() / "data" / "tthc.duckdb"
    outside = resolve(start=tmp_path)
    assert outside.root is None and outside.params == builtin_params()
    assert outside.notebooks == packaged_notebooks()
    assert outside.params_origin.startswith("Không ở trong thư mục làm việc nào")
    assert resolve(params=str(tmp_path / "p"), start=tmp_path).params_origin == \
        f"Dùng tham số trong {tmp_path / 'p'}."


def test_the_repository_root_is_the_sample_citys_workspace():
    ws = resolve(start=ROOT / "tests")
    assert ws.root == ROOT and ws.notebooks == ROOT / "notebooks"
    assert sample_spec(start=ROOT) == ROOT / "params" / "sample_city_2026.yaml"


def test_the_package_ships_the_sample_citys_spec():
    """One definition each: the copies shipped in the package are the repository's (copy
    params/sample_city*.yaml into tthc_lib/data/ after changing them)."""
    packaged = sample_spec(start=Path("/"))
    assert packaged.name == "sample_city_2026.yaml"
    for name in ("sample_city_2026.yaml", "sample_city.yaml"):
        assert filecmp.cmp(ROOT / "params" / name, packaged.parent / name, shallow=False)


def test_the_section_notebooks_have_one_copy_the_repositorys():
    """A source checkout (or an editable install) uses notebooks/ itself as the package's."""
    assert packaged_notebooks() == ROOT / "notebooks"
    assert not (ROOT / "tthc_lib" / "notebooks").exists()


@pytest.mark.integration
def test_a_built_package_holds_exactly_the_notebooks_of_notebooks(tmp_path):
    """What a wheel installs (`pip install ./tthc-report`): setup.py's build step copies
    notebooks/ into the package, and the installed package finds them there."""
    built = tmp_path / "lib"
    subprocess.run([sys.executable, "-W", "ignore", "setup.py", "-q", "egg_info", "--egg-base",
                    str(tmp_path), "build_py", "--build-lib", str(built)],
                   cwd=ROOT, check=True, capture_output=True)
    shipped = built / "tthc_lib" / "notebooks"
    names = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in shipped.iterdir()) == names and len(names) == 7
    for name in names:
        assert filecmp.cmp(ROOT / "notebooks" / name, shipped / name, shallow=False)
    code = "from tthc_lib.workspace.find import packaged_notebooks as p; print(p())"
    found = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(built)}, text=True, check=True)
    assert found.stdout.strip() == str(shipped)


def test_init_again_adds_loaded_units_and_keeps_what_the_office_wrote(tmp_path):
    ws = tmp_path / "uong-bi"
    assert tthc(tmp_path, "init", str(ws), "--period", "2023-Q1").returncode == 0
    files = held_out_exports(tmp_path / "exports")
    units_yaml = ws / "params" / "units.yaml"
    units_yaml.write_text(units_yaml.read_text(encoding="utf-8").replace(
        "units: {}", "# Người ký do văn phòng ghi\nunits:\n  UB01: {name: \"Vũ Thị Hoa\"}"),
        encoding="utf-8")
    assert tthc(ws, "ingest", str(files["units"])).returncode == 0
    again = tthc(ws, "init", ".", "--period", "2023-Q1")
    assert again.stdout.splitlines() == [
        "Thư mục làm việc .: tạo 0 tệp/thư mục, thêm 2 đơn vị vào params/units.yaml.",
        "Notebooks chạy mặc định cho đơn vị UB, kỳ 01/01/2023 - 31/03/2023."]
    text = units_yaml.read_text(encoding="utf-8")
    assert "# Người ký do văn phòng ghi" in text and 'UB01: {name: "Vũ Thị Hoa"}' in text
    assert yaml.safe_load(text)["units"] == {"UB01": {"name": "Vũ Thị Hoa"},
                                             "UB": {"name": "", "doc_suffix": "BC-UBND"},
                                             "UB02": {"name": "", "doc_suffix": "BC-UBND"}}
    nb = (ws / "notebooks" / "00_mo_dau.ipynb").read_text(encoding="utf-8")
    assert "unit = 'UB'" in nb                    # the root unit, now that it is known
    assert tthc(ws, "init", ".", "--period", "2023-Q1").stdout.splitlines()[0].endswith(
        "thêm 0 đơn vị vào params/units.yaml.")


def _tree_state() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout


def test_a_held_out_city_from_an_empty_folder_to_its_own_reports(tmp_path):
    """init → inspect → profile pasted from its output → ingest → init → report, with no file
    of the repository touched; the city's own place names, no sample narrative anywhere."""
    before = _tree_state()
    files = held_out_exports(tmp_path / "exports")
    ws = tmp_path / "bao-cao-uong-bi"
    assert tthc(tmp_path, "init", str(ws), "--period", "2023-Q1").returncode == 0
    inspected = tthc(ws, "inspect", str(files["dossiers"]))
    (ws / "params" / "sources" / "he_thong_khac.yaml").write_text(
        snippet_of(inspected.stdout), encoding="utf-8")
    loaded = tthc(ws, "ingest", *map(str, files.values()))
    assert loaded.returncode == 0 and "hồ sơ: đọc 5, nạp 5" in loaded.stdout
    assert tthc(ws, "init", ".").returncode == 0
    run = tthc(ws / "outputs", "report", "--period", "2023-Q1", "--unit", "all", "--to", "html")
    assert run.returncode == 0, run.stderr
    folder = ws / "outputs" / "2023-01-01_2023-03-31"
    assert run.stdout.strip().splitlines()[-1] == str(folder / "index.html")
    city = (folder / "UB.html").read_text(encoding="utf-8")
    ward = (folder / "UB01.html").read_text(encoding="utf-8")
    assert "UBND THÀNH PHỐ UÔNG BÍ" in city and "Uông Bí, ngày 31 tháng 3 năm 2023" in city
    assert "UBND PHƯỜNG QUANG TRUNG" in ward and "Quang Trung, ngày 31 tháng 3 năm 2023" in ward
    assert "Chưa có lời văn cho mục này: ghi khóa “s2_1” trong params/narrative/" \
           "2023-01-01_2023-03-31.yaml." in city
    assert "Tổng số hồ sơ" in city or "hồ sơ" in city            # the figures sections render
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for sample_word in ("Hải Dương", "3977/UBND-VP", "Trần Minh Khôi", "Cổng dịch vụ công"):
            assert sample_word not in text, (page.name, sample_word)
    assert _tree_state() == before
