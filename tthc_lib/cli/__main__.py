"""`python -m tthc_lib.cli`: the `tthc` command line."""

from tthc_lib.cli.entry import run

run()
