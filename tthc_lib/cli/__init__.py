"""The `tthc` command line (app.py builds it). The package itself imports nothing heavy, so a
Ctrl+C while `python -m tthc_lib.cli` starts is answered by entry.py with one line."""


def __getattr__(name: str):
    if name == "main":                       # `from tthc_lib.cli import main`
        from tthc_lib.cli.app import main

        return main
    raise AttributeError(f"module 'tthc_lib.cli' has no attribute {name!r}")
