"""One clip of a batch, as a worker runs it: analyse into the partial folder, report back.

Runs wherever the executor puts it (a Ray worker on any node), so it writes only the
clip's own partial folder (shared storage) and never the history: the driver records
the session once the outcome is back. Any failure of the clip becomes a "failed"
outcome with a one-line error, so one broken clip never stops the others.

Test-only fault hook: when the environment variable named by `KILL_ONCE_ENV` names this
clip (its file name) in the driver's environment, the driver passes `kill_once`, and the
first attempt kills its own worker process (`os._exit(1)`) once a few frames are measured,
as a crashed or OOM-killed worker would be. A flag file beside the partial folder makes
the retry run normally. Nothing sets it outside the tests.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from posecoach.run.batch_state import clear_partial
from posecoach.run.offline import AnalysisOptions, analyze_clip

KILL_ONCE_ENV = "POSECOACH_TEST_KILL_ONCE"
# landmarks.csv lines (header included) before the injected kill: landmarks.csv is
# written frame by frame from the first frame on, also while `--exercise auto` holds
# frames.csv back until the exercise is recognised.
_KILL_AFTER_ROWS = 10


@dataclass(frozen=True)
class TaskOutcome:
    """What one attempt at one clip came back with (sent from worker to driver). `node` is
    the worker's host name; `node_id` is filled in by the executor (posecoach.run.batch_ray)."""

    clip: str
    status: str  # "done" or "failed"
    seconds: float
    node: str
    error: str | None = None
    frames: int = 0
    detection_rate: float = 0.0
    exercise: str | None = None
    ended_early: bool = False
    node_id: str | None = None  # the Ray node's id (several nodes may share a host name)


def run_clip(
    clip: Path, partial: Path, options: AnalysisOptions, kill_once: bool = False
) -> TaskOutcome:
    """Analyse `clip` into `partial` with the history off; never raises for the clip."""
    start = time.monotonic()
    node = socket.gethostname()
    clear_partial(partial)
    if kill_once:
        _arm_kill(partial)
    try:
        result = analyze_clip(clip, partial, replace(options, history=False, progress=False))
    except OSError as error:
        message = f"{clip}: {error.strerror or error} ({error.filename or partial})"
        return TaskOutcome(str(clip), "failed", time.monotonic() - start, node, message)
    except Exception as error:  # noqa: BLE001 - any failure of one clip is that clip's
        message = str(error) or type(error).__name__
        if not message.startswith(str(clip)):
            message = f"{clip}: {message}"
        return TaskOutcome(str(clip), "failed", time.monotonic() - start, node, message)
    return TaskOutcome(
        str(clip), "done", time.monotonic() - start, node, None, result.frames,
        result.detection_rate, result.exercise, result.ended_early,
    )


def _arm_kill(partial: Path) -> None:
    flag = partial.with_name(partial.name + ".killed")
    if flag.exists():
        return  # the retry: run normally
    flag.touch()
    args = (partial / "landmarks.csv", flag)
    threading.Thread(target=_kill_when_started, args=args, daemon=True).start()


def _kill_when_started(landmarks_csv: Path, flag: Path) -> None:
    """Kill this worker process once landmarks.csv has a few rows; the flag file says how
    many lines it had (the test's proof that the attempt died mid-clip)."""
    while True:
        try:
            with landmarks_csv.open("rb") as handle:
                lines = sum(1 for _ in handle)
        except OSError:
            lines = 0
        if lines >= _KILL_AFTER_ROWS:
            flag.write_text(f"{lines}\n")
            os._exit(1)
        time.sleep(0.05)
