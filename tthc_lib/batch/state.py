"""A worker process's long-lived parts: its warm kernel session and its PDF printer.

A worker process (the main process for one job, a pool process, or a Dask worker) keeps them
in `worker_state()` between units (and batches); `close_worker_state()` ends them, at exit at
the latest. The papermill engine `tthc` (batch/engine.py) runs notebooks in this kernel.
"""

from __future__ import annotations

import atexit
import threading

__all__ = ["close_worker_state", "warm_up", "worker_state"]


class WorkerState:
    """A worker's kernel session and PDF printer, opened on first use."""

    def __init__(self) -> None:
        self._session = self._printer = None

    @property
    def session(self):
        if self._session is None:
            from tthc_lib.batch.kernels import KernelSession

            self._session = KernelSession()
        return self._session

    @property
    def printer(self):
        if self._printer is None:
            from tthc_lib.render.pdf import open_printer

            self._printer = open_printer()
        return self._printer

    def close(self) -> None:
        for part in (self._session, self._printer):
            if part is not None:
                part.close()
        self._session = self._printer = None


_state: dict[str, WorkerState] = {}
_state_lock = threading.Lock()


def worker_state() -> WorkerState:
    """This process's worker state, made on first use."""
    with _state_lock:
        if "state" not in _state:
            _state["state"] = WorkerState()
        return _state["state"]


@atexit.register
def close_worker_state() -> None:
    """End this process's kernel and browser, if any."""
    with _state_lock:
        state = _state.pop("state", None)
    if state is not None:
        state.close()


def warm_up() -> None:
    """Start this worker's kernel now, so the first unit does not pay for it."""
    worker_state().session.start()
