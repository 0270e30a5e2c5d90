"""Ground-truth angles from a posed 3D skeleton (pure numpy).

Names and signs are those of posecoach/registry.py (the README's "Measured quantities").
Every angle is measured in the body's sagittal plane, spanned by two unit vectors built from
the skeleton itself:

* ``up``: the world vertical (gravity), because thigh-to-vertical/horizontal and trunk
  inclination are defined against gravity, not against the body;
* ``fwd``: ``up x right`` where ``right`` is the left-to-right hip-centre axis made horizontal.
  For an upright person this is the way they face. For a supine person it points from head to
  feet, i.e. the way they would face if they sat up, so "posterior" keeps meaning "behind the
  trunk" continuously from kneeling to lying.

A 3D vector ``v`` becomes the 2D sagittal vector ``(v.fwd, v.up)``; the lateral part is dropped
(that is what a side-on camera sees). Signed angles below are "posterior positive": rotating
a segment so that its distal end moves behind (towards -fwd for a downward segment) is positive.
All results are in degrees.

The clip generator (tools/clipgen) has its own GT module that measures in the world y-z plane
(its bodies always face -y). This one is an independent implementation that does not assume
a facing direction; tests/tools/test_synth_groundtruth.py checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecoach.registry import METRIC_NAMES

JOINTS = ("shoulder", "hip", "knee", "ankle")
GT_COLUMNS = METRIC_NAMES  # the names and order every output uses


@dataclass(frozen=True)
class Skeleton:
    """Joint centres and segment axes of one posed body, world coordinates in metres, z up.

    joints: name -> (3,) position for ``l_/r_`` + shoulder, hip, knee, ankle (glenohumeral,
        femoral head, knee and ankle joint centres).
    pelvis_up: (3,) unit vector fixed in the pelvis that is vertical in the rest (neutral
        standing) pose, carried by the posed pelvis rotation.
    lumbar_up: (3,) same for the upper lumbar spine bone.
    """

    joints: dict[str, np.ndarray]
    pelvis_up: np.ndarray
    lumbar_up: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        return np.asarray(self.joints[name], dtype=float)


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    if n < 1e-12:
        raise ValueError("degenerate vector: cannot define a direction")
    return v / n


def sagittal_frame(skel: Skeleton, up=(0.0, 0.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """(fwd, up) unit vectors of the body's sagittal plane, see the module docstring."""
    up = _unit(np.asarray(up, dtype=float))
    right = skel["r_hip"] - skel["l_hip"]
    right = _unit(right - np.dot(right, up) * up)
    return np.cross(up, right), up


def to_2d(v: np.ndarray, frame: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Project a 3D vector into the sagittal plane: (forward, up) components."""
    fwd, up = frame
    return np.array([np.dot(v, fwd), np.dot(v, up)])


def anterior_angle(v2: np.ndarray) -> float:
    """Angle of a 2D (fwd, up) vector from straight up, positive towards anterior. (-180, 180]."""
    return float(np.degrees(np.arctan2(v2[0], v2[1])))


def signed_posterior(a2: np.ndarray, b2: np.ndarray) -> float:
    """Angle rotating 2D vector a onto b, positive when b lies posterior of a. (-180, 180].

    In (fwd, up) coordinates a counter-clockwise turn of a downward vector moves its end
    forward, so posterior is clockwise: minus the usual atan2(cross, dot).
    """
    cross = a2[0] * b2[1] - a2[1] * b2[0]
    return float(-np.degrees(np.arctan2(cross, np.dot(a2, b2))))


def unsigned_angle(a2: np.ndarray, b2: np.ndarray) -> float:
    """Angle between two 2D vectors in [0, 180]."""
    c = np.dot(a2, b2) / (np.linalg.norm(a2) * np.linalg.norm(b2))
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def wrap180(deg: float) -> float:
    """Map an angle to (-180, 180]."""
    w = (deg + 180.0) % 360.0 - 180.0
    return 180.0 if w == -180.0 else w


def _side(side: str) -> tuple[str, str]:
    if side not in ("L", "R"):
        raise ValueError(f"side must be 'L' or 'R', got {side!r}")
    return (side.lower(), "r" if side == "L" else "l")


def rest_hip_offset(rest: Skeleton, side: str) -> float:
    """Thigh angle relative to the pelvis in the rest pose: subtracted so that
    hip_extension_pelvis_deg is exactly 0 standing at rest (the rest thigh of a real rig is a
    few degrees off the pelvis axis)."""
    s, _ = _side(side)
    frame = sagittal_frame(rest)
    thigh = to_2d(rest[f"{s}_knee"] - rest[f"{s}_hip"], frame)
    return signed_posterior(-to_2d(rest.pelvis_up, frame), thigh)


def compute_angles(
    skel: Skeleton, rest: Skeleton, side: str, neutral_pitch_deg: float = 0.0
) -> dict[str, float]:
    """All per-frame GT angles (GT_COLUMNS) for the working ``side`` from joint positions;
    hip_extension_pelvis_deg uses the rest skeleton's thigh-to-pelvis offset (see
    _trunk_and_leg_angles for every definition)."""
    out = _trunk_and_leg_angles(skel, side, neutral_pitch_deg)
    s, _ = _side(side)
    frame = sagittal_frame(skel)
    thigh = to_2d(skel[f"{s}_knee"] - skel[f"{s}_hip"], frame)
    out["hip_extension_pelvis_deg"] = wrap180(
        signed_posterior(-to_2d(skel.pelvis_up, frame), thigh) - rest_hip_offset(rest, side)
    )
    return out


def _trunk_and_leg_angles(
    skel: Skeleton, side: str, neutral_pitch_deg: float = 0.0
) -> dict[str, float]:
    """Every GT angle (GT_COLUMNS) except hip_extension_pelvis_deg, for the working ``side``.

    neutral_pitch_deg: how far the posture's neutral pelvis is rotated backwards from upright:
        0 for kneeling/standing, 90 for lying supine. Pelvic tilt is measured from that neutral
        (a supine body with a neutral pelvis has 0 tilt, not -90).

    hip_extension_deg: from the trunk line extended past the hip (shoulder -> hip direction) to
        the thigh (hip -> knee); posterior positive.
    thigh_to_vertical_deg: from straight down to the thigh; posterior positive.
    thigh_to_horizontal_deg: elevation of the knee above the hip, in [-90, 90]; negative below.
    knee_flexion_deg / other_knee_flexion_deg: angle between thigh and shank, 0 = straight.
    trunk_inclination_deg: trunk (mid-hip -> mid-shoulder) from vertical, positive leaning back.
    pelvic_tilt_deg: pelvis_up from the neutral orientation, positive anterior.
    lumbar_extension_deg: lumbar_up relative to pelvis_up, positive when the spine is rotated
        posteriorly (arched) relative to the pelvis.
    """
    s, o = _side(side)
    frame = sagittal_frame(skel)
    mid_hip = (skel["l_hip"] + skel["r_hip"]) / 2
    mid_sh = (skel["l_shoulder"] + skel["r_shoulder"]) / 2
    trunk = to_2d(mid_sh - mid_hip, frame)
    thigh = to_2d(skel[f"{s}_knee"] - skel[f"{s}_hip"], frame)
    shank = to_2d(skel[f"{s}_ankle"] - skel[f"{s}_knee"], frame)
    o_thigh = to_2d(skel[f"{o}_knee"] - skel[f"{o}_hip"], frame)
    o_shank = to_2d(skel[f"{o}_ankle"] - skel[f"{o}_knee"], frame)
    pelvis = to_2d(skel.pelvis_up, frame)
    lumbar = to_2d(skel.lumbar_up, frame)
    down = np.array([0.0, -1.0])
    return {
        "hip_extension_deg": signed_posterior(-trunk, thigh),
        "thigh_to_vertical_deg": signed_posterior(down, thigh),
        "thigh_to_horizontal_deg": float(np.degrees(np.arctan2(thigh[1], abs(thigh[0])))),
        "knee_flexion_deg": unsigned_angle(thigh, shank),
        "other_knee_flexion_deg": unsigned_angle(o_thigh, o_shank),
        "trunk_inclination_deg": -anterior_angle(trunk),
        "pelvic_tilt_deg": wrap180(anterior_angle(pelvis) + neutral_pitch_deg),
        "lumbar_extension_deg": wrap180(anterior_angle(pelvis) - anterior_angle(lumbar)),
    }


def in_frame(pixels: dict[str, np.ndarray], width: int, height: int) -> int:
    """1 when every projected joint (shoulders, hips, knees, ankles) lies inside the image."""
    for xy in pixels.values():
        x, y = float(xy[0]), float(xy[1])
        if not (np.isfinite(x) and np.isfinite(y) and 0 <= x < width and 0 <= y < height):
            return 0
    return 1


# --- The interface of tools.clipgen.groundtruth (joint dict + bone rotations from the rig),
# so the tests can compare the two implementations ---

METRICS = GT_COLUMNS
_Z = np.array([0.0, 0.0, 1.0])


@dataclass(frozen=True)
class Bones:
    """World rotation matrices (3, 3) of the posed and rest bones the GT needs.

    ``*_rest`` are the same bones in anny's rest pose (standing, z up). A bone's delta
    rotation ``posed @ rest.T`` carries rest directions into the posed body.
    """

    pelvis: np.ndarray
    pelvis_rest: np.ndarray
    upper_lumbar: np.ndarray
    upper_lumbar_rest: np.ndarray
    thigh: np.ndarray
    thigh_rest: np.ndarray


def _delta(posed: np.ndarray, rest: np.ndarray) -> np.ndarray:
    return np.asarray(posed, dtype=float) @ np.asarray(rest, dtype=float).T


def angles(
    joints: dict[str, np.ndarray], side: str, bones: Bones, pitch_deg: float = 0.0
) -> dict[str, float]:
    """GT angles from joint centres keyed ``shoulder_L``, ``hip_R``, ... and bone rotations.

    pitch_deg: the posture's base rotation about the lateral axis as the generator applies it
        (0 upright, -90 lying supine); the neutral pelvis of the posture is at -pitch_deg.
    hip_extension_pelvis_deg: the thigh bone's axis against where the pelvis would carry the
        rest thigh axis (``pelvis delta @ rest thigh axis``); posterior positive, exactly 0 in
        the rest pose whatever the rig's rest thigh obliquity.
    """
    named = {f"{k[-1].lower()}_{k[:-2]}": np.asarray(v, dtype=float) for k, v in joints.items()}
    pelvis_delta = _delta(bones.pelvis, bones.pelvis_rest)
    skel = Skeleton(
        joints=named,
        pelvis_up=pelvis_delta @ _Z,
        lumbar_up=_delta(bones.upper_lumbar, bones.upper_lumbar_rest) @ _Z,
    )
    out = _trunk_and_leg_angles(skel, side, -pitch_deg)
    frame = sagittal_frame(skel)
    # Column 1 of a bone rotation is the bone's own axis (anny follows Blender: y head->tail).
    neutral = to_2d(pelvis_delta @ np.asarray(bones.thigh_rest, dtype=float)[:, 1], frame)
    posed = to_2d(np.asarray(bones.thigh, dtype=float)[:, 1], frame)
    out["hip_extension_pelvis_deg"] = wrap180(signed_posterior(neutral, posed))
    return {k: out[k] for k in METRICS}
