"""Isolated Dask workers, for the benchmark and the executor tests: a real `dask scheduler` and
`dask worker --nthreads 1` processes, each worker in its own mount namespace with a tmpfs over
the folder that holds the store and the output (it sees neither), working in a folder
elsewhere. With `pin`, each worker is held to a core of its own (`taskset`): one worker is one
core, as a cluster node gives it, so 2 workers against 1 measures what a second core adds,
not what one worker borrows from an idle second core.

Needs root and `unshare` (and `taskset` to pin; util-linux): `available()` says whether they
are here.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import psutil

HIDE = 'mount -t tmpfs tmpfs "$0" && cd "$1" && shift && exec "$@"'


def available(pin: bool = True) -> bool:
    tools = ("unshare", "taskset") if pin else ("unshare",)
    return os.name == "posix" and os.geteuid() == 0 and all(map(shutil.which, tools))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Workers:
    """The cluster's address, and the CPU seconds its processes (kernels included) used."""

    def __init__(self, address: str, processes: list[subprocess.Popen]):
        self.address, self.processes = address, processes  # the scheduler, then the workers
        self._cpu: dict[int, float] = {}

    @property
    def workers(self) -> list[subprocess.Popen]:
        """The worker processes; the i-th is named `isolated-i`."""
        return self.processes[1:]

    def sample(self) -> None:
        """Remember each live process's CPU so far (a kernel's too, before it ends)."""
        for process in self.processes:
            try:
                family = [psutil.Process(process.pid)]
                family += family[0].children(recursive=True)
            except psutil.NoSuchProcess:
                continue
            for member in family:
                try:
                    times = member.cpu_times()
                    self._cpu[member.pid] = (times.user + times.system + times.children_user
                                             + times.children_system)
                except psutil.NoSuchProcess:
                    pass

    @property
    def cpu_s(self) -> float:
        return sum(self._cpu.values())


@contextmanager
def isolated_workers(count: int, hidden: Path, workdir: Path, env: dict, pin: bool = True):
    """`count` isolated workers (pinned, with `pin`) and their scheduler, ended (with their
    kernels) after."""
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or "dask"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    workdir.mkdir(parents=True, exist_ok=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env,
             "cwd": workdir}
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], **quiet)
    cores = os.cpu_count() or 1
    def held(i: int) -> list[str]:
        return ["taskset", "-c", str(i % cores)] if pin else []

    workers = [subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", HIDE, str(hidden),
         str(workdir), *held(i), dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--local-directory", str(workdir),
         "--name", f"isolated-{i}"], **quiet) for i in range(count)]
    cluster = Workers(address, [scheduler, *workers])
    try:
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(count, timeout=120)
        yield cluster
    finally:
        cluster.sample()
        for process in reversed(cluster.processes):
            end(process)


def end(process: subprocess.Popen) -> None:
    """End a process we started and every process below it (its kernels)."""
    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    for member in [process, *family]:
        try:
            member.kill()
        except (psutil.NoSuchProcess, ProcessLookupError):
            pass
    process.wait(timeout=30)
    psutil.wait_procs(family, timeout=30)
