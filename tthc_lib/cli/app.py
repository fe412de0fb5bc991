"""The `tthc` command line, built: parse, find the workspace, call one library function, print.

Expected errors (TthcError) print one line on stderr and exit 1; usage errors exit 2 (click).
TTHC_DEBUG=1 lets every error through with its traceback. Inside a workspace every command
uses its params, notebooks and store (workspace.find), and the office's calendar.
"""

from tthc_lib.cli import data, reports  # noqa: F401  (registers the commands on `main`)
from tthc_lib.cli.group import main
from tthc_lib.cli.vietnamese import use_vietnamese

use_vietnamese()

__all__ = ["main"]
