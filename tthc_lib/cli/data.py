"""Commands that bring data in and show it: init, sample, ingest, inspect, rejected, indicators."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tthc_lib.cli.group import (
    FORMAT,
    PARAMS,
    PERIOD,
    PERIOD_HELP,
    _as_of_date,
    _emit,
    _expected_errors,
    _workspace,
    main,
)


@main.command()
@click.argument("folder", type=click.Path(file_okay=True), default=".")
@click.option("--period", default=None,
              help="Kỳ của bộ khung lời văn (mặc định: quý hiện tại). " + PERIOD_HELP)
@click.pass_obj
@_expected_errors
def init(obj: dict, folder: str, period: str | None) -> None:
    """Tạo thư mục làm việc (params, notebooks, data, outputs); chạy lại sau khi nạp dữ liệu
    để thêm các đơn vị đã nạp vào params/units.yaml (giữ nguyên những gì đã ghi).

    \b
    Ví dụ:  tthc init bao-cao-chi-linh
            tthc init . --period 2024-Q1
    """
    from tthc_lib.workspace.find import resolve
    from tthc_lib.workspace.init import init_workspace

    result = init_workspace(Path(folder), resolve(start=folder).period(period) if period else None)
    click.echo(f"Thư mục làm việc {result.root}: tạo {len(result.created)} tệp/thư mục, "
               f"thêm {len(result.units_added)} đơn vị vào params/units.yaml.")


@main.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Thư mục ghi dữ liệu mẫu.")
@click.option("--spec", default=None, type=click.Path(dir_okay=False),
              help="Mô tả thành phố mẫu (mặc định: của thư mục làm việc, hoặc bản trong gói).")
@click.option("--seed", default=2023, show_default=True, type=int)
@_expected_errors
def sample(out_dir: str, spec: str | None, seed: int) -> None:
    """Ghi dữ liệu mẫu (các tệp xuất của Hệ thống một cửa) của thành phố mẫu.

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
@_expected_errors
def ingest(obj: dict, files: tuple[str, ...], as_json: bool, params_dir: str | None) -> None:
    """Nạp các tệp xuất (hồ sơ, thủ tục, công bố, PAKN, đơn vị) vào kho dữ liệu, đọc theo
    các hồ sơ nguồn trong params/sources/.

    \b
    Ví dụ:  tthc ingest xuat/don_vi.csv xuat/thu_tuc.xlsx xuat/ho_so_*.csv
    In mỗi tệp một dòng:  xuat/ho_so.csv: dossiers: đọc 120, nạp 118 (cập nhật 0), loại 2, trùng 0
    """
    from tthc_lib.ingest.load import load_exports
    from tthc_lib.ingest.profiles import applied
    from tthc_lib.store.connection import open_store

    ws = _workspace(obj, params=params_dir)
    profiles = ws.profiles()
    with open_store(ws.db) as con, applied(profiles):
        results = load_exports(con, list(files))
    if as_json:
        click.echo(json.dumps({"files": [r.to_dict() for r in results]}, ensure_ascii=False))
    else:
        for r in results:
            if r.error:
                click.echo(f"LỖI: {r.error}", err=True)
                continue
            for note in r.notes:
                click.echo(note)
            click.echo(f"{r.file}: {r.kind}: đọc {r.read}, nạp {r.loaded} "
                       f"(cập nhật {r.updated}), loại {r.rejected}, trùng {r.duplicates}")
    if any(r.error for r in results):
        sys.exit(1)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@PARAMS
@click.pass_obj
@_expected_errors
def inspect(obj: dict, files: tuple[str, ...], params_dir: str | None) -> None:
    """Xem mỗi tệp sẽ được đọc thế nào, không nạp gì: loại tệp, cột nào ứng với tiêu đề nào
    (qua hồ sơ nguồn nào), tiêu đề bỏ qua, số dòng, các giá trị ngoài danh sách, và một đoạn
    YAML hồ sơ nguồn để dán vào params/sources/.

    \b
    Ví dụ:  tthc inspect xuat/ho_so_he_thong_khac.xlsx
    """
    from tthc_lib.ingest.inspect import inspect_file, render_report

    ws = _workspace(obj, params=params_dir)
    profiles = ws.profiles()
    failed = False
    for name in files:
        report = inspect_file(Path(name), profiles, label=name)
        failed = failed or report.error is not None
        click.echo(render_report(report))
    if failed:
        sys.exit(1)


@main.command()
@FORMAT
@click.pass_obj
@_expected_errors
def rejected(obj: dict, fmt: str) -> None:
    """Các dòng bị loại khi nạp: tệp, dòng, lý do.

    \b
    Ví dụ:  tthc rejected --format csv > dong_bi_loai.csv
    """
    from tthc_lib.ingest.load import list_rejected
    from tthc_lib.store.connection import open_store

    with open_store(_workspace(obj).db, read_only=True) as con:
        _emit(list_rejected(con), fmt)


@main.command()
@PERIOD
@click.option("--unit", "units", multiple=True, help="Chỉ các đơn vị này (lặp lại được).")
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Tính theo cơ cấu đơn vị của ngày này (mặc định: ngày cuối kỳ).")
@FORMAT
@PARAMS
@click.pass_obj
@_expected_errors
def indicators(obj: dict, period: str, units: tuple[str, ...], as_of: str | None,
               fmt: str, params_dir: str | None) -> None:
    """Mọi chỉ tiêu của báo cáo cho từng đơn vị và các cấp tổng hợp, theo cơ cấu đơn vị
    của ngày cuối kỳ (hoặc --as-of).

    \b
    Ví dụ:  tthc indicators --period 2023-Q3 --unit HD --unit HD01 --format json
    """
    from tthc_lib.indicators.figures import compute_indicators
    from tthc_lib.store.connection import open_store

    ws = _workspace(obj, params=params_dir)
    p = ws.period(period)
    with open_store(ws.db, read_only=True) as con:
        result = compute_indicators(con, p.start, p.end, list(units) or None,
                                    _as_of_date(as_of))
    _emit(result.shown_rows(), fmt, result.to_json_obj() if fmt == "json" else None)
