"""One progress display for a whole batch, drawn by tqdm: units done / total, unchanged and
failed units, time run and time left.

On a terminal tqdm rewrites one line in place; otherwise (a log, CI) a plain line is written
at most every `every` seconds and at the end, so logs stay short for 11,000 units. Unchanged
(skipped) units count as done but not in the pace: tqdm's `initial` holds them, and its rate
is the plain average over the units run (no smoothing).
"""

from __future__ import annotations

import io
import sys
import time
from typing import TextIO

from tqdm import tqdm

_RUNNING = "Đơn vị {n}/{total}{counts} · đã chạy {elapsed} · còn ~{remaining}"
_DONE = "Đơn vị {n}/{total}{counts} · đã chạy {elapsed}"


def format_duration(seconds: float) -> str:
    """83 -> "01:23", 3725 -> "1:02:05" (tqdm's format)."""
    return tqdm.format_interval(max(0, round(seconds)))


class _UnitBar(tqdm):
    """A tqdm bar whose line also says how many units were unchanged and how many failed."""

    skipped = failed = 0

    @property
    def format_dict(self):
        data = super().format_dict
        parts = ([f" · không đổi {self.skipped}"] if self.skipped else []) + (
            [f" · lỗi {self.failed}"] if self.failed else [])
        data.update(counts="".join(parts))
        if self.total is not None and data["n"] >= self.total:
            data.update(bar_format=_DONE)
        return data


class Progress:
    """`advance(failed=..., skipped=...)` after each unit; `finish()` once. `total` may be set
    before the first unit."""

    def __init__(self, total: int, stream: TextIO | None = None, every: float = 10.0,
                 tty: bool | None = None, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every, self.clock = every, clock
        self._total, self._bar, self._shown = total, None, -1

    @property
    def total(self) -> int:
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        self._total = value
        if self._bar is not None:
            self._bar.total = value

    @property
    def done(self) -> int:
        return self._open().n

    def advance(self, failed: bool = False, skipped: bool = False) -> None:
        bar = self._open()
        bar.failed += failed
        if skipped:
            bar.skipped += 1
            bar.initial += 1  # not in the pace
        if self.tty:
            bar.update(1)
            return
        bar.n += 1
        if self.clock() - self._last >= self.every:
            self._write_line()

    def finish(self) -> None:
        """The final line (on a terminal, the line in place is completed)."""
        bar = self._open()
        if self.tty:
            bar.refresh()
            bar.close()
        elif self._shown != bar.n or self.total == 0:
            self._write_line()

    def line(self) -> str:
        return str(self._open())

    def _open(self) -> _UnitBar:
        if self._bar is None:
            sink = self.stream if self.tty else io.StringIO()  # plain lines: written below
            self._bar = _UnitBar(total=self._total, file=sink, bar_format=_RUNNING,
                                 smoothing=0, mininterval=0, miniters=1, ascii=True,
                                 dynamic_ncols=False)
            self._bar._time = self.clock
            self._bar.start_t = self._bar.last_print_t = self._last = self.clock()
        return self._bar

    def _write_line(self) -> None:
        self.stream.write(self.line() + "\n")
        self.stream.flush()
        self._last, self._shown = self.clock(), self._bar.n
