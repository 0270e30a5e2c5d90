"""The thigh's direction from its outline, on drawn thighs with a known axis."""

import math

import cv2
import numpy as np
import pytest
from fixtures.poses import Figure, make_pose

from posecoach.landmarks import Landmark, Side
from posecoach.measure import geometry as geo
from posecoach.measure.calibration import DEFAULT_CALIBRATION, Calibration
from posecoach.measure.frame import body_points, compute_metrics
from posecoach.measure.thigh import outline_axis
from posecoach.types import Pose

W, H = 960, 540
HIP = np.array([480.0, 200.0])
LENGTH = 180.0


def _point(angle_deg: float, facing: int, length: float = LENGTH) -> np.ndarray:
    return HIP + length * geo.direction_from_down(angle_deg, facing)


def drawn_thigh(angle_deg: float, facing: int, width: float = 0.32) -> np.ndarray:
    """A mask with one thigh: a band `width` thigh lengths thick from the hip to the knee
    at `angle_deg` from vertical, tapering a little towards the knee like a real one."""
    knee = _point(angle_deg, facing)
    u = (knee - HIP) / LENGTH
    n = np.array([-u[1], u[0]])
    half_hip, half_knee = width / 2 * LENGTH, 0.8 * width / 2 * LENGTH
    poly = np.array(
        [HIP + half_hip * n, knee + half_knee * n, knee - half_knee * n, HIP - half_hip * n]
    )
    mask = np.zeros((H, W), np.float32)
    cv2.fillPoly(mask, [np.round(poly * 16).astype(np.int32)], 1.0, cv2.LINE_AA, shift=4)
    return mask


def _angle(axis: np.ndarray, facing: int) -> float:
    return float(geo.inclination_from_down(axis, facing))


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("true_deg", [5.0, 14.0, 23.0])
def test_outline_recovers_the_drawn_axis_from_a_turned_landmark_axis(facing, true_deg):
    """Landmarks 4 deg short of the real thigh (as BlazePose reads a deep stretch): the
    outline's midline turns the axis back onto the drawn one."""
    mask = drawn_thigh(true_deg, facing)
    landmark_knee = _point(true_deg - 4.0, facing)
    axis = outline_axis(mask, HIP, landmark_knee, (W, H))
    assert axis is not None
    assert np.linalg.norm(axis) == pytest.approx(1.0)
    assert _angle(axis, facing) == pytest.approx(true_deg, abs=0.3)


def test_mask_of_other_resolution_is_scaled():
    mask = drawn_thigh(14.0, 1)
    half = cv2.resize(mask, (W // 2, H // 2), interpolation=cv2.INTER_AREA)
    full = outline_axis(mask, HIP, _point(12.0, 1), (W, H))
    small = outline_axis(half, HIP, _point(12.0, 1), (W, H))
    assert _angle(small, 1) == pytest.approx(_angle(full, 1), abs=0.5)


def test_outline_merged_with_the_other_leg_is_not_trusted():
    """The other thigh swinging past joins the outline: the cross sections are too wide
    for one thigh (or, between the two, start outside the body)."""
    mask = np.maximum(drawn_thigh(14.0, 1), drawn_thigh(-20.0, 1))
    assert outline_axis(mask, HIP, _point(-3.0, 1), (W, H)) is None
    # Once they have come apart over most of the levels used, the working one is read
    # alone.
    mask = np.maximum(drawn_thigh(14.0, 1), drawn_thigh(-35.0, 1))
    apart = outline_axis(mask, HIP, _point(12.0, 1), (W, H))
    assert _angle(apart, 1) == pytest.approx(14.0, abs=0.3)


def test_no_body_under_the_axis_gives_none():
    mask = drawn_thigh(14.0, 1)
    assert outline_axis(mask, HIP, _point(60.0, 1), (W, H)) is None  # axis off the thigh
    assert outline_axis(np.zeros((H, W), np.float32), HIP, _point(14.0, 1), (W, H)) is None
    assert outline_axis(mask, HIP, HIP, (W, H)) is None  # no length


def test_outline_turning_the_axis_too_far_is_not_trusted():
    """A landmark axis 12 deg off that still lies inside the band: the outline would turn it
    more than MAX_TURN_DEG, which is not a thigh the landmarks and mask agree on."""
    mask = drawn_thigh(14.0, 1, width=0.5)
    assert outline_axis(mask, HIP, _point(2.0, 1), (W, H)) is None


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("angle", [-100.0, -30.0, 0.0, 17.5, 90.0])
def test_direction_from_down_inverts_inclination_from_down(facing, angle):
    v = geo.direction_from_down(angle, facing)
    assert np.linalg.norm(v) == pytest.approx(1.0)
    assert float(geo.inclination_from_down(v, facing)) == pytest.approx(angle, abs=1e-9)


def _figure_with_thigh_mask(facing: int, drawn_deg: float) -> Pose:
    """A stick figure whose working thigh reads 10 deg from its landmarks, with a mask of
    a thigh drawn at `drawn_deg` from its hip landmark."""
    fig = Figure(facing=facing, side=Side.LEFT, thigh_deg=10.0, trunk_incl=0.0)
    pose = make_pose(fig)
    hip = pose.xy[int(Landmark.LEFT_HIP)]
    knee = hip + 180.0 * geo.direction_from_down(drawn_deg, facing)
    u = (knee - hip) / 180.0
    n = np.array([-u[1], u[0]]) * 0.16 * 180.0
    w, h = pose.image_size
    mask = np.zeros((h, w), np.float32)
    poly = np.array([hip + n, knee + 0.8 * n, knee - 0.8 * n, hip - n])
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1.0)
    return Pose(pose.xy, pose.z, pose.visibility, pose.presence, pose.image_size, mask=mask)


@pytest.mark.parametrize("facing", [1, -1])
def test_upright_thigh_metrics_follow_the_outline_less_its_offset(facing):
    offset = 3.0
    calib = Calibration(thigh_outline_offset_deg=offset)
    pose = _figure_with_thigh_mask(facing, drawn_deg=16.0)
    v = compute_metrics(pose, Side.LEFT, facing, calib).values
    assert v["thigh_to_vertical_deg"] == pytest.approx(16.0 - offset, abs=0.3)
    assert v["thigh_to_horizontal_deg"] == pytest.approx(-(90 - 16.0 + offset), abs=0.3)
    # Trunk upright: hip extension is the thigh's angle from vertical.
    assert v["hip_extension_deg"] == pytest.approx(16.0 - offset, abs=0.3)
    # Without the offset set the landmarks alone decide, mask or not.
    plain = compute_metrics(pose, Side.LEFT, facing, Calibration()).values
    assert plain["thigh_to_vertical_deg"] == pytest.approx(10.0, abs=1e-6)


def test_lying_body_keeps_the_landmark_thigh():
    """Lying (trunk 90 deg from upright) the outline is not used, even with a mask."""
    fig = Figure(facing=1, side=Side.LEFT, thigh_deg=10.0, roll_deg=90.0)
    pose = make_pose(fig)
    w, h = pose.image_size
    full = Pose(pose.xy, pose.z, pose.visibility, pose.presence, pose.image_size,
                mask=np.ones((h, w), np.float32))
    calib = Calibration(thigh_outline_offset_deg=3.0)
    assert body_points(full, Side.LEFT, 1, calib).thigh_axis is None


def test_default_calibration_uses_the_outline():
    assert DEFAULT_CALIBRATION.thigh_outline_offset_deg is not None
    assert math.isfinite(DEFAULT_CALIBRATION.thigh_outline_offset_deg)
