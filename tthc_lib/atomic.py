"""Files written whole or not at all: a temporary file beside the target, then os.replace.

A run killed mid-write leaves at most a hidden `.NAME-*.part` file, never a half-written
report that looks complete. The temporary file is created with the user's usual permissions
(not mkstemp's private 0600): reports are shared.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from tthc_lib.errors import ReportError

__all__ = ["atomic_path", "write_bytes_atomic"]


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside `path`; when the block succeeds it replaces `path`.
    An OSError (full disk, unwritable folder) becomes a ReportError naming the file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}-{os.getpid()}-{os.urandom(4).hex()}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise ReportError(f"Không ghi được tệp {path}: {exc.strerror or exc}",
                          path=str(path)) from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # the folder itself is unusable: nothing was written there
            pass


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
