"""Which way the body faces and which leg is worked, stable over time.

Both are decided from per-frame EVIDENCE in [-1, 1] that is accumulated with a
time constant (`Hysteresis`): a decision is taken when the accumulated evidence
passes a threshold and changes only when the opposite evidence has persisted long
enough to pass it the other way. One wrong frame (a leg-label swap, a turned head)
cannot flip either.

Facing (see `posecoach.measure.geometry` for its meaning, a chirality) has three cues, each
invariant to rotating the whole body in the image, so they hold for lying bodies:
  * knees bend backwards: the shank turns CLOCKWISE on screen from the thigh when
    facing = +1 (cross2(knee - hip, ankle - knee) > 0), strongest when flexed;
  * the nose is anterior of the ears: cross2(up, nose - mid_ear) > 0 for facing +1;
  * depth: facing +1 means the camera sees the right side, so the right landmarks
    are nearer (smaller z) than the left ones (checked on real photos: the knee and
    nose cues agree with this sign).
Working side: the leg whose thigh is more extended relative to the trunk line (the
kneeling leg, the leg hanging off the bench, the straight leg when the other knee
is pulled to the chest).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posecoach.landmarks import Landmark, Side, sided
from posecoach.measure import geometry as geo
from posecoach.measure.frame import MIN_VISIBILITY, landmark_point, pair_midpoint
from posecoach.types import Pose

# Weights of the facing cues (the knee cue is scaled by how bent the knee is).
KNEE_WEIGHT = 1.0
NOSE_WEIGHT = 0.7
DEPTH_WEIGHT = 0.5
# Hip-extension difference (degrees) between the legs that counts as full evidence.
SIDE_FULL_EVIDENCE_DEG = 40.0
# Weight of side evidence read from a leg the model marks as hidden.
HIDDEN_LEG_WEIGHT = 0.5
# The working side is dropped (undecided) after this long with no evidence either way.
SIDE_RELEASE_S = 0.5


@dataclass
class Hysteresis:
    """A two-way decision (+1 / -1, 0 = not yet) from noisy evidence in [-1, 1].

    The evidence is averaged with an exponential time constant `time_constant_s`
    (real timestamps, so frame rate does not matter); the decision becomes +1 when
    the average exceeds `threshold`, -1 below -threshold, and otherwise stays.
    NaN evidence (nothing seen) leaves the average unchanged.

    With `release_after_s`, a decision is also dropped (state and average back to 0)
    once every frame's evidence has stayed within `release_level` of zero that long: it
    has been saying "neither" (both legs equally extended, as in a rest between holds),
    and keeping the old answer would be a guess. Without it (None) a decision only ever
    flips. NaN evidence neither starts nor ends such a stretch.
    """

    threshold: float = 0.4
    time_constant_s: float = 0.6
    release_level: float = 0.1
    release_after_s: float | None = None
    state: int = 0
    level: float = 0.0
    _last_time: float | None = field(default=None, repr=False)
    _neutral_since: float | None = field(default=None, repr=False)

    def update(self, evidence: float, time_s: float) -> int:
        dt = 0.0 if self._last_time is None else max(time_s - self._last_time, 0.0)
        self._last_time = time_s
        if np.isfinite(evidence):
            # First sample weighs like one frame at 30 fps.
            alpha = 1.0 - np.exp(-(dt if dt > 0 else 1 / 30) / self.time_constant_s)
            self.level += alpha * (float(np.clip(evidence, -1, 1)) - self.level)
        if self.level > self.threshold:
            self.state = 1
        elif self.level < -self.threshold:
            self.state = -1
        if self.release_after_s is not None and np.isfinite(evidence):
            self._release(abs(evidence) < self.release_level, time_s)
        return self.state

    def _release(self, neutral: bool, time_s: float) -> None:
        if not neutral:
            self._neutral_since = None
        elif self._neutral_since is None:
            self._neutral_since = time_s
        elif time_s - self._neutral_since >= self.release_after_s - 1e-9:
            self.state, self.level = 0, 0.0

    def reset(self) -> None:
        self.state, self.level, self._last_time, self._neutral_since = 0, 0.0, None, None


def _knee_cue(pose: Pose) -> tuple[float, float]:
    """(signed evidence, weight) from how the knees bend."""
    total = weight = 0.0
    for s in Side:
        hip, knee, ankle = (landmark_point(pose, sided(j, s)) for j in ("hip", "knee", "ankle"))
        if not (hip.ok and knee.ok and ankle.ok):
            continue
        thigh, shank = knee.xy - hip.xy, ankle.xy - knee.xy
        lengths = float(geo.norm(thigh) * geo.norm(shank))
        if lengths <= 0:
            continue
        sine = float(geo.cross2(thigh, shank)) / lengths  # sin of the signed flexion
        # A knee bent past 20 degrees is decisive; an almost straight one says little.
        w = float(np.clip(abs(sine) / np.sin(np.radians(20)), 0, 1))
        total += np.sign(sine) * w
        weight += w
    return (total / weight if weight else 0.0), min(weight, 1.0)


def _trunk_up(pose: Pose) -> tuple[np.ndarray, float]:
    sh = pair_midpoint(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    hip = pair_midpoint(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    if not (sh.ok and hip.ok):
        return np.array([np.nan, np.nan]), float("nan")
    axis = sh.xy - hip.xy
    return axis, float(geo.norm(axis))


def _nose_cue(pose: Pose) -> float:
    """Signed evidence from the nose being anterior of the ears (0 when unseen)."""
    up, length = _trunk_up(pose)
    nose = landmark_point(pose, Landmark.NOSE)
    ears = [landmark_point(pose, e) for e in (Landmark.LEFT_EAR, Landmark.RIGHT_EAR)]
    ears = [e for e in ears if e.ok]
    if not (np.isfinite(length) and length > 0 and nose.ok and ears):
        return 0.0
    ear = np.mean([e.xy for e in ears], axis=0)
    offset = float(geo.cross2(up / length, nose.xy - ear))
    # A nose 5% of the trunk length in front of the ears is a clear profile.
    return float(np.clip(offset / (0.05 * length), -1, 1))


def _depth_cue(pose: Pose) -> float:
    """Signed evidence from right landmarks being nearer than left ones (facing +1)."""
    _, length = _trunk_up(pose)
    if not (np.isfinite(length) and length > 0):
        return 0.0
    width = pose.image_size[0]
    diffs = []
    for joint in ("shoulder", "hip"):
        li, ri = int(sided(joint, Side.LEFT)), int(sided(joint, Side.RIGHT))
        if np.isfinite(pose.z[li]) and np.isfinite(pose.z[ri]):
            diffs.append((pose.z[li] - pose.z[ri]) * width / length)
    if not diffs:
        return 0.0
    # z is noisy: a depth gap of 20% of the trunk length is full evidence.
    return float(np.clip(np.mean(diffs) / 0.2, -1, 1))


def facing_evidence(pose: Pose) -> float:
    """Evidence in [-1, 1] that facing is +1 (positive) or -1 (negative); NaN if none."""
    knee, knee_w = _knee_cue(pose)
    cues = [
        (knee, KNEE_WEIGHT * knee_w),
        (_nose_cue(pose), NOSE_WEIGHT),
        (_depth_cue(pose), DEPTH_WEIGHT),
    ]
    total = sum(w for c, w in cues if c != 0.0)
    if total == 0:
        return float("nan")
    return float(sum(c * w for c, w in cues) / total)


def leg_extension_deg(
    pose: Pose, side: Side, facing: int, min_visibility: float = MIN_VISIBILITY
) -> float:
    """Raw hip extension of one leg against the trunk line (degrees, NaN if unseen)."""
    sh = pair_midpoint(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    mid = pair_midpoint(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    hip = landmark_point(pose, sided("hip", side), min_visibility)
    knee = landmark_point(pose, sided("knee", side), min_visibility)
    if not (sh.ok and mid.ok and hip.ok and knee.ok):
        return float("nan")
    return float(geo.extension_from_line(mid.xy - sh.xy, knee.xy - hip.xy, facing))


def side_evidence(pose: Pose, facing: int) -> float:
    """Evidence in [-1, 1] that the LEFT (positive) or RIGHT leg is worked; NaN if none."""
    left = leg_extension_deg(pose, Side.LEFT, facing)
    right = leg_extension_deg(pose, Side.RIGHT, facing)
    weight = 1.0
    if not np.isfinite(left - right):
        # A leg hidden behind the other (lying with the legs together) still has the
        # model's guess of where it is; half weight, so a few such frames cannot flip a
        # decision, but a long stretch of them says "neither" (see Hysteresis release).
        left = leg_extension_deg(pose, Side.LEFT, facing, 0.0)
        right = leg_extension_deg(pose, Side.RIGHT, facing, 0.0)
        weight = HIDDEN_LEG_WEIGHT
    diff = left - right
    if not np.isfinite(diff):
        return float("nan")
    return float(weight * np.clip(diff / SIDE_FULL_EVIDENCE_DEG, -1, 1))


def _leg(evidence: float, facing: int) -> Side:
    """The leg side evidence points to, or the leg nearer the camera (facing +1 shows
    the right side) when it points nowhere."""
    if np.isfinite(evidence) and evidence != 0:
        return Side.LEFT if evidence > 0 else Side.RIGHT
    return Side.RIGHT if facing > 0 else Side.LEFT


@dataclass
class SideTracker:
    """Facing and working side with hysteresis. `side_hint` fixes the side if given."""

    side_hint: Side | None = None
    facing: Hysteresis = field(default_factory=Hysteresis)
    side: Hysteresis = field(
        default_factory=lambda: Hysteresis(threshold=0.4, release_after_s=SIDE_RELEASE_S)
    )
    # The decided facing, or until then this frame's own evidence (0 when none).
    provisional_facing: int = 0
    # The leg this frame's own side evidence points to (the more extended one), else the
    # leg nearer the camera; None without a provisional facing. For measuring before the
    # working side is decided.
    provisional_side: Side | None = None

    def update(self, pose: Pose | None, time_s: float) -> tuple[int, Side | None]:
        """(facing +1/-1/0, working side or None) after this frame."""
        self.provisional_facing = 0
        self.provisional_side = None
        if pose is None:
            facing = self.facing.update(float("nan"), time_s)
            state = self.side.update(float("nan"), time_s)
        else:
            instant = facing_evidence(pose)
            facing = self.facing.update(instant, time_s)
            use = facing
            if use == 0 and np.isfinite(instant):
                use = int(np.sign(instant))
            self.provisional_facing = use
            evidence = side_evidence(pose, use) if use != 0 else float("nan")
            state = self.side.update(evidence, time_s)
            if use != 0:
                self.provisional_side = _leg(evidence, use)
        if self.side_hint is not None:
            return facing, self.side_hint
        return facing, (Side.LEFT if state > 0 else Side.RIGHT if state < 0 else None)

    def reset(self) -> None:
        self.facing.reset()
        self.side.reset()
