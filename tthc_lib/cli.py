"""The `tthc` command line: parse, find the workspace, call one library function, print.

Expected errors (TthcError) print one line on stderr and exit 1; usage errors exit 2 (click).
TTHC_DEBUG=1 lets every error through with its traceback. Inside a workspace every command
uses its params, notebooks and store (workspace.find), and the office's calendar.
"""

from __future__ import annotations

import json
import os
import sys
from functools import wraps
from pathlib import Path

import click

from tthc_lib.errors import TthcError

PERIOD_HELP = ("Kỳ báo cáo: BẮT_ĐẦU:KẾT_THÚC (2023-01-01:2023-10-30) hoặc 2023-10, 2023-Q3, "
               "2023-H1, 2023, 2023-01:2023-10 (theo lịch của params/report.yaml).")


def _expected_errors(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        if os.environ.get("TTHC_DEBUG"):
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except TthcError as exc:
            click.echo("tthc: " + " ".join(str(exc).split()), err=True)   # always one line
            sys.exit(1)
    return wrapper


def _workspace(obj: dict, say_params: bool = False, **paths):
    """The workspace in use; outside one, `say_params` prints which params are used."""
    from tthc_lib.workspace.find import resolve

    ws = resolve(obj["db"], **paths)
    if say_params and ws.root is None:
        click.echo(ws.params_origin, err=True)
    return ws


PARAMS = click.option("--params", "params_dir", default=None, type=click.Path(file_okay=False),
                      help="Thư mục params (mặc định: của thư mục làm việc).")
NOTEBOOKS = click.option("--notebooks", "notebooks_dir", default=None,
                         type=click.Path(file_okay=False),
                         help="Thư mục notebook mục báo cáo (mặc định: của thư mục làm việc).")
PERIOD = click.option("--period", required=True, help=PERIOD_HELP)
FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]),
                      default="table", show_default=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", type=click.Path(dir_okay=False), default=None,
              help="Kho dữ liệu DuckDB (mặc định $TTHC_DB, hoặc data/tthc.duckdb của thư mục "
                   "làm việc).")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """Báo cáo cải cách thủ tục hành chính từ dữ liệu Hệ thống một cửa.

    \b
    Các bước của một cơ quan:
      tthc init bao-cao-chi-linh && cd bao-cao-chi-linh
      tthc inspect ~/xuat/ho_so.xlsx
      tthc ingest ~/xuat/*.csv ~/xuat/*.xlsx
      tthc report --period 2023-Q3 --unit all
      tthc preview --unit CL01 --period 2023-Q3
    """
    ctx.obj = {"db": db}


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


def _emit(df, fmt: str, json_obj=None) -> None:
    if fmt == "json":
        click.echo(json.dumps(json_obj if json_obj is not None else df.to_dict(orient="records"),
                              ensure_ascii=False, default=str))
    elif fmt == "csv":
        click.echo(_defused(df).to_csv(index=False), nl=False)
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", None, "display.max_columns", None,
                               "display.width", 250):
            click.echo(df.to_string(index=False))


def _defused(df):
    """Text cells that a spreadsheet would run as a formula (= + - @, tab, CR first) get a
    leading apostrophe, as OWASP advises for CSV files opened in Excel."""
    out = df.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, str)).any():
            out[col] = [f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t",
                                                                   "\r") else v
                        for v in out[col]]
    return out



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
    _emit(result.rows, fmt, result.to_json_obj() if fmt == "json" else None)


def _as_of_date(text: str | None):
    """--as-of as a date (ISO or dd/mm/yyyy), or a usage error in one line."""
    import datetime as dt

    if text is None:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise click.BadParameter(f'"{text}" không phải ngày (cần YYYY-MM-DD hoặc dd/mm/yyyy).',
                             param_hint="--as-of")


@main.command()
@PERIOD
@click.option("--unit", "units", multiple=True, help="Mã đơn vị (lặp lại được), hoặc 'all'.")
@click.option("--to", "to", default="html,pdf", show_default=True, help="html, pdf, docx (cách nhau dấu phẩy).")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 256),
              help="Số tiến trình chạy song song (với dask: số worker của LocalCluster).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--scheduler", default=None, help="Địa chỉ Dask scheduler (mặc định: LocalCluster).")
@click.option("--force", is_flag=True, help="Chạy lại mọi đơn vị, kể cả khi không có gì thay đổi.")
@click.option("--retry-failed", is_flag=True, help="Chỉ chạy lại các đơn vị bị lỗi ở lần chạy trước.")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Thư mục kết quả (mặc định: outputs/ của thư mục làm việc).")
@PARAMS
@NOTEBOOKS
@click.pass_obj
@_expected_errors
def report(obj: dict, period: str, units: tuple[str, ...], to: str, jobs: int, executor: str,
           scheduler: str | None, force: bool, retry_failed: bool, out_dir: str | None,
           params_dir: str | None, notebooks_dir: str | None) -> None:
    """Chạy các notebook mục báo cáo cho từng đơn vị, xuất HTML/PDF và trang mục lục.

    Chỉ chạy lại những gì đã thay đổi (notebook, params, lời văn, dữ liệu, thư viện).

    \b
    Ví dụ:  tthc report --period 2023-Q3 --unit all
            tthc report --period 2023-01-01:2023-10-30 --unit HD --unit HD05 --to html,docx
    In đường dẫn trang mục lục:  outputs/2023-07-01_2023-09-30/index.html
    """
    from tthc_lib.batch.progress import Progress
    from tthc_lib.batch.runner import render_reports
    from tthc_lib.periods import check_reportable

    formats = tuple(f.strip() for f in to.split(",") if f.strip())
    bad = sorted(set(formats) - {"html", "pdf", "docx"})
    if bad:
        raise click.UsageError(f"--to: không hỗ trợ {', '.join(bad)} (dùng html, pdf, docx)")
    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler chỉ dùng với --executor dask")
    ws = _workspace(obj, True, params=params_dir, notebooks=notebooks_dir, out=out_dir)
    p = check_reportable(ws.period(period))
    summary = render_reports(ws.db, p, list(units) or None, ws.out, formats,
                             notebooks_dir=ws.notebooks, params_dir=ws.params,
                             progress=Progress(0), jobs=jobs, executor=executor,
                             scheduler=scheduler, force=force, retry_failed=retry_failed)
    for f in summary.findings:
        click.echo(f"Cần xem lại: {json.dumps(f, ensure_ascii=False)}", err=True)
    if summary.failures:
        click.echo(f"{len(summary.failures)} đơn vị lỗi (đơn vị | mục | lỗi | notebook):\n"
                   + "\n".join(f"  {f.unit} | {f.section} | {f.error} | {f.path}"
                                for f in summary.failures), err=True)
    click.echo(summary.index)
    if summary.failures:
        sys.exit(1)


@main.command()
@click.option("--unit", required=True, help="Mã đơn vị.")
@PERIOD
@click.option("--port", default=8800, show_default=True, type=click.IntRange(0, 65535),
              help="Cổng trên 127.0.0.1 (0: một cổng còn trống).")
@click.option("--no-open", is_flag=True, help="Không mở trình duyệt.")
@PARAMS
@NOTEBOOKS
@click.pass_obj
@_expected_errors
def preview(obj: dict, unit: str, period: str, port: int, no_open: bool,
            params_dir: str | None, notebooks_dir: str | None) -> None:
    """Xem trực tiếp báo cáo của một đơn vị tại http://127.0.0.1:PORT/; khi sửa params, lời
    văn, notebook hoặc nạp thêm dữ liệu, chỉ chạy lại phần thay đổi và tải lại trang.

    \b
    Ví dụ:  tthc preview --unit HD05 --period 2023-01-01:2023-10-30 --port 8801
    In:     Xem báo cáo tại http://127.0.0.1:8801/ (Ctrl+C để dừng)
    """
    from tthc_lib.periods import check_reportable
    from tthc_lib.preview.server import serve

    ws = _workspace(obj, True, params=params_dir, notebooks=notebooks_dir)
    p = check_reportable(ws.period(period))
    serve(ws, unit, p, port=port, open_browser=not no_open,
          announce=lambda url: click.echo(f"Xem báo cáo tại {url} (Ctrl+C để dừng)"))


@main.command()
@PERIOD
@click.option("--unit", default=None, help="Mã đơn vị (mặc định: đơn vị không có cấp trên).")
@click.option("--scope", type=click.Choice(["unit", "communes", "total"]), default="unit",
              show_default=True,
              help="unit: hồ sơ của chính đơn vị; communes: của cấp xã trực thuộc; total: cả hai.")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False),
              help="Tệp .xlsx ghi biểu mẫu.")
@PARAMS
@click.pass_obj
@_expected_errors
def form06(obj: dict, period: str, unit: str | None, scope: str, out_file: str,
           params_dir: str | None) -> None:
    """Xuất Biểu số 06/VPCP/KSTT (tình hình, kết quả giải quyết TTHC theo lĩnh vực) ra .xlsx.

    In đường dẫn tệp đã ghi; dòng nào sai đẳng thức của biểu được báo trên stderr.

    \b
    Ví dụ:  tthc form06 --period 2023-Q3 --scope total --out bieu06.xlsx
    """
    from tthc_lib.content.form06 import check_form06, form06_frame, form06_meta, write_form06_xlsx
    from tthc_lib.content.narrative import Settings
    from tthc_lib.content.reconcile import root_unit
    from tthc_lib.periods import label_vi
    from tthc_lib.store.connection import open_store

    ws = _workspace(obj, params=params_dir)
    settings = Settings.load(ws.params)
    p = ws.period(period)
    with open_store(ws.db, read_only=True) as con:
        code = root_unit(con, unit)
        frame = form06_frame(con, p.start, p.end, code, scope)
        meta = form06_meta(con, p.start, p.end, code, label_vi(p, settings.calendar),
                           settings.report.get("reports_to"))
    for finding in check_form06(frame):
        click.echo(f"Cần xem lại: {finding['message']}", err=True)
    click.echo(str(write_form06_xlsx(frame, Path(out_file), meta)))


@main.command()
@click.option("--period", default=None,
              help="Mặc định: kỳ ghi trong tệp số liệu (nếu có thì phải trùng). " + PERIOD_HELP)
@click.option("--figures", "figures_file", required=True, type=click.Path(dir_okay=False),
              help="Tệp YAML các số liệu đã in (dạng figures.yaml).")
@click.option("--unit", default=None, help="Đơn vị gốc (mặc định: đơn vị không có cấp trên).")
@click.option("--no-data", is_flag=True, help="Chỉ kiểm tra số học, không so với kho dữ liệu.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@PARAMS
@click.pass_obj
@_expected_errors
def check(obj: dict, period: str | None, figures_file: str, unit: str | None, no_data: bool,
          fmt: str, params_dir: str | None) -> None:
    """Đối chiếu các số liệu đã in với phép tính của chính chúng và với kho dữ liệu.

    Mỗi chênh lệch một dòng (số in, số đúng, loại); mã thoát 0 khi kiểm tra xong, dù có
    chênh lệch hay không; 1 khi không đọc được tệp số liệu, kho dữ liệu hoặc kỳ báo cáo.

    \b
    Ví dụ:  tthc check --figures so_lieu_da_in.yaml --period 2023-01-01:2023-10-30
    """
    from contextlib import nullcontext

    from tthc_lib.content.reconcile import check_figures, findings_json, findings_text, load_figures
    from tthc_lib.store.connection import open_store

    ws = _workspace(obj, params=params_dir)
    figures = load_figures(Path(figures_file))
    asked = ws.period(period) if period else None
    if not no_data and not ws.db.exists():
        raise TthcError(f"Chưa có kho dữ liệu {ws.db}: hãy nạp dữ liệu "
                        "(tthc ingest TỆP...) hoặc chỉ kiểm tra số học với --no-data.")
    with nullcontext() if no_data else open_store(ws.db, read_only=True) as con:
        findings = check_figures(con, figures, unit=unit, period=asked)
    if fmt == "json":
        click.echo(json.dumps(findings_json(figures, findings, asked), ensure_ascii=False))
    else:
        click.echo(findings_text(findings))


if __name__ == "__main__":
    main()
