"""Commands that make and check reports: report, preview, form06, check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tthc_lib.cli.group import (
    NOTEBOOKS,
    PARAMS,
    PERIOD,
    PERIOD_HELP,
    expected_errors,
    main,
    output_file,
    workspace_of,
)
from tthc_lib.errors import TthcError
from tthc_lib.render.formats import DEFAULT_FORMATS, format_names


class RegisteredChoice(click.Choice):
    """A choice among the names of a registry, read when first needed (the registry's module
    is heavy: a command that does not use the option does not import it)."""

    def __init__(self, names, builtin: tuple[str, ...] = ()) -> None:
        self._names = names
        self._builtin = builtin          # always registered: accepted without the import
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(self._names())

    def convert(self, value, param, ctx):
        if value in self._builtin:       # the default: a no-op re-run imports no executor
            return value
        return super().convert(value, param, ctx)


def _executor_names() -> list[str]:
    from tthc_lib.batch.executors import EXECUTORS

    return sorted(EXECUTORS)


@main.command()
@PERIOD
@click.option("--unit", "units", multiple=True, help="Mã đơn vị (lặp lại được), hoặc 'all'.")
@click.option("--to", "to", default=",".join(DEFAULT_FORMATS), show_default=True,
              help=f"{', '.join(format_names())} (cách nhau dấu phẩy).")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(1, 256),
              help="Số tiến trình chạy song song (với dask: số worker của LocalCluster).")
@click.option("--executor", type=RegisteredChoice(_executor_names, builtin=("local",)),
              default="local",
              show_default=True)
@click.option("--scheduler", default=None, help="Địa chỉ Dask scheduler (mặc định: LocalCluster).")
@click.option("--force", is_flag=True, help="Chạy lại mọi đơn vị, kể cả khi không có gì thay đổi.")
@click.option("--retry-failed", is_flag=True, help="Chỉ chạy lại các đơn vị bị lỗi ở lần chạy trước.")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Thư mục kết quả (mặc định: outputs/ của thư mục làm việc).")
@PARAMS
@NOTEBOOKS
@click.pass_obj
@expected_errors
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
    from tthc_lib.content.request import report_request
    from tthc_lib.periods import check_reportable

    formats = tuple(f.strip() for f in to.split(",") if f.strip())
    bad = sorted(set(formats) - set(format_names()))
    if bad:
        raise click.UsageError(f"--to: không hỗ trợ {', '.join(bad)} "
                               f"(dùng {', '.join(format_names())})")
    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler chỉ dùng với --executor dask")
    ws = workspace_of(obj, True, params=params_dir, notebooks=notebooks_dir, out=out_dir)
    p = check_reportable(ws.period(period))
    _narrative_skeleton(ws, p)
    request = report_request("", p, ws.db, ws.params, formats)  # the unit: each of the batch
    summary = render_reports(request, list(units) or None, ws.out, notebooks_dir=ws.notebooks,
                             progress=Progress(0), jobs=jobs, executor=executor,
                             scheduler=scheduler, force=force, retry_failed=retry_failed)
    from tthc_lib.content.words.findings import finding_lines

    for line in finding_lines(summary.findings):
        click.echo(f"Cần xem lại: {line}", err=True)
    if summary.failures:
        click.echo(f"{len(summary.failures)} đơn vị lỗi (đơn vị | mục | lỗi | notebook):\n"
                   + "\n".join(f"  {_shown(f.unit)} | {f.where} | {f.error} | {f.path}"
                                for f in summary.failures), err=True)
    click.echo(summary.index)
    if summary.failures:
        sys.exit(1)


def _shown(unit: str) -> str:
    """A unit code on one line of the terminal: as it is, or quoted with escapes when it holds
    characters that cannot be seen (a line break, a control character)."""
    return unit if unit.isprintable() else repr(unit)


def _narrative_skeleton(ws, period) -> None:
    """Inside a workspace, the period's narrative file with every key empty when it has none
    yet, so that the report's "Chưa có lời văn" notes point at a file ready to fill."""
    if ws.root is None:
        return
    from tthc_lib.content.words.narrative import Settings, narrative_path
    from tthc_lib.workspace.skeleton import narrative_skeleton

    path = narrative_path(ws.params, period.start, period.end)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(narrative_skeleton(period, Settings.load(ws.params).calendar),
                    encoding="utf-8")
    shown = path.relative_to(ws.root) if path.is_relative_to(ws.root) else path
    click.echo(f"Đã tạo tệp lời văn của kỳ (các mục để trống): {shown}", err=True)


@main.command()
@click.option("--unit", required=True, help="Mã đơn vị.")
@PERIOD
@click.option("--port", default=8800, show_default=True, type=click.IntRange(0, 65535),
              help="Cổng trên 127.0.0.1 (0: một cổng còn trống).")
@click.option("--no-open", is_flag=True, help="Không mở trình duyệt.")
@PARAMS
@NOTEBOOKS
@click.pass_obj
@expected_errors
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

    ws = workspace_of(obj, True, params=params_dir, notebooks=notebooks_dir)
    p = check_reportable(ws.period(period))
    _narrative_skeleton(ws, p)
    if ws.db.exists():
        from tthc_lib.batch.runner import refuse_inactive

        refuse_inactive(ws.db, [unit], p.end, check=True)
    serve(ws, unit, p, port=port, open_browser=not no_open,
          announce=lambda url: click.echo(f"Xem báo cáo tại {url} (Ctrl+C để dừng)"))


@main.command()
@PERIOD
@click.option("--unit", default=None, help="Mã đơn vị (mặc định: đơn vị không có cấp trên).")
@click.option("--scope", type=click.Choice(["unit", "departments", "districts", "communes",
                                            "total"]), default=None,
              help="Mặc định: như phụ lục của báo cáo (total cho đơn vị có đơn vị trực thuộc, "
                   "unit cho đơn vị khác). unit: hồ sơ của chính đơn vị; departments: của các "
                   "sở, ban, ngành; districts: của cấp huyện trực thuộc; communes: của cấp xã "
                   "trực thuộc; total: của đơn vị và mọi đơn vị trực thuộc (sở, ban, ngành, "
                   "cấp huyện, cấp xã).")
@click.option("--out", "out_file", required=True,
              help="Tệp .xlsx ghi biểu mẫu.")
@PARAMS
@click.pass_obj
@expected_errors
def form06(obj: dict, period: str, unit: str | None, scope: str | None, out_file: str,
           params_dir: str | None) -> None:
    """Xuất Biểu số 06/VPCP/KSTT (tình hình, kết quả giải quyết TTHC theo lĩnh vực) ra .xlsx.

    In đường dẫn tệp đã ghi; dòng nào sai đẳng thức của biểu được báo trên stderr.

    \b
    Ví dụ:  tthc form06 --period 2023-Q3 --scope total --out bieu06.xlsx
    """
    from tthc_lib.content.check.reconcile import root_unit
    from tthc_lib.content.forms.form06 import (
        annex_scope,
        check_form06,
        form06_frame,
    )
    from tthc_lib.content.forms.workbook import form06_meta, write_form06_xlsx
    from tthc_lib.content.words.narrative import Settings
    from tthc_lib.periods import label_vi
    from tthc_lib.store.connection import open_store
    from tthc_lib.store.structure import has_units_below

    out = output_file(out_file)
    ws = workspace_of(obj, params=params_dir)
    settings = Settings.load(ws.params)
    p = ws.period(period)
    with open_store(ws.db, read_only=True) as con:
        code = root_unit(con, unit, p.end)
        scope = scope or annex_scope(has_units_below(con, code, p.end))
        frame = form06_frame(con, p.start, p.end, code, scope)
        meta = form06_meta(con, p.start, p.end, code, label_vi(p, settings.calendar),
                           settings.report.get("reports_to"))
    for finding in check_form06(frame):
        click.echo(f"Cần xem lại: {finding['message']}", err=True)
    click.echo(str(write_form06_xlsx(frame, out, meta)))


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
@expected_errors
def check(obj: dict, period: str | None, figures_file: str, unit: str | None, no_data: bool,
          fmt: str, params_dir: str | None) -> None:
    """Đối chiếu các số liệu đã in với phép tính của chính chúng và với kho dữ liệu.

    Mỗi chênh lệch một dòng (số in, số đúng, loại); mã thoát 0 khi kiểm tra xong, dù có
    chênh lệch hay không; 1 khi không đọc được tệp số liệu, kho dữ liệu hoặc kỳ báo cáo.

    \b
    Ví dụ:  tthc check --figures so_lieu_da_in.yaml --period 2023-01-01:2023-10-30
    """
    from contextlib import nullcontext

    from tthc_lib.content.check.reconcile import (
        check_figures,
        findings_json,
        findings_text,
        load_figures,
    )
    from tthc_lib.store.connection import open_store

    ws = workspace_of(obj, params=params_dir)
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
