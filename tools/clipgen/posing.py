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
    hands: str = ""  # a HAND_PLACEMENTS name; "" keeps the sample clips' hanging arms


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
    hands: str = ""  # a HAND_PLACEMENTS name; "" keeps the sample clips' arms
    held_knee: str = ""  # the side whose knee the hands hold ("front_knee" placement)


# Where the hands go (Poser.place_hands). "front_knee" is the front (standing) knee when
# kneeling and the knee pulled to the chest when lying.
HAND_PLACEMENTS = ("hips", "low_back", "front_knee", "overhead", "sides")


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
        if k.hands:
            self.place_hands(rots, k.hands, front)
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
        if s.hands:
            self.place_hands(rots, s.hands, s.held_knee or "L")
        return rots

    # ------------------------------------------------------------------------ arms

    def hand_targets(
        self, rots: dict[str, np.ndarray], placement: str, knee_side: str
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Wrist target and elbow pole direction per arm, in the body's posed frame.

        Targets are built from the posed joints (forward kinematics of `rots`) in the
        trunk's own frame (up = mid-hip to mid-shoulder, back = posterior, x lateral), so
        a hand on the hip stays on the hip when the trunk leans or the body lies down.
        """
        body = self.body
        heads, _ = body.forward_kinematics(rots, np.zeros(3))
        hip = {s: heads[body.joint("hip", s)] for s in ("L", "R")}
        shoulder = {s: heads[body.joint("shoulder", s)] for s in ("L", "R")}
        mid_hip = (hip["L"] + hip["R"]) / 2
        mid_shoulder = (shoulder["L"] + shoulder["R"]) / 2
        up = mid_shoulder - mid_hip
        up /= np.linalg.norm(up)
        x = np.array([1.0, 0.0, 0.0])
        back = np.cross(up, x)
        knee = heads[body.joint("knee", knee_side)]
        ankle = heads[body.joint("ankle", knee_side)]
        shin = (ankle - knee) / max(np.linalg.norm(ankle - knee), 1e-9)
        targets = {}
        for s in ("L", "R"):
            out = x * (1.0 if hip[s][0] > mid_hip[0] else -1.0)  # lateral, this arm's side
            reach = self.arm_length(s)
            if placement == "hips":  # hands on the iliac crests, elbows out and back
                t = hip[s] + out * 0.08 + up * 0.11 + back * 0.01
                pole = out + 0.6 * back
            elif placement == "low_back":  # backs of the hands on the lumbar spine
                t = mid_hip + out * 0.07 + up * 0.16 + back * 0.17
                pole = out + 0.3 * back
            elif placement == "front_knee":  # hands on the knee, or on the thigh near it
                t = knee + out * 0.06 + 0.06 * shin - back * 0.02 + up * 0.04
                # Out of reach (upright trunk, long thigh): slide up the thigh until the
                # hand reaches, as a person resting their hands on the front leg does.
                thigh_hip = hip[knee_side] + out * 0.06 + up * 0.04
                for _ in range(20):
                    if np.linalg.norm(t - shoulder[s]) <= 0.97 * reach:
                        break
                    t = t + 0.1 * (thigh_hip - t)
                pole = out - 0.5 * up
            elif placement == "overhead":  # arms up along the trunk line
                t = shoulder[s] + up * 0.93 * reach + out * 0.06 - back * 0.05
                pole = out - 0.3 * back
            elif placement == "sides":  # hanging by the sides
                t = shoulder[s] - up * 0.93 * reach + out * 0.09
                pole = back + 0.2 * out
            else:
                raise ValueError(f"unknown hand placement {placement!r}")
            targets[s] = (t, pole)
        return targets

    def arm_length(self, side: str) -> float:
        h, b = self.body.rest_heads, self.body
        upper = np.linalg.norm(h[b.bone(f"lowerarm01.{side}")] - h[b.bone(f"upperarm01.{side}")])
        fore = np.linalg.norm(h[b.bone(f"wrist.{side}")] - h[b.bone(f"lowerarm01.{side}")])
        return float(upper + fore)

    def place_hands(self, rots: dict[str, np.ndarray], placement: str, knee_side: str) -> None:
        """Shoulder and elbow rotations that put each wrist at its placement's target.

        Two-link inverse kinematics per arm: the elbow sits where the upper arm and
        forearm lengths meet, bent towards the placement's pole direction; each bone's
        delta is then the smallest rotation taking its rest direction onto the wanted one
        (expressed in its parent's accumulated frame, anny's local-ref convention). Exact
        for the wrist position when the target is within reach (else the arm points at
        it, straight); the hand's own twist is not controlled. Deterministic.
        """
        body = self.body
        for s, (target, pole) in self.hand_targets(rots, placement, knee_side).items():
            ua, la, wr = (body.bone(f"{n}.{s}") for n in ("upperarm01", "lowerarm01", "wrist"))
            for name in ("upperarm01", "upperarm02", "lowerarm01", "lowerarm02"):
                rots.pop(f"{name}.{s}", None)
            heads, acc = body.forward_kinematics(rots, np.zeros(3))
            rest = body.rest_heads
            r1, r2 = rest[la] - rest[ua], rest[wr] - rest[la]
            l1, l2 = float(np.linalg.norm(r1)), float(np.linalg.norm(r2))
            shoulder = heads[ua]
            d = target - shoulder
            dist = float(np.clip(np.linalg.norm(d), abs(l1 - l2) + 1e-3, l1 + l2 - 1e-3))
            u = d / max(np.linalg.norm(d), 1e-9)
            a = (l1 * l1 - l2 * l2 + dist * dist) / (2 * dist)
            h = math.sqrt(max(l1 * l1 - a * a, 0.0))
            v = pole - np.dot(pole, u) * u
            v = v / max(np.linalg.norm(v), 1e-9)
            elbow = shoulder + a * u + h * v
            wrist = shoulder + dist * u
            parent = acc[int(body.parents[ua])]
            d_upper = min_rotation(r1, parent.T @ (elbow - shoulder))
            rots[f"upperarm01.{s}"] = d_upper
            d_fore = min_rotation(r2, (parent @ d_upper).T @ (wrist - elbow))
            rots[f"lowerarm01.{s}"] = d_fore


def min_rotation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation (3x3) turning direction a onto direction b (Rodrigues)."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    s = float(np.linalg.norm(v))
    if s < 1e-9:
        if c > 0:
            return np.eye(3)
        # Opposite: half a turn about any axis perpendicular to a.
        axis = np.cross(a, [1.0, 0.0, 0.0])
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, [0.0, 1.0, 0.0])
        axis /= np.linalg.norm(axis)
        return 2 * np.outer(axis, axis) - np.eye(3)
    k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + k + k @ k * ((1 - c) / (s * s))
