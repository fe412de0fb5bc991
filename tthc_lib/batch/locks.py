"""One run at a time per output folder: an OS lock on a file, released even when a run is
killed (the system drops it with the process).

A second `tthc report` on the same period folder stops at once with one clear line instead of
interleaving with the first; the lock file names the process holding it (written beside it,
since the lock file itself is only a lock on Windows). The lock is `flock` (POSIX) or
`msvcrt.locking` (Windows) taken without waiting: both conflict between two opens of the file,
even in one process. The standard library does it in a few lines; filelock, which did it
before, cost a third of a re-run with nothing changed in its import alone.
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path

from tthc_lib.batch.names import OUTPUT_NAMES
from tthc_lib.errors import ReportError

LOCK_NAME = Path(OUTPUT_NAMES["lock"]).name
HOLDER_NAME = Path(OUTPUT_NAMES["lock_holder"]).name

_HELD = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, getattr(errno, "EDEADLK", -1)}


@contextmanager
def output_lock(folder: Path):
    """Hold the lock of `folder` for the block, or raise ReportError if another run has it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"Không tạo được thư mục báo cáo {folder}: {exc.strerror or exc}.",
                          path=str(folder)) from None
    holder = folder / HOLDER_NAME
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise ReportError(f"Không khóa được thư mục báo cáo {folder}: {exc.strerror or exc}.",
                          path=str(folder)) from None
    try:
        try:
            _lock(fd)
        except OSError as exc:
            if exc.errno in _HELD:
                raise ReportError(f"Thư mục {folder} đang được một lần chạy tthc report khác "
                                  f"dùng (tiến trình {_read(holder)}); hãy chờ lần chạy đó xong "
                                  "rồi chạy lại.", path=str(folder)) from None
            raise ReportError(f"Không khóa được thư mục báo cáo {folder}: "
                              f"{exc.strerror or exc}.", path=str(folder)) from None
        _write(holder, str(os.getpid()))
        try:
            yield
        finally:
            _lock(fd, release=True)
    finally:
        os.close(fd)


def _lock(fd: int, release: bool = False) -> None:
    """Take (or release) the lock of the open file `fd` without waiting; OSError when it
    cannot be taken."""
    if os.name == "nt":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_UNLCK if release else msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN if release else fcntl.LOCK_EX | fcntl.LOCK_NB)


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
