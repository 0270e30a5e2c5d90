"""What the segmentation mask adds to a frame's metrics, carried to frames without one.

The mask costs the pose model about a fifth more time per frame, and offline analysis
on two cores asks for it from one of its two landmarkers only (every other frame, see
`posecoach.run.offline`). The mask gives two things: the working thigh's direction from
its outline (upright, `posecoach.measure.thigh`) and the pelvis estimates
(`posecoach.measure.pelvis`). A frame without a mask takes both from the last frame that
had one, if that is at most `MAX_AGE_S` back:

  * the thigh as the turn from the landmark thigh (knee - hip) to the outline's
    direction, applied to this frame's landmark thigh, so the leg's own movement since
    then still shows;
  * pelvic tilt and lumbar extension as they were (hip_extension_pelvis_deg is composed
    again from this frame's thigh).

Beyond MAX_AGE_S nothing is carried: a frame without a mask then measures as before
(landmark thigh, no pelvis estimate), so a clip whose masks all come is unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np

from posecoach.measure import geometry as geo

# Three frames at 30 fps: one missing mask in two, with room for a frame without a pose.
MAX_AGE_S = 0.1
NAN = float("nan")
_TIME_EPS_S = 1e-6  # frame times are sums of float steps


@dataclass(frozen=True)
class Silhouette:
    """The mask-derived part of one frame's metrics."""

    thigh_turn_deg: float | None  # landmark thigh -> outline thigh, clockwise; None: unused
    pelvic_tilt: tuple[float, float] = (NAN, 0.0)  # (value, confidence)
    lumbar_extension: tuple[float, float] = (NAN, 0.0)


def thigh_turn_deg(landmark_thigh: np.ndarray, outline_thigh: np.ndarray | None) -> float | None:
    """The clockwise turn (degrees, image y down) from the landmark thigh to the
    outline's; None without an outline or when either direction has no length."""
    if outline_thigh is None:
        return None
    ax, ay = float(landmark_thigh[0]), float(landmark_thigh[1])
    bx, by = float(outline_thigh[0]), float(outline_thigh[1])
    if not (math.hypot(ax, ay) > 0 and math.hypot(bx, by) > 0):
        return None
    return math.degrees(math.atan2(ax * by - ay * bx, ax * bx + ay * by))


def turned_thigh(landmark_thigh: np.ndarray, turn_deg: float) -> np.ndarray:
    """The landmark thigh turned `turn_deg` clockwise (`thigh_turn_deg` undone)."""
    return geo.rotate_deg(landmark_thigh, turn_deg)


class SilhouetteCarry:
    """The last Silhouette, its time and what it was measured for (working leg and
    facing); `recent` gives it back for the same leg and facing while it is at most
    `max_age_s` old."""

    def __init__(self, max_age_s: float = MAX_AGE_S):
        self.max_age_s = max_age_s
        self._last: Silhouette | None = None
        self._time_s = -math.inf
        self._key: Hashable = None

    def remember(self, time_s: float, silhouette: Silhouette, key: Hashable) -> None:
        self._last, self._time_s, self._key = silhouette, time_s, key

    def recent(self, time_s: float, key: Hashable) -> Silhouette | None:
        if self._last is None or key != self._key:
            return None
        if not 0.0 <= time_s - self._time_s <= self.max_age_s + _TIME_EPS_S:
            return None
        return self._last

    def reset(self) -> None:
        self._last, self._time_s, self._key = None, -math.inf, None
