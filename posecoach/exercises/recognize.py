"""Guess which exercise a recording shows (`--exercise auto`), from FrameMetrics alone.

Each exercise has a signature: the postures it is done in and, for the supine ones, the
ranges of a few angles of the working leg and the other leg (degrees, signs as in
posecoach/types.py). Every frame with a detected pose votes for the signatures it matches;
the exercise with the largest share of matching frames wins if that share reaches
`min_share`. This is a pure function: no state, no clock.

Only frames whose orientation was checked and found right way up vote
(`FrameMetrics.orientation_ok`, posecoach.measure.orientation): an upside-down kneeling
stretch has the angles of a face-down exercise, so a frame the checks reject, or did not
make, matches nothing, and a turned clip is not recognised with confidence.

What it cannot tell apart: the plain kneeling stretch from its contract-relax variant
(a squeeze does not move the joints), so a kneeling recording is reported as
"kneeling_hip_flexor" with the variant listed among the alternatives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from posecoach.types import FrameMetrics

# metric -> (low, high) in degrees; NaN never matches a range.
Ranges = dict[str, tuple[float, float]]


@dataclass(frozen=True)
class Signature:
    exercise_id: str
    postures: tuple[str, ...]
    ranges: Ranges


SIGNATURES: tuple[Signature, ...] = (
    # Back thigh behind the trunk line, kneeling.
    Signature("kneeling_hip_flexor", ("kneeling",), {}),
    # Working leg long on the surface, the other knee hugged.
    Signature(
        "lying_psoas_level1",
        ("supine",),
        {"knee_flexion_deg": (-10.0, 35.0), "other_knee_flexion_deg": (70.0, 180.0)},
    ),
    # Working shank hanging off the edge, thigh near or below horizontal, other knee hugged.
    Signature(
        "edge_of_bench_psoas",
        ("supine",),
        {
            "knee_flexion_deg": (35.0, 150.0),
            "thigh_to_horizontal_deg": (-45.0, 20.0),
            "other_knee_flexion_deg": (70.0, 180.0),
        },
    ),
    # Both knees bent, feet on the floor: thighs well above horizontal.
    Signature(
        "constructive_rest",
        ("supine",),
        {
            "knee_flexion_deg": (45.0, 140.0),
            "other_knee_flexion_deg": (45.0, 140.0),
            "thigh_to_horizontal_deg": (20.0, 80.0),
        },
    ),
    Signature("foam_roller_lumbar", ("reclined",), {}),
    Signature("ball_release", ("prone",), {}),
)

# Reported as alternatives when the first id wins: indistinguishable from pose alone.
LOOKALIKES: dict[str, tuple[str, ...]] = {"kneeling_hip_flexor": ("kneeling_hip_flexor_pnf",)}


@dataclass(frozen=True)
class Recognition:
    """exercise_id: the best guess, or None when nothing matched well enough.
    share: fraction of pose frames that matched it (0..1).
    shares: every signature's share, for reporting. alternatives: lookalikes of the guess.
    """

    exercise_id: str | None
    share: float
    shares: dict[str, float]
    alternatives: tuple[str, ...] = ()


def matches(signature: Signature, metrics: FrameMetrics) -> bool:
    """Whether one frame fits `signature` (posture and every angle range), in a picture
    checked to be the right way up."""
    if not metrics.pose_detected or metrics.orientation_ok is not True:
        return False
    if metrics.posture not in signature.postures:
        return False
    return all(_within(metrics.get(name), lo, hi) for name, (lo, hi) in signature.ranges.items())


def _within(value: float, lo: float, hi: float) -> bool:
    return not math.isnan(value) and lo <= value <= hi


def recognize(frames: Sequence[FrameMetrics], min_share: float = 0.3) -> Recognition:
    """The exercise the frames most likely show.

    Only frames with a detected pose count. A share below `min_share` (for example a clip
    of someone standing) gives exercise_id None.
    """
    posed = [m for m in frames if m.pose_detected]
    if not posed:
        return Recognition(None, 0.0, {})
    shares = {
        sig.exercise_id: sum(matches(sig, m) for m in posed) / len(posed) for sig in SIGNATURES
    }
    best = max(shares, key=lambda k: shares[k])
    if shares[best] < min_share:
        return Recognition(None, shares[best], shares)
    return Recognition(best, shares[best], shares, LOOKALIKES.get(best, ()))
