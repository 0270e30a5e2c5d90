"""Follow the exercising person when more than one person is in view.

The landmarker runs in VIDEO mode, where it tracks the region of the person it found
instead of detecting afresh every frame, so it stays on that person while they are in
view. It is asked for `TRACKED_POSES` pose(s) per frame: 1 by default, because asking
for 2 makes it run the person detector on every frame in search of the second person,
which doubles the cost of inference (86 ms vs 45 ms a frame measured by
tools/bench_perf.py); the two-people test in tests/test_robustness.py passes with 1.
On top of that, `PersonTracker` keeps
one track - where the followed person's torso was last seen, and how large it was - and
per frame returns the pose that continues it:

- torso centre: the mean of both shoulders and both hips (pixels);
- body scale: the torso length, mid-hip to mid-shoulder (pixels);
- a candidate continues the track when its centre lies within
  `MAX_JUMP + MAX_SPEED * gap_s` torso lengths of the last centre (gap_s: time since the
  person was last seen) and its scale is within a factor `MAX_SCALE_RATIO`;
  among those, the nearest centre wins (scale change breaks near-ties).

So a second person who is larger, nearer the camera or first in the model's output does
not take over. When no candidate continues the track the frame has no pose (the followed
person is hidden or out of view). The track is started - and, after `LOST_AFTER_S`
without the person, restarted - on the largest pose in view.

`PersonTracker.estimate(frame) -> Pose | None` is the estimator interface, so the rest of
the pipeline does not know tracking happens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecoach.landmarks import Landmark
from posecoach.pose.estimation import MediaPipePoseEstimator
from posecoach.types import Frame, Pose

TRACKED_POSES = 1
MAX_JUMP = 1.0  # torso lengths, allowed between two consecutive frames
MAX_SPEED = 3.0  # torso lengths per second, added for the time the person was unseen
MAX_SCALE_RATIO = 1.8
LOST_AFTER_S = 2.0

_TORSO = (
    Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP
)


@dataclass(frozen=True)
class Anchor:
    """Where a pose's torso is: centre (2,) pixels, scale (torso length, pixels), time."""

    centre: np.ndarray
    scale: float
    time_s: float


def torso_anchor(pose: Pose, time_s: float) -> Anchor | None:
    """The pose's torso centre and length, or None when the torso is not located."""
    points = pose.xy[[int(p) for p in _TORSO]]
    if not np.isfinite(points).all():
        return None
    mid_shoulder = points[:2].mean(axis=0)
    mid_hip = points[2:].mean(axis=0)
    scale = float(np.linalg.norm(mid_shoulder - mid_hip))
    if not scale > 0:
        return None
    return Anchor(points.mean(axis=0), scale, time_s)


class PersonTracker:
    """Wraps a multi-pose estimator; `estimate` returns the followed person's pose."""

    def __init__(self, estimator, lost_after_s: float = LOST_AFTER_S):
        self._estimator = estimator
        self._lost_after_s = lost_after_s
        self.track: Anchor | None = None
        self.switches = 0  # times the track was (re)started

    @property
    def estimator(self):
        """The wrapped estimator (the one that finds every pose in a frame)."""
        return self._estimator

    @property
    def model_name(self) -> str:
        return self._estimator.model_name

    def __getattr__(self, name: str):
        # Provenance (model_sha256, mediapipe_version...) comes from the wrapped estimator.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._estimator, name)

    def estimate(self, frame: Frame) -> Pose | None:
        return self.follow(self._poses(frame), frame.time_s)

    def follow(self, poses: list[Pose], time_s: float) -> Pose | None:
        """Of the poses found in one frame, the one that continues the track (frames
        must come in time order)."""
        candidates = []
        for pose in poses:
            anchor = torso_anchor(pose, time_s)
            if anchor is not None:
                candidates.append((pose, anchor))
        chosen = self.choose(candidates, time_s)
        if chosen is None:
            return None
        pose, anchor = chosen
        self.track = anchor
        return pose

    def _poses(self, frame: Frame) -> list[Pose]:
        estimate_all = getattr(self._estimator, "estimate_all", None)
        if estimate_all is not None:
            return list(estimate_all(frame))
        pose = self._estimator.estimate(frame)
        return [] if pose is None else [pose]

    def choose(
        self, candidates: list[tuple[Pose, Anchor]], time_s: float
    ) -> tuple[Pose, Anchor] | None:
        """The candidate that continues the track (see the module notes), or None."""
        if not candidates:
            return None
        track = self.track
        if track is None or time_s - track.time_s > self._lost_after_s:
            self.switches += 1
            return max(candidates, key=lambda c: c[1].scale)
        gap_s = max(time_s - track.time_s, 0.0)
        allowed = MAX_JUMP + MAX_SPEED * gap_s
        best, best_cost = None, math.inf
        for pose, anchor in candidates:
            distance = float(np.linalg.norm(anchor.centre - track.centre)) / track.scale
            ratio = anchor.scale / track.scale
            if distance > allowed or not 1 / MAX_SCALE_RATIO <= ratio <= MAX_SCALE_RATIO:
                continue
            cost = distance + abs(math.log(ratio))
            if cost < best_cost:
                best, best_cost = (pose, anchor), cost
        return best

    def close(self) -> None:
        self._estimator.close()

    def __enter__(self) -> PersonTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def tracked_estimator(model_path: str | Path | None = None, **options) -> PersonTracker:
    """The MediaPipe estimator, asked for up to TRACKED_POSES poses, following one person."""
    return PersonTracker(MediaPipePoseEstimator(model_path, num_poses=TRACKED_POSES, **options))
