"""Exports exactly as a known one-stop system writes them load with no configuration
(docs/input-format.md § Other systems' exports): Tân Dân DVC's dossier list, an HTML
table saved as .xls (fixture written from its exporter: title rows, <strong> headers, names
instead of codes, its ten status words, no channel column, personal columns). The CLI runs as
a subprocess; figures are checked against a plain-Python count of the fixture."""

from __future__ import annotations

import json
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers.cli import tthc_in_store

pytestmark = pytest.mark.integration  # runs the CLI as a subprocess (conftest)

FIXTURES = Path(__file__).parent / "fixtures" / "tan_dan"
LIST = FIXTURES / "Danh sách hồ sơ 5-12-2026 9-30.xls"
ROOT = Path(__file__).resolve().parents[2]

# Read independently of the package: the registry's names as the fixture's list writes them.
UNIT_OF = {"UBND xã Quảng La": "HB02", "UBND Phường Tân An": "HB01", "Sở Xây dựng": "HBSXD",
           "UBND xã Tân An": "HB03"}                 # "UBND Tân An": two units; "Đông Ngũ": none
STATUS_OF = {"Được tiếp nhận": "open", "Đang xử lý": "open",
             "Yêu cầu bổ sung giấy tờ": "paused", "Dừng xử lý": "paused",
             "Yêu cầu thực hiện nghĩa vụ tài chính": "paused",
             "Công dân yêu cầu rút hồ sơ": "withdrawn",
             "Đã xử lý xong": "resolved", "Đã trả kết quả": "resolved"}
NEVER = {"Mới đăng ký", "Không được tiếp nhận"}
PERSONAL = ["Nguyễn Văn An", "Phạm Thị Dung", "Thôn 1, xã Quảng La", "Công ty CP Sông Đà 9"]


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self.rows[-1].append("")

    def handle_data(self, data):
        if self.rows and self.rows[-1]:
            self.rows[-1][-1] += data.strip()


def plain_count() -> dict[str, dict[str, int]]:
    """Per unit: received, resolved, withdrawn, pending (November 2026), by hand."""
    parser = _Cells()
    parser.feed(LIST.read_text(encoding="utf-8"))
    header = next(r for r in parser.rows if "Mã hồ sơ" in r)
    seen, out = set(), {}
    for row in parser.rows[parser.rows.index(header) + 1:]:
        rec = dict(zip(header, row))
        key = tuple(row[1:])
        if key in seen or rec["Trạng thái"] in NEVER or rec["Đơn vị tiếp nhận"] not in UNIT_OF:
            seen.add(key)
            continue
        seen.add(key)
        unit = out.setdefault(UNIT_OF[rec["Đơn vị tiếp nhận"]],
                              {"received": 0, "resolved": 0, "withdrawn": 0, "pending": 0})
        status = STATUS_OF[rec["Trạng thái"]]
        unit["received"] += 1
        unit[{"open": "pending", "paused": "pending"}.get(status, status)] += 1
    return out


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    cwd = tmp_path_factory.mktemp("tan_dan")
    run = tthc_in_store(cwd, "ingest", str(FIXTURES / "don_vi.csv"), str(FIXTURES / "thu_tuc.csv"),
               str(LIST))
    return cwd, run


def test_inspect_names_the_system_and_shows_no_personal_data(tmp_path):
    run = tthc_in_store(tmp_path, "inspect", str(LIST))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"{LIST}: hồ sơ (dossiers), tiêu đề ở dòng 3, đọc 15 dòng"
    assert lines[1] == "  nhận ra: Tân Dân DVC — danh sách hồ sơ (hồ sơ nguồn tan_dan_dvc.yaml (gói))"
    assert lines[2:5] == [f'  không có cột "{column}": các số liệu cần cột này ghi '
                          '"không có số liệu"' for column in
                          ("Hình thức nộp", "Số hóa thành phần hồ sơ", "Số hóa kết quả")]
    assert "  bỏ qua: STT, Địa chỉ, Người nộp, Chủ hồ sơ, Ngày nộp hồ sơ" in lines
    assert "Hồ sơ nguồn gợi ý" not in run.stdout          # nothing left for the office to fill
    for value in PERSONAL:
        assert value not in run.stdout


def test_the_list_loads_with_no_profile_and_every_row_is_counted(loaded):
    _cwd, run = loaded
    assert run.returncode == 0, run.stderr
    # 17 table rows under the header: 15 dossiers read (title rows are not rows)
    assert run.stdout.splitlines()[-1] == (
        f"{LIST}: hồ sơ: đọc 15, nạp 10 (cập nhật 0), loại 4, trùng 1")
    assert "không có cột \"Hình thức nộp\"" in run.stdout


def test_rows_set_aside_say_why_and_keep_no_personal_data(loaded):
    cwd, _run = loaded
    run = tthc_in_store(cwd, "rejected", "--format", "json")
    assert run.returncode == 0, run.stderr
    reasons = {r["line"]: r["reason"] for r in json.loads(run.stdout)}
    assert reasons == {
        7: 'hồ sơ chưa được tiếp nhận ("Mới đăng ký"), không tính',
        9: 'hồ sơ chưa được tiếp nhận ("Không được tiếp nhận"), không tính',
        16: 'Tên đơn vị "UBND Tân An" trùng với nhiều mã (HB01, HB03)',
        17: 'Tên đơn vị "UBND xã Đông Ngũ" không có trong danh mục',
    }
    for value in PERSONAL:
        assert value not in run.stdout


def test_figures_equal_a_plain_count_and_the_channel_figures_are_not_available(loaded):
    cwd, _run = loaded
    run = tthc_in_store(cwd, "indicators", "--period", "2026-11-01:2026-11-30", "--format", "json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    rows = {r["unit"]: r for r in out["rows"] if r["scope"] == "unit"}
    for unit, expected in plain_count().items():
        row = rows[unit]
        assert (row["received_in_period"], row["resolved_total"], row["closed_other"],
                row["pending_total"]) == (expected["received"], expected["resolved"],
                                          expected["withdrawn"], expected["pending"]), unit
        assert (row["received_online"], row["received_offline"], row["dvc_online"],
                row["online_rate"], row["dvc_rate"]) == (None,) * 5
        # no digitisation columns either: not "Không", not known
        assert (row["digitised_on_receipt"], row["result_digitised"],
                row["digitised_on_receipt_rate"], row["result_digitised_rate"]) == (None,) * 4
    assert rows["HBSXD"]["resolved_late"] == 1                 # due 20/11, closed 27/11
    for column in ("channel", "digitised_on_receipt", "result_digitised"):
        assert {"finding": "column_missing", "file": str(LIST), "kind": "dossiers",
                "column": column} in out["findings"]
    assert not [f for f in out["findings"] if "identity" in f]


def test_an_office_profile_of_the_same_system_wins(tmp_path):
    sources = tmp_path / "params" / "sources"
    sources.mkdir(parents=True)
    shipped = (ROOT / "tthc_lib" / "data" / "sources" / "tan_dan_dvc.yaml").read_text("utf-8")
    (sources / "tan_dan.yaml").write_text(shipped.replace(
        '{if: {"Trạng thái": "Công dân yêu cầu rút hồ sơ"}, then: withdrawn}',
        '{if: {"Trạng thái": "Công dân yêu cầu rút hồ sơ"}, then: returned}'), "utf-8")
    run = tthc_in_store(tmp_path, "inspect", "--params", str(tmp_path / "params"), str(LIST))
    assert run.returncode == 0, run.stderr
    assert "  nhận ra: Tân Dân DVC — danh sách hồ sơ (hồ sơ nguồn tan_dan.yaml)" in run.stdout


def test_form06_says_no_data_for_the_channel_columns_and_the_rest_is_exact(loaded):
    import openpyxl

    cwd, _run = loaded
    out = cwd / "bieu06.xlsx"
    run = tthc_in_store(cwd, "form06", "--period", "2026-11-01:2026-11-30", "--unit", "HB",
               "--scope", "total", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""                          # no identity of the form reported broken
    rows = [r for r in openpyxl.load_workbook(out).active.iter_rows(values_only=True)]
    total = next(r for r in rows if r[1] == "Tổng cộng")
    counted = plain_count().values()
    received = sum(u["received"] for u in counted)
    closed = sum(u["resolved"] + u["withdrawn"] for u in counted)
    pending = sum(u["pending"] for u in counted)
    assert total[2:7] == (received, "không có số liệu", "không có số liệu", 0, closed)
    assert total[10] == pending
