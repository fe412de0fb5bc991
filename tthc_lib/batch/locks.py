"""One run at a time per output folder: an OS file lock, released even when a run is killed.

A second `tthc report` on the same period folder stops at once with a clear message instead
of interleaving with the first (the lock file names the process holding it).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from tthc_lib.errors import ReportError

LOCK_NAME = ".tthc-report.lock"


@contextmanager
def output_lock(folder: Path):
    """Hold the lock of `folder` for the block, or raise ReportError if another run has it."""
    folder = Path(folder)
    path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"Không tạo được thư mục báo cáo {folder}: {exc.strerror or exc}.",
                          path=str(folder)) from None
    try:
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise ReportError(f"Thư mục {folder} đang được một lần chạy tthc report khác dùng "
                              f"(tiến trình {holder}); hãy chờ lần chạy đó xong rồi chạy lại.",
                              path=str(folder))
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing the file releases the lock


def _try_lock(handle) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows offices
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
