"""Executors: a pool of local processes and a real Dask LocalCluster run the same batch, a
failure on a worker stays that unit's, and the registry names them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.batch import ran
from helpers.paths import benchmark_module

from tthc_lib.batch.executors import EXECUTORS, DaskExecutor, LocalExecutor, open_executor
from tthc_lib.errors import ReportError
from tthc_lib.store.connection import THREADS_VARIABLE


def test_registry_names_local_and_dask():
    assert isinstance(open_executor("local", jobs=2), LocalExecutor)
    assert isinstance(open_executor("dask"), DaskExecutor)
    assert {"local", "dask"} <= set(EXECUTORS)
    with pytest.raises(ReportError, match="Không có cách chạy 'ray'"):
        open_executor("ray")


def test_two_local_processes(batch):
    (batch.params / "broken_units.txt").write_text("W1\n", encoding="utf-8")
    summary = batch.run(jobs=2)
    assert ran(summary) == {"C": 2, "W1": 2, "W2": 2}
    assert [(f.unit, f.section) for f in summary.failures] == [("W1", "01_maybe_broken")]
    assert batch.path("html", "W2").is_file() and batch.path("html", "C").is_file()


def test_dask_local_cluster_runs_units_and_reruns_nothing(batch):
    summary = batch.run(units=["W1", "W2"], executor="dask", jobs=2)
    assert summary.failures == []
    assert ran(summary) == {"W1": 2, "W2": 2}
    for unit, name in (("W1", "phường A"), ("W2", "xã B")):
        assert f"tại {name}" in batch.path("html", unit).read_text(encoding="utf-8")
        assert batch.path("notebook", unit, "01_maybe_broken").is_file()
    assert ran(batch.run(units=["W1", "W2"], executor="dask", jobs=2)) == {}


def test_dask_unreachable_scheduler_is_one_clear_error(batch):
    with pytest.raises(ReportError, match="Không kết nối được Dask scheduler"):
        batch.run(units=["W1"], executor="dask", scheduler="tcp://127.0.0.1:1")


# ---- isolated workers: real `dask scheduler` and `dask worker` processes that cannot see the
# client's store, params, notebooks or output folder (a tmpfs over that folder in each
# worker's own mount namespace), working in a folder elsewhere.

cluster = benchmark_module("cluster")  # the benchmark's isolated workers, tested here
ISOLATING = cluster.available(pin=False)


@pytest.fixture
def isolated(batch, tmp_path_factory):
    """The batch fixture and a cluster of two isolated workers (not pinned: the tests want
    no particular core)."""
    workdir = tmp_path_factory.mktemp("dask-elsewhere")
    with cluster.isolated_workers(2, batch.db.parent, workdir, dict(os.environ),
                                  pin=False) as workers:
        yield batch, workers


@pytest.mark.skipif(not ISOLATING, reason="needs root and unshare for mount namespaces")
def test_isolated_workers_need_nothing_but_the_task(isolated):
    batch, cluster = isolated
    from distributed import Client

    with Client(cluster.address, timeout="30s") as client:
        seen = client.run(os.path.exists, str(batch.db))
        assert len(seen) == 2 and not any(seen.values())  # the workers cannot see the store
        assert not any(client.run(os.path.exists, str(batch.params)).values())
    (batch.params / "broken_units.txt").write_text("W2\n", encoding="utf-8")
    summary = batch.run(executor="dask", scheduler=cluster.address, to=("html", "pdf"))
    assert ran(summary) == {"C": 2, "W1": 2, "W2": 2}
    with Client(cluster.address, timeout="30s") as client:  # --nthreads 1: DuckDB on one
        assert set(client.run(os.getenv, THREADS_VARIABLE).values()) == {"1"}
    [failure] = summary.failures
    assert (failure.unit, failure.section) == ("W2", "01_maybe_broken")
    assert failure.error == "RuntimeError: mục hỏng cho đơn vị W2"
    assert failure.path == str(batch.path("notebook", "W2", "01_maybe_broken"))
    assert "An Exception was encountered" in Path(failure.path).read_text(encoding="utf-8")
    assert "tại thành phố X" in batch.path("html", "C").read_text(encoding="utf-8")
    assert "tại phường A" in batch.path("html", "W1").read_text(encoding="utf-8")
    assert batch.path("pdf", "W1").read_bytes().startswith(b"%PDF")
    index = batch.path("index").read_text(encoding="utf-8")
    assert 'href="W1.html"' in index and 'href="W2.html"' not in index
    (batch.params / "broken_units.txt").unlink()
    again = batch.run(executor="dask", scheduler=cluster.address, to=("html", "pdf"),
                      retry_failed=True)
    assert ran(again) == {"W2": 1} and again.failures == []  # its first section is reused


@pytest.mark.skipif(not ISOLATING, reason="needs root and unshare for mount namespaces")
def test_a_report_from_a_snapshot_is_the_report_from_the_store(isolated):
    batch, cluster = isolated
    local = batch.run(to=("html",))
    shared = {u: batch.path("html", u).read_bytes() for u in ("C", "W1", "W2")}
    assert local.failures == []
    summary = batch.run(executor="dask", scheduler=cluster.address, to=("html",), force=True)
    assert summary.failures == []
    assert {u: batch.path("html", u).read_bytes() for u in shared} == shared


class _KillBusiest:
    """A progress display that, when the first unit is done, kills the worker (and its kernel
    and browser) that is running the most units at that moment, and notes which units those
    were (the scheduler's view, through a second client)."""

    def __init__(self, cluster):  # benchmarks/cluster.py Workers
        self.cluster, self.total, self.done = cluster, 0, 0
        self.lost: set[str] = set()

    def advance(self, failed: bool = False, skipped: bool = False) -> None:
        self.done += 1
        if self.done != 1:
            return
        from distributed import Client

        with Client(self.cluster.address, timeout="30s") as client:
            names = {address: info["name"]
                     for address, info in client.scheduler_info()["workers"].items()}
            busy = client.processing()
        address = max(busy, key=lambda a: len(busy[a]))
        self.lost = {unit for key in busy[address] for unit in _units_of(key)}
        cluster.end(self.cluster.workers[int(str(names[address]).rsplit("-", 1)[1])])

    def finish(self) -> None:
        pass


def _units_of(key) -> list[str]:
    """The units of a task key `tthc-units-U1+U2-START_END` (executors._task_key)."""
    return str(key).removeprefix("tthc-units-").rsplit("-", 5)[0].split("+")


def _whole_report(path: Path, name: str) -> bool:
    text = path.read_text(encoding="utf-8")
    return text.rstrip().endswith("</html>") and f"tại {name}" in text


@pytest.mark.skipif(not ISOLATING, reason="needs root and unshare for mount namespaces")
def test_a_worker_killed_mid_batch_loses_no_unit_and_half_writes_nothing(isolated):
    batch, cluster = isolated
    import nbformat

    from tthc_lib.batch.manifest import Manifest
    from tthc_lib.store.connection import connect

    con = connect(batch.db)
    for i in range(3, 9):
        con.execute("INSERT INTO units (unit_code, unit_name, kind, level, parent_code) "
                    f"VALUES ('W{i}', 'Phường {i}', 'Phường', 'commune', 'C')")
    con.close()
    names = {"C": "thành phố X", "W1": "phường A", "W2": "xã B",
             **{f"W{i}": f"phường {i}" for i in range(3, 9)}}
    killer = _KillBusiest(cluster)
    summary = batch.run(executor="dask", scheduler=cluster.address, progress=killer)
    # The killed worker was running units, and each of them was re-run on the other worker
    # or reported as lost: none is missing from the summary.
    assert killer.lost and killer.lost <= set(names)
    assert sorted(o.unit for o in summary.outcomes) == sorted(names)
    failed = {f.unit: f for f in summary.failures}
    assert set(failed) <= killer.lost
    assert all(f.section == "(worker)" and f.error for f in failed.values())
    # Nothing half-written: every report is whole, every executed notebook reads, no
    # temporary file is left, and the manifest and the index say what the folder holds.
    assert not [p for p in batch.out.rglob("*") if p.name.endswith(".part")]
    manifest = Manifest.load(batch.path("period_dir"))
    index = batch.path("index").read_text(encoding="utf-8")
    for unit, name in names.items():
        record = manifest.get(unit)
        if unit in failed:
            assert record.status == "failed" and not batch.path("html", unit).exists()
            assert f'href="{unit}.html"' not in index
            continue
        assert record.status == "ok" and record.html == f"{unit}.html"
        assert _whole_report(batch.path("html", unit), name)
        assert f'href="{unit}.html"' in index
        for section in ("00_header", "01_maybe_broken"):
            nbformat.validate(nbformat.read(batch.path("notebook", unit, section), 4))
    again = batch.run(executor="dask", scheduler=cluster.address, retry_failed=True)
    assert again.failures == [] and {o.unit for o in again.outcomes} == set(failed)
    assert all(_whole_report(batch.path("html", u), n) for u, n in names.items())
