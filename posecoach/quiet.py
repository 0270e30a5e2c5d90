"""Keep native libraries' stderr chatter away from users."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Silence what native code (mediapipe, ffmpeg) prints on stderr.

    TFLite, glog and ffmpeg write chatter (delegate creation, alignment notes, 'moov
    atom not found') straight to file descriptor 2, where Python cannot filter it.
    Users should see one clear line on errors, not a page of internals.
    Set POSECOACH_DEBUG=1 to keep it.
    """
    if os.environ.get("POSECOACH_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
