"""Set-up guidance: what to tell someone whose camera view is not usable yet.

Pure: reads the pose and FrameMetrics (view_ok, view_angle_deg) and returns one short
instruction, or None when the view is fine. The overlay only draws the answer.
"""

from __future__ import annotations

import math

from posecoach.measure.view import BAD_DEG, out_of_frame
from posecoach.types import FrameMetrics, Pose

NO_PERSON = "Step into the picture, side-on to the camera"
TURN = "Turn side-on to the camera"
FEET_OUT = "Move back: your feet are out of frame"
HEAD_OUT = "Move back: your head and shoulders are out of frame"
BODY_OUT = "Move back so your whole body is in frame"


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
    angle = metrics.view_angle_deg
    if math.isfinite(angle) and angle > BAD_DEG:
        return TURN
    return TURN
