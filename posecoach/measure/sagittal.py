"""Angles in the body's sagittal plane when the camera is not exactly side-on.

The angle maths of `geometry` reads the image as if it were the sagittal plane. Turned by
theta about the vertical, that plane reaches the camera foreshortened: a point at
(anterior a, up u) of the body projects, for a distant camera, to image
(a * cos(theta) + l * sin(theta), -u), l being its left-right offset. Along the segments
the metrics use (mid-shoulder -> mid-hip, one leg's hip -> knee -> ankle) l changes
little, so stretching the image's horizontal axis by 1 / cos(theta) gives back the side
view: `tan(measured) = cos(theta) * tan(true)` becomes `tan(true)` again. A 20 deg
hip extension seen 35 deg off side-on reads 16.6 deg before this and 20 after.

theta comes from the body's own left-right axis (`posecoach.measure.view`: shoulder and
hip widths, relative depth and the world landmarks), so nothing here needs the camera.
The stretch is only as good as theta, and it grows fast beyond about 45 deg, so it is
capped at MAX_CORRECTED_DEG (the view gate stops coaching well before that).

`world_sagittal` does the same in 3-D from the world landmarks alone: the plane is the
one normal to the hip axis (left -> right hip), and the trunk and thigh are projected
into it. It is kept as a second opinion for the yaw sweep (tools/bench/bench_accuracy.py
--yaw-sweep), which measures which one holds better as the camera turns.
"""

from __future__ import annotations

import math

import numpy as np

from posecoach.landmarks import Landmark, Side, sided

# Beyond this the stretch is held (1 / cos(50 deg) = 1.56): a larger turn is not
# measured, it is coached back (the view gate).
MAX_CORRECTED_DEG = 50.0


def foreshortening(view_deg: float, limit_deg: float = MAX_CORRECTED_DEG) -> float:
    """The horizontal stretch 1 / cos(theta) that undoes a turn of `view_deg` about the
    vertical; 1 for NaN (no view known: measure the image as it is). `view_deg` is
    unsigned (the stretch is the same whichever way the body is turned) and clamped to
    [0, limit_deg]."""
    if not math.isfinite(view_deg):
        return 1.0
    theta = math.radians(min(max(view_deg, 0.0), limit_deg))
    return 1.0 / math.cos(theta)


def stretch_xy(xy: np.ndarray, factor: float) -> np.ndarray:
    """Image points or vectors (..., 2) with x multiplied by `factor` (angle maths is
    translation-invariant, so scaling about the image origin is as good as any)."""
    out = np.array(xy, dtype=float, copy=True)
    out[..., 0] *= factor
    return out


def _unit(v: np.ndarray) -> np.ndarray | None:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 and math.isfinite(n) else None


def world_sagittal(world: np.ndarray | None, side: Side) -> dict[str, float]:
    """Hip extension and knee flexion of leg `side` (degrees) from the world landmarks
    alone (MediaPipe: metres, x right, y down, z away from the camera).

    Hip extension: the thigh (hip -> knee) projected into the plane normal to the hip
    axis (left -> right hip), against the trunk line (mid-shoulder -> mid-hip, projected
    the same way) continued; positive when the thigh lies behind it. The body's front in
    that plane is hip axis x trunk-down (for a body facing +x seen from its right side:
    (0, 0, -1) x (0, 1, 0) = +x). Knee flexion: the 3-D angle between thigh and shank,
    which no camera turn changes. NaN values when a landmark is missing."""
    nan = {"hip_extension_deg": float("nan"), "knee_flexion_deg": float("nan")}
    if world is None:
        return nan
    w = np.asarray(world, dtype=float)
    l_hip, r_hip = w[int(Landmark.LEFT_HIP)], w[int(Landmark.RIGHT_HIP)]
    l_sh, r_sh = w[int(Landmark.LEFT_SHOULDER)], w[int(Landmark.RIGHT_SHOULDER)]
    hip, knee = w[int(sided("hip", side))], w[int(sided("knee", side))]
    ankle = w[int(sided("ankle", side))]
    if not np.all(np.isfinite([l_hip, r_hip, l_sh, r_sh, hip, knee, ankle])):
        return nan
    lateral = _unit(r_hip - l_hip)
    trunk_down = _unit(((l_hip + r_hip) - (l_sh + r_sh)) / 2.0)
    if lateral is None or trunk_down is None:
        return nan
    down = _unit(trunk_down - lateral * float(trunk_down @ lateral))
    if down is None:
        return nan
    front = np.cross(lateral, down)
    thigh, shank = knee - hip, ankle - knee
    hip_ext = math.degrees(math.atan2(-float(thigh @ front), float(thigh @ down)))
    t, s = _unit(thigh), _unit(shank)
    knee_flex = float("nan")
    if t is not None and s is not None:
        knee_flex = math.degrees(math.acos(max(-1.0, min(1.0, float(t @ s)))))
    return {"hip_extension_deg": hip_ext, "knee_flexion_deg": knee_flex}
