"""The exceptions of tthc_lib. Expected errors are TthcError; the CLI prints their message
on one line and exits 1. Anything else is a bug and keeps its traceback.

TthcError
├── InputError        a file that cannot be read as an export (file, expected)
├── PeriodError       a period string of no form of docs/interfaces.md § Periods
├── StoreError        the store cannot be opened or written (locked, unwritable, full)
├── UnitError         a unit code not in the registry
├── ReportError       a report could not be rendered (unit, section, path)
└── SampleError       a sample city spec that cannot be generated (tthc sample)
"""

from __future__ import annotations

__all__ = ["InputError", "PeriodError", "ReportError", "SampleError", "StoreError", "TthcError",
           "UnitError", "expected_error_names"]


class TthcError(Exception):
    """An expected error: its message is one clear line for the user."""

    def __init__(self, message: str, **attrs):
        super().__init__(message)
        self.message = message
        self.attrs = attrs
        for key, value in attrs.items():
            setattr(self, key, value)

    def __reduce__(self):  # picklable across processes (Dask workers)
        return (_rebuild, (type(self), self.message, self.attrs))

    def __str__(self) -> str:
        return self.message


def _rebuild(cls, message, attrs):
    return cls(message, **attrs)


class InputError(TthcError):
    """A file refused whole: not a table, no recognisable header, undecodable."""


class PeriodError(TthcError):
    """A period that is not START:END or a shorthand."""


class StoreError(TthcError):
    """The store cannot be opened or written."""


class UnitError(TthcError):
    """A unit code not in the registry."""


class ReportError(TthcError):
    """A report could not be rendered."""


class SampleError(TthcError):
    """A sample city spec that cannot be generated: unreadable, missing a key, inconsistent."""


def expected_error_names() -> set[str]:
    """The class names of every expected error, as a notebook's traceback names them."""
    found, todo = set(), [TthcError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found
