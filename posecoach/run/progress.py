"""A small progress bar on stderr for long work (no dependency, quiet when not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Prints `label [#####.....] 42% 123/290 frames 35.2 fps` at most every `interval_s`.

    When the stream is not a terminal (CI logs, pipes) it prints one line at the end only,
    so logs stay readable.
    """

    def __init__(
        self,
        label: str,
        total: int,
        stream: TextIO | None = None,
        interval_s: float = 0.25,
        enabled: bool = True,
    ):
        self.label = label
        self.total = max(int(total), 0)
        self.stream = stream if stream is not None else sys.stderr
        self.interval_s = interval_s
        self.enabled = enabled
        self.done = 0
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and self._tty and now - self._last_draw >= self.interval_s:
            self._last_draw = now
            self.stream.write("\r" + self._line(now))
            self.stream.flush()

    def _line(self, now: float) -> str:
        elapsed = max(now - self._start, 1e-9)
        rate = self.done / elapsed
        if self.total:
            frac = min(self.done / self.total, 1.0)
            bar = "#" * int(frac * 24)
            return (
                f"{self.label} [{bar:<24}] {frac * 100:3.0f}% "
                f"{self.done}/{self.total} frames {rate:5.1f} fps"
            )
        return f"{self.label} {self.done} frames {rate:5.1f} fps"

    def close(self) -> None:
        if not self.enabled:
            return
        line = self._line(time.monotonic())
        self.stream.write(("\r" + line + "\n") if self._tty else line + "\n")
        self.stream.flush()
