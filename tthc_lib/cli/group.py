"""The `tthc` group and what every command shares: options, the workspace, one-line errors,
output formats."""

from __future__ import annotations

import json
import os
import sys
from functools import wraps

import click

from tthc_lib.cli.vietnamese import VietnameseGroup
from tthc_lib.errors import TthcError

PERIOD_HELP = ("Kỳ báo cáo: BẮT_ĐẦU:KẾT_THÚC (2023-01-01:2023-10-30) hoặc 2023-10, 2023-Q3, "
               "2023-H1, 2023, 2023-01:2023-10 (theo lịch của params/report.yaml).")


def expected_errors(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        if os.environ.get("TTHC_DEBUG"):
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except TthcError as exc:
            click.echo("tthc: " + " ".join(str(exc).split()), err=True)   # always one line
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo(f"tthc: {INTERRUPTED} {INTERRUPT_NOTES.get(fn.__name__, NOTHING_WRITTEN)}",
                       err=True)
            _silence_stderr()
            _exit_within(EXIT_GRACE_S, 130)
            sys.exit(130)
    return wrapper


def _silence_stderr() -> None:
    """After the interrupt's one line, the kernels and browsers being shut down (they had
    Ctrl+C too) say nothing more on the terminal."""
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def _exit_within(seconds: float, code: int) -> None:
    """Leave with `code` after `seconds` even if shutting down the kernels, the pool or the
    browser hangs (seen once on a loaded machine): the office asked to stop."""
    import threading

    timer = threading.Timer(seconds, os._exit, args=(code,))
    timer.daemon = True
    timer.start()


EXIT_GRACE_S = 20.0
INTERRUPTED = "đã dừng (Ctrl+C)."
NOTHING_WRITTEN = "Kho dữ liệu giữ nguyên như trước; chạy lại lệnh khi cần."
INTERRUPT_NOTES = {
    "report": ("Kho dữ liệu giữ nguyên như trước (lệnh chỉ đọc kho); báo cáo của các đơn vị "
               "đã xong được giữ, chạy lại lệnh để làm các đơn vị còn lại."),
    "form06": "Kho dữ liệu giữ nguyên như trước; tệp biểu chỉ được ghi khi làm xong.",
}


def workspace_of(obj: dict, say_params: bool = False, **paths):
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


@click.group("tthc", cls=VietnameseGroup, options_metavar="[TÙY CHỌN]",
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


def emit(df, fmt: str, json_obj=None) -> None:
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


def output_file(text: str, option: str = "--out", suffix: str = ".xlsx"):
    """The file an --out names, or one line saying why it cannot be written (empty, a
    folder, a name that is no file's)."""
    from pathlib import Path

    example = f"ví dụ bieu06{suffix}"
    if not text or not text.strip():
        raise TthcError(f"{option} để trống: cần đường dẫn tệp {suffix} ({example}).")
    if "\0" in text:
        raise TthcError(f"{option} {text!r}: tên tệp có ký tự NUL; cần đường dẫn tệp {suffix}.")
    path = Path(text)
    if text.endswith(("/", "\\")) or path.is_dir() or path.name in ("", ".", ".."):
        raise TthcError(f"{option} {text}: là một thư mục, cần đường dẫn tệp {suffix} trong "
                        f"đó ({example}).")
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise TthcError(f"{option} {text}: {blocking} là một tệp, không phải thư mục; cần "
                        f"đường dẫn tệp {suffix} trong một thư mục.")
    return path


def as_of_date(text: str | None):
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
