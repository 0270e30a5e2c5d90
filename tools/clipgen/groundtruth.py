"""Ground-truth angles from a posed skeleton, with the names and signs of DOMAIN.md.

Pure numpy, no torch: it takes joint centres and bone rotations in world coordinates
(metres, z up) and measures in the body's sagittal plane, the world y-z plane (every
pose of the generator is a rotation about x). Signed angles are rotations about +x: for
a body facing -y, a positive rotation moves a downward vector backwards (posterior) and
an upward vector forwards. Laying the whole body down is also a rotation about x, so
the same sense means "posterior" when lying.

Pelvic tilt is measured against the pelvis's neutral (rest, standing) orientation in the
body's own frame: `placement_pitch` is the rotation about x that lays the whole body
down (0 kneeling, -90 supine), and is taken out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posecoach.types import METRIC_NAMES

METRICS = METRIC_NAMES  # the names and order every output uses
OTHER = {"L": "R", "R": "L"}
DOWN = np.array([0.0, 0.0, -1.0])
UP = np.array([0.0, 0.0, 1.0])


def signed_angle_x(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (deg, -180..180] rotating vector a onto b about +x, in the y-z plane."""
    cross = a[1] * b[2] - a[2] * b[1]
    dot = a[1] * b[1] + a[2] * b[2]
    return math.degrees(math.atan2(cross, dot))


def unsigned_angle(a: np.ndarray, b: np.ndarray) -> float:
    """Angle (deg, 0..180) between the y-z projections of a and b."""
    return abs(signed_angle_x(a, b))


def rotation_about_x(rotation: np.ndarray) -> float:
    """The x-rotation angle (deg) of a rotation matrix (its sagittal part)."""
    return math.degrees(math.atan2(rotation[2, 1], rotation[1, 1]))


@dataclass(frozen=True)
class Bones:
    """World rotations (3x3) of the bones the estimates refer to, posed and at rest."""

    pelvis: np.ndarray
    pelvis_rest: np.ndarray
    upper_lumbar: np.ndarray
    upper_lumbar_rest: np.ndarray
    thigh: np.ndarray
    thigh_rest: np.ndarray


def relative_x(
    bone: np.ndarray, bone_rest: np.ndarray, ref: np.ndarray, ref_rest: np.ndarray
) -> float:
    """Sagittal rotation of `bone` relative to `ref`, minus the same in the rest pose."""
    posed = ref.T @ bone
    rest = ref_rest.T @ bone_rest
    return rotation_about_x(posed @ rest.T)


def angles(
    joints: dict[str, np.ndarray], side: str, bones: Bones, placement_pitch: float
) -> dict[str, float]:
    """Every metric of METRICS for the working `side` ("L" or "R").

    joints: "hip_L", "knee_L", "ankle_L", "shoulder_L" and the same for "_R" (3,) each.
    """
    other = OTHER[side]
    mid_hip = (joints["hip_L"] + joints["hip_R"]) / 2.0
    mid_shoulder = (joints["shoulder_L"] + joints["shoulder_R"]) / 2.0
    trunk = mid_shoulder - mid_hip
    thigh = joints[f"knee_{side}"] - joints[f"hip_{side}"]
    shank = joints[f"ankle_{side}"] - joints[f"knee_{side}"]
    other_thigh = joints[f"knee_{other}"] - joints[f"hip_{other}"]
    other_shank = joints[f"ankle_{other}"] - joints[f"knee_{other}"]
    pitch = math.radians(placement_pitch)
    body_up = np.array([0.0, -math.sin(pitch), math.cos(pitch)])
    pelvis_up = bones.pelvis @ bones.pelvis_rest.T @ UP
    return {
        "hip_extension_deg": signed_angle_x(-trunk, thigh),
        "thigh_to_vertical_deg": signed_angle_x(DOWN, thigh),
        "thigh_to_horizontal_deg": math.degrees(math.atan2(thigh[2], abs(thigh[1]))),
        "knee_flexion_deg": unsigned_angle(thigh, shank),
        "other_knee_flexion_deg": unsigned_angle(other_thigh, other_shank),
        "trunk_inclination_deg": -signed_angle_x(UP, trunk),
        "pelvic_tilt_deg": signed_angle_x(body_up, pelvis_up),
        "lumbar_extension_deg": -relative_x(
            bones.upper_lumbar, bones.upper_lumbar_rest, bones.pelvis, bones.pelvis_rest
        ),
        "hip_extension_pelvis_deg": relative_x(
            bones.thigh, bones.thigh_rest, bones.pelvis, bones.pelvis_rest
        ),
    }
