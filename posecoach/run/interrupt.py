"""Stop requests from outside: Ctrl-C, `kill`, `timeout`, a container stop, a closed terminal.

SIGTERM and SIGHUP are turned into the same exception as Ctrl-C (an `Interrupted`, a
KeyboardInterrupt that knows its signal), so every loop that keeps what it measured on
Ctrl-C keeps it on those too. A signal that was ignored when posecoach started (SIGHUP
under `nohup`, SIGINT in a background job) stays ignored.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop by `signum`; str() is one line for the user."""

    def __init__(self, signum: int = signal.SIGINT, message: str | None = None):
        self.signum = int(signum)
        default = f"interrupted by {signal_name(self.signum)}; results written so far are kept"
        super().__init__(message or default)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def signal_of(stop: KeyboardInterrupt) -> int:
    """The signal behind a stop (a plain KeyboardInterrupt is Ctrl-C's SIGINT)."""
    return stop.signum if isinstance(stop, Interrupted) else int(signal.SIGINT)


def exit_code(stop: KeyboardInterrupt) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number."""
    return 128 + signal_of(stop)


# The last stop signal received inside stop_on_signals. The handler's exception can be
# swallowed when the signal lands while Python runs a __del__ (mediapipe's images free
# their native memory there: "Exception ignored in ..."), so loops also ask `check_stop`.
_pending: int | None = None


def _raise_interrupted(signum: int, _frame) -> None:
    global _pending
    _pending = signum
    raise Interrupted(signum)


def check_stop() -> None:
    """Raise Interrupted if a stop signal came whose exception was lost."""
    if _pending is not None:
        raise Interrupted(_pending)


@contextmanager
def stop_on_signals(signums: tuple[int, ...] = STOP_SIGNALS) -> Iterator[None]:
    """Within the block, each of `signums` raises Interrupted in the main thread; the
    previous handlers come back afterwards. Outside the main thread: no change."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    global _pending
    _pending = None
    hook = sys.unraisablehook

    def quiet_lost_stop(unraisable) -> None:  # check_stop raises it again, in one line
        if not isinstance(unraisable.exc_value, Interrupted):
            hook(unraisable)

    sys.unraisablehook = quiet_lost_stop
    previous = {}
    for signum in signums:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, _raise_interrupted)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = hook
        _pending = None
