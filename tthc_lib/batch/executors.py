"""Where units run: in this process, in a pool of local processes, or on a Dask cluster.

Every executor maps `worker.run_unit` over unit tasks and yields outcomes as units finish, in
any order; each worker process keeps its warm kernel and browser between units. Executors are
registered by name in EXECUTORS (`--executor local|dask`).
"""

from __future__ import annotations

import os
import queue
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path

from tthc_lib.batch.bundle import Snapshots, run_packed, unpack
from tthc_lib.batch.printing import printed_here
from tthc_lib.batch.state import close_worker_state, warm_up, worker_state
from tthc_lib.batch.tasks import RENDER_STEP, WORKER_LOST, Failure, UnitOutcome, UnitTask, one_line
from tthc_lib.batch.worker import run_unit
from tthc_lib.errors import ReportError

__all__ = [
    "CHUNK_MAX", "EXECUTORS", "DaskExecutor", "Executor", "LocalExecutor", "SerialExecutor",
    "chunk_size", "core_share", "open_executor", "pipelined", "register_executor", "share_cores",
    "worker_plugin",
]


class Executor(ABC):
    """Runs unit tasks; use as a context manager so workers are ended afterwards."""

    name = "base"

    def __init__(self, jobs: int = 1, scheduler: str | None = None):
        self.jobs, self.scheduler = max(1, int(jobs)), scheduler

    @abstractmethod
    def run(self, tasks: list[UnitTask]) -> Iterator[UnitOutcome]:
        """Outcomes of `tasks`, as they finish."""

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SerialExecutor(Executor):
    """Units one after another in this process, with its kernel and browser (kept for the
    process's next batch, ended at exit)."""

    name = "serial"

    def run(self, tasks: list[UnitTask]) -> Iterator[UnitOutcome]:
        for task in tasks:
            yield run_unit(task)


class LocalExecutor(Executor):
    """`jobs` processes on this machine, each with its own kernel (one job: this process).
    They read the store and write the output folder themselves (shared paths), and this
    process prints their PDFs with one browser (printing.py). With `packed`, they get packed
    tasks and print as Dask workers do (benchmarks/README.md › Report batch: on one machine
    that is slower, so it is not the default)."""

    name = "local"

    def __init__(self, jobs: int = 1, scheduler: str | None = None, packed: bool = False):
        super().__init__(jobs, scheduler)
        self.packed = packed
        self._serial = SerialExecutor() if self.jobs == 1 and not packed else None
        self._pool = None

    def run(self, tasks: list[UnitTask]) -> Iterator[UnitOutcome]:
        if self.packed:
            yield from self._run_packed(tasks)
            return
        # One browser for the batch, in this process: the workers write HTML and DOCX.
        yield from printed_here(tasks, self._run_shared, worker_state().printer)

    def _run_packed(self, tasks: list[UnitTask]) -> Iterator[UnitOutcome]:
        pool = self._open_pool()
        yield from pipelined(tasks, lambda shared: shared,
                             lambda packed, shared: pool.submit(run_packed, packed, shared),
                             ahead=2 * self.jobs + 2, size=chunk_size(len(tasks), self.jobs))

    def _run_shared(self, tasks: list[UnitTask]) -> Iterator[UnitOutcome]:
        if self._serial is not None:
            yield from self._serial.run(tasks)
            return
        from concurrent.futures import as_completed

        pool = self._open_pool()
        futures = {pool.submit(run_unit, task): task for task in tasks}
        for future in as_completed(futures):
            yield _outcome(future, futures[future])

    def _open_pool(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if self._pool is None:
            # spawn: a clean interpreter per worker (no copied threads or open sockets).
            self._pool = ProcessPoolExecutor(self.jobs, multiprocessing.get_context("spawn"),
                                             initializer=_init_pool_worker,
                                             initargs=(core_share(self.jobs),))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _outcome(future, task: UnitTask) -> UnitOutcome:
    """The unit's outcome, or its failure when its worker died (killed, out of memory)."""
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a lost worker fails its unit, not the batch
        return _outcome_of_error(exc, task)


def _outcome_of_error(exc: Exception, task: UnitTask) -> UnitOutcome:
    error = one_line(f"{type(exc).__name__}: {exc}")
    return UnitOutcome(task.unit, failure=Failure(task.unit, WORKER_LOST, error, ""))


def _init_pool_worker(threads: int) -> None:
    """Pool processes end with os._exit: a multiprocessing finaliser closes their kernel and
    browser first; and the kernel starts now, while the parent is still planning. Their
    DuckDB (and their kernel's) uses the process's share of the cores."""
    from multiprocessing.util import Finalize

    share_cores(threads)
    Finalize(None, close_worker_state, exitpriority=10)
    warm_up()


def core_share(jobs: int) -> int:
    """The cores each of `jobs` worker processes on this machine may use (at least one)."""
    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def share_cores(threads: int) -> None:
    """This worker process, and the kernel it starts, run DuckDB on `threads` threads, unless
    the user set $TTHC_DUCKDB_THREADS."""
    from tthc_lib.store.connection import THREADS_VARIABLE

    os.environ.setdefault(THREADS_VARIABLE, str(max(1, int(threads))))


class DaskExecutor(Executor):
    """One task per unit on a Dask distributed cluster: the scheduler at `scheduler`, or a
    LocalCluster of `jobs` single-threaded worker processes."""

    name = "dask"

    def __init__(self, jobs: int = 1, scheduler: str | None = None):
        super().__init__(jobs, scheduler)
        self._client = self._cluster = None

    def run(self, tasks: list[UnitTask]) -> Iterator[UnitOutcome]:
        """Each task goes packed with what it reads (bundle.py): the workers need no access to
        the store or the output folder; only this process writes there. The shared files go
        once to every worker (scattered); snapshots are made on a thread ahead of the workers
        while this thread writes what they return."""
        client = self._open_client()
        workers = max(1, len(client.scheduler_info().get("workers", {})))

        def share(shared):
            return client.scatter(shared, broadcast=True, hash=True)

        def submit(packed, shared):
            return client.submit(run_packed, packed, shared, key=_task_key(packed.tasks),
                                 pure=False)

        yield from pipelined(tasks, share, submit, ahead=max(4, 3 * workers),
                             size=chunk_size(len(tasks), workers))

    def _open_client(self):
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask[distributed] is a dependency
            raise ReportError("Cần gói dask[distributed] cho --executor dask "
                              "(pip install 'dask[distributed]').") from None
        if self._client is None:
            if self.scheduler:
                self._client = _connect(Client, self.scheduler)
            else:
                self._cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1,
                                             processes=True, dashboard_address=None)
                self._client = Client(self._cluster)
            self._client.register_plugin(worker_plugin(), name="tthc-worker")
        return self._client

    def close(self) -> None:
        if self._client is not None:
            if self._cluster is None:  # a shared cluster: end our kernels, keep the workers
                self._client.run(close_worker_state)
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None


def _connect(client_class, address: str):
    try:
        return client_class(address, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise ReportError(f"Không kết nối được Dask scheduler {address}: {exc}",
                          scheduler=address) from None


def _calendar(params_dir: str, cache: dict[str, str]) -> str:
    if params_dir not in cache:
        from tthc_lib.content.words.narrative import Settings

        cache[params_dir] = Settings.load(Path(params_dir)).calendar
    return cache[params_dir]


CHUNK_MAX = 8  # units per packed task at most (benchmarks/README.md › Report batch)


def chunk_size(units: int, workers: int) -> int:
    """Units per packed task: as many as keeps at least 4 tasks per worker, at most CHUNK_MAX
    (a task's units share one snapshot, so its kernel computes the figures once for them)."""
    return max(1, min(CHUNK_MAX, -(-units // (4 * max(1, workers)))))


def pipelined(tasks: list[UnitTask], share: Callable, submit: Callable, ahead: int,
              size: int = 1) -> Iterator[UnitOutcome]:
    """Packed tasks of `size` consecutive units (siblings, in the runner's order) run by
    `submit(packed, shared)` (a future with add_done_callback); the units' outcomes as they
    finish, their files written here. A thread makes the snapshots (bundle.Snapshots), at most
    `ahead` packed tasks before the outcomes collected; `share(files)` is how the batch's
    shared files reach the workers (once each)."""
    chunks = [tuple(tasks[i:i + size]) for i in range(0, len(tasks), size)]
    room, done, stop = threading.Semaphore(ahead), queue.Queue(), threading.Event()
    maker = threading.Thread(target=_make_tasks, args=(chunks, share, submit, room, done, stop),
                             name="tthc-snapshots", daemon=True)
    maker.start()
    try:
        for _ in chunks:
            chunk, future, error = done.get()
            room.release()
            yield from _collected(chunk, future, error)
    finally:
        stop.set()
        room.release()
        maker.join()


def _make_tasks(chunks, share, submit, room, done, stop) -> None:
    batches: dict[tuple, tuple] = {}  # (store, period, params, notebooks) -> snapshots, shared
    try:
        for chunk in chunks:
            room.acquire()
            if stop.is_set():
                return
            try:
                task = chunk[0]
                request = task.request
                key = (request.db, request.period, request.params_dir, task.notebooks)
                if key not in batches:
                    snapshots = Snapshots(request.db, request.period,
                                          _calendar(str(request.params_dir), {}))
                    batches[key] = (snapshots, share(snapshots.shared(request.params_dir,
                                                                      task.notebooks)))
                snapshots, shared = batches[key]
                future = submit(snapshots.pack(list(chunk)), shared)
                future.add_done_callback(lambda f, c=chunk: done.put((c, f, None)))
            except Exception as exc:  # noqa: BLE001 - e.g. the store is unreadable: the units'
                done.put((chunk, None, exc))
    finally:
        for snapshots, _ in batches.values():
            snapshots.close()


def _collected(chunk: tuple[UnitTask, ...], future,
               error: Exception | None) -> list[UnitOutcome]:
    """The units' outcomes with their files written here; their failures when they could not
    be packed, their worker was lost (killed more often than the scheduler retries), or their
    files cannot be written (e.g. the disk is full)."""
    if error is None:
        try:
            packed = future.result()
        except Exception as exc:  # noqa: BLE001 - a lost worker fails its units, not the batch
            return [_outcome_of_error(exc, task) for task in chunk]
        finally:
            if hasattr(future, "release"):
                future.release()
        try:
            return unpack(packed, chunk)
        except Exception as exc:  # noqa: BLE001 - those units' failure
            error = exc
    return [UnitOutcome(task.unit, failure=Failure(
        task.unit, RENDER_STEP, one_line(f"{type(error).__name__}: {error}"), ""))
        for task in chunk]


def _task_key(tasks: tuple[UnitTask, ...]) -> str:
    """`tthc-units-U1+U2+...-START_END`, unique in a batch."""
    first = tasks[0]
    return (f"tthc-units-{'+'.join(t.unit for t in tasks)}-"
            f"{first.period.start}_{first.period.end}")


def worker_plugin():
    """A Dask worker plugin: the worker's DuckDB and kernel use as many threads as the worker
    has (`--nthreads`); its kernel and browser end when the worker leaves (each worker starts
    its kernel with its first unit)."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class TthcWorkerPlugin(WorkerPlugin):
        idempotent = True

        def setup(self, worker) -> None:
            share_cores(worker.state.nthreads)  # before its kernel starts, with its first unit

        def teardown(self, worker) -> None:
            close_worker_state()

    return TthcWorkerPlugin()


EXECUTORS: dict[str, Callable[..., Executor]] = {}


def register_executor(name: str, factory: Callable[..., Executor]) -> None:
    EXECUTORS[name] = factory


def open_executor(name: str, jobs: int = 1, scheduler: str | None = None) -> Executor:
    """The executor registered as `name` (`local`, `dask`)."""
    if name not in EXECUTORS:
        raise ReportError(f"Không có cách chạy {name!r} (có: {', '.join(sorted(EXECUTORS))}).")
    return EXECUTORS[name](jobs=jobs, scheduler=scheduler)


register_executor("local", LocalExecutor)
register_executor("dask", DaskExecutor)
