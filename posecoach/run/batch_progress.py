"""Progress over the clips of a batch on stderr: done / failed / running / waiting, ETA.

`batch 5/12 clips: 4 done, 1 failed, 2 running, 5 waiting, 1m10s elapsed, ETA 2m30s`
(and `, N already complete` when a rerun skips clips).
On a terminal the line is redrawn in place; otherwise (CI logs, pipes) it is printed
once per finished clip. The ETA is the mean time between clips finished in this run
times the clips still to go (the batch's own throughput, whatever the cluster's size).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class BatchProgress:
    def __init__(self, total: int, stream: TextIO | None = None, enabled: bool = True):
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.done = self.failed = self.running = self.skipped = 0
        self._start = time.monotonic()
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def skip(self) -> None:
        """A clip complete from an earlier run: counted, not timed."""
        self.skipped += 1

    def started(self) -> None:
        self.running += 1
        self._draw(final=False)

    def finished(self, ok: bool) -> None:
        self.running = max(0, self.running - 1)
        if ok:
            self.done += 1
        else:
            self.failed += 1
        self._draw(final=True)

    def line(self) -> str:
        finished = self.done + self.failed
        elapsed = time.monotonic() - self._start
        left = self.total - self.skipped - finished
        eta = format_duration(elapsed / finished * left) if finished else "-"
        skipped = f", {self.skipped} already complete" if self.skipped else ""
        return (
            f"batch {finished + self.skipped}/{self.total} clips: {self.done} done, "
            f"{self.failed} failed, {self.running} running, {left - self.running} waiting"
            f"{skipped}, {format_duration(elapsed)} elapsed, ETA {eta}"
        )

    def write(self, text: str, stream: TextIO | None = None) -> None:
        """A log line (a clip's result; stderr unless `stream`) printed above the
        progress line, which is drawn again under it."""
        if self.enabled and self._tty:
            self.stream.write("\r\033[K")
            self.stream.flush()
        print(text, file=stream if stream is not None else self.stream, flush=True)
        self._draw(final=False)

    def close(self) -> None:
        if self.enabled and self._tty:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, final: bool) -> None:
        if not self.enabled:
            return
        if self._tty:
            self.stream.write("\r\033[K" + self.line())
            self.stream.flush()
        elif final:
            print(self.line(), file=self.stream, flush=True)
