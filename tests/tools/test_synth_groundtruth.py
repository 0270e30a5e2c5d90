"""Ground-truth maths of the synthetic clip generator on constructed skeletons.

These run with numpy + pytest only: stick bodies with known joint angles, facing either way,
upright and supine.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tools.synth.groundtruth import Skeleton, compute_angles, in_frame

UP = np.array([0.0, 0.0, 1.0])


def _rot_x(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


def _rot_z(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])


def _standing(
    thigh_ext=0.0, knee=0.0, trunk_back=0.0, pelvis=0.0, lumbar=0.0, yaw=0.0, pitch=0.0
) -> Skeleton:
    """A stick body like anny's rest pose: z up, facing -y, left hip at +x.

    Rotations about +x move a downward segment's end backwards (+y), i.e. posterior. The
    working (right) thigh is extended by thigh_ext, the shank flexed by knee; the trunk leans
    back by trunk_back; pelvis_up tilts anterior by pelvis; lumbar_up is extended by lumbar.
    yaw turns the whole body about z, pitch lies it backwards about x (90 = supine).
    """
    j = {
        "l_hip": np.array([0.1, 0, 0]),
        "r_hip": np.array([-0.1, 0, 0]),
        "l_knee": np.array([0.1, 0, -0.4]),
        "l_ankle": np.array([0.1, 0, -0.8]),
    }
    j["r_knee"] = j["r_hip"] + _rot_x(thigh_ext) @ np.array([0, 0, -0.4])
    j["r_ankle"] = j["r_knee"] + _rot_x(thigh_ext + knee) @ np.array([0, 0, -0.4])
    trunk = _rot_x(-trunk_back) @ np.array([0, 0, 0.5])
    j["l_shoulder"] = np.array([0.18, 0, 0]) + trunk
    j["r_shoulder"] = np.array([-0.18, 0, 0]) + trunk
    pelvis_up = _rot_x(pelvis) @ UP
    lumbar_up = _rot_x(pelvis - lumbar) @ UP
    world = _rot_z(yaw) @ _rot_x(-pitch)
    return Skeleton(
        joints={k: world @ v for k, v in j.items()},
        pelvis_up=world @ pelvis_up,
        lumbar_up=world @ lumbar_up,
    )


REST = _standing()


def test_rest_pose_is_all_zero():
    a = compute_angles(REST, REST, "R")
    assert a.pop("thigh_to_horizontal_deg") == pytest.approx(-90)
    for name, value in a.items():
        assert value == pytest.approx(0.0, abs=1e-9), name


@pytest.mark.parametrize("yaw", [0.0, 180.0, 90.0, -37.0])
def test_pure_thigh_extension_any_facing(yaw):
    a = compute_angles(_standing(thigh_ext=15, yaw=yaw), REST, "R")
    assert a["hip_extension_deg"] == pytest.approx(15)
    assert a["thigh_to_vertical_deg"] == pytest.approx(15)
    assert a["hip_extension_pelvis_deg"] == pytest.approx(15)
    assert a["thigh_to_horizontal_deg"] == pytest.approx(-75)
    assert a["trunk_inclination_deg"] == pytest.approx(0, abs=1e-9)


def test_hip_flexion_is_negative_and_sides_are_independent():
    a = compute_angles(_standing(thigh_ext=-40), REST, "R")
    assert a["hip_extension_deg"] == pytest.approx(-40)
    assert a["thigh_to_vertical_deg"] == pytest.approx(-40)
    other = compute_angles(_standing(thigh_ext=-40), REST, "L")
    assert other["hip_extension_deg"] == pytest.approx(0, abs=1e-9)
    assert other["other_knee_flexion_deg"] == pytest.approx(0, abs=1e-4)


def test_knee_flexion_unsigned_zero_straight():
    a = compute_angles(_standing(thigh_ext=10, knee=60), REST, "R")
    assert a["knee_flexion_deg"] == pytest.approx(60)


@pytest.mark.parametrize("yaw", [0.0, 180.0])
def test_trunk_lean_back_positive_forward_negative(yaw):
    back = compute_angles(_standing(trunk_back=12, yaw=yaw), REST, "R")
    fwd = compute_angles(_standing(trunk_back=-20, yaw=yaw), REST, "R")
    assert back["trunk_inclination_deg"] == pytest.approx(12)
    assert fwd["trunk_inclination_deg"] == pytest.approx(-20)
    # Leaning the trunk forward with the thigh still is hip flexion w.r.t. the trunk line.
    assert fwd["hip_extension_deg"] == pytest.approx(-20)


def test_pelvis_anterior_tilt_positive_and_lumbar_extension():
    a = compute_angles(_standing(pelvis=15, lumbar=15), REST, "R")
    assert a["pelvic_tilt_deg"] == pytest.approx(15)
    assert a["lumbar_extension_deg"] == pytest.approx(15)
    # Thigh still in the world while the pelvis tips forward: the hip joint flexes.
    assert a["hip_extension_pelvis_deg"] == pytest.approx(-15)
    assert a["hip_extension_deg"] == pytest.approx(0, abs=1e-9)


def test_posterior_tilt_negative():
    a = compute_angles(_standing(pelvis=-8, lumbar=-8), REST, "L")
    assert a["pelvic_tilt_deg"] == pytest.approx(-8)
    assert a["lumbar_extension_deg"] == pytest.approx(-8)


@pytest.mark.parametrize("yaw", [0.0, 180.0])
def test_supine_hanging_thigh_below_horizontal(yaw):
    # Lying back 90 deg about the hips; the thigh, 12 deg extended, hangs below the bench.
    skel = _standing(thigh_ext=12, pitch=90, yaw=yaw)
    a = compute_angles(skel, REST, "R", neutral_pitch_deg=90)
    assert a["thigh_to_horizontal_deg"] == pytest.approx(-12)
    assert a["hip_extension_deg"] == pytest.approx(12)
    assert a["hip_extension_pelvis_deg"] == pytest.approx(12)
    assert a["pelvic_tilt_deg"] == pytest.approx(0, abs=1e-9)
    assert a["trunk_inclination_deg"] == pytest.approx(90)


def test_supine_pelvis_anterior_tilt_raises_thigh():
    skel = _standing(thigh_ext=12, pelvis=10, lumbar=10, pitch=90)
    a = compute_angles(skel, REST, "R", neutral_pitch_deg=90)
    assert a["pelvic_tilt_deg"] == pytest.approx(10)
    assert a["lumbar_extension_deg"] == pytest.approx(10)
    assert a["hip_extension_pelvis_deg"] == pytest.approx(2)


def test_in_frame():
    inside = {"a": np.array([10.0, 10.0]), "b": np.array([959.0, 539.0])}
    assert in_frame(inside, 960, 540) == 1
    assert in_frame({**inside, "c": np.array([-1.0, 5.0])}, 960, 540) == 0
    assert in_frame({"c": np.array([np.nan, 5.0])}, 960, 540) == 0


def test_bad_side_rejected():
    with pytest.raises(ValueError):
        compute_angles(REST, REST, "X")


def _rot_bones(pelvis=0.0, lumbar=0.0, thigh=0.0, yaw=0.0, pitch=0.0):
    """Bone rotations for the rig-style interface: rest = identity-like frames, posed =
    the world placement times a sagittal rotation (about x, + moves a distal end back)."""
    from tools.synth.groundtruth import Bones

    world = _rot_z(yaw) @ _rot_x(pitch)
    rest = np.eye(3)
    thigh_rest = _rot_x(180.0)  # a bone axis (column 1) pointing down, like anny's thigh
    return Bones(
        pelvis=world @ _rot_x(pelvis),
        pelvis_rest=rest,
        upper_lumbar=world @ _rot_x(pelvis - lumbar),
        upper_lumbar_rest=rest,
        thigh=world @ _rot_x(thigh) @ thigh_rest,
        thigh_rest=thigh_rest,
    )


@pytest.mark.parametrize("yaw", [0.0, 180.0])
def test_rig_interface_matches_vector_interface(yaw):
    from tools.synth.groundtruth import angles

    skel = _standing(thigh_ext=20, pelvis=-6, lumbar=-4, yaw=yaw)
    joints = {f"{k[2:]}_{k[0].upper()}": v for k, v in skel.joints.items()}
    bones = _rot_bones(pelvis=-6, lumbar=-4, thigh=20, yaw=yaw)
    a = angles(joints, "R", bones, 0.0)
    b = compute_angles(skel, REST, "R")
    for key in b:
        assert a[key] == pytest.approx(b[key], abs=1e-6), key
    assert a["hip_extension_pelvis_deg"] == pytest.approx(26)
    assert a["pelvic_tilt_deg"] == pytest.approx(-6)


def test_rig_interface_supine_pitch_taken_out():
    from tools.synth.groundtruth import angles

    skel = _standing(thigh_ext=12, pelvis=10, lumbar=10, pitch=90)
    joints = {f"{k[2:]}_{k[0].upper()}": v for k, v in skel.joints.items()}
    a = angles(joints, "R", _rot_bones(pelvis=10, lumbar=10, thigh=12, pitch=-90), -90.0)
    assert a["pelvic_tilt_deg"] == pytest.approx(10)
    assert a["lumbar_extension_deg"] == pytest.approx(10)
    assert a["hip_extension_pelvis_deg"] == pytest.approx(2)
    assert a["thigh_to_horizontal_deg"] == pytest.approx(-12)


@pytest.mark.skipif(
    importlib.util.find_spec("tools.clipgen") is None, reason="tools/clipgen not present"
)
def test_agrees_with_clipgen_implementation():
    """Two independent implementations of the same conventions must agree.

    tools/clipgen (the clip generator) measures in the world y-z plane and so assumes the body
    faces -y, as every body it renders does; this module builds the sagittal frame from the hip
    axis. On random sagittal poses of a body facing -y, upright or supine, they must match.
    """
    from tools.clipgen import groundtruth as clipgen_gt
    from tools.synth.groundtruth import angles

    rng = np.random.default_rng(3)
    for _ in range(50):
        pitch = float(rng.choice([0.0, 90.0]))
        p = dict(
            thigh_ext=rng.uniform(-60, 40),
            knee=rng.uniform(0, 120),
            trunk_back=rng.uniform(-30, 20),
            pelvis=rng.uniform(-15, 20),
            lumbar=rng.uniform(-10, 20),
        )
        skel = _standing(**p, pitch=pitch)
        joints = {f"{k[2:]}_{k[0].upper()}": v for k, v in skel.joints.items()}
        bones = _rot_bones(
            pelvis=p["pelvis"], lumbar=p["lumbar"], thigh=p["thigh_ext"], pitch=-pitch
        )
        ours = angles(joints, "R", bones, -pitch)
        theirs = clipgen_gt.angles(joints, "R", clipgen_gt.Bones(**vars(bones)), -pitch)
        for key in ours:
            assert ours[key] == pytest.approx(theirs[key], abs=1e-6), (key, p, pitch)
