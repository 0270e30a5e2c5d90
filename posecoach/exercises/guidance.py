"""Set-up guidance: what to tell someone whose camera view is not usable yet.

Pure: reads the pose and FrameMetrics (view_ok, view_angle_deg) and returns one short
instruction, or None when the view is fine. The overlay only draws the answer.
"""

from __future__ import annotations

import math

from posecoach.landmarks import Side
from posecoach.measure.view import out_of_frame
from posecoach.types import FrameMetrics, Pose

NO_PERSON = "Step into the picture, side-on to the camera"
TURN = "Turn side-on to the camera"
FEET_OUT = "Move back: your feet are out of frame"
HEAD_OUT = "Move back: your head and shoulders are out of frame"
BODY_OUT = "Move back so your whole body is in frame"
# A turn is named only when the view is at least this far off and said to the nearest step.
TURN_MIN_DEG = 5.0
TURN_STEP_DEG = 5.0
UPRIGHT_POSTURES = ("kneeling", "standing")


def setup_message(pose: Pose | None, metrics: FrameMetrics | None) -> str | None:
    """The most useful single instruction for fixing the camera view, or None."""
    if metrics is None:
        return None
    if pose is None or not metrics.pose_detected:
        return NO_PERSON
    if metrics.view_ok:
        return None
    sides = (metrics.side,) if metrics.side is not None else None
    missing = out_of_frame(pose, sides) if sides else out_of_frame(pose)
    # Being out of frame is fixed first: the view angle cannot be judged without joints.
    lower = any(name.endswith(("_ankle", "_knee")) for name in missing)
    upper = any(name.endswith(("_shoulder", "_hip")) for name in missing)
    if lower and not upper:
        return FEET_OUT
    if upper and not lower:
        return HEAD_OUT
    if missing:
        return BODY_OUT
    return turn_instruction(metrics) or TURN


def turn_instruction(metrics: FrameMetrics) -> str | None:
    """Which way and about how far to turn, from the signed view angle, or None when the
    direction is not known."""
    return turn_advice(metrics.view_yaw_deg, metrics.posture, metrics.near_side)


def turn_advice(yaw_deg: float, posture: str, near: Side | None) -> str | None:
    """The turn for a view `yaw_deg` off side-on (+ chest towards the camera), or None when
    it is unknown or small. Upright, the person turns; lying, the camera moves."""
    if not math.isfinite(yaw_deg) or abs(yaw_deg) < TURN_MIN_DEG:
        return None
    amount = max(TURN_STEP_DEG, TURN_STEP_DEG * round(abs(yaw_deg) / TURN_STEP_DEG))
    if posture not in UPRIGHT_POSTURES:
        return f"Move the camera about {amount:.0f} deg round, to see you exactly from the side"
    way = "away from" if yaw_deg > 0 else "towards"
    faces = f", so your {near.name.lower()} side faces it" if near is not None else ""
    return f"Turn your chest about {amount:.0f} deg {way} the camera{faces}"
