"""The `tthc` program's entry: a Ctrl+C while the command line is still being imported (a
second or two on a busy machine) ends with the same one line as one during a command."""

import sys

__all__ = ["run"]


def run() -> None:
    try:
        from tthc_lib.cli.app import main
    except KeyboardInterrupt:
        print("tthc: đã dừng (Ctrl+C). Kho dữ liệu giữ nguyên như trước; chạy lại lệnh khi "
              "cần.", file=sys.stderr)
        sys.exit(130)
    main(prog_name="tthc")
