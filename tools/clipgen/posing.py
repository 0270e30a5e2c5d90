"""Whole-body poses for the stretches, from a few sagittal parameters.

Angles in degrees. Rotations about x (see body.py): + moves a thigh's knee back
(extension), a shank's ankle back (knee flexion), the trunk forward (flexion) and the
pelvis forward (anterior tilt). The sagittal direction of a vector (y, z) is
`sag = atan2(y, -z)`: 0 points down, +90 points backwards (+y), -90 forwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tools.clipgen.body import LUMBAR_BONES, THORACIC_BONES, Body, rot_x, rot_y

OTHER = {"L": "R", "R": "L"}


@dataclass(frozen=True)
class Trunk:
    """pelvis_tilt: anterior +. lumbar_ext: upper lumbar vs pelvis, extension +.
    lean: thorax forward of the body's vertical, +."""

    pelvis_tilt: float = 0.0
    lumbar_ext: float = 0.0
    lean: float = 0.0


@dataclass(frozen=True)
class Kneeling:
    """Half-kneeling: `side` knee down (the stretched leg), the other foot forward.

    back_thigh: the kneeling thigh against the vertical, knee behind the hip = +.
    back_shank: its shank's direction (90 = lying flat backwards along the floor).
    front_ankle_y: where the front ankle stands (m, -y is forward of the kneeling knee,
    which is at y = 0).
    """

    side: str
    back_thigh: float
    back_shank: float = 86.0
    front_ankle_y: float = -0.52
    trunk: Trunk = Trunk()
    lift: float = 0.0  # raise the whole body (standing up between sides), m


@dataclass(frozen=True)
class Supine:
    """Lying on the back on a surface of height `surface_z` whose foot end is at y = edge.

    hip/knee: per side, hip delta (extension +, flexion -) and knee flexion.
    """

    hip: dict[str, float]
    knee: dict[str, float]
    trunk: Trunk = Trunk()
    surface_z: float = 0.6
    edge_y: float = 0.0
    breath: float = 0.0  # chest rise, degrees of thoracic extension


def sag(vector: np.ndarray) -> float:
    return math.degrees(math.atan2(vector[1], -vector[2]))


class Poser:
    """Turns the parameter records above into anny deltas and a root translation."""

    def __init__(self, body: Body):
        self.body = body
        h = body.rest_heads
        self.rest = {}
        for s in ("L", "R"):
            hip, knee = h[body.joint("hip", s)], h[body.joint("knee", s)]
            ankle, toe = h[body.joint("ankle", s)], h[body.joint("toe", s)]
            self.rest[s] = {
                "thigh": sag(knee - hip),
                "shank": sag(ankle - knee),
                "foot": sag(toe - ankle),
                "l1": float(np.hypot(*(knee - hip)[1:])),
                "l2": float(np.hypot(*(ankle - knee)[1:])),
            }

    def _trunk(self, trunk: Trunk, pitch: float, breath: float = 0.0) -> dict[str, np.ndarray]:
        rots = {"root": rot_x(pitch + trunk.pelvis_tilt)}
        for name in LUMBAR_BONES:
            rots[name] = rot_x(-trunk.lumbar_ext / len(LUMBAR_BONES))
        thorax = trunk.lean - trunk.pelvis_tilt + trunk.lumbar_ext - breath
        for name in THORACIC_BONES:
            rots[name] = rot_x(thorax / len(THORACIC_BONES))
        # Keep the head looking ahead of the trunk, and the arms hanging by the sides.
        rots["neck01"] = rot_x(-0.5 * trunk.lean)
        return rots

    def _arms(self, rots: dict[str, np.ndarray], swing: float, spread: float = 78.0) -> None:
        rots["upperarm01.L"] = rot_x(swing) @ rot_y(spread)
        rots["upperarm01.R"] = rot_x(swing) @ rot_y(-spread)
        rots["lowerarm01.L"] = rot_x(-15.0)
        rots["lowerarm01.R"] = rot_x(-15.0)

    def _leg(
        self,
        rots,
        side: str,
        thigh_world: float,
        knee: float,
        foot_world: float,
        pelvis_world: float,
    ) -> None:
        rest = self.rest[side]
        d_thigh = thigh_world - rest["thigh"] - pelvis_world
        shank_world = thigh_world + knee + (rest["shank"] - rest["thigh"])
        d_shank = shank_world - thigh_world - (rest["shank"] - rest["thigh"])
        d_foot = foot_world - rest["foot"] - (pelvis_world + d_thigh + d_shank)
        rots[f"upperleg01.{side}"] = rot_x(d_thigh)
        rots[f"lowerleg01.{side}"] = rot_x(d_shank)
        rots[f"foot.{side}"] = rot_x(d_foot)

    def kneeling(self, k: Kneeling) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Deltas and root translation: back knee centre on a cushion at y = 0."""
        back, front = k.side, OTHER[k.side]
        rots = self._trunk(k.trunk, 0.0)
        self._arms(rots, swing=-k.trunk.lean)
        pelvis = k.trunk.pelvis_tilt
        # Kneeling leg: shank along the floor behind, foot pointing back (toes tucked
        # under a little).
        rest = self.rest[back]
        back_knee = k.back_shank - k.back_thigh - (rest["shank"] - rest["thigh"])
        self._leg(rots, back, k.back_thigh, back_knee, 100.0, pelvis)
        heads, _ = self.body.forward_kinematics(rots, np.zeros(3))
        knee = heads[self.body.joint("knee", back)]
        translation = np.array([0.0, -knee[1], 0.10 - knee[2] + k.lift])
        hip = heads[self.body.joint("hip", front)] + translation
        target = np.array([0.0, k.front_ankle_y, 0.09 + k.lift])
        thigh_world, shank_world = self._two_link(front, hip, target)
        rest = self.rest[front]
        knee_flex = shank_world - thigh_world - (rest["shank"] - rest["thigh"])
        self._leg(rots, front, thigh_world, knee_flex, rest["foot"], pelvis)
        return rots, translation

    def _two_link(self, side: str, hip: np.ndarray, ankle: np.ndarray) -> tuple[float, float]:
        """World sagittal angles of thigh and shank reaching `ankle`, knee pointing forward."""
        l1, l2 = self.rest[side]["l1"], self.rest[side]["l2"]
        d = ankle[1:] - hip[1:]
        dist = min(float(np.hypot(*d)), l1 + l2 - 1e-4)
        to_ankle = math.atan2(d[0], -d[1])
        bend = math.acos(np.clip((l1 * l1 + dist * dist - l2 * l2) / (2 * l1 * dist), -1, 1))
        thigh = to_ankle - bend  # the knee goes forward (towards -y)
        knee = hip[1:] + l1 * np.array([math.sin(thigh), -math.cos(thigh)])
        shank = math.atan2(*(ankle[1:] - knee) * [1, -1])
        return math.degrees(thigh), math.degrees(shank)

    def supine(self, s: Supine) -> dict[str, np.ndarray]:
        """Deltas for lying on the back (placement follows from the mesh, see place_supine)."""
        rots = self._trunk(s.trunk, -90.0, s.breath)
        rots["neck01"] = rot_x(10.0)
        self._arms(rots, swing=0.0, spread=80.0)
        for side in ("L", "R"):
            rots[f"upperleg01.{side}"] = rot_x(s.hip[side])
            rots[f"lowerleg01.{side}"] = rot_x(s.knee[side])
            rots[f"foot.{side}"] = rot_x(-0.3 * s.knee[side])
        return rots
