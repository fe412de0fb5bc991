"""Executors: a pool of local processes and a real Dask LocalCluster run the same batch, a
failure on a worker stays that unit's, and the registry names them."""

from __future__ import annotations

import pytest
from test_runner import _ran, batch  # noqa: F401 - the batch fixture

from tthc_lib.batch.executors import EXECUTORS, DaskExecutor, LocalExecutor, open_executor
from tthc_lib.errors import ReportError


def test_registry_names_local_and_dask():
    assert isinstance(open_executor("local", jobs=2), LocalExecutor)
    assert isinstance(open_executor("dask"), DaskExecutor)
    assert {"local", "dask"} <= set(EXECUTORS)
    with pytest.raises(ReportError, match="Không có cách chạy 'ray'"):
        open_executor("ray")


def test_two_local_processes(batch):  # noqa: F811
    (batch.params / "broken_units.txt").write_text("W1\n", encoding="utf-8")
    summary = batch.run(jobs=2)
    assert _ran(summary) == {"C": 2, "W1": 2, "W2": 2}
    assert [(f.unit, f.section) for f in summary.failures] == [("W1", "01_maybe_broken")]
    assert batch.path("html", "W2").is_file() and batch.path("html", "C").is_file()


def test_dask_local_cluster_runs_units_and_reruns_nothing(batch):  # noqa: F811
    summary = batch.run(units=["W1", "W2"], executor="dask", jobs=2)
    assert summary.failures == []
    assert _ran(summary) == {"W1": 2, "W2": 2}
    for unit, name in (("W1", "phường A"), ("W2", "xã B")):
        assert f"tại {name}" in batch.path("html", unit).read_text(encoding="utf-8")
        assert batch.path("notebook", unit, "01_maybe_broken").is_file()
    assert _ran(batch.run(units=["W1", "W2"], executor="dask", jobs=2)) == {}


def test_dask_unreachable_scheduler_is_one_clear_error(batch):  # noqa: F811
    with pytest.raises(ReportError, match="Không kết nối được Dask scheduler"):
        batch.run(units=["W1"], executor="dask", scheduler="tcp://127.0.0.1:1")
