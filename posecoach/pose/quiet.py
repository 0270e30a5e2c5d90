"""Keep native libraries' stderr chatter away from users."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

# fd 2 is one per process: when several threads are quiet at once (parallel pose
# landmarkers warming up together), the first one in redirects it and the last one out
# restores it. Without the count, the second thread would save the already-silenced
# fd 2 and "restore" silence for good.
_lock = threading.Lock()
_depth = 0
_saved_fd: int | None = None
_routed = False


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Silence what native code (mediapipe, ffmpeg) prints on stderr.

    TFLite, glog and ffmpeg write chatter (delegate creation, alignment notes, 'moov
    atom not found') straight to file descriptor 2, where Python cannot filter it.
    Users should see one clear line on errors, not a page of internals.
    Set POSECOACH_DEBUG=1 to keep it. Safe to nest and to use from several threads.
    """
    if os.environ.get("POSECOACH_DEBUG"):
        yield
        return
    _enter()
    try:
        yield
    finally:
        _leave()


def _enter() -> None:
    global _depth, _saved_fd
    with _lock:
        if _depth == 0:
            sys.stderr.flush()
            _saved_fd = os.dup(2)
            with open(os.devnull, "wb") as devnull:
                os.dup2(devnull.fileno(), 2)
        _depth += 1


def _leave() -> None:
    global _depth, _saved_fd
    with _lock:
        _depth -= 1
        if _depth == 0 and _saved_fd is not None:
            os.dup2(_saved_fd, 2)
            os.close(_saved_fd)
            _saved_fd = None


def route_native_stderr_away() -> bool:
    """For the rest of this process: what native libraries write to file descriptor 2
    (glog warnings mid-run, such as MediaPipe's "Using NORM_RECT without
    IMAGE_DIMENSIONS" after it re-detects a person) goes to /dev/null, while Python's
    own `sys.stderr` (errors, the progress bar) keeps writing to the real stream.

    Only when sys.stderr is still the interpreter's own (a test harness capturing it is
    left alone) and POSECOACH_DEBUG is not set. True when it rerouted.
    """
    global _routed
    if _routed or os.environ.get("POSECOACH_DEBUG") or sys.stderr is not sys.__stderr__:
        return False
    try:
        sys.stderr.flush()
        real = os.dup(2)
        stream = open(  # noqa: SIM115 - it becomes sys.stderr for the life of the process
            real, "w", encoding=sys.stderr.encoding, errors="backslashreplace",
            buffering=1, closefd=True,
        )
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        return False  # no usable fd 2 (e.g. an embedded interpreter): leave it as it is
    sys.stderr = stream
    _routed = True
    return True
