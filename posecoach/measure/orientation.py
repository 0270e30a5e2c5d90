"""Is the picture the right way up? Gravity checks on one pose, and poses turned.

A phone held sideways, or a clip whose rotation metadata was lost, shows the person
turned by a quarter or a half turn. The pose model finds the body just as well then, and
every angle is still computed, so nothing downstream would notice: an upside-down
kneeling stretch reads as a face-down exercise. The body itself tells, because whoever
does these stretches rests on a floor or a bench, and gravity leaves marks in the pose
that a turned picture does not have. `gravity_ok` checks them (image pixels, y down):

- the head is not far below the hips: a trunk inclination beyond `UPSIDE_DOWN_DEG` (the
  shoulders more than half a trunk length below the hips) is no stretch posecoach knows;
- lying face down: no knee more than `PRONE_KNEE_BELOW_THIGHS` thigh lengths below the
  trunk line, where the floor is (a bent-up knee of a body lying on its back, turned
  upside down, goes through the floor);
- and, asked only to choose among the turns of a picture already in doubt
  (`kneels_on_floor`), kneeling: the kneeling knee and the front foot rest on the same
  floor. The front ankle is within `FLOOR_LEVEL_THIGHS` thigh lengths of the kneeling
  knee's height, the front shank is steep (the foot under the knee, more than
  `FRONT_SHANK_MIN_DEG` below the horizontal) and the front knee is not above the hip
  (front thigh less than `FRONT_THIGH_MAX_DEG` above the horizontal). A lying body
  turned upright does not give all three: its other foot is in the air. From a camera
  above hip height the near leg's contact shows lower than the far leg's, so an upright
  kneeling body often fails it too; it is not part of `gravity_ok`.

What the checks cannot see: a kneeling body turned a quarter turn so that it lies on
its back looks like the edge-of-bench stretch with the other knee at 90 degrees, and a
bench body turned looks like one kneeling; every check passes. The clip-level choice
(posecoach.run.orientation) keeps such a picture as decoded unless the exercise given
says otherwise.

`turn_pose` gives the pose as the model would have found it in the picture turned by a
quarter turns clockwise, so the checks can be asked of every turn without running the
model again.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from posecoach.landmarks import Landmark, Side, sided
from posecoach.measure import geometry as geo
from posecoach.measure.frame import landmark_point, pair_midpoint
from posecoach.pose.upright import UPSIDE_DOWN_DEG  # one bound for both checks
from posecoach.types import Pose

TURNS_DEG = (0, 90, 180, 270)
FLOOR_LEVEL_THIGHS = 0.4
FRONT_SHANK_MIN_DEG = 50.0
FRONT_THIGH_MAX_DEG = 30.0
PRONE_KNEE_BELOW_THIGHS = 0.5


def turn_pose(pose: Pose, degrees: int) -> Pose:
    """`pose` in the picture turned `degrees` (0, 90, 180, 270) clockwise.

    Pixel (x, y) of a W x H image goes to (H - y, x) for 90, (W - x, H - y) for 180 and
    (y, W - x) for 270; the world landmarks (x right, y down in metres) and the mask turn
    with the picture, depth and scores stay.
    """
    turn = degrees % 360
    if turn not in TURNS_DEG:
        raise ValueError(f"a turn is 0, 90, 180 or 270 degrees, got {degrees}")
    if turn == 0:
        return pose
    width, height = pose.image_size
    x, y = pose.xy[:, 0], pose.xy[:, 1]
    if turn == 90:
        xy, size = np.stack([height - y, x], axis=1), (height, width)
    elif turn == 180:
        xy, size = np.stack([width - x, height - y], axis=1), (width, height)
    else:
        xy, size = np.stack([y, width - x], axis=1), (height, width)
    world = None
    if pose.world is not None:
        world = pose.world.copy()
        world[:, :2] = _turn_vectors(pose.world[:, :2], turn)
    mask = None if pose.mask is None else np.ascontiguousarray(np.rot90(pose.mask, -turn // 90))
    return dataclasses.replace(pose, xy=xy, image_size=size, world=world, mask=mask)


def _turn_vectors(v: np.ndarray, turn: int) -> np.ndarray:
    """Directions (x right, y down) turned clockwise on screen by `turn` degrees."""
    x, y = v[:, 0], v[:, 1]
    if turn == 90:
        return np.stack([-y, x], axis=1)
    if turn == 180:
        return np.stack([-x, -y], axis=1)
    return np.stack([y, -x], axis=1)


def gravity_ok(pose: Pose | None, posture: str, trunk_inclination_deg: float) -> bool | None:
    """Whether `pose` is possible in a picture the right way up: no trunk beyond
    UPSIDE_DOWN_DEG, no knee through the floor lying face down.

    posture: the posture label of the frame (posecoach.measure.stream.classify_posture).
    None when it cannot be checked: no pose, or no trunk. The floor under a kneeling
    body's front foot is not asked here (`kneels_on_floor`): how level the two contacts
    look depends on the camera's height and on which leg is nearer, so it only helps to
    choose among turns of a picture already in doubt.
    """
    if pose is None or not np.isfinite(trunk_inclination_deg):
        return None
    if abs(trunk_inclination_deg) > UPSIDE_DOWN_DEG:
        return False
    if posture == "prone":
        return not _knee_through_floor(pose)
    return True


def kneels_on_floor(pose: Pose, kneeling: Side | None) -> bool:
    """The kneeling check: the leg `kneeling` kneels and the other foot stands on the same
    floor (the module's three conditions)."""
    return kneeling is not None and _front_foot_on_floor(pose, kneeling)


def _front_foot_on_floor(pose: Pose, kneeling: Side) -> bool:
    hip = landmark_point(pose, sided("hip", kneeling))
    knee = landmark_point(pose, sided("knee", kneeling))
    front_hip = landmark_point(pose, sided("hip", kneeling.other))
    front_knee = landmark_point(pose, sided("knee", kneeling.other))
    front_ankle = landmark_point(pose, sided("ankle", kneeling.other))
    if not all(p.ok for p in (hip, knee, front_hip, front_knee, front_ankle)):
        return False  # the front foot is not seen: no floor under it is shown
    thigh = float(geo.norm(knee.xy - hip.xy))
    if not thigh > 0:
        return False
    level = abs(float(front_ankle.xy[1] - knee.xy[1])) <= FLOOR_LEVEL_THIGHS * thigh
    shank_steep = float(geo.elevation(front_ankle.xy - front_knee.xy)) < -FRONT_SHANK_MIN_DEG
    thigh_low = float(geo.elevation(front_knee.xy - front_hip.xy)) < FRONT_THIGH_MAX_DEG
    return level and shank_steep and thigh_low


def _knee_through_floor(pose: Pose) -> bool:
    shoulder = pair_midpoint(pose, Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER)
    hip = pair_midpoint(pose, Landmark.LEFT_HIP, Landmark.RIGHT_HIP)
    if not (shoulder.ok and hip.ok):
        return False
    trunk = shoulder.xy - hip.xy
    length = float(geo.norm(trunk))
    if not length > 0:
        return False
    below = np.array([-trunk[1], trunk[0]]) / length  # perpendicular to the trunk line
    if below[1] < 0:
        below = -below  # the side of the line towards the bottom of the picture
    for side in Side:
        leg_hip = landmark_point(pose, sided("hip", side))
        knee = landmark_point(pose, sided("knee", side))
        if not (leg_hip.ok and knee.ok):
            continue
        thigh = float(geo.norm(knee.xy - leg_hip.xy))
        if thigh > 0 and float(np.dot(knee.xy - hip.xy, below)) > PRONE_KNEE_BELOW_THIGHS * thigh:
            return True
    return False
