"""`python -m tthc_lib.cli`: the `tthc` command line."""

from tthc_lib.cli import main

main(prog_name="tthc")
