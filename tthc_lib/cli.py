"""The `tthc` command line: parse, call one library function, print. No logic of its own.

Expected errors (TthcError) print one line on stderr and exit 1; usage errors exit 2 (click).
TTHC_DEBUG=1 lets every error through with its traceback.
"""

from __future__ import annotations

import json
import os
import sys
from functools import wraps
from pathlib import Path

import click

from tthc_lib.errors import TthcError


def _expected_errors(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        if os.environ.get("TTHC_DEBUG"):
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except TthcError as exc:
            click.echo(f"tthc: {exc}", err=True)
            sys.exit(1)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", type=click.Path(dir_okay=False), default=None,
              help="Kho dữ liệu DuckDB (mặc định $TTHC_DB, hoặc data/tthc.duckdb).")
@click.pass_context
def main(ctx: click.Context, db: str | None) -> None:
    """Báo cáo cải cách thủ tục hành chính từ dữ liệu Hệ thống một cửa."""
    ctx.obj = {"db": db}


@main.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Thư mục ghi dữ liệu mẫu.")
@click.option("--spec", default="params/sample_city.yaml", show_default=True,
              type=click.Path(dir_okay=False), help="Mô tả thành phố mẫu.")
@click.option("--seed", default=2023, show_default=True, type=int)
@_expected_errors
def sample(out_dir: str, spec: str, seed: int) -> None:
    """Ghi dữ liệu mẫu (các tệp xuất của Hệ thống một cửa) của thành phố mẫu."""
    from tthc_lib.sample.city import generate_sample

    for path in generate_sample(Path(spec), Path(out_dir), seed=seed):
        click.echo(str(path))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.pass_obj
@_expected_errors
def ingest(obj: dict, files: tuple[str, ...], as_json: bool) -> None:
    """Nạp các tệp xuất (hồ sơ, thủ tục, công bố, PAKN, đơn vị) vào kho dữ liệu."""
    from tthc_lib.ingest.load import load_exports
    from tthc_lib.store.connection import open_store

    with open_store(obj["db"]) as con:
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


FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]),
                      default="table", show_default=True)


@main.command()
@FORMAT
@click.pass_obj
@_expected_errors
def rejected(obj: dict, fmt: str) -> None:
    """Các dòng bị loại khi nạp: tệp, dòng, lý do."""
    from tthc_lib.ingest.load import list_rejected
    from tthc_lib.store.connection import open_store

    with open_store(obj["db"], read_only=True) as con:
        _emit(list_rejected(con), fmt)


@main.command()
@click.option("--period", required=True, help="START:END (ISO) hoặc 2023-10, 2023-Q3, 2023-H1, 2023.")
@click.option("--unit", "units", multiple=True, help="Chỉ các đơn vị này (lặp lại được).")
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Tính theo cơ cấu đơn vị của ngày này (mặc định: ngày cuối kỳ).")
@FORMAT
@click.pass_obj
@_expected_errors
def indicators(obj: dict, period: str, units: tuple[str, ...], as_of: str | None,
               fmt: str) -> None:
    """Mọi chỉ tiêu của báo cáo cho từng đơn vị và các cấp tổng hợp, theo cơ cấu đơn vị
    của ngày cuối kỳ (hoặc --as-of)."""
    from tthc_lib.indicators.figures import compute_indicators
    from tthc_lib.periods import parse_period
    from tthc_lib.store.connection import open_store

    p = parse_period(period)
    with open_store(obj["db"], read_only=True) as con:
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
@click.option("--period", required=True, help="START:END (ISO) hoặc 2023-10, 2023-Q3, 2023-H1, 2023.")
@click.option("--unit", "units", multiple=True, help="Mã đơn vị (lặp lại được), hoặc 'all'.")
@click.option("--to", "to", default="html,pdf", show_default=True, help="html, pdf, docx (cách nhau dấu phẩy).")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 256),
              help="Số tiến trình chạy song song (với dask: số worker của LocalCluster).")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--scheduler", default=None, help="Địa chỉ Dask scheduler (mặc định: LocalCluster).")
@click.option("--force", is_flag=True, help="Chạy lại mọi đơn vị, kể cả khi không có gì thay đổi.")
@click.option("--retry-failed", is_flag=True, help="Chỉ chạy lại các đơn vị bị lỗi ở lần chạy trước.")
@click.option("--out", "out_dir", default="outputs", show_default=True,
              type=click.Path(file_okay=False))
@click.option("--params", "params_dir", default="params", show_default=True,
              type=click.Path(file_okay=False))
@click.option("--notebooks", "notebooks_dir", default="notebooks", show_default=True,
              type=click.Path(file_okay=False))
@click.pass_obj
@_expected_errors
def report(obj: dict, period: str, units: tuple[str, ...], to: str, jobs: int, executor: str,
           scheduler: str | None, force: bool, retry_failed: bool, out_dir: str,
           params_dir: str, notebooks_dir: str) -> None:
    """Chạy các notebook mục báo cáo cho từng đơn vị, xuất HTML/PDF và trang mục lục.

    Chỉ chạy lại những gì đã thay đổi (notebook, tham số, lời văn, dữ liệu của đơn vị,
    phiên bản thư viện); --force chạy lại tất cả."""
    from tthc_lib.batch.progress import Progress
    from tthc_lib.batch.runner import render_reports
    from tthc_lib.content.narrative import Settings
    from tthc_lib.periods import parse_period
    from tthc_lib.store.connection import resolve_db

    formats = tuple(f.strip() for f in to.split(",") if f.strip())
    bad = sorted(set(formats) - {"html", "pdf", "docx"})
    if bad:
        raise click.UsageError(f"--to: không hỗ trợ {', '.join(bad)} (dùng html, pdf, docx)")
    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler chỉ dùng với --executor dask")
    calendar = Settings.load(Path(params_dir)).calendar
    summary = render_reports(resolve_db(obj["db"]), parse_period(period, calendar),
                             list(units) or None, Path(out_dir), formats,
                             notebooks_dir=Path(notebooks_dir), params_dir=Path(params_dir),
                             progress=Progress(0), jobs=jobs, executor=executor,
                             scheduler=scheduler, force=force, retry_failed=retry_failed)
    for f in summary.findings:
        click.echo(f"Cần xem lại: {json.dumps(f, ensure_ascii=False)}", err=True)
    if summary.failures:
        click.echo(f"{len(summary.failures)} đơn vị lỗi (đơn vị | mục | lỗi | notebook):", err=True)
    for f in summary.failures:
        click.echo(f"  {f.unit} | {f.section} | {f.error} | {f.path}", err=True)
    click.echo(summary.index)
    if summary.failures:
        sys.exit(1)


@main.command()
@click.option("--period", required=True, help="START:END (ISO) hoặc 2023-10, 2023-Q3, 2023-H1, 2023.")
@click.option("--unit", default=None, help="Mã đơn vị (mặc định: đơn vị không có cấp trên).")
@click.option("--scope", type=click.Choice(["unit", "communes", "total"]), default="unit",
              show_default=True,
              help="unit: hồ sơ của chính đơn vị; communes: của cấp xã trực thuộc; total: cả hai.")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False),
              help="Tệp .xlsx ghi biểu mẫu.")
@click.option("--params", "params_dir", default="params", show_default=True,
              type=click.Path(file_okay=False))
@click.pass_obj
@_expected_errors
def form06(obj: dict, period: str, unit: str | None, scope: str, out_file: str,
           params_dir: str) -> None:
    """Xuất Biểu số 06/VPCP/KSTT (tình hình, kết quả giải quyết TTHC theo lĩnh vực) ra .xlsx.

    In đường dẫn tệp đã ghi; dòng nào sai đẳng thức của biểu được báo trên stderr."""
    from tthc_lib.content.form06 import check_form06, form06_frame, form06_meta, write_form06_xlsx
    from tthc_lib.content.narrative import Settings
    from tthc_lib.content.reconcile import root_unit
    from tthc_lib.periods import label_vi, parse_period
    from tthc_lib.store.connection import open_store

    settings = Settings.load(Path(params_dir))
    p = parse_period(period, settings.calendar)
    with open_store(obj["db"], read_only=True) as con:
        code = root_unit(con, unit)
        frame = form06_frame(con, p.start, p.end, code, scope)
        meta = form06_meta(con, p.start, p.end, code, label_vi(p, settings.calendar),
                           settings.report.get("reports_to"))
    for finding in check_form06(frame):
        click.echo(f"Cần xem lại: {finding['message']}", err=True)
    click.echo(str(write_form06_xlsx(frame, Path(out_file), meta)))


@main.command()
@click.option("--period", default=None,
              help="START:END; mặc định: kỳ ghi trong tệp số liệu (nếu có thì phải trùng).")
@click.option("--figures", "figures_file", required=True, type=click.Path(dir_okay=False),
              help="Tệp YAML các số liệu đã in (dạng figures.yaml).")
@click.option("--unit", default=None, help="Đơn vị gốc (mặc định: đơn vị không có cấp trên).")
@click.option("--no-data", is_flag=True, help="Chỉ kiểm tra số học, không so với kho dữ liệu.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_obj
@_expected_errors
def check(obj: dict, period: str | None, figures_file: str, unit: str | None, no_data: bool,
          fmt: str) -> None:
    """Đối chiếu các số liệu đã in với phép tính của chính chúng và với kho dữ liệu.

    Mỗi số liệu chênh lệch được in một dòng (số in, số đúng, loại: số học hoặc dữ liệu).
    Lệnh thoát với mã 0 khi kiểm tra xong, dù có hay không có chênh lệch; mã 1 khi không
    đọc được tệp số liệu, kho dữ liệu hoặc kỳ báo cáo."""
    from contextlib import nullcontext

    from tthc_lib.content.reconcile import check_figures, findings_json, findings_text, load_figures
    from tthc_lib.periods import parse_period
    from tthc_lib.store.connection import open_store, resolve_db

    figures = load_figures(Path(figures_file))
    asked = parse_period(period) if period else None
    if not no_data and not resolve_db(obj["db"]).exists():
        raise TthcError(f"Chưa có kho dữ liệu {resolve_db(obj['db'])}: hãy nạp dữ liệu "
                        "(tthc ingest TỆP...) hoặc chỉ kiểm tra số học với --no-data.")
    with nullcontext() if no_data else open_store(obj["db"], read_only=True) as con:
        findings = check_figures(con, figures, unit=unit, period=asked)
    if fmt == "json":
        click.echo(json.dumps(findings_json(figures, findings, asked), ensure_ascii=False))
    else:
        click.echo(findings_text(findings))


if __name__ == "__main__":
    main()
