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
