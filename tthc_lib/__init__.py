"""tthc-report: báo cáo cải cách thủ tục hành chính from one-stop exports."""

__version__ = "0.1.0"


def _defer_rfc3987_syntax() -> None:
    """Import `rfc3987_syntax` only when something checks an IRI with it.

    jsonschema (imported by nbformat, so by every batch process and kernel that touches a
    notebook) imports it at once if installed (jupyterlab's jupyter-events installs it), and
    its import builds an Earley parser of RFC 3987: about 2.5 s of CPU per process, more than
    a unit's whole report. jsonschema only needs `is_valid_syntax` for its "iri" format
    checks, which nbformat never asks for: a stand-in module provides that name and imports
    the real module on the first call, so any IRI check still gets the real answer.
    """
    import importlib
    import importlib.util
    import sys
    import types

    name = "rfc3987_syntax"
    if name in sys.modules or importlib.util.find_spec(name) is None:
        return
    stand_in = types.ModuleType(name, "Stand-in until first use (tthc_lib/__init__.py).")

    def is_valid_syntax(term, value):
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return importlib.import_module(name).is_valid_syntax(term, value)

    stand_in.is_valid_syntax = is_valid_syntax
    sys.modules[name] = stand_in


_defer_rfc3987_syntax()
