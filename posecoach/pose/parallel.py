"""Pose inference on several cores at once, results kept in frame order.

One MediaPipe landmarker is a sequential graph: in VIDEO mode each frame's landmark
region comes from the frame before, and the graph uses about one core (tools/bench_perf.py
`limit`: 107% CPU). Inference releases the GIL, so several landmarkers in threads run
truly in parallel (two threads: 1.99x the frames per second of one on this 2-core
machine). This module deals the frames of a clip out to `workers` landmarkers in turn,
in blocks of `block` consecutive frames:

    frame:   0 1 2 3 4 5 6 7 8 ...      (block 2, 2 workers)
    worker:  A A B B A A B B A ...

and yields the results in frame order. Each landmarker still sees a time-ordered clip,
only with gaps (it tracks from the last frame it saw, `block * (workers - 1) + 1` frames
back); holding a stretch, the body moves little in that time. What each landmarker
found goes through one `PersonTracker` in frame order, so the person followed is
decided on the whole sequence, exactly as with one landmarker.

Memory is bounded: at most `workers * block * 2` frames are in flight, and with
`max_bytes` no more than that many bytes of them (one frame per worker at least). An exception in a
worker is raised again, unchanged, when its frame's turn comes; leaving early stops the
workers. Used for recorded clips only: live coaching runs one frame at a time.
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

from posecoach.types import Frame, Pose

# Two landmarkers fill two cores; beyond four the extra model copies cost memory
# (~60 MB each) for little gain on the machines posecoach targets.
MAX_WORKERS = 4
DEFAULT_BLOCK = 1
_POLL_S = 0.1


class _Failed:
    """What a worker leaves in its outbox when its estimator raised."""

    def __init__(self, error: BaseException):
        self.error = error


class MultiPoseEstimator(Protocol):
    def estimate_all(self, frame: Frame) -> list[Pose]: ...

    def close(self) -> None: ...


class DeferredEstimator:
    """An estimator made by `make()` on first use, in the thread that first uses it: a
    landmarker thread loads its model while the first landmarker already runs, instead
    of every model being loaded before the first frame (start-up). Frames and results
    are unchanged; an error of `make` is raised by that first use."""

    def __init__(self, make: Callable[[], MultiPoseEstimator]):
        self._make = make
        self._estimator: MultiPoseEstimator | None = None

    def estimate_all(self, frame: Frame) -> list[Pose]:
        if self._estimator is None:
            self._estimator = self._make()
        return self._estimator.estimate_all(frame)

    def close(self) -> None:
        if self._estimator is not None:
            self._estimator.close()
            self._estimator = None


def twin_landmarkers(tracker, workers: int, masks: bool = True) -> list[DeferredEstimator]:
    """`workers - 1` more landmarkers like the one inside `tracker` (a PersonTracker),
    for parallel_poses beside it; each loads its model in the thread that first uses it.
    masks False: they ask for no segmentation masks (only the tracker's own landmarker
    gives them then). Their owner closes them."""
    def make():
        return tracker.estimator.twin(segmentation=None if masks else False)

    return [DeferredEstimator(make) for _ in range(workers - 1)]


def default_workers() -> int:
    """One landmarker per core, at most MAX_WORKERS."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


class LandmarkerThread:
    """One estimator in its own thread: frames in, (frame, poses) out, in order."""

    def __init__(self, estimator: MultiPoseEstimator, depth: int, name: str):
        self.estimator = estimator
        self.inbox: queue.Queue = queue.Queue(maxsize=depth)
        self.outbox: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                frame = self.inbox.get(timeout=_POLL_S)
            except queue.Empty:
                continue
            try:
                self.outbox.put((frame, self.estimator.estimate_all(frame)))
            except BaseException as error:  # handed to the consumer unchanged
                self.outbox.put(_Failed(error))
                return

    def give(self, frame: Frame) -> None:
        while True:
            if not self.thread.is_alive():
                return  # it failed: its error is waiting in the outbox
            try:
                self.inbox.put(frame, timeout=_POLL_S)
                return
            except queue.Full:
                continue

    def take(self) -> tuple[Frame, list[Pose]]:
        item = self.outbox.get()
        if isinstance(item, _Failed):
            self.outbox.put(item)  # every later take of this worker fails the same way
            raise item.error
        return item

    def shut(self) -> None:
        self.stop.set()
        self.thread.join()


def parallel_poses(
    frames: Iterable[Frame],
    estimators: Sequence[MultiPoseEstimator],
    choose: Callable[[list[Pose], float], Pose | None],
    block: int = DEFAULT_BLOCK,
    max_bytes: int | None = None,
) -> Iterator[tuple[Frame, Pose | None]]:
    """(frame, pose) for every frame, in order, the frames dealt out to `estimators` in
    blocks of `block`; `choose(poses, time_s)` picks the pose (the PersonTracker's
    `follow`), called in frame order from this generator's thread. The estimators stay
    open: their owner closes them. max_bytes: the images in flight hold at most this
    many bytes (as the first frame's size counts), but every landmarker gets one frame."""
    if not estimators or block < 1:
        raise ValueError("need at least one estimator and a block of at least 1")
    depth = 2 * block
    landmarkers = [
        LandmarkerThread(estimator, depth, f"posecoach-pose-{i}")
        for i, estimator in enumerate(estimators)
    ]
    try:
        owner: deque[LandmarkerThread] = deque()  # who has each frame in flight, in order
        in_flight = len(landmarkers) * depth
        for index, frame in enumerate(frames):
            if index == 0 and max_bytes is not None:
                fit = max_bytes // max(1, frame.image.nbytes)
                in_flight = max(len(landmarkers), min(in_flight, fit))
            worker = landmarkers[(index // block) % len(landmarkers)]
            worker.give(frame)
            owner.append(worker)
            while len(owner) >= in_flight:
                yield _next(owner, choose)
        while owner:
            yield _next(owner, choose)
    finally:
        for landmarker in landmarkers:
            landmarker.shut()


def _next(owner: deque, choose) -> tuple[Frame, Pose | None]:
    frame, poses = owner.popleft().take()
    return frame, choose(poses, frame.time_s)
