"""Poses with known angles, built from a stick figure in 3-D and projected.

The body frame is (anterior, up, left) in metres; the camera looks at the body's
RIGHT side when facing = +1 (left side when -1; see posecoach.measure.geometry), turned
`yaw_deg` away from a pure side view. Angles follow DOMAIN.md: trunk_incl positive
leaning back; a thigh's angle `thigh_deg` is its inclination from straight down,
positive = knee posterior; knee flexion bends the shank posteriorly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecoach.landmarks import NUM_LANDMARKS, Landmark, Side, sided
from posecoach.types import Pose

TRUNK = 0.5
THIGH = 0.45
SHANK = 0.43
HALF_WIDTH = {"shoulder": 0.18, "hip": 0.11, "knee": 0.1, "ankle": 0.1}
PX_PER_M = 400.0
IMAGE_SIZE = (1280, 960)


@dataclass(frozen=True)
class Figure:
    """A half-kneeling-like stick figure; the working leg is `side`."""

    facing: int = 1
    side: Side = Side.LEFT
    trunk_incl: float = 0.0
    thigh_deg: float = 10.0  # working thigh from vertical down, + = knee posterior
    knee_flex: float = 90.0
    other_thigh_deg: float = -80.0
    other_knee_flex: float = 90.0
    yaw_deg: float = 0.0
    hip_at: tuple[float, float] = (640.0, 520.0)
    roll_deg: float = 0.0  # rotate the whole figure in the image (lying bodies)


def _down(angle_deg: float) -> np.ndarray:
    """(anterior, up) unit vector at `angle_deg` from straight down, + = posterior."""
    t = np.radians(angle_deg)
    return np.array([-np.sin(t), -np.cos(t)])


def body_points(fig: Figure) -> dict[Landmark, np.ndarray]:
    """(anterior, up, left) positions in metres of the landmarks we use."""
    t = np.radians(fig.trunk_incl)
    up = np.array([-np.sin(t), np.cos(t)])
    ant = np.array([np.cos(t), np.sin(t)])
    mid_sh = TRUNK * up
    pts: dict[Landmark, np.ndarray] = {}
    for s in Side:
        lat = 1.0 if s is Side.LEFT else -1.0
        work = s is fig.side
        thigh = _down(fig.thigh_deg if work else fig.other_thigh_deg)
        flex = fig.knee_flex if work else fig.other_knee_flex
        shank = _down((fig.thigh_deg if work else fig.other_thigh_deg) + flex)
        knee = THIGH * thigh
        ankle = knee + SHANK * shank
        for joint, p in (
            ("shoulder", mid_sh),
            ("hip", np.zeros(2)),
            ("knee", knee),
            ("ankle", ankle),
        ):
            pts[sided(joint, s)] = np.array([p[0], p[1], lat * HALF_WIDTH[joint]])
        pts[sided("ear", s)] = np.array([*(mid_sh + 0.25 * up), lat * 0.07])
    pts[Landmark.NOSE] = np.array([*(mid_sh + 0.25 * up + 0.1 * ant), 0.0])
    return pts


def make_pose(
    fig: Figure, drop: tuple[Landmark, ...] = (), low_vis: tuple[Landmark, ...] = ()
) -> Pose:
    """Project the figure; `drop` landmarks are NaN, `low_vis` ones have visibility 0.1."""
    xy = np.full((NUM_LANDMARKS, 2), np.nan)
    z = np.full(NUM_LANDMARKS, np.nan)
    world = np.full((NUM_LANDMARKS, 3), np.nan)
    c, s = np.cos(np.radians(fig.yaw_deg)), np.sin(np.radians(fig.yaw_deg))
    r = np.radians(fig.roll_deg)
    rot = np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
    for lm, (a, u, lat) in body_points(fig).items():
        x_m = fig.facing * a * c + lat * s
        depth = fig.facing * lat * c + a * s
        img = rot @ np.array([x_m, -u]) * PX_PER_M
        xy[int(lm)] = np.array(fig.hip_at) + img
        z[int(lm)] = depth * PX_PER_M / IMAGE_SIZE[0]
        world[int(lm)] = [img[0] / PX_PER_M, img[1] / PX_PER_M, depth]
    vis = np.where(np.all(np.isfinite(xy), axis=1), 0.95, 0.0)
    for lm in drop:
        xy[int(lm)] = np.nan
    for lm in low_vis:
        vis[int(lm)] = 0.1
    pose = Pose.from_pixels(xy, IMAGE_SIZE, visibility=vis, z=np.nan_to_num(z))
    return Pose(
        xy=pose.xy,
        z=pose.z,
        visibility=pose.visibility,
        presence=np.where(np.all(np.isfinite(xy), axis=1), 0.99, 0.0),
        image_size=IMAGE_SIZE,
        world=world,
    )
