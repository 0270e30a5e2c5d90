"""Keep each leg's identity from frame to frame, and do not trust a leg that teleports.

Seen from the side the two legs overlap, and BlazePose now and then mislabels them:
- it swaps them: one leg's points get the other leg's labels, for a frame or from some
  frame on, sometimes for part of the leg only (the ankles alone);
- it collapses them: both legs' labels land on the same physical leg (on the
  edge-of-bench stretch, on the hugged one) and the other leg is not reported at all.
Both show as points that jump, between two frames, farther than any stretch moves a leg;
a swap as both legs jumping to where the other one just was, a collapse as a leg jumping
onto the other one.

`LegIdentity.update` works on two groups of leg points (the knees; the ankles, heels and
toes):
1. swaps the legs' labels back, knee to toes at once, when against the last accepted
   positions exchanging them is closer by `MIN_GAIN` torso lengths and the labels as
   given would have the legs jump more than `MAX_JUMP`;
2. marks a leg's group as not seen (visibility 0, so no metric uses it; the positions
   are kept for the record) while it lies farther from its last accepted position than
   `MAX_JUMP` torso lengths plus `MAX_SPEED` times the time since: a leg that really
   moved is accepted again once that allowance has grown;
3. keeps a leg that jumped onto the other one (to within `COINCIDE` torso lengths of it)
   not seen until the two are `APART` again, whatever the time: two labels on one leg
   say nothing about where the other leg is. Legs that come together gradually
   (kneeling up on both knees) were accepted every frame on the way and are not held.
The hips are left as they are: side-on they lie on top of each other. The model's labels
are right far more often than not, and the first frames of a track are often tangled, so
the reference is the model's labelling as it comes until the legs have moved plausibly
for `SETTLE_FRAMES` frames on end.

After a gap (no pose for `MAX_GAP_S`, or a sparse sample of the clip), or when the torso
jumps or changes size at once (the model finding the body afresh), everything learned
is dropped and the legs settle again.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from posecoach.landmarks import Landmark
from posecoach.types import Pose

GROUPS = (
    ((Landmark.LEFT_KNEE, Landmark.RIGHT_KNEE),),
    (
        (Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE),
        (Landmark.LEFT_HEEL, Landmark.RIGHT_HEEL),
        (Landmark.LEFT_FOOT_INDEX, Landmark.RIGHT_FOOT_INDEX),
    ),
)
LEG_PAIRS = tuple(pair for group in GROUPS for pair in group)
# Row indices into Pose.xy per group and side (0 = the pairs' first, 1 = their second).
_GROUP_ROWS = tuple(tuple(np.array([int(pair[k]) for pair in group]) for k in range(2))
                    for group in GROUPS)
_LEG_ROWS = tuple(np.array([int(pair[k]) for pair in LEG_PAIRS]) for k in range(2))
# Torso lengths (mid-shoulder to mid-hip); per leg, the mean over the group's points.
MAX_JUMP = 0.3
MAX_SPEED = 2.0  # torso lengths per second, added for the time since a leg was accepted
MIN_GAIN = 0.4  # both legs together, for a swap
COINCIDE = 0.25  # a leg that jumps to within this of the other one has landed on it
APART = 0.5  # and is held until they are this far apart again
MAX_GAP_S = 0.25
# A torso that changes length by more than this factor, or moves more than MAX_JUMP of
# its length, between two frames is the model finding the body afresh (its first frames
# on a person are often a wrong guess at a smaller scale): the legs settle again.
MAX_TORSO_CHANGE = 1.3
# The first frames of a track are often tangled; the reference is taken from the model's
# labels as they come until the legs have moved plausibly this many frames on end.
SETTLE_FRAMES = 4
_TORSO = (Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP,
          Landmark.RIGHT_HIP)


def torso_length(pose: Pose) -> float:
    """Mid-shoulder to mid-hip in pixels; NaN when the torso is not located."""
    points = pose.xy[[int(p) for p in _TORSO]]
    if not np.isfinite(points).all():
        return float("nan")
    return float(np.linalg.norm(points[:2].mean(axis=0) - points[2:].mean(axis=0)))


def swap_landmarks(pose: Pose, pairs) -> Pose:
    """`pose` with each (left, right) pair's landmarks exchanged in every array."""
    order = np.arange(len(pose.xy))
    for left, right in pairs:
        order[int(left)], order[int(right)] = int(right), int(left)
    return dataclasses.replace(
        pose,
        xy=pose.xy[order],
        z=pose.z[order],
        visibility=pose.visibility[order],
        presence=pose.presence[order],
        world=pose.world[order] if pose.world is not None else None,
    )


def hide_landmarks(pose: Pose, landmarks) -> Pose:
    """`pose` with `landmarks` marked not seen (visibility 0), positions kept."""
    visibility = pose.visibility.copy()
    visibility[[int(i) for i in landmarks]] = 0.0
    return dataclasses.replace(pose, visibility=visibility)


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean distance between matching rows seen in both (NaN when none)."""
    d = a - b
    lengths = np.sqrt((d * d).sum(axis=1))  # not finite where either row is not
    lengths = lengths[np.isfinite(lengths)]
    return float(lengths.mean()) if lengths.size else np.nan


class LegIdentity:
    """Per stream: each pose in (in time order), the pose with its legs' labels kept and
    a leg that jumped marked not seen (module notes)."""

    def __init__(self, max_gap_s: float = MAX_GAP_S):
        self.max_gap_s = max_gap_s
        self.swapped_frames = 0  # frames in which some leg labels were exchanged
        self.hidden_frames = 0  # frames in which some leg was marked not seen
        self.reset()

    def reset(self) -> None:
        # Per group: the last accepted (left, right) positions, each (points, 2), their
        # times, and whether the side is held for having jumped onto the other leg.
        self._accepted: list[list[np.ndarray | None]] = [[None, None] for _ in GROUPS]
        self._accepted_at = np.full((len(GROUPS), 2), -np.inf)
        self._collapsed = np.zeros((len(GROUPS), 2), bool)
        self._last_time = -np.inf
        self._settled = 0  # frames on end the legs moved plausibly, while settling
        self._torso: tuple[np.ndarray, float] | None = None  # centre, length

    def update(self, pose: Pose | None, time_s: float) -> Pose | None:
        if pose is None:
            return None
        if time_s - self._last_time > self.max_gap_s:
            self.reset()
        self._last_time = time_s
        scale = torso_length(pose)
        if not scale > 0:
            return pose
        centre = pose.xy[[int(p) for p in _TORSO]].mean(axis=0)
        if self._torso is not None:
            was_centre, was_scale = self._torso
            ratio = scale / was_scale
            moved = float(np.linalg.norm(centre - was_centre)) / was_scale
            if not 1 / MAX_TORSO_CHANGE <= ratio <= MAX_TORSO_CHANGE or moved > MAX_JUMP:
                self.reset()
        self._torso = (centre, scale)
        if self._settled < SETTLE_FRAMES:
            self._settle(pose, time_s, scale)
            return pose
        swap = self._should_swap(pose, time_s, scale)
        if swap:
            pose = swap_landmarks(pose, LEG_PAIRS)
            self.swapped_frames += 1
        hidden = []
        for g, group in enumerate(GROUPS):
            left, right = (pose.xy[rows] for rows in _GROUP_ROWS[g])
            for k, (now, other) in enumerate(((left, right), (right, left))):
                if self._judge(g, k, now, other, time_s, scale):
                    self._accepted[g][k], self._accepted_at[g, k] = now, time_s
                else:
                    hidden += [pair[k] for pair in group]
        if hidden:
            pose = hide_landmarks(pose, hidden)
            self.hidden_frames += 1
        return pose

    def _settle(self, pose: Pose, time_s: float, scale: float) -> None:
        """While settling: the model's labels become the reference as they come."""
        plausible = True
        for g in range(len(GROUPS)):
            for k in range(2):
                now = pose.xy[_GROUP_ROWS[g][k]]
                was = self._accepted[g][k]
                if was is not None and _distance(now, was) > self._allowed(g, k, time_s) * scale:
                    plausible = False
                self._accepted[g][k], self._accepted_at[g, k] = now, time_s
        self._settled = self._settled + 1 if plausible else 0

    def _allowed(self, g: int, k: int, time_s: float) -> float:
        return MAX_JUMP + MAX_SPEED * max(time_s - self._accepted_at[g, k], 0.0)

    def _should_swap(self, pose: Pose, time_s: float, scale: float) -> bool:
        """Whether the whole leg's labels (knee to toes) are to be exchanged: a swap is
        undone for the whole leg at once, so a knee never ends up on the other leg's
        shank."""
        if any(was is None for sides in self._accepted for was in sides):
            return False
        now_l, now_r = (pose.xy[rows] for rows in _LEG_ROWS)
        was_l = np.concatenate([sides[0] for sides in self._accepted])
        was_r = np.concatenate([sides[1] for sides in self._accepted])
        straight = _distance(now_l, was_l) + _distance(now_r, was_r)
        crossed = _distance(now_l, was_r) + _distance(now_r, was_l)
        jump = float(min(self._allowed(g, k, time_s) for g in range(len(GROUPS))
                         for k in range(2)))
        return straight > jump * scale and crossed + MIN_GAIN * scale < straight

    def _judge(self, g: int, k: int, now, other, time_s: float, scale: float) -> bool:
        """Accept this leg's group (True) or mark it not seen (False)."""
        apart = _distance(now, other)
        if self._collapsed[g, k]:
            if not apart >= APART * scale:
                return False
            self._collapsed[g, k] = False
        was = self._accepted[g][k]
        if was is None:
            return True
        moved = _distance(now, was)
        if not moved > self._allowed(g, k, time_s) * scale:  # NaN: nothing to compare
            return True
        if apart < COINCIDE * scale and _distance(was, other) >= APART * scale:
            self._collapsed[g, k] = True  # jumped onto the other leg
        return False
