"""One progress display for a whole batch: units done / total, failures, time left.

On a terminal it is one line rewritten in place; otherwise (a log, CI) a plain line at most
every `every` seconds and at the end, so logs stay short for 11,000 units.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    """83 -> "1:23", 3725 -> "1:02:05"."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """`advance(failed=...)` after each unit; `finish()` once. Skipped (unchanged) units count
    as done but not in the time estimate."""

    def __init__(self, total: int, stream: TextIO | None = None, every: float = 10.0,
                 tty: bool | None = None, clock=time.monotonic):
        self.total, self.done, self.failed, self.skipped = total, 0, 0, 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every, self.clock = every, clock
        self.began = self._last = clock()
        self._shown = -1  # units done when the last plain line was written

    def advance(self, failed: bool = False, skipped: bool = False) -> None:
        self.done += 1
        self.failed += failed
        self.skipped += skipped
        now = self.clock()
        if self.tty:
            self._write("\r" + self.line() + "\x1b[K")
        elif now - self._last >= self.every:
            self._write(self.line() + "\n")
            self._last, self._shown = now, self.done

    def finish(self) -> None:
        """The final line (on a terminal, the line in place is completed)."""
        if self.tty:
            self._write("\r" + self.line() + "\x1b[K\n")
        elif self._shown != self.done or self.total == 0:
            self._write(self.line() + "\n")

    def eta(self) -> float | None:
        """Seconds left, from the pace of the units run so far (None before the first)."""
        ran = self.done - self.skipped
        left = self.total - self.done
        if ran <= 0:
            return None if left else 0.0
        return (self.clock() - self.began) / ran * left

    def line(self) -> str:
        eta = self.eta()
        parts = [f"Đơn vị {self.done}/{self.total}"]
        if self.skipped:
            parts.append(f"không đổi {self.skipped}")
        if self.failed:
            parts.append(f"lỗi {self.failed}")
        parts.append(f"đã chạy {format_duration(self.clock() - self.began)}")
        if self.done < self.total:
            parts.append("còn ~" + (format_duration(eta) if eta is not None else "?"))
        return " · ".join(parts)

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
