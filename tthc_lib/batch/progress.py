"""One progress display for a whole batch, drawn by tqdm: units done / total, unchanged and
failed units, time run and time left.

On a terminal tqdm rewrites one line in place; otherwise (a log, CI) a plain line is written
at most every `every` seconds and at the end, so logs stay short for 11,000 units. Unchanged
(skipped) units count as done but not in the pace: tqdm's `initial` holds them, and its rate
is the plain average over the units run (no smoothing). tqdm is imported when the first unit
runs: until then nothing has a pace, and the line (the same tqdm would draw: no time left
known yet) is written here, so a re-run with nothing changed does not pay tqdm's import.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

__all__ = ["Progress", "format_duration"]

_RUNNING = "Đơn vị {n}/{total}{counts} · đã chạy {elapsed} · còn ~{remaining}"
_DONE = "Đơn vị {n}/{total}{counts} · đã chạy {elapsed}"


def format_duration(seconds: float) -> str:
    """83 -> "01:23", 3725 -> "1:02:05" (tqdm's format)."""
    return _clock(max(0, round(seconds)))


def _clock(seconds: float) -> str:
    """[H:]MM:SS of the whole seconds, as tqdm.format_interval writes them."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _counts(skipped: int, failed: int) -> str:
    return "".join(([f" · không đổi {skipped}"] if skipped else [])
                   + ([f" · lỗi {failed}"] if failed else []))


def _unit_bar():
    """A tqdm bar class whose line also says how many units were unchanged and failed."""
    from tqdm import tqdm

    class _UnitBar(tqdm):
        skipped = failed = 0
        # One process draws the bar: a thread lock will do (tqdm's default also makes a
        # multiprocessing lock, importing multiprocessing for it).
        _lock = threading.RLock()

        @property
        def format_dict(self):
            data = super().format_dict
            data.update(counts=_counts(self.skipped, self.failed))
            if self.total is not None and data["n"] >= self.total:
                data.update(bar_format=_DONE)
            return data

    return _UnitBar


class Progress:
    """`advance(failed=..., skipped=...)` after each unit; `finish()` once. `total` may be set
    before the first unit."""

    def __init__(self, total: int, stream: TextIO | None = None, every: float = 10.0,
                 tty: bool | None = None, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every, self.clock = every, clock
        self._total, self._bar, self._shown = total, None, -1
        # The run's time counts from here (the command's start: kernels and browser starting
        # are part of what the office waits for), not from the first unit done.
        self._began: float | None = clock()
        self._last = self._began               # when the last plain line was written
        self._n = self._skipped = self._failed = 0   # until the bar is opened

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
        return self._bar.n if self._bar is not None else self._n

    def advance(self, failed: bool = False, skipped: bool = False) -> None:
        self._start()
        if self._bar is None and skipped and not failed:
            self._n += 1
            self._skipped += 1
            if not self.tty and self.clock() - self._last >= self.every:
                self._write_line()
            return
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
        self._start()
        if self._bar is None:
            if self.tty or self._shown != self._n or self.total == 0:
                self._write_line()
            return
        if self.tty:
            self._bar.refresh()
            self._bar.close()
        elif self._shown != self._bar.n or self.total == 0:
            self._write_line()

    def line(self) -> str:
        if self._bar is not None:
            return str(self._bar)
        self._start()
        done = self.total is not None and self._n >= self.total
        return (_DONE if done else _RUNNING).format(
            n=self._n, total=self.total, counts=_counts(self._skipped, 0),
            elapsed=_clock(self.clock() - self._began), remaining="?")

    def _start(self) -> None:
        if self._began is None:
            self._began = self._last = self.clock()

    def _open(self):
        """The tqdm bar, opened at the first unit run, holding the unchanged units before it."""
        if self._bar is None:
            import io

            sink = self.stream if self.tty else io.StringIO()  # plain lines: written below
            cls = _unit_bar()
            cls.skipped = self._skipped  # in the line tqdm draws when it opens
            bar = cls(total=self._total, file=sink, bar_format=_RUNNING, smoothing=0,
                      mininterval=0, miniters=1, ascii=True, dynamic_ncols=False,
                      initial=self._n)
            bar._time = self.clock
            bar.start_t = bar.last_print_t = self._began
            self._bar = bar
        return self._bar

    def _write_line(self) -> None:
        self.stream.write(self.line() + "\n")
        self.stream.flush()
        self._last, self._shown = self.clock(), self.done
