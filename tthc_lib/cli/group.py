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
