"""One run at a time per output folder: filelock's OS lock, released even when a run is killed.

A second `tthc report` on the same period folder stops at once with one clear line instead of
interleaving with the first; the lock file names the process holding it (written beside it,
since the lock file itself is only a lock on Windows).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from tthc_lib.batch.names import OUTPUT_NAMES
from tthc_lib.errors import ReportError

LOCK_NAME = Path(OUTPUT_NAMES["lock"]).name
HOLDER_NAME = Path(OUTPUT_NAMES["lock_holder"]).name


@contextmanager
def output_lock(folder: Path):
    """Hold the lock of `folder` for the block, or raise ReportError if another run has it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"Không tạo được thư mục báo cáo {folder}: {exc.strerror or exc}.",
                          path=str(folder)) from None
    lock = FileLock(folder / LOCK_NAME, timeout=0, thread_local=False)
    holder = folder / HOLDER_NAME
    try:
        lock.acquire()
    except Timeout:
        raise ReportError(f"Thư mục {folder} đang được một lần chạy tthc report khác dùng "
                          f"(tiến trình {_read(holder)}); hãy chờ lần chạy đó xong rồi chạy lại.",
                          path=str(folder)) from None
    except OSError as exc:
        raise ReportError(f"Không khóa được thư mục báo cáo {folder}: {exc.strerror or exc}.",
                          path=str(folder)) from None
    try:
        _write(holder, str(os.getpid()))
        yield
    finally:
        lock.release()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "?"
    except OSError:
        return "?"


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError:  # the name of the holder is a courtesy, not the lock
        pass
