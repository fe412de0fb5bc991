"""One command line (docs/interfaces.md § Commands): Vietnamese help with an example per command,
periods in the office's calendar for every command, `--unit` repeated, expected errors in one
line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers.cli import held_out_exports, tthc

from tthc_lib.cli.app import main


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A workspace with the held-out city's registry and catalogue and standard dossiers."""
    root = tmp_path_factory.mktemp("cli")
    ws = root / "ws"
    tthc(root, "init", str(ws), "--period", "2023-Q1")
    files = held_out_exports(root / "exports")
    assert tthc(ws, "ingest", str(files["units"]), str(files["procedures"])).returncode == 0
    return ws


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_vietnamese_help_with_an_example(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Ví dụ:" in result.output and f"tthc {command}" in result.output
    assert "Usage:" in result.output or "Cách dùng" in result.output


def test_the_group_help_lists_the_steps_of_an_office():
    out = CliRunner().invoke(main, ["--help"]).output
    steps = ["tthc init", "tthc inspect", "tthc ingest", "tthc report", "tthc preview"]
    assert [out.index(s) for s in steps] == sorted(out.index(s) for s in steps)


def _set_calendar(ws, calendar: str) -> None:
    path = ws / "params" / "report.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "calendar: calendar\n", f"calendar: {calendar}\n"), encoding="utf-8")


def test_indicators_reads_shorthands_in_the_offices_calendar(loaded):
    _set_calendar(loaded, "cutoff14")
    try:
        out = tthc(loaded, "indicators", "--period", "2023-Q3", "--format", "json")
        assert json.loads(out.stdout)["period"] == {"start": "2023-06-15", "end": "2023-09-14"}
    finally:
        path = loaded / "params" / "report.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "calendar: cutoff14", "calendar: calendar"), encoding="utf-8")
    out = tthc(loaded, "indicators", "--period", "2023-Q3", "--format", "json")
    assert json.loads(out.stdout)["period"] == {"start": "2023-07-01", "end": "2023-09-30"}


def test_unit_is_repeated_for_several_units(loaded):
    out = tthc(loaded, "indicators", "--period", "2023-Q1", "--unit", "UB01", "--unit", "UB02",
               "--format", "json")
    assert sorted({r["unit"] for r in json.loads(out.stdout)["rows"]}) == ["UB01", "UB02"]


@pytest.mark.parametrize("period", ["0001-01-01:0001-12-31", "9999-01-01:9999-12-31",
                                    "0001-Q1", "9999-12"])
def test_report_at_the_edge_of_the_calendar_is_one_line(loaded, period):
    result = tthc(loaded, "report", "--period", period, "--unit", "all", "--to", "html")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tthc: Kỳ báo cáo "), result.stderr


@pytest.mark.parametrize("args, start", [
    (["indicators", "--period", "2023-13"], "tthc: Kỳ báo cáo không hợp lệ: '2023-13'"),
    (["report", "--period", "2023-Q1", "--unit", "XX"], "tthc: "),
    (["preview", "--period", "2023-Q1", "--unit", "XX", "--no-open", "--port", "0"],
     "tthc: Không có đơn vị XX trong danh mục đơn vị"),
])
def test_expected_errors_are_one_line_and_exit_1(loaded, args, start):
    result = tthc(loaded, *args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(start), result.stderr


def test_a_broken_params_file_is_named_in_one_line(loaded):
    path = loaded / "params" / "recipients.yaml"
    saved = path.read_text(encoding="utf-8")
    path.write_text("district: [\n", encoding="utf-8")
    try:
        result = tthc(loaded, "indicators", "--period", "2023-Q1")
    finally:
        path.write_text(saved, encoding="utf-8")
    assert result.returncode == 1
    assert result.stderr.startswith("tthc: Tệp recipients.yaml không đúng cú pháp YAML")
    assert len(result.stderr.strip().splitlines()) == 1


def test_sample_works_outside_the_repository(tmp_path):
    result = tthc(tmp_path, "sample", "--out", "mau")
    assert result.returncode == 0, result.stderr
    written = result.stdout.split()
    assert written and all((tmp_path / p).exists() or (tmp_path / "mau").exists() for p in written)
    assert any(p.endswith("don_vi.csv") or "don_vi" in p for p in written)


def test_report_writes_the_empty_narrative_of_the_requested_period(loaded):
    """Issue 21, point 13: the report's "Chưa có lời văn" notes point at a file that exists."""
    narrative = loaded / "params" / "narrative" / "2023-04-01_2023-06-30.yaml"
    assert not narrative.exists()
    run = tthc(loaded, "report", "--period", "2023-Q2", "--unit", "UB01", "--to", "html")
    assert run.returncode == 0, run.stderr
    assert ("Đã tạo tệp lời văn của kỳ (các mục để trống): "
            "params/narrative/2023-04-01_2023-06-30.yaml") in run.stderr.splitlines()
    assert narrative.read_text(encoding="utf-8").startswith(
        "# Lời văn báo cáo quý II năm 2023 (01/04/2023 - 30/06/2023).")
    again = tthc(loaded, "report", "--period", "2023-Q2", "--unit", "UB01", "--to", "html")
    assert "Đã tạo tệp lời văn" not in again.stderr
