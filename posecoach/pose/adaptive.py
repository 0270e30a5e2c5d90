"""Adaptive analysis of recorded clips: fewer pose-model runs while the body is still.

Most of a stretching clip is holds, where the body barely moves for 20-60 s. While it
is still, the model runs on every `stride`-th frame only and the frames in between get
poses interpolated linearly in time between the two analysed frames around them; the
metrics, the session and every output then run on every frame as usual, at the frames'
real timestamps. As soon as the body moves, every frame is analysed again.

The stride is decided from the motion between the last two analysed frames
(`pose_speed`: the fastest of the shoulders, hips, knees and ankles, in body heights
per second, so one leg moving counts even when the rest is still):

- moved further than `jitter` body heights plus `still_speed` times the time between
  them (or unknown: no pose, joints lost): stride 1, at once. The `jitter` allowance is
  the landmark noise of a body that holds still, which does not shrink with the time
  between two frames (measured on held poses: the fastest of these landmarks wanders
  about 0.006 body heights from frame to frame);
- still: the stride grows by one per still observation, up to `max_stride`.

So movement that starts inside a skipped stretch is seen at the next analysed frame,
at most `max_stride - 1` frames late, and the frames before it are interpolated from
two real poses (the estimate is never extrapolated). MediaPipe's VIDEO mode only sees
increasing timestamps: skipped frames are simply not shown to it.

On a machine with several cores the analysed frames are dealt out to one landmarker per
core (`adaptive_parallel_poses`), each of which still sees increasing timestamps; the
scheduling loop is the same, with up to one analysed frame per landmarker in flight.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from posecoach.landmarks import Side, sided
from posecoach.measure.stream import body_height_px
from posecoach.pose.parallel import LandmarkerThread, MultiPoseEstimator
from posecoach.types import Frame, Pose

SPEED_LANDMARKS = tuple(
    int(sided(j, s)) for j in ("shoulder", "hip", "knee", "ankle") for s in (Side.LEFT, Side.RIGHT)
)


@dataclass(frozen=True)
class AdaptiveParams:
    """still_speed: body heights per second under which the body counts as still, on
    top of `jitter` (body heights) of landmark noise.
    max_stride: at most this many frames from one analysed frame to the next.
    settle_s: frames are skipped only once the body has been still this long (so the
        slow turning points of a movement are not taken for a hold).
    """

    still_speed: float = 0.05
    jitter: float = 0.01
    max_stride: int = 4
    settle_s: float = 0.5

    def __post_init__(self) -> None:
        if self.max_stride < 1:
            raise ValueError("max_stride must be at least 1")
        if not (self.still_speed >= 0 and self.jitter >= 0):
            raise ValueError("still_speed and jitter must be >= 0")

    def is_still(self, speed: float, dt: float) -> bool:
        """Whether moving at `speed` (body heights/s) for `dt` seconds counts as still."""
        return bool(np.isfinite(speed) and dt > 0 and speed * dt <= self.jitter
                    + self.still_speed * dt)


class StrideScheduler:
    """How far ahead the next analysed frame is, from the motion seen so far.

        scheduler = StrideScheduler()
        scheduler.stride          # 1 at the start
        scheduler.observe(speed, dt)  # after each analysed frame (NaN when unknown)
    """

    def __init__(self, params: AdaptiveParams = AdaptiveParams()):
        self.params = params
        self.stride = 1
        self.still_s = 0.0  # how long the body has been still

    def observe(self, speed: float, dt: float) -> int:
        """Take the motion between the last two analysed frames, `dt` seconds apart;
        return the new stride."""
        if not self.params.is_still(speed, dt):
            self.still_s, self.stride = 0.0, 1
        else:
            self.still_s += dt
            if self.still_s >= self.params.settle_s - 1e-9:
                self.stride = min(self.stride + 1, self.params.max_stride)
        return self.stride


def pose_speed(a: Pose | None, b: Pose | None, dt: float) -> float:
    """Fastest landmark among shoulders, hips, knees and ankles from `a` to `b`, in body
    heights per second; NaN when either pose is missing or no such landmark is seen in
    both (so the caller falls back to analysing every frame)."""
    if a is None or b is None or not dt > 0:
        return float("nan")
    idx = list(SPEED_LANDMARKS)
    # Occluded joints count too (the metrics still use them, and they jitter most).
    seen = np.all(np.isfinite(a.xy[idx]) & np.isfinite(b.xy[idx]), axis=1)
    height = body_height_px(b)
    if seen.sum() < len(idx) // 2 or not np.isfinite(height) or height <= 0:
        return float("nan")
    moved = np.linalg.norm(b.xy[idx][seen] - a.xy[idx][seen], axis=1)
    return float(moved.max()) / dt / height


def interpolate_pose(a: Pose | None, b: Pose | None, w: float) -> Pose | None:
    """The pose a fraction `w` (0 = a, 1 = b) of the way from `a` to `b`.

    Every array is interpolated linearly (pixels, depth, visibility, presence, world
    metres), and so is the segmentation mask: its 0.5 edge, which the pelvis estimate
    reads against the interpolated trunk line, then lies between the two real edges
    (reusing the nearer mask would pair one frame's edge with another's landmarks).
    When either pose is missing, the nearer one is returned as it is (possibly None):
    nothing is invented.
    """
    if not 0.0 <= w <= 1.0:
        raise ValueError(f"weight must be in [0, 1], got {w}")
    near = a if w < 0.5 else b
    if a is None or b is None:
        return near
    world = None
    if a.world is not None and b.world is not None:
        world = _lerp(a.world, b.world, w)
    return Pose(
        xy=_lerp(a.xy, b.xy, w),
        z=_lerp(a.z, b.z, w),
        visibility=_lerp(a.visibility, b.visibility, w),
        presence=_lerp(a.presence, b.presence, w),
        image_size=near.image_size,
        world=world,
        mask=_blend_masks(a.mask, b.mask, w, near.mask),
    )


def _lerp(x: np.ndarray, y: np.ndarray, w: float) -> np.ndarray:
    return (1.0 - w) * x + w * y


def _blend_masks(
    a: np.ndarray | None, b: np.ndarray | None, w: float, near: np.ndarray | None
) -> np.ndarray | None:
    """(1 - w) a + w b; the nearer mask when only one exists or their shapes differ."""
    if a is None or b is None or a.shape != b.shape:
        return near
    return cv2.addWeighted(a, 1.0 - w, b, w, 0.0)


def time_weight(t0: float, t1: float, t: float) -> float:
    """Where `t` lies between t0 and t1, in [0, 1] (real timestamps, not frame counts)."""
    if not t1 > t0:
        return 1.0
    return float(min(max((t - t0) / (t1 - t0), 0.0), 1.0))


def adaptive_poses(
    frames: Iterable[Frame],
    estimate: Callable[[Frame], Pose | None],
    params: AdaptiveParams = AdaptiveParams(),
) -> Iterator[tuple[Frame, Pose | None, bool]]:
    """(frame, pose, analysed) for every frame, in order; `estimate` runs on some only,
    in this thread, one frame at a time.

    At most `max_stride` decoded frames wait here for the next analysed one (with
    adaptive_parallel_poses, `max_stride` per landmarker).
    """
    return _adaptive(frames, [_Inline(estimate)], params)


def adaptive_parallel_poses(
    frames: Iterable[Frame],
    estimators: Sequence[MultiPoseEstimator],
    choose: Callable[[list[Pose], float], Pose | None],
    params: AdaptiveParams = AdaptiveParams(),
) -> Iterator[tuple[Frame, Pose | None, bool]]:
    """adaptive_poses with one landmarker per estimator, each in its own thread.

    The analysed frames are dealt out to the landmarkers in turn, so up to
    len(estimators) of them are in the model at once. The price: the stride chosen for
    the next analysed frame knows the motion up to len(estimators) - 1 analysed frames
    back, so a movement starting in a hold goes back to every frame one analysed frame
    later than with one landmarker (the frames in between are still interpolated between
    two real poses). `choose(poses, time_s)` (the PersonTracker's `follow`) picks the
    person, called in frame order from this generator's thread. The estimators stay
    open: their owner closes them.
    """
    if not estimators:
        raise ValueError("need at least one estimator")
    threads = [
        LandmarkerThread(estimator, depth=1, name=f"posecoach-adaptive-{i}")
        for i, estimator in enumerate(estimators)
    ]
    try:
        yield from _adaptive(frames, [_Threaded(t, choose) for t in threads], params)
    finally:
        for thread in threads:
            thread.shut()


class _Inline:
    """A runner that estimates at once, in the caller's thread."""

    def __init__(self, estimate: Callable[[Frame], Pose | None]):
        self._estimate = estimate
        self._done: deque[tuple[Frame, Pose | None]] = deque()

    def give(self, frame: Frame) -> None:
        self._done.append((frame, self._estimate(frame)))

    def take(self) -> tuple[Frame, Pose | None]:
        return self._done.popleft()


class _Threaded:
    """A runner around a landmarker thread; the person is chosen when the result is taken
    (in frame order)."""

    def __init__(self, thread: LandmarkerThread, choose):
        self._thread, self._choose = thread, choose

    def give(self, frame: Frame) -> None:
        self._thread.give(frame)

    def take(self) -> tuple[Frame, Pose | None]:
        frame, poses = self._thread.take()
        return frame, self._choose(poses, frame.time_s)


def _adaptive(
    frames: Iterable[Frame], runners: Sequence[_Inline | _Threaded], params: AdaptiveParams
) -> Iterator[tuple[Frame, Pose | None, bool]]:
    """The scheduling loop: give the due frame to the next runner in turn, resolve the
    oldest analysed frame once every runner has one in flight, then choose the next due
    frame with the motion known so far. The clip's last frame is always analysed, so no
    pose is ever extrapolated."""
    scheduler = StrideScheduler(params)
    held: deque[Frame] = deque()  # decoded, not yet yielded
    in_flight: deque = deque()  # runners, in the order their frames were given
    last: tuple[float, Pose | None] | None = None  # newest resolved analysed frame
    given: Frame | None = None  # newest frame given to a runner
    turns = 0
    next_due = 0
    for frame in frames:
        held.append(frame)
        if frame.index < next_due:
            continue
        runner = runners[turns % len(runners)]
        runner.give(frame)
        in_flight.append(runner)
        given, turns = frame, turns + 1
        while len(in_flight) >= len(runners):
            last = yield from _resolve(in_flight.popleft(), held, last, scheduler)
        next_due = frame.index + scheduler.stride
    if held and held[-1] is not given:
        runner = runners[turns % len(runners)]
        runner.give(held[-1])
        in_flight.append(runner)
    while in_flight:
        last = yield from _resolve(in_flight.popleft(), held, last, scheduler)


def _resolve(
    runner: _Inline | _Threaded,
    held: deque[Frame],
    last: tuple[float, Pose | None] | None,
    scheduler: StrideScheduler,
):
    """Take the runner's analysed frame; yield it after the held frames before it, those
    interpolated between the previous analysed frame and this one."""
    target, pose = runner.take()
    if last is not None:
        t0, before = last
        while held[0] is not target:
            frame = held.popleft()
            w = time_weight(t0, target.time_s, frame.time_s)
            yield frame, interpolate_pose(before, pose, w), False
        dt = target.time_s - t0
        scheduler.observe(pose_speed(before, pose, dt), dt)
    held.popleft()
    yield target, pose, True
    return target.time_s, pose
