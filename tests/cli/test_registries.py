"""The command line's choices come from the registries: a registered executor is one entry."""

from __future__ import annotations

import click

from tthc_lib.batch.executors import EXECUTORS, SerialExecutor, register_executor
from tthc_lib.cli.reports import report


def _executor_option() -> click.Option:
    return next(p for p in report.params if p.name == "executor")


def test_executor_choices_are_the_registry():
    assert list(_executor_option().type.choices) == ["dask", "local"]


def test_a_registered_executor_is_a_choice_of_report():
    register_executor("toy", SerialExecutor)
    try:
        option = _executor_option()
        assert "toy" in option.type.choices
        assert option.type.convert("toy", option, None) == "toy"
    finally:
        del EXECUTORS["toy"]
    assert "toy" not in _executor_option().type.choices
