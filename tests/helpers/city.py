"""A small city whose exports carry personal values (names, CCCD, phones, addresses), loaded
through the command line: what must never reach a report."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

PERIOD = "2023-H1"
PERIOD_DIR = "2023-01-01_2023-06-30"


# Planted personal data: every one of these must stay out of every output.
NAME = "Nguyễn Thị Bí Mật"
CCCD = "001199012345"
PHONE = "0987654321"
ADDRESS = "Số 99 ngõ BIMATADDR"
NOTE = "GHICHU-BIMAT-42"                       # an extra column: ignored, kept out of outputs
FEEDBACK = ("Ông Lê Văn Lộ, SĐT 0911222333, CCCD 034085009999 phản ánh "
            "<script>alert('PAKNLEAK')</script> FEEDBACKSECRET")


# Narrative with markup: shown as text.
NARRATIVE_MARK = "LOIVANDOCNHAT"
NARRATIVE_TEXT = f'Không ban hành văn bản <script>alert("NARR")</script> & <b>{NARRATIVE_MARK}</b>.'
NARRATIVE = f"""
document: {{number: "12", date: 2023-07-05}}
texts:
  s1_1: {json.dumps(NARRATIVE_TEXT, ensure_ascii=False)}
"""
UNITS = [("PX", "Huyện Riêng Tư", "Huyện", ""),
         ("PX01", "Xã <i>Thử</i> & Co", "Xã", "PX"),
         ("PX02", "Thị trấn Kín", "Thị trấn", "PX")]
PROCEDURES = [("1.000893", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã", "Toàn trình"),
              ("1.001612", "Đăng ký hộ kinh doanh", "Kinh doanh", "Cấp huyện", "Một phần")]
D_HEAD = ["Mã hồ sơ", "Mã đơn vị", "Mã thủ tục", "Hình thức nộp", "Ngày tiếp nhận",
          "Ngày hẹn trả", "Trạng thái", "Ngày kết thúc", "Người nộp", "Số CCCD",
          "Số điện thoại", "Địa chỉ", "Ghi chú nội bộ"]
PERSON = [NAME, CCCD, PHONE, ADDRESS, NOTE]
DOSSIERS = [
    ("P-1", "PX", "1.001612", "Trực tuyến", "03/03/2023 08:00", "10/03/2023", "Đã giải quyết", "08/03/2023 10:00"),
    ("P-2", "PX", "1.001612", "Trực tiếp", "06/03/2023 08:00", "10/03/2023", "Đã giải quyết", "13/03/2023 10:00"),
    ("P-3", "PX01", "1.000893", "Trực tuyến", "01/02/2023 08:00", "03/02/2023", "Đã giải quyết", "02/02/2023 09:00"),
    ("P-4", "PX01", "1.000893", "Trực tuyến", "01/04/2023 08:00", "03/04/2023", "Đang giải quyết", ""),
    ("P-5", "PX02", "1.000893", "Trực tiếp", "10/04/2023 08:00", "14/04/2023", "Đã giải quyết", "11/04/2023 08:00"),
    ("P-6", "XX", "1.000893", "Trực tiếp", "10/04/2023 08:00", "14/04/2023", "Đã giải quyết", "11/04/2023 08:00"),
]
F_HEAD = ["Mã PAKN", "Mã đơn vị", "Nội dung phản ánh về", "Ngày tiếp nhận", "Hạn xử lý",
          "Ngày xử lý xong", "Nội dung"]
FEEDBACK_ROWS = [("F-1", "PX", "Quy định hành chính", "02/03/2023", "17/03/2023", "10/03/2023", FEEDBACK),
                 ("F-2", "PX01", "Quy định kinh doanh", "02/03/2023", "17/03/2023", "", FEEDBACK),
                 ("F-3", "XX", "Quy định kinh doanh", "02/03/2023", "17/03/2023", "", FEEDBACK)]


def _csv(path: Path, header: list[str], rows: list) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def build_city(root: Path, units=UNITS, narrative: str = NARRATIVE) -> tuple[list[Path], Path]:
    """The exports and params folder of a tiny city (personal data planted)."""
    root.mkdir(parents=True, exist_ok=True)
    files = [
        _csv(root / "units.csv", ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"],
             units),
        _csv(root / "procedures.csv", ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện",
                                       "Mức độ DVC trực tuyến"], PROCEDURES),
        _csv(root / "dossiers.csv", D_HEAD, [d + tuple(PERSON) for d in DOSSIERS]),
        _csv(root / "feedback.csv", F_HEAD, FEEDBACK_ROWS),
    ]
    params = root / "params"
    (params / "narrative").mkdir(parents=True, exist_ok=True)
    (params / "report.yaml").write_text("place: Riêng Tư\ncalendar: calendar\n", encoding="utf-8")
    (params / "units.yaml").write_text(
        "defaults: {district: {authority: 'TM. ỦY BAN NHÂN DÂN', title: 'CHỦ TỊCH', "
        "name: 'Lê Văn Ký'}, commune: {authority: 'TM. ỦY BAN NHÂN DÂN', title: 'CHỦ TỊCH', "
        "name: 'Phạm Văn Ký'}}\n", encoding="utf-8")
    (params / "recipients.yaml").write_text("district: ['Lưu: VT']\ncommune: ['Lưu: VT']\n",
                                            encoding="utf-8")
    (params / "narrative" / f"{PERIOD_DIR}.yaml").write_text(narrative, encoding="utf-8")
    return files, params


def tthc(db: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    """Run the `tthc` command line in a subprocess."""
    return subprocess.run([sys.executable, "-m", "tthc_lib.cli", "--db", str(db), *args],
                          capture_output=True, text=True, check=False, **kw)
