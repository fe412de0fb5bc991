"""Another city's registry, exports and narrative give that city's reports, with no code
change: a district (huyện) with a township (thị trấn) and communes (xã)."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = [
    ("GL", "Huyện Gia Lộc", "Huyện", ""),
    ("GL01", "Thị trấn Gia Lộc", "Thị trấn", "GL"),
    ("GL02", "Xã Yết Kiêu", "Xã", "GL"),
    ("GL03", "Xã Thống Nhất", "Xã", "GL"),
]
PROCEDURES = [
    ("1.000893", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã", "Toàn trình"),
    ("1.004227", "Chứng thực bản sao từ bản chính", "Chứng thực", "Cấp xã", ""),
    ("1.001612", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh",
     "Cấp huyện", "Một phần"),
]
# unit, procedure, channel, received, due, status, closed
DOSSIERS = [
    ("GL", "1.001612", "Trực tuyến", "03/03/2023 08:00", "10/03/2023 17:00", "Đã giải quyết", "08/03/2023 10:00"),
    ("GL", "1.001612", "Trực tiếp", "20/12/2022 08:00", "05/01/2023 17:00", "Đã giải quyết", "05/01/2023 09:00"),
    ("GL01", "1.000893", "Trực tuyến", "01/02/2023 08:00", "02/02/2023 17:00", "Đã giải quyết", "03/02/2023 09:00"),
    ("GL01", "1.004227", "Trực tiếp", "06/02/2023 08:00", "06/02/2023 17:00", "Đã giải quyết", "06/02/2023 11:00"),
    ("GL02", "1.000893", "Dịch vụ bưu chính", "10/04/2023 08:00", "14/04/2023 17:00", "Đang giải quyết", ""),
    ("GL02", "1.000893", "Trực tuyến", "11/04/2023 08:00", "14/04/2023 17:00", "Đã rút", "12/04/2023 08:00"),
]
NARRATIVE = """
document: {number: "45", date: 2023-07-05}
texts:
  opening: "Thực hiện chỉ đạo của UBND tỉnh, {issuer} báo cáo kết quả {period_label} như sau:"
  s1_1: "Không ban hành văn bản quy phạm pháp luật có quy định TTHC."
  closing: "Trên đây là báo cáo của {issuer}./."
"""


def _csv(path: Path, header: list[str], rows: list[tuple]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def gia_loc(tmp_path_factory):
    root = tmp_path_factory.mktemp("gia_loc")
    files = [
        _csv(root / "units.csv", ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"], UNITS),
        _csv(root / "procedures.csv", ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện",
                                       "Mức độ DVC trực tuyến"], PROCEDURES),
        _csv(root / "dossiers.csv", ["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Hình thức nộp",
                                     "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái", "Ngày kết thúc"],
             [(f"GL-{i}", *d) for i, d in enumerate(DOSSIERS)]),
    ]
    params = root / "params"
    (params / "narrative").mkdir(parents=True)
    (params / "report.yaml").write_text("place: Gia Lộc\ncalendar: calendar\n", encoding="utf-8")
    (params / "units.yaml").write_text(
        "defaults: {district: {authority: 'TM. ỦY BAN NHÂN DÂN', title: 'CHỦ TỊCH', name: 'Lê Văn Bình'},"
        " commune: {authority: 'TM. ỦY BAN NHÂN DÂN', title: 'CHỦ TỊCH', name: 'Phạm Văn Đông'}}\n",
        encoding="utf-8")
    (params / "recipients.yaml").write_text(
        "district: ['UBND tỉnh (để b/c)', 'Lưu: VT']\ncommune: ['UBND {parent_name}', 'Lưu: VT']\n",
        encoding="utf-8")
    (params / "narrative" / "2023-01-01_2023-06-30.yaml").write_text(NARRATIVE, encoding="utf-8")
    db, out = root / "store.duckdb", root / "out"
    tthc = [sys.executable, "-m", "tthc_lib.cli", "--db", str(db)]
    subprocess.run(tthc + ["ingest", *map(str, files)], check=True, capture_output=True)
    run = subprocess.run(tthc + ["report", "--period", "2023-H1", "--unit", "all", "--to", "html",
                                 "--out", str(out), "--params", str(params)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    return out / "2023-01-01_2023-06-30", run


def _visible(html_path: Path) -> str:
    html = html_path.read_text(encoding="utf-8")
    html = re.sub(r"<style.*?</style>|data:[^\"')]+", "", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_unit_of_the_other_city_has_a_report(gia_loc):
    folder, run = gia_loc
    assert sorted(p.name for p in folder.glob("*.html")) == [
        "GL.html", "GL01.html", "GL02.html", "GL03.html", "index.html"]
    assert run.stdout.strip().endswith("index.html")


def test_district_report_speaks_of_its_own_units(gia_loc):
    folder, _ = gia_loc
    text = _visible(folder / "GL.html")
    assert "UBND HUYỆN GIA LỘC" in text
    assert "Gia Lộc, ngày 05 tháng 7 năm 2023" in text
    assert "6 tháng đầu năm 2023 tại huyện Gia Lộc" in text
    assert "Tại các thị trấn, xã:" in text or "Tại các xã, thị trấn:" in text
    assert "Số hồ sơ được tiếp nhận 02 hồ sơ" in text        # the district's own two
    assert "Lê Văn Bình" in text and "45/BC-UBND" in text
    assert "Hải Dương" not in text


def test_commune_report_sits_under_its_district(gia_loc):
    folder, _ = gia_loc
    text = _visible(folder / "GL02.html")
    assert "UBND HUYỆN GIA LỘC" in text and "UBND XÃ YẾT KIÊU" in text
    assert "UBND xã Yết Kiêu báo cáo kết quả 6 tháng đầu năm 2023" in text
    assert "Hải Dương" not in text


def test_township_with_no_dossier_in_period_renders_cleanly(gia_loc):
    folder, _ = gia_loc
    text = _visible(folder / "GL03.html")
    assert "Số hồ sơ được tiếp nhận" in text
    for bad in ("nan", "None", "NaN", "Traceback"):
        assert not re.search(rf"\b{bad}\b", text), bad
