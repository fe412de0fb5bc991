"""Commands that bring data in and show it: init, sample, ingest, inspect, rejected, indicators."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from tthc_lib.cli.group import (
    FORMAT,
    INTERRUPTED,
    PARAMS,
    PERIOD,
    PERIOD_HELP,
    as_of_date,
    emit,
    expected_errors,
    main,
    workspace_of,
)
from tthc_lib.errors import StoreError
from tthc_lib.vocab import KIND_LABELS


@main.command()
@click.argument("folder", type=click.Path(file_okay=True), default=".")
@click.option("--period", default=None,
              help="Kỳ của bộ khung lời văn và của tham số mặc định trong notebooks (mặc định: "
                   "quý gần nhất đã hết và đủ dữ liệu). " + PERIOD_HELP)
@click.pass_obj
@expected_errors
def init(obj: dict, folder: str, period: str | None) -> None:
    """Tạo thư mục làm việc (params, notebooks, data, outputs); chạy lại sau khi nạp dữ liệu
    để thêm các đơn vị đã nạp vào params/units.yaml (giữ nguyên những gì đã ghi).

    \b
    Ví dụ:  tthc init bao-cao-chi-linh
            tthc init . --period 2024-Q1
    """
    from tthc_lib.workspace.find import resolve
    from tthc_lib.workspace.init import init_workspace

    db = obj["db"] or os.environ.get("TTHC_DB") or None     # else the workspace's own
    result = init_workspace(Path(folder), resolve(start=folder).period(period) if period else None,
                            db=Path(db) if db else None)
    click.echo(f"Thư mục làm việc {result.root}: tạo {len(result.created)} tệp/thư mục, "
               f"thêm {len(result.units_added)} đơn vị vào params/units.yaml.")
    if result.defaults and result.defaults.unit:
        period = result.defaults.period
        click.echo(f"Notebooks chạy mặc định cho đơn vị {result.defaults.unit}, kỳ "
                   f"{period.start:%d/%m/%Y} - {period.end:%d/%m/%Y}.")


@main.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Thư mục ghi dữ liệu mẫu.")
@click.option("--spec", default=None, type=click.Path(dir_okay=False),
              help="Mô tả thành phố mẫu (mặc định: của thư mục làm việc, hoặc bản trong gói).")
@click.option("--seed", default=2023, show_default=True, type=int,
              help="Hạt giống ngẫu nhiên: cùng hạt giống cho cùng dữ liệu.")
@expected_errors
def sample(out_dir: str, spec: str | None, seed: int) -> None:
    """Ghi dữ liệu mẫu (các tệp xuất của Hệ thống một cửa) của thành phố mẫu: thành phố Hải
    Dương và 25 phường, xã năm 2022-2023, tiếp tục đến 30/11/2026 qua đợt sắp xếp đơn vị hành
    chính ngày 01/7/2025 (thành phố Hải Phòng, các sở, ban và 9 phường mới). Tên người và số
    liệu là giả lập.

    \b
    Ví dụ:  tthc sample --out data/sample
    """
    from tthc_lib.sample.city import generate_sample
    from tthc_lib.workspace.find import sample_spec

    for path in generate_sample(sample_spec(spec), Path(out_dir), seed=seed):
        click.echo(str(path))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@PARAMS
@click.pass_obj
@expected_errors
def ingest(obj: dict, files: tuple[str, ...], as_json: bool, params_dir: str | None) -> None:
    """Nạp các tệp xuất (hồ sơ, thủ tục, công bố, PAKN, đơn vị) vào kho dữ liệu, đọc theo
    các hồ sơ nguồn trong params/sources/.

    \b
    Ví dụ:  tthc ingest xuat/don_vi.csv xuat/thu_tuc.xlsx xuat/ho_so_*.csv
    In mỗi tệp một dòng:  xuat/ho_so.csv: hồ sơ: đọc 120, nạp 118 (cập nhật 0), loại 2, trùng 0
    """
    from tthc_lib.ingest.load import load_exports
    from tthc_lib.ingest.profiles import applied
    from tthc_lib.store.connection import open_store

    ws = workspace_of(obj, params=params_dir)
    profiles = ws.profiles()
    with open_store(ws.db) as con, applied(profiles):
        before = con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchone()[0]
        try:
            results = load_exports(con, list(files))
        except (KeyboardInterrupt, RuntimeError, StoreError) as exc:
            # DuckDB turns Ctrl+C within a query into "Query interrupted"
            if not isinstance(exc, KeyboardInterrupt) and "interrupted" not in \
                    f"{exc} {exc.__cause__}".lower():
                raise
            stored = [r[0] for r in con.execute("SELECT file FROM loads WHERE load_id > ? "
                                                "ORDER BY load_id", [before]).fetchall()]
            click.echo("tthc: " + interrupted_ingest(stored, len(files)), err=True)
            sys.exit(130)
    if as_json:
        click.echo(json.dumps({"files": [r.to_dict() for r in results]}, ensure_ascii=False))
    else:
        for r in results:
            if r.error:
                click.echo(f"LỖI: {r.error}", err=True)
                continue
            for note in r.notes:
                click.echo(note)
            click.echo(f"{r.file}: {KIND_LABELS.get(r.kind, r.kind)}: đọc {r.read}, nạp {r.loaded} "
                       f"(cập nhật {r.updated}), loại {r.rejected}, trùng {r.duplicates}")
    if any(r.error for r in results):
        sys.exit(1)


def interrupted_ingest(stored: list[str], given: int) -> str:
    """The line of an ingest stopped by Ctrl+C: which files the store holds whole."""
    if not stored:
        return (f"{INTERRUPTED} Chưa nạp tệp nào: kho dữ liệu giữ nguyên như trước; chạy lại "
                "lệnh để nạp.")
    rest = given - len(stored)
    return (f"{INTERRUPTED} Đã nạp trọn {len(stored)} tệp ({', '.join(stored)}); "
            + (f"{rest} tệp còn lại chưa nạp, kho không giữ phần nào của chúng; chạy lại lệnh "
               "cho các tệp đó." if rest else "không còn tệp nào chưa nạp."))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@PARAMS
@click.pass_obj
@expected_errors
def inspect(obj: dict, files: tuple[str, ...], params_dir: str | None) -> None:
    """Xem mỗi tệp sẽ được đọc thế nào, không nạp gì: loại tệp, cột nào ứng với tiêu đề nào
    (qua hồ sơ nguồn nào), tiêu đề bỏ qua, số dòng, các giá trị ngoài danh sách, và một đoạn
    YAML hồ sơ nguồn để dán vào params/sources/.

    \b
    Ví dụ:  tthc inspect xuat/ho_so_he_thong_khac.xlsx
    """
    from tthc_lib.ingest.inspect import inspect_file, render_report

    ws = workspace_of(obj, params=params_dir)
    profiles = ws.profiles()
    failed = False
    for name in files:
        report = inspect_file(Path(name), profiles, label=name)
        failed = failed or report.error is not None
        click.echo(render_report(report))
    if failed:
        sys.exit(1)


# The `rejected` table as users read it (the JSON keeps the canonical names).
REJECTED_HEADERS = {"file": "Tệp", "line": "Dòng", "reason": "Lý do", "raw": "Giá trị của dòng"}


@main.command()
@FORMAT
@click.pass_obj
@expected_errors
def rejected(obj: dict, fmt: str) -> None:
    """Các dòng bị loại khi nạp: tệp, dòng, lý do.

    \b
    Ví dụ:  tthc rejected --format csv > dong_bi_loai.csv
    """
    from tthc_lib.ingest.load import list_rejected
    from tthc_lib.store.connection import open_store

    with open_store(workspace_of(obj).db, read_only=True) as con:
        rows = list_rejected(con)
    emit(rows if fmt == "json" else rows.rename(columns=REJECTED_HEADERS), fmt)


@main.command()
@PERIOD
@click.option("--unit", "units", multiple=True, help="Chỉ các đơn vị này (lặp lại được).")
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Tính theo cơ cấu đơn vị của ngày này (mặc định: ngày cuối kỳ).")
@FORMAT
@PARAMS
@click.pass_obj
@expected_errors
def indicators(obj: dict, period: str, units: tuple[str, ...], as_of: str | None,
               fmt: str, params_dir: str | None) -> None:
    """Mọi chỉ tiêu của báo cáo cho từng đơn vị và các cấp tổng hợp, theo cơ cấu đơn vị
    của ngày cuối kỳ (hoặc --as-of).

    \b
    Ví dụ:  tthc indicators --period 2023-Q3 --unit HD --unit HD01 --format json
    """
    from tthc_lib.indicators.figures import compute_indicators
    from tthc_lib.store.connection import open_store

    ws = workspace_of(obj, params=params_dir)
    p = ws.period(period)
    with open_store(ws.db, read_only=True) as con:
        result = compute_indicators(con, p.start, p.end, list(units) or None,
                                    as_of_date(as_of))
    emit(result.shown_rows(), fmt, result.to_json_obj() if fmt == "json" else None)
