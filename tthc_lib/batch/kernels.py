"""One warm Python kernel that runs section notebooks one after another.

Starting a kernel and importing pandas, matplotlib and tthc_lib costs about 1.5 s; a section
notebook itself runs in tenths of a second. So a worker starts its kernel once, imports the
library there once, and runs each notebook in a fresh namespace (`%reset -f`, figures closed,
working folder set): sections stay isolated from each other while imports and the per-kernel
indicator cache (`sections.context`) stay warm.

All kernel traffic happens on one thread owned by the session (zmq sockets and nbclient's event
loop belong to the thread that made them), so a session can be used from any thread.
"""

from __future__ import annotations

import atexit
import os
import queue
import shutil
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path

import nbformat

KERNEL_NAME = "python3"
# Run once when the kernel starts: the imports every section needs.
WARM_UP = (
    "import matplotlib\n"
    "import pandas\n"
    "import tthc_lib.content.sections\n"
    "import tthc_lib.batch.kernels\n"
)
# Run before each notebook (in the kernel): see fresh_namespace.
FRESH_NAMESPACE = ("__import__('tthc_lib.batch.kernels', fromlist=['fresh_namespace'])"
                   ".fresh_namespace({cwd!r})")
STARTUP_TIMEOUT = 120
# Kernel command-line options: no IPython history database. Every IPython process shares one
# SQLite file and commits each cell to it; two workers' kernels then wait on each other's
# writes (about 20 % of a notebook's overhead with two kernels at once). Nothing here reads
# the history: outputs and execution counts do not depend on it.
KERNEL_ARGS = ("--HistoryManager.enabled=False",)


class KernelSession:
    """A kernel started once; `execute(nb_man, cwd)` runs papermill's managed notebook in a
    fresh namespace (papermill's client marks a failing cell and stops there). A kernel that
    died is started anew for the next notebook."""

    def __init__(self, kernel_name: str = KERNEL_NAME, warm_up: str = WARM_UP):
        self.kernel_name, self.warm_up = kernel_name, warm_up
        self._km = self._kc = None
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="tthc-kernel", daemon=True)
        self._thread.start()

    def execute(self, nb_man, cwd: Path, **options) -> nbformat.NotebookNode:
        """Execute papermill's managed notebook `nb_man` here; `options` go to papermill's
        notebook client (timeout, log_output, stdout_file, stderr_file)."""
        return self._call(self._execute, nb_man, Path(cwd), options)

    def start(self) -> None:
        """Start the kernel now (otherwise on first use)."""
        self._call(self._ensure_kernel)

    def close(self) -> None:
        if self._thread.is_alive():
            self._call(self._shutdown)
            self._jobs.put(None)
            self._thread.join(timeout=10)

    def __enter__(self) -> KernelSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- on the session thread

    def _call(self, function, *args):
        future: Future = Future()
        self._jobs.put((future, function, args))
        return future.result()

    def _serve(self) -> None:
        from jupyter_core.utils import ensure_event_loop

        ensure_event_loop()
        while (job := self._jobs.get()) is not None:
            future, function, args = job
            try:
                future.set_result(function(*args))
            except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
                future.set_exception(exc)

    def _ensure_kernel(self) -> None:
        from jupyter_client.manager import KernelManager

        if self._km is not None and self._km.is_alive():
            return
        self._shutdown()
        km = KernelManager(kernel_name=self.kernel_name, **_transport())
        km.start_kernel(extra_arguments=list(KERNEL_ARGS))
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
            self._km, self._kc = km, kc
            self._execute_quietly(self.warm_up)
        except BaseException:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            self._km = self._kc = None
            raise

    def _execute_quietly(self, code: str) -> None:
        reply = self._kc.execute_interactive(code, store_history=False, timeout=STARTUP_TIMEOUT,
                                             output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise RuntimeError(f"kernel set-up failed: {content.get('ename')}: "
                               f"{content.get('evalue')}")

    def _execute(self, nb_man, cwd: Path, options: dict) -> nbformat.NotebookNode:
        import logging

        from nbclient.exceptions import DeadKernelError
        from papermill.clientwrap import PapermillNotebookClient

        self._ensure_kernel()
        self._execute_quietly(FRESH_NAMESPACE.format(cwd=str(cwd)))
        client = PapermillNotebookClient(nb_man, km=self._km, kernel_name=self.kernel_name,
                                         resources={"metadata": {"path": str(cwd)}},
                                         log=logging.getLogger("papermill"), **options)
        client.kc = self._async_client()
        try:
            return client.execute()
        except DeadKernelError:
            self._shutdown()  # the next notebook gets a new kernel
            raise

    def _async_client(self):
        """nbclient talks to the kernel through an asyncio client of its own."""
        from jupyter_client.asynchronous import AsyncKernelClient

        if getattr(self, "_akc_for", None) is not self._km:
            akc = AsyncKernelClient()
            akc.load_connection_info(self._km.get_connection_info())
            akc.start_channels()
            self._akc, self._akc_for = akc, self._km
        return self._akc

    def _shutdown(self) -> None:
        akc, self._akc_for = getattr(self, "_akc", None), None
        if akc is not None:
            akc.stop_channels()
            self._akc = None
        if self._kc is not None:
            self._kc.stop_channels()
        if self._km is not None:
            try:
                self._km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001 - a dead kernel needs no shutdown
                pass
        self._km = self._kc = None


def fresh_namespace(cwd: str) -> None:
    """In the kernel: forget every variable of the last notebook and its output history,
    close its figures, and move to `cwd`. Like `%reset -f` without its full garbage
    collection (0.1-0.2 s a notebook); imported modules stay, as with %reset."""
    import matplotlib.pyplot as plt
    from IPython import get_ipython

    shell = get_ipython()
    hidden = shell.user_ns_hidden
    for name in [n for n in shell.user_ns if n not in hidden]:
        del shell.user_ns[name]
    shell.history_manager.output_hist.clear()
    shell.user_ns.update({"_": "", "__": "", "___": ""})
    plt.close("all")
    os.chdir(cwd)


def _transport() -> dict:
    """IPC sockets on POSIX (no TCP port to find, nothing listening on the network), in a
    private folder: sessions of several workers on one machine never share a socket."""
    if os.name != "posix":
        return {"transport": "tcp"}
    folder = tempfile.mkdtemp(prefix="tthc-kernel-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return {"transport": "ipc", "ip": os.path.join(folder, "k")}
