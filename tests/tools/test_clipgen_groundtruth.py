"""The ground-truth maths of the synthetic clips, on poses whose answers are known.

World axes as in the generator: z up, the body faces -y (so +y is posterior), and the
sagittal plane is y-z. Pure numpy: no torch, anny or renderer needed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tools.clipgen.body import rot_x
from tools.clipgen.groundtruth import Bones, angles, signed_angle_x

I3 = np.eye(3)


def standing(thigh_deg: float = 0.0, knee_deg: float = 0.0, lean_deg: float = 0.0) -> dict:
    """Joint centres of a stick figure; the right thigh rotated `thigh_deg` backwards."""

    def seg(angle: float, length: float, down: bool = True) -> np.ndarray:
        a = math.radians(angle)
        # A downward segment rotated backwards by a: (y, z) = (sin a, -cos a).
        return np.array([0.0, math.sin(a), -math.cos(a)]) * length * (1 if down else -1)

    joints = {}
    for side, x in (("L", 0.1), ("R", -0.1)):
        hip = np.array([x, 0.0, 0.9])
        angle = thigh_deg if side == "R" else 0.0
        knee = hip + seg(angle, 0.45)
        ankle = knee + seg(angle + (knee_deg if side == "R" else 0.0), 0.42)
        # Trunk leaning forward by lean_deg: shoulders move to -y.
        a = math.radians(lean_deg)
        shoulder = hip + np.array([0.0, -math.sin(a), math.cos(a)]) * 0.5
        joints.update(
            {
                f"hip_{side}": hip,
                f"knee_{side}": knee,
                f"ankle_{side}": ankle,
                f"shoulder_{side}": shoulder,
            }
        )
    return joints


def bones(pelvis_deg: float = 0.0, lumbar_deg: float = 0.0, thigh_deg: float = 0.0) -> Bones:
    """Bone rotations: pelvis tipped forward, lumbar extended on it, thigh in the world."""
    pelvis = rot_x(pelvis_deg)
    return Bones(
        pelvis=pelvis,
        pelvis_rest=I3,
        upper_lumbar=pelvis @ rot_x(-lumbar_deg),
        upper_lumbar_rest=I3,
        thigh=rot_x(thigh_deg),  # the thigh bone's own world rotation
        thigh_rest=I3,
    )


def test_signed_angle_sense():
    down, back = np.array([0, 0, -1.0]), np.array([0, 1.0, 0])
    assert signed_angle_x(down, back) == pytest.approx(90.0)
    assert signed_angle_x(back, down) == pytest.approx(-90.0)


def test_neutral_standing_is_all_zero():
    values = angles(standing(), "R", bones(), 0.0)
    for name in (
        "hip_extension_deg",
        "thigh_to_vertical_deg",
        "knee_flexion_deg",
        "trunk_inclination_deg",
        "pelvic_tilt_deg",
        "lumbar_extension_deg",
        "hip_extension_pelvis_deg",
        "other_knee_flexion_deg",
    ):
        assert values[name] == pytest.approx(0.0, abs=1e-9), name
    assert values["thigh_to_horizontal_deg"] == pytest.approx(-90.0)


def test_pure_thigh_extension_is_positive_everywhere():
    values = angles(standing(thigh_deg=15.0), "R", bones(thigh_deg=15.0), 0.0)
    assert values["hip_extension_deg"] == pytest.approx(15.0)
    assert values["thigh_to_vertical_deg"] == pytest.approx(15.0)
    assert values["hip_extension_pelvis_deg"] == pytest.approx(15.0)
    assert values["thigh_to_horizontal_deg"] == pytest.approx(-75.0)
    # The other leg did not move.
    assert angles(standing(thigh_deg=15.0), "L", bones(), 0.0)["hip_extension_deg"] == (
        pytest.approx(0.0, abs=1e-9)
    )


def test_hip_flexion_is_negative_and_knee_flexion_unsigned():
    values = angles(standing(thigh_deg=-90.0, knee_deg=90.0), "R", bones(thigh_deg=-90), 0.0)
    assert values["hip_extension_deg"] == pytest.approx(-90.0)
    assert values["thigh_to_horizontal_deg"] == pytest.approx(0.0, abs=1e-9)
    assert values["knee_flexion_deg"] == pytest.approx(90.0)


def test_trunk_leaning_back_is_positive():
    assert angles(standing(lean_deg=-10), "R", bones(), 0.0)["trunk_inclination_deg"] == (
        pytest.approx(10.0)
    )
    forward = angles(standing(lean_deg=20), "R", bones(), 0.0)
    assert forward["trunk_inclination_deg"] == pytest.approx(-20.0)
    # Leaning forward with a vertical thigh opens the trunk-thigh angle the other way.
    assert forward["hip_extension_deg"] == pytest.approx(-20.0)


def test_anterior_pelvic_tilt_and_arching_signs():
    # Pelvis tipped forward 12 deg, lumbar spine extended 15 deg relative to it.
    values = angles(standing(), "R", bones(pelvis_deg=12.0, lumbar_deg=15.0), 0.0)
    assert values["pelvic_tilt_deg"] == pytest.approx(12.0)
    assert values["lumbar_extension_deg"] == pytest.approx(15.0)
    # The thigh stayed vertical while the pelvis tipped forward: relative to the pelvis the
    # hip is flexed (the compensation that makes a thigh look better than the hip is).
    assert values["hip_extension_pelvis_deg"] == pytest.approx(-12.0)


def test_pelvic_tilt_is_relative_to_the_lying_body():
    lying = bones(pelvis_deg=-90.0 + 8.0)
    assert angles(standing(), "R", lying, -90.0)["pelvic_tilt_deg"] == pytest.approx(8.0)


def test_knee_below_hip_gives_negative_thigh_to_horizontal():
    joints = standing()
    joints["knee_R"] = joints["hip_R"] + np.array([0.0, -0.4, -0.1])  # forward and lower
    assert angles(joints, "R", bones(), 0.0)["thigh_to_horizontal_deg"] == pytest.approx(
        -math.degrees(math.atan2(0.1, 0.4))
    )
