"""The `tthc` command line as a subprocess, and a held-out city's exports written by hand."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

UNITS = [("UB", "Thành phố Uông Bí", "Thành phố", ""),
         ("UB01", "Phường Quang Trung", "Phường", "UB"),
         ("UB02", "Xã Thượng Yên Công", "Xã", "UB")]
PROCEDURES = [("2.000001", "Đăng ký kết hôn", "Hộ tịch", "Cấp xã", "Toàn trình"),
              ("2.000002", "Cấp giấy phép xây dựng", "Xây dựng", "Cấp huyện", "Một phần")]


# The invented system: every header and every status and channel word is its own.
OTHER_HEADER = ["Số biên nhận", "Mã cơ quan", "Mã TTHC", "Kênh nộp", "Thời điểm tiếp nhận",
                "Hạn trả", "Tình trạng", "Ngày có kết quả", "Họ tên người nộp"]
OTHER_ROWS = [
    ("UB-1", "UB01", "2.000001", "Qua mạng", "02/03/2023 08:00", "03/03/2023 17:00",
     "Đã xử lý xong", "03/03/2023 09:00", "Nguyễn Văn An"),
    ("UB-2", "UB01", "2.000001", "Tại quầy", "06/03/2023 08:00", "07/03/2023 17:00",
     "Đang thụ lý", "", "Trần Thị Bình"),
    ("UB-3", "UB02", "2.000001", "Qua mạng", "07/03/2023 08:00", "08/03/2023 17:00",
     "Công dân rút", "07/03/2023 10:00", "Lê Văn Cường"),
    ("UB-4", "UB", "2.000002", "Tại quầy", "01/02/2023 08:00", "20/02/2023 17:00",
     "Đã xử lý xong", "25/02/2023 10:00", "Phạm Thị Dung"),
    ("UB-5", "UB", "2.000002", "Qua mạng", "01/02/2023 08:00", "20/02/2023 17:00",
     "Đã xử lý xong", "10/02/2023 10:00", "Hoàng Văn Em"),
]


def write_csv(path: Path, header: list[str], rows, sep: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=sep)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def held_out_exports(folder: Path) -> dict[str, Path]:
    """The held-out city's registry and catalogue (docs/input-format.md headers) and its dossiers
    from "another system"."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "units": write_csv(folder / "don_vi.csv", ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị",
                                                   "Mã đơn vị cấp trên"], UNITS),
        "procedures": write_csv(folder / "thu_tuc.csv", ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực",
                                                         "Cấp thực hiện", "Mức độ DVC trực tuyến"],
                                PROCEDURES),
        "dossiers": write_csv(folder / "he_thong_khac.csv", OTHER_HEADER, OTHER_ROWS, sep=";"),
    }


def tthc(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TTHC_DB", "TTHC_DEBUG")}
    return subprocess.run([sys.executable, "-m", "tthc_lib.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def tthc_in_store(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`tthc --db CWD/t.duckdb ARGS…` run in `cwd`: each test folder with its own store."""
    return tthc(cwd, "--db", str(cwd / "t.duckdb"), *args)


def snippet_of(stdout: str) -> str:
    """The profile snippet inspect prints: from its kind line to the blank line after it."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line in ("dossiers:", "units:"))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return "\n".join(lines[start:end]) + "\n"
