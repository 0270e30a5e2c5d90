"""A skeleton found upside down in an upright picture: ask the model again.

BlazePose first finds a person with a detector that also guesses which way the body
points (hips to shoulders), then runs the landmark model on a crop turned by that guess;
in VIDEO mode every later crop follows from the last skeleton. When the first guess is
wrong by half a turn, the landmark model fits the skeleton the wrong way up, shoulders on
the legs and hips on the trunk, and tracking keeps it that way, often for seconds. On
the rendered corpus it happens at the start of a few clips (hands overhead, a loose top
over the hips; the README has the count), and every angle of those frames is nonsense.

No stretch posecoach coaches puts the shoulders far below the hips (the gravity checks of
posecoach.measure.orientation reject such a pose), and a picture that really is upside
down is turned upright before the model (posecoach.run.orientation). So a skeleton
beyond `UPSIDE_DOWN_DEG` is taken for the model's mistake:

1. the frame is asked again, as a still image turned a quarter turn (the detector then
   guesses afresh on a picture it sees differently; asked as it is, the frame often
   comes out upside down again), and the answer, turned back, replaces the upside-down
   one when it is upright;
2. tracking is restarted (at most every `RESTART_EVERY_S`) so the next frames are found
   afresh instead of following the wrong skeleton.

When no turn gives an upright skeleton `GIVE_UP_AFTER` times in a row, the body really is
upside down in this picture (before the orientation check turns it); from then on a
retry is made only every `RETRY_EVERY_S`, so such a clip costs little extra.

`UprightGuard` makes those decisions from times alone; the landmarker
(posecoach.pose.estimation) does the asking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posecoach.landmarks import Landmark
from posecoach.types import Pose

# Trunk (mid-hip to mid-shoulder) more than this from straight up: the shoulders more
# than half a trunk length below the hips. The gravity checks
# (posecoach.measure.orientation) import this bound.
UPSIDE_DOWN_DEG = 120.0
# Quarter turns (clockwise) in which the frame is asked again, in order.
RETRY_TURNS_DEG = (90, 270)
RESTART_EVERY_S = 0.5
GIVE_UP_AFTER = 5
RETRY_EVERY_S = 1.0


def trunk_from_up_deg(pose: Pose) -> float:
    """Angle between the trunk (mid-hip to mid-shoulder) and straight up in the picture,
    0-180 deg; NaN without shoulders and hips."""
    xy = pose.xy
    shoulders = (xy[Landmark.LEFT_SHOULDER] + xy[Landmark.RIGHT_SHOULDER]) / 2.0
    hips = (xy[Landmark.LEFT_HIP] + xy[Landmark.RIGHT_HIP]) / 2.0
    dx, dy = shoulders - hips
    if not (np.isfinite(dx) and np.isfinite(dy)) or (dx == 0 and dy == 0):
        return math.nan
    return math.degrees(math.atan2(abs(float(dx)), -float(dy)))


def upside_down(pose: Pose | None) -> bool:
    """Whether the skeleton points the wrong way up (beyond UPSIDE_DOWN_DEG)."""
    if pose is None:
        return False
    angle = trunk_from_up_deg(pose)
    return math.isfinite(angle) and angle > UPSIDE_DOWN_DEG


@dataclass
class UprightGuard:
    """When to ask a frame again and when to restart tracking (module docstring)."""

    failures_in_row: int = 0
    _last_retry_s: float = -math.inf
    _last_restart_s: float = -math.inf

    def should_retry(self, time_s: float) -> bool:
        """An upside-down skeleton arrived at `time_s`: ask the frame again?"""
        if self.failures_in_row >= GIVE_UP_AFTER and time_s - self._last_retry_s < RETRY_EVERY_S:
            return False
        self._last_retry_s = time_s
        return True

    def retried(self, fixed: bool, time_s: float) -> bool:
        """Record a retry's outcome; True when tracking should restart now."""
        if not fixed:
            self.failures_in_row += 1
            return False
        self.failures_in_row = 0
        if time_s - self._last_restart_s < RESTART_EVERY_S:
            return False
        self._last_restart_s = time_s
        return True

    def upright_seen(self) -> None:
        """The model found an upright skeleton by itself: the body is not upside down."""
        self.failures_in_row = 0
